// The shared MAC (include/pmdcon/auth.h): SipHash-2-4 against the paper's
// vectors, fed whole and in pieces; a sealed record or response verifies,
// and any change of a byte, the key, the key id or the boot is refused;
// the field sits only in a header, so text cannot carry one.
#include "pmdcon/auth.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

#include "wire/auth_keys.h"
#include "wire/reassembler.h"

namespace pmdcon {
namespace {

pmdcon_auth_key Key(uint8_t id, uint8_t first = 0) {
  pmdcon_auth_key k{};
  k.id = id;
  for (uint8_t i = 0; i < 16; ++i) k.key[i] = static_cast<uint8_t>(first + i);
  return k;
}

uint64_t Sip(const pmdcon_auth_key& k, const std::string& m, size_t piece) {
  pmdcon_siphash s;
  pmdcon_siphash_init(&s, k.key);
  for (size_t i = 0; i < m.size(); i += piece) {
    const size_t n = std::min(piece, m.size() - i);
    pmdcon_siphash_update(&s, m.data() + i, static_cast<uint32_t>(n));
  }
  return pmdcon_siphash_final(&s);
}

TEST(SipHash, PaperVectors) {
  const pmdcon_auth_key k = Key(0);
  std::string m;
  for (char c = 0; c < 15; ++c) m.push_back(c);
  for (size_t piece : {1, 3, 7, 8, 15}) {
    EXPECT_EQ(Sip(k, "", piece), 0x726fdb47dd0e0e31ull);
    EXPECT_EQ(Sip(k, m, piece), 0xa129ca6149be45e5ull) << piece;
    EXPECT_EQ(Sip(k, m.substr(0, 8), piece), 0x93f5f5799a932462ull);
  }
}

std::string Seal(const pmdcon_auth_key& k, uint64_t boot, std::string p) {
  char buf[1100];
  std::memcpy(buf, p.data(), p.size());
  const uint32_t n =
      pmdcon_auth_seal(&k, boot, buf, static_cast<uint32_t>(p.size()), 1000);
  return std::string(buf, n);
}

bool Verifies(const pmdcon_auth_key& k, const std::string& d) {
  pmdcon_auth_field f;
  return pmdcon_auth_find(d.data(), static_cast<uint32_t>(d.size()), &f) ==
             PMDCON_AUTH_OK &&
         pmdcon_auth_verify(&k, d.data(), static_cast<uint32_t>(d.size()), &f);
}

TEST(Auth, SealedRecordsVerifyAndStripBackToTheirBytes) {
  const pmdcon_auth_key k = Key(7);
  const std::string plain = "6,42,1000,-,ncfrag=0/2000;hello\n";
  const std::string d = Seal(k, 0x0123456789abcdefull, plain);
  EXPECT_EQ(d, "6,42,1000,-,ncfrag=0/2000,ncmac=07.0123456789abcdef." +
                   d.substr(d.find(";") - 16, 16) + ";hello\n");
  EXPECT_TRUE(Verifies(k, d));
  pmdcon_auth_field f;
  ASSERT_EQ(pmdcon_auth_find(d.data(), static_cast<uint32_t>(d.size()), &f),
            PMDCON_AUTH_OK);
  EXPECT_EQ(f.boot, 0x0123456789abcdefull);
  std::string s = d;
  s.resize(pmdcon_auth_strip(s.data(), static_cast<uint32_t>(s.size()), &f));
  EXPECT_EQ(s, plain);
}

TEST(Auth, AnyChangeIsRefused) {
  const pmdcon_auth_key k = Key(1);
  const std::string d = Seal(k, 99, "6,5,7,-;kernel: text\n");
  size_t refused = 0;
  for (size_t i = 0; i < d.size(); ++i) {
    std::string t = d;
    t[i] ^= 1;
    refused += !Verifies(k, t);
  }
  EXPECT_EQ(refused, d.size());
  EXPECT_FALSE(Verifies(Key(1, 1), d));  // another key, same id
  EXPECT_FALSE(Verifies(Key(2), d));     // the same bytes, another id
  // Another boot's value in the field (an old stream replayed): refused.
  std::string t = d;
  t[t.find(".") + 16] = t[t.find(".") + 16] == '0' ? '1' : '0';
  EXPECT_FALSE(Verifies(k, t));
  // Seq 5 sealed is not seq 6.
  EXPECT_NE(Seal(k, 99, "6,6,7,-;kernel: text\n").substr(22, 16),
            d.substr(22, 16));
}

TEST(Auth, ResponsesToo) {
  const pmdcon_auth_key k = Key(3);
  char buf[1000] = "ncrx41 43 47";
  const uint32_t n = pmdcon_auth_seal_ack(&k, 5, buf, 12, sizeof(buf));
  const std::string d(buf, n);
  EXPECT_EQ(d.substr(0, 19), "ncrx41 43 47 ncmac=");
  EXPECT_TRUE(Verifies(k, d));
  EXPECT_FALSE(Verifies(k, "ncrx41 43 48" + d.substr(12)));
  EXPECT_EQ(pmdcon_auth_seal_ack(&k, 5, buf, 990, 1000), 0u);  // no room
}

TEST(Auth, WhereTheFieldMayBe) {
  const pmdcon_auth_key k = Key(1);
  pmdcon_auth_field f;
  auto find = [&f](const std::string& d) {
    return pmdcon_auth_find(d.data(), static_cast<uint32_t>(d.size()), &f);
  };
  EXPECT_EQ(find("6,1,2,-;plain"), PMDCON_AUTH_NONE);
  EXPECT_EQ(find("basic text, no header"), PMDCON_AUTH_NONE);
  EXPECT_EQ(find("ncrx5"), PMDCON_AUTH_NONE);
  // In the text, a field is text.
  const std::string sealed = Seal(k, 1, "6,1,2,-;x");
  EXPECT_EQ(find("6,1,2,-;" + sealed.substr(7)), PMDCON_AUTH_NONE);
  // Two fields, or one not last in the header, or bad hex: malformed.
  const std::string field = sealed.substr(7, PMDCON_AUTH_FIELD_LEN);
  EXPECT_EQ(find("6,1,2,-" + field + field + ";x"), PMDCON_AUTH_MALFORMED);
  EXPECT_EQ(find("6,1,2,-" + field + ",ncemg=1;x"), PMDCON_AUTH_MALFORMED);
  std::string upper = sealed;
  upper[sealed.find(".") + 1] = 'A';
  EXPECT_EQ(find(upper), PMDCON_AUTH_MALFORMED);
  // Basic payloads and full buffers are not sealed.
  char buf[64] = "[    1.000000] no header\n";
  EXPECT_EQ(pmdcon_auth_seal(&k, 1, buf, 25, sizeof(buf)), 0u);
  std::memcpy(buf, "6,1,2,-;x", 9);
  EXPECT_EQ(pmdcon_auth_seal(&k, 1, buf, 9, 9 + PMDCON_AUTH_FIELD_LEN - 1), 0u);
}

TEST(AuthKeys, SenderAndReceiverFiles) {
  auto s = wire::ParseSenderKeys(
      "# rotation\n1 000102030405060708090A0B0C0D0E0F\n"
      "2 00112233445566778899aabbccddeeff  # new\n",
      "keys");
  ASSERT_TRUE(s.ok()) << s.status();
  EXPECT_EQ(s->keys.size(), 2u);
  EXPECT_EQ(s->signing().id, 2);
  EXPECT_EQ(s->Find(1)->key[10], 10);
  auto r = wire::ReceiverKeys::Parse(
      "10.0.0.5 1 000102030405060708090a0b0c0d0e0f\n"
      "10.0.0.5 2 00112233445566778899aabbccddeeff\n"
      "fd00::1 1 000102030405060708090a0b0c0d0e0f\n",
      "rx.keys");
  ASSERT_TRUE(r.ok()) << r.status();
  std::array<uint8_t, 16> a{10, 0, 0, 5};
  ASSERT_NE(r->For(4, a), nullptr);
  EXPECT_EQ(r->For(4, a)->keys.size(), 2u);
  a[3] = 6;
  EXPECT_EQ(r->For(4, a), nullptr);
  EXPECT_EQ(r->sources(), 2u);
  // Errors name the file and the line.
  const std::pair<const char*, const char*> bad[] = {
      {"1 0011", "keys:1: a key is 32 hex digits (128 bits), not 4 characters"},
      {"\n300 000102030405060708090a0b0c0d0e0f", "keys:2: key id \"300\""},
      {"1 000102030405060708090a0b0c0d0e0g", "not hex"},
      {"1 000102030405060708090a0b0c0d0e0f\n1 000102030405060708090a0b0c0d0e0f",
       "keys:2: key id 1 is listed twice"},
      {"# nothing\n", "keys: holds no key"},
      {"1", "keys:1: expected"},
  };
  for (const auto& [text, want] : bad) {
    auto k = wire::ParseSenderKeys(text, "keys");
    ASSERT_FALSE(k.ok()) << text;
    EXPECT_NE(std::string(k.status().message()).find(want), std::string::npos)
        << k.status();
  }
  auto rb = wire::ReceiverKeys::Parse("host 1 000102030405060708090a0b0c0d0e0f",
                                      "rx.keys");
  EXPECT_FALSE(rb.ok());
}

struct Sink : wire::MessageSink {
  std::vector<std::string> bodies;
  std::vector<uint64_t> seqs;
  std::vector<std::string> responses;
  void OnMessage(const wire::Message& m) override {
    bodies.emplace_back(m.body);
    seqs.push_back(m.seq);
  }
  void OnResponse(const wire::SourceKey& to, std::string_view d) override {
    if (to.addr[3] == 5) responses.emplace_back(d);  // the keyed source's
  }
};

wire::SourceKey From(uint8_t last) {
  wire::SourceKey k;
  k.family = 4;
  k.port = 6665;
  k.addr = {10, 0, 0, last};
  return k;
}

std::string Rec(uint64_t seq, const std::string& text = "x") {
  return "6," + std::to_string(seq) + ",1,-;" + text + "\n";
}

// A source with a key: sealed records arrive as their plain bytes;
// unsealed, forged and replayed ones are refused and counted; a source
// without a key is taken as before; responses to a validated source are
// sealed and need no byte credit.
TEST(AuthReassembler, RefusesWhatTheKeyDoesNotSeal) {
  const pmdcon_auth_key k1 = Key(1), k2 = Key(2, 50);
  auto keys = wire::ReceiverKeys::Parse(
      "10.0.0.5 1 000102030405060708090a0b0c0d0e0f\n"
      "10.0.0.5 2 32333435363738393a3b3c3d3e3f4041\n",
      "rx.keys");
  ASSERT_TRUE(keys.ok()) << keys.status();
  wire::Reassembler r(
      {.ack = true,
       .auth = std::make_shared<wire::ReceiverKeys>(std::move(*keys))});
  Sink c;
  const uint64_t boot = 0xb007;
  r.Feed(From(5), Seal(k1, boot, Rec(0, "first")), 0, c);
  r.Feed(From(5), Seal(k2, boot, Rec(1, "rotated")), 0, c);  // both valid
  r.Feed(From(5), Rec(2, "unsealed"), 0, c);
  std::string forged = Seal(k1, boot, Rec(3, "Kernel panic"));
  forged[forged.size() - 3] ^= 1;
  r.Feed(From(5), forged, 0, c);
  r.Feed(From(5), Seal(Key(3), boot, Rec(4, "no such key")), 0, c);
  r.Feed(From(6), Rec(0, "a source without keys"), 0, c);
  ASSERT_EQ(c.bodies.size(), 3u);
  EXPECT_EQ(c.bodies[0], "first\n");
  EXPECT_EQ(c.bodies[1], "rotated\n");
  EXPECT_EQ(c.bodies[2], "a source without keys\n");
  const wire::SourceStats& st = *r.Stats(From(5));
  EXPECT_EQ(st.authenticated, 2u);
  EXPECT_EQ(st.auth_unauthenticated, 1u);
  EXPECT_EQ(st.auth_forged, 2u);
  EXPECT_EQ(st.payloads, 2u);
  // A new boot (seqs start over) is a restart; the old boot played again
  // afterwards is refused, and so is this boot's seq 0 sealed again... far
  // behind: a window and more.
  const uint64_t boot2 = 0xb008;
  r.Feed(From(5), Seal(k2, boot2, Rec(0, "new boot")), 1, c);
  r.Feed(From(5), Seal(k1, boot, Rec(5, "old boot")), 1, c);
  EXPECT_EQ(c.bodies.back(), "new boot\n");
  EXPECT_EQ(r.Stats(From(5))->auth_replayed, 1u);
  const std::string early = Seal(k2, boot2, Rec(1, "early"));
  r.Feed(From(5), early, 2, c);
  r.Feed(From(5), Seal(k2, boot2, Rec(40000, "later")), 3, c);
  const uint64_t dups = r.Stats(From(5))->duplicates;
  r.Feed(From(5), early, 4, c);  // 40,000 behind: not a restart, a copy
  EXPECT_EQ(c.bodies.back(), "later\n");
  EXPECT_EQ(r.Stats(From(5))->auth_replayed, 1u);
  EXPECT_EQ(r.Stats(From(5))->duplicates, dups + 1);
  // Responses: sealed with the source's key and boot, and as long as the
  // holes need (no byte credit for a validated source).
  r.Expire(2'000'000, c);
  ASSERT_GE(c.responses.size(), 2u);
  size_t longest = 0;
  for (const std::string& d : c.responses) {
    EXPECT_TRUE(Verifies(k2, d)) << d;
    longest = std::max(longest, d.size());
  }
  EXPECT_GT(longest, 900u);
  const std::string& resp = c.responses.back();
  pmdcon_auth_field f;
  ASSERT_EQ(
      pmdcon_auth_find(resp.data(), static_cast<uint32_t>(resp.size()), &f),
      PMDCON_AUTH_OK);
  EXPECT_EQ(f.boot, boot2);
}

// A collector that stalled reads a backlog: every third of 30,000 records
// is missing, 10,000 gaps. The resends it asked for come after the backlog,
// far behind the newest: those the acker tracks fill their gaps (and the
// ack moves to the newest); the rest are duplicates, never a new stream.
TEST(AuthReassembler, ResendsAfterAStallFillTheirGaps) {
  const pmdcon_auth_key k1 = Key(1);
  for (const uint64_t max_holes : {uint64_t{65536}, uint64_t{8192}}) {
    auto keys = wire::ReceiverKeys::Parse(
        "10.0.0.5 1 000102030405060708090a0b0c0d0e0f\n", "rx.keys");
    ASSERT_TRUE(keys.ok()) << keys.status();
    wire::Reassembler r(
        {.ack = true,
         .ack_options = {.max_holes = max_holes},
         .auth = std::make_shared<wire::ReceiverKeys>(std::move(*keys))});
    Sink c;
    for (uint64_t seq = 0; seq <= 30000; ++seq) {
      if (seq % 3 != 1) r.Feed(From(5), Seal(k1, 7, Rec(seq)), 0, c);
    }
    for (uint64_t seq = 1; seq <= 30000; seq += 3) {
      r.Feed(From(5), Seal(k1, 7, Rec(seq)), 1000, c);
    }
    const wire::SourceStats& st = *r.Stats(From(5));
    SCOPED_TRACE(max_holes);
    if (max_holes == 65536) {
      EXPECT_EQ(st.records, 30001u);
      EXPECT_EQ(st.missing, 0u);
      EXPECT_EQ(st.auth_replayed, 0u);
      EXPECT_EQ(st.restarts, 0u);
      r.Expire(2'000'000, c);
      ASSERT_FALSE(c.responses.empty());
      const std::string& last = c.responses.back();
      EXPECT_EQ(last.substr(0, last.find(' ')), "ncrx30000");
    } else {
      // 8,192 gaps kept: the resends of the 1,808 before them are dropped
      // (this boot's seqs never go back: copies, not a new stream).
      EXPECT_EQ(st.records, 20001u + 8192u);
      EXPECT_EQ(st.duplicates, 10000u - 8192u);
      EXPECT_EQ(st.auth_replayed, 0u);
      EXPECT_EQ(st.restarts, 0u);
    }
  }
}

}  // namespace
}  // namespace pmdcon
