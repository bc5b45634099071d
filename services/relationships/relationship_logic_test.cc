// RelationshipLogic called directly, over a real RocksDB store in a
// temporary folder and an identity directory in memory: every rule of
// statements, visibility, limits and graph queries, in milliseconds. The
// server tests in tests/ prove the wiring.

#include "services/relationships/relationship_logic.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/notification.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "services/common/downstream/fake_identity_directory.h"
#include "services/relationships/forwarding_trust_store.h"
#include "services/relationships/rocksdb_trust_store.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::relationships {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;

common::v1::Facet Tag(const std::string& key) {
  common::v1::Facet facet;
  facet.set_kind(common::v1::FACET_KIND_COMPETENCY);
  facet.set_key(key);
  return facet;
}

common::v1::Facet Function(const std::string& position_id) {
  common::v1::Facet facet;
  facet.set_kind(common::v1::FACET_KIND_FUNCTION);
  facet.set_key(position_id);
  return facet;
}

Caller Person(const std::string& id) {
  return Caller{.person_id = id, .roles = static_cast<uint32_t>(Role::kUser)};
}

const Caller kOperator{.person_id = "ops", .roles = static_cast<uint32_t>(Role::kOperator)};

class RelationshipLogicTest : public ::testing::Test {
 protected:
  void SetUp() override { Open({}); }

  void Open(RelationshipOptions options) {
    logic_.reset();
    auto store = RocksDbTrustStore::Open(dir_.Sub("db"), /*sync_writes=*/false);
    ASSERT_TRUE(store.ok()) << store.status();
    auto page_tokens = PageTokenCodecFor(**store);
    ASSERT_TRUE(page_tokens.ok());
    options.tag_use_period = absl::Milliseconds(10);
    logic_ = std::make_unique<RelationshipLogic>(std::move(*store), &identity_,
                                                 std::move(*page_tokens), options);
  }

  // People known to identity.
  void People(std::initializer_list<const char*> ids) {
    for (const char* id : ids) identity_.AddPerson(id);
  }

  v1::PutTrustRequest Request(const std::string& trustee, std::vector<common::v1::Facet> inside,
                              v1::Visibility visibility) {
    v1::PutTrustRequest request;
    request.mutable_statement()->set_trustee_id(trustee);
    for (auto& facet : inside) *request.mutable_statement()->mutable_sphere()->add_inside() = facet;
    request.mutable_statement()->set_visibility(visibility);
    return request;
  }

  absl::StatusOr<v1::TrustStatement> Put(const std::string& truster, const std::string& trustee,
                                         std::vector<common::v1::Facet> inside = {},
                                         v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED) {
    return logic_->PutTrust(Person(truster), Request(trustee, std::move(inside), visibility));
  }

  void Mutual(const std::string& a, const std::string& b,
              std::vector<common::v1::Facet> inside = {},
              v1::Visibility visibility = v1::VISIBILITY_UNSPECIFIED) {
    ASSERT_TRUE(Put(a, b, inside, visibility).ok());
    ASSERT_TRUE(Put(b, a, inside, visibility).ok());
  }

  absl::Status Revoke(const std::string& truster, const std::string& trustee) {
    v1::RevokeTrustRequest request;
    request.set_truster_id(truster);
    request.set_trustee_id(trustee);
    return logic_->RevokeTrust(Person(truster), request).status();
  }

  v1::Verdict Check(const Caller& caller, const std::string& truster, const std::string& trustee,
                    const common::v1::Facet& facet) {
    v1::CheckTrustRequest request;
    request.set_truster_id(truster);
    request.set_trustee_id(trustee);
    *request.mutable_facet() = facet;
    auto response = logic_->CheckTrust(caller, request);
    EXPECT_TRUE(response.ok()) << response.status();
    return response.ok() ? response->verdict() : v1::VERDICT_UNSPECIFIED;
  }

  absl::StatusCode GetCode(const Caller& caller, const std::string& truster,
                           const std::string& trustee) {
    v1::GetTrustRequest request;
    request.set_truster_id(truster);
    request.set_trustee_id(trustee);
    return logic_->GetTrust(caller, request).status().code();
  }

