// The recommendations store's conformance suite over PostgreSQL 15, each
// test on a fresh database of a throwaway server of its own process.

#include "services/recommendations/postgres_recommendation_store.h"

#include <gtest/gtest.h>

#include "services/recommendations/recommendation_store_conformance.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::recommendations {
namespace {

absl::StatusOr<std::unique_ptr<RecommendationStore>> OpenOnPostgres(const std::string&) {
  auto conninfo = testing::FreshDatabase("recommendations");
  if (!conninfo.ok()) return conninfo.status();
  auto store = PostgresRecommendationStore::Open(std::make_unique<storage::postgres::PgPool>(
      storage::postgres::PgPoolOptions{.conninfo = *conninfo}));
  if (!store.ok()) return store.status();
  return std::unique_ptr<RecommendationStore>(std::move(*store));
}

INSTANTIATE_TEST_SUITE_P(Postgres, RecommendationStoreConformance,
                         ::testing::Values(OpenOnPostgres));

}  // namespace
}  // namespace trustsphere::recommendations
