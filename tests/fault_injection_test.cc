// Faults around the servers: a downstream service down or frozen. (A disk
// that fills up is storage/full_disk_test.cc.) Each gives the caller a clear status, leaves nothing
// half-written (the databases are read from outside before and after), and
// heals once the fault is gone.

#include <signal.h>

#include <thread>

#include "tests/relationships_fixture.h"
#include "tests/support/database_contents.h"

namespace trustsphere::testing {
namespace {

namespace cv1 = recommendations_v1;
using namespace std::chrono_literals;
using Code = grpc::StatusCode;

class FaultTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    ASSERT_TRUE(deployment_->StartRecommendations());
    jacques_ = SignUp("jacques");
    martin_ = SignUp("martin");
    Mutual(jacques_, martin_, {Tag("negotiation")});
  }

  grpc::Status PutTrust(const Account& truster, const Account& trustee,
                        std::chrono::milliseconds deadline = 10s) {
    rv1::PutTrustRequest request;
    request.mutable_statement()->set_trustee_id(trustee.person.id());
    *request.mutable_statement()->mutable_sphere()->add_inside() = Tag("planning");
    auto context = Context(truster.token);
    context->set_deadline(std::chrono::system_clock::now() + deadline);
    rv1::TrustStatement statement;
    return rel().PutTrust(context.get(), request, &statement);
  }

  grpc::Status WriteRecommendation(std::chrono::milliseconds deadline = 10s) {
    cv1::WriteRecommendationRequest request;
    request.mutable_recommendation()->set_subject_id(martin_.person.id());
    request.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
    request.mutable_recommendation()->set_text("Martin negotiated our largest contract.");
    *request.mutable_recommendation()->add_facets() = Tag("negotiation");
    auto context = Context(jacques_.token);
    context->set_deadline(std::chrono::system_clock::now() + deadline);
    cv1::Recommendation written;
    return deployment_->recommendations().WriteRecommendation(context.get(), request, &written);
  }

  int RecommendationsBy(const Account& author) {
    cv1::ListRecommendationsRequest request;
    request.set_author_id(author.person.id());
    cv1::ListRecommendationsResponse response;
    EXPECT_TRUE(deployment_->recommendations()
                    .ListRecommendations(Context(author.token).get(), request, &response)
                    .ok());
    return response.recommendations_size();
  }

  DatabaseContents Read(const std::string& server) {
    return ReadDatabase(deployment_->DatabaseDir(server));
  }

  Account jacques_, martin_;
};

TEST_F(FaultTest, IdentityDownRefusesTrustWritesWithNothingStoredThenHeals) {
  Account claire = SignUp("claire");
  deployment_->Stop(Server::kIdentity, /*kill=*/true);
  const DatabaseContents before = Read("relationships");
  grpc::Status refused = PutTrust(jacques_, claire);
  EXPECT_EQ(refused.error_code(), Code::UNAVAILABLE) << refused.error_message();
  EXPECT_EQ(DescribeDifference(before, Read("relationships")), "");

  ASSERT_TRUE(deployment_->Start(Server::kIdentity));
  grpc::Status healed = RetryUntilOk([&] { return PutTrust(jacques_, claire); });
  EXPECT_TRUE(healed.ok()) << healed.error_message();
  EXPECT_EQ(GetCode(jacques_.token, jacques_, claire), Code::OK);
}

TEST_F(FaultTest, RelationshipsDownRefusesRecommendationsWithNothingStoredThenHeals) {
  deployment_->Stop(Server::kRelationships, /*kill=*/true);
  const DatabaseContents before = Read("recommendations");
  grpc::Status refused = WriteRecommendation();
  EXPECT_EQ(refused.error_code(), Code::UNAVAILABLE) << refused.error_message();
  EXPECT_EQ(DescribeDifference(before, Read("recommendations")), "");

  ASSERT_TRUE(deployment_->Start(Server::kRelationships));
  grpc::Status healed = RetryUntilOk([&] { return WriteRecommendation(); });
  EXPECT_TRUE(healed.ok()) << healed.error_message();
  EXPECT_EQ(RecommendationsBy(jacques_), 1);
}

// A frozen downstream server accepts connections and never answers. The
// caller's deadline (1 s) must bound the downstream call: if it were not
// passed on, the downstream call would still be waiting (up to its own 5 s
// cap) when the server thaws 2 s later, and the write would land for a
// caller that had already been told it failed.
TEST_F(FaultTest, TheCallersDeadlineBoundsTheCallToIdentity) {
  Account claire = SignUp("claire");
  deployment_->Signal(Server::kIdentity, SIGSTOP);
  grpc::Status late = PutTrust(jacques_, claire, 1000ms);
  EXPECT_EQ(late.error_code(), Code::DEADLINE_EXCEEDED) << late.error_message();
  std::this_thread::sleep_for(1000ms);
  deployment_->Signal(Server::kIdentity, SIGCONT);
  std::this_thread::sleep_for(5000ms);
  EXPECT_EQ(GetCode(jacques_.token, jacques_, claire), Code::NOT_FOUND);
}

TEST_F(FaultTest, TheCallersDeadlineBoundsTheCallToRelationships) {
  deployment_->Signal(Server::kRelationships, SIGSTOP);
  grpc::Status late = WriteRecommendation(1000ms);
  EXPECT_EQ(late.error_code(), Code::DEADLINE_EXCEEDED) << late.error_message();
  std::this_thread::sleep_for(1000ms);
  deployment_->Signal(Server::kRelationships, SIGCONT);
  std::this_thread::sleep_for(5000ms);
  EXPECT_EQ(RecommendationsBy(jacques_), 0);
}

}  // namespace
}  // namespace trustsphere::testing
