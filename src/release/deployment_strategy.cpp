#include "release/deployment_strategy.hpp"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <cmath>
#include <cstdio>

#include "release/errors.hpp"

namespace slipway::release {
namespace json = boost::json;
namespace {

// Ranges and defaults from the ECS API reference (the member documentation of
// LinearConfiguration, CanaryConfiguration and DeploymentLifecycleHookTimeoutConfiguration).
// bakeTimeInMinutes states no range there; it is given the step bakes' 0-1440, as Terraform's
// aws_ecs_service documents bake_time_in_minutes.
constexpr int kMaxBakeMinutes = 1440;
constexpr int kMinStepTenths = 30;
constexpr int kMinCanaryTenths = 1;
constexpr int kMaxPercentTenths = 1000;
constexpr int kMaxHookTimeoutMinutes = 20160;

const std::vector<std::string_view> kStrategies = {"ROLLING", "BLUE_GREEN", "LINEAR", "CANARY"};
const std::vector<std::string_view> kStages = {"RECONCILE_SERVICE",
                                               "PRE_SCALE_UP",
                                               "POST_SCALE_UP",
                                               "TEST_TRAFFIC_SHIFT",
                                               "POST_TEST_TRAFFIC_SHIFT",
                                               "PRE_PRODUCTION_TRAFFIC_SHIFT",
                                               "PRODUCTION_TRAFFIC_SHIFT",
                                               "POST_PRODUCTION_TRAFFIC_SHIFT"};
const std::vector<std::string_view> kConfigurationMembers = {"deploymentCircuitBreaker",
                                                             "maximumPercent",
                                                             "minimumHealthyPercent",
                                                             "alarms",
                                                             "strategy",
                                                             "bakeTimeInMinutes",
                                                             "lifecycleHooks",
                                                             "linearConfiguration",
                                                             "canaryConfiguration"};

// A JSON number as a person wrote it: 0.05, not Boost's 5E-2.
std::string number_text(const json::value& v) {
  if (!v.is_double()) return json::serialize(v);
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%g", v.get_double());
  return buffer;
}

std::string joined(const std::vector<std::string_view>& names) {
  std::string text;
  for (const auto& name : names) text += (text.empty() ? "" : ", ") + std::string(name);
  return text;
}

class Members {
 public:
  Members(std::string_view file, std::string field) : file_(file), field_(std::move(field)) {}

  // The members of the object at `member` ("[2]" for an array element).
  Members child(const std::string& member) const {
    return Members(file_, member.starts_with("[") ? field_ + member : path(member));
  }

  [[noreturn]] void fail(std::string_view member, const std::string& problem) const {
    throw SpecError(file_ + ": " + path(member) + ": " + problem);
  }

  std::string path(std::string_view member) const {
    return member.empty() ? field_ : field_ + "." + std::string(member);
  }

  // Refuses a member ECS's shape does not have: ECS's parameter validation would refuse it too.
  void only(const json::object& o, const std::vector<std::string_view>& known) const {
    for (const auto& entry : o) {
      if (std::find(known.begin(), known.end(), entry.key()) == known.end()) {
        fail(entry.key(), "unknown member; ECS accepts " + joined(known));
      }
    }
  }

  // The member, or nullptr when absent. null is refused, as ECS's parameter validation refuses
  // it: a member is given a value or left out.
  const json::value* find(const json::object& o, std::string_view key) const {
    auto* v = o.if_contains(key);
    if (v != nullptr && v->is_null())
      fail(key, "null is not a value; give one or remove the member");
    return v;
  }

  const json::object& object(const json::value& v, std::string_view member) const {
    if (!v.is_object()) fail(member, "expected a JSON object");
    return v.get_object();
  }

  std::optional<std::string> string(const json::object& o, std::string_view key) const {
    auto* v = find(o, key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_string()) fail(key, "expected a string");
    return std::string(v->get_string());
  }

  std::optional<bool> boolean(const json::object& o, std::string_view key) const {
    auto* v = find(o, key);
    if (v == nullptr) return std::nullopt;
    if (!v->is_bool()) fail(key, "expected true or false");
    return v->get_bool();
  }

