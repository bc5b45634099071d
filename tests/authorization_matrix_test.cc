// Every RPC of every service, called by every kind of caller, against the
// three real servers: the exact status of each call, and for every refused
// call that nothing was stored (each database read before and after, from
// outside the servers). A new RPC without a row here fails the test.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <functional>
#include <set>
#include <thread>

#include "absl/strings/escaping.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"
#include "absl/strings/str_split.h"
#include "google/protobuf/descriptor.h"
#include "tests/catalog_fixture.h"
#include "tests/support/database_contents.h"

namespace trustsphere::testing {
namespace {

namespace cv1 = recommendations_v1;
using Code = grpc::StatusCode;
using namespace std::chrono_literals;

class AuthorizationMatrixTest : public CatalogTest {
 protected:
  cv1::RecommendationService::Stub& recs() { return deployment_->recommendations(); }

  World NewWorld() { return MakeWorld(*deployment_, worlds_++); }

  grpc::Status Call(const RpcCase& rpc, const World& world, const std::string& token) {
    return client_->Call(rpc, *rpc.request(world), token);
  }

  // The token `caller` presents to a request about `owner`.
  std::string TokenOf(Caller caller, const World& w, const Account& owner) {
    switch (caller) {
      case Caller::kNoToken:
        return "";
      case Caller::kMalformed:
        return "not.a-token";
      case Caller::kForged:
        return WithClaims(owner.token, [](std::string claims) {
          return absl::StrReplaceAll(claims, {{"\"user\"", "\"operator\""}});
        });
      case Caller::kExpired:
        return ExpiredToken(owner);
      case Caller::kAlgNone: {
        std::vector<std::string> parts = absl::StrSplit(owner.token, '.');
        return absl::WebSafeBase64Escape(R"({"alg":"none","typ":"JWT"})") + "." + parts[1] + ".";
      }
      case Caller::kOwner:
        return owner.token;
      case Caller::kOtherPerson:
        return w.bob.token;
      case Caller::kOperator:
        return operator_token_;
      case Caller::kService:
        return service_token_;
    }
    return "";
  }

 private:
  // The token with its claims rewritten and its signature kept.
  static std::string WithClaims(const std::string& token,
                                const std::function<std::string(std::string)>& rewrite) {
    std::vector<std::string> parts = absl::StrSplit(token, '.');
    std::string claims;
    EXPECT_EQ(parts.size(), 3u);
    EXPECT_TRUE(absl::WebSafeBase64Unescape(parts[1], &claims));
    std::string forged = rewrite(claims);
    EXPECT_NE(forged, claims);
    return parts[0] + "." + absl::WebSafeBase64Escape(forged) + "." + parts[2];
  }

  // A token of the owner, signed with identity's key, that has expired.
  std::string ExpiredToken(const Account& owner) {
    auto& token = expired_[owner.person.id()];
    if (token.empty()) {
      token = deployment_->Token(owner.person.id(), "user", "1s");
      // Expiry is checked to the second, without leeway: wait until the
      // servers refuse it.
      identity_v1::GetPersonRequest get;
      get.set_id(owner.person.id());
      identity_v1::Person person;
      const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(10);
      while (deployment_->identity().GetPerson(Context(token).get(), get, &person).ok() &&
             std::chrono::steady_clock::now() < until) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
    return token;
  }

  int worlds_ = 0;
  std::map<std::string, std::string> expired_;
};

std::string Describe(const RpcCase& row, Caller caller, const grpc::Status& status) {
  return absl::StrCat(row.server, " ", row.method, " by ", NameOf(caller), ": got ",
                      status.error_code(), " (", status.error_message(), ")");
}

TEST(AuthorizationMatrixCoverage, EveryRpcOfEveryServerHasARow) {
  std::set<std::string> covered;
  for (const RpcCase& row : AllRpcs()) covered.insert(row.server + " " + row.method);
  const std::map<std::string, std::vector<std::string>> services = {
      {"identity",
       {"trustsphere.identity.v1.IdentityService", "trustsphere.admin.v1.AdminService"}},
      {"relationships",
       {"trustsphere.relationships.v1.RelationshipService", "trustsphere.admin.v1.AdminService"}},
      {"recommendations",
       {"trustsphere.recommendations.v1.RecommendationService",
        "trustsphere.admin.v1.AdminService"}}};
  size_t methods = 0;
  for (const auto& [server, names] : services) {
    for (const auto& name : names) {
      const auto* service =
          google::protobuf::DescriptorPool::generated_pool()->FindServiceByName(name);
      ASSERT_NE(service, nullptr) << name;
      for (int i = 0; i < service->method_count(); ++i, ++methods) {
        EXPECT_TRUE(
            covered.contains(server + " " + service->name() + "/" + service->method(i)->name()))
            << server << " " << service->method(i)->full_name() << " has no row";
      }
    }
  }
  EXPECT_EQ(covered.size(), methods) << "a row names an RPC that does not exist";
}

// Every call expected to fail, made against one world; the three databases
// are read before and after.
TEST_F(AuthorizationMatrixTest, RefusedCallsGetTheirExactStatusAndChangeNothing) {
  const std::vector<RpcCase> rows = AllRpcs();
  const World world = NewWorld();
  std::map<std::pair<size_t, Caller>, std::string> tokens;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (Caller caller : kCallers) {
      tokens[{i, caller}] = TokenOf(caller, world, world.*rows[i].owner);
    }
  }
  // Once the writes the world caused have landed (tag uses are sent each
  // period, recommendations follows the trust changes).
  const auto before = Settled();

