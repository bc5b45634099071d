#pragma once

// What every TrustStore must do, as one parameterised suite: each
// implementation instantiates it with a factory of fresh stores, e.g.
//
//   INSTANTIATE_TEST_SUITE_P(
//       RocksDb, TrustStoreConformance,
//       ::testing::Values(testing::OpenUnsynced<TrustStore, RocksDbTrustStore>));
//
// The suite covers every query, cursor resumption, the atomicity of Apply
// (a statement, its indexes, counts and change entry together), the order
// of the change log, idempotency records and secrets.

#include <string>
#include <vector>

#include "absl/time/clock.h"
#include "services/relationships/trust_store.h"
#include "tests/support/store_conformance.h"

namespace trustsphere::relationships {

// What the store tests share.
inline common::v1::Facet Competency(const std::string& key) {
  common::v1::Facet facet;
  facet.set_kind(common::v1::FACET_KIND_COMPETENCY);
  facet.set_key(key);
  return facet;
}
inline v1::TrustStatement ActiveStatement(const std::string& truster, const std::string& trustee) {
  v1::TrustStatement statement;
  statement.set_truster_id(truster);
  statement.set_trustee_id(trustee);
  statement.set_state(v1::TRUST_STATE_ACTIVE);
  return statement;
}
inline bool All(const v1::TrustStatement&) { return true; }
// Writes `created` (new) with the record of the request it answered.
inline absl::Status CreateAnswering(TrustStore& store, const v1::TrustStatement& created,
                                    const RequestKey& request) {
  return store
      .Apply({{.after = created, .kind = v1::CHANGE_KIND_CREATED}},
             RequestRecord{.key = request,
                           .fingerprint = "f",
                           .response = created.SerializeAsString(),
                           .create_time = absl::Now()})
      .status();
}
inline bool AllEdges(const ReferenceEdge&) { return true; }

class TrustStoreConformance : public testing::StoreConformanceTest<TrustStore> {
 protected:
  // Applies truster's new statement about trustee (active, with `inside`
  // competencies), read under no lock: tests write one pair at a time.
  v1::TrustStatement Put(const std::string& truster, const std::string& trustee,
                         v1::Visibility visibility = v1::VISIBILITY_TRUSTEE,
                         const std::vector<std::string>& inside = {});
  v1::TrustStatement Revoke(const std::string& truster, const std::string& trustee);
  // The change of truster's statement about trustee to `after`, with the
  // current state read from the store.
  StatementChange ChangeTo(v1::TrustStatement after, v1::ChangeKind kind);
  // The erasure of truster's stored statement about trustee, with the
  // current state read from the store (trust_store_erasure_conformance.cc).
  StatementChange Erasure(const std::string& truster, const std::string& trustee);
};

}  // namespace trustsphere::relationships