  std::vector<std::string> Trusting(const Caller& caller, const std::string& person) {
    v1::ListTrustingRequest request;
    request.set_person_id(person);
    auto response = logic_->ListTrusting(caller, request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> ids;
    for (const auto& statement : response->statements()) ids.push_back(statement.truster_id());
    return ids;
  }

  std::vector<std::string> References(const Caller& caller, const std::string& person) {
    v1::ListReferencesRequest request;
    request.set_person_id(person);
    auto response = logic_->ListReferences(caller, request);
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> ids;
    for (const auto& reference : response->references()) ids.push_back(reference.person_id());
    return ids;
  }

  std::vector<std::string> Pending(const std::string& person) {
    auto response = logic_->ListPendingReciprocation(Person(person), {});
    EXPECT_TRUE(response.ok()) << response.status();
    std::vector<std::string> ids;
    for (const auto& statement : response->statements()) ids.push_back(statement.truster_id());
    return ids;
  }

  // Changes of the log that concern truster -> trustee.
  int ChangesOf(const std::string& truster, const std::string& trustee) {
    auto changes = logic_->store().Changes(0, 1000);
    EXPECT_TRUE(changes.ok());
    int count = 0;
    for (const auto& entry : *changes) {
      count += entry.change.statement().truster_id() == truster &&
               entry.change.statement().trustee_id() == trustee;
    }
    return count;
  }

  testing::TempDir dir_;
  FakeIdentityDirectory identity_;
  std::unique_ptr<RelationshipLogic> logic_;
};

TEST_F(RelationshipLogicTest, ASphereIsValidatedAndNormalised) {
  People({"jacques", "martin"});
  auto conflicting = logic_->PutTrust(Person("jacques"), [&] {
    auto request = Request("martin", {Tag("Négociation")}, v1::VISIBILITY_UNSPECIFIED);
    *request.mutable_statement()->mutable_sphere()->add_outside() = Tag("negociation");
    return request;
  }());
  EXPECT_TRUE(absl::IsInvalidArgument(conflicting.status())) << conflicting.status();
  EXPECT_EQ(Put("jacques", "jacques").status().code(), absl::StatusCode::kInvalidArgument);

  auto stored = Put("jacques", "martin", {Tag("Négociation ")});
  ASSERT_TRUE(stored.ok()) << stored.status();
  EXPECT_EQ(stored->sphere().inside(0).key(), "negociation");
  EXPECT_EQ(stored->visibility(), v1::VISIBILITY_TRUSTEE);  // the default
  EXPECT_EQ(stored->truster_id(), "jacques");
  EXPECT_EQ(Check(Person("martin"), "jacques", "martin", Tag("NÉGOCIATION")), v1::VERDICT_INSIDE);
  EXPECT_EQ(Check(Person("martin"), "jacques", "martin", Tag("planning")), v1::VERDICT_NOT_STATED);
}

TEST_F(RelationshipLogicTest, PositionsNamedMustBelongToThePair) {
  People({"jacques", "martin", "claire"});
  auto martins = identity_.AddPosition("martin", "Acme", 2015, 1);
  auto claires = identity_.AddPosition("claire", "Acme", 2015, 1);
  EXPECT_TRUE(Put("jacques", "martin", {Function(martins.id())}).ok());
  auto foreign = Put("jacques", "martin", {Function(claires.id())});
  EXPECT_TRUE(absl::IsInvalidArgument(foreign.status()));
  EXPECT_THAT(foreign.status().message(), HasSubstr("statement.sphere.inside[0].key"));
  v1::PutTrustRequest context = Request("martin", {}, v1::VISIBILITY_UNSPECIFIED);
  context.mutable_statement()->add_context_position_ids(claires.id());
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->PutTrust(Person("jacques"), context).status()));
}

