#pragma once

// Shared set-up of the relationships tests: identity and relationships
// running for real, and short helpers for the calls the tests repeat.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "tests/support/deployment.h"

namespace trustsphere::testing {

namespace rv1 = relationships_v1;
namespace iv1 = identity_v1;

inline common::v1::Facet Tag(const std::string& key,
                             common::v1::FacetKind kind = common::v1::FACET_KIND_COMPETENCY) {
  common::v1::Facet facet;
  facet.set_kind(kind);
  facet.set_key(key);
  return facet;
}

// The metadata that carries a write's consistency token, both ways.
constexpr char kConsistencyTokenHeader[] = "trustsphere-consistency-token";

// CheckTrust through `stub` as `caller`, at least as fresh as `token` (a
// write's consistency token). A failed call fails the test.
inline rv1::Verdict CheckThrough(rv1::RelationshipService::Stub& stub, const std::string& token,
                                 const Account& caller, const Account& truster,
                                 const Account& trustee, const common::v1::Facet& facet) {
  rv1::CheckTrustRequest request;
  request.set_truster_id(truster.person.id());
  request.set_trustee_id(trustee.person.id());
  *request.mutable_facet() = facet;
  auto context = Context(caller.token);
  context->AddMetadata(kConsistencyTokenHeader, token);
  rv1::CheckTrustResponse response;
  grpc::Status status = stub.CheckTrust(context.get(), request, &response);
  EXPECT_TRUE(status.ok()) << status.error_message();
  return response.verdict();
}

inline common::v1::Facet Function(const std::string& position_id) {
  return Tag(position_id, common::v1::FACET_KIND_FUNCTION);
}

class RelationshipsTest : public ::testing::Test {
 protected:
  virtual std::vector<std::string> RelationshipsFlags() const { return {}; }

  void SetUp() override {
    deployment_ = std::make_unique<Deployment>(dir_, RelationshipsFlags());
    ASSERT_TRUE(deployment_->ok());
  }

  rv1::RelationshipService::Stub& rel() { return deployment_->relationships(); }
  iv1::IdentityService::Stub& ident() { return deployment_->identity(); }
  Account SignUp(const std::string& name) { return deployment_->SignUp(name); }

  // PutTrust from `truster` about `trustee`; the status goes to *status when
  // given, else it must be OK.
  rv1::TrustStatement Put(const Account& truster, const Account& trustee,
                          std::vector<common::v1::Facet> inside = {},
                          std::vector<common::v1::Facet> outside = {},
                          rv1::Visibility visibility = rv1::VISIBILITY_UNSPECIFIED,
                          grpc::Status* status = nullptr) {
    rv1::PutTrustRequest request;
    request.mutable_statement()->set_trustee_id(trustee.person.id());
    for (auto& facet : inside) *request.mutable_statement()->mutable_sphere()->add_inside() = facet;
    for (auto& facet : outside) {
      *request.mutable_statement()->mutable_sphere()->add_outside() = facet;
    }
    request.mutable_statement()->set_visibility(visibility);
    return PutRequest(truster, request, status);
  }

  rv1::TrustStatement PutRequest(const Account& truster, const rv1::PutTrustRequest& request,
                                 grpc::Status* status = nullptr) {
    rv1::TrustStatement statement;
    grpc::Status result = rel().PutTrust(Context(truster.token).get(), request, &statement);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return statement;
  }

  // Both ways, with the same facets inside.
  void Mutual(const Account& a, const Account& b, std::vector<common::v1::Facet> inside = {},
              rv1::Visibility visibility = rv1::VISIBILITY_UNSPECIFIED) {
    Put(a, b, inside, {}, visibility);
    Put(b, a, inside, {}, visibility);
  }

  grpc::Status Revoke(const Account& truster, const Account& trustee) {
    rv1::RevokeTrustRequest request;
    request.set_truster_id(truster.person.id());
    request.set_trustee_id(trustee.person.id());
    rv1::TrustStatement statement;
    return rel().RevokeTrust(Context(truster.token).get(), request, &statement);
  }

  rv1::Verdict Check(const std::string& token, const Account& truster, const Account& trustee,
                     const common::v1::Facet& facet) {
    rv1::CheckTrustRequest request;
    request.set_truster_id(truster.person.id());
    request.set_trustee_id(trustee.person.id());
    *request.mutable_facet() = facet;
    rv1::CheckTrustResponse response;
    grpc::Status status = rel().CheckTrust(Context(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.verdict();
  }

  grpc::StatusCode GetCode(const std::string& token, const Account& truster,
                           const Account& trustee) {
    rv1::GetTrustRequest request;
    request.set_truster_id(truster.person.id());
    request.set_trustee_id(trustee.person.id());
    rv1::TrustStatement statement;
    return rel().GetTrust(Context(token).get(), request, &statement).error_code();
  }

  std::vector<std::string> References(const std::string& token, const Account& person) {
    rv1::ListReferencesRequest request;
    request.set_person_id(person.person.id());
    rv1::ListReferencesResponse response;
    grpc::Status status = rel().ListReferences(Context(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const auto& reference : response.references()) ids.push_back(reference.person_id());
    return ids;
  }

  template <typename Request, typename Response>
  std::vector<std::string> Trusters(grpc::Status (rv1::RelationshipService::Stub::*method)(
                                        grpc::ClientContext*, const Request&, Response*),
                                    const std::string& token, const Request& request) {
    Response response;
    grpc::Status status = (rel().*method)(Context(token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> pairs;
    for (const auto& statement : response.statements()) {
      pairs.push_back(statement.truster_id() + ">" + statement.trustee_id());
    }
    return pairs;
  }

  rv1::FindVouchersResponse Vouchers(const std::string& token, const Account& subject,
                                     const common::v1::Facet& facet, int depth,
                                     grpc::Status* status = nullptr) {
    rv1::FindVouchersRequest request;
    request.set_subject_id(subject.person.id());
    *request.mutable_facet() = facet;
    request.set_max_depth(depth);
    rv1::FindVouchersResponse response;
    grpc::Status result = rel().FindVouchers(Context(token).get(), request, &response);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return response;
  }

  iv1::Position AddPosition(const Account& account, const std::string& organization, int start_year,
                            int end_year) {
    iv1::AddPositionRequest request;
    request.set_person_id(account.person.id());
    request.mutable_position()->set_kind(iv1::POSITION_KIND_EMPLOYMENT);
    request.mutable_position()->set_organization(organization);
    request.mutable_position()->set_title("Engineer");
    request.mutable_position()->mutable_period()->mutable_start()->set_year(start_year);
    request.mutable_position()->mutable_period()->mutable_start()->set_month(1);
    if (end_year > 0) {
      request.mutable_position()->mutable_period()->mutable_end()->set_year(end_year);
      request.mutable_position()->mutable_period()->mutable_end()->set_month(12);
    }
    iv1::Position position;
    grpc::Status status = ident().AddPosition(Context(account.token).get(), request, &position);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return position;
  }

  TempDir dir_;
  std::unique_ptr<Deployment> deployment_;
};

}  // namespace trustsphere::testing
