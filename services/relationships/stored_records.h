#pragma once

// The records every relationships store keeps as they are (records.proto):
// a request's answer and a change-log entry, turned from and back into
// the port's types, so that each store differs only in where it puts them.

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "records.pb.h"
#include "services/relationships/trust_store.h"

namespace trustsphere::relationships {

// INTERNAL when the answer is not a serialised statement.
absl::StatusOr<internal::RequestRecord> StoredRequest(const RequestRecord& request);
RequestRecord LoadedRequest(const RequestKey& key, const internal::RequestRecord& stored);

// The change-log entry of `change`, committed now.
internal::ChangeRecord ChangeRecordOf(const StatementChange& change);
// What every change-log entry of an erased statement becomes.
internal::ChangeRecord ErasedChangeRecord(const std::string& truster, const std::string& trustee);
TrustChangeEntry EntryOf(uint64_t sequence, internal::ChangeRecord record);

}  // namespace trustsphere::relationships
