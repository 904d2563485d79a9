// The encoder against netconsole.rst's literal examples, hand-checked edge
// cases, the kernel selftests' receiver-side checks, and a reference port of
// upstream's algorithm over random records and settings.
#include <gtest/gtest.h>

#include <random>

#include "wire_test_util.h"

namespace pmdcon {
namespace {

using testing::Encode;
using testing::MakeRecord;
using testing::RefUpstream;
using testing::TestRecord;
using wire::Encoder;
using wire::Format;

Encoder Make(const Format& f) {
  auto e = Encoder::Create(f);
  EXPECT_TRUE(e.ok()) << e.status();
  return *e;
}

Format Extended() { return Format{}; }

std::vector<std::string> One(const Format& f, const TestRecord& r) {
  Encoder e = Make(f);
  return Encode(e, r);
}

// --- netconsole.rst's literal examples -------------------------------------

TEST(WireGolden, UserdataExample) {
  Format f = Extended();
  f.userdata = {{"foo", "bar"}, {"qux", "baz"}};
  EXPECT_EQ(
      One(f, MakeRecord(607, 22085407756, 12, "This is a message")),
      std::vector<std::string>{
          "12,607,22085407756,-;This is a message\n foo=bar\n qux=baz\n"});
}

TEST(WireGolden, ReleaseExample) {
  Format f = Extended();
  f.release = true;
  f.release_str = "6.4.0";
  EXPECT_EQ(
      One(f,
          MakeRecord(444, 501151268, 6, "netconsole: network logging started")),
      std::vector<std::string>{
          "6.4.0,6,444,501151268,-;netconsole: network logging started\n"});
}

TEST(WireGolden, MsgidExampleStartsAtOne) {
  Format f = Extended();
  f.sysdata = PMDCON_SYSDATA_MSGID;
  Encoder e = Make(f);
  EXPECT_EQ(Encode(e, MakeRecord(434, 54928466, 13, "This is message #1")),
            std::vector<std::string>{
                "13,434,54928466,-;This is message #1\n msgid=1\n"});
  EXPECT_EQ(Encode(e, MakeRecord(435, 54928467, 13, "This is message #2")),
            std::vector<std::string>{
                "13,435,54928467,-;This is message #2\n msgid=2\n"});
}

TEST(WireGolden, DictionaryExample) {
  const std::string dict("SUBSYSTEM=acpi\0DEVICE=+acpi:PNP0A03:00", 38);
  EXPECT_EQ(
      One(Extended(), MakeRecord(160, 424069, 7,
                                 "pci_root PNP0A03:00: host bridge window [io  "
                                 "0x0000-0x0cf7] (ignored)",
                                 dict)),
      std::vector<std::string>{
          "7,160,424069,-;pci_root PNP0A03:00: host bridge window [io  "
          "0x0000-0x0cf7] (ignored)\n SUBSYSTEM=acpi\n "
          "DEVICE=+acpi:PNP0A03:00\n"});
}

// The doc illustrates ncfrag with a tiny chunk; its first fragment carries 16
// bytes, so the chunk was 44.
TEST(WireGolden, FragmentExampleShape) {
  pmdcon_wire_target t{};
  t.extended = 1;
  t.chunk = 44;
  TestRecord r = MakeRecord(416, 1758426, 6, "the first chunk, the 2nd chunk");
  pmdcon_wire_enc e;
  uint32_t msgid = 0;
  char buf[64];
  pmdcon_wire_begin(&e, &t, &msgid, &r.hdr, r.text.data(), r.dict.data());
  std::vector<std::string> got;
  while (uint32_t n = pmdcon_wire_next(&e, buf)) got.emplace_back(buf, n);
  EXPECT_EQ(got, (std::vector<std::string>{
                     "6,416,1758426,-,ncfrag=0/31;the first chunk,",
                     "6,416,1758426,-,ncfrag=16/31; the 2nd chunk\n"}));
}

// --- edge cases
// ---------------------------------------------------------------

// Text length making the unfragmented payload exactly `total` bytes.
std::string TextForTotal(const Format& f, const TestRecord& shape,
                         size_t total) {
  TestRecord r = shape;
  r.text.clear();
  r.hdr.text_len = 0;
  uint32_t msgid = 0;
  const size_t base = RefUpstream(f, r, &msgid)[0].size();
  return std::string(total - base, 'a');
}

TEST(WireEdge, Exactly1000BytesIsOnePayload) {
  for (bool release : {false, true}) {
    Format f = Extended();
    f.release = release;
    f.release_str = "6.12.38+deb12-amd64";
    f.userdata = {{"host", "db1"}};
    TestRecord r = MakeRecord(9, 123, 6, "");
    r.text = TextForTotal(f, r, 1000);
    r.hdr.text_len = static_cast<uint16_t>(r.text.size());
    auto p = One(f, r);
    ASSERT_EQ(p.size(), 1u) << "release " << release;
    EXPECT_EQ(p[0].size(), 1000u);
    EXPECT_EQ(p[0].substr(p[0].size() - 10), " host=db1\n");  // last byte kept
  }
}

// A resend the collector asked for is the record as first sent, msgid
// included; an emergency one carries ",ncemg=1" before any ",ncfrag=".
TEST(WireEdge, ResendKeepsMsgidAndEmergencyJoinsTheHeader) {
  Format f = Extended();
  f.sysdata = PMDCON_SYSDATA_MSGID;
  Encoder e = Make(f);
  const TestRecord r = MakeRecord(434, 54928466, 13, "This is message #1");
  const std::vector<std::string> first = Encode(e, r);
  const uint32_t msgid = e.msgid();
  Encode(e, MakeRecord(435, 54928467, 13, "another"));
  auto again = [&](bool emergency) {
    std::vector<std::string> out;
    e.BeginResend(r.hdr, r.text.data(), r.dict.data(), msgid, emergency);
    char buf[PMDCON_WIRE_CHUNK];
    while (uint32_t n = e.Next(buf)) out.emplace_back(buf, n);
    return out;
  };
  EXPECT_EQ(again(false), first);
  EXPECT_EQ(again(true), std::vector<std::string>{
                             "13,434,54928466,-,ncemg=1;This is message #1\n "
                             "msgid=1\n"});
  EXPECT_EQ(e.msgid(), 2u);  // the target's numbering went on untouched
  // A record that no longer fits one payload with the longer header.
  Format plain = Extended();
  Encoder big = Make(plain);
  TestRecord r2 = MakeRecord(9, 123, 6, std::string(1000 - 11, 'x'));
  ASSERT_EQ(Encode(big, r2).size(), 1u);  // "6,9,123,-;" + text + "\n"
  big.BeginResend(r2.hdr, r2.text.data(), r2.dict.data(), 0, true);
  std::vector<std::string> out;
  char buf[PMDCON_WIRE_CHUNK];
  while (uint32_t n = big.Next(buf)) out.emplace_back(buf, n);
  ASSERT_EQ(out.size(), 2u);
  EXPECT_EQ(out[0].rfind("6,9,123,-,ncemg=1,ncfrag=0/990;", 0), 0u) << out[0];
  EXPECT_EQ(out[1].rfind("6,9,123,-,ncemg=1,ncfrag=", 0), 0u) << out[1];
}

// The first records of a reliable stream say where it began, after any
// ",ncemg=1" and before any ",ncfrag=".
TEST(WireEdge, StreamFirstJoinsTheHeader) {
  Encoder e = Make(Extended());
  const TestRecord r = MakeRecord(12, 345, 6, "hello");
  e.BeginResend(r.hdr, r.text.data(), r.dict.data(), 0, true);
  e.MarkFirst(10);
  char buf[PMDCON_WIRE_CHUNK];
  uint32_t n = e.Next(buf);
  EXPECT_EQ(std::string(buf, n), "6,12,345,-,ncemg=1,ncfirst=10;hello\n");
  EXPECT_EQ(e.Next(buf), 0u);
  TestRecord big =
      MakeRecord(18446744073709551615ull, 1, 6, std::string(1000 - 30, 'x'));
  e.Begin(big.hdr, big.text.data(), big.dict.data());
  e.MarkFirst(18446744073709551614ull);
  n = e.Next(buf);
  EXPECT_EQ(std::string(buf, n).rfind(
                "6,18446744073709551615,1,-,ncfirst=18446744073709551614,"
                "ncfrag=0/971;",
                0),
            0u)
      << std::string(buf, n);
  // Basic records have no header to carry it.
  Format bf = Extended();
  bf.extended = false;
  Encoder basic = Make(bf);
  basic.Begin(r.hdr, r.text.data(), r.dict.data());
  basic.MarkFirst(10);
  n = basic.Next(buf);
  EXPECT_EQ(std::string(buf, n), "[    0.000345] hello\n");
}

TEST(WireEdge, Byte1001Fragments) {
  Format f = Extended();
  f.userdata = {{"host", "db1"}};
  TestRecord r = MakeRecord(9, 123, 6, "");
  r.text = TextForTotal(f, r, 1001);
  r.hdr.text_len = static_cast<uint16_t>(r.text.size());
  auto p = One(f, r);
  ASSERT_EQ(p.size(), 2u);
  EXPECT_EQ(p[0].size(), 1000u);
  // data_len excludes the header: body = text + "\n" + userdata.
  const std::string total = "/" + std::to_string(r.text.size() + 1 + 10) + ";";
  EXPECT_EQ(p[0].rfind("6,9,123,-,ncfrag=0" + total, 0), 0u)
      << p[0].substr(0, 40);
  const size_t first_data =
      1000 - std::string("6,9,123,-,ncfrag=0" + total).size();
  EXPECT_EQ(
      p[1].rfind("6,9,123,-,ncfrag=" + std::to_string(first_data) + total, 0),
      0u);
  EXPECT_EQ(p[1].substr(p[1].size() - 10), " host=db1\n");
}

// Boundaries inside userdata, inside sysdata, and release + fragmentation,
// checked byte for byte against the reference and by reassembly.
TEST(WireEdge, BoundariesCrossUserdataAndSysdata) {
  Format f = Extended();
  f.release = true;
  f.release_str = "6.1.0-40-amd64";
  f.sysdata = PMDCON_SYSDATA_CPU | PMDCON_SYSDATA_TASKNAME |
              PMDCON_SYSDATA_RELEASE | PMDCON_SYSDATA_MSGID;
  for (int i = 0; i < 12; ++i)
    f.userdata.push_back({"key" + std::to_string(i), std::string(150, 'u')});
  bool inside_userdata = false, inside_sysdata = false;
  for (size_t len = 900; len < 2200; len += 7) {
    TestRecord r = MakeRecord(77, 5, 6, std::string(len, 't'));
    r.hdr.cpu = 3;
    std::strcpy(r.hdr.comm, "kworker/3:1");
    Encoder e = Make(f);
    uint32_t msgid = 0;
    auto got = Encode(e, r);
    auto want = RefUpstream(f, r, &msgid);
    ASSERT_EQ(got, want) << "text length " << len;
    for (size_t k = 0; k + 1 < got.size(); ++k) {
      ASSERT_EQ(got[k].size(), 1000u);
      ASSERT_EQ(got[k].rfind("6.1.0-40-amd64,6,77,5,-,ncfrag=", 0), 0u);
      const char last = got[k].back();
      inside_userdata |= last == 'u';
      inside_sysdata |= got[k].find(" cpu=3\n") != std::string::npos &&
                        got[k].find(" msgid=1\n") == std::string::npos;
    }
  }
  EXPECT_TRUE(inside_userdata);
  EXPECT_TRUE(inside_sysdata);
}

TEST(WireEdge, EscapesEveryByteClass) {
  std::string text;
  for (int c = 0; c < 256; ++c) text += static_cast<char>(c);
  TestRecord r = MakeRecord(1, 2, 6, text, std::string("K=\x01\x7f\\", 5));
  auto p = One(Extended(), r);
  std::string joined;
  for (auto& s : p) joined += s.substr(s.find(';') + 1);
  std::string want;
  for (int c = 0; c < 256; ++c) {
    char b[8];
    if (c < 0x20 || c >= 0x7f || c == '\\') {
      std::snprintf(b, sizeof(b), "\\x%02x", c);
      want += b;
    } else {
      want += static_cast<char>(c);
    }
  }
  want += "\n K=\\x01\\x7f\\x5c\n";
  EXPECT_EQ(joined, want);
}

TEST(WireEdge, EscapeSplitAcrossFragmentsStaysIntact) {
  // All escapes: every body byte is part of a 4-byte escape.
  TestRecord r = MakeRecord(5, 5, 6, std::string(600, '\x01'));
  uint32_t msgid = 0;
  auto got = One(Extended(), r);
  EXPECT_EQ(got, RefUpstream(Extended(), r, &msgid));
  ASSERT_EQ(got.size(), 3u);
}

TEST(WireEdge, EightKilobyteRecord) {
  Format f = Extended();
  f.sysdata = PMDCON_SYSDATA_MSGID;
  TestRecord r = MakeRecord(3, 4, 6, std::string(8192, 'x'));
  uint32_t msgid = 0;
  auto got = One(f, r);
  EXPECT_EQ(got, RefUpstream(f, r, &msgid));
  EXPECT_EQ(got.size(), 9u);
  for (size_t i = 0; i + 1 < got.size(); ++i) EXPECT_EQ(got[i].size(), 1000u);
}

TEST(WireEdge, BasicModeSlicesConsoleText) {
  Format f;
  f.extended = false;
  TestRecord r = MakeRecord(1, 12345678901, 6, "line one\nline two");
  EXPECT_EQ(One(f, r),
            std::vector<std::string>{
                "[12345.678901] line one\n[12345.678901] line two\n"});
  f.time_prefix = false;
  EXPECT_EQ(One(f, r), std::vector<std::string>{"line one\nline two\n"});
  f.time_prefix = true;
  TestRecord big = MakeRecord(1, 5, 6, std::string(2500, 'b'));
  auto p = One(f, big);
  ASSERT_EQ(p.size(), 3u);
  EXPECT_EQ(p[0].rfind("[    0.000005] bbb", 0), 0u);
  EXPECT_EQ(p[0].size() + p[1].size() + p[2].size(), 2500u + 15 + 1);
}

TEST(WireEdge, CallerAndContinuation) {
  TestRecord r = MakeRecord(8, 9, 4, "cont");
  r.hdr.flags = PMDCON_REC_CONT | PMDCON_REC_CALLER;
  r.hdr.caller_id = 0x80000002;
  EXPECT_EQ(One(Extended(), r)[0], "4,8,9,c,caller=C2;cont\n");
  r.hdr.caller_id = 1234;
  r.hdr.flags = PMDCON_REC_CALLER;
  EXPECT_EQ(One(Extended(), r)[0], "4,8,9,-,caller=T1234;cont\n");
}

TEST(WireEdge, PreviousBootMarkedInExtendedOnly) {
  TestRecord r = MakeRecord(8, 9, 4, "kept");
  r.hdr.flags = PMDCON_REC_PREV_BOOT;
  EXPECT_EQ(One(Extended(), r)[0], "4,8,9,-;kept\n PMDCON_BOOT=previous\n");
  Format f = Extended();
  f.sysdata = PMDCON_SYSDATA_CPU;
  r.hdr.cpu = 3;
  EXPECT_EQ(One(f, r)[0], "4,8,9,-;kept\n PMDCON_BOOT=previous\n cpu=3\n");
  // A long record is fragmented with the marker counted in its length.
  TestRecord big = MakeRecord(8, 9, 4, std::string(1500, 'a'));
  big.hdr.flags = PMDCON_REC_PREV_BOOT;
  const auto parts = One(Extended(), big);
  ASSERT_EQ(parts.size(), 2u);
  EXPECT_NE(parts[0].find("ncfrag=0/1523;"), std::string::npos) << parts[0];
  EXPECT_NE(parts[1].find("PMDCON_BOOT=previous\n"), std::string::npos);
  Format basic;
  basic.extended = false;
  EXPECT_EQ(One(basic, r)[0], "[    0.000009] kept\n");
}

TEST(WireEdge, MsgidWrapsAt32Bits) {
  Format f = Extended();
  f.sysdata = PMDCON_SYSDATA_MSGID;
  pmdcon_wire_target t{};
  t.extended = 1;
  t.sysdata = PMDCON_SYSDATA_MSGID;
  uint32_t msgid = 0xffffffffu;
  TestRecord r = MakeRecord(1, 1, 6, "x");
  pmdcon_wire_enc e;
  char buf[1000];
  pmdcon_wire_begin(&e, &t, &msgid, &r.hdr, r.text.data(), r.dict.data());
  const uint32_t n = pmdcon_wire_next(&e, buf);
  EXPECT_EQ(std::string(buf, n), "6,1,1,-;x\n msgid=0\n");
}

TEST(WireEdge, LossNotice) {
  Encoder e = Make(Extended());
  e.BeginLoss(1234, true, 100, 1333, 999, "overwritten in the ring");
  char buf[1000];
  const uint32_t n = e.Next(buf);
  EXPECT_EQ(std::string(buf, n),
            "4,1333,999,-;pmdcon: lost 1234 records (seq 100-1333): "
            "overwritten in the ring\n PMDCON_LOST=1234\n "
            "PMDCON_LOST_SEQ=100-1333\n");
  e.BeginLoss(1, false, 0, 7, 5, "dropped");
  const uint32_t m = e.Next(buf);
  EXPECT_EQ(std::string(buf, m),
            "4,7,5,-;pmdcon: lost 1 record: dropped\n PMDCON_LOST=1\n");
}

// --- the kernel selftests' receiver-side checks ------------------------------

// netcons_basic.sh: the message arrives in basic and extended mode; extended
// carries the userdata key=value.
TEST(WireSelftest, Basic) {
  const std::string msg = "netconsole selftest 3b8a1b2c";
  Format basic;
  basic.extended = false;
  auto b = One(basic, MakeRecord(1, 1, 6, msg));
  ASSERT_EQ(b.size(), 1u);
  EXPECT_NE(b[0].find(msg), std::string::npos);
  Format ext = Extended();
  ext.userdata = {{"key", "value"}};
  auto x = One(ext, MakeRecord(1, 1, 6, msg));
  ASSERT_EQ(x.size(), 1u);
  EXPECT_NE(x[0].find(msg), std::string::npos);
  EXPECT_NE(x[0].find("key=value"), std::string::npos);
}

// netcons_fragmented_msg.sh: a ~1.1 KB message plus 180 bytes of userdata,
// reassembled by stripping every "HEADER,ncfrag=N/M;", with and without
// release.
TEST(WireSelftest, FragmentedMessageReassemblesByStrippingHeaders) {
  const std::string msg(1100, 'F');
  for (bool release : {false, true}) {
    Format f = Extended();
    f.release = release;
    f.release_str = "6.12.0";
    f.userdata = {{"key", std::string(176, 'U')}};  // " key=" + 176 + "\n"
    auto p = One(f, MakeRecord(44, 55, 6, msg));
    ASSERT_GT(p.size(), 1u);
    std::string joined;
    for (const std::string& s : p) {
      const size_t semi = s.find(';');
      ASSERT_NE(s.substr(0, semi).find(",ncfrag="), std::string::npos);
      joined += s.substr(semi + 1);
    }
    EXPECT_EQ(joined, msg + "\n key=" + std::string(176, 'U') + "\n");
    EXPECT_EQ(
        p[0].rfind(
            release ? "6.12.0,6,44,55,-,ncfrag=0/" : "6,44,55,-,ncfrag=0/", 0),
        0u);
  }
}

// Userdata: 256 keys are accepted, the 257th is refused.
TEST(WireSelftest, UserdataLimits) {
  Format f = Extended();
  for (int i = 0; i < 256; ++i)
    f.userdata.push_back({"k" + std::to_string(i), "v"});
  EXPECT_TRUE(wire::Validate(f).ok());
  f.userdata.push_back({"k256", "v"});
  EXPECT_EQ(wire::Validate(f).message(), "userdata: more than 256 entries");
  f.userdata = {{std::string(53, 'k'), std::string(200, 'v')}};
  EXPECT_TRUE(wire::Validate(f).ok());
  f.userdata = {{std::string(54, 'k'), "v"}};
  EXPECT_EQ(wire::Validate(f).message(),
            "userdata[0].key: longer than 53 characters");
  f.userdata = {{"k", std::string(201, 'v')}};
  EXPECT_EQ(wire::Validate(f).message(),
            "userdata[0].value: longer than 200 characters");
}

// netcons_sysdata.sh: each field present when enabled, absent when not.
TEST(WireSelftest, SysdataFields) {
  TestRecord r = MakeRecord(10, 20, 6, "sysdata check");
  r.hdr.cpu = 1;
  std::strcpy(r.hdr.comm, "echo");
  struct Field {
    uint8_t bit;
    const char* line;
  };
  const Field fields[] = {{PMDCON_SYSDATA_CPU, " cpu=1\n"},
                          {PMDCON_SYSDATA_TASKNAME, " taskname=echo\n"},
                          {PMDCON_SYSDATA_RELEASE, " release=6.14.0\n"},
                          {PMDCON_SYSDATA_MSGID, " msgid=1\n"}};
  for (int mask = 0; mask < 16; ++mask) {
    Format f = Extended();
    f.release_str = "6.14.0";
    f.sysdata = static_cast<uint8_t>(mask);
    const std::string p = One(f, r)[0];
    for (const Field& fl : fields) {
      EXPECT_EQ(p.find(fl.line) != std::string::npos, (mask & fl.bit) != 0)
          << "mask " << mask << " field " << fl.line;
    }
  }
}

TEST(WireFormat, InvalidCombinationsNameTheField) {
  Format f;
  f.extended = false;
  f.release = true;
  f.release_str = "6.1";
  EXPECT_EQ(wire::Validate(f).message(),
            "release: requires the extended format");
  f = Extended();
  f.release = true;
  EXPECT_EQ(wire::Validate(f).message(), "release: no release string to send");
  f = Extended();
  f.userdata = {{"a", "1"}, {"a", "2"}};
  EXPECT_EQ(wire::Validate(f).message(),
            "userdata[1].key: duplicate key \"a\"");
  f.userdata = {{"a b", "1"}};
  EXPECT_EQ(wire::Validate(f).message(),
            "userdata[0].key: must be printable, without spaces, '=' or '/'");
  f.userdata = {{"a", "x\ny"}};
  EXPECT_EQ(wire::Validate(f).message(),
            "userdata[0].value: must not contain a newline or NUL");
}

// --- the reference port of upstream's algorithm on random inputs -------------

TestRecord RandomRecord(std::mt19937_64& rng) {
  static const int kSizes[] = {0, 1, 50, 400, 900, 990, 1000, 1100, 3000, 8192};
  const int size =
      kSizes[rng() % std::size(kSizes)] + static_cast<int>(rng() % 40);
  std::string text(static_cast<size_t>(size), ' ');
  const int escapes = static_cast<int>(rng() % 3);
  for (char& c : text) {
    c = escapes == 0 ? static_cast<char>('a' + rng() % 26)
                     : static_cast<char>(rng() % (escapes == 1 ? 128 : 256));
  }
  std::string dict;
  if (rng() % 3 == 0) dict = std::string("SUBSYSTEM=net\0DEVICE=n\x03", 24);
  TestRecord r = MakeRecord(rng(), rng() % 100000000000ull,
                            static_cast<uint8_t>(rng() % 192), text, dict);
  r.hdr.flags = static_cast<uint8_t>(rng() % 4 == 0 ? PMDCON_REC_CONT : 0);
  if (rng() % 2) {
    r.hdr.flags |= PMDCON_REC_CALLER;
    r.hdr.caller_id = static_cast<uint32_t>(rng());
  }
  r.hdr.cpu = static_cast<uint16_t>(rng() % 512);
  std::snprintf(r.hdr.comm, sizeof(r.hdr.comm), "task%u",
                static_cast<unsigned>(rng() % 100000));
  return r;
}

Format RandomFormat(std::mt19937_64& rng) {
  Format f;
  f.extended = rng() % 5 != 0;
  f.time_prefix = rng() % 2;
  f.release_str =
      "6." + std::to_string(rng() % 20) + ".0-" + std::string(rng() % 40, 'r');
  if (f.extended) {
    f.release = rng() % 2;
    f.sysdata = static_cast<uint8_t>(rng() % 16);
    const int n = static_cast<int>(rng() % 4 == 0 ? rng() % 256 : rng() % 4);
    for (int i = 0; i < n; ++i) {
      f.userdata.push_back(
          {"k" + std::to_string(i),
           std::string(rng() % 201, static_cast<char>('A' + i % 26))});
    }
  }
  return f;
}

TEST(WireReference, MatchesUpstreamAlgorithmOnRandomInputs) {
  std::mt19937_64 rng(20261121);
  const int cases = std::getenv("PMDCON_WIRE_CASES")
                        ? std::atoi(std::getenv("PMDCON_WIRE_CASES"))
                        : 100000;
  for (int i = 0; i < cases; ++i) {
    const Format f = RandomFormat(rng);
    Encoder e = Make(f);
    uint32_t msgid = 0;
    for (int k = 0; k < 3; ++k) {  // several records: msgid advances
      const TestRecord r = RandomRecord(rng);
      auto got = Encode(e, r);
      auto want = RefUpstream(f, r, &msgid);
      ASSERT_EQ(got, want) << "case " << i << " record " << k;
      for (const auto& p : got) ASSERT_LE(p.size(), PMDCON_WIRE_CHUNK);
    }
  }
}

}  // namespace
}  // namespace pmdcon

