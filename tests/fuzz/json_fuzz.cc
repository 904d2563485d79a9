// libFuzzer target: arbitrary bytes through pmdcon-rx's JSON writer, as a
// string and as every field of a message; each result must pass an
// independent strict UTF-8 JSON parser (tests/rx/strict_json.h).
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "rx/format/output.h"
#include "rx/strict_json.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using pmdcon::testing::StrictJson;
  const std::string_view in(reinterpret_cast<const char*>(data), size);
  std::string out;
  pmdcon::rx::AppendJsonString(&out, in);
  if (!StrictJson::ValidString(out)) std::abort();

  // The input split at its first two 0xff bytes: release, body, rest.
  pmdcon::wire::Message m;
  const size_t a = in.find('\xff');
  const size_t b = a == std::string_view::npos ? a : in.find('\xff', a + 1);
  m.extended = size % 3 != 0;
  m.release = in.substr(0, a);
  m.body = a == std::string_view::npos ? in : in.substr(a + 1, b - a - 1);
  m.has_caller = size % 2;
  m.caller_id = static_cast<uint32_t>(size * 2654435761u);
  out.clear();
  pmdcon::rx::AppendMessage(&out, pmdcon::rx::Format::kJson, m);
  if (out.empty() || out.back() != '\n' || out.find('\n') != out.size() - 1 ||
      !StrictJson::Valid(out)) {
    std::abort();
  }
  return 0;
}
