#include "metrics/exposition.h"

#include <cassert>
#include <charconv>
#include <cmath>

#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace pmdcon::metrics {
namespace {

bool NameChar(char c, bool first, bool colon) {
  if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_') {
    return true;
  }
  if (c == ':') return colon;
  return !first && c >= '0' && c <= '9';
}

bool ValidName(std::string_view name, bool colon) {
  if (name.empty()) return false;
  for (size_t i = 0; i < name.size(); ++i) {
    if (!NameChar(name[i], i == 0, colon)) return false;
  }
  return true;
}

// HELP text escapes '\' and newlines; label values '"' too.
void AppendEscaped(std::string* out, std::string_view s, bool quote) {
  for (const char c : s) {
    switch (c) {
      case '\\':
        out->append("\\\\");
        break;
      case '\n':
        out->append("\\n");
        break;
      case '"':
        if (quote) {
          out->append("\\\"");
          break;
        }
        [[fallthrough]];
      default:
        out->push_back(c);
    }
  }
}

}  // namespace

bool Exposition::ValidMetricName(std::string_view name) {
  return ValidName(name, true);
}

bool Exposition::ValidLabelName(std::string_view name) {
  return ValidName(name, false) && !name.starts_with("__");
}

void Exposition::Family(std::string_view name, Type type,
                        std::string_view help) {
  assert(ValidMetricName(name));
  family_.assign(name);
  absl::StrAppend(&text_, "# HELP ", AsAbsl(name), " ");
  AppendEscaped(&text_, help, false);
  absl::StrAppend(&text_, "\n# TYPE ", AsAbsl(name), " ",
                  type == Type::kCounter ? "counter" : "gauge", "\n");
}

void Exposition::Head(std::span<const Label> labels) {
  assert(!family_.empty());
  text_.append(family_);
  if (labels.empty()) return;
  text_.push_back('{');
  for (size_t i = 0; i < labels.size(); ++i) {
    assert(ValidLabelName(labels[i].name));
    if (i) text_.push_back(',');
    absl::StrAppend(&text_, AsAbsl(labels[i].name), "=\"");
    AppendEscaped(&text_, labels[i].value, true);
    text_.push_back('"');
  }
  text_.push_back('}');
}

void Exposition::Sample(std::span<const Label> labels, uint64_t value) {
  Head(labels);
  absl::StrAppend(&text_, " ", value, "\n");
}

void Exposition::Sample(std::span<const Label> labels, double value) {
  Head(labels);
  text_.push_back(' ');
  if (std::isnan(value)) {
    text_.append("NaN");
  } else if (std::isinf(value)) {
    text_.append(value > 0 ? "+Inf" : "-Inf");
  } else {
    // The shortest text that reads back as the same double: a timestamp in
    // seconds keeps its microseconds.
    char buf[32];
    const auto r = std::to_chars(buf, buf + sizeof(buf), value);
    text_.append(buf, r.ptr);
  }
  text_.push_back('\n');
}

}  // namespace pmdcon::metrics
