#include "services/relationships/trust_store_conformance.h"

#include <gmock/gmock.h>

#include <atomic>
#include <map>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"

namespace trustsphere::relationships {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::Optional;

// The other person of each statement of a page (trustee for Outgoing,
// truster for the lists about a person).
std::vector<std::string> Others(const storage::Page<v1::TrustStatement>& page, bool outgoing) {
  std::vector<std::string> ids;
  for (const auto& statement : page.items) {
    ids.push_back(outgoing ? statement.trustee_id() : statement.truster_id());
  }
  return ids;
}

std::vector<std::string> Others(const storage::Page<ReferenceEdge>& page) {
  std::vector<std::string> ids;
  for (const auto& edge : page.items) ids.push_back(edge.other);
  return ids;
}

std::vector<std::string> HoldersOf(TrustReader& reader, const std::string& subject,
                                   const std::string& key) {
  std::vector<std::string> holders;
  EXPECT_TRUE(reader
                  .VisitFacetHolders(subject, Competency(key),
                                     [&](const FacetHolder& holder) {
                                       holders.push_back(holder.truster);
                                       return true;
                                     })
                  .ok());
  return holders;
}

}  // namespace

StatementChange TrustStoreConformance::ChangeTo(v1::TrustStatement after, v1::ChangeKind kind) {
  auto reader = store_->Latest();
  StatementChange change;
  auto before = reader->Statement(after.truster_id(), after.trustee_id());
  auto reverse = reader->Statement(after.trustee_id(), after.truster_id());
  EXPECT_TRUE(before.ok() && reverse.ok());
  if (before.ok()) change.before = *before;
  if (reverse.ok()) change.reverse = *reverse;
  change.after = std::move(after);
  change.kind = kind;
  return change;
}

v1::TrustStatement TrustStoreConformance::Put(const std::string& truster,
                                              const std::string& trustee, v1::Visibility visibility,
                                              const std::vector<std::string>& inside) {
  v1::TrustStatement after;
  after.set_truster_id(truster);
  after.set_trustee_id(trustee);
  after.set_visibility(visibility);
  after.set_state(v1::TRUST_STATE_ACTIVE);
  after.set_etag(absl::StrCat("etag-", absl::ToUnixNanos(absl::Now())));
  for (const auto& key : inside) *after.mutable_sphere()->add_inside() = Competency(key);
  StatementChange change = ChangeTo(after, v1::CHANGE_KIND_UPDATED);
  if (!change.before) change.kind = v1::CHANGE_KIND_CREATED;
  auto applied = store_->Apply({change}, std::nullopt);
  EXPECT_TRUE(applied.ok()) << applied.status();
  return after;
}

v1::TrustStatement TrustStoreConformance::Revoke(const std::string& truster,
                                                 const std::string& trustee) {
  auto current = store_->Latest()->Statement(truster, trustee);
  EXPECT_TRUE(current.ok() && current->has_value());
  v1::TrustStatement after =
      current.ok() && current->has_value() ? **current : v1::TrustStatement();
  after.set_state(v1::TRUST_STATE_REVOKED);
  auto applied = store_->Apply({ChangeTo(after, v1::CHANGE_KIND_REVOKED)}, std::nullopt);
  EXPECT_TRUE(applied.ok()) << applied.status();
  return after;
}

TEST_P(TrustStoreConformance, AStatementIsReadBackAloneAndInBatches) {
  auto reader = store_->Latest();
  EXPECT_THAT(*reader->Statement("alice", "bob"), ::testing::Eq(std::nullopt));
  const v1::TrustStatement stored = Put("alice", "bob", v1::VISIBILITY_PUBLIC, {"negotiation"});
  auto read = store_->Latest()->Statement("alice", "bob");
  ASSERT_TRUE(read.ok() && read->has_value());
  EXPECT_EQ((*read)->SerializeAsString(), stored.SerializeAsString());
  auto batch = store_->Latest()->Statements({{"alice", "bob"}, {"bob", "alice"}, {"alice", "bob"}});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 3u);
  EXPECT_TRUE((*batch)[0].has_value());
  EXPECT_FALSE((*batch)[1].has_value());
  EXPECT_TRUE((*batch)[2].has_value());
}

