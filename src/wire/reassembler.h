// Netconsole stream reassembly and accounting, in the shape of netconsd's
// ncrx: the caller feeds payloads with the current time and gets complete
// messages and the next deadline back. Per source it reassembles ncfrag
// fragments (bounded, timed out, any order), tracks the sequence (gaps,
// duplicates, reordering, restarts) and counts malformed input. No I/O.
//
// Memory stays within Options::memory_budget whatever arrives: when the state
// of all sources would exceed it, the oldest incomplete records and the
// longest idle sources are evicted (sources that delivered only one record
// first), and counted in budget_stats().
//
//   wire::Reassembler r(options);
//   r.Feed(source, payload, now_us, sink);   // sink.OnMessage(const Message&)
//   r.Expire(now_us);                        // at or after r.NextDeadline()
#ifndef PMDCON_WIRE_REASSEMBLER_H_
#define PMDCON_WIRE_REASSEMBLER_H_

#include <array>
#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "absl/container/flat_hash_map.h"
#include "reliable/acker.h"
#include "wire/auth_keys.h"
#include "wire/decoder.h"

namespace pmdcon::wire {

// Where payloads come from: an IPv4 or IPv6 address and a port.
struct SourceKey {
  uint8_t family = 0;  // 4 or 6
  uint16_t port = 0;
  std::array<uint8_t, 16> addr{};
  // Records a sender kept from its previous boot (PMDCON_BOOT=previous) are
  // a stream of their own: their seqs would collide with this boot's.
  bool previous_boot = false;

  bool operator==(const SourceKey&) const = default;
  template <typename H>
  friend H AbslHashValue(H h, const SourceKey& k) {
    return H::combine(std::move(h), k.family, k.port, k.addr, k.previous_boot);
  }
};

// One complete record. Views are valid during OnMessage only.
struct Message {
  SourceKey source;
  bool extended = false;  // false: a basic-mode chunk (text only)
  std::string_view release;
  uint32_t facility = 0;
  uint32_t level = 0;
  uint64_t seq = 0;
  uint64_t ts_usec = 0;
  char flag = '-';
  bool has_caller = false;
  uint32_t caller_id = 0;
  uint32_t fragments = 0;      // 0: sent whole
  std::string_view body;       // after ';', escaped as sent (basic: the chunk)
  bool restart = false;        // first record of a new stream (seq went back)
  bool reordered = false;      // arrived after a later seq
  bool previous_boot = false;  // marked by pmdcon as kept across a reboot
  bool emergency = false;      // sent with ",ncemg=1" (a resend)
  uint64_t stream_first = UINT64_MAX;  // ",ncfirst=": the stream began there
};

struct Gap {
  uint64_t first = 0;
  uint64_t last = 0;
};

// A source's counters: plain values, added together for the sources
// evicted (AddCounters) and copied whole into pmdcon-rx's /metrics
// snapshots. What tracks the stream (seqs, gaps) is SourceStats'.
struct SourceCounters {
  // Every payload counts in exactly one of: records - reassembled (whole),
  // basic_chunks, malformed, fragments, duplicates.
  uint64_t payloads = 0;
  uint64_t bytes = 0;
  uint64_t records = 0;       // extended records delivered
  uint64_t basic_chunks = 0;  // basic-mode payloads delivered
  uint64_t fragments = 0;     // fragment payloads taken into reassembly
  uint64_t reassembled = 0;   // records delivered from fragments
  uint64_t duplicates = 0;    // payloads dropped: their record was delivered
  uint64_t reassembled_duplicates = 0;  // rebuilt records already delivered
  uint64_t reordered = 0;
  uint64_t restarts = 0;
  uint64_t malformed = 0;
  uint64_t malformed_by[6] = {};     // by Malformed
  uint64_t reassembly_failures = 0;  // timed out, evicted or inconsistent
  uint64_t fragment_conflicts = 0;   // overlapping fragments disagreed
  uint64_t announced_lost = 0;       // records pmdcon said it lost
  // With keys for this address (Options::auth): payloads whose MAC held,
  // and those refused (not in `payloads`: they are not this source's):
  // unauthenticated, forged (a wrong tag or key id), or replayed (an older
  // boot's value). A seq of this boot far behind and not missing is a
  // duplicate: a resend that came twice looks the same as a replay.
  uint64_t authenticated = 0;
  uint64_t auth_unauthenticated = 0;
  uint64_t auth_forged = 0;
  uint64_t auth_replayed = 0;
  uint64_t missing = 0;            // seqs in open gaps, now (not added)
  uint64_t gaps_opened = 0;        // gap ranges ever opened (some filled since)
  uint64_t gaps_dropped = 0;       // gap ranges beyond SourceStats::gaps
  uint64_t announced_dropped = 0;  // announced ranges beyond kMaxGaps
  // When the last record was delivered, and the last whose text told of a
  // crash (wire/panic.h), in Feed's now_us; 0: never. Records by kind of
  // crash, indexed by Panic - 1.
  uint64_t last_record_us = 0;
  uint64_t last_panic_us = 0;
  uint64_t panics[3] = {};
};

struct SourceStats : SourceCounters {
  bool have_seq = false;
  uint64_t first_seq = 0;
  uint64_t last_seq = 0;  // highest seq of the current stream
  // Open gaps, oldest first: at most kMaxGaps, or with Options::ack the
  // acker's max_holes if more (what it may still ask for).
  std::deque<Gap> gaps;
  std::vector<Gap> announced;  // seq ranges pmdcon announced as lost
};

// Did `st` receive every seq in [first, last] of its current stream?
// Announced losses count as not received.
bool Complete(const SourceStats& st, uint64_t first, uint64_t last);

// Adds `from`'s counters to `to` (the latest of their times): the sources
// evicted, together. The gauge `missing` is not added.
void AddCounters(SourceCounters* to, const SourceCounters& from);

class MessageSink {
 public:
  virtual ~MessageSink() = default;
  virtual void OnMessage(const Message& m) = 0;
  // With Options::ack: a response datagram for the sender at `to` (its
  // address and the port it sent from last).
  virtual void OnResponse(const SourceKey& to, std::string_view datagram) {
    (void)to;
    (void)datagram;
  }
};

class Reassembler {
 public:
  struct Options {
    uint32_t max_total = 64 * 1024;      // largest ncfrag total accepted
    uint64_t frag_timeout_us = 2000000;  // incomplete records expire after
    size_t max_pending = 256;            // incomplete records per source
    // Bytes of incomplete records one source may hold (its oldest go first).
    size_t max_pending_bytes = 4 << 20;
    // All sources' state and incomplete records, in bytes.
    size_t memory_budget = 256 << 20;
    bool dedupe = true;  // suppress records whose seq was already delivered
    // One stream per sender address, whatever its port (responses go to the
    // port it sent from last).
    bool by_address = false;
    // The receiver's half of the acknowledgement protocol (reliable::Acker),
    // per source: responses come out through MessageSink::OnResponse.
    bool ack = false;
    reliable::Acker::Options ack_options = {};
    // Keys by sender address (include/pmdcon/auth.h): a source that has one
    // must seal every payload, and its responses are sealed too; a source
    // whose payload verified is validated (no anti-amplification limit).
    // Sources without a key are taken as before. Replace with SetAuth.
    std::shared_ptr<const ReceiverKeys> auth = nullptr;
  };
  struct BudgetStats {
    size_t charged = 0;  // bytes of state now
    size_t peak = 0;     // the most it ever held
    uint64_t sources_evicted = 0;
    uint64_t records_evicted = 0;  // incomplete records dropped for memory
  };
  static constexpr size_t kMaxGaps = 4096;
  static constexpr uint64_t kWindow = 16384;  // seqs remembered for dedupe

