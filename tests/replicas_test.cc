// Replicas on one PostgreSQL database, as real servers. Relationships: a
// client writes through one and reads through another with the write's
// consistency token and sees its write; a watcher of one replica receives
// what the other committed, pushed; one replica killed, the other goes on.
// Identity: what one process's locks kept true (one person per email, tag
// counts, the login throttle) stays true across replicas. Recommendations:
// one replica at a time consumes the relationships stream, and a killed
// consumer is taken over with no change missed.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/time/clock.h"
#include "tests/relationships_fixture.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class RelationshipsReplicasTest : public RelationshipsTest {
 protected:
  std::vector<std::string> RelationshipsFlags() const override {
    return {"--storage=postgres", "--database_url=" + (postgres_ ? postgres_->ConnInfo() : "")};
  }

  void SetUp() override {
    RelationshipsTest::SetUp();
    other_ = deployment_->StartReplica(Server::kRelationships, "relationships_b");
    ASSERT_NE(other_, nullptr);
    other_stub_ = rv1::RelationshipService::NewStub(other_->NewChannel());
  }

  // PutTrust through `stub`; returns the answer's consistency token.
  std::string PutThrough(rv1::RelationshipService::Stub& stub, const Account& truster,
                         const Account& trustee, const common::v1::Facet& facet,
                         const std::string& token = "") {
    rv1::PutTrustRequest request;
    request.mutable_statement()->set_trustee_id(trustee.person.id());
    *request.mutable_statement()->mutable_sphere()->add_inside() = facet;
    auto context = Context(truster.token);
    if (!token.empty()) context->AddMetadata(kConsistencyTokenHeader, token);
    rv1::TrustStatement statement;
    grpc::Status status = stub.PutTrust(context.get(), request, &statement);
    EXPECT_TRUE(status.ok()) << status.error_message();
    auto header = context->GetServerInitialMetadata().find(kConsistencyTokenHeader);
    if (header == context->GetServerInitialMetadata().end()) return "";
    return std::string(header->second.data(), header->second.size());
  }

  std::vector<std::string> ReferencesThrough(rv1::RelationshipService::Stub& stub,
                                             const std::string& token, const Account& person) {
    rv1::ListReferencesRequest request;
    request.set_person_id(person.person.id());
    auto context = Context(person.token);
    context->AddMetadata(kConsistencyTokenHeader, token);
    rv1::ListReferencesResponse response;
    grpc::Status status = stub.ListReferences(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const auto& reference : response.references()) ids.push_back(reference.person_id());
    return ids;
  }

  // Started before SetUp asks for the flags.
  std::unique_ptr<PostgresServer> postgres_ = PostgresServer::Start();
  std::unique_ptr<ServerProcess> other_;
  std::unique_ptr<rv1::RelationshipService::Stub> other_stub_;
};

TEST_F(RelationshipsReplicasTest, AWriteThroughOneIsReadThroughTheOtherWithItsToken) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  // Opened before the writes: what the other replica commits is pushed.
  auto watch_context = Context(deployment_->Token("recommendations", "service"));
  watch_context->set_deadline(std::chrono::system_clock::now() + std::chrono::seconds(20));
  auto watch = other_stub_->WatchTrustChanges(watch_context.get(), {});

  for (int round = 0; round < 5; ++round) {
    const common::v1::Facet facet = Tag("negotiation" + std::to_string(round));
    const std::string written = PutThrough(rel(), alice, bob, facet);
    ASSERT_FALSE(written.empty());
    EXPECT_EQ(CheckThrough(*other_stub_, written, alice, alice, bob, facet), rv1::VERDICT_INSIDE)
        << "round " << round;
  }
  EXPECT_THAT(ReferencesThrough(*other_stub_, "", alice), IsEmpty());
  // The answer, through the other replica; read back through the first.
  const std::string answered = PutThrough(*other_stub_, bob, alice, Tag("rigour"));
  EXPECT_THAT(ReferencesThrough(rel(), answered, alice), ElementsAre(bob.person.id()));

  // Every change once, in order, whichever replica wrote it.
  std::vector<std::string> trusters;
  rv1::TrustChange change;
  for (int i = 0; i < 6 && watch->Read(&change); ++i) {
    trusters.push_back(change.statement().truster_id());
    EXPECT_EQ(change.cursor(), std::to_string(i + 1));
  }
  EXPECT_EQ(trusters,
            std::vector<std::string>({alice.person.id(), alice.person.id(), alice.person.id(),
                                      alice.person.id(), alice.person.id(), bob.person.id()}));
  watch_context->TryCancel();
  watch->Finish();
}

