#include "services/recommendations/recommendation_store.h"

#include <algorithm>

#include "services/common/core/proto_time.h"

namespace trustsphere::recommendations {

void RecommendationWrite::PutRecommendation(v1::Recommendation recommendation, bool new_version,
                                            bool created,
                                            std::optional<v1::Recommendation> previous) {
  recommendations_.push_back(
      {std::move(recommendation), new_version, created, std::move(previous)});
}

void RecommendationWrite::PutRequest(v1::RecommendationRequest request, bool created,
                                     std::optional<v1::RecommendationRequest> previous) {
  requests_.push_back({std::move(request), created, std::move(previous)});
}

void RecommendationWrite::PutShare(internal::ShareRecord share, bool created,
                                   std::optional<internal::ShareRecord> previous) {
  shares_.push_back({std::move(share), created, std::move(previous)});
}

void RecommendationWrite::AppendAccess(std::string person, v1::AccessEntry entry,
                                       std::string entry_id) {
  accesses_.push_back({std::move(person), std::move(entry), std::move(entry_id)});
}

void RecommendationWrite::EraseRecommendation(v1::Recommendation stored) {
  erased_recommendations_.push_back(std::move(stored));
}

void RecommendationWrite::EraseRequest(v1::RecommendationRequest stored) {
  erased_requests_.push_back(std::move(stored));
}

void RecommendationWrite::EraseShare(internal::ShareRecord stored) {
  erased_shares_.push_back(std::move(stored));
}

// What a read of `entry` still says once `person` is erased: nullopt when
// it was a read of their dossier (it leaves every log), else the entry
// without their recommendations.
std::optional<v1::AccessEntry> AccessWithout(const v1::AccessEntry& entry,
                                             const std::string& person) {
  if (entry.subject_id() == person) return std::nullopt;
  v1::AccessEntry kept = entry;
  kept.clear_recommendation_ids();
  kept.clear_shown();
  for (const auto& shown : entry.shown()) {
    if (shown.author_id() == person) continue;
    kept.add_recommendation_ids(shown.recommendation_id());
    *kept.add_shown() = shown;
  }
  return kept;
}

std::vector<std::string> ReadersOf(const v1::AccessEntry& entry) {
  std::vector<std::string> readers = {entry.subject_id()};
  for (const auto& shown : entry.shown()) {
    if (std::find(readers.begin(), readers.end(), shown.author_id()) == readers.end()) {
      readers.push_back(shown.author_id());
    }
  }
  return readers;
}

void RecommendationWrite::BlockRequester(std::string author, v1::BlockedRequester blocked) {
  blocks_.push_back({std::move(author), std::move(blocked)});
}

void RecommendationWrite::UnblockRequester(std::string author, std::string requester) {
  unblocks_.emplace_back(std::move(author), std::move(requester));
}

void RecommendationWrite::SetTrustCursor(std::string cursor, std::string expected) {
  trust_cursor_ = std::move(cursor);
  expected_trust_cursor_ = std::move(expected);
}

void RecommendationWrite::RecordRequest(std::optional<RequestRecord> record) {
  if (record) request_records_.push_back(std::move(*record));
}

internal::RequestRecord StoredRequest(const RequestRecord& request) {
  internal::RequestRecord record;
  record.set_fingerprint(request.fingerprint);
  record.set_recommendation_id(request.response);
  *record.mutable_create_time() = ToProto(request.create_time);
  return record;
}

RequestRecord LoadedRequest(const RequestKey& key, const internal::RequestRecord& stored) {
  return RequestRecord{.key = key,
                       .fingerprint = stored.fingerprint(),
                       .response = stored.recommendation_id(),
                       .create_time = FromProto(stored.create_time())};
}

}  // namespace trustsphere::recommendations
