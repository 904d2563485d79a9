// pmdcon-rx output: one message as dmesg-like text or as a JSON object on
// one line, appended to a caller buffer. Pure.
#ifndef PMDCON_RX_OUTPUT_H_
#define PMDCON_RX_OUTPUT_H_

#include <string>
#include <string_view>

#include "wire/reassembler.h"

namespace pmdcon::rx {

enum class Format { kText, kJson };

// "10.99.0.2:6665" or "[fd00::2]:6665".
std::string SourceName(const wire::SourceKey& key);

// Appends s as a JSON string (quotes included). Well-formed UTF-8 passes
// through (no overlong forms, surrogates or code points above U+10FFFF);
// control characters and every other byte become \u00XX.
void AppendJsonString(std::string* out, std::string_view s);

// Appends one message and a newline.
void AppendMessage(std::string* out, Format format, const wire::Message& m);

// One summary line per source: counts, seq range, gaps.
void AppendSummary(std::string* out, const wire::SourceKey& key,
                   const wire::SourceStats& st);

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_OUTPUT_H_
