// Records into the systemd journal through its native protocol (one
// datagram per entry to /run/systemd/journal/socket), with fields a query
// can use:
//   MESSAGE, PRIORITY, SYSLOG_FACILITY, SYSLOG_IDENTIFIER=netconsole,
//   NETCONSOLE_SOURCE (addr:port), NETCONSOLE_SEQ, NETCONSOLE_TS_USEC,
//   NETCONSOLE_RELEASE, NETCONSOLE_PREVIOUS_BOOT=1, NETCONSOLE_RESTART=1,
//   NETCONSOLE_BASIC=1, NETCONSOLE_DICT_<KEY>, NETCONSOLE_USERDATA_<KEY>,
//   NETCONSOLE_SYSDATA_<KEY>.
//   journalctl SYSLOG_IDENTIFIER=netconsole NETCONSOLE_SOURCE=10.0.0.5:6665
#ifndef PMDCON_RX_SINKS_JOURNAL_SINK_H_
#define PMDCON_RX_SINKS_JOURNAL_SINK_H_

#include <deque>
#include <memory>
#include <string>

#include "absl/status/statusor.h"
#include "rx/sinks/sink.h"

namespace pmdcon::rx {

// Appends one journal entry in the native protocol's encoding: NAME=value
// lines, and NAME LF le64-length value LF for values with a newline. Pure.
void AppendJournalEntry(std::string* out, const wire::Message& m);

class JournalSink : public Sink {
 public:
  // socket: journald's native socket (tests point it elsewhere).
  static absl::StatusOr<std::unique_ptr<JournalSink>> Open(
      const std::string& socket, uint64_t max_queued_bytes);
  ~JournalSink() override;

  void Write(const wire::Message& m, uint64_t unix_us) override;
  uint64_t Poll(uint64_t now_us) override;
  uint64_t pending() const override { return queue_.size(); }
  uint64_t queue_limit() const override { return max_queued_bytes_; }
  std::optional<uint64_t> queued_bytes() const override {
    return queued_bytes_;
  }
  const SinkStats& stats() const override { return stats_; }
  const std::string& name() const override { return name_; }
  const std::string& trouble() const override { return trouble_; }

 private:
  JournalSink(int fd, std::string name, uint64_t max_queued_bytes);
  void Send();  // what journald takes now

  int fd_;
  std::string name_;
  uint64_t max_queued_bytes_;
  std::deque<std::string> queue_;  // entries journald did not take yet
  uint64_t queued_bytes_ = 0;
  SinkStats stats_;
  std::string trouble_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_SINKS_JOURNAL_SINK_H_
