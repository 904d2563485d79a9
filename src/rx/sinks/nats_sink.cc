#include "rx/sinks/nats_sink.h"

#include <nats/nats.h>

#include <utility>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "packet/endpoint.h"
#include "rx/format/output.h"

namespace pmdcon::rx {
namespace {

constexpr int64_t kAckWaitMs = 2000;     // then the publish is retried
constexpr uint64_t kMaxInFlight = 4096;  // handed to libnats, unacked
constexpr uint64_t kBusyPollUs = 2000;
constexpr uint64_t kMinRetryUs = 50'000, kMaxRetryUs = 2'000'000;
// What libnats buffers while it reconnects (counted in queue_limit()).
constexpr uint64_t kReconnectBuf = 32u << 20;

void OnAckCallback(jsCtx*, natsMsg* msg, jsPubAck*, jsPubAckErr* pae,
                   void* closure) {
  std::string why;
  if (pae != nullptr) {
    why = natsStatus_GetText(pae->Err);
    if (pae->ErrText && why != pae->ErrText)
      absl::StrAppend(&why, ": ", pae->ErrText);
  }
  static_cast<NatsSink*>(closure)->OnAck(msg, pae == nullptr, std::move(why));
}

}  // namespace

std::string NatsSubject(std::string_view prefix, const wire::SourceKey& k) {
  std::string host = AddressName(k);
  for (char& c : host) {
    if (c == '.') c = '_';  // '.' separates a subject's tokens
  }
  return absl::StrCat(AsAbsl(prefix), ".", host);
}

std::string NatsMsgId(const wire::Message& m) {
  if (!m.extended) return "";
  return absl::StrCat(EndpointName(m.source), m.previous_boot ? "/prev/" : "/",
                      m.seq);
}

absl::StatusOr<std::unique_ptr<NatsSink>> NatsSink::Open(
    std::string_view spec, uint64_t max_queued_bytes) {
  std::string_view servers = spec, prefix = "netconsole";
  if (const size_t slash = spec.find('/'); slash != std::string_view::npos) {
    servers = spec.substr(0, slash);
    prefix = spec.substr(slash + 1);
  }
  if (prefix.empty() ||
      prefix.find_first_of(" \t*>") != std::string_view::npos ||
      prefix.front() == '.' || prefix.back() == '.') {
    return absl::InvalidArgumentError(
        absl::StrCat("\"", AsAbsl(prefix),
                     "\" is not a subject prefix (tokens, '.' apart)"));
  }
  std::vector<std::string> urls;
  for (absl::string_view s : absl::StrSplit(AsAbsl(servers), '+')) {
    auto hp = packet::SplitHostPort(std::string_view(s.data(), s.size()));
    if (!hp.ok() || hp->host.empty() || hp->port == 0) {
      return absl::InvalidArgumentError(
          absl::StrCat("\"", s, "\" is not HOST:PORT"));
    }
    urls.push_back(absl::StrCat("nats://", s));
  }
  std::vector<const char*> url_ptrs;
  for (const auto& u : urls) url_ptrs.push_back(u.c_str());

  auto sink = std::unique_ptr<NatsSink>(
      new NatsSink(absl::StrCat("nats://", AsAbsl(spec)), std::string(prefix),
                   max_queued_bytes));
  natsOptions* opts = nullptr;
  natsStatus s = natsOptions_Create(&opts);
  if (s == NATS_OK) {
    s = natsOptions_SetServers(opts, url_ptrs.data(),
                               static_cast<int>(url_ptrs.size()));
  }
  if (s == NATS_OK) s = natsOptions_SetMaxReconnect(opts, -1);
  if (s == NATS_OK) s = natsOptions_SetReconnectWait(opts, 100);
  // Up and reconnecting without blocking the receiver: the first connect
  // may fail, and publishes made meanwhile are buffered by libnats. Only
  // with a connected callback does libnats connect in the background:
  // without one natsConnection_Connect retries, blocking, MaxReconnect
  // (here: unlimited) times.
  if (s == NATS_OK) {
    s = natsOptions_SetRetryOnFailedConnect(
        opts, true,
        [](natsConnection*, void* self) {
          static_cast<NatsSink*>(self)->connected_.store(
              true, std::memory_order_relaxed);
        },
        sink.get());
  }
  if (s == NATS_OK) {
    s = natsOptions_SetReconnectBufSize(opts, static_cast<int>(kReconnectBuf));
  }
  if (s == NATS_OK) {
    s = natsConnection_Connect(&sink->nc_, opts);
    if (s == NATS_NOT_YET_CONNECTED) s = NATS_OK;
  }
  natsOptions_Destroy(opts);
  if (s == NATS_OK) s = natsStatistics_Create(&sink->nats_stats_);
  jsOptions jo;
  if (s == NATS_OK) s = jsOptions_Init(&jo);
  if (s == NATS_OK) {
    jo.PublishAsync.MaxPending = static_cast<int64_t>(kMaxInFlight);
    jo.PublishAsync.AckHandler = OnAckCallback;
    jo.PublishAsync.AckHandlerClosure = sink.get();
    s = natsConnection_JetStream(&sink->js_, sink->nc_, &jo);
  }
  if (s != NATS_OK) {
    return absl::UnavailableError(absl::StrCat(
        "NATS (", absl::StrJoin(urls, ", "), "): ", natsStatus_GetText(s), " ",
        nats_GetLastError(nullptr)));
  }
  return sink;
}

NatsSink::NatsSink(std::string name, std::string prefix,
                   uint64_t max_queued_bytes)
    : name_(std::move(name)),
      prefix_(std::move(prefix)),
      max_queued_bytes_(max_queued_bytes),
      retry_backoff_us_(kMinRetryUs) {}

NatsSink::~NatsSink() {
  if (js_) jsCtx_Destroy(js_);
  if (nc_) {
    natsConnection_Close(nc_);
    natsConnection_Destroy(nc_);
  }
  for (natsMsg* m : queue_) natsMsg_Destroy(m);
  for (natsMsg* m : failed_) natsMsg_Destroy(m);
  if (nats_stats_) natsStatistics_Destroy(nats_stats_);
}

uint64_t NatsSink::queue_limit() const {
  return max_queued_bytes_ + kReconnectBuf;
}

void NatsSink::OnAck(natsMsg* msg, bool ok, std::string error) {
  if (ok) {
    held_bytes_.fetch_sub(static_cast<uint64_t>(natsMsg_GetDataLength(msg)),
                          std::memory_order_relaxed);
    natsMsg_Destroy(msg);
    acked_.fetch_add(1, std::memory_order_relaxed);
  } else {
    std::lock_guard<std::mutex> lock(mu_);
    failed_.push_back(msg);  // ours again: published once more by Poll
    // JetStream answers a subject no stream takes with "no responders".
    if (absl::StrContains(absl::AsciiStrToLower(error), "no responders")) {
      error = absl::StrCat(
          "no JetStream stream takes the subject ", prefix_, ".> (\"", error,
          "\"); create one, e.g. nats stream add NETCONSOLE "
          "--subjects '",
          prefix_, ".>' --dupe-window 2m --storage file (docs/collector.md)");
    }
    trouble_ = std::move(error);
  }
  in_flight_.fetch_sub(1, std::memory_order_release);
}

void NatsSink::Write(const wire::Message& m, uint64_t) {
  ++stats_.written;
  buf_.clear();
  AppendMessage(&buf_, Format::kJson, m);
  if (!buf_.empty() && buf_.back() == '\n') buf_.pop_back();
  if (held_bytes_.load(std::memory_order_relaxed) + buf_.size() >
      max_queued_bytes_) {
    ++stats_.dropped;
    return;
  }
  natsMsg* msg = nullptr;
  const std::string subject = NatsSubject(prefix_, m.source);
  if (natsMsg_Create(&msg, subject.c_str(), nullptr, buf_.data(),
                     static_cast<int>(buf_.size())) != NATS_OK) {
    ++stats_.dropped;
    return;
  }
  if (const std::string id = NatsMsgId(m); !id.empty()) {
    natsMsgHeader_Set(msg, "Nats-Msg-Id", id.c_str());
  }
  held_bytes_.fetch_add(buf_.size(), std::memory_order_relaxed);
  queue_.push_back(msg);
  Publish();
}

void NatsSink::Publish() {
  jsPubOptions po;
  jsPubOptions_Init(&po);
  po.MaxWait = kAckWaitMs;
  while (!queue_.empty() &&
         in_flight_.load(std::memory_order_acquire) < kMaxInFlight) {
    natsMsg* msg = queue_.front();
    in_flight_.fetch_add(1, std::memory_order_relaxed);
    const natsStatus s = js_PublishMsgAsync(js_, &msg, &po);
    if (s != NATS_OK) {
      in_flight_.fetch_sub(1, std::memory_order_relaxed);
      std::lock_guard<std::mutex> lock(mu_);
      trouble_ = absl::StrCat("publish: ", natsStatus_GetText(s));
      return;  // kept at the front; tried again at the next Poll
    }
    queue_.pop_front();
  }
}

uint64_t NatsSink::Poll(uint64_t now_us) {
  // Failed publishes go out again after a pause that doubles while nothing
  // is acknowledged (a stream without a leader answers at once, with "no
  // responders"): 50 ms to 2 s.
  const uint64_t acked = acked_.load(std::memory_order_relaxed);
  if (acked != stats_.delivered) retry_backoff_us_ = kMinRetryUs;
  std::vector<natsMsg*> again;
  if (now_us >= retry_at_) {
    std::lock_guard<std::mutex> lock(mu_);
    again.swap(failed_);
  }
  if (!again.empty()) {
    retry_at_ = now_us + retry_backoff_us_;
    retry_backoff_us_ = std::min(retry_backoff_us_ * 2, kMaxRetryUs);
  }
  queue_.insert(queue_.begin(), again.begin(), again.end());
  stats_.resent += again.size();
  Publish();
  stats_.delivered = acked;
  uint64_t reconnects = 0;
  if (natsConnection_GetStats(nc_, nats_stats_) == NATS_OK &&
      natsStatistics_GetCounts(nats_stats_, nullptr, nullptr, nullptr, nullptr,
                               &reconnects) == NATS_OK) {
    stats_.reconnects = reconnects;
  }
  return pending() ? now_us + kBusyPollUs : UINT64_MAX;
}

uint64_t NatsSink::pending() const {
  std::lock_guard<std::mutex> lock(mu_);
  return queue_.size() + failed_.size() +
         in_flight_.load(std::memory_order_acquire);
}

const std::string& NatsSink::trouble() const {
  std::lock_guard<std::mutex> lock(mu_);
  trouble_copy_ = trouble_;
  if (trouble_copy_.empty() && !connected_.load(std::memory_order_relaxed)) {
    trouble_copy_ = "not connected yet (retrying every 100 ms)";
  }
  return trouble_copy_;
}

}  // namespace pmdcon::rx
