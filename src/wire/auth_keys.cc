#include "wire/auth_keys.h"

#include <arpa/inet.h>

#include <cstring>
#include <string>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/status.h"
#include "common/strings.h"

namespace pmdcon::wire {
namespace {

using absl::string_view;

absl::Status LineError(string_view where, size_t line, string_view what) {
  return absl::InvalidArgumentError(absl::StrCat(where, ":", line, ": ", what));
}

// "<id> <hex32>" from fields[0..1].
absl::StatusOr<pmdcon_auth_key> ParseKey(string_view id, string_view hex,
                                         string_view where, size_t line) {
  pmdcon_auth_key k{};
  uint32_t v;
  if (!absl::SimpleAtoi(id, &v) || v > 255) {
    return LineError(where, line,
                     absl::StrCat("key id \"", id, "\" is not 0-255"));
  }
  k.id = static_cast<uint8_t>(v);
  if (hex.size() != 2 * PMDCON_AUTH_KEY_LEN) {
    return LineError(where, line,
                     absl::StrCat("a key is 32 hex digits (128 bits), not ",
                                  hex.size(), " characters"));
  }
  for (size_t i = 0; i < PMDCON_AUTH_KEY_LEN; ++i) {
    std::string lower = absl::AsciiStrToLower(hex.substr(2 * i, 2));
    uint64_t b;
    if (pmdcon_unhex(lower.data(), 2, &b) != 0) {
      return LineError(where, line, "a key holds a character that is not hex");
    }
    k.key[i] = static_cast<uint8_t>(b);
  }
  return k;
}

// Calls f(line, fields, key) for each line that is not blank or a comment:
// `n` fields, the last two a key id and a key; `usage` says what a line
// holds.
template <typename F>
absl::Status ForEachKey(string_view text, string_view where, size_t n,
                        string_view usage, F f) {
  size_t line = 0;
  for (string_view l : absl::StrSplit(text, '\n')) {
    ++line;
    l = l.substr(0, l.find('#'));
    std::vector<string_view> fields =
        absl::StrSplit(l, absl::ByAnyChar(" \t\r"), absl::SkipEmpty());
    if (fields.empty()) continue;
    if (fields.size() != n) {
      return LineError(where, line, absl::StrCat("expected \"", usage, "\""));
    }
    PMDCON_ASSIGN_OR_RETURN(
        pmdcon_auth_key k, ParseKey(fields[n - 2], fields[n - 1], where, line));
    PMDCON_RETURN_IF_ERROR(f(line, fields, k));
  }
  return absl::OkStatus();
}

absl::Status AddKey(KeyRing& ring, const pmdcon_auth_key& k, string_view where,
                    size_t line) {
  if (ring.Find(k.id)) {
    return LineError(where, line,
                     absl::StrCat("key id ", k.id, " is listed twice"));
  }
  ring.keys.push_back(k);
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<KeyRing> ParseSenderKeys(std::string_view text_in,
                                        std::string_view where_in) {
  const absl::string_view where = AsAbsl(where_in);
  KeyRing ring;
  absl::Status s = ForEachKey(
      AsAbsl(text_in), where, 2, "<key id> <32 hex digits>",
      [&](size_t line, const std::vector<string_view>&,
          const pmdcon_auth_key& k) { return AddKey(ring, k, where, line); });
  if (!s.ok()) return s;
  if (ring.keys.empty()) {
    return absl::InvalidArgumentError(absl::StrCat(where, ": holds no key"));
  }
  return ring;
}

absl::StatusOr<ReceiverKeys> ReceiverKeys::Parse(std::string_view text_in,
                                                 std::string_view where_in) {
  const absl::string_view where = AsAbsl(where_in);
  ReceiverKeys r;
  absl::Status s = ForEachKey(
      AsAbsl(text_in), where, 3, "<sender address> <key id> <32 hex digits>",
      [&](size_t line, const std::vector<string_view>& f,
          const pmdcon_auth_key& k) {
        std::array<uint8_t, 17> a{};
        const std::string host(f[0]);
        if (inet_pton(AF_INET, host.c_str(), a.data() + 1) == 1) {
          a[0] = 4;
        } else if (inet_pton(AF_INET6, host.c_str(), a.data() + 1) == 1) {
          a[0] = 6;
        } else {
          return LineError(
              where, line,
              absl::StrCat("\"", f[0], "\" is not an IPv4 or IPv6 address"));
        }
        return AddKey(r.by_addr_[a], k, where, line);
      });
  if (!s.ok()) return s;
  return r;
}

const KeyRing* ReceiverKeys::For(uint8_t family,
                                 const std::array<uint8_t, 16>& addr) const {
  std::array<uint8_t, 17> a{};
  a[0] = family;
  std::memcpy(a.data() + 1, addr.data(), family == 4 ? 4 : 16);
  const auto it = by_addr_.find(a);
  return it == by_addr_.end() ? nullptr : &it->second;
}

}  // namespace pmdcon::wire