TEST_F(RelationshipLogicTest, IdentityDecidesWhoExistsAndItsOutageWritesNothing) {
  People({"jacques", "martin", "gone"});
  identity_.DeletePerson("gone");
  EXPECT_TRUE(absl::IsNotFound(Put("jacques", "nobody").status()));
  EXPECT_TRUE(absl::IsNotFound(Put("jacques", "gone").status()));
  // A deleted person's token still verifies until it expires; it writes nothing.
  EXPECT_TRUE(absl::IsNotFound(Put("gone", "martin").status()));

  identity_.SetUnavailable(true);
  EXPECT_TRUE(absl::IsUnavailable(Put("jacques", "martin").status()));
  identity_.SetUnavailable(false);
  EXPECT_EQ(GetCode(Person("jacques"), "jacques", "martin"), absl::StatusCode::kNotFound);
  EXPECT_EQ(ChangesOf("jacques", "martin"), 0);
  EXPECT_TRUE(Put("jacques", "martin").ok());
}

TEST_F(RelationshipLogicTest, EachVisibilityShowsAStatementToItsOwnReaders) {
  People({"truster", "trustee", "friend", "stranger"});
  Mutual("truster", "friend");
  const Caller truster = Person("truster"), trustee = Person("trustee"),
               friend_of_truster = Person("friend"), stranger = Person("stranger");
  struct Case {
    v1::Visibility visibility;
    bool trustee_sees, friend_sees, stranger_sees;
  };
  for (const Case& c : {Case{v1::VISIBILITY_PRIVATE, false, false, false},
                        Case{v1::VISIBILITY_TRUSTEE, true, false, false},
                        Case{v1::VISIBILITY_NETWORK, true, true, false},
                        Case{v1::VISIBILITY_PUBLIC, true, true, true}}) {
    SCOPED_TRACE(v1::Visibility_Name(c.visibility));
    ASSERT_TRUE(Put("truster", "trustee", {Tag("rigour")}, c.visibility).ok());
    auto seen = [&](const Caller& reader) {
      const bool by_get = GetCode(reader, "truster", "trustee") == absl::StatusCode::kOk;
      const bool by_check =
          Check(reader, "truster", "trustee", Tag("rigour")) == v1::VERDICT_INSIDE;
      const auto trusting = Trusting(reader, "trustee");
      const bool by_list = std::find(trusting.begin(), trusting.end(), "truster") != trusting.end();
      EXPECT_EQ(by_get, by_check);
      EXPECT_EQ(by_get, by_list);
      return by_get;
    };
    EXPECT_TRUE(seen(truster));
    EXPECT_TRUE(seen(kOperator));
    EXPECT_EQ(seen(trustee), c.trustee_sees);
    EXPECT_EQ(seen(friend_of_truster), c.friend_sees);
    EXPECT_EQ(seen(stranger), c.stranger_sees);
    // The trustee is told of what they can see, and only that.
    EXPECT_EQ(Pending("trustee").size(), c.trustee_sees ? 1u : 0u);
  }
}

TEST_F(RelationshipLogicTest, AReferenceShowsOnlyWhenBothStatementsAreVisible) {
  People({"a", "b", "c"});
  Mutual("a", "b", {}, v1::VISIBILITY_PUBLIC);
  EXPECT_THAT(References(Person("c"), "a"), ElementsAre("b"));
  ASSERT_TRUE(Put("b", "a", {}, v1::VISIBILITY_PRIVATE).ok());
  EXPECT_THAT(References(Person("c"), "a"), IsEmpty());
  EXPECT_THAT(References(Person("a"), "a"), IsEmpty());  // b's side is b's alone
  EXPECT_THAT(References(Person("b"), "a"), ElementsAre("b"));
  ASSERT_TRUE(Revoke("a", "b").ok());
  EXPECT_THAT(References(Person("b"), "a"), IsEmpty());
}

TEST_F(RelationshipLogicTest, HiddenStatementsWeighNothingInAnyoneElsesLimit) {
  Open({.limits = {.max_active = 10, .max_kept = 10, .max_unanswered = 1}});
  People({"target", "h1", "h2", "h3", "h4", "open"});
  for (const char* hidden : {"h1", "h2", "h3", "h4"}) {
    ASSERT_TRUE(Put(hidden, "target", {}, v1::VISIBILITY_PRIVATE).ok());
  }
  EXPECT_THAT(Pending("target"), IsEmpty());
  // Others' unanswered statements, seen or not, refuse nobody.
  EXPECT_TRUE(Put("open", "target").ok());
  EXPECT_THAT(Pending("target"), ElementsAre("open"));
}

