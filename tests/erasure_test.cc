// DeletePerson as every service must honour it. What is here: a deleted
// person's still-valid access token stops working on every server within
// the revocation poll period (each server follows identity's change log),
// writes nothing there, and stays refused after a restart; everyone else's
// tokens keep working.

#include <chrono>
#include <cstdio>

#include "tests/relationships_fixture.h"
#include "tests/support/wait_until.h"

namespace trustsphere::testing {
namespace {

namespace cv1 = recommendations_v1;
using namespace std::chrono_literals;
using Code = grpc::StatusCode;

class ErasureTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    ASSERT_TRUE(deployment_->StartRecommendations());
  }

  // A read of each server by `caller`: the codes of identity's GetPerson,
  // relationships' GetTrust and recommendations' ListRequests.
  std::vector<Code> ReadEach(const Account& caller, const Account& other) {
    iv1::GetPersonRequest get;
    get.set_id(other.person.id());
    iv1::Person person;
    cv1::ListRequestsRequest inbox;
    inbox.set_person_id(caller.person.id());
    cv1::ListRequestsResponse requests;
    return {ident().GetPerson(Context(caller.token).get(), get, &person).error_code(),
            GetCode(caller.token, caller, other),
            deployment_->recommendations()
                .ListRequests(Context(caller.token).get(), inbox, &requests)
                .error_code()};
  }

  // The writes of relationships and recommendations by `caller` about
  // `other`: PutTrust and RequestRecommendation.
  std::vector<Code> WriteEach(const Account& caller, const Account& other) {
    rv1::PutTrustRequest put;
    put.mutable_statement()->set_trustee_id(other.person.id());
    *put.mutable_statement()->mutable_sphere()->add_inside() = Tag("negotiation");
    rv1::TrustStatement statement;
    cv1::RequestRecommendationRequest ask;
    ask.set_author_id(other.person.id());
    *ask.add_facets() = Tag("negotiation");
    cv1::RecommendationRequest asked;
    return {rel().PutTrust(Context(caller.token).get(), put, &statement).error_code(),
            deployment_->recommendations()
                .RequestRecommendation(Context(caller.token).get(), ask, &asked)
                .error_code()};
  }
};

TEST_F(ErasureTest, ADeletedPersonsTokenStopsWorkingOnEveryServer) {
  const Account jacques = SignUp("jacques");
  const Account martin = SignUp("martin");
  const Account lucie = SignUp("lucie");
  Mutual(jacques, martin, {Tag("negotiation")});
  EXPECT_EQ(ReadEach(martin, jacques), (std::vector<Code>{Code::OK, Code::OK, Code::OK}));

  iv1::DeletePersonRequest remove;
  remove.set_id(martin.person.id());
  remove.set_etag(martin.person.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(ident().DeletePerson(Context(martin.token).get(), remove, &empty).ok());
  const auto deleted_at = std::chrono::steady_clock::now();
  // The token has 15 minutes left; every server refuses it within the
  // revocation poll period (250 ms) and a call to identity.
  const std::vector<Code> refused = {Code::UNAUTHENTICATED, Code::UNAUTHENTICATED,
                                     Code::UNAUTHENTICATED};
  EXPECT_TRUE(WaitUntil([&] { return ReadEach(martin, jacques) == refused; }, 10s));
  std::printf(
      "erasure: a deleted person's token refused on all three servers %.0f ms after "
      "the deletion\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - deleted_at)
          .count());
  EXPECT_EQ(WriteEach(martin, lucie),
            (std::vector<Code>{Code::UNAUTHENTICATED, Code::UNAUTHENTICATED}));
  EXPECT_EQ(GetCode(lucie.token, martin, lucie), Code::NOT_FOUND);
  cv1::ListRequestsRequest inbox;
  inbox.set_person_id(lucie.person.id());
  cv1::ListRequestsResponse requests;
  ASSERT_TRUE(deployment_->recommendations()
                  .ListRequests(Context(lucie.token).get(), inbox, &requests)
                  .ok());
  EXPECT_EQ(requests.requests_size(), 0);

  // Others go on.
  EXPECT_EQ(ReadEach(jacques, lucie), (std::vector<Code>{Code::OK, Code::NOT_FOUND, Code::OK}));

  // A restarted server learns the deletion again before it serves.
  deployment_->RestartRelationships(/*kill=*/true);
  EXPECT_EQ(GetCode(martin.token, martin, jacques), Code::UNAUTHENTICATED);
}

}  // namespace
}  // namespace trustsphere::testing