// A replica killed: the other answers every call, its graph holding what
// the dead one acknowledged; restarted, it catches up on what it missed.
TEST_F(RelationshipsReplicasTest, OneReplicaKilledTheOtherServesAndTheFirstCatchesUp) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  PutThrough(*other_stub_, alice, bob, Tag("negotiation"));
  other_->Kill();
  EXPECT_EQ(Check(alice.token, alice, bob, Tag("negotiation")), rv1::VERDICT_INSIDE);
  const std::string answered = PutThrough(rel(), bob, alice, Tag("rigour"));

  other_ = deployment_->StartReplica(Server::kRelationships, "relationships_b");
  ASSERT_NE(other_, nullptr);
  other_stub_ = rv1::RelationshipService::NewStub(other_->NewChannel());
  EXPECT_THAT(ReferencesThrough(*other_stub_, answered, alice), ElementsAre(bob.person.id()));
  EXPECT_EQ(CheckThrough(*other_stub_, answered, alice, bob, alice, Tag("rigour")),
            rv1::VERDICT_INSIDE);
}

class IdentityReplicasTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(postgres_, nullptr);
    // One signing key for both, as a Secret would give them.
    for (const std::string name : {"identity_a", "identity_b"}) {
      auto replica = ServerProcess::Start(
          IDENTITY_SERVER,
          {"--data_dir=" + dir_.Sub(name), "--signing_key_file=" + dir_.Sub("signing_key.json"),
           "--password_hash_memory_kib=8192", "--password_hash_passes=1", "--storage=postgres",
           "--database_url=" + postgres_->ConnInfo()});
      ASSERT_NE(replica, nullptr);
      stubs_.push_back(iv1::IdentityService::NewStub(replica->NewChannel()));
      replicas_.push_back(std::move(replica));
    }
  }

  iv1::IdentityService::Stub& replica(int i) { return *stubs_[i % 2]; }

  std::unique_ptr<PostgresServer> postgres_ = PostgresServer::Start();
  TempDir dir_;
  std::vector<std::unique_ptr<ServerProcess>> replicas_;
  std::vector<std::unique_ptr<iv1::IdentityService::Stub>> stubs_;
};

TEST_F(IdentityReplicasTest, OneEmailMakesOnePersonWhicheverReplicasAreAsked) {
  constexpr int kAttempts = 8;
  std::atomic<int> created = 0, refused = 0;
  std::vector<std::thread> signups;
  for (int i = 0; i < kAttempts; ++i) {
    signups.emplace_back([&, i] {
      iv1::CreatePersonRequest request;
      request.mutable_person()->set_display_name("Camille " + std::to_string(i));
      request.mutable_person()->set_email("camille@example.fr");
      request.set_password("a long enough password");
      iv1::Person person;
      grpc::Status status = replica(i).CreatePerson(Context().get(), request, &person);
      if (status.ok()) ++created;
      if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS ||
          status.error_code() == grpc::StatusCode::ABORTED) {
        ++refused;
      }
    });
  }
  for (auto& signup : signups) signup.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), kAttempts - 1);
}

