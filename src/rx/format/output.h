// pmdcon-rx output: one message as dmesg-like text or as a JSON object on
// one line, appended to a caller buffer. Pure.
#ifndef PMDCON_RX_FORMAT_OUTPUT_H_
#define PMDCON_RX_FORMAT_OUTPUT_H_

#include <optional>
#include <string>
#include <string_view>

#include "wire/reassembler.h"

namespace pmdcon::rx {

enum class Format { kText, kJson, kSyslog };  // kSyslog: AppendSyslog lines

// "10.99.0.2" or "fd00::2": the sender's address alone.
std::string AddressName(const wire::SourceKey& key);
// "10.99.0.2:6665" or "[fd00::2]:6665": address and port.
std::string EndpointName(const wire::SourceKey& key);
// EndpointName, and " (previous boot)" for that boot's stream.
std::string SourceName(const wire::SourceKey& key);

// "text", "json" or "syslog"; nullopt for anything else.
std::optional<Format> ParseFormat(std::string_view name);

// Appends s as a JSON string (quotes included). Well-formed UTF-8 passes
// through (no overlong forms, surrogates or code points above U+10FFFF);
// control characters and every other byte become \u00XX.
void AppendJsonString(std::string* out, std::string_view s);

// Appends one message and a newline.
void AppendMessage(std::string* out, Format format, const wire::Message& m);

// Appends one RFC 5424 syslog message (unframed, no newline) for m,
// received at unix_us (the record carries only the kernel's monotonic
// time, kept in the structured data):
//   <6>1 2026-11-29T11:53:34.123456Z 10.99.0.1 kernel - netconsole
//   [netconsole@32473 addr="10.99.0.1" port="6665" seq="42" level="6"
//   facility="0" ts_usec="1234567"][dict@32473 SUBSYSTEM="net"] text
// 32473 is RFC 5612's example enterprise number: pmdcon has none of its own.
void AppendSyslog(std::string* out, const wire::Message& m, uint64_t unix_us);

// One summary line per source: counts, seq range, gaps.
void AppendSummary(std::string* out, const wire::SourceKey& key,
                   const wire::SourceStats& st);

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_FORMAT_OUTPUT_H_
