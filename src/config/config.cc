#include "config/config.h"

#include <yaml-cpp/eventhandler.h>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <initializer_list>
#include <map>
#include <optional>
#include <sstream>

#include "absl/status/status.h"
#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "common/status.h"
#include "common/strings.h"
#include "packet/endpoint.h"
#include "wire/decoder.h"

namespace pmdcon::config {
namespace {

using Keys = std::initializer_list<std::string_view>;

// Walks the YAML tree; errors carry "file:line:col: path: message".
class Walker {
 public:
  explicit Walker(std::string_view file) : file_(file) {}
  const std::string& file() const { return file_; }

  absl::Status Error(const YAML::Node& n, std::string_view path,
                     std::string_view msg) const {
    const YAML::Mark m = n.Mark();
    return ErrorAt(m.line, m.column, path, msg);
  }
  absl::Status ErrorAt(int line, int col, std::string_view path,
                       std::string_view msg) const {
    return absl::InvalidArgumentError(
        absl::StrCat(file_, ":", line + 1, ":", col + 1, ": ", AsAbsl(path),
                     path.empty() ? "" : ": ", AsAbsl(msg)));
  }

  // A mapping whose keys are all in `allowed`.
  absl::Status Map(const YAML::Node& n, std::string_view path,
                   Keys allowed) const {
    if (!n.IsMap()) return Error(n, path, "expected a mapping");
    std::vector<std::string> seen;
    for (const auto& kv : n) {
      const std::string key = kv.first.Scalar();
      // yaml-cpp keeps duplicate keys and reads the first: refuse them.
      if (std::find(seen.begin(), seen.end(), key) != seen.end()) {
        return Error(kv.first, Join(path, key), "duplicate key");
      }
      seen.push_back(key);
      if (std::find(allowed.begin(), allowed.end(), key) == allowed.end()) {
        std::vector<std::string> names(allowed.begin(), allowed.end());
        return Error(kv.first, Join(path, key),
                     absl::StrCat("unknown key (expected one of: ",
                                  absl::StrJoin(names, ", "), ")"));
      }
    }
    return absl::OkStatus();
  }

  absl::Status Scalar(const YAML::Node& n, std::string_view path,
                      std::string* out) const {
    if (!n.IsScalar()) return Error(n, path, "expected a single value");
    *out = n.Scalar();
    return absl::OkStatus();
  }

  absl::Status Bool(const YAML::Node& n, std::string_view path,
                    bool* out) const {
    std::string s;
    PMDCON_RETURN_IF_ERROR(Scalar(n, path, &s));
    if (s == "true") {
      *out = true;
    } else if (s == "false") {
      *out = false;
    } else {
      return Error(n, path, absl::StrCat("\"", s, "\" is not true or false"));
    }
    return absl::OkStatus();
  }

  template <typename T>
  absl::Status Uint(const YAML::Node& n, std::string_view path, uint64_t min,
                    uint64_t max, T* out) const {
    std::string s;
    uint64_t v = 0;
    PMDCON_RETURN_IF_ERROR(Scalar(n, path, &s));
    if (!ParseDecimal(s, &v)) {
      return Error(n, path, absl::StrCat("\"", s, "\" is not a whole number"));
    }
    if (v < min || v > max) {
      return Error(n, path,
                   absl::StrCat(v, " is out of range (", min, "..", max, ")"));
    }
    *out = static_cast<T>(v);
    return absl::OkStatus();
  }

  // A scalar through parse (string_view -> StatusOr<T>); its error, placed.
  template <typename T, typename Parse>
  absl::Status Parsed(const YAML::Node& n, std::string_view path, Parse parse,
                      T* out) const {
    std::string s;
    PMDCON_RETURN_IF_ERROR(Scalar(n, path, &s));
    absl::StatusOr<T> v = parse(s);
    if (!v.ok()) return Error(n, path, std::string(v.status().message()));
    *out = *std::move(v);
    return absl::OkStatus();
  }
  absl::Status Ip(const YAML::Node& n, std::string_view path,
                  packet::IpAddr* out) const {
    return Parsed(n, path, packet::ParseIp, out);
  }
  absl::Status Mac(const YAML::Node& n, std::string_view path,
                   packet::Mac* out) const {
    return Parsed(n, path, packet::ParseMac, out);
  }