TEST_F(RelationshipLogicTest, OneTrusterCannotFloodWithUnansweredStatements) {
  Open({.limits = {.max_active = 10, .max_kept = 10, .max_unanswered = 2}});
  People({"busy", "a", "b", "c"});
  ASSERT_TRUE(Put("busy", "a").ok());
  ASSERT_TRUE(Put("busy", "b", {}, v1::VISIBILITY_PRIVATE).ok());
  auto flooded = Put("busy", "c");
  EXPECT_TRUE(absl::IsResourceExhausted(flooded.status()));
  EXPECT_THAT(flooded.status().message(), HasSubstr("waiting for an answer"));
  EXPECT_TRUE(Put("busy", "a", {Tag("rigour")}).ok());  // adds nothing waiting
  ASSERT_TRUE(Put("b", "busy").ok());                   // an answer frees a place
  EXPECT_TRUE(Put("busy", "c").ok());
  ASSERT_TRUE(Revoke("busy", "a").ok());  // so does a revocation
  People({"d"});
  EXPECT_TRUE(Put("busy", "d").ok());
}

// Whether someone answered a person privately must not show through that
// person's budget: a PRIVATE answer frees no place, a visible one does.
TEST_F(RelationshipLogicTest, APrivateAnswerShowsThroughNoLimit) {
  Open({.limits = {.max_active = 10, .max_kept = 10, .max_unanswered = 1}});
  People({"asker", "answers_privately", "other"});
  ASSERT_TRUE(Put("asker", "answers_privately").ok());
  ASSERT_TRUE(Put("answers_privately", "asker", {}, v1::VISIBILITY_PRIVATE).ok());
  EXPECT_TRUE(absl::IsResourceExhausted(Put("asker", "other").status()));
  ASSERT_TRUE(Put("answers_privately", "asker", {}, v1::VISIBILITY_TRUSTEE).ok());
  EXPECT_TRUE(Put("asker", "other").ok());
}

TEST_F(RelationshipLogicTest, RevokingFreesAnActivePlaceWithinTheKeptHistory) {
  Open({.limits = {.max_active = 2, .max_kept = 3, .max_unanswered = 10}});
  People({"busy", "a", "b", "c", "d"});
  ASSERT_TRUE(Put("busy", "a").ok());
  ASSERT_TRUE(Put("busy", "b").ok());
  auto full = Put("busy", "c");
  EXPECT_TRUE(absl::IsResourceExhausted(full.status()));
  EXPECT_THAT(full.status().message(), HasSubstr("active statements"));
  ASSERT_TRUE(Revoke("busy", "a").ok());
  ASSERT_TRUE(Put("busy", "c").ok());
  // Reactivating a revoked one takes an active place, not a kept one.
  ASSERT_TRUE(Revoke("busy", "b").ok());
  EXPECT_TRUE(Put("busy", "a").ok());
  ASSERT_TRUE(Revoke("busy", "a").ok());
  auto history = Put("busy", "d");
  EXPECT_TRUE(absl::IsResourceExhausted(history.status()));
  EXPECT_THAT(history.status().message(), HasSubstr("revoked ones included"));
}

TEST_F(RelationshipLogicTest, ConcurrentRetriesOfOneRequestWriteOnce) {
  People({"jacques", "martin"});
  v1::PutTrustRequest request = Request("martin", {Tag("negotiation")}, v1::VISIBILITY_NETWORK);
  request.set_request_id("retry-42");
  std::vector<std::string> etags(4);
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&, i] {
      auto stored = logic_->PutTrust(Person("jacques"), request);
      ASSERT_TRUE(stored.ok()) << stored.status();
      etags[i] = stored->etag();
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_THAT(etags, ElementsAre(etags[0], etags[0], etags[0], etags[0]));
  EXPECT_EQ(ChangesOf("jacques", "martin"), 1);
}

