#include "rx/recv/worker.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <utility>

#include "absl/strings/str_cat.h"
#include "io/system.h"
#include "rx/format/output.h"

namespace pmdcon::rx {

// Hands each delivered record to every output, and acknowledgement
// responses to the socket the source's datagrams came in on.
class Worker::Delivery : public wire::MessageSink {
 public:
  Delivery(std::vector<std::unique_ptr<Sink>>* sinks, UdpReceiver* responses)
      : sinks_(sinks), responses_(responses) {}
  void OnResponse(const wire::SourceKey& to,
                  std::string_view datagram) override {
    if (responses_ && !responses_->SendTo(to, datagram)) ++unsent_;
  }
  void OnMessage(const wire::Message& m) override {
    ++delivered_;
    for (auto& s : *sinks_) s->Write(m, unix_now_);
  }
  void set_unix_now(uint64_t us) { unix_now_ = us; }

  uint64_t unsent_ = 0;
  uint64_t delivered_ = 0;

 private:
  std::vector<std::unique_ptr<Sink>>* sinks_;
  UdpReceiver* responses_;
  uint64_t unix_now_ = 0;
};

Worker::Worker(int index, std::optional<UdpReceiver> receiver,
               const wire::Reassembler::Options& options,
               std::vector<std::unique_ptr<Sink>> sinks, WorkerControl* control)
    : index_(index),
      receiver_(std::move(receiver)),
      reasm_(options),
      sinks_(std::move(sinks)),
      control_(control),
      delivery_(std::make_unique<Delivery>(
          &sinks_, options.ack && receiver_ ? &*receiver_ : nullptr)) {}

Worker::~Worker() = default;

uint64_t Worker::delivered() const { return delivery_->delivered_; }
uint64_t Worker::unsent_responses() const { return delivery_->unsent_; }

void Worker::Feed(const wire::SourceKey& from, std::string_view payload,
                  uint64_t now_us) {
  ++datagrams_;
#ifdef PMDCON_TEST_HOOKS
  WorkerControl& c = *control_;
  if (!c.ignore_text.empty() &&
      payload.find(c.ignore_text) != std::string_view::npos) [[unlikely]] {
    std::lock_guard lock(c.ignore_mu);
    if (!c.ignore_from) c.ignore_from = from;
    if (from == *c.ignore_from) {
      c.ignored.fetch_add(1, std::memory_order_relaxed);
      return;
    }
  }
#endif
  reasm_.Feed(from, payload, now_us, *delivery_);
}

uint64_t Worker::PollSinks(uint64_t now_us) {
  uint64_t wake = UINT64_MAX;
  for (auto& s : sinks_) wake = std::min(wake, s->Poll(now_us));
  ReportTrouble(now_us);
  return wake;
}

// An output in trouble says so while it lasts, not only in the summary: at
// once when its trouble changes, then every kTroubleRepeatUs while it keeps
// failing to connect or holds records (to stderr: the unit's journal).
void Worker::ReportTrouble(uint64_t now_us) {
  constexpr uint64_t kTroubleRepeatUs = 10'000'000;
  // A look per 100 ms is enough to say it within seconds; not per batch
  // (a NATS output's trouble() takes a lock and copies).
  if (now_us < next_trouble_look_us_) return;
  next_trouble_look_us_ = now_us + 100'000;
  reported_.resize(sinks_.size());
  for (size_t i = 0; i < sinks_.size(); ++i) {
    const Sink& s = *sinks_[i];
    Reported& r = reported_[i];
    const std::string& trouble = s.trouble();
    if (trouble.empty()) continue;
    const uint64_t failed = s.stats().failed_connects + s.stats().reconnects;
    const bool changed = trouble != r.trouble;
    const bool again = now_us >= r.at_us + kTroubleRepeatUs &&
                       (failed != r.failed || s.pending() > 0);
    if (!changed && !again) continue;
    std::fprintf(stderr,
                 "pmdcon-rx: output %s (worker %d): %s; %llu records pending, "
                 "%llu connects failed\n",
                 s.name().c_str(), index_, trouble.c_str(),
                 static_cast<unsigned long long>(s.pending()),
                 static_cast<unsigned long long>(s.stats().failed_connects));
    r = {trouble, now_us, failed};
  }
}

void Worker::Run(uint64_t drain_us) {
  // Deadlines of the reassembler and the outputs; at most this long between
  // looks at the shared state.
  constexpr uint64_t kMaxWaitUs = 100'000;
  uint64_t now = io::MonotonicUsec();
  uint64_t sinks_wake = UINT64_MAX;
  uint64_t published = 0;  // of delivered(), added to control_->delivered
  const auto feed = [&](const wire::SourceKey& k, std::string_view payload) {
    Feed(k, payload, now);
  };
  while (receiver_ && control_->running()) {
    const uint64_t wake =
        std::min({reasm_.NextDeadline(), sinks_wake, now + kMaxWaitUs});
    const int timeout =
        static_cast<int>(wake > now ? (wake - now + 999) / 1000 : 0);
    delivery_->set_unix_now(io::RealtimeUsec());
    const int n = receiver_->Poll(timeout, feed);
    now = io::MonotonicUsec();
    if (n < 0) {
      error_ = absl::ErrnoToStatus(errno, "receive");
      control_->Stop(WorkerControl::State::kFailed);
      break;
    }
    if (n > 0) {
      control_->last_datagram_us.store(now, std::memory_order_relaxed);
    }
    reasm_.Expire(now, *delivery_);
    sinks_wake = PollSinks(now);
    if (const uint64_t d = delivered(); d != published) {
      const uint64_t total =
          control_->delivered.fetch_add(d - published) + (d - published);
      published = d;
      if (control_->count && total >= control_->count) {
        control_->Stop(WorkerControl::State::kDone);
      }
    }
    if (const uint32_t g = control_->auth_gen.load(); g != auth_seen_) {
      auth_seen_ = g;
      std::lock_guard<std::mutex> l(control_->auth_mu);
      reasm_.SetAuth(control_->auth);
    }
    if (control_->metrics) Publish(false);
    if (const uint32_t s = control_->summaries.load(); s != summaries_seen_) {
      summaries_seen_ = s;
      const Worker* self = this;
      std::string text =
          absl::StrCat("worker ", index_, ":\n", Summary(std::span(&self, 1)));
      std::fwrite(text.data(), 1, text.size(), stderr);  // one locked call
    }
  }
  // Stopped by a signal: what the kernel already queued for us was sent, so
  // read it (for at most a second, should the senders never pause).
  if (receiver_ && control_->state.load() == WorkerControl::State::kSignal) {
    const uint64_t drain_end = io::MonotonicUsec() + 1'000'000;
    while (receiver_->Poll(0, feed) > 0 &&
           (now = io::MonotonicUsec()) < drain_end) {
    }
  }
  Finish(drain_us);
}

void Worker::Finish(uint64_t drain_us) {
  const uint64_t until = io::MonotonicUsec() + drain_us;
  for (;;) {
    const uint64_t now = io::MonotonicUsec();
    const uint64_t wake = PollSinks(now);
    uint64_t held = 0;
    for (const auto& s : sinks_) held += s->pending();
    if (held == 0 || now >= until) break;
    if (control_->metrics) Publish(false);
    usleep(static_cast<useconds_t>(
        std::clamp<uint64_t>(wake > now ? wake - now : 0, 1000, 50'000)));
  }
  if (control_->metrics) Publish(true);
}

void AddRow(WorkerSnapshot::Source* to, const WorkerSnapshot::Source& from) {
  wire::AddCounters(&to->st, from.st);
  to->st.missing += from.st.missing;
  to->last_record_unix_us =
      std::max(to->last_record_unix_us, from.last_record_unix_us);
  to->last_panic_unix_us =
      std::max(to->last_panic_unix_us, from.last_panic_unix_us);
}

std::shared_ptr<const WorkerSnapshot> Worker::TakeSnapshot() {
  std::lock_guard l(snap_mu_);
  if (finished_.load()) return snap_;  // the final one: shared, kept
  return std::move(snap_);
}

std::shared_ptr<const WorkerSnapshot> Worker::Snapshot(uint64_t gen) const {
  auto snap = std::make_shared<WorkerSnapshot>();
  WorkerSnapshot& w = *snap;
  w.gen = gen;
  w.worker = index_;
  w.datagrams = datagrams_;
  // The reassembler's times are the monotonic clock's (Feed's now_us).
  const uint64_t mono = io::MonotonicUsec();
  const uint64_t unix = io::RealtimeUsec();
  const auto wall = [&](uint64_t mono_us) -> uint64_t {
    if (mono_us == 0) return 0;
    const uint64_t ago = mono > mono_us ? mono - mono_us : 0;
    return unix > ago ? unix - ago : 0;
  };
  const auto row = [&](std::string name, bool previous_boot,
                       const wire::SourceCounters& st) {
    return WorkerSnapshot::Source{
        .name = std::move(name),
        .previous_boot = previous_boot,
        .st = st,
        .last_record_unix_us = wall(st.last_record_us),
        .last_panic_unix_us = wall(st.last_panic_us)};
  };
  // The sources with the most records get rows; the rest are summed under
  // "other" (--metrics_sources: what a scrape holds, and the series).
  struct Ranked {
    uint64_t records;
    const wire::SourceKey* key;
    const wire::SourceStats* st;
  };
  std::vector<Ranked> ranked;  // 24 bytes a source, for this call only
  ranked.reserve(reasm_.sources());
  reasm_.ForEachSource(
      [&](const wire::SourceKey& k, const wire::SourceStats& st) {
        ranked.push_back({st.records + st.basic_chunks, &k, &st});
      });
  const size_t keep = std::min(ranked.size(), control_->metrics_sources);
  if (keep < ranked.size()) {
    std::nth_element(
        ranked.begin(), ranked.begin() + keep, ranked.end(),
        [](const Ranked& a, const Ranked& b) { return a.records > b.records; });
  }
  w.tracked = ranked.size();
  w.other.name = "other";
  w.sources.reserve(keep);
  for (size_t i = 0; i < ranked.size(); ++i) {
    const wire::SourceKey& k = *ranked[i].key;
    const wire::SourceStats& st = *ranked[i].st;
    if (i < keep) {
      w.sources.push_back(row(EndpointName(k), k.previous_boot, st));
    } else {
      AddRow(&w.other, row("", false, st));
    }
  }
  w.evicted = row("evicted", false, reasm_.evicted_stats());
  w.evicted.st.missing = 0;
  for (const auto& sink : sinks_) {
    w.outputs.push_back({.name = sink->name(),
                         .st = sink->stats(),
                         .pending = sink->pending(),
                         .queued_bytes = sink->queued_bytes()});
  }
  w.memory_budget = reasm_.options().memory_budget;
  w.budget = reasm_.budget_stats();
  return snap;
}

// The scraper holds snap_mu_ only to move a pointer; should it hold it now,
// the snapshot waits for the next pass, not the worker for the scraper. A
// snapshot no scrape takes (the scraper gave up waiting) is replaced by the
// next one: a worker holds at most two, and only between a scrape's
// request and its take.
void Worker::Publish(bool final) {
  const uint64_t gen = control_->metrics_gen.load();
  if (final || gen != metrics_seen_) {
    metrics_seen_ = gen;
    unpublished_ = Snapshot(gen);
  }
  if (!unpublished_) return;
  if (final) {
    std::lock_guard l(snap_mu_);
    snap_ = std::move(unpublished_);
    finished_.store(true);
  } else if (std::unique_lock l(snap_mu_, std::try_to_lock); l.owns_lock()) {
    snap_ = std::move(unpublished_);
  }
}

std::string Summary(std::span<const Worker* const> workers) {
  std::string s;
  size_t sources = 0;
  wire::Reassembler::BudgetStats budget;
  reliable::Acker::Stats acks;
  uint64_t unsent = 0;
  bool ack = false;
  for (const Worker* w : workers) {
    const wire::Reassembler& r = w->reassembler();
    r.ForEachSource([&](const wire::SourceKey& k, const wire::SourceStats& st) {
      AppendSummary(&s, k, st);
    });
    sources += r.sources();
    const auto& b = r.budget_stats();
    budget.charged += b.charged;
    budget.peak += b.peak;
    budget.sources_evicted += b.sources_evicted;
    budget.records_evicted += b.records_evicted;
    ack = r.options().ack;
    if (ack) acks += r.ack_totals();
    unsent += w->unsent_responses();
  }
  if (s.empty()) s = "no datagrams received\n";
  absl::StrAppend(&s, "memory: ", sources, " sources in ", budget.charged >> 10,
                  " KiB (peak ", budget.peak >> 10, " KiB)");
  if (budget.sources_evicted + budget.records_evicted) {
    absl::StrAppend(&s, "; evicted for the budget: ", budget.sources_evicted,
                    " idle sources, ", budget.records_evicted,
                    " incomplete records");
  }
  s.push_back('\n');
  if (ack) {
    absl::StrAppend(&s, "acks: ", acks.responses, " responses, ", acks.requests,
                    " requests for missing records, ", acks.recovered,
                    " records recovered, ", acks.given_up, " given up");
    if (acks.over_max) {
      absl::StrAppend(&s, " (", acks.over_max, " over --ack_holes)");
    }
    if (unsent) absl::StrAppend(&s, ", ", unsent, " responses not sent");
    if (acks.withheld) {
      absl::StrAppend(&s, ", ", acks.withheld,
                      " responses withheld (more bytes than the source sent)");
    }
    s.push_back('\n');
  }
  if (workers.size() > 1) {
    absl::StrAppend(&s, "workers: ", workers.size(), "; records");
    for (const Worker* w : workers) {
      absl::StrAppend(&s, " ", w->delivered(), " (", w->reassembler().sources(),
                      " sources)");
    }
    s.push_back('\n');
  }
  // Outputs: the same one (by name) in every worker, counted together, in
  // the order given.
  struct Output {
    SinkStats st;
    uint64_t pending = 0;
    std::string trouble;
  };
  std::vector<std::string> order;
  std::map<std::string, Output> outputs;
  for (const Worker* w : workers) {
    for (const auto& sink : w->sinks()) {
      auto [it, fresh] = outputs.try_emplace(sink->name());
      if (fresh) order.push_back(sink->name());
      Output& o = it->second;
      o.st += sink->stats();
      o.pending += sink->pending();
      if (!sink->trouble().empty()) o.trouble = sink->trouble();
    }
  }
  for (const std::string& name : order) {
    const Output& o = outputs[name];
    absl::StrAppend(&s, "output ", name, ": ", o.st.written, " records, ",
                    o.st.delivered, " delivered, ", o.pending, " pending, ",
                    o.st.dropped, " dropped (queue full), ", o.st.resent,
                    " resent, ", o.st.reconnects, " reconnects");
    if (o.st.failed_connects) {
      absl::StrAppend(&s, ", ", o.st.failed_connects, " connects failed");
    }
    if (o.st.spilled) absl::StrAppend(&s, ", ", o.st.spilled, " spilled");
    if (!o.trouble.empty()) absl::StrAppend(&s, "; last trouble: ", o.trouble);
    s.push_back('\n');
  }
  return s;
}

}  // namespace pmdcon::rx
