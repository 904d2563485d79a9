// The netconsole acknowledgement protocol (netconsd's ncrx), the pure parts:
// the receiver's datagram, and the sender's emergency retransmission timing.
//
// Receiver to sender, one UDP datagram of at most 1000 bytes:
//   "ncrx<ack-seq>[ <missing-seq>]..."
// ack-seq is the last seq the receiver retired in order; each missing seq
// asks for that record again.
//
//   reliable::Ack a;
//   if (reliable::ParseAck(datagram, &a) == reliable::AckError::kNone) ...
//   char out[reliable::kAckMax];
//   size_t n = reliable::FormatAck(acked, missing, out);
//
// No I/O, no allocation: the parser fills a fixed array.
#ifndef PMDCON_RELIABLE_ACK_H_
#define PMDCON_RELIABLE_ACK_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string_view>

namespace pmdcon::reliable {

inline constexpr size_t kAckMax = 1000;  // bytes of a response, as ncrx
// A response of 1000 bytes holds at most this many " N" tokens.
inline constexpr size_t kAckMaxMissing = (kAckMax - 5) / 2;

// Stream start. A receiver cannot know that a stream's first records were
// lost: it starts where its first arrival is. So a reliable sender marks the
// records of a new stream with ",ncfirst=<its first seq>" until a response
// arrives (the receiver then has one of them), within the stream's first
// kFirstSpan seqs; a receiver whose first arrival says so treats the seqs
// before it as missing. Nothing retired yet, it acks <first> - 1 (mod 2^64).
inline constexpr uint64_t kFirstSpan = 65536;

struct Ack {
  uint64_t acked = 0;  // the last seq retired in order
  size_t missing_count = 0;
  std::array<uint64_t, kAckMaxMissing> missing;  // first missing_count valid

  std::span<const uint64_t> requests() const {
    return {missing.data(), missing_count};
  }
};

enum class AckError {
  kNone,
  kTooLong,    // more than kAckMax bytes
  kNotNcrx,    // does not start with "ncrx"
  kBadNumber,  // a token that is not a decimal seq (or overflows)
};
std::string_view AckErrorName(AckError e);

// Parses one response datagram. Tokens are separated by single spaces, as
// ncrx writes them; a trailing newline is tolerated.
AckError ParseAck(std::string_view datagram, Ack* out);

// Writes "ncrx<acked>" and as many " <missing>" as fit in `limit` bytes
// (at most kAckMax) into out[kAckMax]; returns the length, 0 if not even
// "ncrx<acked>" fits. Missing seqs that did not fit are left out, as ncrx
// does; *written (if given) says how many went in.
size_t FormatAck(uint64_t acked, std::span<const uint64_t> missing, char* out,
                 size_t* written = nullptr, size_t limit = kAckMax);

}  // namespace pmdcon::reliable

#endif  // PMDCON_RELIABLE_ACK_H_
