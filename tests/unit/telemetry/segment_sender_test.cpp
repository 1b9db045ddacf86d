#include "telemetry/segment_sender.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <condition_variable>
#include <future>
#include <mutex>
#include <stdexcept>

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

TEST(SegmentSender, DeliversRenderedDocumentsInBatches) {
  Registry registry;
  std::mutex mutex;
  std::vector<std::size_t> batch_sizes;
  std::vector<std::string> documents;
  {
    SegmentSender sender(
        "app", {.capacity = 100, .batch_size = 4, .flush_interval = 10s},
        [&](const SegmentBatch& batch) -> std::size_t {
          // The body is what PutTraceSegments takes: each document a JSON string in an array.
          const auto sent = boost::json::parse(batch.body).at("TraceSegmentDocuments").as_array();
          EXPECT_EQ(sent.size(), batch.documents);
          std::lock_guard lock(mutex);
          batch_sizes.push_back(batch.documents);
          for (const auto& document : sent) documents.emplace_back(document.as_string());
          return 0;
        },
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
        [&](const SegmentBatch& batch) -> std::size_t {
          released.wait();  // the receiver is stuck: the queue fills
          delivered += static_cast<int>(batch.documents);
          return 0;
        },
        registry);
    int accepted = 0;
    for (int i = 0; i < 20; ++i) accepted += sender.submit(request_record(200)) ? 1 : 0;
    // At most the queue's capacity plus the two batches (of one) in delivery.
    EXPECT_LE(accepted, 5);
    EXPECT_EQ(dropped(registry, "queue_full"), static_cast<std::uint64_t>(20 - accepted));
    release.set_value();
    sender.flush();
    EXPECT_EQ(delivered.load(), accepted);
  }
}

// One call's round trip must not bound the rate: a receiver that answers only once two batches
// are in it at the same time sees them both (with one batch in flight it would wait out the
// deadline and see one).
TEST(SegmentSender, SeveralBatchesAreInFlightAtOnce) {
  Registry registry;
  std::mutex mutex;
  std::condition_variable both_inside;
  int inside = 0;
  int most_inside = 0;
  {
    SegmentSender sender(
        "app",
        {.capacity = 100, .batch_size = 1, .flush_interval = 10s, .max_batches_in_flight = 3},
        [&](const SegmentBatch&) -> std::size_t {
          std::unique_lock lock(mutex);
          most_inside = std::max(most_inside, ++inside);
          both_inside.notify_all();
          both_inside.wait_for(lock, 5s, [&] { return most_inside >= 2; });
          --inside;
          return 0;
        },
        registry);
    sender.submit(request_record(200));
    sender.submit(request_record(200));
    sender.flush();
  }
  EXPECT_EQ(most_inside, 2);
  EXPECT_NE(registry.render_prometheus().find("trace_segments_sent_total 2\n"), std::string::npos);
}

TEST(SegmentSender, NeverMoreBatchesInFlightThanAllowed) {
  Registry registry;
  std::mutex mutex;
  std::condition_variable changed;
  int inside = 0;
  int most_inside = 0;
  {
    SegmentSender sender(
        "app",
        {.capacity = 100, .batch_size = 1, .flush_interval = 10s, .max_batches_in_flight = 2},
        [&](const SegmentBatch&) -> std::size_t {
          std::unique_lock lock(mutex);
          most_inside = std::max(most_inside, ++inside);
          changed.notify_all();
          // Holds each call until a second one is in (or briefly, for the last one).
          changed.wait_for(lock, 200ms, [&] { return inside >= 2; });
          --inside;
          return 0;
        },
        registry);
    for (int i = 0; i < 8; ++i) sender.submit(request_record(200));
    sender.flush();
  }
  EXPECT_EQ(most_inside, 2);
  EXPECT_NE(registry.render_prometheus().find("trace_segments_sent_total 8\n"), std::string::npos);
}

TEST(SegmentSender, CountsFailedAndRefusedDeliveries) {
  Registry registry;
  std::atomic<int> calls{0};
  SegmentSender sender(
      "app", {.capacity = 100, .batch_size = 2, .flush_interval = 10s},
      [&](const SegmentBatch&) -> std::size_t {
        if (calls++ == 0) throw std::runtime_error("xray unreachable");
        return 1;  // the receiver refused one document of the batch
      },
      registry);
  sender.submit(request_record(500));
  sender.submit(request_record(500));
  sender.flush();
  sender.submit(request_record(500));
  sender.submit(request_record(500));
  sender.flush();
  EXPECT_EQ(dropped(registry, "send_failed"), 2u);
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
        [&](const SegmentBatch&) -> std::size_t {
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
