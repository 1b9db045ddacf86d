#include "release/ledger.hpp"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <filesystem>
#include <fstream>

#include "release/errors.hpp"

namespace {

using slipway::release::Ledger;
using slipway::release::Outcome;
using slipway::release::Release;

class LedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("slipway_ledger_test_" + std::to_string(::getpid()));
    std::filesystem::create_directories(dir_);
    path_ = (dir_ / "releases.json").string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  static Release release(char c, Outcome outcome) {
    Release r;
    r.commit = std::string(40, c);
    r.image = "app:" + r.commit;
    r.outcome = outcome;
    return r;
  }

  std::filesystem::path dir_;
  std::string path_;
};

TEST_F(LedgerTest, MissingFileIsEmptyAndRoundTrips) {
  auto ledger = Ledger::load(path_);
  EXPECT_TRUE(ledger.releases().empty());
  auto r = release('a', Outcome::in_progress);
  r.digest = "sha256:00";
  r.secret_versions = {{"DB_PASSWORD", "v-1"}};
  r.who = "me@host";
  r.when = "2026-01-01T00:00:00Z";
  EXPECT_EQ(ledger.append(r), 1);
  EXPECT_EQ(ledger.append(release('b', Outcome::in_progress)), 2);
  ledger.set_outcome(1, Outcome::succeeded, "");
  ledger.set_outcome(2, Outcome::rolled_back, "circuit breaker");
  ledger.save();

  auto again = Ledger::load(path_);
  ASSERT_EQ(again.releases().size(), 2u);
  EXPECT_EQ(again.releases()[0].digest, "sha256:00");
  EXPECT_EQ(again.releases()[0].secret_versions.at("DB_PASSWORD"), "v-1");
  EXPECT_EQ(again.releases()[0].outcome, Outcome::succeeded);
  EXPECT_EQ(again.releases()[1].outcome, Outcome::rolled_back);
  EXPECT_EQ(again.releases()[1].reason, "circuit breaker");
}

TEST_F(LedgerTest, KeepsTheRolloutsStrategyStageAndSteps) {
  auto ledger = Ledger::load(path_);
  ledger.append(release('a', Outcome::in_progress));
  ledger.append(release('b', Outcome::in_progress));
  ledger.set_progress(2, "CANARY", "PRODUCTION_TRAFFIC_SHIFT",
                      {R"({"step":1,"new_share_percent":10.0,"verdict":"passed"})"});
  ledger.save();
  auto again = Ledger::load(path_);
  EXPECT_EQ(again.by_revision(2)->strategy, "CANARY");
  EXPECT_EQ(again.by_revision(2)->stage, "PRODUCTION_TRAFFIC_SHIFT");
  ASSERT_EQ(again.by_revision(2)->steps.size(), 1u);
  EXPECT_EQ(boost::json::parse(again.by_revision(2)->steps[0]),
            boost::json::parse(R"({"step":1,"new_share_percent":10.0,"verdict":"passed"})"));
  // Releases recorded without them (or before slipway kept them) read back empty.
  EXPECT_TRUE(again.by_revision(1)->strategy.empty());
  EXPECT_TRUE(again.by_revision(1)->steps.empty());
  EXPECT_THROW(again.set_progress(9, "LINEAR", "", {}), slipway::release::ReleaseNotFound);
}

TEST_F(LedgerTest, LastGoodSkipsFailedAndSameImage) {
  auto ledger = Ledger::load(path_);
  ledger.append(release('a', Outcome::succeeded));    // 1
  ledger.append(release('b', Outcome::succeeded));    // 2
  ledger.append(release('c', Outcome::rolled_back));  // 3
  ledger.append(release('b', Outcome::succeeded));    // 4: b redeployed
  ledger.append(release('d', Outcome::succeeded));    // 5
  EXPECT_EQ(ledger.last_good_before(5)->revision, 4);
  // From 4 (image b), revision 2 is the same image: the last good *other* release is 1.
  EXPECT_EQ(ledger.last_good_before(4)->revision, 1);
  EXPECT_FALSE(ledger.last_good_before(1).has_value());
}

