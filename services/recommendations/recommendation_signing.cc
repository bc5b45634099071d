// Signed recommendations (signed_export.h): exported by the author or the
// subject, verified here for anyone, and the keys published for offline
// checks.

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "nlohmann/json.hpp"
#include "services/common/auth/jws.h"
#include "services/common/core/validation.h"
#include "services/recommendations/recommendation_logic.h"
#include "services/recommendations/signed_export.h"

namespace trustsphere::recommendations {

absl::StatusOr<v1::ExportSignedRecommendationResponse>
RecommendationLogic::ExportSignedRecommendation(
    const Caller& caller, const v1::ExportSignedRecommendationRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  auto recommendation = Visible(caller, request.id());
  if (!recommendation.ok()) return recommendation.status();
  if (caller.person_id != recommendation->author_id() &&
      caller.person_id != recommendation->subject_id()) {
    return absl::PermissionDeniedError("the author or the subject exports a recommendation");
  }
  if (recommendation->state() == v1::RECOMMENDATION_STATE_WITHDRAWN ||
      recommendation->state() == v1::RECOMMENDATION_STATE_STALE) {
    return absl::FailedPreconditionError("a withdrawn or stale recommendation is not signed");
  }
  // Names as they are at signing time.
  auto author = identity_->GetPerson(recommendation->author_id(), caller.deadline);
  if (!author.ok()) return author.status();
  auto subject = identity_->GetPerson(recommendation->subject_id(), caller.deadline);
  if (!subject.ok()) return subject.status();

  v1::ExportSignedRecommendationResponse response;
  response.set_jws(SignRecommendation(*recommendation, author->display_name(),
                                      subject->display_name(), absl::Now(), signing_key_));
  return response;
}

absl::StatusOr<v1::VerifyRecommendationResponse> RecommendationLogic::VerifyRecommendation(
    const Caller&, const v1::VerifyRecommendationRequest& request) {
  if (request.jws().empty()) return InvalidField("jws", "required");
  // An export carries at most 5,000 characters of text and a few ids: far
  // less than this once encoded.
  constexpr size_t kMaxJwsBytes = 64 << 10;
  if (request.jws().size() > kMaxJwsBytes) {
    return InvalidField("jws", absl::StrCat("at most ", kMaxJwsBytes, " bytes"));
  }
  v1::VerifyRecommendationResponse response;
  auto verified = VerifyCompactJws(request.jws(), {{signing_key_.key_id, signing_key_.public_key}},
                                   kMaxJwsBytes);
  if (!verified.ok()) {
    response.set_reason(std::string(verified.status().message()));
    return response;
  }
  const nlohmann::json& payload = verified->payload;
  if (payload.value("typ", "") != kSignedRecommendationType || !payload.contains("id") ||
      !payload["id"].is_string() || !payload.contains("version") ||
      !payload["version"].is_number_integer()) {
    response.set_reason("signed by us, but not a recommendation");
    return response;
  }
  response.set_valid(true);
  auto found = store_->Recommendation(payload["id"].get<std::string>());
  if (!found.ok()) return found.status();
  if (!found->has_value()) {
    response.set_reason("unknown to this service");
    return response;
  }
  const v1::Recommendation* current = &**found;
  response.set_state(current->state());
  response.set_current_version(current->version());
  const int signed_version = payload["version"].get<int>();
  if (current->state() == v1::RECOMMENDATION_STATE_WITHDRAWN) {
    response.set_reason("withdrawn by the author");
  } else if (current->state() == v1::RECOMMENDATION_STATE_STALE) {
    response.set_reason("stale: the author's trust no longer covers it");
  } else if (signed_version < current->version()) {
    response.set_reason(absl::StrCat("superseded by version ", current->version()));
  } else {
    response.set_current(true);
  }
  return response;
}

absl::StatusOr<v1::GetPublicKeysResponse> RecommendationLogic::GetPublicKeys(
    const Caller&, const v1::GetPublicKeysRequest&) {
  v1::GetPublicKeysResponse response;
  auto* key = response.add_keys();
  key->set_key_id(signing_key_.key_id);
  key->set_algorithm("EdDSA");
  key->set_public_key(signing_key_.public_key);
  return response;
}

}  // namespace trustsphere::recommendations
