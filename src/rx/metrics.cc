#include "rx/metrics.h"

#include <algorithm>
#include <string_view>
#include <vector>

#include "metrics/exposition.h"
#include "wire/panic.h"

namespace pmdcon::rx {
namespace {

using metrics::Type;
using Row = WorkerSnapshot::Source;
using Output = WorkerSnapshot::Output;

constexpr Type kCounter = Type::kCounter;
constexpr Type kGauge = Type::kGauge;

double Seconds(uint64_t us) { return static_cast<double>(us) / 1e6; }

// A row's labels: source, and boot="previous" for a previous boot's stream.
struct SourceLabels {
  explicit SourceLabels(const Row& r) {
    labels[0] = {"source", r.name};
    if (r.previous_boot) labels[n++] = {"boot", "previous"};
  }
  // With `extra` after them (the panics' kind).
  std::span<const metrics::Label> with(metrics::Label extra) {
    labels[n] = extra;
    return {labels, n + 1};
  }
  std::span<const metrics::Label> get() const { return {labels, n}; }
  metrics::Label labels[3];
  size_t n = 1;
};

// One family over the source rows given (other and evicted last), the rows
// `f` yields a value for.
template <typename F>
void PerSource(metrics::Exposition& out, std::span<const Row* const> rows,
               std::string_view name, Type type, std::string_view help, F f) {
  out.Family(name, type, help);
  for (const Row* r : rows) {
    if (auto v = f(*r)) out.Sample(SourceLabels(*r).get(), *v);
  }
}

}  // namespace

std::string RenderMetrics(
    std::span<const std::shared_ptr<const WorkerSnapshot>> workers,
    const MetricsContext& ctx) {
  metrics::Exposition out;
  out.Family("pmdcon_rx_build_info", kGauge,
             "pmdcon-rx's version, as a label; the value is 1.");
  out.Sample({{"version", ctx.version}}, uint64_t{1});

  // Sources: each worker's (disjoint) up to max_sources, those with the
  // most records; then the rest as one, and all evicted ones as one.
  std::vector<const Row*> rows;
  Row other, evicted;
  other.name = "other";
  evicted.name = "evicted";
  uint64_t sources = 0, sources_evicted = 0, records_evicted = 0;
  uint64_t used = 0, reassembly_budget = 0;
  for (const auto& w : workers) {
    if (!w) continue;
    for (const Row& r : w->sources) rows.push_back(&r);
    AddRow(&other, w->other);
    AddRow(&evicted, w->evicted);
    sources += w->tracked;
    sources_evicted += w->budget.sources_evicted;
    records_evicted += w->budget.records_evicted;
    used += w->budget.charged;
    reassembly_budget += w->memory_budget;
  }
  if (rows.size() > ctx.max_sources) {
    const auto most = [](const Row* a, const Row* b) {
      return RecordsOf(*a) > RecordsOf(*b);
    };
    std::nth_element(rows.begin(), rows.begin() + ctx.max_sources, rows.end(),
                     most);
    for (size_t i = ctx.max_sources; i < rows.size(); ++i) {
      AddRow(&other, *rows[i]);
    }
    rows.resize(ctx.max_sources);
  }
  const uint64_t summed = sources - rows.size();  // under source="other"
  rows.push_back(&other);
  std::vector<const Row*> live = rows;  // the gauges: not for evicted ones
  rows.push_back(&evicted);
  using V = std::optional<uint64_t>;
  using D = std::optional<double>;
  PerSource(out, rows, "pmdcon_rx_source_records_total", kCounter,
            "Records delivered (extended records and basic-mode chunks).",
            [](const Row& r) -> V { return r.st.records + r.st.basic_chunks; });
  PerSource(out, rows, "pmdcon_rx_source_bytes_total", kCounter,
            "Bytes of the payloads received.",
            [](const Row& r) -> V { return r.st.bytes; });
  PerSource(out, live, "pmdcon_rx_source_missing_records", kGauge,
            "Seqs in the open gaps now: neither received nor announced lost.",
            [](const Row& r) -> V { return r.st.missing; });
  PerSource(out, rows, "pmdcon_rx_source_gaps_total", kCounter,
            "Gaps (ranges of seqs skipped) ever opened.",
            [](const Row& r) -> V { return r.st.gaps_opened; });
  PerSource(out, rows, "pmdcon_rx_source_lost_records_total", kCounter,
            "Records the sender announced as lost (pmdcon's loss notices).",
            [](const Row& r) -> V { return r.st.announced_lost; });
  PerSource(out, rows, "pmdcon_rx_source_duplicates_total", kCounter,
            "Payloads dropped: their record was delivered already.",
            [](const Row& r) -> V { return r.st.duplicates; });
  PerSource(out, rows, "pmdcon_rx_source_reordered_total", kCounter,
            "Records that arrived after a later seq.",
            [](const Row& r) -> V { return r.st.reordered; });
  PerSource(out, rows, "pmdcon_rx_source_malformed_total", kCounter,
            "Payloads that were not netconsole.",
            [](const Row& r) -> V { return r.st.malformed; });
  PerSource(out, rows, "pmdcon_rx_source_restarts_total", kCounter,
            "New streams: the sender's seqs started over (a reboot).",
            [](const Row& r) -> V { return r.st.restarts; });
  PerSource(out, rows, "pmdcon_rx_source_last_record_timestamp_seconds", kGauge,
            "When the last record arrived, in Unix time.",
            [](const Row& r) -> D {
              if (!r.last_record_unix_us) return std::nullopt;
              return Seconds(r.last_record_unix_us);
            });
  live.pop_back();  // idle: not for "other", the latest of many sources
  PerSource(out, live, "pmdcon_rx_source_idle_seconds", kGauge,
            "Seconds since the last record.", [&](const Row& r) -> D {
              if (!r.last_record_unix_us) return std::nullopt;
              return Seconds(ctx.now_unix_us > r.last_record_unix_us
                                 ? ctx.now_unix_us - r.last_record_unix_us
                                 : 0);
            });
  out.Family("pmdcon_rx_source_panics_total", kCounter,
             "Records telling of a crash, by kind: \"Kernel panic - not "
             "syncing\" (panic), \"Oops:\" or \"Internal error: Oops\" "
             "(oops), \"BUG:\", \"watchdog: BUG:\" or \"kernel BUG at\" "
             "(bug), after a basic-mode chunk's printk time.");
  for (const Row* r : rows) {
    SourceLabels labels(*r);
    for (int k = 1; k <= wire::kPanicKinds; ++k) {
      out.Sample(
          labels.with({"kind", wire::PanicName(static_cast<wire::Panic>(k))}),
          r->st.panics[k - 1]);
    }
  }
  PerSource(out, rows, "pmdcon_rx_source_last_panic_timestamp_seconds", kGauge,
            "When the last record telling of a crash arrived, in Unix time.",
            [](const Row& r) -> D {
              if (!r.last_panic_unix_us) return std::nullopt;
              return Seconds(r.last_panic_unix_us);
            });
  out.Single("pmdcon_rx_sources", kGauge,
             "Sources tracked now (within the memory budget).", sources);
  out.Single("pmdcon_rx_sources_other", kGauge,
             "Sources tracked now without series of their own, summed under "
             "source=\"other\" (past --metrics_sources).",
             summed);
  out.Single("pmdcon_rx_sources_evicted_total", kCounter,
             "Sources evicted for the memory budget (counted under "
             "source=\"evicted\").",
             sources_evicted);
  out.Single("pmdcon_rx_incomplete_records_evicted_total", kCounter,
             "Incomplete (fragmented) records dropped for the memory budget.",
             records_evicted);

  out.Family("pmdcon_rx_worker_datagrams_total", kCounter,
             "Datagrams a receive worker took in.");
  for (const auto& w : workers) {
    if (!w) continue;
    const std::string worker = std::to_string(w->worker);
    out.Sample({{"worker", worker}}, w->datagrams);
  }

  // Outputs: each worker has its own of each.
  struct OutputFamily {
    std::string_view name;
    Type type;
    std::string_view help;
    std::optional<uint64_t> (*value)(const Output&);
  };
  static constexpr OutputFamily kOutputs[] = {
      {"pmdcon_rx_output_queue_records", kGauge,
       "Records written to the output, not yet delivered.",
       [](const Output& o) -> V { return o.pending; }},
      {"pmdcon_rx_output_queue_bytes", kGauge,
       "Bytes of the output's queue (outputs that keep a queue).",
       [](const Output& o) -> V { return o.queued_bytes; }},
      {"pmdcon_rx_output_delivered_records_total", kCounter,
       "Records acknowledged by the peer, or written out.",
       [](const Output& o) -> V { return o.st.delivered; }},
      {"pmdcon_rx_output_resent_records_total", kCounter,
       "Records sent again: unanswered when the peer went away.",
       [](const Output& o) -> V { return o.st.resent; }},
      {"pmdcon_rx_output_dropped_records_total", kCounter,
       "Records refused: the queue (and the spill file) was full.",
       [](const Output& o) -> V { return o.st.dropped; }},
      {"pmdcon_rx_output_spilled_records_total", kCounter,
       "Records that went to the spill file, the queue being full.",
       [](const Output& o) -> V { return o.st.spilled; }},
      {"pmdcon_rx_output_reconnects_total", kCounter,
       "Connections to the peer lost after they were up.",
       [](const Output& o) -> V { return o.st.reconnects; }},
  };
  for (const OutputFamily& f : kOutputs) {
    out.Family(f.name, f.type, f.help);
    for (const auto& w : workers) {
      if (!w) continue;
      const std::string worker = std::to_string(w->worker);
      for (const Output& o : w->outputs) {
        if (auto v = f.value(o)) {
          out.Sample({{"worker", worker}, {"output", o.name}}, *v);
        }
      }
    }
  }

  out.Single("pmdcon_rx_memory_budget_bytes", kGauge,
             "The memory budget of the whole process (--memory_budget_mb).",
             ctx.memory_budget);
  out.Single("pmdcon_rx_reassembly_budget_bytes", kGauge,
             "The reassemblers' share of the memory budget, all workers'.",
             reassembly_budget);
  out.Single("pmdcon_rx_memory_used_bytes", kGauge,
             "Bytes of reassembly state (sources, incomplete records) held "
             "now, charged to the budget.",
             used);
  if (ctx.resident) {
    out.Single("pmdcon_rx_resident_bytes", kGauge,
               "Resident memory of the process.", *ctx.resident);
  }
  return out.Take();
}

}  // namespace pmdcon::rx
