#pragma once
// Sends finished segments off the request path: requests hand a record to a bounded queue (a
// lock and a move, never I/O); one background thread renders them and hands batches to the sink
// (PutTraceSegments), several at a time before it waits for their answers: one call's round trip,
// not the service's request rate, would otherwise bound how many segments per second reach X-Ray.
// It is one thread, woken once per round of batches, because at a full sampling rate every wake
// and every wait for an answer is a context switch on the CPU that serves the requests
// (docs/service.md, Tracing). For the same reason, while rounds follow each other, the answers
// to a round are read at the next wake, by when they have arrived, not waited for. When the queue
// is full, or a batch cannot be delivered, segments are dropped and counted in
// trace_segments_dropped_total{reason}: tracing must never slow or stop the service.

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <exception>
#include <functional>
#include <mutex>
#include <span>
#include <stop_token>
#include <string>
#include <thread>
#include <vector>

#include "telemetry/metrics.hpp"
#include "telemetry/xray_segment.hpp"

namespace slipway::telemetry {

struct SenderOptions {
  // Queued segments at most (the memory bound; the thread holds as many again while it delivers,
  // and the last round's calls, max_batches_in_flight bodies, until it reads their answers).
  std::size_t capacity = 1000;
  std::size_t batch_size = 50;  // documents per call, as the X-Ray daemon sends them
  std::chrono::milliseconds flush_interval{1000};  // a partial batch waits at most this long
  // Batches handed to the sink before the first of their answers is awaited. The thread wakes
  // when this many full batches are queued (or at flush_interval).
  std::size_t max_batches_in_flight = 4;
};

// One PutTraceSegments call's worth: its request body ({"TraceSegmentDocuments":[...]}, see
// append_put_trace_segments_body) and how many segment documents it holds.
struct SegmentBatch {
  std::string body;
  std::size_t documents = 0;
};

// Waits for the answer to a batch the sink was handed; returns how many of its documents the
// receiver refused (X-Ray's UnprocessedTraceSegments). Throws when the batch was not delivered.
using BatchReceipt = std::move_only_function<std::size_t()>;

// Hands one batch to the receiver (writes the call) and returns without waiting for the answer.
// May throw when the batch cannot be handed over; that counts as a failed delivery. Called from
// the sender's one thread.
using SegmentBatchSink = std::move_only_function<BatchReceipt(SegmentBatch batch)>;

class SegmentSender {
 public:
  // Registers trace_segments_sent_total and trace_segments_dropped_total in `registry` (which
  // must outlive the sender) and starts the sending thread.
  SegmentSender(std::string service_name, SenderOptions options, SegmentBatchSink sink,
                Registry& registry);
  // Sends what is still queued (dropping it, counted, when the last delivery failed: shutdown
  // must not wait out a timeout per batch), then stops the thread.
  ~SegmentSender();
  SegmentSender(const SegmentSender&) = delete;
  SegmentSender& operator=(const SegmentSender&) = delete;

  // Queues `record`; returns false (and counts it dropped) when the queue is full.
  bool submit(SegmentRecord&& record);

  // Sends everything queued now and waits until it is delivered (or dropped). For tests.
  void flush();

 private:
  // A call handed to the sink whose answer is not read yet.
  struct Unanswered {
    BatchReceipt receipt;
    std::size_t documents = 0;
  };

  void run(std::stop_token stop);
  // Renders `records` into batches and hands them to the sink, max_batches_in_flight at a time,
  // reading the answers to one round before it writes the next. The last round's calls are left
  // in unanswered_.
  void deliver(std::span<const SegmentRecord> records, std::stop_token stop);
  // Reads the answers to the calls in unanswered_ and counts them.
  void collect();
  void delivered(std::size_t documents, std::size_t refused);
  void failed(std::size_t documents, const std::exception& error);

  std::string service_name_;
  SenderOptions options_;
  std::size_t wake_at_;  // queued records that make a round of full batches
  SegmentBatchSink sink_;
  Counter& sent_;
  Family<Counter>& dropped_;
  Counter& dropped_queue_full_;
  Counter& dropped_send_failed_;
  Counter& dropped_rejected_;

  std::mutex mutex_;
  std::condition_variable_any wake_;
  std::condition_variable idle_;
  // Filled by submit and taken whole by the thread (a swap, so the lock is held for no copying);
  // both vectors keep their storage, so a record costs no allocation once they have grown.
  std::vector<SegmentRecord> queue_;
  bool flush_requested_ = false;
  bool delivering_ = false;        // the thread holds records it has not delivered or dropped yet
  bool unanswered_calls_ = false;  // unanswered_ is not empty (for flush, under the lock)

  // The thread's own: whether the last delivery failed (log once per failure streak), and the
  // size of the last body (the next one is reserved at that size).
  bool failing_ = false;
  std::size_t body_size_hint_ = 0;
  std::vector<Unanswered> unanswered_;
  std::jthread thread_;  // last: started after every member it uses
};

}  // namespace slipway::telemetry
