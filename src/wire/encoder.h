// C++ side of the netconsole encoder (include/pmdcon/wire.h): target format
// settings validated against upstream's limits, and a per-target Encoder.
//
//   auto enc = wire::Encoder::Create(format);      // control path
//   enc->Begin(rec, text, dict);                    // hot path, per record
//   while (uint32_t n = enc->Next(buf)) Send(buf, n);  // buf: 1000 bytes
//
// Pure: no I/O, no allocation per record.
#ifndef PMDCON_WIRE_ENCODER_H_
#define PMDCON_WIRE_ENCODER_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "pmdcon/wire.h"

namespace pmdcon::wire {

struct Userdatum {
  std::string key;
  std::string value;

  bool operator==(const Userdatum&) const = default;
};

// How one target formats records (netconsole's per-target settings).
struct Format {
  bool extended = true;     // '+' flag
  bool release = false;     // 'r' flag: prepend "<release>,"; needs extended
  bool time_prefix = true;  // basic mode: "[%5lu.%06lu] " (printk.time)
  uint8_t sysdata = 0;      // PMDCON_SYSDATA_* (extended only)
  std::string release_str;  // utsname release, used by release and sysdata
  std::vector<Userdatum> userdata;     // in order; extended only
  uint32_t chunk = PMDCON_WIRE_CHUNK;  // largest payload (upstream: 1000)

  bool operator==(const Format&) const = default;
};

// Checks a Format against upstream's rules; errors name the offending field
// ("userdata[3].key: longer than 53 characters").
absl::Status Validate(const Format& format);

// Renders userdata as upstream does: " key=value\n" per entry with a
// non-empty value, in the configured order.
std::string RenderUserdata(const std::vector<Userdatum>& userdata);

class Encoder {
 public:
  static absl::StatusOr<Encoder> Create(const Format& format);

  Encoder(const Encoder& other) { *this = other; }
  Encoder& operator=(const Encoder& other);

  // Starts encoding a record; then call Next until it returns 0.
  void Begin(const pmdcon_rec& rec, const void* text, const void* dict) {
    pmdcon_wire_begin(&enc_, &target_, &msgid_, &rec, text, dict);
  }
  // Writes the next payload into out (PMDCON_WIRE_CHUNK bytes); returns its
  // length, 0 when the record is done.
  uint32_t Next(char* out) { return pmdcon_wire_next(&enc_, out); }

  // Starts the record again, as a resend the collector asked for: with the
  // msgid it carried the first time (`msgid`: msgid() right after that
  // Begin), the target's own numbering untouched. `emergency`: with
  // ",ncemg=1" (include/pmdcon/wire.h).
  void BeginResend(const pmdcon_rec& rec, const void* text, const void* dict,
                   uint32_t msgid, bool emergency) {
    uint32_t m = msgid - 1;  // begin numbers it msgid again
    pmdcon_wire_begin(&enc_, &target_, &m, &rec, text, dict);
    if (emergency) pmdcon_wire_mark_emergency(&enc_);
  }
  // Marks the record begun last as an emergency resend (a notice).
  void MarkEmergency() { pmdcon_wire_mark_emergency(&enc_); }
  // Marks the record begun last as sent in a reliable stream that began at
  // seq `first` (",ncfirst="); after any MarkEmergency.
  void MarkFirst(uint64_t first) { pmdcon_wire_mark_first(&enc_, first); }

  // Starts a notice standing in for `records` lost records (seq range known
  // or not), with the given cause; encoded like any record. The notice takes
  // the seq of the last lost record, so the rest of the gap stays visible.
  void BeginLoss(uint64_t records, bool seq_known, uint64_t first_seq,
                 uint64_t last_seq, uint64_t ts_usec, const char* cause);

  // The record just begun will not be sent now: give its msgid back, so the
  // retry carries the same one (upstream numbers records, not attempts).
  void UndoMsgid() {
    if (format_.sysdata & PMDCON_SYSDATA_MSGID) --msgid_;
  }

  bool fragmented() const { return enc_.fragmented != 0; }
  uint32_t msgid() const { return msgid_; }
  // Continues another encoder's numbering (a reloaded target).
  void set_msgid(uint32_t m) { msgid_ = m; }
  const Format& format() const { return format_; }

 private:
  Encoder() = default;
  void Bind();  // points target_ at this object's strings

  Format format_;
  std::string userdata_;
  pmdcon_wire_target target_{};
  uint32_t msgid_ = 0;
  pmdcon_wire_enc enc_{};
  // A loss notice: its record header, text and dictionary.
  pmdcon_wire_notice notice_{};
};

}  // namespace pmdcon::wire

#endif  // PMDCON_WIRE_ENCODER_H_
