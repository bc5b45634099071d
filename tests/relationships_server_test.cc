// relationships_server end to end, with the real identity_server behind it.

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "tests/relationships_fixture.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

// The tests of RelationshipsServerTest run over each storage of
// relationships: RocksDB in the test's folder, and a fresh database on a
// throwaway PostgreSQL 15 of the test's process.
class RelationshipsServerTest : public RelationshipsTest,
                                public ::testing::WithParamInterface<std::string> {
 protected:
  // Deleted people's tokens are refused after a poll of identity's change
  // log (erasure_test); here the logic's own answers to them are tested.
  std::vector<std::string> RelationshipsFlags() const override {
    if (GetParam() != "postgres") return {"--revocation_poll_period=1h"};
    auto conninfo = FreshDatabase("relationships");
    EXPECT_TRUE(conninfo.ok()) << conninfo.status();
    return {"--revocation_poll_period=1h", "--storage=postgres",
            "--database_url=" + conninfo.value_or("")};
  }
};

INSTANTIATE_TEST_SUITE_P(Storage, RelationshipsServerTest,
                         ::testing::Values("rocksdb", "postgres"));

TEST_P(RelationshipsServerTest, MutualTrustMakesAReferenceAndRevokingEndsIt) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");

  rv1::TrustStatement first = Put(jacques, martin, {Tag("Négociation")}, {Tag("planning")});
  EXPECT_EQ(first.truster_id(), jacques.person.id());
  EXPECT_EQ(first.state(), rv1::TRUST_STATE_ACTIVE);
  EXPECT_EQ(first.visibility(), rv1::VISIBILITY_TRUSTEE);  // the default
  EXPECT_EQ(first.sphere().inside(0).key(), "negociation");
  EXPECT_THAT(References(jacques.token, jacques), IsEmpty());

  Put(martin, jacques, {Tag("rigour", common::v1::FACET_KIND_QUALITY)});
  EXPECT_THAT(References(jacques.token, jacques), ElementsAre(martin.person.id()));
  EXPECT_THAT(References(martin.token, martin), ElementsAre(jacques.person.id()));

  ASSERT_TRUE(Revoke(jacques, martin).ok());
  EXPECT_THAT(References(jacques.token, jacques), IsEmpty());
  EXPECT_THAT(References(martin.token, martin), IsEmpty());
  rv1::GetTrustRequest get;
  get.set_truster_id(jacques.person.id());
  get.set_trustee_id(martin.person.id());
  rv1::TrustStatement revoked;
  ASSERT_TRUE(rel().GetTrust(Context(martin.token).get(), get, &revoked).ok());
  EXPECT_EQ(revoked.state(), rv1::TRUST_STATE_REVOKED);  // kept as history
  EXPECT_EQ(Check(jacques.token, jacques, martin, Tag("negociation")), rv1::VERDICT_NO_TRUST);

  // Stating trust again reactivates it.
  rv1::TrustStatement again = Put(jacques, martin, {Tag("negociation")});
  EXPECT_EQ(again.state(), rv1::TRUST_STATE_ACTIVE);
  EXPECT_EQ(again.create_time().seconds(), first.create_time().seconds());
  EXPECT_THAT(References(jacques.token, jacques), ElementsAre(martin.person.id()));
}

TEST_P(RelationshipsServerTest, CheckTrustAnswersForTheSphere) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  iv1::Position sales = AddPosition(martin, "Acme", 2010, 2014);
  Put(jacques, martin, {Tag("Négociation"), Function(sales.id())}, {Tag("Planning")});

  EXPECT_EQ(Check(jacques.token, jacques, martin, Tag("NEGOCIATION")), rv1::VERDICT_INSIDE);
  EXPECT_EQ(Check(jacques.token, jacques, martin, Function(sales.id())), rv1::VERDICT_INSIDE);
  EXPECT_EQ(Check(jacques.token, jacques, martin, Tag("planning ")), rv1::VERDICT_OUTSIDE);
  EXPECT_EQ(Check(jacques.token, jacques, martin, Tag("accounting")), rv1::VERDICT_NOT_STATED);
  EXPECT_EQ(
      Check(jacques.token, jacques, martin, Tag("negociation", common::v1::FACET_KIND_QUALITY)),
      rv1::VERDICT_NOT_STATED);
  EXPECT_EQ(Check(jacques.token, martin, jacques, Tag("negociation")), rv1::VERDICT_NO_TRUST);

  rv1::BatchCheckTrustRequest batch;
  for (const auto& facet : {Tag("negociation"), Tag("planning"), Tag("accounting")}) {
    auto* check = batch.add_checks();
    check->set_truster_id(jacques.person.id());
    check->set_trustee_id(martin.person.id());
    *check->mutable_facet() = facet;
  }
  rv1::BatchCheckTrustResponse verdicts;
  ASSERT_TRUE(rel().BatchCheckTrust(Context(martin.token).get(), batch, &verdicts).ok());
  EXPECT_THAT(verdicts.verdicts(),
              ElementsAre(rv1::VERDICT_INSIDE, rv1::VERDICT_OUTSIDE, rv1::VERDICT_NOT_STATED));
  // Someone outside the statement's visibility learns nothing from a batch.
  Account outsider = SignUp("outsider");
  ASSERT_TRUE(rel().BatchCheckTrust(Context(outsider.token).get(), batch, &verdicts).ok());
  EXPECT_THAT(verdicts.verdicts(),
              ElementsAre(rv1::VERDICT_NO_TRUST, rv1::VERDICT_NO_TRUST, rv1::VERDICT_NO_TRUST));
  batch.mutable_checks(1)->clear_trustee_id();
  grpc::Status bad_batch = rel().BatchCheckTrust(Context(martin.token).get(), batch, &verdicts);
  EXPECT_THAT(ViolatedFields(bad_batch), ElementsAre("checks[1].trustee_id"));

  rv1::CheckTrustRequest bad;
  bad.set_truster_id(jacques.person.id());
  bad.set_trustee_id(martin.person.id());
  rv1::CheckTrustResponse response;
  grpc::Status status = rel().CheckTrust(Context(jacques.token).get(), bad, &response);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("facet.kind"));
}

