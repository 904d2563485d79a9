// libFuzzer target: arbitrary bytes as pmdcon's YAML configuration. Parse
// must answer (a Config or an error naming the problem) without crashing,
// and a configuration that parses reloads onto itself with nothing to
// restart: the reload planner sees no difference.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "config/config.h"
#include "control/reload.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view yaml(reinterpret_cast<const char*>(data), size);
  auto cfg = pmdcon::config::Parse(yaml, "fuzz.yaml");
  if (!cfg.ok()) {
    if (cfg.status().message().empty()) std::abort();  // errors say what
    return 0;
  }
  auto reload = pmdcon::control::PlanReload(*cfg, *cfg);
  if (!reload.ok() || !reload->added.empty() || !reload->removed.empty() ||
      !reload->changed.empty()) {
    std::abort();
  }
  return 0;
}
