#pragma once

// How many statements one person may make: the one place the limits are
// decided, for PutTrust and ImportTrust alike. Every limit counts only the
// truster's own statements, which the truster sees: a refusal tells nothing
// about anyone else's statements (a hidden statement to a person weighs
// nothing in what others may state about them), and nobody can stop others
// from trusting a chosen person.

#include <cstdint>

#include "absl/status/status.h"
#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

struct StatementLimits {
  // Active statements a person holds.
  int64_t max_active = 1000;
  // Statements a person keeps, revoked ones included: the history is
  // bounded, far above what a working life needs, while revoking still
  // frees a place among the active ones.
  int64_t max_kept = 10000;
  // Active statements waiting for an answer the truster can see: what one
  // account may make a flood of. Answered or revoked, a place frees.
  int64_t max_unanswered = 200;
};

// RESOURCE_EXHAUSTED, saying which limit, when `change` would take its
// truster (whose counts before it are `truster`) past one; a change that
// adds nothing to a count is never refused by it.
absl::Status CheckLimits(const StatementLimits& limits, const StatementCounts& truster,
                         const StatementChange& change);

}  // namespace trustsphere::relationships
