// Visibility-leak suite: for every read and graph query, a caller outside a
// statement's visibility learns nothing of it — not through a status, a
// list, a page token, a path or a count.

#include "tests/relationships_fixture.h"

namespace trustsphere::testing {
namespace {

using ::testing::Contains;
using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Not;

class VisibilityTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    truster_ = SignUp("truster");
    trustee_ = SignUp("trustee");
    member_ = SignUp("member");  // a mutual reference of the truster
    outsider_ = SignUp("outsider");
    Mutual(truster_, member_, {}, rv1::VISIBILITY_TRUSTEE);
  }

  // Everything a caller can learn about truster -> trustee.
  struct Seen {
    bool get;
    bool check;
    bool in_trusted;
    bool in_trusting;
    bool in_batch_get;
  };
  Seen WhatSees(const Account& caller) {
    Seen seen;
    seen.get = GetCode(caller.token, truster_, trustee_) == grpc::StatusCode::OK;
    seen.check = Check(caller.token, truster_, trustee_, Tag("secret")) == rv1::VERDICT_INSIDE;
    rv1::ListTrustedRequest trusted;
    trusted.set_person_id(truster_.person.id());
    seen.in_trusted = ::testing::Matches(Contains(Pair()))(
        Trusters(&rv1::RelationshipService::Stub::ListTrusted, caller.token, trusted));
    rv1::ListTrustingRequest trusting;
    trusting.set_person_id(trustee_.person.id());
    seen.in_trusting = ::testing::Matches(Contains(Pair()))(
        Trusters(&rv1::RelationshipService::Stub::ListTrusting, caller.token, trusting));
    // Asked for with a pair the caller can see, so the call itself succeeds.
    rv1::BatchGetTrustRequest batch;
    batch.add_pairs()->set_truster_id(truster_.person.id());
    batch.mutable_pairs(0)->set_trustee_id(trustee_.person.id());
    batch.add_pairs()->set_truster_id(truster_.person.id());
    batch.mutable_pairs(1)->set_trustee_id(member_.person.id());
    seen.in_batch_get = ::testing::Matches(Contains(Pair()))(
        Trusters(&rv1::RelationshipService::Stub::BatchGetTrust, caller.token, batch));
    return seen;
  }
  std::string Pair() const { return truster_.person.id() + ">" + trustee_.person.id(); }

  void ExpectSees(const Account& caller, bool visible) {
    Seen seen = WhatSees(caller);
    EXPECT_EQ(seen.get, visible) << caller.person.display_name();
    EXPECT_EQ(seen.check, visible) << caller.person.display_name();
    EXPECT_EQ(seen.in_trusted, visible) << caller.person.display_name();
    EXPECT_EQ(seen.in_trusting, visible) << caller.person.display_name();
    EXPECT_EQ(seen.in_batch_get, visible) << caller.person.display_name();
  }

  Account truster_, trustee_, member_, outsider_;
};

TEST_F(VisibilityTest, PrivateIsForTheTrusterOnly) {
  Put(truster_, trustee_, {Tag("secret")}, {}, rv1::VISIBILITY_PRIVATE);
  ExpectSees(truster_, true);
  ExpectSees(trustee_, false);
  ExpectSees(member_, false);
  ExpectSees(outsider_, false);
  // Nothing pending shows for the trustee either.
  rv1::ListPendingReciprocationRequest pending;
  EXPECT_THAT(
      Trusters(&rv1::RelationshipService::Stub::ListPendingReciprocation, trustee_.token, pending),
      IsEmpty());
}

TEST_F(VisibilityTest, TrusteeVisibilityAddsTheTrustee) {
  Put(truster_, trustee_, {Tag("secret")}, {}, rv1::VISIBILITY_TRUSTEE);
  ExpectSees(truster_, true);
  ExpectSees(trustee_, true);
  ExpectSees(member_, false);
  ExpectSees(outsider_, false);
}

TEST_F(VisibilityTest, NetworkVisibilityAddsMutualReferences) {
  Put(truster_, trustee_, {Tag("secret")}, {}, rv1::VISIBILITY_NETWORK);
  ExpectSees(trustee_, true);
  ExpectSees(member_, true);
  ExpectSees(outsider_, false);
}

TEST_F(VisibilityTest, APrivateStatementMakesNoNetwork) {
  // The outsider trusts the truster, and the truster trusts the outsider
  // privately: data-wise mutual, but the outsider cannot know it, so it must
  // not open NETWORK statements to them.
  Put(outsider_, truster_);
  Put(truster_, outsider_, {}, {}, rv1::VISIBILITY_PRIVATE);
  Put(truster_, trustee_, {Tag("secret")}, {}, rv1::VISIBILITY_NETWORK);
  ExpectSees(outsider_, false);
  EXPECT_THAT(References(outsider_.token, outsider_), IsEmpty());
  EXPECT_THAT(References(truster_.token, truster_), Contains(outsider_.person.id()));
}

