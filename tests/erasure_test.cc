// DeletePerson as every service must honour it. What is here: a deleted
// person's still-valid access token stops working on every server within
// the revocation poll period (each server follows identity's change log),
// writes nothing there, and stays refused after a restart; everyone else's
// tokens keep working. Relationships erases the person's statements and
// those about them, notes and request records included, until no RPC
// shows them and its disk holds none of their words, even when it was
// down at the time of the deletion.

#include <chrono>
#include <cstdio>

#include "absl/strings/str_join.h"

#include "tests/relationships_fixture.h"
#include "tests/support/database_contents.h"
#include "tests/support/metrics_scrape.h"
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

  void Delete(const Account& person) {
    iv1::DeletePersonRequest remove;
    remove.set_id(person.person.id());
    remove.set_etag(person.person.etag());
    google::protobuf::Empty empty;
    ASSERT_TRUE(ident().DeletePerson(Context(person.token).get(), remove, &empty).ok());
  }

  // A statement with a note of its own, sent with a request id.
  void PutWithNote(const Account& truster, const Account& trustee, const std::string& note) {
    rv1::PutTrustRequest request;
    request.mutable_statement()->set_trustee_id(trustee.person.id());
    request.mutable_statement()->set_note(note);
    request.mutable_statement()->set_visibility(rv1::VISIBILITY_PUBLIC);
    *request.mutable_statement()->mutable_sphere()->add_inside() = Tag("negotiation");
    request.set_request_id("retry-1");
    PutRequest(truster, request);
  }

  // Everything relationships shows `viewer` that names `person`: statements
  // by and about the viewer, references, pending answers, vouchers, and
  // the two statements of the pair.
  std::vector<std::string> WhatRelationshipsShows(const Account& viewer, const Account& person) {
    std::vector<std::string> shown;
    const std::string& id = person.person.id();
    auto keep = [&](const std::vector<std::string>& items, const std::string& what) {
      for (const auto& item : items) {
        if (item.find(id) != std::string::npos) shown.push_back(what + " " + item);
      }
    };
    rv1::ListTrustedRequest trusted;
    trusted.set_person_id(viewer.person.id());
    keep(Trusters(&rv1::RelationshipService::Stub::ListTrusted, viewer.token, trusted),
         "ListTrusted");
    rv1::ListTrustingRequest trusting;
    trusting.set_person_id(viewer.person.id());
    keep(Trusters(&rv1::RelationshipService::Stub::ListTrusting, viewer.token, trusting),
         "ListTrusting");
    rv1::ListPendingReciprocationRequest pending;
    keep(Trusters(&rv1::RelationshipService::Stub::ListPendingReciprocation, viewer.token, pending),
         "ListPendingReciprocation");
    keep(References(viewer.token, viewer), "ListReferences");
    std::vector<std::string> vouchers;
    const rv1::FindVouchersResponse found = Vouchers(viewer.token, viewer, Tag("negotiation"), 1);
    for (const auto& voucher : found.vouchers()) vouchers.push_back(voucher.person_id());
    keep(vouchers, "FindVouchers");
    if (GetCode(viewer.token, viewer, person) != Code::NOT_FOUND) shown.push_back("GetTrust mine");
    if (GetCode(viewer.token, person, viewer) != Code::NOT_FOUND)
      shown.push_back("GetTrust theirs");
    return shown;
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

TEST_F(ErasureTest, RelationshipsErasesWhatADeletedPersonSaidAndWhatWasSaidOfThem) {
  const Account jacques = SignUp("jacques");
  const Account martin = SignUp("martin");
  const Account lucie = SignUp("lucie");
  PutWithNote(martin, jacques, "martin-vouches-for-jacques-7f3a");
  PutWithNote(jacques, martin, "jacques-vouches-for-martin-91c2");
  PutWithNote(lucie, martin, "lucie-waits-for-martin-5d0e");
  Mutual(jacques, lucie, {Tag("negotiation")});
  ASSERT_EQ(WhatRelationshipsShows(jacques, martin).size(), 6u);
  ASSERT_FALSE(WhatRelationshipsShows(lucie, martin).empty());
  const std::vector<std::string> words = {"martin-vouches-for-jacques-7f3a",
                                          "jacques-vouches-for-martin-91c2",
                                          "lucie-waits-for-martin-5d0e"};
  const std::string db = deployment_->DatabaseDir("relationships");
  ASSERT_FALSE(FilesHolding(db, words[0]).empty()) << "the search cannot find the words";
  ASSERT_FALSE(FilesHolding(deployment_->DatabaseDir("identity"), "martin@example.fr").empty());

  Delete(martin);
  const auto deleted_at = std::chrono::steady_clock::now();
  EXPECT_TRUE(WaitUntil(
      [&] {
        return WhatRelationshipsShows(jacques, martin).empty() &&
               WhatRelationshipsShows(lucie, martin).empty();
      },
      10s))
      << absl::StrJoin(WhatRelationshipsShows(jacques, martin), ", ");
  std::printf(
      "erasure: relationships shows nothing of a deleted person %.0f ms after the deletion\n",
      std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - deleted_at)
          .count());
  // Others' statements stay, and no new one about the person is taken.
  EXPECT_EQ(References(jacques.token, jacques), std::vector<std::string>{lucie.person.id()});
  grpc::Status refused;
  rv1::PutTrustRequest again;
  again.mutable_statement()->set_trustee_id(martin.person.id());
  PutRequest(jacques, again, &refused);
  EXPECT_EQ(refused.error_code(), Code::NOT_FOUND);

  // The disk lets go of the words once the erasure is reclaimed.
  EXPECT_TRUE(WaitUntil(
      [&] {
        for (const auto& word : words) {
          if (!FilesHolding(db, word).empty()) return false;
        }
        return true;
      },
      20s));
  for (const auto& word : words) EXPECT_THAT(FilesHolding(db, word), ::testing::IsEmpty()) << word;
  // Nor does identity's keep their email or name (or anything of their
  // sign-up): the MANIFEST names the first and last keys of each file, and
  // the emails and search words families are keyed by them, so both wait
  // for the reclaim to rewrite it.
  const std::string identity_db = deployment_->DatabaseDir("identity");
  for (const std::string& word : {std::string("martin@example.fr"), martin.person.display_name()}) {
    EXPECT_TRUE(WaitUntil([&] { return FilesHolding(identity_db, word).empty(); }, 20s))
        << word << ": " << absl::StrJoin(FilesHolding(identity_db, word), ", ");
  }
  EXPECT_FALSE(FilesHolding(identity_db, "jacques@example.fr").empty());

  // A clean restart's checkpoint and rebuilt graph know nothing of it.
  deployment_->RestartRelationships(/*kill=*/false);
  EXPECT_THAT(WhatRelationshipsShows(jacques, martin), ::testing::IsEmpty());
  EXPECT_EQ(References(jacques.token, jacques), std::vector<std::string>{lucie.person.id()});
}

TEST_F(ErasureTest, ARelationshipsServerDownAtTheDeletionErasesWhenItComesBack) {
  const Account jacques = SignUp("jacques");
  const Account martin = SignUp("martin");
  Mutual(jacques, martin, {Tag("negotiation")});
  deployment_->StopRelationships(/*kill=*/true);
  Delete(martin);
  ASSERT_TRUE(deployment_->Start(Server::kRelationships));
  EXPECT_TRUE(WaitUntil([&] { return WhatRelationshipsShows(jacques, martin).empty(); }, 10s))
      << absl::StrJoin(WhatRelationshipsShows(jacques, martin), ", ");
  // /metrics counts the erasure and shows the follower caught up.
  const std::string service = "{service=\"trustsphere.relationships.v1.RelationshipService\"}";
  std::map<std::string, double> samples;
  EXPECT_TRUE(WaitUntil(
      [&] {
        samples = Scrape(deployment_->relationships_server());
        return samples["trustsphere_erasure_people_total" + service] == 1;
      },
      10s));
  EXPECT_LT(samples["trustsphere_erasure_behind_seconds" + service], 5);
}

}  // namespace
}  // namespace trustsphere::testing
