#include "io/mapped_file.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <string>

namespace pmdcon::io {
namespace {

std::string TempPath() {
  char name[] = "/tmp/pmdcon-mapped-XXXXXX";
  const int fd = mkstemp(name);
  EXPECT_GE(fd, 0);
  close(fd);
  return name;
}

void Resize(const std::string& path, off_t size) {
  const int fd = open(path.c_str(), O_WRONLY);
  ASSERT_GE(fd, 0);
  ASSERT_EQ(ftruncate(fd, size), 0);
  close(fd);
}

// Issue 24, item 9: a file truncated under the reader and extended again to
// its size was reported "truncated to 1048576 bytes (was 1048576)"; a file
// that grew was reported truncated.
TEST(MappedFile, SaysWhatHappenedToTheFile) {
  const std::string path = TempPath();
  constexpr size_t kSize = 1 << 20;
  ASSERT_TRUE(MappedFile::Create(path, kSize).ok());
  {
    auto f = MappedFile::Open(path, MappedFile::Access::kConsumer);
    ASSERT_TRUE(f.ok()) << f.status();
    Resize(path, 2 * kSize);  // grown: the mapped part is unharmed
    EXPECT_EQ(f->Check(), MappedFile::FileState::kIntact);
    Resize(path, 4096);
    EXPECT_EQ(f->Check(), MappedFile::FileState::kTruncated);
    EXPECT_EQ(f->Describe(f->Check()), "truncated to 4096 bytes (was 1048576)");
    // A read past the end faults; the guard maps zeros there.
    volatile const std::byte* p = f->bytes().data() + kSize - 1;
    EXPECT_EQ(static_cast<int>(*p), 0);
    Resize(path, kSize);
    EXPECT_EQ(f->Check(), MappedFile::FileState::kTruncated);
    EXPECT_EQ(f->Describe(f->Check()),
              "truncated under the reader and extended again to 1048576 bytes "
              "(was 1048576)");
  }
  unlink(path.c_str());
}

}  // namespace
}  // namespace pmdcon::io
