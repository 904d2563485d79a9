#include "app/source.h"

#include <cstdio>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "io/system.h"

namespace pmdcon::app {
namespace {

ring::StartAt StartOf(const config::Config& c) {
  if (c.source.type == config::SourceType::kKmsg) return ring::StartAt::kOldest;
  switch (c.source.start) {
    case config::StartAt::kOldest:
      return ring::StartAt::kOldest;
    case config::StartAt::kNewest:
      return ring::StartAt::kNewest;
    case config::StartAt::kTransmitted:
      break;
  }
  return ring::StartAt::kTransmitted;
}

}  // namespace

absl::StatusOr<std::unique_ptr<Source>> OpenSource(const config::Config& c) {
  const bool kmsg = c.source.type == config::SourceType::kKmsg;
  PMDCON_ASSIGN_OR_RETURN(
      io::MappedFile file,
      kmsg ? io::MappedFile::Anonymous(16u << 20)
           : io::MappedFile::Open(c.source.path,
                                  io::MappedFile::Access::kConsumer));
  PMDCON_ASSIGN_OR_RETURN(const BootId boot, io::ReadBootId());
  PMDCON_ASSIGN_OR_RETURN(const uint64_t salt, io::RandomU64());
  auto s = std::make_unique<Source>(std::move(file));
  s->boot = boot;
  s->start = StartOf(c);
  if (!kmsg) {
    auto probe = ring::Consumer::Attach(
        s->file.bytes(), boot, ring::StartAt::kOldest, ring::Role::kObserver);
    if (!probe.ok()) {
      return absl::InvalidArgumentError(
          absl::StrCat(c.source.path, ": ", probe.status().message()));
    }
    return s;
  }
  pmdcon_ring_format(&s->kmsg_ring, s->file.bytes().data(),
                     s->file.bytes().size(), boot.data(), salt);
  // /dev/kmsg keeps no position of ours: "transmitted" means from now on.
  PMDCON_ASSIGN_OR_RETURN(
      s->kmsg, io::KmsgReader::Open(c.source.path,
                                    c.source.start != config::StartAt::kOldest,
                                    &s->kmsg_ring));
  return s;
}

void Source::LogStats() const {
  if (!kmsg) return;
  std::fprintf(stderr,
               "pmdcon: kmsg: records %llu, overrun %llu (overwritten in "
               "the kernel before read), malformed %llu\n",
               static_cast<unsigned long long>(kmsg->records()),
               static_cast<unsigned long long>(kmsg->missed()),
               static_cast<unsigned long long>(kmsg->malformed()));
}

}  // namespace pmdcon::app
