// pmdcon-rx's JSON strings are valid UTF-8 JSON whatever bytes arrive
// (issue 12.14: overlong forms, surrogates and code points above U+10FFFF
// passed through and broke strict parsers).
#include "rx/format/output.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <random>
#include <string>

#include "rx/strict_json.h"

namespace pmdcon::rx {
namespace {

bool StrictJsonString(const std::string& j) {
  return pmdcon::testing::StrictJson::ValidString(j);
}

std::string Json(const std::string& s) {
  std::string out;
  AppendJsonString(&out, s);
  return out;
}

TEST(JsonString, WellFormedUtf8PassesThrough) {
  EXPECT_EQ(Json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80"),
            "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
  EXPECT_EQ(Json("\xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf"),  // edges
            "\"\xed\x9f\xbf \xee\x80\x80 \xf4\x8f\xbf\xbf\"");
  EXPECT_EQ(Json("a\"b\\c\nd\te\x01\x7f"),
            "\"a\\\"b\\\\c\\nd\\te\\u0001\\u007f\"");
}

TEST(JsonString, IllFormedSequencesAreEscapedByteByByte) {
  const std::pair<std::string, std::string> cases[] = {
      {"\xc0\xaf", "\\u00c0\\u00af"},             // overlong '/'
      {"\xe0\x80\xaf", "\\u00e0\\u0080\\u00af"},  // overlong, 3 bytes
      {"\xf0\x80\x80\xaf", "\\u00f0\\u0080\\u0080\\u00af"},
      {"\xed\xa0\x80", "\\u00ed\\u00a0\\u0080"},             // a surrogate
      {"\xf4\x90\x80\x80", "\\u00f4\\u0090\\u0080\\u0080"},  // > U+10FFFF
      {"\xf5\x80\x80\x80", "\\u00f5\\u0080\\u0080\\u0080"},
      {"\xe2\x82", "\\u00e2\\u0082"},  // cut short
  };
  for (const auto& [in, want] : cases) {
    EXPECT_EQ(Json(in), "\"" + want + "\"");
    EXPECT_TRUE(StrictJsonString(Json(in)));
  }
}

TEST(JsonString, AnyBytesMakeStrictJson) {
  std::mt19937 rng(14);
  for (int i = 0; i < 200000; ++i) {
    std::string s(rng() % 12, '\0');
    for (char& c : s)
      c = static_cast<char>(rng() % 4 == 0 ? 0x80 | rng() % 0x80 : rng());
    const std::string j = Json(s);
    ASSERT_TRUE(StrictJsonString(j)) << ::testing::PrintToString(s);
  }
}

// Whole lines: every field of a message made of random bytes, in one JSON
// object that a strict parser accepts.
TEST(JsonLine, AnyMessageIsOneStrictJsonObject) {
  std::mt19937 rng(15);
  auto bytes = [&] {
    std::string s(rng() % 40, '\0');
    for (char& c : s) c = static_cast<char>(rng());
    return s;
  };
  for (int i = 0; i < 20000; ++i) {
    // Text, then dict-like lines ("\n KEY=VALUE") of random bytes.
    const std::string release = bytes();
    std::string body = bytes();
    for (int k = rng() % 4; k > 0; --k) {
      body += "\n " + bytes() + "=" + bytes();
    }
    wire::Message m;
    m.extended = rng() % 4 != 0;
    m.release = release;
    m.body = body;
    m.seq = rng();
    m.has_caller = rng() % 2;
    m.caller_id = static_cast<uint32_t>(rng());
    m.source.family = rng() % 2 ? 4 : 6;
    std::string line;
    AppendMessage(&line, Format::kJson, m);
    ASSERT_EQ(line.back(), '\n');
    ASSERT_TRUE(pmdcon::testing::StrictJson::Valid(line))
        << ::testing::PrintToString(line);
  }
}

wire::Message Extended(std::string_view body) {
  wire::Message m;
  m.extended = true;
  m.source.family = 4;
  m.source.addr = {10, 99, 0, 1};
  m.source.port = 6665;
  m.facility = 0;
  m.level = 6;
  m.seq = 42;
  m.ts_usec = 1234567;
  m.body = body;
  return m;
}

TEST(Syslog, Rfc5424HeaderStructuredDataAndText) {
  std::string out;
  // 2026-11-29T11:53:34.123456Z
  AppendSyslog(&out, Extended("link up\n SUBSYSTEM=net\n DEVICE=n2"),
               1795953214123456);
  EXPECT_EQ(out,
            "<6>1 2026-11-29T11:53:34.123456Z 10.99.0.1 kernel - netconsole "
            "[netconsole@32473 addr=\"10.99.0.1\" port=\"6665\" seq=\"42\" "
            "level=\"6\" facility=\"0\" ts_usec=\"1234567\"]"
            "[dict@32473 SUBSYSTEM=\"net\" DEVICE=\"n2\"] link up");
}

TEST(Syslog, PreviousBootReleaseAndEscapes) {
  wire::Message m = Extended("a\x1b[31mb\n k\"e]y=v\"a]l\\ue");
  m.previous_boot = true;
  m.release = "6.12.0";
  m.facility = 3;
  m.level = 2;
  std::string out;
  AppendSyslog(&out, m, 0);
  EXPECT_EQ(out.rfind("<26>1 1970-01-01T00:00:00.000000Z ", 0), 0u) << out;
  EXPECT_NE(out.find("release=\"6.12.0\" boot=\"previous\"]"),
            std::string::npos)
      << out;
  // SD-NAME loses '"' and ']'; a PARAM-VALUE escapes '"', '\\' and ']'.
  EXPECT_NE(out.find("k_e_y=\"v\\\"a\\]l\\\\ue\""), std::string::npos) << out;
  // Control bytes in the text never go out raw.
  EXPECT_EQ(out.find('\x1b'), std::string::npos) << out;
  EXPECT_NE(out.find(" a\\x1b[31mb"), std::string::npos) << out;
}

TEST(Syslog, BasicChunksAndIpv6) {
  wire::Message m;
  m.source.family = 6;
  m.source.addr = {0xfd, 0, 0, 0x99, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2};
  m.source.port = 6665;
  m.body = "plain line\n";
  std::string out;
  AppendSyslog(&out, m, 0);
  EXPECT_EQ(out,
            "<6>1 1970-01-01T00:00:00.000000Z fd00:99::2 kernel - netconsole "
            "[netconsole@32473 addr=\"fd00:99::2\" port=\"6665\" basic=\"1\"] "
            "plain line");
}

// A record cannot pass for another source's: every line of a basic chunk
// is shown under its own source, and a line break inside an extended
// record's text (sent escaped, \x0a) stays escaped.
TEST(Text, EmbeddedLineBreaksCannotForgeASource) {
  wire::Message m;
  m.source.family = 4;
  m.source.addr = {127, 0, 0, 8};
  m.source.port = 6665;
  m.body = "x\n10.0.0.5:6665 | [    2.000000] Kernel panic - forged\r\nz";
  std::string out;
  AppendMessage(&out, Format::kText, m);
  EXPECT_EQ(out,
            "127.0.0.8:6665 | x\n"
            "127.0.0.8:6665 | 10.0.0.5:6665 | [    2.000000] Kernel panic - "
            "forged\\x0d\n"
            "127.0.0.8:6665 | z\n");
  out.clear();
  AppendMessage(&out, Format::kText,
                Extended("a\\x0a[    2.000000] 10.0.0.5:6665 #1 <0> forged"));
  EXPECT_EQ(out.find('\n'), out.size() - 1) << out;
  EXPECT_NE(out.find("a\\x0a[    2.000000]"), std::string::npos) << out;
}

// s with its byte at pos written as `escape` (a printf format) unless
// plain, then `quote` around it all.
std::string Expected(const std::string& s, size_t pos, bool plain,
                     const char* escape, const std::string& quote) {
  char esc[8];
  std::snprintf(esc, sizeof(esc), escape, static_cast<unsigned char>(s[pos]));
  return quote + s.substr(0, pos) + (plain ? s.substr(pos, 1) : esc) +
         s.substr(pos + 1) + quote;
}

// The printable runs go eight bytes at a time: a byte that must be escaped
// is caught at every position of a word, and the rest passes through.
TEST(Runs, EveryEscapedByteAtEveryPosition) {
  const unsigned char specials[] = {0x00, 0x1b, 0x1f, 0x7f, 0x80,
                                    0xff, '"',  '\\', ' ',  '~'};
  for (const unsigned char special : specials) {
    const bool plain = special >= 0x20 && special < 0x7f;
    const bool quoted = special == '"' || special == '\\';
    for (size_t len = 1; len <= 24; ++len) {
      for (size_t pos = 0; pos < len; ++pos) {
        std::string s(len, 'a');
        s[pos] = static_cast<char>(special);
        EXPECT_EQ(Json(s), Expected(s, pos, plain && !quoted,
                                    quoted ? "\\%c" : "\\u%04x", "\""))
            << len << " " << pos;
        // Text: through a record's body, unescaped first (so no backslash).
        if (special == '\\') continue;
        std::string text;
        AppendMessage(&text, Format::kText, Extended(s));
        EXPECT_EQ(text.substr(text.find("<6> ") + 4),
                  Expected(s, pos, plain, "\\x%02x", "") + "\n")
            << len << " " << pos;
      }
    }
  }
}

}  // namespace
}  // namespace pmdcon::rx
