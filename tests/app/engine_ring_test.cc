// The engine on a real DPDK port pair (net_ring): TX on one port arrives as
// RX on the other, and every frame must equal, byte for byte, what an
// independent encoder and frame template produce (only the IPv4 ID is taken
// from the frame: one counter shared by all targets, as netconsole's).
// IPv4 extended with fragmented records, IPv6 basic, two targets at once.
#include <gtest/gtest.h>
#include <rte_eal.h>
#include <rte_eth_ring.h>
#include <rte_launch.h>
#include <rte_mbuf.h>

#include <cstring>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "io/mapped_file.h"
#include "ring/ring.h"
#include "wire/reassembler.h"

namespace pmdcon {
namespace {

const BootId kBoot{};
uint16_t g_tx_port, g_rx_port;    // first pair
uint16_t g_tx_port2, g_rx_port2;  // second pair (a port opens once)
uint16_t g_tx_port3, g_rx_port3;  // third pair: a short link (backpressure)

// Two rings cross-wired into a port pair: tx's TX is rx's RX.
void MakePair(const std::string& name, uint16_t* tx, uint16_t* rx,
              unsigned slots = 4096) {
  rte_ring* r1 = rte_ring_create((name + "1").c_str(), slots, 0,
                                 RING_F_SP_ENQ | RING_F_SC_DEQ);
  rte_ring* r2 = rte_ring_create((name + "2").c_str(), slots, 0,
                                 RING_F_SP_ENQ | RING_F_SC_DEQ);
  ASSERT_TRUE(r1 && r2);
  const int a = rte_eth_from_rings((name + "a").c_str(), &r2, 1, &r1, 1, 0);
  const int b = rte_eth_from_rings((name + "b").c_str(), &r1, 1, &r2, 1, 0);
  ASSERT_GE(a, 0);
  ASSERT_GE(b, 0);
  *tx = static_cast<uint16_t>(a);
  *rx = static_cast<uint16_t>(b);
}

class Eal : public ::testing::Environment {
 public:
  void SetUp() override {
    std::vector<std::string> args = {
        "engine_ring_test", "-l",           "0,1",
        "--no-huge",        "-m",           "512",
        "--no-pci",         "--no-shconf",  "--no-telemetry",
        "--log-level",      "lib.eal:error"};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    ASSERT_GE(rte_eal_init(static_cast<int>(argv.size()), argv.data()), 0);
    MakePair("p", &g_tx_port, &g_rx_port);
    MakePair("q", &g_tx_port2, &g_rx_port2);
    MakePair("s", &g_tx_port3, &g_rx_port3, 1024);
  }
};

int RunTx(void* e) {
  static_cast<engine::Engine*>(e)->Run();
  return 0;
}

engine::TargetSpec Spec(const std::string& name, const char* src,
                        const char* dst, bool extended) {
  engine::TargetSpec s;
  s.name = name;
  s.static_mac = true;
  s.endpoints.src_mac = {0x02, 0, 0, 0, 0, 0x0a};
  s.endpoints.dst_mac = {0x02, 0, 0, 0, 0, 0x0b};
  s.endpoints.src_ip = *packet::ParseIp(src);
  s.endpoints.dst_ip = *packet::ParseIp(dst);
  s.format.extended = extended;
  s.format.release_str = "6.12.0-test";
  if (extended) {
    s.format.release = true;
    s.format.sysdata = PMDCON_SYSDATA_CPU | PMDCON_SYSDATA_MSGID;
    s.format.userdata = {{"host", "ring"}};
  }
  return s;
}

// A port pair (TX on one, RX on the other) and a ring formatted in
// anonymous memory with `data` bytes of records.
struct Rig {
  std::optional<port::Port> tx, rx;
  std::optional<io::MappedFile> region;
  pmdcon_ring ring{};
};

void MakeRig(uint16_t tx, uint16_t rx, size_t data, Rig* r,
             uint32_t tx_mbufs = 8191) {
  auto t = port::Port::Open({tx, 1024, 1024, 1500, tx_mbufs});
  ASSERT_TRUE(t.ok()) << t.status();
  r->tx.emplace(std::move(*t));
  auto x = port::Port::Open({rx, 1024, 1024, 1500, 8191});
  ASSERT_TRUE(x.ok()) << x.status();
  r->rx.emplace(std::move(*x));
  auto region = io::MappedFile::Anonymous(PMDCON_DATA_OFFSET + data);
  ASSERT_TRUE(region.ok());
  r->region.emplace(std::move(*region));
  ASSERT_EQ(pmdcon_ring_format(&r->ring, r->region->bytes().data(),
                               r->region->bytes().size(), kBoot.data(), 1),
            0);
}

// Frames arriving on `rx` until `want` came or about 2M polls passed; the
// first `skip` bytes of each are left out.
std::vector<std::string> Receive(port::Port& rx, size_t want, size_t skip = 0) {
  std::vector<std::string> out;
  for (int spins = 0; out.size() < want && spins < 2000000; ++spins) {
    rte_mbuf* m[32];
    const uint16_t n = rx.RxBurst(m, 32);
    for (uint16_t k = 0; k < n; ++k) {
      out.emplace_back(rte_pktmbuf_mtod(m[k], const char*) + skip,
                       m[k]->data_len - skip);
      rte_pktmbuf_free(m[k]);
    }
  }
  return out;
}

TEST(EngineOnNetRing, EveryFrameIsExactlyWhatTheEncoderAndTemplateMake) {
  Rig r;
  ASSERT_NO_FATAL_FAILURE(MakeRig(g_tx_port, g_rx_port, 4u << 20, &r));
  std::vector<engine::TargetSpec> specs = {
      Spec("v4", "10.99.0.1", "10.99.0.2", true),
      Spec("v6", "fd00:99::1", "fd00:99::2", false)};
  // The records: short, multi-line, escaping, and 3 KB (fragmented).
  std::vector<std::string> texts;
  for (int i = 0; i < 200; ++i) {
    std::string t = "record " + std::to_string(i);
    if (i % 7 == 0) t += "\nsecond line";
    if (i % 11 == 0) t += std::string("\x01\\\x7f", 3);
    if (i % 13 == 0) t += std::string(3000, 'F');
    texts.push_back(t);
  }
  pmdcon_rec meta{};
  meta.prio = 6;
  meta.flags = PMDCON_REC_CPU | PMDCON_REC_COMM;
  meta.cpu = 1;
  std::strcpy(meta.comm, "ringtest");
  for (size_t i = 0; i < texts.size(); ++i) {
    meta.seq = i;
    meta.ts_usec = 1000000 + i;
    ASSERT_EQ(pmdcon_ring_write(&r.ring, &meta, texts[i].data(),
                                static_cast<uint32_t>(texts[i].size()),
                                "SUBSYSTEM=test", 14),
              1);
  }
  auto e = engine::Engine::Create(r.region->bytes(), kBoot,
                                  ring::StartAt::kOldest, &*r.tx, specs);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(rte_eal_remote_launch(RunTx, e->get(), 1), 0);

  // Expected payloads per target, from an independent encoder.
  std::map<std::string, std::vector<std::string>> want;
  for (const auto& s : specs) {
    auto enc = wire::Encoder::Create(s.format);
    ASSERT_TRUE(enc.ok());
    char buf[PMDCON_WIRE_CHUNK];
    for (size_t i = 0; i < texts.size(); ++i) {
      pmdcon_rec h = meta;
      h.seq = i;
      h.ts_usec = 1000000 + i;
      h.text_len = static_cast<uint16_t>(texts[i].size());
      h.dict_len = 14;
      enc->Begin(h, texts[i].data(), "SUBSYSTEM=test");
      while (uint32_t n = enc->Next(buf)) want[s.name].emplace_back(buf, n);
    }
  }
  const size_t total = want["v4"].size() + want["v6"].size();
  const std::vector<std::string> frames = Receive(*r.rx, total);
  (*e)->Stop();
  rte_eal_wait_lcore(1);
  ASSERT_EQ(frames.size(), total);

  std::map<std::string, size_t> next;
  std::vector<uint16_t> ids;
  for (const std::string& f : frames) {
    const bool v6 = f[12] == '\x86';
    const auto& s = specs[v6 ? 1 : 0];
    const size_t i = next[s.name]++;
    ASSERT_LT(i, want[s.name].size());
    const std::string& payload = want[s.name][i];
    packet::UdpFrame tmpl(s.endpoints);
    std::string expect(tmpl.header_size() + payload.size(), '\0');
    std::memcpy(expect.data() + tmpl.header_size(), payload.data(),
                payload.size());
    uint16_t id = 0;
    if (!v6) {
      id = static_cast<uint16_t>(static_cast<uint8_t>(f[18]) << 8 |
                                 static_cast<uint8_t>(f[19]));
      ids.push_back(id);
    }
    tmpl.Build(reinterpret_cast<uint8_t*>(expect.data()), payload.size(), id);
    ASSERT_EQ(f, expect) << s.name << " frame " << i;
  }
  EXPECT_EQ(next["v4"], want["v4"].size());
  EXPECT_EQ(next["v6"], want["v6"].size());
  // One IP ID counter for all frames: strictly increasing over IPv4 frames.
  for (size_t k = 1; k < ids.size(); ++k) ASSERT_GT(ids[k], ids[k - 1]);
  EXPECT_EQ((*e)->stats(0).records.load(), texts.size());
  EXPECT_GT((*e)->stats(0).fragmented.load(), 0u);
}

// docs/crash-path.md: while the module sends (sender KERNEL) the engine
// sends nothing but keeps its heartbeat; when the module hands the ring back
// it resumes exactly at kernel_tx_id: no record twice, none missing.
TEST(EngineOnNetRing, HoldsWhileTheKernelSendsAndResumesWhereItStopped) {
  Rig r;
  ASSERT_NO_FATAL_FAILURE(MakeRig(g_tx_port2, g_rx_port2, 1u << 20, &r));
  __atomic_store_n(&r.ring.hdr->sender, PMDCON_SENDER_KERNEL, __ATOMIC_RELEASE);
  pmdcon_rec meta{};
  meta.prio = 6;
  for (uint64_t i = 0; i < 100; ++i) {
    meta.seq = i;
    const std::string text = "held " + std::to_string(i);
    ASSERT_EQ(pmdcon_ring_write(&r.ring, &meta, text.data(),
                                static_cast<uint32_t>(text.size()), "", 0),
              1);
  }
  std::vector<engine::TargetSpec> specs = {
      Spec("v4", "10.99.0.1", "10.99.0.2", false)};
  specs[0].format.extended = true;
  auto e = engine::Engine::Create(r.region->bytes(), kBoot,
                                  ring::StartAt::kOldest, &*r.tx, specs);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(rte_eal_remote_launch(RunTx, e->get(), 1), 0);

  constexpr size_t kHeaders = 42;  // Ethernet, IPv4, UDP: then the payload
  const uint64_t hb0 =
      __atomic_load_n(&r.ring.cons->heartbeat, __ATOMIC_ACQUIRE);
  // Spins for a while: nothing may come.
  const std::vector<std::string> held = Receive(*r.rx, 1, kHeaders);
  EXPECT_TRUE(held.empty()) << held.front();
  EXPECT_NE(__atomic_load_n(&r.ring.cons->heartbeat, __ATOMIC_ACQUIRE), hb0)
      << "no heartbeat while held";

  // The module sent records 0..39 and hands back at record 40.
  uint64_t c = __atomic_load_n(&r.ring.hdr->tail, __ATOMIC_ACQUIRE);
  std::vector<uint64_t> buf(r.ring.max_span / 8);
  uint32_t lost;
  for (int i = 0; i < 40; ++i) {
    ASSERT_EQ(pmdcon_ring_read(&r.ring, &c, buf.data(), r.ring.max_span, &lost),
              PMDCON_READ_OK);
  }
  __atomic_store_n(&r.ring.hdr->kernel_tx_id, c, __ATOMIC_RELEASE);
  __atomic_store_n(&r.ring.hdr->sender, PMDCON_SENDER_CONSUMER,
                   __ATOMIC_RELEASE);
  // Asks for one more than should come.
  const std::vector<std::string> got = Receive(*r.rx, 61, kHeaders);
  (*e)->Stop();
  rte_eal_wait_lcore(1);
  ASSERT_EQ(got.size(), 60u);
  for (size_t i = 0; i < got.size(); ++i) {
    const std::string seq = std::to_string(40 + i);
    EXPECT_EQ(got[i], "6," + seq + ",0,-;held " + seq + "\n");
  }
  EXPECT_EQ(__atomic_load_n(&r.ring.cons->tx_id, __ATOMIC_ACQUIRE),
            __atomic_load_n(&r.ring.hdr->head, __ATOMIC_ACQUIRE));
}

// No record lost silently: a producer laps the engine while a short link
// (1023 slots, 511 mbufs: it can hold them all) pushes back and mbufs run
// out, then the link
// drains. Every record written either arrives or lies in a range a loss
// notice announced, and the notices announce exactly what the engine lost.
TEST(EngineOnNetRing, EveryLossUnderBackpressureIsAnnounced) {
  Rig r;
  ASSERT_NO_FATAL_FAILURE(
      MakeRig(g_tx_port3, g_rx_port3, 256u << 10, &r, /*tx_mbufs=*/511));
  std::vector<engine::TargetSpec> specs = {
      Spec("v4", "10.99.0.1", "10.99.0.2", true)};
  auto e = engine::Engine::Create(r.region->bytes(), kBoot,
                                  ring::StartAt::kOldest, &*r.tx, specs);
  ASSERT_TRUE(e.ok()) << e.status();
  ASSERT_EQ(rte_eal_remote_launch(RunTx, e->get(), 1), 0);

  constexpr uint64_t kRecords = 20000;  // about 15 laps of the ring
  constexpr size_t kHeaders = 42;
  const std::string pad(150, 'p');
  wire::Reassembler reasm({});
  struct Sink : wire::MessageSink {
    uint64_t records = 0;
    void OnMessage(const wire::Message&) override { ++records; }
  } sink;
  const wire::SourceKey src{.family = 4};
  uint64_t payloads = 0;
  auto drain = [&](int polls) {
    for (int i = 0; i < polls; ++i) {
      rte_mbuf* m[32];
      const uint16_t n = r.rx->RxBurst(m, 32);
      for (uint16_t k = 0; k < n; ++k) {
        reasm.Feed(
            src,
            std::string_view(rte_pktmbuf_mtod(m[k], const char*) + kHeaders,
                             m[k]->data_len - kHeaders),
            0, sink);
        rte_pktmbuf_free(m[k]);
      }
      payloads += n;
    }
  };
  pmdcon_rec meta{};
  meta.prio = 6;
  const engine::TargetStats& st = (*e)->stats(0);
  for (uint64_t i = 0; i < kRecords; ++i) {
    meta.seq = i;
    meta.ts_usec = i;
    const std::string text = "lap " + std::to_string(i) + " " + pad;
    ASSERT_EQ(pmdcon_ring_write(&r.ring, &meta, text.data(),
                                static_cast<uint32_t>(text.size()), "", 0),
              1);
    // First the link fills and takes every mbuf (up to 2 s), then the
    // producer laps the engine while the link drains in spurts.
    for (int ms = 0; i == 999 && st.mbuf_waits == 0 && ms < 2000; ++ms) {
      rte_delay_us_sleep(1000);
    }
    if (i % 1000 == 999) drain(4);
    if (i % 100 == 99) rte_delay_us_sleep(20);  // the engine gets to run
  }
  // Then everything, up to the last record.
  for (int i = 0; i < 1000; ++i) {
    const wire::SourceStats* got = reasm.Stats(src);
    if (got && got->last_seq == kRecords - 1) break;
    drain(10000);
  }
  (*e)->Stop();
  rte_eal_wait_lcore(1);

  const wire::SourceStats* rx = reasm.Stats(src);
  ASSERT_NE(rx, nullptr);
  SCOPED_TRACE(::testing::Message()
               << "engine: lost " << st.lost << ", notices " << st.notices
               << ", mbuf waits " << st.mbuf_waits << "; received: records "
               << rx->records << ", announced lost " << rx->announced_lost
               << ", missing " << rx->missing);
  EXPECT_GT(st.lost.load(), 0u) << "the producer never lapped the engine";
  EXPECT_GT(st.mbuf_waits.load(), 0u) << "mbufs never ran out";
  EXPECT_EQ(rx->missing, 0u) << "a silent gap";
  EXPECT_EQ(rx->announced_lost, st.lost.load());
  EXPECT_EQ(rx->records - st.notices.load() + rx->announced_lost, kRecords);
  EXPECT_EQ(rx->last_seq, kRecords - 1);
}

}  // namespace
}  // namespace pmdcon

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  ::testing::AddGlobalTestEnvironment(new pmdcon::Eal);
  return RUN_ALL_TESTS();
}
