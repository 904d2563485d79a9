// What operators see of a running engine: DPDK telemetry commands
// (/pmdcon/stats, /pmdcon/targets), a line per target in the log, and a
// word when the TX lcore stalls or resumes.
//
//   RegisterTelemetry();            // once, after EAL
//   ShowEngine(&e); ... ShowEngine(nullptr);  // around each engine's life
#ifndef PMDCON_APP_TELEMETRY_H_
#define PMDCON_APP_TELEMETRY_H_

#include <cstdint>
#include <functional>

#include "engine/engine.h"
#include "engine/tx_watch.h"

namespace pmdcon::app {

void RegisterTelemetry();
// The engine telemetry reads from now on (nullptr: none, while replaced).
// Waits for a reader in ReadShownEngine: the engine may go once it returns.
void ShowEngine(const engine::Engine* e);
// Calls read with the engine shown now (nullptr: none), which stays while
// read runs. For readers off the datapath (/metrics): read only loads.
void ReadShownEngine(const std::function<void(const engine::Engine*)>& read);
// One line per target on stderr: its state and every counter (a reliable
// target's protocol counters and acknowledged seq too).
void LogStats(const engine::Engine& e);
// Logs when the TX lcore stops making progress, and when it resumes.
void WatchTx(const engine::Engine& e, engine::TxWatch& w, uint64_t now_us);

}  // namespace pmdcon::app

#endif  // PMDCON_APP_TELEMETRY_H_