  std::optional<int> minutes(const json::object& o, std::string_view key, int min, int max) const {
    auto* v = find(o, key);
    if (v == nullptr) return std::nullopt;
    auto range = std::to_string(min) + " to " + std::to_string(max);
    if (!v->is_int64() && !v->is_uint64())
      fail(key, "expected a whole number of minutes, " + range);
    if (v->is_uint64() || v->get_int64() < min || v->get_int64() > max) {
      fail(key, number_text(*v) + " is out of range; use " + range + " minutes");
    }
    return static_cast<int>(v->get_int64());
  }

  // A percentage ECS accepts in multiples of 0.1, returned in tenths.
  std::optional<int> percent(const json::object& o, std::string_view key, int min_tenths,
                             int max_tenths) const {
    auto* v = find(o, key);
    if (v == nullptr) return std::nullopt;
    auto range = percent_text(min_tenths) + " to " + percent_text(max_tenths);
    if (!v->is_number()) fail(key, "expected a number, a multiple of 0.1 from " + range);
    double value = v->to_number<double>();
    double tenths = std::round(value * 10);
    if (std::abs(value * 10 - tenths) > 1e-6) {
      fail(key, number_text(*v) + " is not a multiple of 0.1; use e.g. " +
                    percent_text(std::clamp(static_cast<int>(tenths), min_tenths, max_tenths)));
    }
    if (tenths < min_tenths || tenths > max_tenths) {
      fail(key, number_text(*v) + " is out of range; use a multiple of 0.1 from " + range);
    }
    return static_cast<int>(tenths);
  }

