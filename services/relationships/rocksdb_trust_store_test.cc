#include "services/relationships/rocksdb_trust_store.h"

#include <gtest/gtest.h>

#include <map>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/relationships/relationships_keys.h"
#include "services/relationships/trust_store_conformance.h"

namespace trustsphere::relationships {
namespace {

INSTANTIATE_TEST_SUITE_P(RocksDb, TrustStoreConformance,
                         ::testing::Values(testing::OpenUnsynced<TrustStore, RocksDbTrustStore>));

// Applies `after` over what the store holds for the pair.
void Apply(TrustStore& store, const v1::TrustStatement& after) {
  auto reader = store.Latest();
  StatementChange change{.before = *reader->Statement(after.truster_id(), after.trustee_id()),
                         .after = after,
                         .reverse = *reader->Statement(after.trustee_id(), after.truster_id())};
  change.kind = change.before ? v1::CHANGE_KIND_UPDATED : v1::CHANGE_KIND_CREATED;
  EXPECT_TRUE(store.Apply({change}, std::nullopt).ok());
}

// Copies the first `families` families of the database at `from`, written
// by today's store, into a new database at `to` of schema `version`: what
// an older build would have left there.
void CopyAsVersion(const std::string& from_path, const std::string& to_path, uint32_t version,
                   storage::Family families) {
  storage::EngineOptions current;
  current.path = from_path;
  current.families = keys::FamilyNames();
  current.counter_families = {keys::kCounters};
  current.schema_version = keys::kSchemaVersion;
  auto from = storage::Engine::Open(current);
  ASSERT_TRUE(from.ok()) << from.status();
  storage::EngineOptions older;
  older.path = to_path;
  older.families = keys::FamilyNames();
  older.families.resize(families);
  if (families > keys::kCounters) older.counter_families = {keys::kCounters};
  older.schema_version = version;
  auto to = storage::Engine::Open(older);
  ASSERT_TRUE(to.ok()) << to.status();
  for (storage::Family family = 0; family < families; ++family) {
    storage::WriteBatch batch;
    ASSERT_TRUE((*from)
                    ->Scan(family, {},
                           [&](std::string_view key, std::string_view value) {
                             batch.Put(family, key, value);
                             return true;
                           })
                    .ok());
    ASSERT_TRUE((*to)->Write(std::move(batch)).ok());
  }
}

// A database of the first layout (no counters family, schema version 1) is
// counted when it opens, and then kept up to date like any other.
TEST(RocksDbTrustStoreTest, AVersionOneDatabaseGetsItsCountsAtOpen) {
  testing::TempDir dir;
  // Written by today's store, then copied without its counters into a
  // folder of the first layout.
  std::map<std::string, StatementCounts> expected;
  {
    auto store = RocksDbTrustStore::Open(dir.Sub("current"), false);
    ASSERT_TRUE(store.ok()) << store.status();
    auto apply = [&](const v1::TrustStatement& after) { Apply(**store, after); };
    for (int i = 0; i < 2500; ++i) {  // more people than one migration batch
      apply(ActiveStatement(absl::StrCat("p", i), absl::StrCat("p", (i + 1) % 2500)));
    }
    apply(ActiveStatement("p1", "p0"));  // answers p0
    v1::TrustStatement revoked = ActiveStatement("p7", "p9");
    apply(revoked);
    revoked.set_state(v1::TRUST_STATE_REVOKED);
    apply(revoked);
    for (const char* person : {"p0", "p1", "p7", "p2499"}) {
      expected[person] = *(*store)->Latest()->Counts(person);
    }
  }
  EXPECT_EQ(expected["p0"], (StatementCounts{.active = 1, .kept = 1, .unanswered = 0}));
  EXPECT_EQ(expected["p7"], (StatementCounts{.active = 1, .kept = 2, .unanswered = 1}));
  CopyAsVersion(dir.Sub("current"), dir.Sub("v1"), /*version=*/1, /*families=*/keys::kCounters);

  auto migrated = RocksDbTrustStore::Open(dir.Sub("v1"), false);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  for (const auto& [person, counts] : expected) {
    EXPECT_EQ(*(*migrated)->Latest()->Counts(person), counts) << person;
  }
  // Kept from now on by every write: p2 answers p1, whose statements are
  // then both answered.
  EXPECT_EQ(*(*migrated)->Latest()->Counts("p1"),
            (StatementCounts{.active = 2, .kept = 2, .unanswered = 1}));
  Apply(**migrated, ActiveStatement("p2", "p1"));
  migrated->reset();
  auto reopened = RocksDbTrustStore::Open(dir.Sub("v1"), false);
  ASSERT_TRUE(reopened.ok()) << reopened.status();
  EXPECT_EQ(*(*reopened)->Latest()->Counts("p1"),
            (StatementCounts{.active = 2, .kept = 2, .unanswered = 0}));
}

// A database of version 3 (no traces) gets the traces of its change log
// and request records at open, so that erasing a statement written before
// still rewrites its history and drops its request record.
TEST(RocksDbTrustStoreTest, AVersionThreeDatabaseGetsItsTracesAtOpen) {
  testing::TempDir dir;
  const RequestKey request{"ada", "PutTrust", "retry-1"};
  {
    auto store = RocksDbTrustStore::Open(dir.Sub("current"), false);
    ASSERT_TRUE(store.ok()) << store.status();
    v1::TrustStatement first = ActiveStatement("ada", "bea");
    first.set_note("ada's words");
    ASSERT_TRUE(CreateAnswering(**store, first, request).ok());
    first.set_note("ada's other words");
    Apply(**store, first);
    Apply(**store, ActiveStatement("bea", "cid"));
  }
  CopyAsVersion(dir.Sub("current"), dir.Sub("v3"), /*version=*/3, /*families=*/keys::kTraces);

  auto migrated = RocksDbTrustStore::Open(dir.Sub("v3"), false);
  ASSERT_TRUE(migrated.ok()) << migrated.status();
  auto reader = (*migrated)->Latest();
  StatementChange erasure{.before = *reader->Statement("ada", "bea"),
                          .after = ErasedStatement("ada", "bea"),
                          .kind = v1::CHANGE_KIND_ERASED};
  ASSERT_TRUE((*migrated)->Apply({erasure}, std::nullopt).ok());
  EXPECT_EQ(*(*migrated)->FindRequest(request), std::nullopt);
  auto log = (*migrated)->Changes(0, 10);
  ASSERT_TRUE(log.ok());
  ASSERT_EQ(log->size(), 4u);
  for (int i : {0, 1, 3}) EXPECT_EQ((*log)[i].change.kind(), v1::CHANGE_KIND_ERASED) << i;
  EXPECT_EQ((*log)[2].change.kind(), v1::CHANGE_KIND_CREATED);
  EXPECT_EQ((*log)[2].change.statement().truster_id(), "bea");
}

}  // namespace
}  // namespace trustsphere::relationships