  // One of `names`; *out is its index.
  absl::Status OneOf(const YAML::Node& n, std::string_view path, Keys names,
                     int* out) const {
    std::string s;
    PMDCON_RETURN_IF_ERROR(Scalar(n, path, &s));
    int i = 0;
    for (std::string_view name : names) {
      if (s == name) {
        *out = i;
        return absl::OkStatus();
      }
      ++i;
    }
    std::vector<std::string> all(names.begin(), names.end());
    return Error(
        n, path,
        absl::StrCat("\"", s, "\" is not one of: ", absl::StrJoin(all, ", ")));
  }

  absl::Status Strings(const YAML::Node& n, std::string_view path,
                       std::vector<std::string>* out) const {
    if (!n.IsSequence()) return Error(n, path, "expected a list");
    out->clear();
    for (size_t i = 0; i < n.size(); ++i) {
      std::string s;
      if (absl::Status st = Scalar(n[i], Index(path, i), &s); !st.ok())
        return st;
      out->push_back(s);
    }
    return absl::OkStatus();
  }

  static std::string Join(std::string_view path, std::string_view key) {
    return path.empty() ? std::string(key)
                        : absl::StrCat(AsAbsl(path), ".", AsAbsl(key));
  }
  static std::string Index(std::string_view path, size_t i) {
    return absl::StrCat(AsAbsl(path), "[", i, "]");
  }

 private:
  std::string file_;
};

absl::Status ParseEal(const Walker& w, const YAML::Node& n, Eal* eal) {
  PMDCON_RETURN_IF_ERROR(
      w.Map(n, "eal",
            {"lcores", "main_lcore", "tx_lcore", "memory_mb", "hugepages",
             "vdevs", "pci_allow", "extra_args"}));
  if (n["lcores"]) {
    const YAML::Node& l = n["lcores"];
    if (!l.IsSequence() || l.size() == 0) {
      return w.Error(l, "eal.lcores", "expected a non-empty list of lcore ids");
    }
    eal->lcores.clear();
    for (size_t i = 0; i < l.size(); ++i) {
      uint32_t id;
      PMDCON_RETURN_IF_ERROR(
          w.Uint(l[i], Walker::Index("eal.lcores", i), 0, 1023, &id));
      eal->lcores.push_back(id);
    }
  }
  if (n["main_lcore"])
    PMDCON_RETURN_IF_ERROR(
        w.Uint(n["main_lcore"], "eal.main_lcore", 0, 1023, &eal->main_lcore));
  if (n["tx_lcore"])
    PMDCON_RETURN_IF_ERROR(
        w.Uint(n["tx_lcore"], "eal.tx_lcore", 0, 1023, &eal->tx_lcore));
  if (n["memory_mb"])
    PMDCON_RETURN_IF_ERROR(
        w.Uint(n["memory_mb"], "eal.memory_mb", 16, 65536, &eal->memory_mb));
  if (n["hugepages"])
    PMDCON_RETURN_IF_ERROR(
        w.Bool(n["hugepages"], "eal.hugepages", &eal->hugepages));
  if (n["vdevs"])
    PMDCON_RETURN_IF_ERROR(w.Strings(n["vdevs"], "eal.vdevs", &eal->vdevs));
  // Each a driver's device name, then its arguments: in a YAML flow list an
  // unquoted "net_af_packet0,iface=lo" is two entries, the second no device.
  for (size_t i = 0; i < eal->vdevs.size(); ++i) {
    const std::string_view v = eal->vdevs[i];
    const std::string_view name = v.substr(0, v.find(','));
    const bool ok =
        !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
          return absl::ascii_isalnum(static_cast<unsigned char>(c)) || c == '_';
        });
    if (!ok) {
      return w.Error(
          n["vdevs"][i], absl::StrCat("eal.vdevs[", i, "]"),
          absl::StrCat("\"", AsAbsl(v),
                       "\" is not a device (a driver's name and number, e.g. "
                       "net_af_packet0, then ,key=value arguments); in a "
                       "YAML list ',' separates entries: quote a device with "
                       "arguments, [\"net_af_packet0,iface=eth1\"]"));
    }
  }
  if (n["pci_allow"])
    PMDCON_RETURN_IF_ERROR(
        w.Strings(n["pci_allow"], "eal.pci_allow", &eal->pci_allow));
  if (n["extra_args"])
    PMDCON_RETURN_IF_ERROR(
        w.Strings(n["extra_args"], "eal.extra_args", &eal->extra_args));
  const YAML::Node& at = n["tx_lcore"] ? n["tx_lcore"] : n;
  if (eal->tx_lcore == eal->main_lcore) {
    return w.Error(
        at, "eal.tx_lcore",
        absl::StrCat("must differ from eal.main_lcore (", eal->main_lcore,
                     "): TX needs a core of its own"));
  }
  for (auto [id, name] : {std::pair{eal->main_lcore, "eal.main_lcore"},
                          std::pair{eal->tx_lcore, "eal.tx_lcore"}}) {
    if (std::find(eal->lcores.begin(), eal->lcores.end(), id) ==
        eal->lcores.end()) {
      const std::string_view key = std::string_view(name).substr(4);
      return w.Error(n[std::string(key)] ? n[std::string(key)] : n, name,
                     absl::StrCat("lcore ", id, " is not in eal.lcores"));
    }
  }
  return absl::OkStatus();
}

