// Keys for authenticated records (include/pmdcon/auth.h), parsed from the
// text of a key file; pure (io::ReadSecretFile reads the file).
//
// A sender's file (pmdcon's `auth: {key_file: ...}`): one key per line,
//   <id> <32 hex digits>          e.g. "1 00112233445566778899aabbccddeeff"
// the last line's key signs; every key listed is accepted on acks (two
// during a rotation). A receiver's file (pmdcon-rx --auth_keys) names the
// sender's address first:
//   <address> <id> <32 hex digits>
// and a source may have several (rotation). '#' starts a comment.
#ifndef PMDCON_WIRE_AUTH_KEYS_H_
#define PMDCON_WIRE_AUTH_KEYS_H_

#include <array>
#include <cstdint>
#include <cstring>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "absl/status/statusor.h"
#include "pmdcon/auth.h"

namespace pmdcon::wire {

struct KeyRing {
  std::vector<pmdcon_auth_key> keys;  // in file order; the last signs
  const pmdcon_auth_key* Find(uint8_t id) const {
    for (const auto& k : keys) {
      if (k.id == id) return &k;
    }
    return nullptr;
  }
  const pmdcon_auth_key& signing() const { return keys.back(); }
  bool empty() const { return keys.empty(); }
  bool operator==(const KeyRing& o) const {
    return keys.size() == o.keys.size() &&
           (keys.empty() || std::memcmp(keys.data(), o.keys.data(),
                                        keys.size() * sizeof(keys[0])) == 0);
  }
};

// Errors name `where` (the file) and the line.
absl::StatusOr<KeyRing> ParseSenderKeys(std::string_view text,
                                        std::string_view where);

class ReceiverKeys {
 public:
  static absl::StatusOr<ReceiverKeys> Parse(std::string_view text,
                                            std::string_view where);
  // The keys of a source address (family 4 or 6, its 16 bytes as
  // SourceKey holds them), nullptr if it has none.
  const KeyRing* For(uint8_t family, const std::array<uint8_t, 16>& addr) const;
  size_t sources() const { return by_addr_.size(); }

 private:
  absl::flat_hash_map<std::array<uint8_t, 17>, KeyRing> by_addr_;
};

}  // namespace pmdcon::wire

#endif  // PMDCON_WIRE_AUTH_KEYS_H_
