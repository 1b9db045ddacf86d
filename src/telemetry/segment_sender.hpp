#pragma once
// Sends finished segments off the request path: requests hand a record to a bounded queue (a
// lock and a move, never I/O); background threads render them and pass batches to the sink
// (PutTraceSegments), several batches in flight at once: one call's round trip, not the
// service's request rate, would otherwise bound how many segments per second reach X-Ray. When the
// queue is full, or a batch cannot be delivered, segments are dropped and counted in
// trace_segments_dropped_total{reason}: tracing must never slow or stop the service.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <functional>
#include <mutex>
#include <stop_token>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "telemetry/metrics.hpp"
#include "telemetry/xray_segment.hpp"

namespace slipway::telemetry {

struct SenderOptions {
  std::size_t capacity = 1000;  // queued segments at most (the memory bound)
  std::size_t batch_size = 50;  // documents per call, as the X-Ray daemon sends them
  std::chrono::milliseconds flush_interval{1000};  // a partial batch waits at most this long
  std::size_t max_batches_in_flight = 4;           // sending threads, each one call at a time
};

// One PutTraceSegments call's worth: its request body ({"TraceSegmentDocuments":[...]}, see
// append_put_trace_segments_body) and how many segment documents it holds.
struct SegmentBatch {
  std::string_view body;
  std::size_t documents = 0;
};

// Delivers one batch; returns how many documents the receiver refused (X-Ray's
// UnprocessedTraceSegments). Throws when the batch could not be delivered at all. Called from up
// to max_batches_in_flight threads at once.
using SegmentBatchSink = std::function<std::size_t(const SegmentBatch& batch)>;

class SegmentSender {
 public:
  // Registers trace_segments_sent_total and trace_segments_dropped_total in `registry` (which
  // must outlive the sender) and starts the sending threads.
  SegmentSender(std::string service_name, SenderOptions options, SegmentBatchSink sink,
                Registry& registry);
  // Sends what is still queued (dropping it, counted, when the last delivery failed: shutdown
  // must not wait out a timeout per batch), then stops the threads.
  ~SegmentSender();
  SegmentSender(const SegmentSender&) = delete;
  SegmentSender& operator=(const SegmentSender&) = delete;

  // Queues `record`; returns false (and counts it dropped) when the queue is full.
  bool submit(SegmentRecord&& record);

  // Sends everything queued now and waits until it is delivered (or dropped). For tests.
  void flush();

 private:
  void run(std::stop_token stop);
  // Renders `pending` into `body` (each thread reuses its own buffer) and delivers it.
  void deliver(const std::vector<SegmentRecord>& pending, std::string& body);
  // Records whether the last delivery failed; returns what it was before.
  bool set_failing(bool failing);

  std::string service_name_;
  SenderOptions options_;
  SegmentBatchSink sink_;
  Counter& sent_;
  Family<Counter>& dropped_;
  Counter& dropped_queue_full_;
  Counter& dropped_send_failed_;
  Counter& dropped_rejected_;

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;
  std::deque<SegmentRecord> queue_;
  bool flush_requested_ = false;
  std::size_t in_delivery_ = 0;        // records the threads are delivering now
  bool failing_ = false;               // the last delivery failed: log once per failure streak
  std::vector<std::jthread> threads_;  // last: started after every member they use
};

}  // namespace slipway::telemetry
