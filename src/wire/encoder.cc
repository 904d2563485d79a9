#include "wire/encoder.h"

#include <set>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "common/status.h"
#include "common/strings.h"

namespace pmdcon::wire {
namespace {

absl::Status Bad(std::string_view field, std::string_view why) {
  return absl::InvalidArgumentError(
      absl::StrCat(AsAbsl(field), ": ", AsAbsl(why)));
}

}  // namespace

absl::Status Validate(const Format& f) {
  if (f.release && !f.extended) {
    return Bad("release", "requires the extended format");
  }
  if (f.release_str.size() > PMDCON_WIRE_RELEASE_MAX) {
    return Bad("release", absl::StrCat("longer than ", PMDCON_WIRE_RELEASE_MAX,
                                       " characters"));
  }
  for (char c : f.release_str) {
    if (c <= ' ' || c >= 0x7f || c == ',' || c == ';') {
      return Bad("release", "must be printable, without spaces, ',' or ';'");
    }
  }
  if ((f.release || (f.sysdata & PMDCON_SYSDATA_RELEASE)) &&
      f.release_str.empty()) {
    return Bad("release", "no release string to send");
  }
  if (f.sysdata & ~0xfu) return Bad("sysdata", "unknown field bits");
  if (f.chunk < 200 || f.chunk > PMDCON_WIRE_CHUNK) {
    // Fragment headers (release, seq, ncfrag) must leave room for data.
    if (f.chunk < 200) return Bad("chunk", "must be at least 200 bytes");
    return Bad("chunk", absl::StrCat("must be at most ", PMDCON_WIRE_CHUNK));
  }
  if (f.sysdata && !f.extended) {
    return Bad("sysdata", "requires the extended format");
  }
  if (!f.userdata.empty() && !f.extended) {
    return Bad("userdata", "requires the extended format");
  }
  if (f.userdata.size() > PMDCON_WIRE_USERDATA_KEYS) {
    return Bad("userdata", absl::StrCat("more than ", PMDCON_WIRE_USERDATA_KEYS,
                                        " entries"));
  }
  std::set<std::string_view> keys;
  for (size_t i = 0; i < f.userdata.size(); ++i) {
    const Userdatum& u = f.userdata[i];
    const std::string where = absl::StrCat("userdata[", i, "]");
    if (u.key.empty()) return Bad(where + ".key", "empty");
    if (u.key.size() > PMDCON_WIRE_USERDATA_KEY_MAX) {
      return Bad(where + ".key",
                 absl::StrCat("longer than ", PMDCON_WIRE_USERDATA_KEY_MAX,
                              " characters"));
    }
    for (char c : u.key) {
      if (c <= ' ' || c >= 0x7f || c == '=' || c == '/') {
        return Bad(where + ".key",
                   "must be printable, without spaces, '=' or '/'");
      }
    }
    if (!keys.insert(u.key).second) {
      return Bad(where + ".key", absl::StrCat("duplicate key \"", u.key, "\""));
    }
    if (u.value.size() > PMDCON_WIRE_USERDATA_VALUE_MAX) {
      return Bad(where + ".value",
                 absl::StrCat("longer than ", PMDCON_WIRE_USERDATA_VALUE_MAX,
                              " characters"));
    }
    if (u.value.find_first_of(std::string_view("\n\0", 2)) !=
        std::string::npos) {
      return Bad(where + ".value", "must not contain a newline or NUL");
    }
  }
  return absl::OkStatus();
}

std::string RenderUserdata(const std::vector<Userdatum>& userdata) {
  std::string out;
  for (const Userdatum& u : userdata) {
    if (u.value.empty()) continue;  // upstream skips unset values
    absl::StrAppend(&out, " ", u.key, "=", u.value, "\n");
  }
  return out;
}

absl::StatusOr<Encoder> Encoder::Create(const Format& format) {
  PMDCON_RETURN_IF_ERROR(Validate(format));
  Encoder e;
  e.format_ = format;
  e.userdata_ = RenderUserdata(format.userdata);
  e.Bind();
  return e;
}

Encoder& Encoder::operator=(const Encoder& other) {
  format_ = other.format_;
  userdata_ = other.userdata_;
  msgid_ = other.msgid_;
  enc_ = {};
  Bind();
  return *this;
}

void Encoder::Bind() {
  target_.extended = format_.extended;
  target_.release = format_.release;
  target_.time_prefix = format_.time_prefix;
  target_.sysdata = format_.sysdata;
  target_.release_str = format_.release_str.data();
  target_.release_len = static_cast<uint32_t>(format_.release_str.size());
  target_.userdata = userdata_.data();
  target_.userdata_len = static_cast<uint32_t>(userdata_.size());
  target_.chunk = format_.chunk;
}

void Encoder::BeginLoss(uint64_t records, bool seq_known, uint64_t first_seq,
                        uint64_t last_seq, uint64_t ts_usec,
                        const char* cause) {
  pmdcon_wire_loss_notice(&notice_, records, seq_known, first_seq, last_seq,
                          ts_usec, cause);
  Begin(notice_.rec, notice_.text, notice_.dict);
}

}  // namespace pmdcon::wire
