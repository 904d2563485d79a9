// nats_check: the test's own JetStream client (libnats), for
// tests/sinks/nats_test.sh.
//   nats_check create URLS STREAM SUBJECT REPLICAS  (retries for 30 s)
//   nats_check leader URLS STREAM                   (the leader's name)
//   nats_check verify URLS STREAM N                 (exit 1 unless the
//     stream holds exactly N messages with N distinct Nats-Msg-Id)
// URLS: nats://HOST:PORT,nats://HOST:PORT,...
#include <nats/nats.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <set>
#include <string>

namespace {

int Create(jsCtx* js, const char* stream, const char* subject, int replicas) {
  jsStreamConfig sc;
  jsStreamConfig_Init(&sc);
  sc.Name = stream;
  const char* subjects[] = {subject};
  sc.Subjects = subjects;
  sc.SubjectsLen = 1;
  sc.Replicas = replicas;
  sc.Storage = js_FileStorage;
  for (int i = 0; i < 300; ++i) {  // the cluster elects its meta leader
    jsErrCode jerr = static_cast<jsErrCode>(0);
    jsStreamInfo* si = nullptr;
    const natsStatus s = js_AddStream(&si, js, &sc, nullptr, &jerr);
    if (s == NATS_OK) {
      jsStreamInfo_Destroy(si);
      std::printf("stream %s (%s, %d replicas) created\n", stream, subject,
                  replicas);
      return 0;
    }
    usleep(100000);
  }
  std::fprintf(stderr, "nats_check: cannot create %s: %s\n", stream,
               nats_GetLastError(nullptr));
  return 1;
}

int Verify(jsCtx* js, const char* stream, uint64_t n) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  natsStatus s = NATS_ERR;
  for (int i = 0; i < 100 && s != NATS_OK; ++i) {
    s = js_GetStreamInfo(&si, js, stream, nullptr, &jerr);
    if (s != NATS_OK) usleep(100000);
  }
  if (s != NATS_OK) {
    std::fprintf(stderr, "nats_check: no stream info: %s\n",
                 natsStatus_GetText(s));
    return 1;
  }
  const uint64_t msgs = si->State.Msgs, first = si->State.FirstSeq,
                 last = si->State.LastSeq;
  jsStreamInfo_Destroy(si);
  std::set<std::string> ids;
  uint64_t without_id = 0;
  for (uint64_t seq = first; msgs && seq <= last; ++seq) {
    natsMsg* m = nullptr;
    if (js_GetMsg(&m, js, stream, seq, nullptr, &jerr) != NATS_OK) continue;
    const char* id = nullptr;
    if (natsMsgHeader_Get(m, "Nats-Msg-Id", &id) == NATS_OK && id) {
      ids.insert(id);
    } else {
      ++without_id;
    }
    natsMsg_Destroy(m);
  }
  std::printf(
      "stream %s: %llu messages, %zu distinct ids, %llu without one "
      "(want %llu)\n",
      stream, static_cast<unsigned long long>(msgs), ids.size(),
      static_cast<unsigned long long>(without_id),
      static_cast<unsigned long long>(n));
  return msgs == n && ids.size() == n && without_id == 0 ? 0 : 1;
}

int Leader(jsCtx* js, const char* stream) {
  jsStreamInfo* si = nullptr;
  jsErrCode jerr = static_cast<jsErrCode>(0);
  for (int i = 0; i < 100; ++i) {
    if (js_GetStreamInfo(&si, js, stream, nullptr, &jerr) == NATS_OK) {
      const bool known = si->Cluster && si->Cluster->Leader;
      if (known) std::printf("%s\n", si->Cluster->Leader);
      jsStreamInfo_Destroy(si);
      if (known) return 0;
    }
    usleep(100000);
  }
  std::fprintf(stderr, "nats_check: %s has no leader\n", stream);
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: nats_check create|verify URLS STREAM ...\n");
    return 2;
  }
  const std::string cmd = argv[1];
  natsConnection* nc = nullptr;
  natsStatus s = NATS_ERR;
  for (int i = 0; i < 100 && s != NATS_OK; ++i) {
    s = natsConnection_ConnectTo(&nc, argv[2]);
    if (s != NATS_OK) usleep(100000);
  }
  jsCtx* js = nullptr;
  if (s != NATS_OK || natsConnection_JetStream(&js, nc, nullptr) != NATS_OK) {
    std::fprintf(stderr, "nats_check: cannot connect to %s\n", argv[2]);
    return 1;
  }
  int rc = 2;
  if (cmd == "create" && argc == 6) {
    rc = Create(js, argv[3], argv[4], std::atoi(argv[5]));
  } else if (cmd == "leader" && argc == 4) {
    rc = Leader(js, argv[3]);
  } else if (cmd == "verify" && argc == 5) {
    rc = Verify(js, argv[3], std::strtoull(argv[4], nullptr, 10));
  }
  jsCtx_Destroy(js);
  natsConnection_Destroy(nc);
  return rc;
}