TEST_P(RelationshipsServerTest, PutTrustRefusesBadStatementsAndWritesNothing) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Account claire = SignUp("claire");
  iv1::Position jacques_job = AddPosition(jacques, "Acme", 2010, 0);
  iv1::Position claire_job = AddPosition(claire, "Acme", 2010, 0);

  auto refused = [&](rv1::PutTrustRequest request, grpc::StatusCode code,
                     std::vector<std::string> fields = {}) {
    grpc::Status status;
    PutRequest(jacques, request, &status);
    EXPECT_EQ(status.error_code(), code) << status.error_message();
    if (!fields.empty()) {
      EXPECT_EQ(ViolatedFields(status), fields) << status.error_message();
    }
  };
  rv1::PutTrustRequest base;
  base.mutable_statement()->set_trustee_id(martin.person.id());

  rv1::PutTrustRequest self = base;
  self.mutable_statement()->set_trustee_id(jacques.person.id());
  refused(self, grpc::StatusCode::INVALID_ARGUMENT, {"statement.trustee_id"});

  rv1::PutTrustRequest unknown = base;
  unknown.mutable_statement()->set_trustee_id("prs_nobody");
  refused(unknown, grpc::StatusCode::NOT_FOUND);

  rv1::PutTrustRequest context = base;
  context.mutable_statement()->add_context_position_ids(claire_job.id());
  context.mutable_statement()->add_context_position_ids(jacques_job.id());  // fine: the truster's
  refused(context, grpc::StatusCode::INVALID_ARGUMENT, {"statement.context_position_ids[0]"});

  rv1::PutTrustRequest function = base;
  *function.mutable_statement()->mutable_sphere()->add_inside() = Function(jacques_job.id());
  refused(function, grpc::StatusCode::INVALID_ARGUMENT, {"statement.sphere.inside[0].key"});

  rv1::PutTrustRequest both = base;
  *both.mutable_statement()->mutable_sphere()->add_inside() = Tag("Planning");
  *both.mutable_statement()->mutable_sphere()->add_outside() = Tag("planning");
  refused(both, grpc::StatusCode::INVALID_ARGUMENT, {"statement.sphere.outside[0]"});

  rv1::PutTrustRequest duplicate = base;
  *duplicate.mutable_statement()->mutable_sphere()->add_inside() = Tag("Négociation");
  *duplicate.mutable_statement()->mutable_sphere()->add_inside() = Tag("negociation");
  duplicate.mutable_statement()->add_roles(rv1::ROLE_COLLEAGUE);
  duplicate.mutable_statement()->add_roles(rv1::ROLE_COLLEAGUE);
  refused(duplicate, grpc::StatusCode::INVALID_ARGUMENT,
          {"statement.roles[1]", "statement.sphere.inside[1]"});

  rv1::PutTrustRequest too_many = base;
  for (int i = 0; i < 51; ++i) {
    *too_many.mutable_statement()->mutable_sphere()->add_inside() = Tag("t" + std::to_string(i));
  }
  refused(too_many, grpc::StatusCode::INVALID_ARGUMENT, {"statement.sphere"});

  rv1::PutTrustRequest unknown_enum = base;
  unknown_enum.mutable_statement()->set_visibility(static_cast<rv1::Visibility>(99));
  unknown_enum.mutable_statement()->add_roles(static_cast<rv1::Role>(77));
  refused(unknown_enum, grpc::StatusCode::INVALID_ARGUMENT,
          {"statement.roles[0]", "statement.visibility"});

  rv1::PutTrustRequest as_someone_else = base;
  as_someone_else.mutable_statement()->set_truster_id(claire.person.id());
  refused(as_someone_else, grpc::StatusCode::PERMISSION_DENIED);

  rv1::PutTrustRequest stale = base;
  stale.mutable_statement()->set_etag("stale");
  refused(stale, grpc::StatusCode::ABORTED);

  EXPECT_EQ(GetCode(jacques.token, jacques, martin), grpc::StatusCode::NOT_FOUND);

  // An operator is not a person and states no trust.
  rv1::TrustStatement statement;
  EXPECT_EQ(rel()
                .PutTrust(Context(deployment_->Token("ops", "operator")).get(), base, &statement)
                .error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(rel().PutTrust(Context().get(), base, &statement).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(RelationshipsServerTest, EtagsGuardReplacementAndRequestIdsMakeRetriesSafe) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  rv1::PutTrustRequest request;
  request.mutable_statement()->set_trustee_id(martin.person.id());
  *request.mutable_statement()->mutable_sphere()->add_inside() = Tag("negotiation");
  request.set_request_id("retry-1");
  rv1::TrustStatement first = PutRequest(jacques, request);
  rv1::TrustStatement retried = PutRequest(jacques, request);
  EXPECT_EQ(first.etag(), retried.etag());

  request.mutable_statement()->set_note("changed");
  grpc::Status reused;
  PutRequest(jacques, request, &reused);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(reused), ElementsAre("request_id"));

  rv1::PutTrustRequest replace;
  *replace.mutable_statement() = first;
  replace.mutable_statement()->set_note("with the etag I read");
  rv1::TrustStatement replaced = PutRequest(jacques, replace);
  EXPECT_EQ(replaced.note(), "with the etag I read");
  grpc::Status stale;
  PutRequest(jacques, replace, &stale);
  EXPECT_EQ(stale.error_code(), grpc::StatusCode::ABORTED);
}

