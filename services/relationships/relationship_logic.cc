#include "services/relationships/relationship_logic.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/crypto.h"
#include "services/common/core/log.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/request_fingerprint.h"
#include "services/common/core/validation.h"
#include "services/common/paging.h"
#include "services/relationships/relationships_keys.h"
#include "services/relationships/trust_validation.h"
#include "services/relationships/viewer.h"
#include "storage/proto_value.h"

namespace trustsphere::relationships {
namespace {

using storage::WriteBatch;

absl::Status StatementNotFound() { return absl::NotFoundError("no such trust statement"); }

bool Contains(const google::protobuf::RepeatedPtrField<common::v1::Facet>& facets,
              const common::v1::Facet& facet) {
  return std::any_of(facets.begin(), facets.end(), [&](const common::v1::Facet& candidate) {
    return SameFacet(candidate, facet);
  });
}

}  // namespace

RelationshipLogic::RelationshipLogic(std::unique_ptr<RelationshipStore> store,
                                     IdentityClient* identity, PageTokenCodec page_tokens,
                                     RelationshipOptions options)
    : store_(std::move(store)),
      identity_(identity),
      page_tokens_(std::move(page_tokens)),
      options_(options),
      tag_uses_(identity, options.tag_use_period) {}

void RelationshipLogic::AddPairLockKeys(const std::string& truster, const std::string& trustee,
                                        std::vector<std::string>& keys) {
  keys.push_back(
      absl::StrCat("pair:", std::min(truster, trustee), "|", std::max(truster, trustee)));
  keys.push_back("truster:" + truster);
  keys.push_back("trustee:" + trustee);
}

KeyLocks::Guard RelationshipLogic::LockPair(const std::string& truster,
                                            const std::string& trustee) {
  std::vector<std::string> keys;
  AddPairLockKeys(truster, trustee, keys);
  return locks_.Lock(keys);
}

absl::StatusOr<int> RelationshipLogic::CountUpTo(storage::Family family, const std::string& prefix,
                                                 int limit) {
  int count = 0;
  absl::Status scanned =
      store_->engine().Scan(family, {.prefix = prefix},
                            [&](std::string_view, std::string_view) { return ++count < limit; });
  if (!scanned.ok()) return scanned;
  return count;
}

absl::StatusOr<v1::TrustStatement> RelationshipLogic::PutTrust(const Caller& caller,
                                                               const v1::PutTrustRequest& request) {
  // A person states trust only as themselves: the truster is the token's
  // subject, and operator or service tokens are not people.
  if (!caller.Has(Role::kUser)) {
    return absl::PermissionDeniedError("only a person states trust, as themselves");
  }
  const v1::TrustStatement& input = request.statement();
  if (!input.truster_id().empty()) {
    FieldErrors errors;
    CheckId(errors, "statement.truster_id", input.truster_id());
    if (!errors.empty()) return errors.ToStatus();
  }
  if (!input.truster_id().empty() && input.truster_id() != caller.person_id) {
    return absl::PermissionDeniedError("statement.truster_id must be the caller");
  }
  auto normalized = NormalizeStatement(input, caller.person_id);
  FieldErrors errors;
  CheckRequestId(errors, "request_id", request.request_id());
  if (input.etag().size() > kMaxIdBytes) errors.Add("statement.etag", "not an etag");
  if (!normalized.ok()) return normalized.status();
  if (!errors.empty()) return errors.ToStatus();

  const std::string fingerprint = RequestFingerprint(request);
  if (!request.request_id().empty()) {
    auto earlier = store_->GetRequest(caller.person_id, request.request_id());
    if (!earlier.ok()) return earlier.status();
    if (earlier->has_value()) {
      if ((*earlier)->fingerprint() != fingerprint) {
        return InvalidField("request_id", "already used for a request with other content");
      }
      return (*earlier)->result();
    }
  }

  // Identity decides who exists and who owns which position; if it cannot
  // answer, nothing is written.
  const std::string& trustee_id = normalized->trustee_id();
  auto trustee = identity_->GetPerson(trustee_id, caller.deadline);
  if (absl::IsNotFound(trustee.status()) ||
      (trustee.ok() && trustee->state() != identity::v1::PERSON_STATE_ACTIVE)) {
    return absl::NotFoundError("the trustee does not exist or was deleted");
  }
  if (!trustee.ok()) return trustee.status();
  auto positions = identity_->BatchGetPositions(NamedPositions(*normalized), caller.deadline);
  if (!positions.ok()) return positions.status();
  if (absl::Status owned = CheckPositionOwnership(*normalized, *positions); !owned.ok()) {
    return owned;
  }

  const std::string& truster_id = caller.person_id;
  auto guard = LockPair(truster_id, trustee_id);
  auto before = store_->FindStatement(truster_id, trustee_id);
  if (!before.ok()) return before.status();
  auto reverse = store_->FindStatement(trustee_id, truster_id);
  if (!reverse.ok()) return reverse.status();
  if (!input.etag().empty() && (!before->has_value() || (*before)->etag() != input.etag())) {
    return absl::AbortedError("etag mismatch: the statement changed since it was read");
  }
  if (!before->has_value()) {
    auto held = CountUpTo(keys::kStatements, keys::PairPrefix(truster_id),
                          options_.max_statements_per_truster);
    if (!held.ok()) return held.status();
    if (*held >= options_.max_statements_per_truster) {
      return absl::ResourceExhaustedError(absl::StrCat(
          "a person holds at most ", options_.max_statements_per_truster, " statements"));
    }
  }
  if (!IsActive(*before) && !IsActive(*reverse)) {
    auto waiting =
        CountUpTo(keys::kPending, keys::PairPrefix(trustee_id), options_.max_pending_per_trustee);
    if (!waiting.ok()) return waiting.status();
    if (*waiting >= options_.max_pending_per_trustee) {
      return absl::ResourceExhaustedError(
          "this person has too many unanswered statements; try again later");
    }
  }

  absl::Time now = absl::Now();
  v1::TrustStatement after = std::move(*normalized);
  after.set_state(v1::TRUST_STATE_ACTIVE);
  *after.mutable_create_time() = before->has_value() ? (*before)->create_time() : ToProto(now);
  *after.mutable_update_time() = ToProto(now);
  after.set_etag(NewEtag());

  WriteBatch batch;
  RelationshipStore::WriteStatement(
      batch, *before, after, *reverse,
      before->has_value() ? v1::CHANGE_KIND_UPDATED : v1::CHANGE_KIND_CREATED);
  if (!request.request_id().empty()) {
    internal::RequestRecord done;
    done.set_fingerprint(fingerprint);
    *done.mutable_result() = after;
    *done.mutable_create_time() = ToProto(now);
    RelationshipStore::PutRequest(batch, truster_id, request.request_id(), done);
  }
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;

  tag_uses_.Add(VocabularyTags(input));
  return after;
}

absl::StatusOr<v1::TrustStatement> RelationshipLogic::GetTrust(const Caller& caller,
                                                               const v1::GetTrustRequest& request) {
  FieldErrors errors;
  CheckId(errors, "truster_id", request.truster_id());
  CheckId(errors, "trustee_id", request.trustee_id());
  if (!errors.empty()) return errors.ToStatus();
  auto statement = store_->GetStatement(request.truster_id(), request.trustee_id());
  if (absl::IsNotFound(statement.status())) return StatementNotFound();
  if (!statement.ok()) return statement.status();
  Viewer viewer(caller, *store_, nullptr);
  if (!viewer.CanSee(*statement)) {
    if (!viewer.status().ok()) return viewer.status();
    return StatementNotFound();
  }
  return statement;
}

absl::StatusOr<v1::TrustStatement> RelationshipLogic::RevokeTrust(
    const Caller& caller, const v1::RevokeTrustRequest& request) {
  FieldErrors errors;
  CheckId(errors, "truster_id", request.truster_id());
  CheckId(errors, "trustee_id", request.trustee_id());
  if (request.etag().size() > kMaxIdBytes) errors.Add("etag", "not an etag");
  if (!errors.empty()) return errors.ToStatus();
  // Only the truster revokes; the answer does not depend on whether the
  // statement exists, so it reveals nothing.
  if (request.truster_id() != caller.person_id) {
    return absl::PermissionDeniedError("only the truster revokes a statement");
  }

  const std::string& truster_id = request.truster_id();
  const std::string& trustee_id = request.trustee_id();
  auto guard = LockPair(truster_id, trustee_id);
  auto before = store_->FindStatement(truster_id, trustee_id);
  if (!before.ok()) return before.status();
  if (!before->has_value()) return StatementNotFound();
  if (!request.etag().empty() && (*before)->etag() != request.etag()) {
    return absl::AbortedError("etag mismatch: the statement changed since it was read");
  }
  if ((*before)->state() == v1::TRUST_STATE_REVOKED) return **before;  // already done
  auto reverse = store_->FindStatement(trustee_id, truster_id);
  if (!reverse.ok()) return reverse.status();

  v1::TrustStatement after = **before;
  after.set_state(v1::TRUST_STATE_REVOKED);
  *after.mutable_update_time() = ToProto(absl::Now());
  after.set_etag(NewEtag());
  WriteBatch batch;
  RelationshipStore::WriteStatement(batch, *before, after, *reverse, v1::CHANGE_KIND_REVOKED);
  if (absl::Status written = store_->Commit(std::move(batch)); !written.ok()) return written;
  return after;
}

template <typename Response>
absl::StatusOr<Response> RelationshipLogic::ListStatements(
    const Caller& caller, const char* method, storage::Family family, const std::string& person_id,
    bool person_is_truster, int32_t page_size, const std::string& page_token) {
  FieldErrors errors;
  CheckId(errors, "person_id", person_id);
  const int size = PageSize(errors, page_size);
  if (!errors.empty()) return errors.ToStatus();
  const std::string query = absl::StrCat(method, "\n", caller.person_id, "\n", person_id);
  auto snapshot = store_->engine().TakeSnapshot();
  Viewer viewer(caller, *store_, snapshot.get());
  Response response;
  absl::Status filled = FillPage<v1::TrustStatement>(
      store_->engine(), page_tokens_, query, page_token, family, keys::PairPrefix(person_id), size,
      snapshot.get(), /*reverse=*/false,
      [&](std::string_view key,
          std::string_view value) -> absl::StatusOr<std::optional<v1::TrustStatement>> {
        const std::string other = keys::SecondOfPair(key);
        auto statement = person_is_truster ? storage::ParseValue<v1::TrustStatement>(value)
                                           : store_->GetStatement(other, person_id, snapshot.get());
        if (!statement.ok()) return statement.status();
        if (!viewer.CanSee(*statement)) return std::nullopt;
        return std::optional<v1::TrustStatement>(std::move(*statement));
      },
      response.mutable_statements(), &response);
  if (!filled.ok()) return filled;
  if (!viewer.status().ok()) return viewer.status();
  return response;
}

absl::StatusOr<v1::ListTrustedResponse> RelationshipLogic::ListTrusted(
    const Caller& caller, const v1::ListTrustedRequest& request) {
  return ListStatements<v1::ListTrustedResponse>(caller, "ListTrusted", keys::kStatements,
                                                 request.person_id(), /*person_is_truster=*/true,
                                                 request.page_size(), request.page_token());
}

absl::StatusOr<v1::ListTrustingResponse> RelationshipLogic::ListTrusting(
    const Caller& caller, const v1::ListTrustingRequest& request) {
  return ListStatements<v1::ListTrustingResponse>(caller, "ListTrusting", keys::kIncoming,
                                                  request.person_id(), /*person_is_truster=*/false,
                                                  request.page_size(), request.page_token());
}

absl::StatusOr<v1::ListPendingReciprocationResponse> RelationshipLogic::ListPendingReciprocation(
    const Caller& caller, const v1::ListPendingReciprocationRequest& request) {
  if (caller.person_id.empty()) return absl::PermissionDeniedError("a person's own list");
  return ListStatements<v1::ListPendingReciprocationResponse>(
      caller, "ListPendingReciprocation", keys::kPending, caller.person_id,
      /*person_is_truster=*/false, request.page_size(), request.page_token());
}

absl::StatusOr<v1::ListReferencesResponse> RelationshipLogic::ListReferences(
    const Caller& caller, const v1::ListReferencesRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string& person = request.person_id();
  const std::string query = absl::StrCat("ListReferences\n", caller.person_id, "\n", person);
  auto snapshot = store_->engine().TakeSnapshot();
  Viewer viewer(caller, *store_, snapshot.get());
  v1::ListReferencesResponse response;
  absl::Status filled = FillPage<v1::Reference>(
      store_->engine(), page_tokens_, query, request.page_token(), keys::kReferences,
      keys::PairPrefix(person), size, snapshot.get(), /*reverse=*/false,
      [&](std::string_view key,
          std::string_view value) -> absl::StatusOr<std::optional<v1::Reference>> {
        auto edge = storage::ParseValue<internal::ReferenceEdge>(value);
        if (!edge.ok()) return edge.status();
        const std::string other = keys::SecondOfPair(key);
        if (!viewer.CanSeeEdge(person, other, *edge)) return std::nullopt;
        v1::Reference reference;
        reference.set_person_id(other);
        return std::optional<v1::Reference>(std::move(reference));
      },
      response.mutable_references(), &response);
  if (!filled.ok()) return filled;
  if (!viewer.status().ok()) return viewer.status();

  // Both statements of every reference of the page, in one read.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& reference : response.references()) {
    pairs.emplace_back(person, reference.person_id());
    pairs.emplace_back(reference.person_id(), person);
  }
  auto statements = store_->GetStatements(pairs, snapshot.get());
  if (!statements.ok()) return statements.status();
  for (int i = 0; i < response.references_size(); ++i) {
    auto& outgoing = (*statements)[2 * i];
    auto& incoming = (*statements)[2 * i + 1];
    if (!outgoing || !incoming) return absl::DataLossError("a reference lacks its statements");
    v1::Reference& reference = *response.mutable_references(i);
    *reference.mutable_outgoing() = *std::move(outgoing);
    *reference.mutable_incoming() = *std::move(incoming);
  }
  return response;
}

