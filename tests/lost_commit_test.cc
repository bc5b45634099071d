// A commit whose answer is lost (the connection cut after the COMMIT left,
// or before it arrived): with a request id the server runs the request
// again and answers it, from the record of the first attempt when that one
// committed, by writing it now when not; the write is then stored once.
// Without a request id the caller is told the outcome is unknown, and the
// replica's trust graph still learns of a commit that landed.

#include <gtest/gtest.h>

#include "absl/time/clock.h"
#include "storage/postgres/pg_connection.h"
#include "tests/relationships_fixture.h"
#include "tests/support/commit_cutter.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::testing {
namespace {

using Cut = CommitCutter::Cut;

// How many rows `sql` counts, read straight from the database.
int64_t CountOf(const PostgresServer& postgres, const std::string& sql) {
  auto connection = storage::postgres::PgConnection::Connect(postgres.ConnInfo(), absl::Seconds(5));
  if (!connection.ok()) {
    ADD_FAILURE() << connection.status();
    return -1;
  }
  auto counted = (*connection)->Exec(sql);
  if (!counted.ok()) {
    ADD_FAILURE() << counted.status();
    return -1;
  }
  return counted->Int64(0, 0);
}

class LostCommitTest : public RelationshipsTest {
 protected:
  std::vector<std::string> RelationshipsFlags() const override {
    return {"--storage=postgres", "--database_url=" + (cutter_ ? cutter_->ConnInfo() : "")};
  }

  void SetUp() override {
    ASSERT_NE(cutter_, nullptr);
    RelationshipsTest::SetUp();
  }
  // The servers stopped before the relay they connect through.
  void TearDown() override { deployment_.reset(); }

  rv1::PutTrustRequest Statement(const Account& trustee, const std::string& request_id) {
    rv1::PutTrustRequest request;
    request.mutable_statement()->set_trustee_id(trustee.person.id());
    *request.mutable_statement()->mutable_sphere()->add_inside() = Tag("negotiation");
    request.set_request_id(request_id);
    return request;
  }

  int64_t Changes() { return CountOf(*postgres_, "SELECT count(*) FROM relationships_changes"); }

  std::unique_ptr<PostgresServer> postgres_ = PostgresServer::Start();
  TempDir relay_dir_;
  std::unique_ptr<CommitCutter> cutter_ =
      postgres_ ? CommitCutter::Start(relay_dir_.path(), postgres_->socket_dir()) : nullptr;
};

constexpr char kRequestInsert[] = "INSERT INTO relationships_requests";

TEST_F(LostCommitTest, ACommitThatLandedIsAnsweredFromItsRecord) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  cutter_->Arm(kRequestInsert, Cut::kAfterDelivery);
  grpc::Status status;
  rv1::TrustStatement answered = PutRequest(alice, Statement(bob, "lost-answer"), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(cutter_->cuts(), 1);

  // The first attempt's write, answered: not a second one.
  EXPECT_EQ(Changes(), 1);
  rv1::GetTrustRequest get;
  get.set_truster_id(alice.person.id());
  get.set_trustee_id(bob.person.id());
  rv1::TrustStatement stored;
  ASSERT_TRUE(rel().GetTrust(Context(alice.token).get(), get, &stored).ok());
  EXPECT_EQ(stored.etag(), answered.etag());
  EXPECT_EQ(Check(alice.token, alice, bob, Tag("negotiation")), rv1::VERDICT_INSIDE);

  // The client's own retry gets the same answer, and writes nothing.
  rv1::TrustStatement again = PutRequest(alice, Statement(bob, "lost-answer"), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.etag(), answered.etag());
  EXPECT_EQ(Changes(), 1);
}

TEST_F(LostCommitTest, ACommitThatNeverArrivedIsWrittenByTheRetry) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  cutter_->Arm(kRequestInsert, Cut::kBeforeDelivery);
  grpc::Status status;
  rv1::TrustStatement answered = PutRequest(alice, Statement(bob, "lost-commit"), &status);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(cutter_->cuts(), 1);

  EXPECT_EQ(Changes(), 1);
  EXPECT_EQ(CountOf(*postgres_, "SELECT count(*) FROM relationships_requests"), 1);
  rv1::GetTrustRequest get;
  get.set_truster_id(alice.person.id());
  get.set_trustee_id(bob.person.id());
  rv1::TrustStatement stored;
  ASSERT_TRUE(rel().GetTrust(Context(alice.token).get(), get, &stored).ok());
  EXPECT_EQ(stored.etag(), answered.etag());
  EXPECT_EQ(Check(alice.token, alice, bob, Tag("negotiation")), rv1::VERDICT_INSIDE);
}