  explicit Reassembler(Options options);
  ~Reassembler();

  // Feeds one payload from `source` received at `now_us`.
  void Feed(const SourceKey& source, std::string_view payload, uint64_t now_us,
            MessageSink& sink);
  // New keys (a rotation): takes effect with the next payload.
  void SetAuth(std::shared_ptr<const ReceiverKeys> keys) {
    options_.auth = std::move(keys);
  }
  // Drops incomplete records older than the fragment timeout, and sends the
  // acknowledgement responses that are due. Time must not go back between
  // calls.
  void Expire(uint64_t now_us, MessageSink& sink);
  // When Expire has work to do next; UINT64_MAX if never.
  uint64_t NextDeadline() const;

  // Per-source accounting (gaps, duplicates, malformed...).
  template <typename F>
  void ForEachSource(F&& f) const {
    for (const auto& [key, src] : sources_) f(key, StatsOf(*src));
  }
  const SourceStats* Stats(const SourceKey& key) const;
  size_t sources() const { return sources_.size(); }
  const Options& options() const { return options_; }
  const BudgetStats& budget_stats() const { return budget_; }
  // The counters of all sources evicted for the budget, together.
  const SourceCounters& evicted_stats() const { return evicted_; }
  // With Options::ack: a source's acknowledgement counters (nullptr if it
  // is not tracked), and all sources' together (evicted ones included).
  const reliable::Acker::Stats* AckStatsOf(const SourceKey& key) const;
  reliable::Acker::Stats ack_totals() const;

 private:
  struct Source;
  struct Pending;
  template <typename T>
  struct List;
  struct Spares;
  static const SourceStats& StatsOf(const Source& s);
  Source* Get(const SourceKey& key);
  void Deliver(Source& src, Message& m, uint64_t now_us, MessageSink& sink);
  void Consume(Source& src, std::string_view payload, uint64_t now_us,
               MessageSink& sink);
  void AddFragment(Source& src, const Payload& p, Message& m, uint64_t now_us,
                   MessageSink& sink);
  void DropPending(Pending* p);
  void Recharge(Source& src);
  void Touch(Source& src);
  void Evict(Source* a, Source* b);
  void Acknowledge(Source& src, uint64_t now_us, MessageSink& sink);
  // Verifies a payload from a source that has keys; true: opened_ holds it
  // without the field. Counts what it refuses.
  bool Authenticate(Source& src, const KeyRing& ring, std::string_view payload);
  void StopAcking(Source& src);

  Options options_;
  size_t max_gaps_;  // per source (SourceStats::gaps)
  absl::flat_hash_map<SourceKey, std::unique_ptr<Source>> sources_;
  // Sources by last activity, most recent first: those that delivered at
  // most one record (a flood of new addresses churns only this list) and
  // the established rest.
  std::unique_ptr<List<Source>> fresh_, established_;
  std::unique_ptr<List<Pending>> pendings_;  // all sources', oldest first
  // Sources whose reliable::Acker has a deadline, in no order.
  std::vector<Source*> acking_;
  reliable::Acker::Stats evicted_acks_;  // counters of evicted sources
  SourceCounters evicted_;               // ... and their other counters
  std::unique_ptr<Spares> spares_;
  std::string assembled_;     // a reassembled body
  Source* routed_ = nullptr;  // where Feed's record went, if not its source
  bool authed_same_boot_ = false;  // Feed's payload verified, its boot known
  bool authed_new_boot_ = false;   // ... with a boot value new to its source
  std::string opened_;             // Feed's payload without its MAC field
  Source* last_ = nullptr;         // Get's last answer (null once evicted)
  BudgetStats budget_;
};

}  // namespace pmdcon::wire

#endif  // PMDCON_WIRE_REASSEMBLER_H_
