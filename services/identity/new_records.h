#pragma once

// The records a new person or position is stored as, built the same way
// whether they come from sign-up, AddPosition or an import.

#include <string>

#include "absl/time/time.h"
#include "records.pb.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere::identity {

// `input` holds validated client fields; output-only fields are set here.
internal::PersonRecord NewPersonRecord(const v1::Person& input, const std::string& id,
                                       const std::string& password_hash,
                                       const std::string& normalized_email, absl::Time now);

v1::Position NewPosition(const v1::Position& input, const std::string& id,
                         const std::string& person_id, absl::Time now);

}  // namespace trustsphere::identity