TEST_F(VisibilityTest, PublicIsForEveryAuthenticatedCaller) {
  Put(truster_, trustee_, {Tag("secret")}, {}, rv1::VISIBILITY_PUBLIC);
  ExpectSees(outsider_, true);
  rv1::GetTrustRequest get;
  get.set_truster_id(truster_.person.id());
  get.set_trustee_id(trustee_.person.id());
  rv1::TrustStatement statement;
  EXPECT_EQ(rel().GetTrust(Context().get(), get, &statement).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_F(VisibilityTest, OperatorsAndServicesSeeEverything) {
  Put(truster_, trustee_, {Tag("secret")}, {}, rv1::VISIBILITY_PRIVATE);
  for (const char* role : {"operator", "service"}) {
    Account privileged;
    privileged.token = deployment_->Token(std::string("ops-") + role, role);
    privileged.person.set_display_name(role);
    ExpectSees(privileged, true);
  }
}

TEST_F(VisibilityTest, HiddenStatementsDoNotShowThroughPageSizesOrTokens) {
  // Several hidden statements around one visible one, in any id order: the
  // outsider gets a full page of one and no token announcing more.
  for (int i = 0; i < 3; ++i) {
    Put(truster_, SignUp("hidden" + std::to_string(i)), {}, {}, rv1::VISIBILITY_PRIVATE);
  }
  Put(truster_, trustee_, {}, {}, rv1::VISIBILITY_PUBLIC);
  rv1::ListTrustedRequest request;
  request.set_person_id(truster_.person.id());
  request.set_page_size(1);
  rv1::ListTrustedResponse page;
  ASSERT_TRUE(rel().ListTrusted(Context(outsider_.token).get(), request, &page).ok());
  ASSERT_EQ(page.statements_size(), 1);
  EXPECT_EQ(page.statements(0).trustee_id(), trustee_.person.id());
  EXPECT_TRUE(page.next_page_token().empty());
}

TEST_F(VisibilityTest, PathsOnlyFollowLinksTheCallerMaySee) {
  // caller <-> member <-> truster(PRIVATE towards voucher) <-> voucher,
  // and the voucher vouches publicly for the subject.
  Account voucher = SignUp("voucher");
  Account subject = SignUp("subject");
  Mutual(outsider_, member_, {}, rv1::VISIBILITY_TRUSTEE);
  Put(truster_, voucher, {}, {}, rv1::VISIBILITY_PRIVATE);
  Put(voucher, truster_, {}, {}, rv1::VISIBILITY_PUBLIC);
  Put(voucher, subject, {Tag("negotiation")}, {}, rv1::VISIBILITY_PUBLIC);

  // member - truster is TRUSTEE-visible both ways: the outsider may not see
  // it, so nothing beyond the member is reachable for them.
  EXPECT_THAT(Vouchers(outsider_.token, subject, Tag("negotiation"), 3).vouchers(), IsEmpty());
  // The truster sees their own private link.
  auto found = Vouchers(truster_.token, subject, Tag("negotiation"), 1);
  ASSERT_EQ(found.vouchers_size(), 1);
  EXPECT_EQ(found.vouchers(0).person_id(), voucher.person.id());
  // The member reaches the truster, but not through the private link.
  EXPECT_THAT(Vouchers(member_.token, subject, Tag("negotiation"), 3).vouchers(), IsEmpty());

  // Made public, the links open the path to everyone on it.
  Put(truster_, voucher, {}, {}, rv1::VISIBILITY_PUBLIC);
  Mutual(truster_, member_, {}, rv1::VISIBILITY_PUBLIC);
  auto through = Vouchers(outsider_.token, subject, Tag("negotiation"), 3);
  ASSERT_EQ(through.vouchers_size(), 1);
  EXPECT_THAT(through.vouchers(0).path(), ElementsAre(outsider_.person.id(), member_.person.id(),
                                                      truster_.person.id(), voucher.person.id()));
}

TEST_F(VisibilityTest, VouchersHoldingAHiddenStatementAreNotListed) {
  Account subject = SignUp("subject");
  Mutual(outsider_, member_, {}, rv1::VISIBILITY_PUBLIC);
  Put(member_, subject, {Tag("negotiation")}, {}, rv1::VISIBILITY_TRUSTEE);
  EXPECT_THAT(Vouchers(outsider_.token, subject, Tag("negotiation"), 1).vouchers(), IsEmpty());
  Put(member_, subject, {Tag("negotiation")}, {}, rv1::VISIBILITY_NETWORK);
  EXPECT_EQ(Vouchers(outsider_.token, subject, Tag("negotiation"), 1).vouchers_size(), 1);
}

TEST_F(VisibilityTest, CoverageCountsOnlyVisibleReferences) {
  Put(truster_, trustee_, {}, {}, rv1::VISIBILITY_PUBLIC);
  Put(trustee_, truster_, {Tag("negotiation")}, {}, rv1::VISIBILITY_TRUSTEE);
  auto count = [&](const Account& caller) {
    rv1::GetCoverageRequest request;
    request.set_person_id(trustee_.person.id());
    rv1::GetCoverageResponse coverage;
    EXPECT_TRUE(rel().GetCoverage(Context(caller.token).get(), request, &coverage).ok());
    int total = 0;
    for (const auto& facet : coverage.facets()) total += facet.reference_count();
    return total;
  };
  // The trustee -> truster statement vouches; it is TRUSTEE-visible.
  EXPECT_EQ(count(trustee_), 0);  // counts statements about the trustee: none vouch
  Put(truster_, trustee_, {Tag("negotiation")}, {}, rv1::VISIBILITY_TRUSTEE);
  EXPECT_EQ(count(trustee_), 1);
  EXPECT_EQ(count(truster_), 1);
  EXPECT_EQ(count(outsider_), 0);
  EXPECT_EQ(count(member_), 0);
  Put(truster_, trustee_, {Tag("negotiation")}, {}, rv1::VISIBILITY_NETWORK);
  Put(trustee_, truster_, {Tag("negotiation")}, {}, rv1::VISIBILITY_NETWORK);
  EXPECT_EQ(count(member_), 1);
  EXPECT_EQ(count(outsider_), 0);
  EXPECT_THAT(References(outsider_.token, trustee_), Not(Contains(truster_.person.id())));
}

}  // namespace
}  // namespace trustsphere::testing
