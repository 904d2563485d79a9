// pmdcon-rx's JSON strings are valid UTF-8 JSON whatever bytes arrive
// (issue 12.14: overlong forms, surrogates and code points above U+10FFFF
// passed through and broke strict parsers).
#include "rx/output.h"

#include <gtest/gtest.h>

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

}  // namespace
}  // namespace pmdcon::rx
