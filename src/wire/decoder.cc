#include "wire/decoder.h"

#include "common/strings.h"
#include "pmdcon/ext.h"
#include "pmdcon/wire.h"

namespace pmdcon::wire {

namespace {

bool IsFlag(std::string_view f) {
  return f.size() == 1 && (f[0] == '-' || f[0] == 'c' || f[0] == '+');
}

// Splits "k=v" at the first '='.
std::pair<std::string, std::string> KeyValue(std::string_view line,
                                             bool escaped) {
  const size_t eq = line.find('=');
  std::string_view k = line.substr(0, eq);
  std::string_view v =
      eq == std::string_view::npos ? std::string_view() : line.substr(eq + 1);
  if (escaped) return {Unescape(k), Unescape(v)};
  return {std::string(k), std::string(v)};
}

// printk's dictionary keys, and pmdcon's own (loss notices, boot marks).
bool IsDictKey(std::string_view line) {
  return line.substr(0, 10) == "SUBSYSTEM=" || line.substr(0, 7) == "DEVICE=" ||
         line.substr(0, 7) == "PMDCON_";
}

constexpr std::string_view kSysdataKeys[] = {"cpu", "taskname", "release",
                                             "msgid"};

}  // namespace

std::string_view MalformedName(Malformed m) {
  switch (m) {
    case Malformed::kNone:
      return "none";
    case Malformed::kEmpty:
      return "empty payload";
    case Malformed::kBadHeader:
      return "bad header";
    case Malformed::kBadNcfrag:
      return "bad ncfrag";
    case Malformed::kOversized:
      return "oversized ncfrag total";
    case Malformed::kTooLong:
      return "payload over 1000 bytes";
  }
  return "?";
}

Malformed ParsePayload(std::string_view p, uint32_t max_total, Payload* out) {
  *out = Payload();
  if (p.empty()) return Malformed::kEmpty;
  if (p.size() > PMDCON_WIRE_CHUNK) return Malformed::kTooLong;
  const size_t semi = p.substr(0, 201).find(';');
  // An extended header has no newline before its ';' (within 200 bytes) and
  // starts with a digit (prio) or a release string; anything else is a
  // basic-mode chunk.
  if (semi == std::string_view::npos ||
      p.substr(0, semi).find('\n') != std::string_view::npos) {
    out->body = p;
    return Malformed::kNone;
  }
  std::string_view header = p.substr(0, semi);
  // Split the header fields (at most 8 are meaningful).
  std::string_view f[8];
  size_t nf = 0;
  for (size_t start = 0; nf < 8;) {
    const size_t comma = header.find(',', start);
    f[nf++] = header.substr(start, comma == std::string_view::npos
                                       ? std::string_view::npos
                                       : comma - start);
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  size_t base = 0;  // index of prio
  if (nf >= 4 && IsFlag(f[3])) {
    base = 0;
  } else if (nf >= 5 && IsFlag(f[4])) {
    base = 1;
    out->release = f[0];
  } else {
    // Not an extended header: treat as basic text, unless it almost was one.
    uint64_t dummy;
    if (nf >= 3 && ParseDecimal(f[0], &dummy) && ParseDecimal(f[1], &dummy)) {
      return Malformed::kBadHeader;
    }
    out->body = p;
    return Malformed::kNone;
  }
  uint64_t prio;
  if (!ParseDecimal(f[base], &prio) || prio > 255 ||
      !ParseDecimal(f[base + 1], &out->seq) ||
      !ParseDecimal(f[base + 2], &out->ts_usec)) {
    return Malformed::kBadHeader;
  }
  out->prio = static_cast<uint32_t>(prio);
  out->flag = f[base + 3][0];
  size_t header_end = semi;  // header minus ",ncfrag=..."
  for (size_t i = base + 4; i < nf; ++i) {
    std::string_view field = f[i];
    if (field.substr(0, 7) == "caller=" && field.size() > 8 &&
        (field[7] == 'T' || field[7] == 'C')) {
      uint64_t id;
      if (!ParseDecimal(field.substr(8), &id) || id > 0x7fffffff) {
        return Malformed::kBadHeader;
      }
      out->has_caller = true;
      out->caller_id =
          static_cast<uint32_t>(id) | (field[7] == 'C' ? 0x80000000u : 0);
    } else if (field.substr(0, 7) == "ncfrag=") {
      const std::string_view v = field.substr(7);
      const size_t slash = v.find('/');
      uint64_t off, total;
      if (slash == std::string_view::npos ||
          !ParseDecimal(v.substr(0, slash), &off) ||
          !ParseDecimal(v.substr(slash + 1), &total) || total == 0 ||
          off >= total) {
        return Malformed::kBadNcfrag;
      }
      if (total > max_total) return Malformed::kOversized;
      if (off + (p.size() - semi - 1) > total) return Malformed::kBadNcfrag;
      out->fragment = true;
      out->frag_offset = static_cast<uint32_t>(off);
      out->frag_total = static_cast<uint32_t>(total);
      header_end = static_cast<size_t>(field.data() - p.data()) - 1;
    } else if (field == "ncemg=1") {
      out->emergency = true;
    } else if (field.substr(0, 8) == "ncfirst=") {
      if (!ParseDecimal(field.substr(8), &out->stream_first) ||
          out->stream_first > out->seq) {
        return Malformed::kBadHeader;
      }
    }
    // Other fields: ignored, as ncrx does (forward compatibility).
  }
  out->extended = true;
  out->header = p.substr(0, header_end);
  out->body = p.substr(semi + 1);
  return Malformed::kNone;
}

// The same \xNN rule as printk's extended records (pmdcon/ext.h).
std::string Unescape(std::string_view s) {
  std::string out(s);
  const char* r = out.data();
  out.resize(pmdcon_ext_unescape(out.data(), &r, r + out.size(),
                                 static_cast<uint32_t>(out.size())));
  return out;
}

void SplitBody(std::string_view body, Body* out) {
  *out = Body();
  size_t nl = body.find('\n');
  out->text = Unescape(body.substr(0, nl));
  out->ends_with_newline = nl != std::string_view::npos;
  std::vector<std::string_view> lines;
  while (nl != std::string_view::npos) {
    const size_t start = nl + 1;
    nl = body.find('\n', start);
    std::string_view line =
        body.substr(start, nl == std::string_view::npos ? std::string_view::npos
                                                        : nl - start);
    if (nl == std::string_view::npos && line.empty()) break;
    lines.push_back(line);
  }
  // Sysdata: the trailing lines whose keys follow upstream's order.
  size_t sys_begin = lines.size();
  size_t next_key = std::size(kSysdataKeys);
  while (sys_begin > 0) {
    std::string_view line = lines[sys_begin - 1];
    if (line.empty() || line[0] != ' ') break;
    const std::string_view key = line.substr(1, line.find('=') - 1);
    size_t k = 0;
    while (k < next_key && kSysdataKeys[k] != key) ++k;
    if (k == next_key) break;
    next_key = k;
    --sys_begin;
  }
  bool in_dict = true;  // the dictionary is the leading run of its keys
  for (size_t i = 0; i < lines.size(); ++i) {
    std::string_view line = lines[i];
    if (!line.empty() && line[0] == ' ') line.remove_prefix(1);
    in_dict = in_dict && IsDictKey(line);
    if (i >= sys_begin) {
      out->sysdata.push_back(KeyValue(line, false));
    } else if (in_dict) {
      out->dict.push_back(KeyValue(line, true));
    } else {
      out->userdata.push_back(KeyValue(line, false));
    }
  }
}

}  // namespace pmdcon::wire
