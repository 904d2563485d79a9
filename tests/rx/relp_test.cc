#include "rx/sinks/relp.h"

#include <string>

#include "gtest/gtest.h"

namespace pmdcon::relp {
namespace {

// Takes everything the session wants written.
std::string Drain(Session& s) {
  std::string out(s.Output());
  s.Consume(out.size());
  return out;
}

// A server's answer frame: TXNR rsp DATALEN DATA LF.
std::string Rsp(uint32_t txnr, const std::string& data) {
  return std::to_string(txnr) + " rsp " + std::to_string(data.size()) + " " +
         data + "\n";
}

// What librelp's server answers to "open".
const std::string kOpenOk =
    Rsp(1,
        "200 OK\nrelp_version=0\nrelp_software=librelp,1.11.0,"
        "http://librelp.adiscon.com\ncommands=syslog");
const std::string kOk2 = Rsp(2, "200 OK");

TEST(Session, OpensThenSendsQueuedMessagesInOrder) {
  Session s;
  EXPECT_TRUE(s.Enqueue("<6>1 - h a - - - one"));
  EXPECT_TRUE(s.Enqueue("<6>1 - h a - - - two"));
  s.Connected(0);
  EXPECT_EQ(s.state(), State::kOpening);
  EXPECT_EQ(Drain(s),
            "1 open 54 relp_version=0\nrelp_software=pmdcon-rx\n"
            "commands=syslog\n");
  s.OnInput(kOpenOk, 10);
  ASSERT_EQ(s.state(), State::kOpen) << s.error();
  EXPECT_EQ(Drain(s),
            "2 syslog 20 <6>1 - h a - - - one\n"
            "3 syslog 20 <6>1 - h a - - - two\n");
  EXPECT_EQ(s.pending(), 2u);
  s.OnInput("2 rsp 6 200 OK\n3 rsp 6 2", 20);  // the second one split
  EXPECT_EQ(s.pending(), 1u);
  s.OnInput("00 OK\n", 21);
  EXPECT_EQ(s.pending(), 0u);
  EXPECT_EQ(s.pending_bytes(), 0u);
  EXPECT_EQ(s.stats().acknowledged, 2u);
  EXPECT_EQ(s.NextDeadline(), UINT64_MAX);
}

TEST(Session, WindowBoundsWhatIsInFlight) {
  Session s({.window = 2});
  s.Connected(0);
  Drain(s);
  s.OnInput(kOpenOk, 1);
  for (int i = 0; i < 5; ++i) ASSERT_TRUE(s.Enqueue("m"));
  EXPECT_EQ(Drain(s), "2 syslog 1 m\n3 syslog 1 m\n");
  s.OnInput(kOk2, 2);
  EXPECT_EQ(Drain(s), "4 syslog 1 m\n");
}

TEST(Session, ResendsWhatWasInFlightOnTheNextConnection) {
  Session s;
  s.Connected(0);
  s.OnInput(kOpenOk, 1);
  s.Enqueue("a");
  s.Enqueue("b");
  s.Enqueue("c");
  Drain(s);
  s.OnInput(kOk2, 2);  // a delivered; b and c unanswered
  s.Disconnected();
  EXPECT_EQ(s.state(), State::kDisconnected);
  EXPECT_EQ(s.stats().resent, 2u);
  s.Connected(100);
  Drain(s);
  s.OnInput(kOpenOk, 101);
  EXPECT_EQ(Drain(s), "2 syslog 1 b\n3 syslog 1 c\n");  // txnr restarts
}

TEST(Session, ServerCloseBreaksAndKeepsTheMessages) {
  Session s;
  s.Connected(0);
  s.OnInput(kOpenOk, 1);
  s.Enqueue("a");
  Drain(s);
  s.OnInput("0 serverclose 0\n", 2);
  EXPECT_EQ(s.state(), State::kBroken);
  EXPECT_NE(s.error().find("closed"), std::string::npos);
  s.Disconnected();
  EXPECT_EQ(s.pending(), 1u);
}

TEST(Session, RefusalsAndGarbageBreakTheSession) {
  for (const std::string& answer :
       {Rsp(2, "500 Internal Error"), Rsp(9, "200 OK"),
        std::string("2 nonsense 0\n"), std::string("x rsp 6 200 OK\n"),
        std::string("2 rsp 6 200 OKX"), std::string("2 rsp 999999999 200\n"),
        std::string("2 rsp\n")}) {
    Session s;
    s.Connected(0);
    s.OnInput(kOpenOk, 1);
    s.Enqueue("a");
    Drain(s);
    s.OnInput(answer, 2);
    EXPECT_EQ(s.state(), State::kBroken) << answer;
    EXPECT_FALSE(s.error().empty()) << answer;
    EXPECT_EQ(s.pending(), 1u) << answer;
  }
}

TEST(Session, OpenRefused) {
  Session s;
  s.Connected(0);
  s.OnInput(Rsp(1, "500 not supported"), 1);
  EXPECT_EQ(s.state(), State::kBroken);
  EXPECT_NE(s.error().find("500 not supported"), std::string::npos);
}

TEST(Session, QueueIsBounded) {
  Session s({.max_queued_bytes = 10});
  EXPECT_TRUE(s.Enqueue("12345"));
  EXPECT_TRUE(s.Enqueue("12345"));
  EXPECT_FALSE(s.Enqueue("1"));
  EXPECT_EQ(s.stats().refused, 1u);
  EXPECT_EQ(s.pending_bytes(), 10u);
}

TEST(Session, TimesOutWithoutAnAnswer) {
  Session s({.answer_timeout_us = 1000});
  s.Connected(0);
  EXPECT_EQ(s.NextDeadline(), 1000u);
  s.OnTime(999);
  EXPECT_EQ(s.state(), State::kOpening);
  s.OnTime(1000);
  EXPECT_EQ(s.state(), State::kBroken);
  // A message's answer is awaited from when it went out.
  Session m({.answer_timeout_us = 1000});
  m.Connected(0);
  m.OnInput(kOpenOk, 500);
  EXPECT_EQ(m.NextDeadline(), UINT64_MAX);  // nothing in flight
  m.Enqueue("a");
  EXPECT_EQ(m.NextDeadline(), 1500u);
  m.OnTime(1499);
  EXPECT_EQ(m.state(), State::kOpen);
  m.OnTime(1500);
  EXPECT_EQ(m.state(), State::kBroken);
}

TEST(Session, AnAnswerLargerThanAnyIsRefused) {
  Session s;
  s.Connected(0);
  s.OnInput(std::string(200000, '1'), 1);
  EXPECT_EQ(s.state(), State::kBroken);
}

}  // namespace
}  // namespace pmdcon::relp