// Lost before its COMMIT, a write is known not to have committed: the
// server writes it again on a new connection, request id or not.
TEST_F(LostCommitTest, AConnectionLostMidwayIsWrittenOnANewOne) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  cutter_->Arm("INSERT INTO relationships_changes", Cut::kAtMarker);
  rv1::TrustStatement answered = PutRequest(alice, Statement(bob, ""));
  EXPECT_EQ(cutter_->cuts(), 1);
  EXPECT_EQ(Changes(), 1);
  EXPECT_EQ(answered.trustee_id(), bob.person.id());
  EXPECT_EQ(Check(alice.token, alice, bob, Tag("negotiation")), rv1::VERDICT_INSIDE);
}

TEST_F(LostCommitTest, WithoutARequestIdTheOutcomeIsUnknownAndTheGraphStillLearnsIt) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  // No request is recorded without an id: the marker is the change itself.
  cutter_->Arm("INSERT INTO relationships_changes", Cut::kAfterDelivery);
  grpc::Status status;
  PutRequest(alice, Statement(bob, ""), &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::UNAVAILABLE);
  EXPECT_NE(status.error_message().find("outcome unknown"), std::string::npos)
      << status.error_message();
  EXPECT_EQ(cutter_->cuts(), 1);

  // It did commit, though perhaps only after the client heard of the cut:
  // the database runs a COMMIT it has received whether or not the sender
  // is still there. The replica's graph learns it with the notification
  // that commit sent.
  const absl::Time give_up = absl::Now() + absl::Seconds(10);
  while ((Changes() != 1 ||
          Check(alice.token, alice, bob, Tag("negotiation")) != rv1::VERDICT_INSIDE) &&
         absl::Now() < give_up) {
    absl::SleepFor(absl::Milliseconds(20));
  }
  EXPECT_EQ(Changes(), 1);
  EXPECT_EQ(Check(alice.token, alice, bob, Tag("negotiation")), rv1::VERDICT_INSIDE);
}

class IdentityLostCommitTest : public ::testing::TestWithParam<Cut> {
 protected:
  void SetUp() override {
    ASSERT_NE(cutter_, nullptr);
    server_ = ServerProcess::Start(
        IDENTITY_SERVER, {"--data_dir=" + dir_.Sub("identity"), "--password_hash_memory_kib=8192",
                          "--password_hash_passes=1", "--storage=postgres",
                          "--database_url=" + cutter_->ConnInfo()});
    ASSERT_NE(server_, nullptr);
    stub_ = iv1::IdentityService::NewStub(server_->NewChannel());
  }
  void TearDown() override { server_.reset(); }

  grpc::Status SignUp(const std::string& request_id, iv1::Person& person) {
    iv1::CreatePersonRequest request;
    request.mutable_person()->set_display_name("Camille");
    request.mutable_person()->set_email("camille@example.fr");
    request.set_password("a long enough password");
    request.set_request_id(request_id);
    return stub_->CreatePerson(Context().get(), request, &person);
  }

  std::unique_ptr<PostgresServer> postgres_ = PostgresServer::Start();
  TempDir dir_;
  std::unique_ptr<CommitCutter> cutter_ =
      postgres_ ? CommitCutter::Start(dir_.path(), postgres_->socket_dir()) : nullptr;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<iv1::IdentityService::Stub> stub_;
};

// Lost after the commit landed or before it arrived, a sign-up is answered
// and makes one person; the client's own retry gets the same one.
TEST_P(IdentityLostCommitTest, ASignUpWhoseCommitIsLostMakesOnePerson) {
  cutter_->Arm("INSERT INTO identity_requests", GetParam());
  iv1::Person person;
  grpc::Status status = SignUp("signup-1", person);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(cutter_->cuts(), 1);
  EXPECT_EQ(CountOf(*postgres_, "SELECT count(*) FROM identity_persons"), 1);

  iv1::Person again;
  status = SignUp("signup-1", again);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(again.id(), person.id());
  EXPECT_EQ(CountOf(*postgres_, "SELECT count(*) FROM identity_persons"), 1);
}

INSTANTIATE_TEST_SUITE_P(BothWays, IdentityLostCommitTest,
                         ::testing::Values(Cut::kAfterDelivery, Cut::kBeforeDelivery),
                         [](const ::testing::TestParamInfo<Cut>& info) {
                           return info.param == Cut::kAfterDelivery ? "AfterDelivery"
                                                                    : "BeforeDelivery";
                         });

}  // namespace
}  // namespace trustsphere::testing
