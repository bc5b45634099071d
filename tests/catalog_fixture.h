#pragma once

// The three servers running, with a client for the RPC catalog and the
// privileged tokens the catalog's callers use.

#include <memory>
#include <string>

#include "tests/relationships_fixture.h"
#include "tests/support/database_contents.h"
#include "tests/support/rpc_catalog.h"

namespace trustsphere::testing {

class CatalogTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    ASSERT_TRUE(deployment_->StartRecommendations());
    client_ = std::make_unique<CatalogClient>(*deployment_);
    operator_token_ = deployment_->Token("ops", "operator");
    service_token_ = deployment_->Token("svc", "service");
  }

  // The three servers' databases once their background writes have landed.
  std::map<std::string, DatabaseContents> Settled() {
    return SettledDatabases({deployment_->DatabaseDir("identity"),
                             deployment_->DatabaseDir("relationships"),
                             deployment_->DatabaseDir("recommendations")});
  }

  std::unique_ptr<CatalogClient> client_;
  std::string operator_token_;
  std::string service_token_;
};

}  // namespace trustsphere::testing