TEST_P(RelationshipsServerTest, BatchGetTrustReadsSeveralStatementsInRequestOrder) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Account claire = SignUp("claire");
  Put(jacques, martin, {Tag("negociation")});
  Put(claire, martin, {Tag("vente")});
  const std::string service = deployment_->Token("recommendations", "service");
  rv1::BatchGetTrustRequest request;
  for (const Account* truster : {&claire, &martin, &jacques}) {
    rv1::GetTrustRequest& pair = *request.add_pairs();
    pair.set_truster_id(truster->person.id());
    pair.set_trustee_id(truster == &martin ? jacques.person.id() : martin.person.id());
  }
  rv1::BatchGetTrustResponse response;
  ASSERT_TRUE(rel().BatchGetTrust(Context(service).get(), request, &response).ok());
  // Martin states nothing about Jacques: left out.
  ASSERT_EQ(response.statements_size(), 2);
  EXPECT_EQ(response.statements(0).truster_id(), claire.person.id());
  EXPECT_EQ(response.statements(1).truster_id(), jacques.person.id());
  EXPECT_EQ(response.statements(1).sphere().inside(0).key(), "negociation");

  request.mutable_pairs(1)->set_trustee_id("not an id!");
  grpc::Status refused = rel().BatchGetTrust(Context(service).get(), request, &response);
  EXPECT_THAT(ViolatedFields(refused), ElementsAre("pairs[1].trustee_id"));
  request.mutable_pairs(1)->set_trustee_id(jacques.person.id());
  while (request.pairs_size() <= 100) *request.add_pairs() = request.pairs(0);
  refused = rel().BatchGetTrust(Context(service).get(), request, &response);
  EXPECT_THAT(ViolatedFields(refused), ElementsAre("pairs"));
}

