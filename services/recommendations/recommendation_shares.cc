// Shares of RecommendationLogic: what a subject shows a recruiter, the
// dossier the recruiter reads with the share token, and the log of reads.

#include <sodium.h>

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/concurrently.h"
#include "services/common/core/crypto.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/validation.h"
#include "services/recommendations/recommendation_logic.h"
#include "services/recommendations/shared_dossier.h"

namespace trustsphere::recommendations {
namespace {

constexpr size_t kTokenBytes = 32;
constexpr size_t kMaxRecruiter = 200;
constexpr absl::Duration kMaxShareLifetime = absl::Hours(24 * 90);

// Unknown, expired and revoked tokens all answer the same.
// Share tokens are 43 characters; this leaves room for other encodings.
constexpr size_t kMaxTokenChars = 64;

absl::Status NoSuchShare() { return absl::NotFoundError("no such share, or it has ended"); }

// Where a dossier's reader finds the keys of its signed recommendations.
constexpr char kPublicKeysMethod[] =
    "trustsphere.recommendations.v1.RecommendationService/GetPublicKeys";

}  // namespace

absl::StatusOr<v1::CreateShareResponse> RecommendationLogic::CreateShare(
    const Caller& caller, const v1::CreateShareRequest& request) {
  if (!caller.Has(Role::kUser)) return absl::PermissionDeniedError("only a person shares");
  const v1::Share& input = request.share();
  FieldErrors errors;
  CheckText(errors, "share.recruiter", input.recruiter(), 1, kMaxRecruiter);
  if (input.recommendation_ids().empty() ||
      input.recommendation_ids_size() > kMaxSharedRecommendations) {
    errors.Add("share.recommendation_ids",
               absl::StrCat("1 to ", kMaxSharedRecommendations, " recommendations"));
  }
  std::set<std::string> unique;
  for (int i = 0; i < input.recommendation_ids_size(); ++i) {
    const std::string field = absl::StrCat("share.recommendation_ids[", i, "]");
    CheckId(errors, field, input.recommendation_ids(i));
    if (!unique.insert(input.recommendation_ids(i)).second) errors.Add(field, "duplicate");
  }
  absl::Time now = absl::Now();
  absl::Time expire = FromProto(input.expire_time());
  if (!input.has_expire_time() || expire <= now || expire > now + kMaxShareLifetime) {
    errors.Add("share.expire_time", "required: in the future, at most 90 days ahead");
  }
  if (!errors.empty()) return errors.ToStatus();

  for (int i = 0; i < input.recommendation_ids_size(); ++i) {
    auto found = Visible(caller, input.recommendation_ids(i));
    if (!found.ok() && !absl::IsNotFound(found.status())) return found.status();
    const std::string field = absl::StrCat("share.recommendation_ids[", i, "]");
    if (!found.ok() || found->subject_id() != caller.person_id) {
      errors.Add(field, "not one of your recommendations");
    } else if (found->state() != v1::RECOMMENDATION_STATE_PUBLISHED) {
      errors.Add(field, "only published recommendations are shared");
    }
  }
  if (!errors.empty()) return errors.ToStatus();
  auto pass = erasures_.Enter({caller.person_id});
  if (!pass.ok()) return pass.status();

  // 256 random bits: unguessable; only its hash is kept.
  const std::string token = RandomToken(kTokenBytes);
  internal::ShareRecord record;
  v1::Share& share = *record.mutable_share();
  share.set_id(NewId("shr_"));
  share.set_subject_id(caller.person_id);
  share.set_recruiter(input.recruiter());
  *share.mutable_recommendation_ids() = input.recommendation_ids();
  *share.mutable_expire_time() = input.expire_time();
  *share.mutable_create_time() = ToProto(now);
  record.set_token_hash(Sha256(token));
  RecommendationWrite write;
  write.PutShare(record, /*created=*/true);
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  v1::CreateShareResponse response;
  *response.mutable_share() = share;
  response.set_token(token);
  return response;
}

absl::StatusOr<v1::Dossier> RecommendationLogic::GetSharedDossier(
    const Caller& caller, const v1::GetSharedDossierRequest& request) {
  if (request.token().empty()) return InvalidField("token", "required");
  if (request.token().size() > kMaxTokenChars) return InvalidField("token", "too long");
  // A token of the right length that is not one of ours is just not found.
  std::string raw;
  if (!Base64UrlDecode(request.token(), &raw) || raw.size() != kTokenBytes) {
    return NoSuchShare();
  }
  const std::string hash = Sha256(request.token());
  auto found = store_->ShareByTokenHash(hash);
  if (!found.ok()) return found.status();
  if (!found->has_value()) return NoSuchShare();
  const internal::ShareRecord* record = &**found;
  // The lookup found the hash; comparing again in constant time keeps the
  // check independent of how the index matched.
  if (record->token_hash().size() != hash.size() ||
      sodium_memcmp(record->token_hash().data(), hash.data(), hash.size()) != 0) {
    return NoSuchShare();
  }
  const v1::Share& share = record->share();
  absl::Time now = absl::Now();
  if (share.has_revoke_time() || FromProto(share.expire_time()) <= now) return NoSuchShare();

  auto confirmed = ConfirmedOf(share, caller.deadline);
  if (!confirmed.ok()) return confirmed.status();
  auto contents =
      ReadDossierContents(*identity_, share.subject_id(), std::move(*confirmed), caller.deadline);
  if (!contents.ok()) return contents.status();

  v1::Dossier dossier;
  dossier.set_share_id(share.id());
  dossier.set_subject_id(share.subject_id());
  dossier.set_recruiter(share.recruiter());
  *dossier.mutable_expire_time() = share.expire_time();
  *dossier.mutable_subject() = std::move(contents->subject);
  // The only path that releases an oral reference's contact.
  for (auto& entry : contents->entries) {
    *dossier.add_recommendations() = entry.recommendation();
    *dossier.add_entries() = std::move(entry);
  }
  dossier.mutable_signature_keys()->set_public_keys_method(kPublicKeysMethod);
  dossier.mutable_signature_keys()->set_key_id(signing_key_.key_id);

  // What the log records does not depend on the signatures: the read is
  // logged while the letters are signed.
  absl::Status logged;
  std::vector<std::string> signed_exports;
  RunConcurrently(
      {[&] { logged = LogRead(share, dossier, now); },
       [&] { signed_exports = SignedExports(dossier, signing_key_, now, signed_letters_); }});
  if (!logged.ok()) return logged;
  for (int i = 0; i < dossier.entries_size(); ++i) {
    dossier.mutable_entries(i)->set_signed_recommendation(std::move(signed_exports[i]));
  }
  return dossier;
}

absl::StatusOr<std::vector<ConfirmedRecommendation>> RecommendationLogic::ConfirmedOf(
    const v1::Share& share, absl::Time deadline) {
  // Candidates: still published now.
  auto shared = store_->Recommendations(
      {share.recommendation_ids().begin(), share.recommendation_ids().end()});
  if (!shared.ok()) return shared.status();
  std::vector<v1::Recommendation> candidates;
  for (auto& recommendation : *shared) {
    if (recommendation.state() == v1::RECOMMENDATION_STATE_PUBLISHED) {
      candidates.push_back(std::move(recommendation));
    }
  }
  // Confirmed with relationships before anything is shown: a revocation
  // that has returned must hide its recommendations even if the change
  // stream has not reached us yet. Relationships down: nothing is shown.
  std::vector<std::pair<std::string, std::string>> pairs;
  std::vector<relationships::v1::CheckTrustRequest> checks;
  for (const auto& recommendation : candidates) {
    pairs.emplace_back(recommendation.author_id(), recommendation.subject_id());
    AppendTrustChecks(recommendation, checks);
  }
  absl::StatusOr<std::vector<std::optional<relationships::v1::TrustStatement>>> statements;
  absl::StatusOr<std::vector<relationships::v1::Verdict>> verdicts;
  // Independent reads: their round trips overlap.
  RunConcurrently({[&] { statements = trust_->Statements(pairs, deadline); },
                   [&] { verdicts = trust_->Verdicts(checks, deadline); }});
  if (!statements.ok()) return statements.status();
  if (!verdicts.ok()) return verdicts.status();

  std::vector<ConfirmedRecommendation> confirmed;
  size_t next = 0;
  for (size_t r = 0; r < candidates.size(); ++r) {
    bool still_inside = true;
    for (int i = 0; i < candidates[r].facets_size(); ++i, ++next) {
      still_inside = still_inside && (*verdicts)[next] == relationships::v1::VERDICT_INSIDE;
    }
    // The statement is read apart from the verdicts: if it was revoked in
    // between, the recommendation is not shown either.
    std::optional<relationships::v1::TrustStatement>& statement = (*statements)[r];
    if (still_inside && statement && statement->state() == relationships::v1::TRUST_STATE_ACTIVE) {
      confirmed.push_back({std::move(candidates[r]), std::move(*statement)});
    }
  }
  return confirmed;
}

absl::Status RecommendationLogic::LogRead(const v1::Share& share, const v1::Dossier& dossier,
                                          absl::Time now) {
  // Every read is logged for the subject and for each author shown, with
  // what it showed.
  v1::AccessEntry entry;
  *entry.mutable_time() = ToProto(now);
  entry.set_share_id(share.id());
  entry.set_recruiter(share.recruiter());
  entry.set_subject_id(share.subject_id());
  std::set<std::string> readers = {share.subject_id()};
  for (const auto& recommendation : dossier.recommendations()) {
    entry.add_recommendation_ids(recommendation.id());
    v1::ShownRecommendation& shown = *entry.add_shown();
    shown.set_recommendation_id(recommendation.id());
    shown.set_version(recommendation.version());
    shown.set_author_id(recommendation.author_id());
    shown.set_contact_shown(!recommendation.contact().empty());
    readers.insert(recommendation.author_id());
  }
  // A read racing the erasure of its subject or of an author shown is
  // refused rather than logged after the erasure took the log.
  const std::vector<absl::string_view> people(readers.begin(), readers.end());
  auto pass = erasures_.Enter(people);
  if (!pass.ok()) return pass.status();
  const std::string entry_id = NewId("acc_");
  RecommendationWrite write;
  for (const auto& person : readers) write.AppendAccess(person, entry, entry_id);
  // The read is logged before the dossier leaves, and survives a crash of
  // this process; only a power cut within the sync bound could lose it,
  // which keeps a disk sync (3-4 ms here) off the recruiter's read.
  write.SyncLater();
  return store_->Apply(write);
}

absl::StatusOr<v1::Share> RecommendationLogic::RevokeShare(const Caller& caller,
                                                           const v1::RevokeShareRequest& request) {
  FieldErrors errors;
  CheckId(errors, "id", request.id());
  if (!errors.empty()) return errors.ToStatus();
  auto guard = locks_.Lock({"share:" + request.id()});
  auto found = store_->Share(request.id());
  if (!found.ok()) return found.status();
  // Shares are the subject's own: to anyone else they do not exist.
  if (!found->has_value() || !caller.MayActFor((*found)->share().subject_id())) {
    return absl::NotFoundError("no such share");
  }
  internal::ShareRecord& record = **found;
  if (!record.share().has_revoke_time()) {
    const internal::ShareRecord read = record;
    *record.mutable_share()->mutable_revoke_time() = ToProto(absl::Now());
    RecommendationWrite write;
    write.PutShare(record, /*created=*/false, read);
    if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  }
  return record.share();
}

absl::StatusOr<v1::ListSharesResponse> RecommendationLogic::ListShares(
    const Caller& caller, const v1::ListSharesRequest& request) {
  FieldErrors errors;
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string query = absl::StrCat("ListShares\n", caller.person_id);
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  auto page = store_->SharesOfSubject(caller.person_id, *cursor, size);
  if (!page.ok()) return page.status();
  v1::ListSharesResponse response;
  for (auto& share : page->items) *response.add_shares() = std::move(share);
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

absl::StatusOr<v1::ListAccessLogResponse> RecommendationLogic::ListAccessLog(
    const Caller& caller, const v1::ListAccessLogRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  if (!caller.MayActFor(request.person_id())) {
    return absl::PermissionDeniedError("a person's access log is theirs to read");
  }
  const std::string query =
      absl::StrCat("ListAccessLog\n", caller.person_id, "\n", request.person_id());
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  auto page = store_->AccessLog(request.person_id(), *cursor, size);
  if (!page.ok()) return page.status();
  v1::ListAccessLogResponse response;
  for (auto& entry : page->items) *response.add_entries() = std::move(entry);
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

}  // namespace trustsphere::recommendations