TEST_F(RelationshipLogicTest, ARetryIsComparedAfterNormalisation) {
  People({"jacques", "martin"});
  v1::PutTrustRequest first = Request("martin", {}, v1::VISIBILITY_UNSPECIFIED);
  first.set_request_id("once");
  auto stored = logic_->PutTrust(Person("jacques"), first);
  ASSERT_TRUE(stored.ok()) << stored.status();
  // The default spelt out, an empty sphere, the caller as truster, another
  // spelling of a tag: the same request.
  v1::PutTrustRequest same = Request("martin", {}, v1::VISIBILITY_TRUSTEE);
  same.set_request_id("once");
  same.mutable_statement()->mutable_sphere();
  same.mutable_statement()->set_truster_id("jacques");
  auto retried = logic_->PutTrust(Person("jacques"), same);
  ASSERT_TRUE(retried.ok()) << retried.status();
  EXPECT_EQ(retried->etag(), stored->etag());
  // Other content under the same id is refused and writes nothing.
  v1::PutTrustRequest other = Request("martin", {}, v1::VISIBILITY_PUBLIC);
  other.set_request_id("once");
  auto refused = logic_->PutTrust(Person("jacques"), other);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status()));
  EXPECT_EQ(ChangesOf("jacques", "martin"), 1);
}

TEST_F(RelationshipLogicTest, EtagsGuardUpdatesAndRevocations) {
  People({"jacques", "martin"});
  auto first = Put("jacques", "martin");
  ASSERT_TRUE(first.ok());
  ASSERT_TRUE(Put("jacques", "martin", {Tag("rigour")}).ok());
  v1::PutTrustRequest stale = Request("martin", {}, v1::VISIBILITY_UNSPECIFIED);
  stale.mutable_statement()->set_etag(first->etag());
  EXPECT_TRUE(absl::IsAborted(logic_->PutTrust(Person("jacques"), stale).status()));
  v1::RevokeTrustRequest revoke;
  revoke.set_truster_id("jacques");
  revoke.set_trustee_id("martin");
  revoke.set_etag(first->etag());
  EXPECT_TRUE(absl::IsAborted(logic_->RevokeTrust(Person("jacques"), revoke).status()));
  revoke.set_truster_id("martin");
  revoke.set_trustee_id("jacques");
  EXPECT_TRUE(absl::IsPermissionDenied(logic_->RevokeTrust(Person("jacques"), revoke).status()));
}

TEST_F(RelationshipLogicTest, VouchersAreFoundThroughVisibleReferencesOnly) {
  People({"me", "friend", "friend2", "voucher", "hidden", "subject"});
  // NETWORK: what references of either side see, so the walk may pass.
  Mutual("me", "friend", {}, v1::VISIBILITY_NETWORK);
  Mutual("friend", "voucher", {}, v1::VISIBILITY_NETWORK);
  ASSERT_TRUE(Put("voucher", "subject", {Tag("negotiation")}, v1::VISIBILITY_PUBLIC).ok());
  // A holder reachable only through a private edge stays out.
  Mutual("me", "friend2", {}, v1::VISIBILITY_NETWORK);
  ASSERT_TRUE(Put("friend2", "hidden", {}, v1::VISIBILITY_NETWORK).ok());
  ASSERT_TRUE(Put("hidden", "friend2", {}, v1::VISIBILITY_PRIVATE).ok());
  ASSERT_TRUE(Put("hidden", "subject", {Tag("negotiation")}, v1::VISIBILITY_PUBLIC).ok());

  v1::FindVouchersRequest request;
  request.set_subject_id("subject");
  *request.mutable_facet() = Tag(" NEGOTIATION");
  request.set_max_depth(1);
  auto found = logic_->FindVouchers(Person("me"), request);
  ASSERT_TRUE(found.ok()) << found.status();
  EXPECT_THAT(found->vouchers(), IsEmpty());  // not a reference of mine
  request.set_max_depth(3);
  found = logic_->FindVouchers(Person("me"), request);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->vouchers_size(), 1);
  EXPECT_EQ(found->vouchers(0).person_id(), "voucher");
  EXPECT_THAT(found->vouchers(0).path(), ElementsAre("me", "friend", "voucher"));
  EXPECT_EQ(found->vouchers(0).statement().trustee_id(), "subject");
  request.set_max_depth(4);
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->FindVouchers(Person("me"), request).status()));
}

