#pragma once

// How the ECS target reports progress: a kind, a human line and, for some kinds, structured
// fields that `--output json` puts beside the line.

#include <boost/json/object.hpp>
#include <concepts>
#include <functional>
#include <string>
#include <string_view>
#include <utility>

namespace slipway::targets::ecs {

// Kinds: "progress", "deployment", "stage", "event", "task", "target", "alarm", "log", "verdict",
// "info". A sink that takes no fields (a test's lambda, a plain text printer) gets the line only.
class Report {
 public:
  using Sink = std::function<void(std::string_view kind, const std::string& message,
                                  const boost::json::object& fields)>;

  Report() = default;

  template <typename F>
  requires std::invocable<F&, std::string_view, const std::string&, const boost::json::object&>
  Report(F sink) : sink_(std::move(sink)) {}  // NOLINT(google-explicit-constructor)

  template <typename F>
  requires(std::invocable<F&, std::string_view, const std::string&> &&
           !std::invocable<F&, std::string_view, const std::string&, const boost::json::object&>)
      Report(F sink)  // NOLINT(google-explicit-constructor)
      : sink_([sink = std::move(sink)](std::string_view kind, const std::string& message,
                                       const boost::json::object&) mutable {
          sink(kind, message);
        }) {}

  void operator()(std::string_view kind, const std::string& message,
                  const boost::json::object& fields = {}) const {
    if (sink_) sink_(kind, message, fields);
  }

  explicit operator bool() const { return static_cast<bool>(sink_); }

 private:
  Sink sink_;
};

}  // namespace slipway::targets::ecs