absl::Status ParsePort(const Walker& w, const YAML::Node& n, Port* port) {
  PMDCON_RETURN_IF_ERROR(
      w.Map(n, "port",
            {"id", "rx_queue_size", "tx_queue_size", "mtu", "src_mac",
             "src_ipv4", "src_ipv6", "neighbor_reachable_s"}));
  if (n["id"])
    PMDCON_RETURN_IF_ERROR(w.Uint(n["id"], "port.id", 0, 1023, &port->id));
  if (n["rx_queue_size"])
    PMDCON_RETURN_IF_ERROR(w.Uint(n["rx_queue_size"], "port.rx_queue_size", 64,
                                  16384, &port->rx_queue_size));
  if (n["tx_queue_size"])
    PMDCON_RETURN_IF_ERROR(w.Uint(n["tx_queue_size"], "port.tx_queue_size", 64,
                                  16384, &port->tx_queue_size));
  if (n["mtu"])
    PMDCON_RETURN_IF_ERROR(
        w.Uint(n["mtu"], "port.mtu", 1280, 9000, &port->mtu));
  if (n["neighbor_reachable_s"])
    PMDCON_RETURN_IF_ERROR(w.Uint(n["neighbor_reachable_s"],
                                  "port.neighbor_reachable_s", 1, 3600,
                                  &port->neighbor_reachable_s));
  if (n["src_mac"]) {
    packet::Mac mac;
    PMDCON_RETURN_IF_ERROR(w.Mac(n["src_mac"], "port.src_mac", &mac));
    port->src_mac = mac;
  }
  for (auto [key, family, slot] :
       {std::tuple{"src_ipv4", 4, &port->src_ipv4},
        std::tuple{"src_ipv6", 6, &port->src_ipv6}}) {
    if (!n[key]) continue;
    packet::IpAddr ip;
    const std::string path = absl::StrCat("port.", key);
    PMDCON_RETURN_IF_ERROR(w.Ip(n[key], path, &ip));
    if (ip.family != family) {
      return w.Error(n[key], path,
                     absl::StrCat(packet::FormatIp(ip), " is not an IPv",
                                  family, " address"));
    }
    *slot = ip;
  }
  return absl::OkStatus();
}

