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
#include "services/relationships/relationship_store.h"

namespace trustsphere::relationships {

class Viewer {
 public:
  Viewer(const Caller& caller, const RelationshipStore& store, const storage::Snapshot* snapshot)
      : caller_(caller), store_(store), snapshot_(snapshot) {}

  bool CanSee(const std::string& truster, const std::string& trustee, v1::Visibility visibility);
  bool CanSee(const v1::TrustStatement& statement) {
    return CanSee(statement.truster_id(), statement.trustee_id(), statement.visibility());
  }
  // Both statements of the mutual reference (person, other) are visible, so
  // the reference itself may be shown or followed.
  bool CanSeeEdge(const std::string& person, const std::string& other,
                  const internal::ReferenceEdge& edge) {
    return CanSee(person, other, edge.outgoing_visibility()) &&
           CanSee(other, person, edge.incoming_visibility());
  }

  const Caller& caller() const { return caller_; }
  const absl::Status& status() const { return status_; }

 private:
  bool IsCallersReference(const std::string& person);

  const Caller& caller_;
  const RelationshipStore& store_;
  const storage::Snapshot* snapshot_;
  absl::flat_hash_map<std::string, bool> references_;
  absl::Status status_;
};

}  // namespace trustsphere::relationships
