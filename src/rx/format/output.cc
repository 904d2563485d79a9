#include "rx/format/output.h"

#include <arpa/inet.h>

#include <algorithm>
#include <cstdio>
#include <ctime>

#include "absl/container/node_hash_map.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "common/strings.h"
#include "pmdcon/wire.h"

namespace pmdcon::rx {
namespace {

// Length of the valid UTF-8 sequence at s[i], or 0 if it is not one.
// The length of the well-formed UTF-8 sequence at s[i] (RFC 3629, table 3-7
// of Unicode), else 0: no overlong forms, no surrogates (U+D800-DFFF), nothing
// above U+10FFFF. The lead byte bounds the second byte.
size_t Utf8Len(std::string_view s, size_t i) {
  const auto c = static_cast<unsigned char>(s[i]);
  size_t n = 0;
  unsigned char lo = 0x80, hi = 0xbf;  // the second byte's range
  if (c >= 0xc2 && c <= 0xdf) {
    n = 2;
  } else if (c >= 0xe0 && c <= 0xef) {
    n = 3;
    if (c == 0xe0) lo = 0xa0;  // overlong below U+0800
    if (c == 0xed) hi = 0x9f;  // surrogates
  } else if (c >= 0xf0 && c <= 0xf4) {
    n = 4;
    if (c == 0xf0) lo = 0x90;  // overlong below U+10000
    if (c == 0xf4) hi = 0x8f;  // above U+10FFFF
  }
  if (n == 0 || i + n > s.size()) return 0;
  const auto second = static_cast<unsigned char>(s[i + 1]);
  if (second < lo || second > hi) return 0;
  for (size_t k = 2; k < n; ++k) {
    if ((static_cast<unsigned char>(s[i + k]) & 0xc0) != 0x80) return 0;
  }
  return n;
}

void AppendPairs(std::string* out, std::string_view name,
                 const std::vector<std::pair<std::string, std::string>>& kv) {
  absl::StrAppend(out, ",\"", AsAbsl(name), "\":{");
  for (size_t i = 0; i < kv.size(); ++i) {
    if (i) out->push_back(',');
    AppendJsonString(out, kv[i].first);
    out->push_back(':');
    AppendJsonString(out, kv[i].second);
  }
  out->push_back('}');
}

// prefix ("\\x" or "\\u00") and c in two lowercase hex digits.
void AppendEscaped(std::string* out, std::string_view prefix, unsigned char c) {
  constexpr char kHex[] = "0123456789abcdef";
  out->append(prefix);
  out->push_back(kHex[c >> 4]);
  out->push_back(kHex[c & 15]);
}

// The end of the run in [i, end) of bytes printk's extended format would
// not escape (printable ASCII but '\\'): the codec's own scan
// (pmdcon/wire.h).
size_t CleanRunEnd(std::string_view s, size_t i, size_t end) {
  const size_t n = std::min<size_t>(end - i, UINT32_MAX);
  return i + pmdcon_clean_run(reinterpret_cast<const uint8_t*>(s.data() + i),
                              static_cast<uint32_t>(n));
}

// Text output is for terminals: control characters (C0, DEL, C1), newlines
// included, and bytes that are not UTF-8 are shown as \xNN, never sent raw
// (ESC or CSI would drive the terminal; a newline would start a line that
// need not be this record's).
void AppendPrintable(std::string* out, std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    // Printable ASCII, the common case, goes in runs.
    if (const size_t run = CleanRunEnd(s, i, s.size()); run > i) {
      out->append(s.data() + i, run - i);
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    size_t n = 1;
    bool show = c == '\\';
    if (c >= 0x80) {
      n = Utf8Len(s, i);
      const bool c1 =
          n == 2 && c == 0xc2 && static_cast<unsigned char>(s[i + 1]) < 0xa0;
      show = n != 0 && !c1;
      if (!show) n = n ? n : 1;
    }
    if (show) {
      out->append(s.substr(i, n));
    } else {
      for (size_t k = 0; k < n; ++k) {
        AppendEscaped(out, "\\x", static_cast<unsigned char>(s[i + k]));
      }
    }
    i += n;
  }
}

// Writes value in decimal at p, padded on the left with `fill` to `width`;
// returns the end.
char* PutDecimal(char* p, uint64_t value, int width = 0, char fill = ' ') {
  char digits[20];
  int n = 0;
  do {
    digits[n++] = static_cast<char>('0' + value % 10);
    value /= 10;
  } while (value);
  for (int i = n; i < width; ++i) *p++ = fill;
  while (n) *p++ = digits[--n];
  return p;
}

// SourceName, remembered per thread: it is the same for every record of a
// source (they come in bursts), and inet_ntop is not cheap.
const std::string& CachedSourceName(const wire::SourceKey& key) {
  constexpr size_t kMaxNames = 4096;
  thread_local absl::node_hash_map<wire::SourceKey, std::string> names;
  thread_local std::pair<wire::SourceKey, const std::string*> last;
  if (last.second && last.first == key) return *last.second;
  auto it = names.find(key);
  if (it == names.end()) {
    if (names.size() >= kMaxNames) names.clear();
    it = names.emplace(key, SourceName(key)).first;
  }
  last = {key, &it->second};  // node_hash_map: stable until cleared
  return it->second;
}

std::string Caller(const wire::Message& m) {
  return absl::StrCat((m.caller_id & 0x80000000u) ? "C" : "T",
                      m.caller_id & 0x7fffffffu);
}

}  // namespace

std::string AddressName(const wire::SourceKey& key) {
  char buf[INET6_ADDRSTRLEN] = "?";
  inet_ntop(key.family == 6 ? AF_INET6 : AF_INET, key.addr.data(), buf,
            sizeof(buf));
  return buf;
}

std::string EndpointName(const wire::SourceKey& key) {
  return absl::StrCat(key.family == 6 ? "[" : "", AddressName(key),
                      key.family == 6 ? "]:" : ":", key.port);
}

std::string SourceName(const wire::SourceKey& key) {
  return absl::StrCat(EndpointName(key),
                      key.previous_boot ? " (previous boot)" : "");
}

std::optional<Format> ParseFormat(std::string_view name) {
  if (name == "text") return Format::kText;
  if (name == "json") return Format::kJson;
  if (name == "syslog") return Format::kSyslog;
  return std::nullopt;
}

void AppendJsonString(std::string* out, std::string_view s) {
  out->push_back('"');
  // Runs end at the next '"' too, found once per quote: scanning past it
  // for every run would make a line of quotes quadratic.
  size_t quote = std::min(s.find('"'), s.size());
  for (size_t i = 0; i < s.size();) {
    if (quote < i) quote = std::min(s.find('"', i), s.size());
    // Printable ASCII but the two that need a backslash, in runs.
    if (const size_t run = CleanRunEnd(s, i, quote); run > i) {
      out->append(s.data() + i, run - i);
      i = run;
      continue;
    }
    const auto c = static_cast<unsigned char>(s[i]);
    if (c == '"' || c == '\\') {
      out->push_back('\\');
      out->push_back(static_cast<char>(c));
    } else if (c == '\n') {
      out->append("\\n");
    } else if (c == '\t') {
      out->append("\\t");
    } else if (c >= 0x20 && c < 0x7f) {
      out->push_back(static_cast<char>(c));
    } else if (size_t n = c >= 0x80 ? Utf8Len(s, i) : 0; n != 0) {
      out->append(s.substr(i, n));
      i += n;
      continue;
    } else {
      AppendEscaped(out, "\\u00", c);
    }
    ++i;
  }
  out->push_back('"');
}

void AppendMessage(std::string* out, Format format, const wire::Message& m) {
  const std::string& src = CachedSourceName(m.source);
  if (!m.extended) {
    if (format == Format::kText) {
      // Every line under its source: a chunk's own newlines must not start
      // lines that read like another source's records.
      std::string_view rest = m.body;
      do {
        const size_t nl = rest.find('\n');
        absl::StrAppend(out, src, " | ");
        AppendPrintable(out, rest.substr(0, nl));
        out->push_back('\n');
        rest = nl == std::string_view::npos ? "" : rest.substr(nl + 1);
      } while (!rest.empty());
    } else {
      absl::StrAppend(out, "{\"source\":\"", src,
                      "\",\"basic\":true,\"text\":");
      AppendJsonString(out, m.body);
      out->append("}\n");
    }
    return;
  }
  if (format == Format::kText) {
    // "[    1.000042] 10.99.0.1:6665 #42 <6> text": the text alone, so the
    // body's other lines are not parsed.
    char buf[64];
    char* p = buf;
    *p++ = '[';
    p = PutDecimal(p, m.ts_usec / 1000000, 5, ' ');
    *p++ = '.';
    p = PutDecimal(p, m.ts_usec % 1000000, 6, '0');
    *p++ = ']';
    *p++ = ' ';
    out->append(buf, p);
    out->append(src);
    p = buf;
    *p++ = ' ';
    *p++ = '#';
    p = PutDecimal(p, m.seq);
    *p++ = ' ';
    *p++ = '<';
    p = PutDecimal(p, uint64_t{m.facility} * 8 + m.level);
    *p++ = '>';
    out->append(buf, p);
    if (m.previous_boot) out->append(" (previous boot)");
    if (m.restart) out->append(" (restart)");
    out->push_back(' ');
    std::string_view text = m.body.substr(0, m.body.find('\n'));
    std::string unescaped;
    if (text.find('\\') != std::string_view::npos) {
      unescaped = wire::Unescape(text);
      text = unescaped;
    }
    AppendPrintable(out, text);
    out->push_back('\n');
    return;
  }
  wire::Body body;
  wire::SplitBody(m.body, &body);
  absl::StrAppend(out, "{\"source\":\"", src, "\",\"seq\":", m.seq,
                  ",\"facility\":", m.facility, ",\"level\":", m.level,
                  ",\"ts_usec\":", m.ts_usec, ",\"flag\":\"",
                  std::string(1, m.flag), "\"");
  if (m.has_caller) absl::StrAppend(out, ",\"caller\":\"", Caller(m), "\"");
  if (!m.release.empty()) {
    out->append(",\"release\":");
    AppendJsonString(out, m.release);
  }
  out->append(",\"text\":");
  AppendJsonString(out, body.text);
  AppendPairs(out, "dict", body.dict);
  AppendPairs(out, "userdata", body.userdata);
  AppendPairs(out, "sysdata", body.sysdata);
  absl::StrAppend(out, ",\"fragments\":", m.fragments,
                  ",\"previous_boot\":", m.previous_boot ? "true" : "false",
                  ",\"restart\":", m.restart ? "true" : "false",
                  ",\"reordered\":", m.reordered ? "true" : "false", "}\n");
}

namespace {

// RFC 5424 SD-NAME: printable ASCII but '=', ' ', ']' and '"', at most 32.
void AppendSdName(std::string* out, std::string_view name) {
  if (name.empty()) name = "_";
  for (size_t i = 0; i < name.size() && i < 32; ++i) {
    const char c = name[i];
    const bool ok = c > 32 && c < 127 && c != '=' && c != ']' && c != '"';
    out->push_back(ok ? c : '_');
  }
}

// PARAM-VALUE: '"', '\' and ']' escaped; control bytes and bytes that are
// not UTF-8 as \xNN (RFC 5424 wants UTF-8 here).
void AppendSdValue(std::string* out, std::string_view v) {
  std::string printable;
  AppendPrintable(&printable, v);
  for (char c : printable) {
    if (c == '"' || c == '\\' || c == ']') out->push_back('\\');
    out->push_back(c);
  }
}

void AppendSdElement(
    std::string* out, std::string_view id,
    const std::vector<std::pair<std::string, std::string>>& kv) {
  if (kv.empty()) return;
  absl::StrAppend(out, "[", AsAbsl(id));
  for (const auto& [k, v] : kv) {
    out->push_back(' ');
    AppendSdName(out, k);
    out->append("=\"");
    AppendSdValue(out, v);
    out->push_back('"');
  }
  out->push_back(']');
}

}  // namespace

void AppendSyslog(std::string* out, const wire::Message& m, uint64_t unix_us) {
  const uint32_t facility = m.facility > 23 ? 1 : m.facility;  // 1: user
  const uint32_t severity = m.extended ? (m.level & 7) : 6;
  const time_t secs = static_cast<time_t>(unix_us / 1000000);
  struct tm tm;
  gmtime_r(&secs, &tm);
  const std::string addr = AddressName(m.source);
  absl::StrAppendFormat(
      out, "<%u>1 %04d-%02d-%02dT%02d:%02d:%02d.%06uZ %s kernel - netconsole ",
      facility * 8 + severity, tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
      tm.tm_hour, tm.tm_min, tm.tm_sec,
      static_cast<uint32_t>(unix_us % 1000000), addr.c_str());
  std::vector<std::pair<std::string, std::string>> nc = {
      {"addr", addr}, {"port", absl::StrCat(m.source.port)}};
  wire::Body body;
  if (m.extended) {
    wire::SplitBody(m.body, &body);
    nc.insert(nc.end(), {{"seq", absl::StrCat(m.seq)},
                         {"level", absl::StrCat(m.level)},
                         {"facility", absl::StrCat(m.facility)},
                         {"ts_usec", absl::StrCat(m.ts_usec)}});
    if (!m.release.empty()) nc.emplace_back("release", std::string(m.release));
    if (m.previous_boot) nc.emplace_back("boot", "previous");
    if (m.restart) nc.emplace_back("restart", "1");
  } else {
    body.text = std::string(m.body);
    nc.emplace_back("basic", "1");
  }
  AppendSdElement(out, "netconsole@32473", nc);
  AppendSdElement(out, "dict@32473", body.dict);
  AppendSdElement(out, "userdata@32473", body.userdata);
  AppendSdElement(out, "sysdata@32473", body.sysdata);
  while (!body.text.empty() && body.text.back() == '\n') body.text.pop_back();
  if (!body.text.empty()) {
    out->push_back(' ');
    AppendPrintable(out, body.text);
  }
}

void AppendSummary(std::string* out, const wire::SourceKey& key,
                   const wire::SourceStats& st) {
  absl::StrAppend(out, SourceName(key), ": records ", st.records,
                  ", basic chunks ", st.basic_chunks, ", bytes ", st.bytes);
  if (st.have_seq)
    absl::StrAppend(out, ", seq ", st.first_seq, "-", st.last_seq);
  absl::StrAppend(out, ", missing ", st.missing, " in ",
                  st.gaps.size() + st.gaps_dropped, " gaps");
  if (!st.gaps.empty()) {
    out->append(" (");
    for (size_t i = 0; i < st.gaps.size() && i < 8; ++i) {
      absl::StrAppend(out, i ? " " : "", st.gaps[i].first);
      if (st.gaps[i].last != st.gaps[i].first)
        absl::StrAppend(out, "-", st.gaps[i].last);
    }
    if (st.gaps.size() > 8) out->append(" ...");
    out->append(")");
  }
  absl::StrAppend(out, ", announced lost ", st.announced_lost, ", duplicates ",
                  st.duplicates, ", reordered ", st.reordered, ", malformed ",
                  st.malformed, ", reassembly failures ",
                  st.reassembly_failures);
  if (st.fragment_conflicts) {
    absl::StrAppend(out, " (", st.fragment_conflicts,
                    " with conflicting overlaps)");
  }
  absl::StrAppend(out, ", restarts ", st.restarts);
  const uint64_t refused =
      st.auth_unauthenticated + st.auth_forged + st.auth_replayed;
  if (st.authenticated || refused) {
    absl::StrAppend(out, ", authenticated ", st.authenticated, ", refused ",
                    refused, " (unauthenticated ", st.auth_unauthenticated,
                    ", forged ", st.auth_forged, ", replayed ",
                    st.auth_replayed, ")");
  }
  out->push_back('\n');
}

}  // namespace pmdcon::rx
