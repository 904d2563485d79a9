// pmdcon-rx's JSON strings are valid UTF-8 JSON whatever bytes arrive
// (issue 12.14: overlong forms, surrogates and code points above U+10FFFF
// passed through and broke strict parsers).
#include "rx/output.h"

#include <gtest/gtest.h>

#include <random>
#include <string>

namespace pmdcon::rx {
namespace {

// An independent strict check: the string is well-formed UTF-8 (decoded to
// scalar values and range-checked) and a JSON string with only the escapes
// JSON allows, no raw control character.
bool StrictJsonString(const std::string& j) {
  if (j.size() < 2 || j.front() != '"' || j.back() != '"') return false;
  for (size_t i = 1; i + 1 < j.size();) {
    const auto c = static_cast<unsigned char>(j[i]);
    if (c == '"') return false;
    if (c == '\\') {
      const char e = j[i + 1];
      if (e == 'u') {
        if (i + 6 > j.size() - 1) return false;
        for (int k = 2; k < 6; ++k) {
          if (!std::isxdigit(static_cast<unsigned char>(j[i + k])))
            return false;
        }
        i += 6;
      } else if (std::string("\"\\/bfnrt").find(e) != std::string::npos) {
        i += 2;
      } else {
        return false;
      }
      continue;
    }
    if (c < 0x20) return false;
    if (c < 0x80) {
      ++i;
      continue;
    }
    const int n = c >= 0xf0 ? 4 : c >= 0xe0 ? 3 : c >= 0xc0 ? 2 : 0;
    if (n == 0 || i + n > j.size() - 1) return false;
    uint32_t cp = c & (0xff >> (n + 1));
    for (int k = 1; k < n; ++k) {
      const auto b = static_cast<unsigned char>(j[i + k]);
      if ((b & 0xc0) != 0x80) return false;
      cp = cp << 6 | (b & 0x3f);
    }
    const uint32_t min = n == 2 ? 0x80 : n == 3 ? 0x800 : 0x10000;
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n;
  }
  return true;
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
    ASSERT_TRUE(StrictJsonString(j)) << testing::PrintToString(s);
  }
}

}  // namespace
}  // namespace pmdcon::rx
