#include "rx/oracle.h"

#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "common/strings.h"
#include "rx/format/output.h"
#include "wire/decoder.h"

namespace pmdcon::rx {

absl::StatusOr<std::vector<SeqRange>> ParseRanges(
    const std::vector<std::string>& specs) {
  std::vector<SeqRange> out;
  for (const std::string& s : specs) {
    std::vector<std::string> parts = absl::StrSplit(s, '-');
    SeqRange r;
    if (parts.size() != 2 || !ParseDecimal(parts[0], &r.first) ||
        !ParseDecimal(parts[1], &r.last) || r.first > r.last) {
      return absl::InvalidArgumentError(
          absl::StrCat("--expect: \"", s, "\" is not FIRST-LAST"));
    }
    out.push_back(r);
  }
  return out;
}

void Oracle::Fail(std::string line) {
  ++failures_;
  absl::StrAppend(&report_, "FAIL: ", line, "\n");
}

void Oracle::Source(const wire::SourceKey& key, const wire::SourceStats& st) {
  any_records_ = any_records_ || st.records > 0;
  const std::string name = SourceName(key);
  if ((options_.fail_on_gap || options_.fail_on_loss) &&
      (st.missing > 0 || st.gaps_dropped > 0)) {
    Fail(absl::StrCat(name, ": ", st.missing, " records missing"));
  }
  if (options_.fail_on_loss && st.announced_lost > 0) {
    Fail(
        absl::StrCat(name, ": ", st.announced_lost, " records announced lost"));
  }
  if (options_.fail_on_malformed &&
      (st.malformed > 0 || st.reassembly_failures > 0)) {
    Fail(absl::StrCat(name, ": ", st.malformed, " malformed, ",
                      st.reassembly_failures, " reassembly failures"));
  }
  for (const SeqRange& r : options_.expect) {
    if (!wire::Complete(st, r.first, r.last)) {
      Fail(absl::StrCat(name, ": seq ", r.first, "-", r.last, " incomplete"));
    }
  }
}

void Oracle::Undelivered(std::string_view output, uint64_t records) {
  if (records == 0) return;
  std::string line =
      absl::StrCat(AsAbsl(output), ": ", records, " records not delivered");
  if (options_.fail_on_loss) {
    Fail(std::move(line));
  } else {
    absl::StrAppend(&report_, line, "\n");
  }
}

void Oracle::BadChecksums(std::string_view capture, uint64_t datagrams) {
  if (options_.fail_on_malformed && datagrams > 0) {
    Fail(absl::StrCat("bad checksums in ", AsAbsl(capture)));
  }
}

int Oracle::failures() const {
  return failures_ + (!options_.expect.empty() && !any_records_);
}

std::string Oracle::report() const {
  if (options_.expect.empty() || any_records_) return report_;
  return absl::StrCat(report_, "FAIL: no records received, ",
                      options_.expect.size(), " ranges expected\n");
}

}  // namespace pmdcon::rx
