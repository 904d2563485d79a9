#include "rx/sinks/relp.h"

#include <utility>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "common/strings.h"

namespace pmdcon::relp {
namespace {

constexpr uint32_t kMaxTxnr = 999'999'999;
constexpr size_t kMaxAnswer = 64 << 10;  // an answer's data, bytes
constexpr size_t kMaxHeader = 9 + 1 + 32 + 1 + 9;

bool IsAlpha(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

// A run of 1-9 digits at s[*pos], ending at `end`; false if there is none.
// Sets *incomplete when s ends before the run does.
bool Number(std::string_view s, size_t* pos, char end, uint32_t* v,
            bool* incomplete) {
  size_t i = *pos;
  uint64_t n = 0;
  while (i < s.size() && s[i] >= '0' && s[i] <= '9' && i - *pos < 9) {
    n = n * 10 + static_cast<uint64_t>(s[i] - '0');
    ++i;
  }
  if (i == s.size()) {
    *incomplete = true;
    return false;
  }
  if (i == *pos || s[i] != end) return false;
  *v = static_cast<uint32_t>(n);
  *pos = i + 1;
  return true;
}

}  // namespace

Session::Session(Options o) : o_(std::move(o)) {
  if (o_.window == 0) o_.window = 1;
}

uint32_t Session::NextTxnr() {
  txnr_ = txnr_ >= kMaxTxnr ? 1 : txnr_ + 1;
  return txnr_;
}

void Session::Frame(uint32_t txnr, std::string_view command,
                    std::string_view data) {
  absl::StrAppend(&out_, txnr, " ", AsAbsl(command), " ", data.size());
  if (!data.empty()) {
    out_.push_back(' ');
    out_.append(data);
  }
  out_.push_back('\n');
}

void Session::Connected(uint64_t now_us) {
  now_ = now_us;
  state_ = State::kOpening;
  error_.clear();
  out_.clear();
  out_pos_ = 0;
  in_.clear();
  in_flight_ = 0;
  txnr_ = 0;
  ++stats_.connections;
  waiting_since_ = now_us;
  open_txnr_ = NextTxnr();
  Frame(open_txnr_, "open",
        absl::StrCat("relp_version=0\nrelp_software=", o_.software,
                     "\ncommands=syslog"));
}

void Session::Disconnected() {
  stats_.resent += in_flight_;  // they go out again on the next connection
  in_flight_ = 0;
  out_.clear();
  out_pos_ = 0;
  in_.clear();
  if (state_ != State::kBroken) state_ = State::kDisconnected;
}

bool Session::Enqueue(std::string message) {
  if (queued_bytes_ + message.size() > o_.max_queued_bytes) {
    ++stats_.refused;
    return false;
  }
  queued_bytes_ += message.size();
  ++stats_.enqueued;
  queue_.push_back(Entry{std::move(message), 0});
  Fill();
  return true;
}

void Session::Fill() {
  if (state_ != State::kOpen) return;
  // Nothing was awaited: the answer to this one is, from now.
  if (in_flight_ == 0 && !queue_.empty()) waiting_since_ = now_;
  while (in_flight_ < o_.window && in_flight_ < queue_.size()) {
    Entry& e = queue_[in_flight_];
    e.txnr = NextTxnr();
    Frame(e.txnr, "syslog", e.message);
    ++in_flight_;
  }
}

std::string_view Session::Output() const {
  return std::string_view(out_).substr(out_pos_);
}

void Session::Consume(size_t n) {
  out_pos_ += std::min(n, out_.size() - out_pos_);
  if (out_pos_ == out_.size()) {
    out_.clear();
    out_pos_ = 0;
  } else if (out_pos_ > (1u << 20)) {
    out_.erase(0, out_pos_);
    out_pos_ = 0;
  }
}

void Session::Fail(std::string why) {
  state_ = State::kBroken;
  error_ = std::move(why);
}

void Session::OnInput(std::string_view bytes, uint64_t now_us) {
  now_ = now_us;
  in_.append(bytes);
  size_t done = 0;
  while (state_ != State::kBroken && done < in_.size()) {
    const std::string_view s = std::string_view(in_).substr(done);
    size_t pos = 0;
    uint32_t txnr = 0, len = 0;
    bool incomplete = false;
    if (!Number(s, &pos, ' ', &txnr, &incomplete)) {
      if (!incomplete) Fail("an answer that does not start with a txnr");
      break;
    }
    const size_t command_at = pos;
    while (pos < s.size() && IsAlpha(s[pos]) && pos - command_at < 32) ++pos;
    if (pos == s.size()) break;
    if (pos == command_at || s[pos] != ' ') {
      Fail("an answer without a command");
      break;
    }
    const std::string_view command = s.substr(command_at, pos - command_at);
    ++pos;
    // DATALEN ends with ' ' before data, or with the trailer when 0.
    size_t len_at = pos;
    while (len_at < s.size() && s[len_at] >= '0' && s[len_at] <= '9') ++len_at;
    if (len_at == s.size()) break;
    const char after = s[len_at];
    if (!Number(s, &pos, after == '\n' ? '\n' : ' ', &len, &incomplete)) {
      Fail(absl::StrCat("\"", AsAbsl(command), "\" without a valid length"));
      break;
    }
    if (len > kMaxAnswer) {
      Fail(absl::StrCat("\"", AsAbsl(command), "\" of ", len, " bytes"));
      break;
    }
    std::string_view data;
    if (after == '\n') {
      if (len != 0) {
        Fail(absl::StrCat("\"", AsAbsl(command), "\" of ", len,
                          " bytes without data"));
        break;
      }
    } else {
      if (s.size() < pos + len + 1) break;  // incomplete
      data = s.substr(pos, len);
      pos += len;
      if (s[pos] != '\n') {
        Fail(absl::StrCat("\"", AsAbsl(command), "\" without its trailer"));
        break;
      }
      ++pos;
    }
    done += pos;
    OnFrame(txnr, command, data, now_us);
  }
  in_.erase(0, done);
  if (state_ != State::kBroken && in_.size() > kMaxHeader + kMaxAnswer + 2) {
    Fail("an answer larger than any RELP answer");
  }
}

void Session::OnFrame(uint32_t txnr, std::string_view command,
                      std::string_view data, uint64_t now_us) {
  if (command == "serverclose") {
    Fail("the server closed the session");
    return;
  }
  if (command != "rsp") {
    Fail(absl::StrCat("unexpected command \"", AsAbsl(command),
                      "\" from the server"));
    return;
  }
  uint32_t code = 0;
  if (data.size() < 3 || !absl::SimpleAtoi(AsAbsl(data.substr(0, 3)), &code)) {
    Fail(absl::StrCat("answer to txnr ", txnr, " without a status code"));
    return;
  }
  const std::string_view line = data.substr(0, data.find('\n'));
  if (state_ == State::kOpening && txnr == open_txnr_) {
    if (code == 200) {
      state_ = State::kOpen;
      Fill();
    } else {
      Fail(absl::StrCat("the server refused the session: ", AsAbsl(line)));
    }
    return;
  }
  size_t i = 0;
  while (i < in_flight_ && queue_[i].txnr != txnr) ++i;
  if (i == in_flight_) {
    Fail(absl::StrCat("an answer to txnr ", txnr, ", which is not in flight"));
    return;
  }
  if (code != 200) {
    Fail(absl::StrCat("the server refused a message: ", AsAbsl(line)));
    return;
  }
  queued_bytes_ -= queue_[i].message.size();
  queue_.erase(queue_.begin() + static_cast<std::ptrdiff_t>(i));
  --in_flight_;
  ++stats_.acknowledged;
  waiting_since_ = now_us;
  Fill();
}

void Session::OnTime(uint64_t now_us) {
  now_ = now_us;
  const uint64_t deadline = NextDeadline();
  if (state_ != State::kBroken && now_us >= deadline) {
    Fail(absl::StrCat("no answer from the server for ",
                      o_.answer_timeout_us / 1'000'000, " s"));
  }
}

uint64_t Session::NextDeadline() const {
  const bool waiting =
      state_ == State::kOpening || (state_ == State::kOpen && in_flight_ > 0);
  return waiting ? waiting_since_ + o_.answer_timeout_us : UINT64_MAX;
}

}  // namespace pmdcon::relp
