#pragma once

// What one caller may see, by the visibility rules:
//   PRIVATE  the truster;   TRUSTEE  also the trustee;
//   NETWORK  also the mutual references of the truster or of the trustee;
//   PUBLIC   any authenticated caller;  operators and services see all.
// Being someone's mutual reference counts only when the caller can see that
// person's statement about them (a PRIVATE statement grants nothing).
//
// One Viewer serves one request: it remembers the caller's references it
// looked up. Storage errors fail closed (nothing more is visible) and are
// kept in status() for the request to report.

#include <string>

#include "absl/container/flat_hash_map.h"
#include "absl/status/status.h"
#include "services/common/core/caller.h"
#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

class Viewer {
 public:
  // Reads the caller's references through `reader` (the request's view).
  Viewer(const Caller& caller, TrustReader& reader) : caller_(caller), reader_(reader) {}

  bool CanSee(const std::string& truster, const std::string& trustee, v1::Visibility visibility);
  bool CanSee(const v1::TrustStatement& statement) {
    return CanSee(statement.truster_id(), statement.trustee_id(), statement.visibility());
  }
  // Both statements of the mutual reference (person, other) are visible, so
  // the reference itself may be shown or followed.
  bool CanSeeEdge(const std::string& person, const ReferenceEdge& edge) {
    return CanSee(person, edge.other, edge.outgoing) && CanSee(edge.other, person, edge.incoming);
  }

  const Caller& caller() const { return caller_; }
  const absl::Status& status() const { return status_; }

 private:
  bool IsCallersReference(const std::string& person);

  const Caller& caller_;
  TrustReader& reader_;
  absl::flat_hash_map<std::string, bool> references_;
  absl::Status status_;
};

}  // namespace trustsphere::relationships
