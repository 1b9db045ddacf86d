#include "telemetry/trace.hpp"

#include <gtest/gtest.h>

#include <ctime>
#include <string>

namespace {

namespace telemetry = slipway::telemetry;

TEST(Trace, ParsesValidTraceparent) {
  const auto ctx =
      telemetry::parse_traceparent("00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ctx->parent_id(), "00f067aa0ba902b7");
  EXPECT_TRUE(ctx->sampled());
}

TEST(Trace, RejectsMalformedTraceparent) {
  for (const char* bad : {
           "",
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7",       // no flags
           "00-00000000000000000000000000000000-00f067aa0ba902b7-01",    // zero trace id
           "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",    // zero parent id
           "00-4BF92F3577B34DA6A3CE929D0E0E4736-00f067aa0ba902b7-01",    // uppercase
           "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",    // forbidden version
           "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-x",  // v00 with extra
           "00_4bf92f3577b34da6a3ce929d0e0e4736_00f067aa0ba902b7_01",
       }) {
    EXPECT_FALSE(telemetry::parse_traceparent(bad)) << bad;
  }
}

TEST(Trace, AcceptsFutureVersionsWithExtraFields) {
  EXPECT_TRUE(telemetry::parse_traceparent(
      "01-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00-extra"));
}

TEST(Trace, ParsesXRayHeader) {
  const auto ctx = telemetry::parse_xray_trace_id(
      "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0");
  ASSERT_TRUE(ctx);
  EXPECT_EQ(ctx->trace_id(), "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(ctx->parent_id(), "53995c3f42cd8ad8");
  EXPECT_FALSE(ctx->sampled());
  EXPECT_FALSE(telemetry::parse_xray_trace_id("Parent=53995c3f42cd8ad8"));
  EXPECT_FALSE(telemetry::parse_xray_trace_id("Root=1-5759e98-bd862e3fe1be46a9942727930"));
}

TEST(Trace, ContinuesIncomingTraceWithANewSpan) {
  const auto ctx = telemetry::continue_or_start_trace(
      "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01", "");
  EXPECT_EQ(ctx.trace_id(), "4bf92f3577b34da6a3ce929d0e0e4736");
  EXPECT_EQ(ctx.parent_id(), "00f067aa0ba902b7");
  EXPECT_EQ(ctx.span_id().size(), 16u);
  EXPECT_NE(ctx.span_id(), ctx.parent_id());
  EXPECT_EQ(telemetry::format_traceparent(ctx).view(),
            "00-4bf92f3577b34da6a3ce929d0e0e4736-" + std::string(ctx.span_id()) + "-01");
}

TEST(Trace, FallsBackToXRayThenToANewTrace) {
  const auto from_xray = telemetry::continue_or_start_trace(
      "garbage", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1");
  EXPECT_EQ(from_xray.trace_id(), "5759e988bd862e3fe1be46a994272793");
  EXPECT_EQ(telemetry::format_xray_trace_id(from_xray).view(),
            "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=" + std::string(from_xray.span_id()) +
                ";Sampled=1");
  const auto fresh = telemetry::continue_or_start_trace("", "");
  EXPECT_TRUE(telemetry::parse_traceparent(telemetry::format_traceparent(fresh).view()));
  EXPECT_NE(fresh.trace_id(), telemetry::continue_or_start_trace("", "").trace_id());
}

}  // namespace

namespace {

TEST(Trace, KnowsWhetherTheCallerDecidedSampling) {
  EXPECT_TRUE(telemetry::continue_or_start_trace(
                  "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-00", "")
                  .sampling_decided());
  const auto sampled_no = telemetry::continue_or_start_trace(
      "", "Root=1-5759e988-bd862e3fe1be46a994272793;Parent=53995c3f42cd8ad8;Sampled=0");
  EXPECT_TRUE(sampled_no.sampling_decided());
  EXPECT_FALSE(sampled_no.sampled());
  EXPECT_FALSE(
      telemetry::continue_or_start_trace("", "Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=?")
          .sampling_decided());
  EXPECT_FALSE(telemetry::continue_or_start_trace("", "").sampling_decided());
}

TEST(Trace, NewTraceIdStartsWithTheCurrentUnixTime) {
  const auto before = std::time(nullptr);
  const auto context = telemetry::continue_or_start_trace("", "");
  const auto after = std::time(nullptr);
  const auto seconds = std::stoll(std::string(context.trace_id().substr(0, 8)), nullptr, 16);
  EXPECT_GE(seconds, before);
  EXPECT_LE(seconds, after);
}

}  // namespace
