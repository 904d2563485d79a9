// libFuzzer: whatever a RELP server answers, in pieces of any size, the
// client session stays consistent: it never answers a message twice, never
// loses one (acknowledged + pending = enqueued) and never holds more than
// its bound of input.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "rx/sinks/relp.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pmdcon::relp::Session s({.window = 4, .max_queued_bytes = 1 << 16});
  for (int i = 0; i < 8; ++i) s.Enqueue("<6>1 - h kernel - - - message");
  s.Connected(0);
  std::string_view in(reinterpret_cast<const char*>(data), size);
  uint64_t now = 1;
  // The first byte picks the piece size: answers split anywhere.
  const size_t piece = size ? 1 + data[0] % 64 : 1;
  while (!in.empty() && s.state() != pmdcon::relp::State::kBroken) {
    const std::string_view part = in.substr(0, piece);
    in.remove_prefix(part.size());
    s.OnInput(part, now++);
    s.Consume(s.Output().size());
    s.OnTime(now);
  }
  if (s.stats().acknowledged + s.pending() != s.stats().enqueued) std::abort();
  return 0;
}
