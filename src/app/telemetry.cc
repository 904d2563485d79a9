#include "app/telemetry.h"

#include <rte_telemetry.h>

#include <algorithm>
#include <cstdio>
#include <mutex>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"

namespace pmdcon::app {
namespace {

// Telemetry callbacks run on DPDK's telemetry thread: they only read the
// engine's single-writer counters and state.
std::mutex g_engine_mu;  // the engine can be replaced on SIGHUP
const engine::Engine* g_engine = nullptr;

void AddTarget(rte_tel_data* d, size_t i) {
  const engine::TargetStats& s = g_engine->stats(i);
  rte_tel_data_add_dict_string(
      d, "state",
      std::string(engine::TargetStateName(g_engine->state(i))).c_str());
  for (const auto& [name, counter] : engine::TargetStats::kCounters) {
    rte_tel_data_add_dict_u64(d, name,
                              (s.*counter).load(std::memory_order_relaxed));
  }
  if (g_engine->spec(i).reliable) {
    if (const std::optional<uint64_t> acked = g_engine->acked_seq(i)) {
      rte_tel_data_add_dict_u64(d, "acked_seq", *acked);
    } else {
      rte_tel_data_add_dict_string(d, "acked_seq", "none");
    }
  }
}

int TelemetryStats(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_engine_mu);
  if (!g_engine) return -1;
  rte_tel_data_start_dict(d);
  rte_tel_data_add_dict_u64(d, "transmitted_id", g_engine->transmitted_id());
  for (size_t i = 0; i < g_engine->targets(); ++i) {
    rte_tel_data* t = rte_tel_data_alloc();
    if (!t) return -ENOMEM;
    rte_tel_data_start_dict(t);
    AddTarget(t, i);
    rte_tel_data_add_dict_container(d, g_engine->spec(i).name.c_str(), t, 0);
  }
  return 0;
}

int TelemetryTargets(const char*, const char*, rte_tel_data* d) {
  std::lock_guard<std::mutex> lock(g_engine_mu);
  if (!g_engine) return -1;
  rte_tel_data_start_dict(d);
  for (size_t i = 0; i < g_engine->targets(); ++i) {
    rte_tel_data_add_dict_string(
        d, g_engine->spec(i).name.c_str(),
        std::string(engine::TargetStateName(g_engine->state(i))).c_str());
  }
  return 0;
}

}  // namespace

void RegisterTelemetry() {
  rte_telemetry_register_cmd("/pmdcon/stats", TelemetryStats,
                             "Per-target counters and state. No parameters");
  rte_telemetry_register_cmd("/pmdcon/targets", TelemetryTargets,
                             "Target names and states. No parameters");
}

void ShowEngine(const engine::Engine* e) {
  std::lock_guard<std::mutex> lock(g_engine_mu);
  g_engine = e;
}

void ReadShownEngine(const std::function<void(const engine::Engine*)>& read) {
  std::lock_guard<std::mutex> lock(g_engine_mu);
  read(g_engine);
}

void LogStats(const engine::Engine& e) {
  for (size_t i = 0; i < e.targets(); ++i) {
    const bool reliable = e.spec(i).reliable;
    std::string line =
        absl::StrCat("pmdcon: target ", e.spec(i).name, ": ",
                     std::string(engine::TargetStateName(e.state(i))));
    const engine::TargetStats::Values v = e.stats(i).Snapshot();
    for (size_t k = 0; k < v.size(); ++k) {
      if (k >= engine::TargetStats::kReliableFrom && !reliable) break;
      std::string name = engine::TargetStats::kCounters[k].first;
      std::replace(name.begin(), name.end(), '_', ' ');
      absl::StrAppend(&line, ", ", name, " ", v[k]);
    }
    if (reliable) {
      const std::optional<uint64_t> acked = e.acked_seq(i);
      absl::StrAppend(&line, ", acked seq ",
                      acked ? std::to_string(*acked) : "none");
    }
    std::fprintf(stderr, "%s\n", line.c_str());
  }
}

// The counters are the TX lcore's; engine/tx_watch.h judges them.
void WatchTx(const engine::Engine& e, engine::TxWatch& w, uint64_t now_us) {
  uint64_t packets = 0, retries = 0;
  for (size_t i = 0; i < e.targets(); ++i) {
    packets += e.stats(i).packets.load(std::memory_order_relaxed);
    retries += e.stats(i).tx_retries.load(std::memory_order_relaxed);
  }
  switch (w.Update(e.heartbeat(), packets, retries, now_us)) {
    case engine::TxWatch::Event::kStalled:
      std::fprintf(
          stderr,
          "pmdcon: TX stalled for %llu ms: %s; records wait "
          "in the ring\n",
          static_cast<unsigned long long>((now_us - w.last_progress()) / 1000),
          w.state() == engine::TxWatch::State::kPortRefuses
              ? "the port takes no frames (tx retries rising)"
              : "the TX lcore has not come back from the driver");
      break;
    case engine::TxWatch::Event::kResumed:
      std::fprintf(stderr, "pmdcon: TX resumed\n");
      break;
    case engine::TxWatch::Event::kNone:
      break;
  }
}

}  // namespace pmdcon::app