TEST_P(TrustStoreConformance, IndexesFollowEveryStateOfAPair) {
  Put("alice", "bob", v1::VISIBILITY_NETWORK, {"negotiation"});
  {
    auto reader = store_->Snapshot();
    EXPECT_THAT(Others(*reader->Outgoing("alice", "", 10, All), true), ElementsAre("bob"));
    EXPECT_THAT(Others(*reader->Incoming("bob", "", 10, All), false), ElementsAre("alice"));
    EXPECT_THAT(Others(*reader->Pending("bob", "", 10, All), false), ElementsAre("alice"));
    EXPECT_THAT(Others(*reader->References("alice", "", 10, AllEdges)), IsEmpty());
    EXPECT_THAT(HoldersOf(*reader, "bob", "negotiation"), ElementsAre("alice"));
  }
  // Answered: a mutual reference both ways, with both visibilities.
  Put("bob", "alice", v1::VISIBILITY_PUBLIC);
  {
    auto reader = store_->Snapshot();
    EXPECT_THAT(Others(*reader->Pending("bob", "", 10, All), false), IsEmpty());
    EXPECT_THAT(Others(*reader->Pending("alice", "", 10, All), false), IsEmpty());
    auto from_alice = reader->Reference("alice", "bob");
    ASSERT_TRUE(from_alice.ok() && from_alice->has_value());
    EXPECT_EQ((*from_alice)->outgoing, v1::VISIBILITY_NETWORK);
    EXPECT_EQ((*from_alice)->incoming, v1::VISIBILITY_PUBLIC);
    auto from_bob = reader->Reference("bob", "alice");
    ASSERT_TRUE(from_bob.ok() && from_bob->has_value());
    EXPECT_EQ((*from_bob)->outgoing, v1::VISIBILITY_PUBLIC);
    EXPECT_EQ((*from_bob)->incoming, v1::VISIBILITY_NETWORK);
    EXPECT_THAT(Others(*reader->References("bob", "", 10, AllEdges)), ElementsAre("alice"));
  }
  // Narrowed: the facet leaves; revoked: the reference ends and bob's
  // statement waits for an answer again; the revoked one is kept.
  Put("alice", "bob", v1::VISIBILITY_NETWORK, {});
  EXPECT_THAT(HoldersOf(*store_->Latest(), "bob", "negotiation"), IsEmpty());
  Revoke("alice", "bob");
  auto reader = store_->Snapshot();
  EXPECT_THAT(*reader->Reference("alice", "bob"), ::testing::Eq(std::nullopt));
  EXPECT_THAT(Others(*reader->Pending("alice", "", 10, All), false), ElementsAre("bob"));
  EXPECT_THAT(Others(*reader->Pending("bob", "", 10, All), false), IsEmpty());
  auto kept = reader->Outgoing("alice", "", 10, All);
  ASSERT_EQ(kept->items.size(), 1u);
  EXPECT_EQ(kept->items[0].state(), v1::TRUST_STATE_REVOKED);
}

TEST_P(TrustStoreConformance, FacetHoldersCarryTheirStatementsVisibility) {
  Put("alice", "subject", v1::VISIBILITY_PRIVATE, {"negotiation", "rigour"});
  Put("bob", "subject", v1::VISIBILITY_PUBLIC, {"negotiation"});
  Put("carol", "other", v1::VISIBILITY_PUBLIC, {"negotiation"});
  std::map<std::string, v1::Visibility> holders;
  ASSERT_TRUE(store_->Latest()
                  ->VisitFacetHolders("subject", Competency("negotiation"),
                                      [&](const FacetHolder& holder) {
                                        holders[holder.truster] = holder.visibility;
                                        return true;
                                      })
                  .ok());
  EXPECT_EQ(holders, (std::map<std::string, v1::Visibility>{{"alice", v1::VISIBILITY_PRIVATE},
                                                            {"bob", v1::VISIBILITY_PUBLIC}}));
  // A visitor stops the walk.
  int visited = 0;
  ASSERT_TRUE(store_->Latest()
                  ->VisitFacetHolders("subject", Competency("negotiation"),
                                      [&](const FacetHolder&) { return ++visited < 1; })
                  .ok());
  EXPECT_EQ(visited, 1);
}