absl::Status ParseSource(const Walker& w, const YAML::Node& n, Source* src) {
  PMDCON_RETURN_IF_ERROR(w.Map(n, "source", {"type", "path", "start"}));
  int type = 0, start = 0;
  if (n["type"])
    PMDCON_RETURN_IF_ERROR(
        w.OneOf(n["type"], "source.type", {"device", "file", "kmsg"}, &type));
  src->type = static_cast<SourceType>(type);
  if (n["start"])
    PMDCON_RETURN_IF_ERROR(w.OneOf(n["start"], "source.start",
                                   {"transmitted", "oldest", "newest"},
                                   &start));
  src->start = static_cast<StartAt>(start);
  if (n["path"]) {
    PMDCON_RETURN_IF_ERROR(w.Scalar(n["path"], "source.path", &src->path));
  } else if (src->type == SourceType::kFile) {
    return w.Error(n, "source.path", "required for a file-backed ring");
  } else {
    src->path = src->type == SourceType::kKmsg ? "/dev/kmsg" : "/dev/pmdcon";
  }
  if (src->path.empty() || src->path[0] != '/') {
    return w.Error(n["path"] ? n["path"] : n, "source.path",
                   "must be an absolute path");
  }
  return absl::OkStatus();
}

absl::Status ParseTarget(const Walker& w, const YAML::Node& n,
                         const std::string& path, const Port& port, Target* t) {
  PMDCON_RETURN_IF_ERROR(
      w.Map(n, path,
            {"name", "enabled", "dst_ip", "dst_port", "src_port", "dst_mac",
             "gateway", "format", "release", "time_prefix", "userdata",
             "sysdata", "max_level", "rate_limit", "reliable", "auth"}));
  auto at = [&](std::string_view key) { return Walker::Join(path, key); };
  if (!n["name"]) return w.Error(n, at("name"), "required");
  PMDCON_RETURN_IF_ERROR(w.Scalar(n["name"], at("name"), &t->name));
  if (t->name.empty())
    return w.Error(n["name"], at("name"), "must not be empty");
  if (n["enabled"])
    PMDCON_RETURN_IF_ERROR(w.Bool(n["enabled"], at("enabled"), &t->enabled));
  if (!n["dst_ip"]) return w.Error(n, at("dst_ip"), "required");
  PMDCON_RETURN_IF_ERROR(w.Ip(n["dst_ip"], at("dst_ip"), &t->dst_ip));
  if (n["dst_port"])
    PMDCON_RETURN_IF_ERROR(
        w.Uint(n["dst_port"], at("dst_port"), 1, 65535, &t->dst_port));
  if (n["src_port"])
    PMDCON_RETURN_IF_ERROR(
        w.Uint(n["src_port"], at("src_port"), 1, 65535, &t->src_port));
  if (n["dst_mac"]) {
    std::string s;
    PMDCON_RETURN_IF_ERROR(w.Scalar(n["dst_mac"], at("dst_mac"), &s));
    if (s != "resolve") {
      packet::Mac mac;
      PMDCON_RETURN_IF_ERROR(w.Mac(n["dst_mac"], at("dst_mac"), &mac));
      t->dst_mac = mac;
    }
  }
  if (n["gateway"]) {
    packet::IpAddr gw;
    PMDCON_RETURN_IF_ERROR(w.Ip(n["gateway"], at("gateway"), &gw));
    if (gw.family != t->dst_ip.family) {
      return w.Error(n["gateway"], at("gateway"),
                     "must be of the same IP version as dst_ip");
    }
    t->gateway = gw;
  }
  const bool v6 = t->dst_ip.family == 6;
  if ((v6 && !port.src_ipv6) || (!v6 && !port.src_ipv4)) {
    return w.Error(
        n["dst_ip"], at("dst_ip"),
        absl::StrCat(packet::FormatIp(t->dst_ip), " is IPv", v6 ? 6 : 4,
                     " but port.src_ipv", v6 ? 6 : 4, " is not set"));
  }
  int format = 0;
  if (n["format"])
    PMDCON_RETURN_IF_ERROR(
        w.OneOf(n["format"], at("format"), {"extended", "basic"}, &format));
  t->format.extended = format == 0;
  if (n["release"])
    PMDCON_RETURN_IF_ERROR(
        w.Bool(n["release"], at("release"), &t->format.release));
  if (n["time_prefix"])
    PMDCON_RETURN_IF_ERROR(
        w.Bool(n["time_prefix"], at("time_prefix"), &t->format.time_prefix));
  if (n["userdata"]) {
    const YAML::Node& u = n["userdata"];
    if (!u.IsMap())
      return w.Error(u, at("userdata"), "expected a mapping of key: value");
    for (const auto& kv : u) {  // in document order, as configured
      std::string value;
      PMDCON_RETURN_IF_ERROR(w.Scalar(
          kv.second, Walker::Join(at("userdata"), kv.first.Scalar()), &value));
      t->format.userdata.push_back({kv.first.Scalar(), value});
    }
  }
  if (n["sysdata"]) {
    const YAML::Node& s = n["sysdata"];
    if (!s.IsSequence()) return w.Error(s, at("sysdata"), "expected a list");
    for (size_t i = 0; i < s.size(); ++i) {
      int f;
      PMDCON_RETURN_IF_ERROR(w.OneOf(s[i], Walker::Index(at("sysdata"), i),
                                     {"cpu", "taskname", "release", "msgid"},
                                     &f));
      t->format.sysdata |= static_cast<uint8_t>(1u << f);
    }
  }
  if (n["max_level"]) {
    const YAML::Node& l = n["max_level"];
    std::string s;
    PMDCON_RETURN_IF_ERROR(w.Scalar(l, at("max_level"), &s));
    int level;
    if (!s.empty() && s[0] >= '0' && s[0] <= '9') {
      PMDCON_RETURN_IF_ERROR(w.Uint(l, at("max_level"), 0, 7, &t->max_level));
    } else {
      PMDCON_RETURN_IF_ERROR(w.OneOf(l, at("max_level"),
                                     {"emerg", "alert", "crit", "err",
                                      "warning", "notice", "info", "debug"},
                                     &level));
      t->max_level = static_cast<uint32_t>(level);
    }
  }
  if (n["rate_limit"]) {
    const YAML::Node& r = n["rate_limit"];
    PMDCON_RETURN_IF_ERROR(
        w.Map(r, at("rate_limit"), {"records_per_s", "burst"}));
    if (r["records_per_s"])
      PMDCON_RETURN_IF_ERROR(w.Uint(r["records_per_s"],
                                    at("rate_limit.records_per_s"), 1,
                                    100000000, &t->rate_limit.records_per_s));
    if (r["burst"])
      PMDCON_RETURN_IF_ERROR(w.Uint(r["burst"], at("rate_limit.burst"), 1,
                                    100000000, &t->rate_limit.burst));
    if (!t->rate_limit.records_per_s)
      return w.Error(r, at("rate_limit.records_per_s"), "required");
    if (!t->rate_limit.burst) t->rate_limit.burst = t->rate_limit.records_per_s;
  }
  if (n["reliable"]) {
    PMDCON_RETURN_IF_ERROR(w.Bool(n["reliable"], at("reliable"), &t->reliable));
    if (t->reliable && !t->format.extended) {
      return w.Error(n["reliable"], at("reliable"),
                     "needs format: extended (a basic record carries no seq "
                     "for the collector to acknowledge)");
    }
  }
  if (const YAML::Node a = n["auth"]) {
    PMDCON_RETURN_IF_ERROR(w.Map(a, at("auth"), {"key_file"}));
    if (!a["key_file"]) return w.Error(a, at("auth.key_file"), "required");
    PMDCON_RETURN_IF_ERROR(
        w.Scalar(a["key_file"], at("auth.key_file"), &t->auth_key_file));
    if (t->auth_key_file.empty() || t->auth_key_file[0] != '/') {
      return w.Error(a["key_file"], at("auth.key_file"),
                     "an absolute path to the key file (keys are never "
                     "written in the configuration)");
    }
    if (!t->format.extended) {
      return w.Error(a, at("auth"),
                     "needs format: extended (a basic record has no header "
                     "to carry the MAC)");
    }
    const YAML::Mark m = a["key_file"].Mark();
    t->auth_where = absl::StrCat(w.file(), ":", m.line + 1, ":", m.column + 1,
                                 ": ", at("auth.key_file"));
  }
  // The format's own rules (release needs extended, userdata limits...); the
  // release string is the running kernel's, known only at run time.
  wire::Format check = t->format;
  check.release_str = "0";
  if (absl::Status st = wire::Validate(check); !st.ok()) {
    std::string_view msg(st.message().data(), st.message().size());
    const std::string_view field = msg.substr(0, msg.find_first_of(".[:"));
    const std::string_view rest = msg.substr(msg.find(": ") + 2);
    const std::string key(field);
    const std::string where(msg.substr(0, msg.find(": ")));
    return w.Error(n[key] ? n[key] : n, at(where), rest);
  }
  return absl::OkStatus();
}

