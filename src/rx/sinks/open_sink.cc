#include "rx/sinks/open_sink.h"

#include <optional>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/strip.h"
#include "common/status.h"
#include "rx/sinks/journal_sink.h"
#include "rx/sinks/tcp_sink.h"
#ifdef PMDCON_HAVE_NATS
#include "rx/sinks/nats_sink.h"
#endif

namespace pmdcon::rx {

absl::StatusOr<std::unique_ptr<Sink>> SinkFactory::OpenFile(
    const std::string& path, Format format) {
  std::shared_ptr<LineFile>& f = files_[path];
  if (!f) {
    PMDCON_ASSIGN_OR_RETURN(auto opened, LineFile::Open(path));
    f = std::move(opened);
  }
  return std::make_unique<FileSink>(f, format);
}

absl::StatusOr<std::unique_ptr<Sink>> SinkFactory::Open(
    const std::string& spec) {
  absl::string_view u = spec;
  const TcpSink::Options tcp{
      .max_queued_bytes = o_.queue_bytes,
      .spill_dir = o_.spill_dir,
      .max_spill_bytes = o_.spill_bytes,
  };
  if (absl::ConsumePrefix(&u, "relp://")) {
    return TcpSink::Create(TcpSink::Protocol::kRelp,
                           std::string_view(u.data(), u.size()), tcp);
  }
  if (absl::ConsumePrefix(&u, "syslog+tcp://")) {
    return TcpSink::Create(TcpSink::Protocol::kOctetCounted,
                           std::string_view(u.data(), u.size()), tcp);
  }
  if (absl::ConsumePrefix(&u, "nats://")) {
#ifdef PMDCON_HAVE_NATS
    return NatsSink::Open(std::string_view(u.data(), u.size()), o_.queue_bytes);
#else
    return absl::UnimplementedError("this pmdcon-rx was built without libnats");
#endif
  }
  if (u == "journal" || absl::ConsumePrefix(&u, "journal:")) {
    return JournalSink::Open(
        u == "journal" ? "/run/systemd/journal/socket" : std::string(u),
        o_.queue_bytes);
  }
  // FORMAT:FILE. "syslog://HOST" looks like a URL and is none: a file
  // named "//HOST" would take the records without a word.
  if (const size_t colon = u.find(':');
      colon != absl::string_view::npos && colon + 1 < u.size()) {
    const absl::string_view name = u.substr(0, colon);
    if (const std::optional<Format> format =
            ParseFormat(std::string_view(name.data(), name.size()))) {
      if (absl::StartsWith(u.substr(colon + 1), "//")) {
        return absl::InvalidArgumentError(absl::StrCat(
            name, ":", u.substr(colon + 1, 2), " is a URL no output speaks: ",
            name, ":FILE writes a file (a path, e.g. ", name,
            ":/var/lib/pmdcon-rx/records.log); syslog to a server is "
            "syslog+tcp://HOST:PORT or relp://HOST:PORT"));
      }
      return OpenFile(std::string(u.substr(colon + 1)), *format);
    }
  }
  return absl::InvalidArgumentError(
      "not relp://HOST:PORT, syslog+tcp://HOST:PORT, "
      "nats://HOST:PORT[+HOST:PORT...][/PREFIX], journal[:SOCKET], "
      "json:FILE, text:FILE or syslog:FILE");
}

std::vector<std::string> SinkSpecs(const std::vector<std::string>& pieces) {
  const auto opens_output = [](absl::string_view p) {
    for (absl::string_view scheme : {"relp://", "syslog+tcp://", "nats://",
                                     "journal:", "json:", "text:", "syslog:"}) {
      if (absl::StartsWith(p, scheme)) return true;
    }
    return p == "journal";
  };
  std::vector<std::string> specs;
  for (const std::string& p : pieces) {
    if (specs.empty() || opens_output(p)) {
      specs.push_back(p);
    } else {
      absl::StrAppend(&specs.back(), ",", p);
    }
  }
  return specs;
}

}  // namespace pmdcon::rx