absl::StatusOr<v1::Verdict> RelationshipLogic::Verdict(Viewer& viewer,
                                                       const storage::Snapshot* snapshot,
                                                       const v1::CheckTrustRequest& check,
                                                       const std::string& field) {
  FieldErrors errors;
  CheckId(errors, field + "truster_id", check.truster_id());
  CheckId(errors, field + "trustee_id", check.trustee_id());
  common::v1::Facet facet = NormalizeFacet(errors, field + "facet", check.facet());
  if (!errors.empty()) return errors.ToStatus();

  auto statement = store_->FindStatement(check.truster_id(), check.trustee_id(), snapshot);
  if (!statement.ok()) return statement.status();
  if (!IsActive(*statement)) return v1::VERDICT_NO_TRUST;
  if (!viewer.CanSee(**statement)) {
    if (!viewer.status().ok()) return viewer.status();
    return v1::VERDICT_NO_TRUST;
  }
  const auto& sphere = (*statement)->sphere();
  if (Contains(sphere.inside(), facet)) return v1::VERDICT_INSIDE;
  if (Contains(sphere.outside(), facet)) return v1::VERDICT_OUTSIDE;
  return v1::VERDICT_NOT_STATED;
}

absl::StatusOr<v1::CheckTrustResponse> RelationshipLogic::CheckTrust(
    const Caller& caller, const v1::CheckTrustRequest& request) {
  Viewer viewer(caller, *store_, nullptr);
  auto verdict = Verdict(viewer, nullptr, request, "");
  if (!verdict.ok()) return verdict.status();
  v1::CheckTrustResponse response;
  response.set_verdict(*verdict);
  return response;
}

absl::StatusOr<v1::BatchCheckTrustResponse> RelationshipLogic::BatchCheckTrust(
    const Caller& caller, const v1::BatchCheckTrustRequest& request) {
  if (request.checks().empty() || request.checks_size() > kMaxBatchChecks) {
    return InvalidField("checks", absl::StrCat("1 to ", kMaxBatchChecks, " checks"));
  }
  auto snapshot = store_->engine().TakeSnapshot();
  Viewer viewer(caller, *store_, snapshot.get());
  v1::BatchCheckTrustResponse response;
  for (int i = 0; i < request.checks_size(); ++i) {
    auto verdict =
        Verdict(viewer, snapshot.get(), request.checks(i), absl::StrCat("checks[", i, "]."));
    if (!verdict.ok()) return verdict.status();
    response.add_verdicts(*verdict);
  }
  return response;
}

}  // namespace trustsphere::relationships
