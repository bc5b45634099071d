// The identity store's conformance suite over PostgreSQL 15: each test gets
// a fresh database on a throwaway server of its own process.

#include "services/identity/postgres_identity_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <set>
#include <thread>

#include "services/identity/identity_store_conformance.h"
#include "services/identity/login_throttle_scenario.h"
#include "tests/support/postgres_server.h"

namespace trustsphere::identity {
namespace {

absl::StatusOr<std::unique_ptr<PostgresIdentityStore>> OpenOn(const std::string& conninfo) {
  return PostgresIdentityStore::Open(std::make_unique<storage::postgres::PgPool>(
      storage::postgres::PgPoolOptions{.conninfo = conninfo}));
}

absl::StatusOr<std::unique_ptr<IdentityStore>> OpenOnPostgres(const std::string&) {
  auto conninfo = testing::FreshDatabase("identity");
  if (!conninfo.ok()) return conninfo.status();
  auto store = OpenOn(*conninfo);
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
  auto first = OpenOn(server->ConnInfo());
  auto second = OpenOn(server->ConnInfo());
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

internal::PersonRecord Person(const std::string& id, const std::string& email,
                              const std::string& name) {
  internal::PersonRecord record;
  record.mutable_person()->set_id(id);
  record.mutable_person()->set_display_name(name);
  record.mutable_person()->set_email(email);
  record.set_normalized_email(email);
  return record;
}

// Two replicas' logic each checked, under locks of its own process, what it
// read; the store refuses the write made from a state the other changed
// since (ABORTED), whatever the record, and that write leaves nothing.
TEST(PostgresIdentityStoreTest, AWriteMadeFromAStaleReadWritesNothing) {
  auto conninfo = testing::FreshDatabase("stale");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto one = OpenOn(*conninfo);
  auto other = OpenOn(*conninfo);
  ASSERT_TRUE(one.ok() && other.ok()) << one.status() << other.status();
  auto apply = [](IdentityStore& store, auto fill) {
    IdentityWrite write;
    fill(write);
    return store.Apply(write);
  };

  const internal::PersonRecord ada = Person("prs_ada", "ada@example.fr", "Ada");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutPerson(ada); }).ok());
  // Both saw the email free: the second sign-up is refused.
  EXPECT_TRUE(absl::IsAborted(apply(**other, [&](IdentityWrite& w) {
    w.PutPerson(Person("prs_eve", "ada@example.fr", "Eve"));
  })));
  EXPECT_EQ((*one)->PersonIdByEmail("ada@example.fr")->value_or(""), "prs_ada");
  EXPECT_FALSE((*one)->Person("prs_eve")->has_value());
  // Both read Ada as she was; the second rename is refused.
  internal::PersonRecord renamed = ada, renamed_again = ada;
  renamed.mutable_person()->set_display_name("Ada L.");
  renamed_again.mutable_person()->set_display_name("Ada Lovelace");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutPerson(renamed, ada); }).ok());
  EXPECT_TRUE(
      absl::IsAborted(apply(**other, [&](IdentityWrite& w) { w.PutPerson(renamed_again, ada); })));
  EXPECT_EQ((*other)->Person("prs_ada")->value().person().display_name(), "Ada L.");
  // Nor may an email go to two people who each moved to it.
  const internal::PersonRecord bob = Person("prs_bob", "bob@example.fr", "Bob");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutPerson(bob); }).ok());
  internal::PersonRecord bob_moved = bob;
  bob_moved.set_normalized_email("shared@example.fr");
  internal::PersonRecord ada_moved = renamed;
  ada_moved.set_normalized_email("shared@example.fr");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutPerson(bob_moved, bob); }).ok());
  EXPECT_TRUE(
      absl::IsAborted(apply(**other, [&](IdentityWrite& w) { w.PutPerson(ada_moved, renamed); })));
  EXPECT_EQ((*one)->PersonIdByEmail("shared@example.fr")->value_or(""), "prs_bob");
  EXPECT_EQ((*one)->PersonIdByEmail("ada@example.fr")->value_or(""), "prs_ada");

  // Two counts of one tag from one read: the second is refused.
  v1::Tag rigour;
  rigour.set_kind(common::v1::FACET_KIND_COMPETENCY);
  rigour.set_key("rigour");
  rigour.set_use_count(1);
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutTag(rigour); }).ok());
  v1::Tag twice = rigour;
  twice.set_use_count(2);
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutTag(twice, rigour); }).ok());
  EXPECT_TRUE(absl::IsAborted(apply(**other, [&](IdentityWrite& w) { w.PutTag(twice, rigour); })));
  EXPECT_TRUE(absl::IsAborted(apply(**other, [&](IdentityWrite& w) { w.PutTag(rigour); })));
  EXPECT_EQ((*other)->Tag(rigour.kind(), "rigour")->value().use_count(), 2);
  // A refused write logs no change.
  EXPECT_EQ((*one)->Changes(0, 100)->size(), 0u);

  // Two rotations of one session from one read: the second is refused, so
  // one refresh token is issued per rotation. Nor does a rotation bring
  // back a session another replica ended.
  internal::SessionRecord session;
  session.set_id("ses_ada");
  session.set_person_id("prs_ada");
  session.set_refresh_hash("first");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutSession(session); }).ok());
  internal::SessionRecord rotated = session, rotated_elsewhere = session;
  rotated.set_refresh_hash("second");
  rotated_elsewhere.set_refresh_hash("other");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.PutSession(rotated, session); }).ok());
  EXPECT_TRUE(absl::IsAborted(
      apply(**other, [&](IdentityWrite& w) { w.PutSession(rotated_elsewhere, session); })));
  EXPECT_EQ((*other)->Session("ses_ada")->value().refresh_hash(), "second");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) { w.RevokeSession(rotated, absl::Now()); }).ok());
  internal::SessionRecord after_revocation = rotated;
  after_revocation.set_refresh_hash("third");
  EXPECT_TRUE(absl::IsAborted(
      apply(**other, [&](IdentityWrite& w) { w.PutSession(after_revocation, rotated); })));
  EXPECT_FALSE((*other)->Session("ses_ada")->has_value());

  // A login another replica opened after the deletion listed the sessions
  // goes with the tombstone all the same; and a login that checked a
  // password since changed is refused.
  internal::SessionRecord bobs;
  bobs.set_id("ses_bob");
  bobs.set_person_id("prs_bob");
  ASSERT_TRUE(apply(**one, [&](IdentityWrite& w) {
                w.PutSession(bobs);
                w.RequireUnchanged(bob_moved);
              }).ok());
  internal::PersonRecord bob_gone;
  bob_gone.mutable_person()->set_id("prs_bob");
  bob_gone.mutable_person()->set_state(v1::PERSON_STATE_DELETED);
  ASSERT_TRUE(apply(**other, [&](IdentityWrite& w) { w.PutPerson(bob_gone, bob_moved); }).ok());
  EXPECT_FALSE((*one)->Session("ses_bob")->has_value());
  EXPECT_TRUE(absl::IsAborted(apply(**one, [&](IdentityWrite& w) {
    w.PutSession(bobs);
    w.RequireUnchanged(bob_moved);
  })));
}