namespace pmdcon {
namespace {

TEST(WireInternal, UtoaMatchesPrintfAtEveryDigitBoundary) {
  std::vector<uint64_t> values = {0, 1, 9, UINT64_MAX, UINT64_MAX - 1};
  for (uint64_t p = 1; p <= 10000000000000000000ull; p *= 10) {
    values.insert(values.end(), {p - 1, p, p + 1});
    if (p > UINT64_MAX / 10) break;
  }
  for (uint64_t v : values) {
    // Digits go in whole blocks of 8, within the documented 20 bytes.
    char got[24], want[24];
    std::memset(got, '#', sizeof(got));
    const uint32_t n = pmdcon_utoa(got, v);
    std::snprintf(want, sizeof(want), "%llu",
                  static_cast<unsigned long long>(v));
    EXPECT_EQ(std::string(got, n), want);
    EXPECT_EQ(std::string(got + 20, 4), "####") << v;
  }
}

TEST(WireInternal, CleanRunMatchesPerByteCheckForEveryByteAndPosition) {
  // 40 bytes: the 16-byte (SSE2), 8-byte (SWAR) and byte-wise steps all see
  // every byte value at every offset, for several lengths.
  for (int c = 0; c < 256; ++c) {
    for (uint32_t pos = 0; pos < 40; ++pos) {
      uint8_t buf[40];
      std::memset(buf, 'a', sizeof(buf));
      buf[pos] = static_cast<uint8_t>(c);
      const uint32_t want =
          pmdcon_needs_escape(static_cast<uint8_t>(c)) ? pos : 40;
      for (uint32_t len = 0; len <= 40; ++len) {
        ASSERT_EQ(pmdcon_clean_run(buf, len), std::min(want, len))
            << "byte " << c << " at " << pos << ", length " << len;
      }
    }
  }
}

}  // namespace
}  // namespace pmdcon