TEST_P(TrustStoreConformance, AJudgementSaysWhereAFacetIsInAnActiveStatement) {
  v1::TrustStatement statement = Put("alice", "bob", v1::VISIBILITY_NETWORK, {"negotiation"});
  *statement.mutable_sphere()->add_outside() = Competency("accounting");
  ASSERT_TRUE(store_->Apply({ChangeTo(statement, v1::CHANGE_KIND_UPDATED)}, std::nullopt).ok());
  auto reader = store_->Snapshot();
  auto judge = [&](const std::string& key) {
    return *reader->Judge("alice", "bob", Competency(key));
  };
  EXPECT_EQ(judge("negotiation"),
            (FacetJudgement{.visibility = v1::VISIBILITY_NETWORK, .verdict = v1::VERDICT_INSIDE}));
  EXPECT_EQ(judge("accounting")->verdict, v1::VERDICT_OUTSIDE);
  EXPECT_EQ(judge("rigour")->verdict, v1::VERDICT_NOT_STATED);
  EXPECT_EQ(*reader->Judge("bob", "alice", Competency("negotiation")), std::nullopt);
  auto inside = reader->InsideFacets({{"alice", "bob"}, {"bob", "alice"}});
  ASSERT_TRUE(inside.ok());
  ASSERT_EQ(inside->size(), 2u);
  ASSERT_EQ((*inside)[0].size(), 1u);
  EXPECT_EQ((*inside)[0][0].key(), "negotiation");
  EXPECT_EQ((*inside)[0][0].kind(), common::v1::FACET_KIND_COMPETENCY);
  EXPECT_THAT((*inside)[1], IsEmpty());
  Revoke("alice", "bob");
  EXPECT_EQ(*store_->Latest()->Judge("alice", "bob", Competency("negotiation")), std::nullopt);
  auto revoked = store_->Latest()->InsideFacets({{"alice", "bob"}});
  ASSERT_TRUE(revoked.ok());
  EXPECT_THAT(revoked->front(), IsEmpty());
  EXPECT_TRUE(judge("negotiation").has_value());
}

TEST_P(TrustStoreConformance, PagesResumeFromTheirCursorAndHideFilteredEntries) {
  std::vector<std::string> trustees;
  for (int i = 0; i < 25; ++i) {
    trustees.push_back(absl::StrCat("p", 10 + i));
    Put("alice", trustees.back());
  }
  // Every third entry is filtered out, as a hidden statement would be.
  std::set<std::string> hidden = {"p12", "p15", "p18", "p21", "p24", "p27", "p30", "p33"};
  auto keep = [&](const v1::TrustStatement& statement) {
    return !hidden.contains(statement.trustee_id());
  };
  std::vector<std::string> seen;
  std::vector<size_t> sizes;
  std::string cursor;
  auto reader = store_->Snapshot();
  do {
    auto page = reader->Outgoing("alice", cursor, 5, keep);
    ASSERT_TRUE(page.ok()) << page.status();
    sizes.push_back(page->items.size());
    for (const auto& id : Others(*page, true)) seen.push_back(id);
    cursor = page->next_cursor;
  } while (!cursor.empty());
  std::vector<std::string> expected;
  for (const auto& id : trustees) {
    if (!hidden.contains(id)) expected.push_back(id);
  }
  EXPECT_EQ(seen, expected);
  // 17 visible: full pages, then the rest; no empty page is announced even
  // though hidden entries follow the last visible one.
  EXPECT_EQ(sizes, (std::vector<size_t>{5, 5, 5, 2}));
  auto last = reader->Outgoing("alice", "", 17, keep);
  EXPECT_EQ(last->items.size(), 17u);
  EXPECT_TRUE(last->next_cursor.empty());
}

TEST_P(TrustStoreConformance, CountsAddUpEveryChange) {
  Put("alice", "bob");
  Put("alice", "carol");
  EXPECT_EQ(*store_->Latest()->Counts("alice"),
            (StatementCounts{.active = 2, .kept = 2, .unanswered = 2}));
  Put("bob", "alice");  // answers alice
  EXPECT_EQ(*store_->Latest()->Counts("alice"),
            (StatementCounts{.active = 2, .kept = 2, .unanswered = 1}));
  EXPECT_EQ(*store_->Latest()->Counts("bob"),
            (StatementCounts{.active = 1, .kept = 1, .unanswered = 0}));
  Revoke("alice", "bob");  // bob's statement waits again
  EXPECT_EQ(*store_->Latest()->Counts("alice"),
            (StatementCounts{.active = 1, .kept = 2, .unanswered = 1}));
  EXPECT_EQ(*store_->Latest()->Counts("bob"),
            (StatementCounts{.active = 1, .kept = 1, .unanswered = 1}));
  EXPECT_EQ(*store_->Latest()->Counts("nobody"), StatementCounts());
}

