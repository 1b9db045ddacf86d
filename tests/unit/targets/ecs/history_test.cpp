// Rollback target choice and cleanup protection on release histories.
#include "targets/ecs/history.hpp"

#include <gtest/gtest.h>

#include "targets/ecs/errors.hpp"

namespace slipway::targets::ecs {
namespace {

EcsRelease r(std::int64_t revision, std::string commit, std::string outcome, bool current = false) {
  EcsRelease release;
  release.arn =
      "arn:aws:ecs:us-east-1:123456789012:task-definition/app:" + std::to_string(revision);
  release.family = "app";
  release.revision = revision;
  release.commit = std::move(commit);
  release.outcome = std::move(outcome);
  release.current = current;
  return release;
}

const std::string A(40, 'a'), B(40, 'b'), C(40, 'c'), D(40, 'd');

TEST(RollbackTarget, LastGoodNotRevisionMinusOne) {
  // 12 is current (bad), 11 failed, 10 was rolled back, 9 is the last good one.
  const std::vector<EcsRelease> releases = {r(12, D, "in_progress", true), r(11, C, "failed"),
                                            r(10, B, "rolled_back"), r(9, A, "succeeded")};
  EXPECT_EQ(choose_rollback_target(releases, "").revision, 9);
}

TEST(RollbackTarget, SkipsGoodRevisionsOfTheCurrentCommit) {
  // 4 re-registered commit B (e.g. pinned secrets changed); rolling back means another commit.
  const std::vector<EcsRelease> releases = {r(4, B, "succeeded", true), r(3, B, "succeeded"),
                                            r(2, A, "succeeded")};
  EXPECT_EQ(choose_rollback_target(releases, "").revision, 2);
}

TEST(RollbackTarget, FromARefreshGoesBackToTheRevisionItRefreshed) {
  // 4 refreshed 3 (the same commit, newer secret versions): undoing it means 3's versions.
  auto refresh = r(4, B, "succeeded", true);
  refresh.refresh_of = 3;
  const std::vector<EcsRelease> releases = {refresh, r(3, B, "succeeded"), r(2, A, "succeeded")};
  EXPECT_EQ(choose_rollback_target(releases, "").revision, 3);
  EXPECT_TRUE(default_rollback_target(refresh, releases[1]));
  EXPECT_TRUE(default_rollback_target(releases[1], releases[2]));  // another commit
  // Not from a release that is no refresh, nor to a newer or a bad one.
  EXPECT_FALSE(default_rollback_target(r(4, B, "succeeded", true), releases[1]));
  EXPECT_FALSE(default_rollback_target(refresh, r(5, B, "succeeded")));
  EXPECT_FALSE(default_rollback_target(refresh, r(3, B, "rolled_back")));
}

TEST(RollbackTarget, ByRevisionByFamilyRevisionAndByCommitPrefix) {
  const std::vector<EcsRelease> releases = {r(3, C, "succeeded", true), r(2, B, "failed"),
                                            r(1, B, "succeeded")};
  EXPECT_EQ(choose_rollback_target(releases, "2").revision, 2);
  EXPECT_EQ(choose_rollback_target(releases, "app:1").revision, 1);
  // Two revisions of commit B: the good one wins.
  EXPECT_EQ(choose_rollback_target(releases, "bbbbbbb").revision, 1);
  // A commit written only in digits is a commit, not revision 2222222.
  const std::vector<EcsRelease> digits = {r(2, std::string(40, '2'), "succeeded", true),
                                          r(1, A, "succeeded")};
  EXPECT_EQ(choose_rollback_target(digits, "2222222").revision, 2);
}

TEST(RollbackTarget, NothingToRollBackToIsAnInputErrorNamingTheFix) {
  const std::vector<EcsRelease> releases = {r(2, B, "succeeded", true), r(1, A, "failed")};
  try {
    choose_rollback_target(releases, "");
    FAIL();
  } catch (const EcsInputError& error) {
    EXPECT_NE(std::string(error.what()).find("--to"), std::string::npos);
  }
  EXPECT_THROW(choose_rollback_target(releases, "9"), EcsInputError);
  EXPECT_THROW(choose_rollback_target(releases, "1234567"), EcsInputError);
  EXPECT_THROW(choose_rollback_target(releases, "main"), EcsInputError);
}

TEST(Cleanup, KeepsLastGoodReleasesInUseAndNewerThanNewestGood) {
  std::vector<EcsRelease> releases = {
      r(9, "", "", false),         // registered by Terraform: never slipway's to remove
      r(8, D, "in_progress"),      // newer than the newest good one: a deploy may follow it
      r(7, C, "succeeded", true),  // good and current
      r(6, C, "succeeded"),        // same commit as a kept good release
      r(5, B, "failed"),           // removable
      r(4, B, "succeeded"),        // second good commit
      r(3, A, "succeeded"),        // third good commit: beyond keep=2
      r(2, A, "rolled_back"),      // removable
  };
  const auto candidates = cleanup_candidates(releases, 2, {releases[1].arn, releases[2].arn});
  std::vector<std::int64_t> revisions;
  for (const auto& arn : candidates)
    revisions.push_back(std::stoll(arn.substr(arn.rfind(':') + 1)));
  EXPECT_EQ(revisions, (std::vector<std::int64_t>{5, 3, 2}));
}

TEST(Cleanup, InUseRevisionIsKeptEvenWhenBad) {
  std::vector<EcsRelease> releases = {r(3, C, "succeeded"), r(2, B, "failed", true),
                                      r(1, A, "succeeded")};
  const auto candidates = cleanup_candidates(releases, 1, {releases[1].arn});
  ASSERT_EQ(candidates.size(), 1u);
  EXPECT_EQ(candidates[0], releases[2].arn);
}

}  // namespace
}  // namespace slipway::targets::ecs
