// Test helpers: a ring region fenced by inaccessible guard pages, so any
// out-of-bounds access faults at once, with or without AddressSanitizer.
#ifndef PMDCON_TESTS_RING_TEST_REGION_H_
#define PMDCON_TESTS_RING_TEST_REGION_H_

#include <sys/mman.h>

#include <cstddef>
#include <cstring>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "common/boot_id.h"
#include "pmdcon/ring.h"
#include "ring/ring.h"

namespace pmdcon::testing {

class GuardedRegion {
 public:
  explicit GuardedRegion(size_t size) : size_(size) {
    const size_t pages = (size + kPage - 1) / kPage;
    total_ = (pages + 2) * kPage;
    void* p =
        mmap(nullptr, total_, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) throw std::runtime_error("mmap");
    base_ = static_cast<std::byte*>(p);
    // The region ends exactly at the upper guard page.
    data_ = base_ + kPage + pages * kPage - size;
    if (mprotect(base_ + kPage, pages * kPage, PROT_READ | PROT_WRITE) != 0)
      throw std::runtime_error("mprotect");
  }
  ~GuardedRegion() { munmap(base_, total_); }
  GuardedRegion(const GuardedRegion&) = delete;
  GuardedRegion& operator=(const GuardedRegion&) = delete;

  std::span<std::byte> bytes() { return {data_, size_}; }
  std::byte* data() { return data_; }
  size_t size() const { return size_; }

 private:
  static constexpr size_t kPage = 4096;
  std::byte* base_;
  std::byte* data_;
  size_t size_;
  size_t total_;
};

inline BootId TestBoot(uint8_t n) {
  BootId id{};
  id.fill(n);
  return id;
}

// Writes one record with the given seq and text; returns pmdcon_ring_write's
// result.
inline int WriteText(pmdcon_ring* r, uint64_t seq, std::string_view text,
                     std::string_view dict = {}) {
  pmdcon_rec meta{};
  meta.seq = seq;
  meta.ts_usec = seq * 10;
  meta.prio = 6;
  return pmdcon_ring_write(r, &meta, text.data(),
                           static_cast<uint32_t>(text.size()), dict.data(),
                           static_cast<uint32_t>(dict.size()));
}

// Collects what a Consumer delivers.
struct Collector {
  struct Item {
    uint64_t seq;
    std::string text;
    std::string dict;
    bool previous_boot;
  };
  std::vector<Item> records;
  std::vector<ring::Loss> losses;

  void OnRecord(const ring::Record& r) {
    records.push_back(
        {r.seq, std::string(r.text), std::string(r.dict), r.previous_boot});
  }
  void OnLoss(const ring::Loss& l) { losses.push_back(l); }
  uint64_t lost() const {
    uint64_t n = 0;
    for (const auto& l : losses) n += l.records;
    return n;
  }
};

}  // namespace pmdcon::testing

#endif  // PMDCON_TESTS_RING_TEST_REGION_H_
