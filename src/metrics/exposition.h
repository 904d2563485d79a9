// Prometheus' text exposition format (version 0.0.4), written into one
// string: a family's HELP and TYPE lines, then its samples. Pure: the
// caller reads its counters and serves the text (metrics/server.h).
//
//   metrics::Exposition out;
//   out.Family("pmdcon_target_records_total", metrics::Type::kCounter,
//              "Records the target sent.");
//   out.Sample({{"target", "collector"}}, 1234);
//   out.Family("pmdcon_port_up", metrics::Type::kGauge, "Link is up.");
//   out.Sample({}, 1);
//   serve(out.text());
//
// Names are the code's constants and are checked in debug builds; label
// values are anyone's (a target's name, a source's address) and escaped.
#ifndef PMDCON_METRICS_EXPOSITION_H_
#define PMDCON_METRICS_EXPOSITION_H_

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace pmdcon::metrics {

enum class Type : uint8_t { kCounter, kGauge };

struct Label {
  std::string_view name;
  std::string_view value;
};

// The content type the text is served with.
inline constexpr char kContentType[] =
    "text/plain; version=0.0.4; charset=utf-8";

class Exposition {
 public:
  // Starts a family. Its samples follow, before the next Family.
  void Family(std::string_view name, Type type, std::string_view help);
  // One sample of the current family.
  void Sample(std::span<const Label> labels, uint64_t value);
  void Sample(std::span<const Label> labels, double value);
  void Sample(std::initializer_list<Label> labels, uint64_t value) {
    Sample(std::span<const Label>(labels.begin(), labels.size()), value);
  }
  void Sample(std::initializer_list<Label> labels, double value) {
    Sample(std::span<const Label>(labels.begin(), labels.size()), value);
  }
  // Both at once, for a family of one unlabelled sample.
  void Single(std::string_view name, Type type, std::string_view help,
              uint64_t value) {
    Family(name, type, help);
    Sample({}, value);
  }
  void Single(std::string_view name, Type type, std::string_view help,
              double value) {
    Family(name, type, help);
    Sample({}, value);
  }

  const std::string& text() const { return text_; }
  std::string Take() { return std::move(text_); }

  // Prometheus' rules for names: [a-zA-Z_:][a-zA-Z0-9_:]* for metrics,
  // [a-zA-Z_][a-zA-Z0-9_]* (not starting "__") for labels.
  static bool ValidMetricName(std::string_view name);
  static bool ValidLabelName(std::string_view name);

 private:
  void Head(std::span<const Label> labels);

  std::string text_;
  std::string family_;  // the current family's name
};

}  // namespace pmdcon::metrics

#endif  // PMDCON_METRICS_EXPOSITION_H_
