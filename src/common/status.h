// Small helpers that Abseil 20220623 lacks: early-return macros for
// absl::Status and absl::StatusOr.
#ifndef PMDCON_COMMON_STATUS_H_
#define PMDCON_COMMON_STATUS_H_

#include "absl/status/status.h"
#include "absl/status/statusor.h"

#define PMDCON_CONCAT_INNER_(a, b) a##b
#define PMDCON_CONCAT_(a, b) PMDCON_CONCAT_INNER_(a, b)

// Returns from the enclosing function if `expr` (an absl::Status) is not OK.
#define PMDCON_RETURN_IF_ERROR(expr)                                \
  do {                                                              \
    if (absl::Status pmdcon_status_ = (expr); !pmdcon_status_.ok()) \
        [[unlikely]] {                                              \
      return pmdcon_status_;                                        \
    }                                                               \
  } while (false)

// `PMDCON_ASSIGN_OR_RETURN(auto x, MakeX());` declares x from the value of a
// StatusOr, or returns its error.
#define PMDCON_ASSIGN_OR_RETURN(lhs, expr)                                  \
  PMDCON_ASSIGN_OR_RETURN_IMPL_(PMDCON_CONCAT_(pmdcon_sor_, __LINE__), lhs, \
                                expr)
#define PMDCON_ASSIGN_OR_RETURN_IMPL_(tmp, lhs, expr) \
  auto tmp = (expr);                                  \
  if (!tmp.ok()) [[unlikely]]                         \
    return tmp.status();                              \
  lhs = *std::move(tmp)

#endif  // PMDCON_COMMON_STATUS_H_
