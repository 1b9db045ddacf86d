#pragma once
// What a handler may ask of the pipeline besides returning a response.

#include <chrono>

namespace slipway::http {

class HandlerContext {
 public:
  // Holds the response this long before sending it, without blocking the event loop (used by
  // the fault-injection "slow" route that drain tests need).
  void delay_response(std::chrono::milliseconds delay) { delay_ = delay; }
  std::chrono::milliseconds delay() const { return delay_; }

 private:
  std::chrono::milliseconds delay_{0};
};

}  // namespace slipway::http