TEST_P(RelationshipsServerTest, OnlyTheTrusterRevokes) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Put(jacques, martin);
  rv1::RevokeTrustRequest request;
  request.set_truster_id(jacques.person.id());
  request.set_trustee_id(martin.person.id());
  rv1::TrustStatement statement;
  EXPECT_EQ(rel().RevokeTrust(Context(martin.token).get(), request, &statement).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  EXPECT_EQ(Check(jacques.token, jacques, martin, Tag("x")), rv1::VERDICT_NOT_STATED);
  request.set_trustee_id("prs_nobody");
  EXPECT_EQ(rel().RevokeTrust(Context(jacques.token).get(), request, &statement).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(RelationshipsServerTest, PendingReciprocationListsWhoAwaitsAnAnswer) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Account claire = SignUp("claire");
  Put(martin, jacques);
  Put(claire, jacques);
  rv1::ListPendingReciprocationRequest request;
  auto pending = [&] {
    return Trusters(&rv1::RelationshipService::Stub::ListPendingReciprocation, jacques.token,
                    request);
  };
  EXPECT_THAT(pending(), UnorderedElementsAre(martin.person.id() + ">" + jacques.person.id(),
                                              claire.person.id() + ">" + jacques.person.id()));
  Put(jacques, martin);  // answered
  EXPECT_THAT(pending(), ElementsAre(claire.person.id() + ">" + jacques.person.id()));
  ASSERT_TRUE(Revoke(jacques, martin).ok());  // no longer answered
  EXPECT_EQ(pending().size(), 2u);
}

TEST_P(RelationshipsServerTest, ListsPageByIdWithTokensBoundToTheQuery) {
  Account jacques = SignUp("jacques");
  std::vector<std::string> expected;
  for (int i = 0; i < 5; ++i) {
    Account other = SignUp("person" + std::to_string(i));
    Put(jacques, other, {}, {}, rv1::VISIBILITY_PUBLIC);
    expected.push_back(jacques.person.id() + ">" + other.person.id());
  }
  std::sort(expected.begin(), expected.end());
  Account reader = SignUp("reader");
  rv1::ListTrustedRequest request;
  request.set_person_id(jacques.person.id());
  request.set_page_size(2);
  std::vector<std::string> seen;
  std::string first_token;
  do {
    rv1::ListTrustedResponse page;
    ASSERT_TRUE(rel().ListTrusted(Context(reader.token).get(), request, &page).ok());
    for (const auto& statement : page.statements()) {
      seen.push_back(statement.truster_id() + ">" + statement.trustee_id());
    }
    if (first_token.empty()) first_token = page.next_page_token();
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(seen, expected);

  request.set_page_token(first_token);
  rv1::ListTrustedResponse page;
  EXPECT_EQ(rel().ListTrusted(Context(jacques.token).get(), request, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);  // another caller's token
}

TEST_P(RelationshipsServerTest, FindVouchersPathGoesThroughTheSmallestIdOneLevelUp) {
  // me - x - v and me - y - v: v is two hops away by both; the path names
  // whichever of x and y has the smaller id, as a breadth-first walk in id
  // order does, at every depth the search is asked for.
  Account me = SignUp("me");
  Account x = SignUp("x");
  Account y = SignUp("y");
  Account v = SignUp("v");
  Account subject = SignUp("subject");
  for (auto [p, q] : {std::pair(&me, &x), {&me, &y}, {&x, &v}, {&y, &v}}) {
    Mutual(*p, *q, {}, rv1::VISIBILITY_PUBLIC);
  }
  Put(v, subject, {Tag("Welding")}, {}, rv1::VISIBILITY_PUBLIC);
  const std::string& first = std::min(x.person.id(), y.person.id());
  for (int depth : {2, 3}) {
    rv1::FindVouchersResponse found = Vouchers(me.token, subject, Tag("welding"), depth);
    ASSERT_EQ(found.vouchers_size(), 1) << depth;
    EXPECT_THAT(found.vouchers(0).path(), ElementsAre(me.person.id(), first, v.person.id()))
        << depth;
  }
  EXPECT_EQ(Vouchers(me.token, subject, Tag("welding"), 1).vouchers_size(), 0);
}

TEST_P(RelationshipsServerTest, FindVouchersFollowsMutualReferencesWithShortestPaths) {
  // me - a - b - c, me - d; b and c and d vouch for subject's negotiation.
  Account me = SignUp("me");
  Account a = SignUp("a");
  Account b = SignUp("b");
  Account c = SignUp("c");
  Account d = SignUp("d");
  Account subject = SignUp("subject");
  // Links further than the caller's own references are visible to them only
  // when public.
  for (auto [x, y] : {std::pair(&me, &a), {&a, &b}, {&b, &c}, {&me, &d}}) {
    Mutual(*x, *y, {}, rv1::VISIBILITY_PUBLIC);
  }
  for (const Account* voucher : {&b, &c, &d}) {
    Put(*voucher, subject, {Tag("Negotiation")}, {}, rv1::VISIBILITY_PUBLIC);
  }
  Put(a, subject, {}, {Tag("negotiation")}, rv1::VISIBILITY_PUBLIC);  // outside: not a voucher

  auto ids = [](const rv1::FindVouchersResponse& response) {
    std::vector<std::string> result;
    for (const auto& voucher : response.vouchers()) result.push_back(voucher.person_id());
    return result;
  };
  EXPECT_THAT(ids(Vouchers(me.token, subject, Tag("negotiation"), 1)), ElementsAre(d.person.id()));
  EXPECT_THAT(ids(Vouchers(me.token, subject, Tag("negotiation"), 2)),
              ElementsAre(d.person.id(), b.person.id()));
  rv1::FindVouchersResponse deep = Vouchers(me.token, subject, Tag("NEGOTIATION"), 3);
  ASSERT_THAT(ids(deep), ElementsAre(d.person.id(), b.person.id(), c.person.id()));
  EXPECT_THAT(deep.vouchers(2).path(),
              ElementsAre(me.person.id(), a.person.id(), b.person.id(), c.person.id()));
  EXPECT_EQ(deep.vouchers(2).statement().truster_id(), c.person.id());
  EXPECT_FALSE(deep.truncated());

  // Pages of one, then the same list.
  rv1::FindVouchersRequest paged;
  paged.set_subject_id(subject.person.id());
  *paged.mutable_facet() = Tag("negotiation");
  paged.set_max_depth(3);
  paged.set_page_size(1);
  std::vector<std::string> seen;
  do {
    rv1::FindVouchersResponse page;
    ASSERT_TRUE(rel().FindVouchers(Context(me.token).get(), paged, &page).ok());
    ASSERT_LE(page.vouchers_size(), 1);
    for (const auto& voucher : page.vouchers()) seen.push_back(voucher.person_id());
    paged.set_page_token(page.next_page_token());
  } while (!paged.page_token().empty());
  EXPECT_EQ(seen, ids(deep));

  grpc::Status too_deep;
  Vouchers(me.token, subject, Tag("negotiation"), 4, &too_deep);
  EXPECT_EQ(too_deep.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(too_deep), ElementsAre("max_depth"));

  // Revoking one side of a link cuts the chain behind it.
  ASSERT_TRUE(Revoke(b, a).ok());
  EXPECT_THAT(ids(Vouchers(me.token, subject, Tag("negotiation"), 3)), ElementsAre(d.person.id()));
}

TEST_P(RelationshipsServerTest, CoverageCountsReferencesPerPositionAndFacet) {
  Account martin = SignUp("martin");
  Account jacques = SignUp("jacques");
  Account claire = SignUp("claire");
  Account paul = SignUp("paul");  // trusts Martin, not mutual: not counted
  iv1::Position sales = AddPosition(martin, "Acme", 2010, 2014);
  iv1::Position lead = AddPosition(martin, "Globex", 2015, 0);
  Put(martin, jacques);
  Put(martin, claire);
  Put(jacques, martin, {Tag("negotiation"), Function(sales.id())});
  Put(claire, martin, {Tag("negotiation"), Tag("rigour", common::v1::FACET_KIND_QUALITY)});
  Put(paul, martin, {Tag("negotiation"), Function(lead.id())});

  rv1::GetCoverageRequest request;
  request.set_person_id(martin.person.id());
  rv1::GetCoverageResponse coverage;
  ASSERT_TRUE(rel().GetCoverage(Context(martin.token).get(), request, &coverage).ok());
  std::map<std::string, int> positions;
  for (const auto& entry : coverage.positions()) {
    positions[entry.position_id()] = entry.reference_count();
  }
  EXPECT_EQ(positions, (std::map<std::string, int>{{sales.id(), 1}, {lead.id(), 0}}));
  ASSERT_EQ(coverage.facets_size(), 2);
  EXPECT_EQ(coverage.facets(0).facet().key(), "negotiation");
  EXPECT_EQ(coverage.facets(0).reference_count(), 2);
  EXPECT_EQ(coverage.facets(1).facet().key(), "rigour");
  EXPECT_EQ(coverage.facets(1).reference_count(), 1);
}

TEST_P(RelationshipsServerTest, SuggestionsComeFromOverlappingPositionsOfNonReferences) {
  Account martin = SignUp("martin");
  Account long_colleague = SignUp("long");
  Account short_colleague = SignUp("short");
  Account already = SignUp("already");
  iv1::Position mine = AddPosition(martin, "Acme", 2010, 2015);
  AddPosition(long_colleague, "ACME", 2009, 2016);
  AddPosition(short_colleague, "acme", 2015, 0);
  AddPosition(already, "Acme", 2011, 2012);
  Mutual(martin, already);

  rv1::SuggestReferencesRequest request;
  request.set_person_id(martin.person.id());
  rv1::SuggestReferencesResponse response;
  ASSERT_TRUE(rel().SuggestReferences(Context(martin.token).get(), request, &response).ok());
  ASSERT_EQ(response.suggestions_size(), 1);
  EXPECT_EQ(response.suggestions(0).position_id(), mine.id());
  std::vector<std::pair<std::string, int>> candidates;
  for (const auto& candidate : response.suggestions(0).candidates()) {
    candidates.emplace_back(candidate.person_id(), candidate.overlap_months());
  }
  EXPECT_THAT(candidates, ElementsAre(std::pair(long_colleague.person.id(), 72),
                                      std::pair(short_colleague.person.id(), 12)));

  EXPECT_EQ(
      rel().SuggestReferences(Context(long_colleague.token).get(), request, &response).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
}

// An ongoing position that starts next year has overlapped nobody yet: it
// gets no candidate, never a blank one.
TEST_P(RelationshipsServerTest, APositionNotStartedYetGetsNoBlankCandidate) {
  Account martin = SignUp("martin");
  Account colleague = SignUp("colleague");
  absl::CivilMonth soon = absl::ToCivilMonth(absl::Now(), absl::UTCTimeZone()) + 6;
  iv1::AddPositionRequest add;
  add.set_person_id(martin.person.id());
  add.mutable_position()->set_kind(iv1::POSITION_KIND_EMPLOYMENT);
  add.mutable_position()->set_organization("Futur SA");
  add.mutable_position()->set_title("Engineer");
  add.mutable_position()->mutable_period()->mutable_start()->set_year(soon.year());
  add.mutable_position()->mutable_period()->mutable_start()->set_month(soon.month());
  iv1::Position upcoming;
  ASSERT_TRUE(ident().AddPosition(Context(martin.token).get(), add, &upcoming).ok());
  AddPosition(colleague, "Futur SA", 2020, soon.year() + 5);

  rv1::SuggestReferencesRequest request;
  request.set_person_id(martin.person.id());
  rv1::SuggestReferencesResponse response;
  ASSERT_TRUE(rel().SuggestReferences(Context(martin.token).get(), request, &response).ok());
  for (const auto& suggestion : response.suggestions()) {
    for (const auto& candidate : suggestion.candidates()) {
      EXPECT_FALSE(candidate.person_id().empty()) << suggestion.DebugString();
      EXPECT_GT(candidate.overlap_months(), 0) << suggestion.DebugString();
    }
  }
  EXPECT_EQ(response.suggestions_size(), 0);
}

class RelationshipLimitsTest : public RelationshipsTest {
 protected:
  std::vector<std::string> RelationshipsFlags() const override {
    return {"--max_statements_per_truster=3", "--max_unanswered_per_truster=2",
            "--max_kept_statements_per_truster=5"};
  }
};

// Limits count only the truster's own statements: hidden statements to a
// person fill nothing, refuse nobody and show nowhere.
TEST_F(RelationshipLimitsTest, HiddenStatementsNeitherFillALimitNorShowThroughOne) {
  Account target = SignUp("target");
  std::vector<Account> hidden;
  for (const char* name : {"first", "second", "third", "fourth"}) {
    hidden.push_back(SignUp(name));
    Put(hidden.back(), target, {}, {}, rv1::VISIBILITY_PRIVATE);
  }
  rv1::ListPendingReciprocationResponse pending;
  ASSERT_TRUE(rel().ListPendingReciprocation(Context(target.token).get(), {}, &pending).ok());
  EXPECT_THAT(pending.statements(), IsEmpty());
  Account open = SignUp("open");
  grpc::Status status;
  Put(open, target, {}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_TRUE(status.ok()) << status.error_message();
  ASSERT_TRUE(rel().ListPendingReciprocation(Context(target.token).get(), {}, &pending).ok());
  ASSERT_EQ(pending.statements_size(), 1);
  EXPECT_EQ(pending.statements(0).truster_id(), open.person.id());
}

TEST_F(RelationshipLimitsTest, OneAccountCannotFloodOthersWithUnansweredStatements) {
  Account busy = SignUp("busy");
  Account a = SignUp("a");
  Account b = SignUp("b");
  Account c = SignUp("c");
  Put(busy, a);
  Put(busy, b, {}, {}, rv1::VISIBILITY_PRIVATE);  // hidden ones count for their author
  grpc::Status flooded;
  Put(busy, c, {}, {}, rv1::VISIBILITY_UNSPECIFIED, &flooded);
  EXPECT_EQ(flooded.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(flooded.error_message(), HasSubstr("waiting for an answer"));
  EXPECT_EQ(GetCode(busy.token, busy, c), grpc::StatusCode::NOT_FOUND);
  // Changing a statement already waiting adds nothing.
  Put(busy, a, {Tag("rigour")});
  // An answer frees a place.
  Put(a, busy);
  Put(busy, c);
}

TEST_F(RelationshipLimitsTest, RevokedStatementsFreeTheirPlaceWithinTheKeptHistory) {
  Account busy = SignUp("busy");
  std::vector<Account> others;
  for (const char* name : {"a", "b", "c", "d", "e", "f"}) others.push_back(SignUp(name));
  for (int i = 0; i < 3; ++i) Mutual(busy, others[i]);
  grpc::Status status;
  Put(busy, others[3], {}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("active statements"));
  ASSERT_TRUE(Revoke(busy, others[0]).ok());
  Put(busy, others[3]);
  // Reactivating a revoked statement takes an active place again.
  ASSERT_TRUE(Revoke(busy, others[1]).ok());
  Put(busy, others[0]);
  // The history (active and revoked together) is bounded too.
  ASSERT_TRUE(Revoke(busy, others[0]).ok());
  Put(busy, others[4]);
  Put(busy, others[5], {}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("revoked ones included"));
}

TEST_P(RelationshipsServerTest, AcknowledgedStatementsSurviveSigkill) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Mutual(jacques, martin, {Tag("negotiation")});
  deployment_->RestartRelationships(/*kill=*/true);
  EXPECT_THAT(References(jacques.token, jacques), ElementsAre(martin.person.id()));
  EXPECT_EQ(Check(jacques.token, martin, jacques, Tag("negotiation")), rv1::VERDICT_INSIDE);
}

TEST_P(RelationshipsServerTest, IdentityOutageRefusesWritesAndKeepsReads) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Put(jacques, martin);
  Account claire = SignUp("claire");
  deployment_->StopIdentity();
  grpc::Status status;
  Put(jacques, claire, {}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();
  EXPECT_EQ(GetCode(jacques.token, jacques, claire), grpc::StatusCode::NOT_FOUND);
  // Tokens are verified locally with the keys already fetched.
  EXPECT_EQ(GetCode(jacques.token, jacques, martin), grpc::StatusCode::OK);
}

TEST_P(RelationshipsServerTest, ADeletedPersonIsRefusedOnceIdentitysChangeLogSaysSo) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Account claire = SignUp("claire");
  Put(jacques, martin);  // martin is now remembered as live
  iv1::DeletePersonRequest erase;
  erase.set_id(martin.person.id());
  erase.set_etag(martin.person.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(ident().DeletePerson(Context(martin.token).get(), erase, &empty).ok());
  // The follower learns of the tombstone within its bound (one second by
  // default); from then on, and for good, statements about martin and by
  // him are refused, and nothing is written.
  grpc::Status status;
  for (absl::Time stop = absl::Now() + absl::Seconds(10); absl::Now() < stop;) {
    Put(jacques, martin, {Tag("negotiation")}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) break;
    absl::SleepFor(absl::Milliseconds(50));
  }
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_THAT(status.error_message(), HasSubstr("trustee_id"));
  Put(martin, claire, {}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
  EXPECT_EQ(GetCode(claire.token, martin, claire), grpc::StatusCode::NOT_FOUND);
  deployment_->RestartRelationships(/*kill=*/false);
  Put(jacques, martin, {}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND) << status.error_message();
}

TEST_P(RelationshipsServerTest, WatchStreamsEveryChangeInOrderAndResumes) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  std::string service = deployment_->Token("recommendations", "service");

  // Users may not watch.
  rv1::WatchTrustChangesRequest request;
  {
    auto context = Context(jacques.token);
    auto stream = rel().WatchTrustChanges(context.get(), request);
    rv1::TrustChange change;
    EXPECT_FALSE(stream->Read(&change));
    EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::PERMISSION_DENIED);
  }

  Put(jacques, martin, {Tag("negotiation")});
  Put(martin, jacques);
  ASSERT_TRUE(Revoke(jacques, martin).ok());

  auto read = [&](const std::string& after, int count) {
    rv1::WatchTrustChangesRequest watch;
    watch.set_after_cursor(after);
    auto context = Context(service);
    auto stream = rel().WatchTrustChanges(context.get(), watch);
    std::vector<rv1::TrustChange> changes(count);
    for (auto& change : changes) EXPECT_TRUE(stream->Read(&change));
    context->TryCancel();
    stream->Finish();
    return changes;
  };
  auto changes = read("", 3);
  EXPECT_EQ(changes[0].kind(), rv1::CHANGE_KIND_CREATED);
  EXPECT_EQ(changes[0].statement().truster_id(), jacques.person.id());
  EXPECT_EQ(changes[1].statement().truster_id(), martin.person.id());
  EXPECT_EQ(changes[2].kind(), rv1::CHANGE_KIND_REVOKED);
  EXPECT_EQ(changes[2].previous_sphere().inside(0).key(), "negotiation");

  // Resuming replays what follows the cursor, also after a crash, and new
  // changes arrive on an open stream.
  deployment_->RestartRelationships(/*kill=*/true);
  rv1::WatchTrustChangesRequest resume;
  resume.set_after_cursor(changes[0].cursor());
  auto context = Context(service);
  auto stream = rel().WatchTrustChanges(context.get(), resume);
  rv1::TrustChange next;
  ASSERT_TRUE(stream->Read(&next));
  EXPECT_EQ(next.cursor(), changes[1].cursor());
  ASSERT_TRUE(stream->Read(&next));
  EXPECT_EQ(next.cursor(), changes[2].cursor());
  Put(jacques, martin);
  ASSERT_TRUE(stream->Read(&next));
  EXPECT_EQ(next.kind(), rv1::CHANGE_KIND_UPDATED);
  context->TryCancel();
  stream->Finish();

  rv1::WatchTrustChangesRequest bad;
  bad.set_after_cursor("not-a-cursor");
  auto bad_context = Context(service);
  auto refused = rel().WatchTrustChanges(bad_context.get(), bad);
  EXPECT_FALSE(refused->Read(&next));
  EXPECT_EQ(refused->Finish().error_code(), grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(RelationshipsServerTest, SigtermEndsOpenWatchStreamsAndExitsCleanly) {
  std::string service = deployment_->Token("recommendations", "service");
  rv1::WatchTrustChangesRequest request;
  auto context = Context(service);
  auto stream = rel().WatchTrustChanges(context.get(), request);
  EXPECT_EQ(deployment_->relationships_server().Health(), "SERVING");
  EXPECT_EQ(deployment_->relationships_server().Terminate(), 0);
  rv1::TrustChange change;
  EXPECT_FALSE(stream->Read(&change));
  EXPECT_EQ(stream->Finish().error_code(), grpc::StatusCode::UNAVAILABLE);
}

class ConsistencyTokenTest : public RelationshipsTest {
 protected:
  // GetTrust of truster's statement about trustee, sending `token`.
  grpc::Status GetWithToken(const Account& truster, const Account& trustee,
                            const std::string& token) {
    auto context = Context(truster.token);
    context->AddMetadata("trustsphere-consistency-token", token);
    rv1::GetTrustRequest request;
    request.set_truster_id(truster.person.id());
    request.set_trustee_id(trustee.person.id());
    rv1::TrustStatement statement;
    return rel().GetTrust(context.get(), request, &statement);
  }
};

uint64_t Position(const std::string& token) {
  uint64_t position = 0;
  EXPECT_TRUE(absl::StartsWith(token, "v1.") && absl::SimpleAtoi(token.substr(3), &position))
      << token;
  return position;
}

// A write's answer names the change-log position it is at; a read that
// sends it back is answered once the replica has applied it (the waits
// themselves: consistency_tokens_test.cc); a malformed token is refused.
TEST_F(ConsistencyTokenTest, AWritesTokenIsHonouredAndAMalformedOneRefused) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  rv1::PutTrustRequest put;
  put.mutable_statement()->set_trustee_id(bob.person.id());
  auto context = Context(alice.token);
  rv1::TrustStatement statement;
  ASSERT_TRUE(rel().PutTrust(context.get(), put, &statement).ok());
  auto header = context->GetServerInitialMetadata().find("trustsphere-consistency-token");
  ASSERT_NE(header, context->GetServerInitialMetadata().end());
  const std::string token(header->second.data(), header->second.size());
  const uint64_t written_at = Position(token);
  EXPECT_GE(written_at, 1u);

  EXPECT_TRUE(GetWithToken(alice, bob, token).ok());
  // Past anything this database handed out: nothing to wait for.
  EXPECT_TRUE(GetWithToken(alice, bob, absl::StrCat("v1.", written_at + 1000000)).ok());
  EXPECT_EQ(GetWithToken(alice, bob, "not-a-token").error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);

  // A write whose token is refused writes nothing.
  rv1::PutTrustRequest narrowed = put;
  *narrowed.mutable_statement()->mutable_sphere()->add_inside() = Tag("rigour");
  auto refused = Context(alice.token);
  refused->AddMetadata("trustsphere-consistency-token", "v1.x");
  EXPECT_EQ(rel().PutTrust(refused.get(), narrowed, &statement).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_EQ(Check(alice.token, alice, bob, Tag("rigour")), rv1::VERDICT_NOT_STATED);

  // A later answer is at least as far along.
  auto later = Context(alice.token);
  rv1::GetTrustRequest get;
  get.set_truster_id(alice.person.id());
  get.set_trustee_id(bob.person.id());
  ASSERT_TRUE(rel().GetTrust(later.get(), get, &statement).ok());
  auto again = later->GetServerInitialMetadata().find("trustsphere-consistency-token");
  ASSERT_NE(again, later->GetServerInitialMetadata().end());
  EXPECT_GE(Position(std::string(again->second.data(), again->second.size())), written_at);
}

class RelationshipsOnPostgresTest : public RelationshipsTest {
 protected:
  std::vector<std::string> RelationshipsFlags() const override {
    return {"--storage=postgres", "--database_url=" + (postgres_ ? postgres_->ConnInfo() : ""),
            "--health_probe_period=100ms"};
  }

  bool HealthBecomes(const std::string& wanted) {
    for (int i = 0; i < 300; ++i) {
      if (deployment_->relationships_server().Health() == wanted) return true;
      absl::SleepFor(absl::Milliseconds(50));
    }
    return false;
  }

  // Started before SetUp asks for the flags.
  std::unique_ptr<PostgresServer> postgres_ = PostgresServer::Start();
};

// The database lost while serving: NOT_SERVING within a few probes and
// writes UNAVAILABLE, with nothing half-written; once it is back, SERVING
// again and writes go through, with no restart of the server.
TEST_F(RelationshipsOnPostgresTest, HealthAndWritesFollowTheDatabase) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Put(jacques, martin, {Tag("negotiation")});
  ASSERT_TRUE(HealthBecomes("SERVING"));

  postgres_->Stop(/*kill=*/false);
  EXPECT_TRUE(HealthBecomes("NOT_SERVING")) << deployment_->relationships_server().Health();
  grpc::Status status;
  Put(martin, jacques, {Tag("negotiation")}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE) << status.error_message();

  ASSERT_TRUE(postgres_->Restart());
  EXPECT_TRUE(HealthBecomes("SERVING")) << deployment_->relationships_server().Health();
  EXPECT_THAT(References(jacques.token, jacques), IsEmpty());
  Put(martin, jacques, {Tag("negotiation")});
  EXPECT_THAT(References(jacques.token, jacques), ElementsAre(martin.person.id()));
  EXPECT_EQ(Check(jacques.token, martin, jacques, Tag("negotiation")), rv1::VERDICT_INSIDE);
}

}  // namespace
}  // namespace trustsphere::testing
