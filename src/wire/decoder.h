// Netconsole payload parsing: one UDP payload -> header fields and body, and
// a complete body -> text, dictionary, userdata and sysdata. Pure functions
// over caller memory; malformed input is classified, never trusted.
#ifndef PMDCON_WIRE_DECODER_H_
#define PMDCON_WIRE_DECODER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace pmdcon::wire {

enum class Malformed {
  kNone,
  kEmpty,      // zero-length payload
  kBadHeader,  // extended-looking header with bad numbers or fields
  kBadNcfrag,  // ncfrag=<off>/<total> unparsable or inconsistent
  kOversized,  // ncfrag total above the reassembly limit
  kTooLong,    // payload above 1000 bytes
};
std::string_view MalformedName(Malformed m);

// One payload. Views point into the payload.
struct Payload {
  bool extended = false;     // false: a basic-mode line chunk (no header)
  std::string_view release;  // "" unless the release was prepended
  uint32_t prio = 0;
  uint64_t seq = 0;
  uint64_t ts_usec = 0;
  char flag = '-';  // '-', 'c' (continuation) or '+' (older kernels)
  bool has_caller = false;
  uint32_t caller_id = 0;  // bit 31: CPU
  bool emergency = false;  // ",ncemg=1": a resend the receiver acks at once
  // ",ncfirst=N": the reliable stream this record belongs to began at seq N
  // (UINT64_MAX: not said).
  uint64_t stream_first = UINT64_MAX;
  bool fragment = false;
  uint32_t frag_offset = 0;
  uint32_t frag_total = 0;
  std::string_view header;  // everything before ';' minus ",ncfrag=...": the
                            // key fragments of one record share
  std::string_view body;    // after ';' (a fragment: this chunk only)
};

// Parses one payload. A payload that does not start like an extended header
// is a basic-mode chunk (extended = false, body = the payload).
Malformed ParsePayload(std::string_view payload, uint32_t max_total,
                       Payload* out);

// A record's body split up: the text (unescaped) and the " key=value" lines.
// Lines are told apart as upstream composes them: printk dictionary
// (SUBSYSTEM, DEVICE; escaped), then userdata, then the trailing sysdata
// lines (cpu, taskname, release, msgid, in that order).
struct Body {
  std::string text;
  std::vector<std::pair<std::string, std::string>> dict;
  std::vector<std::pair<std::string, std::string>> userdata;
  std::vector<std::pair<std::string, std::string>> sysdata;
  bool ends_with_newline = false;
};
void SplitBody(std::string_view body, Body* out);

// \xNN sequences back to bytes (anything else kept as is).
std::string Unescape(std::string_view s);

}  // namespace pmdcon::wire

#endif  // PMDCON_WIRE_DECODER_H_