TEST_F(RelationshipLogicTest, CoverageCountsWhatVisibleReferencesVouchFor) {
  People({"martin", "a", "b", "c"});
  auto job = identity_.AddPosition("martin", "Acme", 2015, 1);
  Mutual("a", "martin", {}, v1::VISIBILITY_PUBLIC);
  Mutual("b", "martin", {}, v1::VISIBILITY_PUBLIC);
  ASSERT_TRUE(Put("a", "martin", {Function(job.id()), Tag("rigour")}, v1::VISIBILITY_PUBLIC).ok());
  ASSERT_TRUE(Put("b", "martin", {Tag("rigour")}, v1::VISIBILITY_PRIVATE).ok());
  v1::GetCoverageRequest request;
  request.set_person_id("martin");
  auto seen_by_c = logic_->GetCoverage(Person("c"), request);
  ASSERT_TRUE(seen_by_c.ok()) << seen_by_c.status();
  ASSERT_EQ(seen_by_c->positions_size(), 1);
  EXPECT_EQ(seen_by_c->positions(0).reference_count(), 1);
  ASSERT_EQ(seen_by_c->facets_size(), 1);
  EXPECT_EQ(seen_by_c->facets(0).reference_count(), 1);  // b's is private
  auto seen_by_martin = logic_->GetCoverage(Person("martin"), request);
  EXPECT_EQ(seen_by_martin->facets(0).reference_count(), 1);  // b's is b's alone
}

TEST_F(RelationshipLogicTest, SuggestionsNeverHoldABlankCandidate) {
  People({"martin", "long", "upcoming", "reference"});
  auto mine = identity_.AddPosition("martin", "Acme", 2010, 1, 2015, 12);
  identity_.AddPosition("long", "ACME", 2009, 1, 2016, 12);
  identity_.AddPosition("reference", "Acme", 2011, 1, 2012, 12);
  Mutual("martin", "reference");
  // Overlapping only in the future: no months shared yet.
  const absl::CivilMonth soon = absl::ToCivilMonth(absl::Now(), absl::UTCTimeZone()) + 6;
  identity_.AddPosition("martin", "Futur SA", static_cast<int>(soon.year()), soon.month());
  identity_.AddPosition("upcoming", "Futur SA", 2020, 1, static_cast<int>(soon.year()) + 5, 12);

  v1::SuggestReferencesRequest request;
  request.set_person_id("martin");
  auto response = logic_->SuggestReferences(Person("martin"), request);
  ASSERT_TRUE(response.ok()) << response.status();
  ASSERT_EQ(response->suggestions_size(), 1);
  EXPECT_EQ(response->suggestions(0).position_id(), mine.id());
  ASSERT_EQ(response->suggestions(0).candidates_size(), 1);
  EXPECT_EQ(response->suggestions(0).candidates(0).person_id(), "long");
  EXPECT_EQ(response->suggestions(0).candidates(0).overlap_months(), 72);
  EXPECT_TRUE(
      absl::IsPermissionDenied(logic_->SuggestReferences(Person("long"), request).status()));
}

TEST_F(RelationshipLogicTest, AnImportAppliesPutTrustsRulesInStreamOrder) {
  Open({.limits = {.max_active = 10, .max_kept = 10, .max_unanswered = 1}});
  People({"a", "b", "c", "d"});
  auto statement = [](const std::string& truster, const std::string& trustee) {
    v1::TrustStatement s;
    s.set_truster_id(truster);
    s.set_trustee_id(trustee);
    return s;
  };
  v1::ImportTrustRequest batch;
  *batch.add_statements() = statement("a", "b");
  *batch.add_statements() = statement("b", "a");  // answers a within the batch
  *batch.add_statements() = statement("a", "c");
  v1::ImportTrustResponse totals;
  ASSERT_TRUE(logic_->ImportTrust(kOperator, batch, &totals).ok());
  EXPECT_EQ(totals.statements_imported(), 3);
  EXPECT_THAT(References(kOperator, "a"), ElementsAre("b"));

  // Rerun: what is there is skipped; one more unanswered one is too many.
  *batch.add_statements() = statement("c", "b");
  *batch.add_statements() = statement("c", "d");
  auto refused = logic_->ImportTrust(kOperator, batch, &totals);
  EXPECT_TRUE(absl::IsResourceExhausted(refused));
  EXPECT_THAT(refused.message(), HasSubstr("statements[4]"));
  EXPECT_EQ(GetCode(kOperator, "c", "b"), absl::StatusCode::kNotFound);  // the batch is atomic
  EXPECT_TRUE(absl::IsPermissionDenied(logic_->ImportTrust(Person("a"), batch, &totals)));
}

