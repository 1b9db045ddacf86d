#include "telemetry/segment_sender.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <future>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace slipway::telemetry {
namespace {

using namespace std::chrono_literals;

SegmentRecord request_record(unsigned status) {
  auto record = segment_for(continue_or_start_trace("", ""), 1700000000, 1700000001);
  record.method = "GET";
  record.path = "/";
  record.status = status;
  return record;
}

std::uint64_t dropped(const Registry& registry, std::string_view reason) {
  const auto text = registry.render_prometheus();
  const auto key = "trace_segments_dropped_total{reason=\"" + std::string(reason) + "\"} ";
  const auto at = text.find(key);
  if (at == std::string::npos) return 0;
  return std::stoull(text.substr(at + key.size()));
}

// A sink whose answers are ready at once: `deliver` gets each batch and says how many of its
// documents were refused.
template <typename Deliver>
SegmentBatchSink answered_at_once(Deliver deliver) {
  return [deliver](SegmentBatch batch) mutable -> BatchReceipt {
    const std::size_t refused = deliver(batch);
    return [refused] { return refused; };
  };
}

TEST(SegmentSender, DeliversRenderedDocumentsInBatches) {
  Registry registry;
  std::mutex mutex;
  std::vector<std::size_t> batch_sizes;
  std::vector<std::string> documents;
  {
    SegmentSender sender(
        "app", {.capacity = 100, .batch_size = 4, .flush_interval = 10s},
        answered_at_once([&](const SegmentBatch& batch) -> std::size_t {
          // The body is what PutTraceSegments takes: each document a JSON
          // string in an array.
          const auto sent = boost::json::parse(batch.body).at("TraceSegmentDocuments").as_array();
          EXPECT_EQ(sent.size(), batch.documents);
          std::lock_guard lock(mutex);
          batch_sizes.push_back(batch.documents);
          for (const auto& document : sent) {
            documents.emplace_back(document.as_string());
          }
          return 0;
        }),
        registry);
    for (int i = 0; i < 10; ++i) ASSERT_TRUE(sender.submit(request_record(200)));
    sender.flush();
  }
  ASSERT_EQ(documents.size(), 10u);
  for (auto size : batch_sizes) EXPECT_LE(size, 4u);
  const auto doc = boost::json::parse(documents.front()).as_object();
  EXPECT_EQ(doc.at("name").as_string(), "app");
  EXPECT_EQ(doc.at("http").at("response").at("status").as_int64(), 200);
  EXPECT_NE(registry.render_prometheus().find("trace_segments_sent_total 10\n"), std::string::npos);
}

TEST(SegmentSender, DropsAndCountsWhenTheQueueIsFull) {
  Registry registry;
  std::promise<void> release;
  auto released = release.get_future().share();
  std::atomic<int> delivered{0};
  {
    SegmentSender sender(
        "app", {.capacity = 3, .batch_size = 1, .flush_interval = 10s, .max_batches_in_flight = 2},
        [&](SegmentBatch batch) -> BatchReceipt {
          return [&, documents = batch.documents] {
            released.wait();  // the receiver does not answer: the queue fills
            delivered += static_cast<int>(documents);
            return std::size_t{0};
          };
        },
        registry);
    int accepted = 0;
    for (int i = 0; i < 20; ++i) accepted += sender.submit(request_record(200)) ? 1 : 0;
    // At most the queue's capacity, what the thread took from it (at most a full queue) and the
    // round of calls whose answers it has not read yet (two batches of one).
    EXPECT_LE(accepted, 3 + 3 + 2);
    EXPECT_EQ(dropped(registry, "queue_full"), static_cast<std::uint64_t>(20 - accepted));
    release.set_value();
    sender.flush();
    EXPECT_EQ(delivered.load(), accepted);
  }
}

// One call's round trip must not bound the rate: the thread hands over every batch of a round
// before it waits for the first answer (one call at a time would have handed over one).
TEST(SegmentSender, SeveralBatchesAreInFlightAtOnce) {
  Registry registry;
  std::atomic<int> handed_over{0};
  std::atomic<int> handed_over_at_first_answer{-1};
  {
    SegmentSender sender(
        "app",
        {.capacity = 100, .batch_size = 1, .flush_interval = 10s, .max_batches_in_flight = 3},
        [&](SegmentBatch) -> BatchReceipt {
          ++handed_over;
          return [&] {
            int unset = -1;
            handed_over_at_first_answer.compare_exchange_strong(unset, handed_over.load());
            return std::size_t{0};
          };
        },
        registry);
    sender.submit(request_record(200));
    sender.submit(request_record(200));
    sender.flush();
  }
  EXPECT_EQ(handed_over_at_first_answer.load(), 2);
  EXPECT_NE(registry.render_prometheus().find("trace_segments_sent_total 2\n"), std::string::npos);
}

TEST(SegmentSender, NeverMoreBatchesInFlightThanAllowed) {
  Registry registry;
  int outstanding = 0;  // handed over, not answered yet (only the sender's thread touches it)
  int most_outstanding = 0;
  {
    SegmentSender sender(
        "app",
        {.capacity = 100, .batch_size = 1, .flush_interval = 10s, .max_batches_in_flight = 2},
        [&](SegmentBatch) -> BatchReceipt {
          most_outstanding = std::max(most_outstanding, ++outstanding);
          return [&] {
            --outstanding;
            return std::size_t{0};
          };
        },
        registry);
    for (int i = 0; i < 8; ++i) sender.submit(request_record(200));
    sender.flush();
  }
  EXPECT_EQ(most_outstanding, 2);
  EXPECT_NE(registry.render_prometheus().find("trace_segments_sent_total 8\n"), std::string::npos);
}

// Polls `done` until it holds, for at most 10 s.
template <typename Condition>
bool wait_until(Condition done) {
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  while (!done()) {
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(1ms);
  }
  return true;
}

// Under steady traffic a wait for an answer is a context switch on the CPU that serves the
// requests: the answers to a full round are read when the next round wakes the thread, by when
// they have arrived. A flush still waits for every answer.
TEST(SegmentSender, WhileRoundsFollowTheirAnswersAreReadAtTheNextWake) {
  Registry registry;
  std::atomic<int> submitted{0};
  std::atomic<int> handed_over{0};
  std::vector<int> submitted_at_answer;  // the sender's thread's until it is stopped
  {
    SegmentSender sender(
        "app",
        {.capacity = 100, .batch_size = 1, .flush_interval = 10s, .max_batches_in_flight = 2},
        [&](SegmentBatch) -> BatchReceipt {
          ++handed_over;
          return [&] {
            submitted_at_answer.push_back(submitted.load());
            return std::size_t{0};
          };
        },
        registry);
    auto submit = [&] {
      ++submitted;
      ASSERT_TRUE(sender.submit(request_record(200)));
    };
    submit();
    submit();  // a full round: the thread wakes and writes both calls
    ASSERT_TRUE(wait_until([&] { return handed_over.load() == 2; }));
    submit();
    submit();  // the next round: its wake reads the first round's answers
    sender.flush();
    EXPECT_NE(registry.render_prometheus().find("trace_segments_sent_total 4\n"),
              std::string::npos);
  }
  ASSERT_EQ(submitted_at_answer.size(), 4u);
  EXPECT_EQ(submitted_at_answer[0], 4);
  EXPECT_EQ(submitted_at_answer[1], 4);
}

// A batch that cannot be handed over, one whose answer refuses a document, and one whose answer
// never comes (the receipt throws) are each counted for what they are.
TEST(SegmentSender, CountsFailedAndRefusedDeliveries) {
  Registry registry;
  int calls = 0;  // only the sender's thread touches it
  SegmentSender sender(
      "app", {.capacity = 100, .batch_size = 2, .flush_interval = 10s},
      [&](SegmentBatch) -> BatchReceipt {
        const int call = calls++;
        if (call == 0) throw std::runtime_error("xray unreachable");
        return [call]() -> std::size_t {
          if (call == 2) throw std::runtime_error("xray did not answer");
          return 1;  // the receiver refused one document of the batch
        };
      },
      registry);
  for (int round = 0; round < 3; ++round) {
    sender.submit(request_record(500));
    sender.submit(request_record(500));
    sender.flush();
  }
  EXPECT_EQ(dropped(registry, "send_failed"), 4u);
  EXPECT_EQ(dropped(registry, "rejected"), 1u);
  EXPECT_NE(registry.render_prometheus().find("trace_segments_sent_total 1\n"), std::string::npos);
}

TEST(SegmentSender, StoppingWhileDeliveryFailsDropsTheRestInsteadOfWaiting) {
  Registry registry;
  std::atomic<int> calls{0};
  {
    // Batches of 10 and a long interval: the five below wake no delivery before the stop.
    SegmentSender sender(
        "app", {.capacity = 100, .batch_size = 10, .flush_interval = 60s},
        [&](SegmentBatch) -> BatchReceipt {
          ++calls;
          throw std::runtime_error("xray unreachable");
        },
        registry);
    sender.submit(request_record(200));
    sender.flush();  // one failed delivery: the sender now knows X-Ray is failing
    for (int i = 0; i < 5; ++i) sender.submit(request_record(200));
  }  // stops: the five are dropped without a call each
  EXPECT_EQ(calls.load(), 1);
  EXPECT_EQ(dropped(registry, "send_failed"), 6u);
}

}  // namespace
}  // namespace slipway::telemetry
