// pmdcon-rx as the judge of pmdcon's tests: what its oracle options ask of
// every source and every output, checked against what arrived. Pure: the
// caller gathers the sources' stats and the outputs' undelivered counts.
//
//   auto expect = rx::ParseRanges({"0-999"});
//   rx::Oracle oracle({.fail_on_gap = true, .expect = *expect});
//   for each source: oracle.Source(key, stats);
//   oracle.Undelivered("relp://10.0.0.9:2514", n);
//   std::fputs(oracle.report().c_str(), stderr);
//   return oracle.failures() ? 1 : 0;
#ifndef PMDCON_RX_ORACLE_H_
#define PMDCON_RX_ORACLE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "wire/reassembler.h"

namespace pmdcon::rx {

struct SeqRange {
  uint64_t first = 0, last = 0;
};

// --expect's "FIRST-LAST" specs; an error names the one that is not.
absl::StatusOr<std::vector<SeqRange>> ParseRanges(
    const std::vector<std::string>& specs);

class Oracle {
 public:
  struct Options {
    bool fail_on_gap = false;        // seqs missing silently
    bool fail_on_loss = false;       // gaps, announced losses, undelivered
    bool fail_on_malformed = false;  // malformed payloads, failed reassembly
    std::vector<SeqRange> expect;    // every source delivers these whole
  };
  explicit Oracle(Options options) : options_(std::move(options)) {}

  void Source(const wire::SourceKey& key, const wire::SourceStats& st);
  // Records an output could not deliver (its queue was full, or it still
  // held them at exit): reported always, a failure with fail_on_loss.
  void Undelivered(std::string_view output, uint64_t records);
  // Datagrams of a capture whose checksums were wrong.
  void BadChecksums(std::string_view capture, uint64_t datagrams);

  // Failures so far, counting "no records at all" when ranges were expected.
  int failures() const;
  // A line per finding, "FAIL: " first where it is one.
  std::string report() const;

 private:
  void Fail(std::string line);

  Options options_;
  int failures_ = 0;
  bool any_records_ = false;
  std::string report_;
};

}  // namespace pmdcon::rx

#endif  // PMDCON_RX_ORACLE_H_