TEST_F(RelationshipLogicTest, TagUsesReachTheVocabulary) {
  People({"jacques", "martin"});
  ASSERT_TRUE(Put("jacques", "martin", {Tag("Négociation")}).ok());
  std::vector<identity::v1::Tag> recorded;
  for (absl::Time until = absl::Now() + absl::Seconds(30);
       recorded.empty() && absl::Now() < until;) {
    recorded = identity_.RecordedTags();
    if (recorded.empty()) absl::SleepFor(absl::Milliseconds(5));
  }
  ASSERT_EQ(recorded.size(), 1u);
  // The truster's spelling, which identity normalises for the key and keeps
  // for display.
  EXPECT_EQ(recorded[0].key(), "Négociation");
}

// A store whose writes of statements (not erasures) wait before they
// land, saying when one has started: a write in flight, held open.
class SlowWrites final : public ForwardingTrustStore {
 public:
  using ForwardingTrustStore::ForwardingTrustStore;
  absl::StatusOr<uint64_t> Apply(const std::vector<StatementChange>& changes,
                                 const std::optional<RequestRecord>& request) override {
    if (!changes.empty() && !IsErased(changes[0].after)) {
      writing_.Notify();
      std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return ForwardingTrustStore::Apply(changes, request);
  }
  absl::Notification writing_;
};

// A statement about a person, confirmed with identity before the person's
// deletion and still being written when the erasure starts: the erasure
// waits for it and takes it too, and later writes are refused NOT_FOUND.
TEST_F(RelationshipLogicTest, AnErasureTakesTheWriteInFlightAndRefusesTheNext) {
  People({"erased", "writer"});
  auto rocks = RocksDbTrustStore::Open(dir_.Sub("slow"), /*sync_writes=*/false);
  ASSERT_TRUE(rocks.ok()) << rocks.status();
  auto page_tokens = PageTokenCodecFor(**rocks);
  ASSERT_TRUE(page_tokens.ok());
  auto slow = std::make_unique<SlowWrites>(std::move(*rocks));
  SlowWrites* store = slow.get();
  RelationshipLogic logic(std::move(slow), &identity_, std::move(*page_tokens), {});

  std::thread writer([&] {
    auto put = logic.PutTrust(Person("writer"),
                              Request("erased", {Tag("rigour")}, v1::VISIBILITY_UNSPECIFIED));
    EXPECT_TRUE(put.ok()) << put.status();
  });
  store->writing_.WaitForNotification();
  identity_.DeletePerson("erased");
  auto erased = logic.ErasePerson("erased");
  writer.join();
  ASSERT_TRUE(erased.ok()) << erased.status();
  EXPECT_EQ(*erased, 1);

  auto any = [](const v1::TrustStatement&) { return true; };
  auto about = store->Latest()->Incoming("erased", "", 10, any);
  ASSERT_TRUE(about.ok());
  EXPECT_THAT(about->items, IsEmpty());
  auto again = logic.PutTrust(Person("writer"),
                              Request("erased", {Tag("rigour")}, v1::VISIBILITY_UNSPECIFIED));
  EXPECT_EQ(again.status().code(), absl::StatusCode::kNotFound);
  EXPECT_EQ(*logic.ErasePerson("erased"), 0);
}

}  // namespace
}  // namespace trustsphere::relationships
