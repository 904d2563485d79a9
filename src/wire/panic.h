// Which records tell of a kernel's crash: those whose text begins as the
// kernel's panic(), an oops or a BUG() does. A prefix compare on the body's
// start, cheap enough for every record delivered. Pure.
//
//   switch (wire::ClassifyPanic(m.body)) { case wire::Panic::kOops: ... }
#ifndef PMDCON_WIRE_PANIC_H_
#define PMDCON_WIRE_PANIC_H_

#include <cstdint>
#include <string_view>

namespace pmdcon::wire {

enum class Panic : uint8_t { kNone, kPanic, kOops, kBug };
inline constexpr int kPanicKinds = 3;  // kPanic..kBug, 1-based in Panic

// "Kernel panic - not syncing: ..." (panic()), "Oops: ..." (die()),
// "BUG: ..." (a detected bug: a bad page fault, a lockup) and
// "kernel BUG at file:line!" (BUG()).
inline Panic ClassifyPanic(std::string_view body) {
  if (body.empty()) return Panic::kNone;
  switch (body[0]) {
    case 'K':
      return body.starts_with("Kernel panic - not syncing") ? Panic::kPanic
                                                            : Panic::kNone;
    case 'O':
      return body.starts_with("Oops:") ? Panic::kOops : Panic::kNone;
    case 'B':
      return body.starts_with("BUG:") ? Panic::kBug : Panic::kNone;
    case 'k':
      return body.starts_with("kernel BUG at") ? Panic::kBug : Panic::kNone;
    default:
      return Panic::kNone;
  }
}

// "panic", "oops", "bug": the kind label of pmdcon_rx_source_panics_total.
inline std::string_view PanicName(Panic p) {
  switch (p) {
    case Panic::kPanic:
      return "panic";
    case Panic::kOops:
      return "oops";
    case Panic::kBug:
      return "bug";
    default:
      return "none";
  }
}

}  // namespace pmdcon::wire

#endif  // PMDCON_WIRE_PANIC_H_