 private:
  std::string file_;
  std::string field_;
};

LifecycleHook read_hook(const Members& hooks, const json::value& value, std::size_t index) {
  auto m = hooks.child("[" + std::to_string(index) + "]");
  const auto& o = m.object(value, "");
  m.only(o, {"targetType", "hookTargetArn", "roleArn", "lifecycleStages", "hookDetails",
             "timeoutConfiguration"});
  LifecycleHook hook;
  if (auto type = m.string(o, "targetType")) {
    if (*type != "AWS_LAMBDA" && *type != "PAUSE") {
      m.fail("targetType",
             "\"" + *type + "\" is not a hook target type; write AWS_LAMBDA or PAUSE");
    }
    hook.target_type = *type;
  }
  hook.hook_target_arn = m.string(o, "hookTargetArn").value_or("");
  hook.role_arn = m.string(o, "roleArn").value_or("");
  if (hook.target_type == "AWS_LAMBDA" && hook.hook_target_arn.empty()) {
    m.fail("hookTargetArn", "required: the ARN of the Lambda function the hook invokes");
  }
  const auto* stages = m.find(o, "lifecycleStages");
  if (stages == nullptr || !stages->is_array() || stages->get_array().empty()) {
    m.fail("lifecycleStages", "required: a list of one or more of " + joined(kStages));
  }
  for (const auto& stage : stages->get_array()) {
    auto it = stage.is_string()
                  ? std::find(kStages.begin(), kStages.end(), std::string_view(stage.get_string()))
                  : kStages.end();
    if (it == kStages.end()) {
      m.fail("lifecycleStages", json::serialize(stage) + " is not a stage; use " + joined(kStages));
    }
    auto parsed = static_cast<LifecycleStage>(it - kStages.begin());
    if (std::find(hook.stages.begin(), hook.stages.end(), parsed) != hook.stages.end()) {
      m.fail("lifecycleStages", std::string(*it) + " is listed twice; keep one");
    }
    hook.stages.push_back(parsed);
  }
  if (const auto* details = m.find(o, "hookDetails")) hook.hook_details = json::serialize(*details);
  if (const auto* timeout = m.find(o, "timeoutConfiguration")) {
    auto t = m.child("timeoutConfiguration");
    const auto& to = t.object(*timeout, "");
    t.only(to, {"timeoutInMinutes", "action"});
    hook.timeout_minutes = t.minutes(to, "timeoutInMinutes", 1, kMaxHookTimeoutMinutes);
    if (auto action = t.string(to, "action")) {
      if (*action != "ROLLBACK" && *action != "CONTINUE") {
        t.fail("action", "\"" + *action + "\" is not a timeout action; write ROLLBACK or CONTINUE");
      }
      hook.timeout_action = *action;
    }
  }
  return hook;
}

DeploymentAlarms read_alarms(const Members& m, const json::value& value) {
  const auto& o = m.object(value, "");
  m.only(o, {"alarmNames", "enable", "rollback"});
  DeploymentAlarms alarms;
  alarms.configured = true;
  const auto* names = m.find(o, "alarmNames");
  if (names == nullptr) m.fail("alarmNames", "required (ECS requires it; [] for none)");
  if (!names->is_array()) m.fail("alarmNames", "expected a list of CloudWatch alarm names");
  for (const auto& name : names->get_array()) {
    if (!name.is_string() || name.get_string().empty()) {
      m.fail("alarmNames", json::serialize(name) + " is not an alarm name");
    }
    alarms.alarm_names.emplace_back(name.get_string());
  }
  auto enable = m.boolean(o, "enable");
  if (!enable) m.fail("enable", "required (ECS requires it): true or false");
  auto rollback = m.boolean(o, "rollback");
  if (!rollback) m.fail("rollback", "required (ECS requires it): true or false");
  alarms.enable = *enable;
  alarms.rollback = *rollback;
  return alarms;
}

}  // namespace

std::string LifecycleHook::function_name() const {
  // arn:aws:lambda:REGION:ACCOUNT:function:NAME[:QUALIFIER]
  std::vector<std::string> parts;
  std::size_t start = 0;
  while (true) {
    auto colon = hook_target_arn.find(':', start);
    parts.push_back(hook_target_arn.substr(start, colon - start));
    if (colon == std::string::npos) break;
    start = colon + 1;
  }
  if (parts.size() >= 7 && parts[0] == "arn" && parts[2] == "lambda" && parts[5] == "function") {
    return parts[6];
  }
  return hook_target_arn;
}

std::vector<const LifecycleHook*> DeploymentStrategy::hooks_at(LifecycleStage stage) const {
  std::vector<const LifecycleHook*> found;
  for (const auto& hook : lifecycle_hooks) {
    if (std::find(hook.stages.begin(), hook.stages.end(), stage) != hook.stages.end()) {
      found.push_back(&hook);
    }
  }
  return found;
}

DeploymentStrategy read_deployment_strategy(const json::object& configuration,
                                            std::string_view file, std::string_view field) {
  Members m(file, std::string(field));
  m.only(configuration, kConfigurationMembers);
  DeploymentStrategy s;
  if (auto name = m.string(configuration, "strategy")) {
    auto it = std::find(kStrategies.begin(), kStrategies.end(), *name);
    if (it == kStrategies.end()) {
      m.fail("strategy", "\"" + *name + "\" is not a strategy; write " + joined(kStrategies));
    }
    s.kind = static_cast<DeploymentStrategyKind>(it - kStrategies.begin());
  }
  const auto strategy = std::string(to_string(s.kind));
  auto bake = m.minutes(configuration, "bakeTimeInMinutes", 0, kMaxBakeMinutes);
  if (!bake && s.kind == DeploymentStrategyKind::blue_green) {
    m.fail("bakeTimeInMinutes",
           "required under BLUE_GREEN (ECS requires it): minutes blue stays warm after the shift, "
           "0 to 1440");
  }
  s.bake_time_minutes = bake.value_or(0);

  if (const auto* linear = m.find(configuration, "linearConfiguration")) {
    auto l = m.child("linearConfiguration");
    if (s.kind != DeploymentStrategyKind::linear) {
      l.fail("", "only valid when strategy is LINEAR (it is " + strategy + "); remove it");
    }
    const auto& o = l.object(*linear, "");
    l.only(o, {"stepPercent", "stepBakeTimeInMinutes"});
    s.linear_step_tenths = l.percent(o, "stepPercent", kMinStepTenths, kMaxPercentTenths)
                               .value_or(s.linear_step_tenths);
    s.linear_step_bake_minutes = l.minutes(o, "stepBakeTimeInMinutes", 0, kMaxBakeMinutes)
                                     .value_or(s.linear_step_bake_minutes);
  }
  if (const auto* canary = m.find(configuration, "canaryConfiguration")) {
    auto c = m.child("canaryConfiguration");
    if (s.kind != DeploymentStrategyKind::canary) {
      c.fail("", "only valid when strategy is CANARY (it is " + strategy + "); remove it");
    }
    const auto& o = c.object(*canary, "");
    c.only(o, {"canaryPercent", "canaryBakeTimeInMinutes"});
    s.canary_tenths = c.percent(o, "canaryPercent", kMinCanaryTenths, kMaxPercentTenths)
                          .value_or(s.canary_tenths);
    s.canary_bake_minutes =
        c.minutes(o, "canaryBakeTimeInMinutes", 0, kMaxBakeMinutes).value_or(s.canary_bake_minutes);
  }
  if (const auto* hooks = m.find(configuration, "lifecycleHooks")) {
    auto h = m.child("lifecycleHooks");
    if (!hooks->is_array()) h.fail("", "expected a list of hooks");
    if (s.kind == DeploymentStrategyKind::rolling && !hooks->get_array().empty()) {
      h.fail("",
             "lifecycle hooks run under BLUE_GREEN, LINEAR or CANARY, not ROLLING; choose one "
             "of those as strategy or remove the hooks");
    }
    for (std::size_t i = 0; i < hooks->get_array().size(); ++i) {
      s.lifecycle_hooks.push_back(read_hook(h, hooks->get_array()[i], i));
    }
  }
  if (const auto* alarms = m.find(configuration, "alarms")) {
    s.alarms = read_alarms(m.child("alarms"), *alarms);
  }
  return s;
}

json::object to_deployment_configuration(const DeploymentStrategy& s) {
  json::object out;
  out["strategy"] = to_string(s.kind);
  if (s.kind != DeploymentStrategyKind::rolling) out["bakeTimeInMinutes"] = s.bake_time_minutes;
  // Written as numbers with one decimal, the way ECS documents them (10.0, 5.0).
  auto percent = [](int tenths) { return static_cast<double>(tenths) / 10.0; };
  if (s.kind == DeploymentStrategyKind::linear) {
    out["linearConfiguration"] = {{"stepPercent", percent(s.linear_step_tenths)},
                                  {"stepBakeTimeInMinutes", s.linear_step_bake_minutes}};
  }
  if (s.kind == DeploymentStrategyKind::canary) {
    out["canaryConfiguration"] = {{"canaryPercent", percent(s.canary_tenths)},
                                  {"canaryBakeTimeInMinutes", s.canary_bake_minutes}};
  }
  if (!s.lifecycle_hooks.empty()) {
    json::array hooks;
    for (const auto& hook : s.lifecycle_hooks) {
      json::object h;
      h["targetType"] = hook.target_type;
      if (!hook.hook_target_arn.empty()) h["hookTargetArn"] = hook.hook_target_arn;
      if (!hook.role_arn.empty()) h["roleArn"] = hook.role_arn;
      json::array stages;
      for (auto stage : hook.stages) stages.emplace_back(to_string(stage));
      h["lifecycleStages"] = std::move(stages);
      if (!hook.hook_details.empty()) h["hookDetails"] = json::parse(hook.hook_details);
      if (hook.timeout_minutes || !hook.timeout_action.empty()) {
        json::object timeout;
        if (hook.timeout_minutes) timeout["timeoutInMinutes"] = *hook.timeout_minutes;
        if (!hook.timeout_action.empty()) timeout["action"] = hook.timeout_action;
        h["timeoutConfiguration"] = std::move(timeout);
      }
      hooks.push_back(std::move(h));
    }
    out["lifecycleHooks"] = std::move(hooks);
  }
  if (s.alarms.configured) {
    json::array names;
    for (const auto& name : s.alarms.alarm_names) names.emplace_back(name);
    out["alarms"] = {{"alarmNames", std::move(names)},
                     {"enable", s.alarms.enable},
                     {"rollback", s.alarms.rollback}};
  }
  return out;
}

std::string percent_text(int tenths) {
  char buffer[32];
  std::snprintf(buffer, sizeof buffer, "%d.%d", tenths / 10, tenths % 10);
  return buffer;
}

const std::vector<std::string_view>& deployment_strategy_names() {
  return kStrategies;
}
const std::vector<std::string_view>& lifecycle_stage_names() {
  return kStages;
}
const std::vector<std::string_view>& deployment_configuration_members() {
  return kConfigurationMembers;
}

std::string_view to_string(DeploymentStrategyKind kind) {
  return kStrategies[static_cast<std::size_t>(kind)];
}
std::string_view to_string(LifecycleStage stage) {
  return kStages[static_cast<std::size_t>(stage)];
}

}  // namespace slipway::release
