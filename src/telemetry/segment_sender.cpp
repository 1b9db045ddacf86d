#include "telemetry/segment_sender.hpp"

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
      sink_(std::move(sink)),
      sent_(registry.counter("trace_segments_sent_total", "Trace segments delivered to X-Ray.")
                .with({})),
      dropped_(dropped_family(registry)),
      dropped_queue_full_(dropped_.with({"queue_full"})),
      dropped_send_failed_(dropped_.with({"send_failed"})),
      dropped_rejected_(dropped_.with({"rejected"})) {
  if (options_.batch_size == 0) options_.batch_size = 1;
  options_.max_batches_in_flight = std::max<std::size_t>(options_.max_batches_in_flight, 1);
  threads_.reserve(options_.max_batches_in_flight);
  for (std::size_t i = 0; i < options_.max_batches_in_flight; ++i) {
    threads_.emplace_back([this](std::stop_token stop) { run(stop); });
  }
}

SegmentSender::~SegmentSender() {
  for (auto& thread : threads_) thread.request_stop();
  wake_.notify_all();
  for (auto& thread : threads_) thread.join();
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
    // One more full batch: wake one idle thread for it.
    wake = queue_.size() % options_.batch_size == 0;
  }
  if (wake) wake_.notify_one();
  return true;
}

void SegmentSender::flush() {
  std::unique_lock lock(mutex_);
  flush_requested_ = true;
  wake_.notify_all();
  idle_.wait(lock, [&] { return queue_.empty() && in_delivery_ == 0; });
  // Done: the request must not outlive it. A sender thread clears it only when it next finds the
  // queue empty, and a segment submitted before that would leave alone, as a batch of one.
  flush_requested_ = false;
}

void SegmentSender::run(std::stop_token stop) {
  std::vector<SegmentRecord> pending;
  pending.reserve(options_.batch_size);
  std::string body;  // reused: a batch is rendered into it, never into a fresh allocation
  for (;;) {
    {
      std::unique_lock lock(mutex_);
      const bool stopping = stop.stop_requested();
      if (!stopping && queue_.size() < options_.batch_size && !flush_requested_) {
        // Wakes for a full batch, a flush or stop; otherwise sends a partial batch on time.
        wake_.wait_for(lock, stop, options_.flush_interval,
                       [&] { return queue_.size() >= options_.batch_size || flush_requested_; });
      }
      if (stop.stop_requested() && failing_ && !queue_.empty()) {
        // Stopping while delivery fails: each further batch would wait out its timeouts, and
        // shutdown has a deadline. Drop the rest, counted.
        dropped_send_failed_.inc(queue_.size());
        queue_.clear();
      }
      if (queue_.empty()) {
        flush_requested_ = false;
        if (in_delivery_ == 0) idle_.notify_all();
        if (stop.stop_requested()) return;
        continue;
      }
      const auto count = std::min(queue_.size(), options_.batch_size);
      for (std::size_t i = 0; i < count; ++i) {
        pending.push_back(std::move(queue_.front()));
        queue_.pop_front();
      }
      in_delivery_ += count;
    }
    const auto count = pending.size();
    deliver(pending, body);
    pending.clear();
    std::lock_guard lock(mutex_);
    in_delivery_ -= count;
    if (queue_.empty() && in_delivery_ == 0) idle_.notify_all();
  }
}

void SegmentSender::deliver(const std::vector<SegmentRecord>& pending, std::string& body) {
  body.clear();
  append_put_trace_segments_body(body, pending, service_name_);
  const auto documents = pending.size();
  try {
    const auto refused = std::min(sink_({.body = body, .documents = documents}), documents);
    sent_.inc(documents - refused);
    dropped_rejected_.inc(refused);
    if (set_failing(false)) logger().info("trace segments are being delivered again");
  } catch (const std::exception& e) {
    dropped_send_failed_.inc(documents);
    if (!set_failing(true)) {
      logger().warn("cannot deliver trace segments: dropping them until delivery works",
                    {{"error", e.what()}, {"segments", documents}});
    }
  }
}

bool SegmentSender::set_failing(bool failing) {
  std::lock_guard lock(mutex_);
  return std::exchange(failing_, failing);
}

}  // namespace slipway::telemetry
