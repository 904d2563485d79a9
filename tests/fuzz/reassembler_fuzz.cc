// libFuzzer target: arbitrary datagrams into the decoder and reassembler, and
// every message out through pmdcon-rx's text and JSON formatting (each JSON
// line checked by a strict parser, text lines free of control bytes).
// Input: datagrams separated by the byte 0xff, the time advancing by the
// byte after each separator (in milliseconds).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rx/format/output.h"
#include "rx/strict_json.h"
#include "wire/reassembler.h"

namespace {

struct Sink : pmdcon::wire::MessageSink {
  std::string out;
  void OnMessage(const pmdcon::wire::Message& m) override {
    out.clear();
    pmdcon::rx::AppendMessage(&out, pmdcon::rx::Format::kJson, m);
    if (!pmdcon::testing::StrictJson::Valid(out)) std::abort();
    out.clear();
    pmdcon::rx::AppendMessage(&out, pmdcon::rx::Format::kText, m);
    for (size_t i = 0; i + 1 < out.size(); ++i) {
      const auto c = static_cast<unsigned char>(out[i]);
      if ((c < 0x20 && c != '\n') || c == 0x7f) std::abort();
    }
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  pmdcon::wire::Reassembler r({.max_total = 8192,
                               .frag_timeout_us = 50000,
                               .max_pending = 8,
                               .memory_budget = 256 * 1024});
  Sink sink;
  std::string_view in(reinterpret_cast<const char*>(data), size);
  uint64_t now = 0;
  uint8_t source = 0;
  while (!in.empty()) {
    const size_t sep = in.find('\xff');
    const std::string_view payload = in.substr(0, sep);
    pmdcon::wire::SourceKey key;
    key.family = source % 2 ? 6 : 4;
    key.addr[15] = source % 3;
    r.Feed(key, payload, now, sink);
    if (sep == std::string_view::npos) break;
    in.remove_prefix(sep + 1);
    if (!in.empty()) {
      now += static_cast<uint8_t>(in[0]) * 1000u;
      source = static_cast<uint8_t>(in[0]);
      in.remove_prefix(1);
    }
    r.Expire(now, sink);
  }
  std::string summary;
  r.ForEachSource([&](const pmdcon::wire::SourceKey& k,
                      const pmdcon::wire::SourceStats& st) {
    pmdcon::rx::AppendSummary(&summary, k, st);
    (void)pmdcon::wire::Complete(st, 0, 100);
  });
  return 0;
}
