// Which records tell of a kernel's crash: those whose text begins as the
// kernel's panic(), an oops or a BUG() does. A prefix compare on the body's
// start, cheap enough for every record delivered. Pure.
//
//   switch (wire::ClassifyPanic(m.body)) { case wire::Panic::kOops: ... }
//   wire::ClassifyBasicPanic(chunk);  // a basic-mode chunk: "[ 1.5] Oops:"
#ifndef PMDCON_WIRE_PANIC_H_
#define PMDCON_WIRE_PANIC_H_

#include <cstdint>
#include <string_view>

namespace pmdcon::wire {

enum class Panic : uint8_t { kNone, kPanic, kOops, kBug };
inline constexpr int kPanicKinds = 3;  // kPanic..kBug, 1-based in Panic

// "Kernel panic - not syncing: ..." (panic()), "Oops: ..." (die()),
// "Internal error: Oops: ..." (arm64's and arm's die()), "BUG: ..." (a
// detected bug: a bad page fault, a lockup), "watchdog: BUG: ..." (the
// soft lockup detector, since 4.15) and "kernel BUG at file:line!" (BUG()).
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
    case 'I':
      return body.starts_with("Internal error: Oops") ? Panic::kOops
                                                      : Panic::kNone;
    case 'w':
      return body.starts_with("watchdog: BUG:") ? Panic::kBug : Panic::kNone;
    default:
      return Panic::kNone;
  }
}

// A basic-mode chunk is the line as the console prints it: with
// CONFIG_PRINTK_TIME it begins "[   12.345678] ", skipped here (looked for
// only when the chunk begins '['). Extended records carry the time apart.
inline Panic ClassifyBasicPanic(std::string_view chunk) {
  if (chunk.empty() || chunk[0] != '[') return ClassifyPanic(chunk);
  size_t i = 1;
  while (i < chunk.size() && chunk[i] == ' ') ++i;
  const auto digits = [&] {
    const size_t from = i;
    while (i < chunk.size() && chunk[i] >= '0' && chunk[i] <= '9') ++i;
    return i > from;
  };
  if (!digits() || i >= chunk.size() || chunk[i++] != '.' || !digits() ||
      !chunk.substr(i).starts_with("] ")) {
    return Panic::kNone;
  }
  return ClassifyPanic(chunk.substr(i + 2));
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
