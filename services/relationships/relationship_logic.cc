#include "services/relationships/relationship_logic.h"

#include <algorithm>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/answer_once.h"
#include "services/common/core/crypto.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/request_fingerprint.h"
#include "services/common/core/validation.h"
#include "services/relationships/trust_validation.h"
#include "services/relationships/viewer.h"

namespace trustsphere::relationships {
namespace {

absl::Status StatementNotFound() { return absl::NotFoundError("no such trust statement"); }

absl::Status EtagMismatch() {
  return absl::AbortedError("etag mismatch: the statement changed since it was read");
}

}  // namespace

RelationshipLogic::RelationshipLogic(std::unique_ptr<TrustStore> store, IdentityDirectory* identity,
                                     PageTokenCodec page_tokens, RelationshipOptions options)
    : store_(std::move(store)),
      identity_(identity),
      page_tokens_(std::move(page_tokens)),
      options_(options),
      tag_uses_(identity, options.tag_use_period),
      identity_facts_(identity, options.identity_facts) {}

void RelationshipLogic::AddPairLockKeys(const std::string& truster, const std::string& trustee,
                                        std::vector<std::string>& keys) {
  keys.push_back(
      absl::StrCat("pair:", std::min(truster, trustee), "|", std::max(truster, trustee)));
  keys.push_back("truster:" + truster);
}

KeyLocks::Guard RelationshipLogic::LockPair(const std::string& truster,
                                            const std::string& trustee) {
  std::vector<std::string> keys;
  AddPairLockKeys(truster, trustee, keys);
  return locks_.Lock(keys);
}

v1::TrustStatement RelationshipLogic::Stamped(v1::TrustStatement statement, v1::TrustState state,
                                              const std::optional<v1::TrustStatement>& before) {
  const absl::Time now = absl::Now();
  statement.set_state(state);
  *statement.mutable_create_time() = before ? before->create_time() : ToProto(now);
  *statement.mutable_update_time() = ToProto(now);
  statement.set_etag(NewEtag());
  return statement;
}

absl::StatusOr<v1::TrustStatement> RelationshipLogic::PutTrust(const Caller& caller,
                                                               const v1::PutTrustRequest& request) {
  return AnswerOnce<v1::TrustStatement>(request.request_id(), caller.deadline,
                                        [&] { return PutTrustAttempt(caller, request); });
}

absl::StatusOr<v1::TrustStatement> RelationshipLogic::PutTrustAttempt(
    const Caller& caller, const v1::PutTrustRequest& request) {
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

  // A retry is the same request once normalised: the default visibility
  // spelt out, or an empty sphere sent, changes nothing.
  v1::PutTrustRequest canonical;
  *canonical.mutable_statement() = *normalized;
  canonical.mutable_statement()->set_etag(input.etag());
  auto pending = requests_.Begin(*store_, {caller.person_id, "PutTrust", request.request_id()},
                                 RequestFingerprint(canonical), RequestFingerprint(request));
  if (!pending.ok()) return pending.status();
  if (const auto& earlier = pending->earlier_response()) {
    v1::TrustStatement first;
    if (!first.ParseFromString(*earlier)) return absl::DataLossError("a stored answer is corrupt");
    return first;
  }

  // Identity decides who exists and who owns which position; if it cannot
  // answer, nothing is written.
  if (absl::Status confirmed = ConfirmWithIdentity(
          identity_facts_, {*normalized}, [](size_t) { return std::string("statement"); },
          caller.deadline);
      !confirmed.ok()) {
    return confirmed;
  }

  const std::string& truster_id = caller.person_id;
  const std::string& trustee_id = normalized->trustee_id();
  auto pass = erasures_.Enter({truster_id, trustee_id});
  if (!pass.ok() && erasures_.Closed(trustee_id)) {
    // As identity's facts answer once they learn of the deletion.
    return absl::NotFoundError("statement.trustee_id: the person does not exist or was deleted");
  }
  if (!pass.ok()) return pass.status();
  auto guard = LockPair(truster_id, trustee_id);
  auto reader = store_->Latest();
  // The statement and the one back, read together.
  auto stored = reader->Statements({{truster_id, trustee_id}, {trustee_id, truster_id}});
  if (!stored.ok()) return stored.status();
  const std::optional<v1::TrustStatement>& before = (*stored)[0];
  if (!input.etag().empty() && (!before || before->etag() != input.etag())) return EtagMismatch();
  StatementChange change{.before = before,
                         .after = Stamped(std::move(*normalized), v1::TRUST_STATE_ACTIVE, before),
                         .reverse = (*stored)[1],
                         .kind = before ? v1::CHANGE_KIND_UPDATED : v1::CHANGE_KIND_CREATED};
  auto counts = reader->Counts(truster_id);
  if (!counts.ok()) return counts.status();
  if (absl::Status allowed = CheckLimits(options_.limits, *counts, change); !allowed.ok()) {
    return allowed;
  }
  auto written =
      store_->Apply({change}, pending->Record(change.after.SerializeAsString(), absl::Now()));
  if (!written.ok()) return written.status();

  // As the truster spelt them ("Négociation"): the vocabulary keeps a
  // tag's first spelling for display, and the normalised key has lost it.
  tag_uses_.Add(VocabularyTags(input));
  return change.after;
}

absl::StatusOr<v1::TrustStatement> RelationshipLogic::GetTrust(const Caller& caller,
                                                               const v1::GetTrustRequest& request) {
  FieldErrors errors;
  CheckId(errors, "truster_id", request.truster_id());
  CheckId(errors, "trustee_id", request.trustee_id());
  if (!errors.empty()) return errors.ToStatus();
  auto reader = store_->Latest();
  auto statement = reader->Statement(request.truster_id(), request.trustee_id());
  if (!statement.ok()) return statement.status();
  if (!statement->has_value()) return StatementNotFound();
  Viewer viewer(caller, *reader);
  if (!viewer.CanSee(**statement)) {
    if (!viewer.status().ok()) return viewer.status();
    return StatementNotFound();
  }
  return std::move(**statement);
}

absl::StatusOr<v1::BatchGetTrustResponse> RelationshipLogic::BatchGetTrust(
    const Caller& caller, const v1::BatchGetTrustRequest& request) {
  FieldErrors errors;
  if (request.pairs().empty() || request.pairs_size() > kMaxBatchGets) {
    errors.Add("pairs", absl::StrCat("1 to ", kMaxBatchGets, " pairs"));
  }
  std::vector<std::pair<std::string, std::string>> pairs;
  for (int i = 0; i < request.pairs_size() && i < kMaxBatchGets; ++i) {
    const std::string field = absl::StrCat("pairs[", i, "].");
    CheckId(errors, field + "truster_id", request.pairs(i).truster_id());
    CheckId(errors, field + "trustee_id", request.pairs(i).trustee_id());
    pairs.emplace_back(request.pairs(i).truster_id(), request.pairs(i).trustee_id());
  }
  if (!errors.empty()) return errors.ToStatus();
  // One snapshot: the statements of a dossier agree with each other.
  auto reader = store_->Snapshot();
  auto statements = reader->Statements(pairs);
  if (!statements.ok()) return statements.status();
  Viewer viewer(caller, *reader);
  v1::BatchGetTrustResponse response;
  for (auto& statement : *statements) {
    if (statement && viewer.CanSee(*statement)) *response.add_statements() = std::move(*statement);
  }
  if (!viewer.status().ok()) return viewer.status();
  return response;
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
  auto reader = store_->Latest();
  auto before = reader->Statement(truster_id, trustee_id);
  if (!before.ok()) return before.status();
  if (!before->has_value()) return StatementNotFound();
  if (!request.etag().empty() && (*before)->etag() != request.etag()) return EtagMismatch();
  if ((*before)->state() == v1::TRUST_STATE_REVOKED) return **before;  // already done
  auto reverse = reader->Statement(trustee_id, truster_id);
  if (!reverse.ok()) return reverse.status();

  StatementChange change{.before = *before,
                         .after = Stamped(**before, v1::TRUST_STATE_REVOKED, *before),
                         .reverse = *reverse,
                         .kind = v1::CHANGE_KIND_REVOKED};
  if (auto written = store_->Apply({change}, std::nullopt); !written.ok()) {
    return written.status();
  }
  return change.after;
}

template <typename Response>
absl::StatusOr<Response> RelationshipLogic::ListStatements(const Caller& caller, const char* method,
                                                           StatementList list,
                                                           const std::string& person_id,
                                                           int32_t page_size,
                                                           const std::string& page_token) {
  FieldErrors errors;
  CheckId(errors, "person_id", person_id);
  const int size = PageSize(errors, page_size);
  if (!errors.empty()) return errors.ToStatus();
  const std::string query = absl::StrCat(method, "\n", caller.person_id, "\n", person_id);
  auto cursor = page_tokens_.Decode(query, page_token);
  if (!cursor.ok()) return cursor.status();
  auto reader = store_->Snapshot();
  Viewer viewer(caller, *reader);
  auto page = ((*reader).*list)(person_id, *cursor, size, [&](const v1::TrustStatement& statement) {
    return viewer.CanSee(statement);
  });
  if (!page.ok()) return page.status();
  if (!viewer.status().ok()) return viewer.status();
  Response response;
  for (auto& statement : page->items) *response.add_statements() = std::move(statement);
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

absl::StatusOr<v1::ListTrustedResponse> RelationshipLogic::ListTrusted(
    const Caller& caller, const v1::ListTrustedRequest& request) {
  return ListStatements<v1::ListTrustedResponse>(caller, "ListTrusted", &TrustReader::Outgoing,
                                                 request.person_id(), request.page_size(),
                                                 request.page_token());
}

absl::StatusOr<v1::ListTrustingResponse> RelationshipLogic::ListTrusting(
    const Caller& caller, const v1::ListTrustingRequest& request) {
  return ListStatements<v1::ListTrustingResponse>(caller, "ListTrusting", &TrustReader::Incoming,
                                                  request.person_id(), request.page_size(),
                                                  request.page_token());
}

absl::StatusOr<v1::ListPendingReciprocationResponse> RelationshipLogic::ListPendingReciprocation(
    const Caller& caller, const v1::ListPendingReciprocationRequest& request) {
  if (caller.person_id.empty()) return absl::PermissionDeniedError("a person's own list");
  return ListStatements<v1::ListPendingReciprocationResponse>(
      caller, "ListPendingReciprocation", &TrustReader::Pending, caller.person_id,
      request.page_size(), request.page_token());
}

absl::StatusOr<v1::ListReferencesResponse> RelationshipLogic::ListReferences(
    const Caller& caller, const v1::ListReferencesRequest& request) {
  FieldErrors errors;
  CheckId(errors, "person_id", request.person_id());
  const int size = PageSize(errors, request.page_size());
  if (!errors.empty()) return errors.ToStatus();
  const std::string& person = request.person_id();
  const std::string query = absl::StrCat("ListReferences\n", caller.person_id, "\n", person);
  auto cursor = page_tokens_.Decode(query, request.page_token());
  if (!cursor.ok()) return cursor.status();
  auto reader = store_->Snapshot();
  Viewer viewer(caller, *reader);
  auto page = reader->References(person, *cursor, size, [&](const ReferenceEdge& edge) {
    return viewer.CanSeeEdge(person, edge);
  });
  if (!page.ok()) return page.status();
  if (!viewer.status().ok()) return viewer.status();

  // Both statements of every reference of the page, in one read.
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& edge : page->items) {
    pairs.emplace_back(person, edge.other);
    pairs.emplace_back(edge.other, person);
  }
  auto statements = reader->Statements(pairs);
  if (!statements.ok()) return statements.status();
  v1::ListReferencesResponse response;
  for (size_t i = 0; i < page->items.size(); ++i) {
    auto& outgoing = (*statements)[2 * i];
    auto& incoming = (*statements)[2 * i + 1];
    if (!outgoing || !incoming) return absl::DataLossError("a reference lacks its statements");
    v1::Reference* reference = response.add_references();
    reference->set_person_id(page->items[i].other);
    *reference->mutable_outgoing() = *std::move(outgoing);
    *reference->mutable_incoming() = *std::move(incoming);
  }
  response.set_next_page_token(page_tokens_.NextPageToken(query, page->next_cursor));
  return response;
}

absl::StatusOr<v1::Verdict> RelationshipLogic::Verdict(Viewer& viewer, TrustReader& reader,
                                                       const v1::CheckTrustRequest& check,
                                                       const std::string& field) {
  FieldErrors errors;
  CheckId(errors, field + "truster_id", check.truster_id());
  CheckId(errors, field + "trustee_id", check.trustee_id());
  common::v1::Facet facet = NormalizeFacet(errors, field + "facet", check.facet());
  if (!errors.empty()) return errors.ToStatus();

  auto judged = reader.Judge(check.truster_id(), check.trustee_id(), facet);
  if (!judged.ok()) return judged.status();
  if (!judged->has_value()) return v1::VERDICT_NO_TRUST;
  if (!viewer.CanSee(check.truster_id(), check.trustee_id(), (*judged)->visibility)) {
    if (!viewer.status().ok()) return viewer.status();
    return v1::VERDICT_NO_TRUST;
  }
  return (*judged)->verdict;
}

absl::StatusOr<v1::CheckTrustResponse> RelationshipLogic::CheckTrust(
    const Caller& caller, const v1::CheckTrustRequest& request) {
  auto reader = store_->Latest();
  Viewer viewer(caller, *reader);
  auto verdict = Verdict(viewer, *reader, request, "");
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
  auto reader = store_->Snapshot();
  Viewer viewer(caller, *reader);
  v1::BatchCheckTrustResponse response;
  for (int i = 0; i < request.checks_size(); ++i) {
    auto verdict = Verdict(viewer, *reader, request.checks(i), absl::StrCat("checks[", i, "]."));
    if (!verdict.ok()) return verdict.status();
    response.add_verdicts(*verdict);
  }
  return response;
}

}  // namespace trustsphere::relationships