// stats.metrics: "" (off), or HOST:PORT as metrics::Server takes it, with
// HOST an IP address (nothing is resolved) or empty (every address). A
// bare "127.0.0.1" (or "9731") is refused as what it lacks, not as a port.
absl::StatusOr<std::string> ListenAddress(std::string_view text) {
  if (text.empty()) return std::string();
  if (text.find(':') == std::string_view::npos) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", AsAbsl(text),
                     "\": expected HOST:PORT (e.g. 127.0.0.1:9731, or :9731 "
                     "for every address)"));
  }
  PMDCON_ASSIGN_OR_RETURN(const packet::HostPort hp,
                          packet::SplitHostPort(text));
  if (!hp.host.empty() && !packet::ParseIp(hp.host).ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", hp.host,
                     "\" is not an IP address (HOST:PORT, e.g. "
                     "127.0.0.1:9731)"));
  }
  return std::string(text);
}

absl::Status ParseStats(const Walker& w, const YAML::Node& n, Stats* st) {
  PMDCON_RETURN_IF_ERROR(
      w.Map(n, "stats", {"interval_s", "telemetry", "metrics"}));
  if (n["interval_s"])
    PMDCON_RETURN_IF_ERROR(
        w.Uint(n["interval_s"], "stats.interval_s", 0, 86400, &st->interval_s));
  if (n["telemetry"])
    PMDCON_RETURN_IF_ERROR(
        w.Bool(n["telemetry"], "stats.telemetry", &st->telemetry));
  if (n["metrics"])
    PMDCON_RETURN_IF_ERROR(
        w.Parsed(n["metrics"], "stats.metrics", ListenAddress, &st->metrics));
  return absl::OkStatus();
}

