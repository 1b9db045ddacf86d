#include "release/identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "core/subprocess.hpp"
#include "release/errors.hpp"

namespace {

using slipway::release::parse_image_ref;

TEST(Identity, FullShaIsFortyLowercaseHex) {
  EXPECT_TRUE(slipway::release::is_full_sha(std::string(40, 'a')));
  EXPECT_FALSE(slipway::release::is_full_sha(std::string(39, 'a')));
  EXPECT_FALSE(slipway::release::is_full_sha(std::string(40, 'A')));
  EXPECT_FALSE(slipway::release::is_full_sha(std::string(40, 'g')));
}

TEST(Identity, ParsesImageRefs) {
  struct Case {
    const char* text;
    const char* repository;
    const char* tag;
  } cases[] = {{"app:abc", "app", "abc"},
               {"localhost:5000/app:v1", "localhost:5000/app", "v1"},
               {"registry.io/team/app:sha", "registry.io/team/app", "sha"}};
  for (const auto& c : cases) {
    auto ref = parse_image_ref(c.text);
    EXPECT_EQ(ref.repository, c.repository);
    EXPECT_EQ(ref.tag, c.tag);
    EXPECT_EQ(ref.str(), c.text);
  }
  for (const char* bad : {"app", "app:", ":tag", "localhost:5000/app"}) {
    EXPECT_THROW(parse_image_ref(bad), slipway::release::SpecError) << bad;
  }
}

TEST(Identity, ReadsHeadAndDirtiness) {
  auto dir =
      std::filesystem::temp_directory_path() / ("slipway_identity_" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  auto sh = [&](const std::string& script) {
    slipway::core::RunOptions options;
    options.argv = {"sh", "-c", script};
    options.working_dir = dir.string();
    options.env = {{"GIT_AUTHOR_NAME", "t"},
                   {"GIT_AUTHOR_EMAIL", "t@t"},
                   {"GIT_COMMITTER_NAME", "t"},
                   {"GIT_COMMITTER_EMAIL", "t@t"}};
    ASSERT_TRUE(slipway::core::run(options).ok()) << script;
  };
  sh("git init -q . && echo a > f && git add f && git commit -qm one");
  auto sha = slipway::release::git_head_commit(dir.string());
  EXPECT_TRUE(slipway::release::is_full_sha(sha)) << sha;
  EXPECT_EQ(slipway::release::git_dirty_paths(dir.string()), "");
  sh("echo b > f");
  EXPECT_NE(slipway::release::git_dirty_paths(dir.string()).find("f"), std::string::npos);
  std::filesystem::remove_all(dir);
  EXPECT_THROW(slipway::release::git_head_commit(dir.string()), slipway::release::SpecError);
}

TEST(Identity, OneGrammarForRollbackTo) {
  using slipway::release::parse_release_selector;
  auto revision = parse_release_selector("12");
  EXPECT_EQ(revision.revision, 12);
  EXPECT_EQ(revision.commit_prefix, "");
  EXPECT_EQ(parse_release_selector("app:7").revision, 7);
  EXPECT_EQ(
      parse_release_selector("arn:aws:ecs:us-east-1:123456789012:task-definition/app:31").revision,
      31);
  auto commit = parse_release_selector("ABCDEF1");
  EXPECT_EQ(commit.commit_prefix, "abcdef1");
  EXPECT_FALSE(commit.revision);
  // Digits only, seven or more: a commit first, else that revision.
  auto both = parse_release_selector("2222222");
  EXPECT_EQ(both.commit_prefix, "2222222");
  EXPECT_EQ(both.revision, 2222222);
  for (const char* bad :
       {"", "aa", "abcdefg", "app:", "123456789012345678901234567890123456789012", "app:x1"}) {
    EXPECT_THROW(parse_release_selector(bad), slipway::release::ReleaseNotFound) << bad;
  }
}

}  // namespace