// The throttle in the database behaves as the one in memory, and two
// replicas count one email's failures together.
TEST(PostgresIdentityStoreTest, ReplicasShareOneLoginThrottle) {
  auto conninfo = testing::FreshDatabase("throttle");
  ASSERT_TRUE(conninfo.ok()) << conninfo.status();
  auto one = OpenOn(*conninfo);
  auto other = OpenOn(*conninfo);
  ASSERT_TRUE(one.ok() && other.ok()) << one.status() << other.status();
  auto throttle = (*one)->SharedLoginThrottle();
  auto other_throttle = (*other)->SharedLoginThrottle();
  ASSERT_NE(throttle, nullptr);
  ExpectDelaysGrowAfterTheFreeFailures(*throttle);

  // Failures spread over both replicas, from threads: none is lost.
  const absl::Time now = absl::FromUnixSeconds(2000000);
  std::vector<std::thread> guessers;
  for (int i = 0; i < LoginThrottle::kFreeFailures; ++i) {
    LoginThrottle* through = i % 2 == 0 ? throttle.get() : other_throttle.get();
    guessers.emplace_back([through, now] { through->RecordFailure("x@y.fr", now); });
  }
  for (auto& guesser : guessers) guesser.join();
  EXPECT_TRUE(absl::IsResourceExhausted(throttle->Check("x@y.fr", now)));
  EXPECT_TRUE(absl::IsResourceExhausted(other_throttle->Check("x@y.fr", now)));
  other_throttle->RecordSuccess("x@y.fr");
  EXPECT_TRUE(throttle->Check("x@y.fr", now).ok());
}

}  // namespace
}  // namespace trustsphere::identity