TEST_F(IdentityReplicasTest, TagUsesCountedThroughBothReplicasAddUp) {
  const std::string service =
      MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("signing_key.json"), "relationships", "service");
  constexpr int kSenders = 4, kSends = 10;
  // A send that keeps losing to the other replica's may end ABORTED (the
  // sender may send again); none may count wrongly.
  std::atomic<int> counted = 0, unexpected = 0;
  std::vector<std::thread> senders;
  for (int i = 0; i < kSenders; ++i) {
    senders.emplace_back([&, i] {
      for (int n = 0; n < kSends; ++n) {
        iv1::RecordTagUseRequest request;
        auto* tag = request.add_tags();
        tag->set_kind(common::v1::FACET_KIND_COMPETENCY);
        tag->set_key("negotiation");
        tag->set_use_count(1);
        iv1::RecordTagUseResponse response;
        grpc::Status status = replica(i).RecordTagUse(Context(service).get(), request, &response);
        if (status.ok()) ++counted;
        if (!status.ok() && status.error_code() != grpc::StatusCode::ABORTED) ++unexpected;
      }
    });
  }
  for (auto& sender : senders) sender.join();
  EXPECT_EQ(unexpected.load(), 0);
  EXPECT_GT(counted.load(), kSenders * kSends / 2);
  iv1::RecordTagUseRequest once;
  auto* tag = once.add_tags();
  tag->set_kind(common::v1::FACET_KIND_COMPETENCY);
  tag->set_key("negotiation");
  tag->set_use_count(1);
  iv1::RecordTagUseResponse response;
  ASSERT_TRUE(replica(1).RecordTagUse(Context(service).get(), once, &response).ok());
  ASSERT_EQ(response.tags_size(), 1);
  EXPECT_EQ(response.tags(0).use_count(), counted.load() + 1);
}

TEST_F(IdentityReplicasTest, WrongPasswordsSpreadOverReplicasAreThrottledTogether) {
  Account camille = SignUp(replica(0), "Camille", "camille@example.fr");
  auto attempt = [&](int i, const std::string& password) {
    iv1::AuthenticateRequest request;
    request.set_email(camille.email);
    request.set_password(password);
    iv1::AuthenticateResponse response;
    return replica(i).Authenticate(Context().get(), request, &response).error_code();
  };
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(attempt(i, "a wrong password"), grpc::StatusCode::UNAUTHENTICATED) << i;
  }
  // Each replica saw only half of them, yet both make the next one wait.
  EXPECT_EQ(attempt(0, camille.password), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_EQ(attempt(1, camille.password), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

namespace cv1 = recommendations_v1;

class RecommendationsReplicasTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    auto conninfo = FreshDatabase("recommendations");
    ASSERT_TRUE(conninfo.ok()) << conninfo.status();
    // One signing key for both, as a Secret would give them.
    ASSERT_TRUE(deployment_->StartRecommendations(
        {"--storage=postgres", "--database_url=" + *conninfo,
         "--signing_key_file=" + dir_.Sub("recommendations_signing_key.json")}));
    StartOther();
  }

  void StartOther() {
    other_ = deployment_->StartReplica(Server::kRecommendations, "recommendations_b");
    ASSERT_NE(other_, nullptr);
    other_stub_ = cv1::RecommendationService::NewStub(other_->NewChannel());
  }

  std::string Write(const Account& author, const Account& subject, const common::v1::Facet& facet) {
    cv1::WriteRecommendationRequest request;
    request.mutable_recommendation()->set_subject_id(subject.person.id());
    request.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
    request.mutable_recommendation()->set_text("Martin negotiated our largest contract.");
    *request.mutable_recommendation()->add_facets() = facet;
    cv1::Recommendation written;
    grpc::Status status = deployment_->recommendations().WriteRecommendation(
        Context(author.token).get(), request, &written);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return written.id();
  }

  // The state read through `stub` once it is `wanted`, or after 15 s.
  cv1::RecommendationState StateBecomes(cv1::RecommendationService::Stub& stub,
                                        const Account& caller, const std::string& id,
                                        cv1::RecommendationState wanted) {
    cv1::Recommendation found;
    for (absl::Time end = absl::Now() + absl::Seconds(15); absl::Now() < end;) {
      cv1::GetRecommendationRequest request;
      request.set_id(id);
      if (stub.GetRecommendation(Context(caller.token).get(), request, &found).ok() &&
          found.state() == wanted) {
        break;
      }
      absl::SleepFor(absl::Milliseconds(50));
    }
    return found.state();
  }

  std::unique_ptr<ServerProcess> other_;
  std::unique_ptr<cv1::RecommendationService::Stub> other_stub_;
};

