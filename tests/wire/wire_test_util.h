// Test helpers for the wire codec: a reference encoder that follows upstream
// netconsole.c and printk step by step over plain strings, and a helper that
// runs the real (streaming) encoder.
#ifndef PMDCON_TESTS_WIRE_WIRE_TEST_UTIL_H_
#define PMDCON_TESTS_WIRE_WIRE_TEST_UTIL_H_

#include <cstdio>
#include <string>
#include <vector>

#include "pmdcon/wire.h"
#include "wire/encoder.h"

namespace pmdcon::testing {

struct TestRecord {
  pmdcon_rec hdr{};
  std::string text;
  std::string dict;  // NUL-separated KEY=VALUE
};

inline TestRecord MakeRecord(uint64_t seq, uint64_t ts_usec, uint8_t prio,
                             std::string text, std::string dict = {}) {
  TestRecord r;
  r.hdr.seq = seq;
  r.hdr.ts_usec = ts_usec;
  r.hdr.prio = prio;
  r.hdr.text_len = static_cast<uint16_t>(text.size());
  r.hdr.dict_len = static_cast<uint16_t>(dict.size());
  r.text = std::move(text);
  r.dict = std::move(dict);
  return r;
}

// printk's escaping (msg_add_ext_text).
inline std::string RefEscape(const std::string& s) {
  std::string out;
  for (unsigned char c : s) {
    if (c < ' ' || c >= 127 || c == '\\') {
      char b[8];
      std::snprintf(b, sizeof(b), "\\x%02x", c);
      out += b;
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

// printk's extended record (info_print_ext_header + msg_print_ext_body).
inline std::string RefExtMsg(const TestRecord& r) {
  char head[96];
  std::string caller;
  if (r.hdr.flags & PMDCON_REC_CALLER) {
    caller = std::string(",caller=") +
             ((r.hdr.caller_id & 0x80000000u) ? 'C' : 'T') +
             std::to_string(r.hdr.caller_id & 0x7fffffffu);
  }
  std::snprintf(head, sizeof(head), "%u,%llu,%llu,%c", r.hdr.prio,
                static_cast<unsigned long long>(r.hdr.seq),
                static_cast<unsigned long long>(r.hdr.ts_usec),
                (r.hdr.flags & PMDCON_REC_CONT) ? 'c' : '-');
  std::string msg = head + caller + ";" + RefEscape(r.text) + "\n";
  size_t start = 0;
  while (start < r.dict.size()) {
    size_t end = r.dict.find('\0', start);
    if (end == std::string::npos) end = r.dict.size();
    if (end > start)
      msg += " " + RefEscape(r.dict.substr(start, end - start)) + "\n";
    start = end + 1;
  }
  return msg;
}

// printk's console text with the time prefix (record_print_text).
inline std::string RefBasicMsg(const TestRecord& r, bool time_prefix) {
  char prefix[32] = "";
  if (time_prefix) {
    std::snprintf(prefix, sizeof(prefix), "[%5llu.%06llu] ",
                  static_cast<unsigned long long>(r.hdr.ts_usec / 1000000),
                  static_cast<unsigned long long>(r.hdr.ts_usec % 1000000));
  }
  std::string out;
  size_t start = 0;
  for (;;) {
    size_t nl = r.text.find('\n', start);
    out += prefix +
           r.text.substr(start, nl == std::string::npos ? std::string::npos
                                                        : nl - start) +
           "\n";
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  return out;
}

// netconsole.c: prepare_sysdata, send_ext_msg_udp, send_msg_no_fragmentation,
// send_msg_fragmented, send_fragmented_body and send_msg_udp.
inline std::vector<std::string> RefUpstream(const wire::Format& f,
                                            const TestRecord& r,
                                            uint32_t* msgcounter) {
  const int chunk = static_cast<int>(f.chunk);
  std::vector<std::string> out;
  if (!f.extended) {
    std::string msg = RefBasicMsg(r, f.time_prefix);
    for (size_t i = 0; i < msg.size(); i += chunk)
      out.push_back(msg.substr(i, chunk));
    return out;
  }
  std::string sysdata;
  if (f.sysdata & PMDCON_SYSDATA_CPU)
    sysdata += " cpu=" + std::to_string(r.hdr.cpu) + "\n";
  if (f.sysdata & PMDCON_SYSDATA_TASKNAME)
    sysdata += std::string(" taskname=") +
               std::string(r.hdr.comm, strnlen(r.hdr.comm, 16)) + "\n";
  if (f.sysdata & PMDCON_SYSDATA_RELEASE)
    sysdata += " release=" + f.release_str + "\n";
  if (f.sysdata & PMDCON_SYSDATA_MSGID) {
    ++*msgcounter;
    sysdata += " msgid=" + std::to_string(*msgcounter) + "\n";
  }
  const std::string userdata = wire::RenderUserdata(f.userdata);
  const std::string msg = RefExtMsg(r);
  const int release_len =
      f.release ? static_cast<int>(f.release_str.size()) + 1 : 0;
  const int len = static_cast<int>(msg.size()) + release_len +
                  static_cast<int>(sysdata.size() + userdata.size());
  const std::string release = f.release ? f.release_str + "," : "";
  if (len <= chunk) {
    out.push_back(release + msg + userdata + sysdata);
    return out;
  }
  const size_t semi = msg.find(';');
  const std::string header = release + msg.substr(0, semi);
  const std::string data = msg.substr(semi + 1) + userdata + sysdata;
  int sent = 0;
  while (sent < static_cast<int>(data.size())) {
    std::string buf = header + ",ncfrag=" + std::to_string(sent) + "/" +
                      std::to_string(data.size()) + ";";
    const int take = std::min(static_cast<int>(data.size()) - sent,
                              chunk - static_cast<int>(buf.size()));
    buf += data.substr(sent, take);
    sent += take;
    out.push_back(buf);
  }
  return out;
}

// The real encoder.
inline std::vector<std::string> Encode(wire::Encoder& enc,
                                       const TestRecord& r) {
  std::vector<std::string> out;
  char buf[PMDCON_WIRE_CHUNK];
  enc.Begin(r.hdr, r.text.data(), r.dict.data());
  while (uint32_t n = enc.Next(buf)) out.emplace_back(buf, n);
  return out;
}

}  // namespace pmdcon::testing

#endif  // PMDCON_TESTS_WIRE_WIRE_TEST_UTIL_H_