absl::Status ParseAll(const Walker& w, const YAML::Node& root, Config* c) {
  if (!root.IsMap())
    return w.Error(root, "", "expected a mapping at the top level");
  PMDCON_RETURN_IF_ERROR(
      w.Map(root, "", {"eal", "port", "source", "targets", "stats"}));
  if (root["eal"]) PMDCON_RETURN_IF_ERROR(ParseEal(w, root["eal"], &c->eal));
  if (root["port"])
    PMDCON_RETURN_IF_ERROR(ParsePort(w, root["port"], &c->port));
  if (root["source"])
    PMDCON_RETURN_IF_ERROR(ParseSource(w, root["source"], &c->source));
  if (root["stats"])
    PMDCON_RETURN_IF_ERROR(ParseStats(w, root["stats"], &c->stats));
  const YAML::Node& ts = root["targets"];
  if (!ts || !ts.IsSequence() || ts.size() == 0) {
    return w.Error(ts ? ts : root, "targets",
                   "at least one target is required");
  }
  std::map<std::string, size_t> names;
  for (size_t i = 0; i < ts.size(); ++i) {
    Target t;
    const std::string path = Walker::Index("targets", i);
    PMDCON_RETURN_IF_ERROR(ParseTarget(w, ts[i], path, c->port, &t));
    if (auto [it, fresh] = names.emplace(t.name, i); !fresh) {
      return w.Error(ts[i]["name"], path + ".name",
                     absl::StrCat("duplicate name \"", t.name,
                                  "\" (also targets[", it->second, "])"));
    }
    // A collector's responses name a target by their addresses alone.
    for (size_t j = 0; t.reliable && j < c->targets.size(); ++j) {
      const Target& o = c->targets[j];
      if (o.reliable && o.dst_ip == t.dst_ip && o.dst_port == t.dst_port &&
          o.src_port == t.src_port) {
        return w.Error(
            ts[i]["reliable"], path + ".reliable",
            absl::StrCat("targets[", j,
                         "] is reliable too, with the same dst_ip, dst_port "
                         "and src_port: the collector's acknowledgements "
                         "could not be told apart"));
      }
    }
    c->targets.push_back(std::move(t));
  }
  return absl::OkStatus();
}

}  // namespace