// Each replica is killed in turn while a change it would apply arrives:
// whichever was consuming, the other takes over and misses nothing, and a
// recommendation still vouched for stays as it was.
TEST_F(RecommendationsReplicasTest, AKilledConsumerIsTakenOverWithNoChangeMissed) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  const std::vector<common::v1::Facet> all = {Tag("negotiation"), Tag("planning"), Tag("rigour")};
  Mutual(jacques, martin, all);
  const std::string negotiation = Write(jacques, martin, all[0]);
  const std::string planning = Write(jacques, martin, all[1]);
  const std::string rigour = Write(jacques, martin, all[2]);

  // The first replica dies; Jacques no longer vouches for negotiation.
  deployment_->StopRecommendations(/*kill=*/true);
  Put(jacques, martin, {all[1], all[2]});
  EXPECT_EQ(StateBecomes(*other_stub_, martin, negotiation, cv1::RECOMMENDATION_STATE_STALE),
            cv1::RECOMMENDATION_STATE_STALE);

  // Back, and the second dies; nor for planning.
  ASSERT_TRUE(deployment_->Start(Server::kRecommendations));
  other_->Kill();
  Put(jacques, martin, {all[2]});
  auto& first = deployment_->recommendations();
  EXPECT_EQ(StateBecomes(first, martin, planning, cv1::RECOMMENDATION_STATE_STALE),
            cv1::RECOMMENDATION_STATE_STALE);
  EXPECT_EQ(StateBecomes(first, martin, negotiation, cv1::RECOMMENDATION_STATE_STALE),
            cv1::RECOMMENDATION_STATE_STALE);
  cv1::GetRecommendationRequest still;
  still.set_id(rigour);
  cv1::Recommendation kept;
  ASSERT_TRUE(first.GetRecommendation(Context(martin.token).get(), still, &kept).ok());
  EXPECT_NE(kept.state(), cv1::RECOMMENDATION_STATE_STALE);
}

// Martin asks Jacques through both replicas at once: one request is
// open, every other ask is refused, and Jacques sees exactly one.
TEST_F(RecommendationsReplicasTest, OnePairHasOneOpenRequestWhicheverReplicasAreAsked) {
  Account jacques = SignUp("jacques");
  Account martin = SignUp("martin");
  Mutual(jacques, martin, {Tag("negotiation")});
  constexpr int kAsks = 8;
  std::atomic<int> created = 0, refused = 0;
  std::vector<std::thread> asks;
  for (int i = 0; i < kAsks; ++i) {
    asks.emplace_back([&, i] {
      cv1::RequestRecommendationRequest ask;
      ask.set_author_id(jacques.person.id());
      *ask.add_facets() = Tag("negotiation");
      ask.set_message("Could you speak of the Lyon contract?");
      cv1::RecommendationRequest asked;
      auto& stub = i % 2 == 0 ? deployment_->recommendations() : *other_stub_;
      grpc::Status status = stub.RequestRecommendation(Context(martin.token).get(), ask, &asked);
      if (status.ok()) ++created;
      if (status.error_code() == grpc::StatusCode::ALREADY_EXISTS ||
          status.error_code() == grpc::StatusCode::ABORTED) {
        ++refused;
      }
    });
  }
  for (auto& ask : asks) ask.join();
  EXPECT_EQ(created.load(), 1);
  EXPECT_EQ(refused.load(), kAsks - 1);
  cv1::ListRequestsRequest inbox;
  inbox.set_person_id(jacques.person.id());
  cv1::ListRequestsResponse requests;
  ASSERT_TRUE(other_stub_->ListRequests(Context(jacques.token).get(), inbox, &requests).ok());
  EXPECT_EQ(requests.requests_size(), 1);
}

}  // namespace
}  // namespace trustsphere::testing
