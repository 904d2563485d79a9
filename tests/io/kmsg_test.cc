// The extended-record parser shared by the kernel console and the kmsg
// source (include/pmdcon/ext.h).
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "gtest/gtest.h"
#include "pmdcon/ext.h"

namespace pmdcon::io {
namespace {

// One parsed record, in owned strings.
struct KmsgRecord {
  pmdcon_rec meta{};
  std::string text;
  std::string dict;  // NUL-separated KEY=VALUE
};

// pmdcon_ext_parse on a copy of `r`; InvalidArgument names what is wrong.
absl::StatusOr<KmsgRecord> ParseKmsg(std::string_view r) {
  std::string buf(r);
  pmdcon_ext ext;
  const char* why = "";
  if (pmdcon_ext_parse(buf.data(), static_cast<uint32_t>(buf.size()), &ext,
                       &why) != 0) {
    return absl::InvalidArgumentError(absl::StrCat("kmsg record: ", why));
  }
  KmsgRecord out;
  out.meta = ext.meta;
  out.text.assign(ext.text, ext.text_len);
  out.dict.assign(ext.dict, ext.dict_len);
  return out;
}

TEST(ExtParse, HeaderTextAndDictionary) {
  auto r = ParseKmsg(
      "6,1234,5678901,-,caller=T42;e1000e: eth0 NIC Link is Up\n"
      " SUBSYSTEM=net\n DEVICE=n2\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->meta.prio, 6);
  EXPECT_EQ(r->meta.seq, 1234u);
  EXPECT_EQ(r->meta.ts_usec, 5678901u);
  EXPECT_EQ(r->meta.caller_id, 42u);
  EXPECT_EQ(r->meta.flags, PMDCON_REC_CALLER);
  EXPECT_EQ(r->text, "e1000e: eth0 NIC Link is Up");
  EXPECT_EQ(r->dict, std::string("SUBSYSTEM=net\0DEVICE=n2", 23));
}

TEST(ExtParse, ContinuationCpuCallerAndUnknownFields) {
  auto r = ParseKmsg("12,7,8,c,future=1,caller=C3,x;tail");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->meta.prio, 12);
  EXPECT_EQ(r->meta.caller_id, 0x80000003u);
  EXPECT_EQ(r->meta.flags, PMDCON_REC_CONT | PMDCON_REC_CALLER);
  EXPECT_EQ(r->text, "tail");
  EXPECT_TRUE(r->dict.empty());
}

TEST(ExtParse, UnescapesTextAndValuesButKeepsBadEscapes) {
  auto r = ParseKmsg(
      "4,1,2,-;tab\\x09back\\x5cslash \\xZZ end\\x4\n K=\\x0a\\x7f\n");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, "tab\tback\\slash \\xZZ end\\x4");
  EXPECT_EQ(r->dict, "K=\n\x7f");
  EXPECT_FALSE(r->meta.flags & PMDCON_REC_CALLER);
}

TEST(ExtParse, EmptyTextAndLinesWithoutLeadingSpace) {
  auto r = ParseKmsg("6,1,2,-;\nnot-a-dict\n A=1\n\n B=2");
  ASSERT_TRUE(r.ok()) << r.status();
  EXPECT_EQ(r->text, "");
  EXPECT_EQ(r->dict, std::string("A=1\0B=2", 7));
}

TEST(ExtParse, MalformedHeadersNameThePart) {
  const struct {
    const char* in;
    const char* why;
  } cases[] = {
      {"6,1,2,-", "no ';'"},
      {";text", "bad priority"},
      {"256,1,2,-;x", "bad priority"},
      {"6;x", "bad priority"},
      {"6,,2,-;x", "bad sequence number"},
      {"6,18446744073709551616,2,-;x", "bad sequence number"},
      {"6,1,x,-;x", "bad timestamp"},
      {"6,1,2,;x", "bad flag"},
      {"6,1,2,ab;x", "bad flag"},
  };
  for (const auto& c : cases) {
    auto r = ParseKmsg(c.in);
    ASSERT_FALSE(r.ok()) << c.in;
    EXPECT_EQ(r.status().code(), absl::StatusCode::kInvalidArgument);
    EXPECT_NE(r.status().message().find(c.why), std::string::npos)
        << c.in << ": " << r.status();
  }
}

TEST(ExtParse, BadCallerIsIgnoredNotTrusted) {
  for (const char* in :
       {"6,1,2,-,caller=T;x", "6,1,2,-,caller=X5;x",
        "6,1,2,-,caller=T2147483648;x", "6,1,2,-,caller=T5z;x"}) {
    auto r = ParseKmsg(in);
    ASSERT_TRUE(r.ok()) << in;
    EXPECT_FALSE(r->meta.flags & PMDCON_REC_CALLER) << in;
    EXPECT_EQ(r->text, "x");
  }
}

// Every prefix of a valid record either parses or is refused; none reads
// past its length (run under ASan in build-asan).
TEST(ExtParse, EveryPrefixIsSafe) {
  const std::string full =
      "6,99,100,-,caller=T7;a\\x5cb\\x0\n SUBSYSTEM=net\n DEVICE=+n:3\n";
  for (size_t n = 0; n <= full.size(); ++n) {
    // Exactly n bytes on the heap, no terminator for an overread to hit.
    std::vector<char> copy(full.begin(), full.begin() + n);
    pmdcon_ext ext;
    const char* why = nullptr;
    const int err =
        pmdcon_ext_parse(copy.data(), static_cast<uint32_t>(n), &ext, &why);
    if (err == 0) {
      EXPECT_LE(ext.text_len + ext.dict_len, n);
    } else {
      EXPECT_NE(why, nullptr);
    }
  }
}

// The console path unescapes straight into a ring record of bounded size.
TEST(ExtBody, SeparateBufferAndTruncation) {
  const std::string body = "a\\x5cb\n K=v\n L=w\n";
  const std::string want("a\\bK=v\0L=w", 10);
  for (uint32_t cap = 0; cap <= want.size() + 2; ++cap) {
    std::vector<char> out(cap);
    uint32_t t = 99, d = 99;
    const int fit = pmdcon_ext_body(body.data(), body.data() + body.size(),
                                    out.data(), cap, &t, &d);
    EXPECT_EQ(fit, cap >= want.size() ? 1 : 0) << cap;
    ASSERT_LE(t + d, cap);
    EXPECT_EQ(std::string(out.data(), t + d), want.substr(0, t + d)) << cap;
  }
}

}  // namespace
}  // namespace pmdcon::io
