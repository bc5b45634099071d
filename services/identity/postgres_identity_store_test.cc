// The identity store's conformance suite over PostgreSQL 15: each test gets
// a fresh database on a throwaway server of its own process.

#include "services/identity/postgres_identity_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "services/identity/identity_store_conformance.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::identity {
namespace {

absl::StatusOr<std::unique_ptr<IdentityStore>> OpenOnPostgres(const std::string&) {
  auto conninfo = testing::FreshDatabase("identity");
  if (!conninfo.ok()) return conninfo.status();
  auto store = PostgresIdentityStore::Open(std::make_unique<storage::postgres::PgPool>(
      storage::postgres::PgPoolOptions{.conninfo = *conninfo}));
  if (!store.ok()) return store.status();
  return std::unique_ptr<IdentityStore>(std::move(*store));
}

INSTANTIATE_TEST_SUITE_P(Postgres, IdentityStoreConformance, ::testing::Values(OpenOnPostgres));

// Two replicas' stores on one database, four writers each, and a reader
// following the log meanwhile: every page it reads continues the previous
// one with no gap, and in the end the log holds every change once.
TEST(PostgresIdentityStoreTest, TheChangeLogHasNoGapWhicheverReplicaWrote) {
  auto server = testing::PostgresServer::Start();
  ASSERT_NE(server, nullptr);
  auto open = [&] {
    return PostgresIdentityStore::Open(std::make_unique<storage::postgres::PgPool>(
        storage::postgres::PgPoolOptions{.conninfo = server->ConnInfo()}));
  };
  auto first = open();
  auto second = open();
  ASSERT_TRUE(first.ok() && second.ok()) << first.status() << second.status();
  std::vector<PostgresIdentityStore*> replicas = {first->get(), second->get()};

  constexpr int kWritersPerReplica = 4, kWrites = 40;
  std::atomic<bool> writing = true;
  std::atomic<int> failed = 0;
  std::vector<std::thread> writers;
  for (int w = 0; w < 2 * kWritersPerReplica; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < kWrites; ++i) {
        IdentityWrite write;
        const std::string person = "prs_" + std::to_string(w) + "_" + std::to_string(i);
        write.Log(internal::Change::KIND_PERSON_CREATED, person);
        write.Log(internal::Change::KIND_PERSON_UPDATED, person);
        if (!replicas[w % 2]->Apply(write).ok()) ++failed;
      }
    });
  }
  std::atomic<int> gaps = 0;
  std::thread reader([&] {
    uint64_t cursor = 0;
    while (writing || cursor < 2u * 2 * kWritersPerReplica * kWrites) {
      auto page = replicas[1]->Changes(cursor, 50);
      if (!page.ok()) continue;
      for (const auto& entry : *page) {
        if (entry.sequence != cursor + 1) ++gaps;
        cursor = entry.sequence;
      }
      if (!writing && page->empty()) break;
    }
  });
  for (auto& writer : writers) writer.join();
  writing = false;
  reader.join();
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(gaps.load(), 0);

  auto all = replicas[0]->Changes(0, 10000);
  ASSERT_TRUE(all.ok()) << all.status();
  ASSERT_EQ(all->size(), 2u * 2 * kWritersPerReplica * kWrites);
  std::set<std::string> created;
  for (size_t i = 0; i < all->size(); ++i) {
    EXPECT_EQ((*all)[i].sequence, i + 1);
    if ((*all)[i].change.kind() == internal::Change::KIND_PERSON_CREATED) {
      // A write's two changes are next to each other, in the order logged.
      ASSERT_LT(i + 1, all->size());
      EXPECT_EQ((*all)[i + 1].change.kind(), internal::Change::KIND_PERSON_UPDATED);
      EXPECT_EQ((*all)[i + 1].change.person_id(), (*all)[i].change.person_id());
      created.insert((*all)[i].change.person_id());
    }
  }
  EXPECT_EQ(created.size(), 2u * kWritersPerReplica * kWrites);
}

}  // namespace
}  // namespace trustsphere::identity