  int refused = 0;
  for (size_t i = 0; i < rows.size(); ++i) {
    for (Caller caller : kCallers) {
      const Code expected = rows[i].expect.For(caller);
      if (expected == OK) continue;
      grpc::Status status = Call(rows[i], world, tokens[{i, caller}]);
      EXPECT_EQ(status.error_code(), expected) << Describe(rows[i], caller, status);
      ++refused;
    }
  }
  // A share token that is truncated or guessed opens nothing and logs nothing.
  for (const std::string& guess : {world.share_token.substr(0, world.share_token.size() - 1),
                                   std::string(world.share_token.size(), 'A')}) {
    cv1::GetSharedDossierRequest request;
    request.set_token(guess);
    cv1::Dossier dossier;
    EXPECT_EQ(recs().GetSharedDossier(Context().get(), request, &dossier).error_code(), NOT_FOUND);
    ++refused;
  }
  const auto after = Settled();
  for (const auto& [path, contents] : before) {
    EXPECT_EQ(DescribeDifference(contents, after.at(path)), "")
        << path << " changed after " << refused << " refused calls";
  }
  EXPECT_GT(refused, 200);
}

// Every RPC counts against a budget: with budgets of one call per class
// that refill once in 1000 s, a first sweep over every row spends them and
// a second is refused RESOURCE_EXHAUSTED with a RetryInfo delay, whoever
// the caller (a person by their token, a token-less call by its address),
// and stores nothing.
TEST_F(AuthorizationMatrixTest, EveryRpcOverItsBudgetIsRefusedAndChangesNothing) {
  const std::vector<RpcCase> rows = AllRpcs();
  const World world = NewWorld();
  // Services and operators unbounded: the servers' calls to each other go on.
  std::vector<std::string> quotas = {"--quotas=on", "--privileged_quota_factor=1000000"};
  for (const char* quota_class : {"reads", "searches", "writes", "logins", "signups", "share_reads",
                                  "imports", "refreshes"}) {
    quotas.push_back(absl::StrCat("--quota_", quota_class, "=0.001:1"));
  }
  for (Server server : {Server::kRecommendations, Server::kRelationships, Server::kIdentity}) {
    deployment_->Stop(server, /*kill=*/false);
  }
  for (Server server : {Server::kIdentity, Server::kRelationships, Server::kRecommendations}) {
    deployment_->AddFlags(server, quotas);
    ASSERT_TRUE(deployment_->Start(server));
  }
  client_ = std::make_unique<CatalogClient>(*deployment_);
  std::vector<std::string> tokens;
  for (const RpcCase& row : rows) tokens.push_back((world.*row.owner).token);

  for (size_t i = 0; i < rows.size(); ++i) Call(rows[i], world, tokens[i]);
  const auto before = Settled();
  for (size_t i = 0; i < rows.size(); ++i) {
    const grpc::Status status = Call(rows[i], world, tokens[i]);
    EXPECT_EQ(status.error_code(), Code::RESOURCE_EXHAUSTED)
        << Describe(rows[i], Caller::kOwner, status);
    EXPECT_NE(status.error_details().find("google.rpc.RetryInfo"), std::string::npos)
        << Describe(rows[i], Caller::kOwner, status);
  }
  const auto after = Settled();
  for (const auto& [path, contents] : before) {
    EXPECT_EQ(DescribeDifference(contents, after.at(path)), "")
        << path << " changed after calls refused over their budget";
  }
}

// Every call expected to succeed, each in a world of its own (a success may
// delete or revoke what the next one needs).
TEST_F(AuthorizationMatrixTest, AllowedCallsSucceed) {
  const std::vector<RpcCase> rows = AllRpcs();
  for (const RpcCase& row : rows) {
    for (Caller caller : kCallers) {
      if (row.expect.For(caller) != OK) continue;
      const World world = NewWorld();
      grpc::Status status = Call(row, world, TokenOf(caller, world, world.*row.owner));
      EXPECT_TRUE(status.ok()) << Describe(row, caller, status);
    }
  }
}

}  // namespace
}  // namespace trustsphere::testing
