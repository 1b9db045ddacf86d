#include "core/private_files.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "core/errors.hpp"

namespace {

namespace fs = std::filesystem;
using namespace slipway::core;

mode_t mode_of(const fs::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

class PrivateFiles : public ::testing::TestWithParam<mode_t> {
 protected:
  void SetUp() override {
    root_ = fs::temp_directory_path() / ("slipway_private_files_" + std::to_string(::getpid()));
    old_umask_ = ::umask(GetParam());
  }
  void TearDown() override {
    ::umask(old_umask_);
    fs::remove_all(root_);
  }
  fs::path root_;
  mode_t old_umask_ = 0;
};

// Whatever the umask: 000 (everything open), 022 (the usual), 0277 (even the owner's write bit
// removed) — the result is 0700 and 0600.
TEST_P(PrivateFiles, ModesDoNotFollowTheUmask) {
  const auto nested = root_ / "a" / "b";
  create_private_directories(nested.string());
  EXPECT_EQ(mode_of(root_), 0700u);
  EXPECT_EQ(mode_of(root_ / "a"), 0700u);
  EXPECT_EQ(mode_of(nested), 0700u);

  write_private_file((nested / "file").string(), "one");
  EXPECT_EQ(mode_of(nested / "file"), 0600u);
  write_private_file((nested / "file").string(), "two");
  std::ifstream in(nested / "file");
  std::string text;
  in >> text;
  EXPECT_EQ(text, "two");

  append_private_file((nested / "log").string(), "line\n");
  EXPECT_EQ(mode_of(nested / "log"), 0600u);
  const int fd = open_private((nested / "pid").string(), O_WRONLY | O_CREAT | O_EXCL);
  ASSERT_GE(fd, 0);
  ::close(fd);
  EXPECT_EQ(mode_of(nested / "pid"), 0600u);
  EXPECT_EQ(std::distance(fs::directory_iterator(nested), fs::directory_iterator{}), 3)
      << "no temporary file left";
}

INSTANTIATE_TEST_SUITE_P(Umasks, PrivateFiles, ::testing::Values(0000, 0022, 0277));

TEST(PrivateFilesErrors, NameTheFile) {
  try {
    write_private_file("/nonexistent-dir/file", "x");
    FAIL() << "expected an error";
  } catch (const SystemError& e) {
    EXPECT_NE(std::string(e.what()).find("/nonexistent-dir/file"), std::string::npos);
  }
}

}  // namespace
