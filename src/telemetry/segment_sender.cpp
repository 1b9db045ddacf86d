#include "telemetry/segment_sender.hpp"

#include <pthread.h>

#include <algorithm>
#include <exception>
#include <utility>

#include "telemetry/log.hpp"

namespace slipway::telemetry {

namespace {

Family<Counter>& dropped_family(Registry& registry) {
  return registry.counter("trace_segments_dropped_total",
                          "Trace segments not delivered to X-Ray, by reason.", {"reason"});
}

}  // namespace

SegmentSender::SegmentSender(std::string service_name, SenderOptions options, SegmentBatchSink sink,
                             Registry& registry)
    : service_name_(std::move(service_name)),
      options_(options),
      wake_at_(0),
      sink_(std::move(sink)),
      sent_(registry.counter("trace_segments_sent_total", "Trace segments delivered to X-Ray.")
                .with({})),
      dropped_(dropped_family(registry)),
      dropped_queue_full_(dropped_.with({"queue_full"})),
      dropped_send_failed_(dropped_.with({"send_failed"})),
      dropped_rejected_(dropped_.with({"rejected"})) {
  options_.batch_size = std::max<std::size_t>(options_.batch_size, 1);
  options_.capacity = std::max<std::size_t>(options_.capacity, 1);
  options_.max_batches_in_flight = std::max<std::size_t>(options_.max_batches_in_flight, 1);
  wake_at_ = std::min(options_.batch_size * options_.max_batches_in_flight, options_.capacity);
  thread_ = std::jthread([this](std::stop_token stop) { run(stop); });
}

SegmentSender::~SegmentSender() {
  thread_.request_stop();
  wake_.notify_all();
  thread_.join();
}

bool SegmentSender::submit(SegmentRecord&& record) {
  bool wake = false;
  {
    std::lock_guard lock(mutex_);
    if (queue_.size() >= options_.capacity) {
      dropped_queue_full_.inc();
      return false;
    }
    queue_.push_back(std::move(record));
    // A round of full batches is queued: wake the thread, once per round (not per batch).
    wake = queue_.size() == wake_at_;
  }
  if (wake) wake_.notify_one();
  return true;
}

void SegmentSender::flush() {
  std::unique_lock lock(mutex_);
  flush_requested_ = true;
  wake_.notify_all();
  idle_.wait(lock, [&] { return queue_.empty() && !delivering_ && !unanswered_calls_; });
  // Done: the request must not outlive it. The thread clears it only when it next finds the
  // queue empty, and a segment submitted before that would leave alone, as a batch of one.
  flush_requested_ = false;
}

void SegmentSender::run(std::stop_token stop) {
  // Named, so its CPU time can be told from the request loops' (top -H, bench/http).
  pthread_setname_np(pthread_self(), "xray-sender");
  std::vector<SegmentRecord> taken;
  for (;;) {
    bool rounds_follow = false;  // woken by a full round: the next one is coming
    {
      std::unique_lock lock(mutex_);
      // Wakes for a round of full batches, a flush or stop; otherwise sends what is queued on
      // time. Returns at once when stop was requested.
      wake_.wait_for(lock, stop, options_.flush_interval,
                     [&] { return queue_.size() >= wake_at_ || flush_requested_; });
      if (stop.stop_requested() && failing_ && !queue_.empty()) {
        // Stopping while delivery fails: each further batch would wait out its timeouts, and
        // shutdown has a deadline. Drop the rest, counted.
        dropped_send_failed_.inc(queue_.size());
        queue_.clear();
      }
      if (queue_.empty() && unanswered_.empty()) {
        flush_requested_ = false;
        idle_.notify_all();
        if (stop.stop_requested()) return;
        continue;
      }
      rounds_follow = queue_.size() >= wake_at_ && !flush_requested_ && !stop.stop_requested();
      taken.swap(queue_);
      delivering_ = true;
    }
    deliver(taken, stop);
    // A wake for anything but a full round (a flush, stop, the flush interval: traffic slowed)
    // may be the last for a while: its answers are read now, so nothing waits for the next.
    if (!rounds_follow) collect();
    taken.clear();
    std::lock_guard lock(mutex_);
    delivering_ = false;
    unanswered_calls_ = !unanswered_.empty();
    if (queue_.empty() && !unanswered_calls_) idle_.notify_all();
  }
}

void SegmentSender::deliver(std::span<const SegmentRecord> records, std::stop_token stop) {
  while (!records.empty()) {
    if (stop.stop_requested() && failing_) {
      dropped_send_failed_.inc(records.size());  // as run() does with the queue
      return;
    }
    // The previous round's answers first: its connections carry the next round. They arrived
    // while the thread rendered and wrote the rest of the round, or slept.
    collect();
    while (unanswered_.size() < options_.max_batches_in_flight && !records.empty()) {
      const auto count = std::min(records.size(), options_.batch_size);
      SegmentBatch batch{.body = {}, .documents = count};
      batch.body.reserve(body_size_hint_);
      append_put_trace_segments_body(batch.body, records.first(count), service_name_);
      records = records.subspan(count);
      body_size_hint_ = batch.body.size() + batch.body.size() / 8;
      try {
        unanswered_.push_back({.receipt = sink_(std::move(batch)), .documents = count});
      } catch (const std::exception& e) {
        failed(count, e);
      }
    }
  }
}

void SegmentSender::collect() {
  for (auto& call : unanswered_) {
    try {
      delivered(call.documents, call.receipt());
    } catch (const std::exception& e) {
      failed(call.documents, e);
    }
  }
  unanswered_.clear();
}

void SegmentSender::delivered(std::size_t documents, std::size_t refused) {
  refused = std::min(refused, documents);
  sent_.inc(documents - refused);
  dropped_rejected_.inc(refused);
  if (std::exchange(failing_, false)) logger().info("trace segments are being delivered again");
}

void SegmentSender::failed(std::size_t documents, const std::exception& error) {
  dropped_send_failed_.inc(documents);
  if (!std::exchange(failing_, true)) {
    logger().warn("cannot deliver trace segments: dropping them until delivery works",
                  {{"error", error.what()}, {"segments", documents}});
  }
}

}  // namespace slipway::telemetry