TEST_F(LedgerTest, KeepsTheTaskDefinitionAndTellsReleasesApartByIt) {
  auto ledger = Ledger::load(path_);
  auto info = release('a', Outcome::succeeded);
  info.task_definition =
      R"({"containerDefinitions":[{"environment":[{"name":"LOG_LEVEL","value":"info"}]}]})";
  auto debug = info;
  debug.task_definition =
      R"({"containerDefinitions":[{"environment":[{"name":"LOG_LEVEL","value":"debug"}]}]})";
  ledger.append(info);
  ledger.append(debug);
  ledger.append(debug);
  ledger.save();
  auto again = Ledger::load(path_);
  EXPECT_EQ(again.by_revision(1)->task_definition, info.task_definition);
  // Same image, another task definition: revision 1 is a release to roll back to; revision 2
  // (identical to 3) is not.
  EXPECT_EQ(again.last_good_before(3)->revision, 1);
  std::ofstream(path_) << R"({"releases":[{"revision":1,"commit":"a","image":"app:a","digest":"",)"
                       << R"("secret_versions":{},"who":"","when":"","outcome":"succeeded",)"
                       << R"("task_definition":"not an object"}]})";
  EXPECT_THROW(Ledger::load(path_), slipway::release::LedgerError);
}

TEST_F(LedgerTest, ARefreshIsItsOwnReleaseAndRollsBackToTheVersionsBeforeIt) {
  auto ledger = Ledger::load(path_);
  auto first = release('a', Outcome::succeeded);
  first.secret_versions = {{"DATABASE_PASSWORD", "v1"}};
  auto redeploy = first;  // the same release again: nothing to return to
  auto refresh = first;
  refresh.secret_versions = {{"DATABASE_PASSWORD", "v2"}};
  refresh.refresh_of = 2;
  ledger.append(release('z', Outcome::succeeded));  // 1
  ledger.append(first);                             // 2
  ledger.append(refresh);                           // 3
  ledger.save();
  auto again = Ledger::load(path_);
  EXPECT_EQ(again.by_revision(3)->refresh_of, 2);
  EXPECT_FALSE(again.by_revision(2)->refresh_of.has_value());
  // From the refresh, revision 2 (same image and task definition, older versions) is the
  // release to return to; without refresh_of it would be skipped for revision 1.
  EXPECT_EQ(again.last_good_before(3)->revision, 2);
  // A plain redeploy with other versions is not told apart by them (a rotation is not undone).
  redeploy.secret_versions = {{"DATABASE_PASSWORD", "v3"}};
  again.append(redeploy);  // 4
  EXPECT_EQ(again.last_good_before(4)->revision, 1);
}

TEST_F(LedgerTest, FindByRevisionOrShaPrefix) {
  auto ledger = Ledger::load(path_);
  ledger.append(release('a', Outcome::succeeded));
  ledger.append(release('b', Outcome::succeeded));
  EXPECT_EQ(ledger.find("2").commit, std::string(40, 'b'));
  EXPECT_EQ(ledger.find("aaaaaaa").revision, 1);
  EXPECT_THROW(ledger.find("9"), slipway::release::ReleaseNotFound);
  EXPECT_THROW(ledger.find("ccccccc"), slipway::release::ReleaseNotFound);
  EXPECT_THROW(ledger.find("aa"), slipway::release::ReleaseNotFound);
}

TEST_F(LedgerTest, ProtectsTheLastNGoodDistinctImages) {
  auto ledger = Ledger::load(path_);
  ledger.append(release('a', Outcome::succeeded));
  ledger.append(release('b', Outcome::failed));
  ledger.append(release('c', Outcome::succeeded));
  ledger.append(release('a', Outcome::succeeded));
  auto kept = ledger.protected_images(2);
  ASSERT_EQ(kept.size(), 2u);
  EXPECT_EQ(kept[0], "app:" + std::string(40, 'a'));
  EXPECT_EQ(kept[1], "app:" + std::string(40, 'c'));
}

TEST(Prune, KeepsProtectedAndRunningImagesOnly) {
  using slipway::release::images_to_prune;
  EXPECT_EQ(images_to_prune({"app:a", "app:b", "app:c", "app:b"}, {"app:b"}),
            (std::vector<std::string>{"app:a", "app:c"}));
  EXPECT_TRUE(images_to_prune({"app:a"}, {"app:a", "app:z"}).empty());
  EXPECT_TRUE(images_to_prune({}, {}).empty());
}

TEST_F(LedgerTest, CorruptFileIsALedgerError) {
  std::ofstream(path_) << "{\"releases\": [{\"revision\": 1}]}";
  EXPECT_THROW(Ledger::load(path_), slipway::release::LedgerError);
  std::ofstream(path_, std::ios::trunc) << "not json";
  EXPECT_THROW(Ledger::load(path_), slipway::release::LedgerError);
}

}  // namespace
