// Replicas of relationships on one PostgreSQL database, as real servers: a
// client writes through one and reads through another with the write's
// consistency token and sees its write; a watcher of one replica receives
// what the other committed, pushed; one replica killed, the other goes on.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/relationships_fixture.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

constexpr char kTokenHeader[] = "trustsphere-consistency-token";

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
    if (!token.empty()) context->AddMetadata(kTokenHeader, token);
    rv1::TrustStatement statement;
    grpc::Status status = stub.PutTrust(context.get(), request, &statement);
    EXPECT_TRUE(status.ok()) << status.error_message();
    auto header = context->GetServerInitialMetadata().find(kTokenHeader);
    if (header == context->GetServerInitialMetadata().end()) return "";
    return std::string(header->second.data(), header->second.size());
  }

  rv1::Verdict CheckThrough(rv1::RelationshipService::Stub& stub, const std::string& token,
                            const Account& caller, const Account& truster, const Account& trustee,
                            const common::v1::Facet& facet) {
    rv1::CheckTrustRequest request;
    request.set_truster_id(truster.person.id());
    request.set_trustee_id(trustee.person.id());
    *request.mutable_facet() = facet;
    auto context = Context(caller.token);
    context->AddMetadata(kTokenHeader, token);
    rv1::CheckTrustResponse response;
    grpc::Status status = stub.CheckTrust(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.verdict();
  }

  std::vector<std::string> ReferencesThrough(rv1::RelationshipService::Stub& stub,
                                             const std::string& token, const Account& person) {
    rv1::ListReferencesRequest request;
    request.set_person_id(person.person.id());
    auto context = Context(person.token);
    context->AddMetadata(kTokenHeader, token);
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

}  // namespace
}  // namespace trustsphere::testing