std::string_view SourceTypeName(SourceType t) {
  switch (t) {
    case SourceType::kDevice:
      return "device";
    case SourceType::kFile:
      return "file";
    case SourceType::kKmsg:
      return "kmsg";
  }
  return "?";
}

namespace {

// Where the YAML parser starts its second document, if it finds one. Not
// YAML::LoadAll: yaml-cpp 0.7 loops on a stray ',' (LoadAll(",") makes empty
// documents until memory runs out); here two are enough to know.
class SecondDocument : public YAML::EventHandler {
 public:
  static std::optional<YAML::Mark> Find(const std::string& yaml) {
    std::istringstream in(yaml);
    YAML::Parser parser(in);
    SecondDocument h;
    for (int i = 0; i < 2 && parser.HandleNextDocument(h); ++i) {
    }
    if (h.docs_ < 2) return std::nullopt;
    return h.second_;
  }

  void OnDocumentStart(const YAML::Mark& m) override {
    if (++docs_ == 2) second_ = m;
  }
  void OnDocumentEnd() override {}
  void OnNull(const YAML::Mark&, YAML::anchor_t) override {}
  void OnAlias(const YAML::Mark&, YAML::anchor_t) override {}
  void OnScalar(const YAML::Mark&, const std::string&, YAML::anchor_t,
                const std::string&) override {}
  void OnSequenceStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                       YAML::EmitterStyle::value) override {}
  void OnSequenceEnd() override {}
  void OnMapStart(const YAML::Mark&, const std::string&, YAML::anchor_t,
                  YAML::EmitterStyle::value) override {}
  void OnMapEnd() override {}

 private:
  int docs_ = 0;
  YAML::Mark second_;
};

}  // namespace

absl::StatusOr<Config> Parse(std::string_view yaml, std::string_view file) {
  Walker w(file);
  Config c;
  const std::string text(yaml);
  try {
    // One document: a second one ("---") would be ignored silently.
    if (auto second = SecondDocument::Find(text)) {
      return w.ErrorAt(second->line, second->column, "",
                       "text after the YAML document (a second document, or "
                       "a stray ','); the configuration is one document");
    }
    const YAML::Node root = YAML::Load(text);
    PMDCON_RETURN_IF_ERROR(ParseAll(w, root, &c));
  } catch (const YAML::Exception& e) {
    // yaml-cpp says "bad file" when nesting exceeds its depth limit.
    return w.ErrorAt(e.mark.line, e.mark.column, "",
                     e.msg == "bad file" ? "nested too deeply" : e.msg);
  }
  return c;
}

}  // namespace pmdcon::config