// A PRIVATE statement back is its truster's alone: it answers nothing in
// the counts of the person it is about, and changing its visibility moves
// them.
TEST_P(TrustStoreConformance, OnlyAnAnswerItsTrusterCanSeeCountsAsOne) {
  Put("alice", "bob");
  Put("bob", "alice", v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(store_->Latest()->Counts("alice")->unanswered, 1);
  EXPECT_EQ(store_->Latest()->Counts("bob")->unanswered, 0);
  Put("bob", "alice", v1::VISIBILITY_TRUSTEE);
  EXPECT_EQ(store_->Latest()->Counts("alice")->unanswered, 0);
  Put("bob", "alice", v1::VISIBILITY_PRIVATE);
  EXPECT_EQ(store_->Latest()->Counts("alice")->unanswered, 1);
  Put("alice", "bob", v1::VISIBILITY_PRIVATE);  // bob's is answered by no one he can see
  EXPECT_EQ(store_->Latest()->Counts("bob")->unanswered, 1);
}

// Random puts, narrowings, visibility changes, reciprocations and
// revocations among a few people; after each, every query agrees with a
// model of the statements written.
TEST_P(TrustStoreConformance, EveryQueryAgreesWithTheStatementsAfterRandomChanges) {
  const std::vector<std::string> people = {"ann", "ben", "cat", "dan", "eve", "fay"};
  const std::vector<v1::Visibility> visibilities = {v1::VISIBILITY_PRIVATE, v1::VISIBILITY_TRUSTEE,
                                                    v1::VISIBILITY_NETWORK, v1::VISIBILITY_PUBLIC};
  std::mt19937 random(20261201);
  std::map<std::pair<std::string, std::string>, v1::TrustStatement> model;
  auto active = [&](const std::string& a, const std::string& b) {
    auto it = model.find({a, b});
    return it != model.end() && it->second.state() == v1::TRUST_STATE_ACTIVE;
  };
  // a's statement waits for an answer a can see.
  auto unanswered = [&](const std::string& a, const std::string& b) {
    return active(a, b) && !(active(b, a) && model[{b, a}].visibility() != v1::VISIBILITY_PRIVATE);
  };
  for (int step = 0; step < 300; ++step) {
    const std::string& truster = people[random() % people.size()];
    std::string trustee = people[random() % people.size()];
    if (trustee == truster) continue;
    if (active(truster, trustee) && random() % 4 == 0) {
      model[{truster, trustee}] = Revoke(truster, trustee);
    } else {
      std::vector<std::string> inside;
      for (const char* key : {"negotiation", "rigour", "listening"}) {
        if (random() % 2) inside.push_back(key);
      }
      model[{truster, trustee}] =
          Put(truster, trustee, visibilities[random() % visibilities.size()], inside);
    }
    if (step % 25 != 24) continue;

    auto reader = store_->Snapshot();
    for (const auto& person : people) {
      StatementCounts expected;
      std::vector<std::string> outgoing, incoming, pending, references, holders;
      for (const auto& [pair, statement] : model) {
        const auto& [a, b] = pair;
        if (a == person) {
          outgoing.push_back(b);
          ++expected.kept;
          if (active(a, b)) ++expected.active;
          if (unanswered(a, b)) ++expected.unanswered;
          if (active(a, b) && active(b, a)) references.push_back(b);
        }
        if (b == person) {
          incoming.push_back(a);
          if (active(a, b) && !active(b, a)) pending.push_back(a);
          bool holds = false;
          for (const auto& facet : statement.sphere().inside()) {
            holds = holds || facet.key() == "rigour";
          }
          if (active(a, b) && holds) holders.push_back(a);
        }
      }
      EXPECT_EQ(*reader->Counts(person), expected) << person << " at step " << step;
      EXPECT_EQ(Others(*reader->Outgoing(person, "", 100, All), true), outgoing) << person;
      EXPECT_EQ(Others(*reader->Incoming(person, "", 100, All), false), incoming) << person;
      EXPECT_EQ(Others(*reader->Pending(person, "", 100, All), false), pending) << person;
      EXPECT_EQ(Others(*reader->References(person, "", 100, AllEdges)), references) << person;
      EXPECT_EQ(HoldersOf(*reader, person, "rigour"), holders) << person;
      for (const auto& other : references) {
        auto edge = reader->Reference(person, other);
        ASSERT_TRUE(edge.ok() && edge->has_value());
        EXPECT_EQ((*edge)->outgoing, (model[{person, other}].visibility()));
        EXPECT_EQ((*edge)->incoming, (model[{other, person}].visibility()));
      }
    }
  }
}

TEST_P(TrustStoreConformance, ASnapshotSeesAllOfAnApplyOrNone) {
  auto before = store_->Snapshot();
  v1::TrustStatement a_to_b, b_to_a;
  a_to_b.set_truster_id("alice");
  a_to_b.set_trustee_id("bob");
  a_to_b.set_state(v1::TRUST_STATE_ACTIVE);
  b_to_a = a_to_b;
  b_to_a.set_truster_id("bob");
  b_to_a.set_trustee_id("alice");
  // Both directions in one Apply, the second knowing the first as reverse.
  StatementChange first{.after = a_to_b, .kind = v1::CHANGE_KIND_CREATED};
  StatementChange second{.after = b_to_a, .reverse = a_to_b, .kind = v1::CHANGE_KIND_CREATED};
  auto sequence = store_->Apply({first, second}, std::nullopt);
  ASSERT_TRUE(sequence.ok()) << sequence.status();

  EXPECT_THAT(*before->Statement("alice", "bob"), ::testing::Eq(std::nullopt));
  EXPECT_THAT(*before->Reference("alice", "bob"), ::testing::Eq(std::nullopt));
  EXPECT_EQ(*before->Counts("alice"), StatementCounts());
  auto after = store_->Snapshot();
  EXPECT_TRUE(after->Reference("alice", "bob")->has_value());
  EXPECT_EQ(*after->Counts("alice"), (StatementCounts{.active = 1, .kept = 1, .unanswered = 0}));
  auto changes = store_->Changes(0, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 2u);
  EXPECT_EQ(changes->back().sequence, *sequence);

  // Concurrent applies of pairs: every snapshot holds both statements of a
  // pair or neither.
  std::atomic<bool> done = false;
  std::thread writer([&] {
    for (int i = 0; i < 100; ++i) {
      v1::TrustStatement x = a_to_b, y = b_to_a;
      x.set_truster_id(absl::StrCat("x", i));
      x.set_trustee_id(absl::StrCat("y", i));
      y.set_truster_id(absl::StrCat("y", i));
      y.set_trustee_id(absl::StrCat("x", i));
      EXPECT_TRUE(store_
                      ->Apply({{.after = x, .kind = v1::CHANGE_KIND_CREATED},
                               {.after = y, .reverse = x, .kind = v1::CHANGE_KIND_CREATED}},
                              std::nullopt)
                      .ok());
    }
    done = true;
  });
  do {
    auto reader = store_->Snapshot();
    for (int i = 0; i < 100; ++i) {
      auto pair = reader->Statements({{absl::StrCat("x", i), absl::StrCat("y", i)},
                                      {absl::StrCat("y", i), absl::StrCat("x", i)}});
      ASSERT_TRUE(pair.ok());
      ASSERT_EQ((*pair)[0].has_value(), (*pair)[1].has_value()) << i;
      ASSERT_EQ(reader->Reference(absl::StrCat("x", i), absl::StrCat("y", i))->has_value(),
                (*pair)[0].has_value());
    }
  } while (!done);
  writer.join();
}

TEST_P(TrustStoreConformance, TheChangeLogIsInCommitOrderAndResumable) {
  std::atomic<uint64_t> last_applied = 0;
  std::vector<std::thread> writers;
  for (int w = 0; w < 4; ++w) {
    writers.emplace_back([&, w] {
      for (int i = 0; i < 25; ++i) {
        v1::TrustStatement statement;
        statement.set_truster_id(absl::StrCat("w", w));
        statement.set_trustee_id(absl::StrCat("t", i));
        statement.set_state(v1::TRUST_STATE_ACTIVE);
        auto sequence =
            store_->Apply({{.after = statement, .kind = v1::CHANGE_KIND_CREATED}}, std::nullopt);
        ASSERT_TRUE(sequence.ok());
        uint64_t seen = last_applied.load();
        while (*sequence > seen && !last_applied.compare_exchange_weak(seen, *sequence)) {
        }
      }
    });
  }
  for (auto& writer : writers) writer.join();

  // Read in small batches from the start, resuming after the last sequence.
  std::vector<TrustChangeEntry> all;
  uint64_t after = 0;
  while (true) {
    auto batch = store_->Changes(after, 7);
    ASSERT_TRUE(batch.ok()) << batch.status();
    if (batch->empty()) break;
    for (auto& entry : *batch) all.push_back(std::move(entry));
    after = all.back().sequence;
  }
  ASSERT_EQ(all.size(), 100u);
  EXPECT_EQ(all.back().sequence, last_applied.load());
  std::map<std::string, int> next_of_writer;
  for (size_t i = 0; i < all.size(); ++i) {
    if (i > 0) {
      EXPECT_LT(all[i - 1].sequence, all[i].sequence);
    }
    EXPECT_EQ(all[i].change.kind(), v1::CHANGE_KIND_CREATED);
    // Each writer's changes appear in the order it made them.
    const std::string& writer = all[i].change.statement().truster_id();
    EXPECT_EQ(all[i].change.statement().trustee_id(), absl::StrCat("t", next_of_writer[writer]++));
  }
  EXPECT_THAT(*store_->Changes(all.back().sequence, 10), IsEmpty());

  // A change carries the sphere it replaced.
  Put("w0", "t0", v1::VISIBILITY_TRUSTEE, {"negotiation"});
  Put("w0", "t0", v1::VISIBILITY_TRUSTEE, {"rigour"});
  auto latest = store_->Changes(all.back().sequence, 10);
  ASSERT_EQ(latest->size(), 2u);
  EXPECT_EQ(latest->back().change.kind(), v1::CHANGE_KIND_UPDATED);
  ASSERT_EQ(latest->back().change.previous_sphere().inside_size(), 1);
  EXPECT_EQ(latest->back().change.previous_sphere().inside(0).key(), "negotiation");
  EXPECT_TRUE(latest->back().change.has_commit_time());
}

TEST_P(TrustStoreConformance, RequestRecordsAreKeptWithTheirWriteAndScopedByCaller) {
  const RequestKey key{"alice", "PutTrust", "retry-7"};
  EXPECT_THAT(*store_->FindRequest(key), ::testing::Eq(std::nullopt));
  v1::TrustStatement statement;
  statement.set_truster_id("alice");
  statement.set_trustee_id("bob");
  statement.set_state(v1::TRUST_STATE_ACTIVE);
  statement.set_etag("e1");
  const absl::Time now = absl::FromUnixSeconds(1764547200);
  RequestRecord record{.key = key,
                       .fingerprint = "fingerprint",
                       .response = statement.SerializeAsString(),
                       .create_time = now};
  ASSERT_TRUE(store_->Apply({{.after = statement, .kind = v1::CHANGE_KIND_CREATED}}, record).ok());
  auto found = store_->FindRequest(key);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->fingerprint, "fingerprint");
  EXPECT_EQ((*found)->response, statement.SerializeAsString());
  EXPECT_EQ((*found)->create_time, now);
  EXPECT_THAT(*store_->FindRequest({"bob", "PutTrust", "retry-7"}), ::testing::Eq(std::nullopt));
}

TEST_P(TrustStoreConformance, ASecretIsKeptOnceAndForAll) {
  auto first = store_->KeepSecret("service/test_secret", "first");
  ASSERT_TRUE(first.ok());
  EXPECT_EQ(*first, "first");
  EXPECT_EQ(*store_->KeepSecret("service/test_secret", "second"), "first");
}

TEST_P(TrustStoreConformance, LatestSeesWritesASnapshotDoesNot) {
  auto snapshot = store_->Snapshot();
  auto latest = store_->Latest();
  Put("alice", "bob");
  EXPECT_FALSE(snapshot->Statement("alice", "bob")->has_value());
  EXPECT_TRUE(latest->Statement("alice", "bob")->has_value());
}

}  // namespace trustsphere::relationships
