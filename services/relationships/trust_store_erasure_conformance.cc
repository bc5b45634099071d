// What every TrustStore does with an erasure (CHANGE_KIND_ERASED): part of
// TrustStoreConformance.

#include <gmock/gmock.h>

#include "absl/time/clock.h"
#include "services/relationships/trust_store_conformance.h"

namespace trustsphere::relationships {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

std::vector<std::string> Pairs(const storage::Page<v1::TrustStatement>& page) {
  std::vector<std::string> pairs;
  for (const auto& statement : page.items) {
    pairs.push_back(statement.truster_id() + ">" + statement.trustee_id());
  }
  return pairs;
}

}  // namespace

StatementChange TrustStoreConformance::Erasure(const std::string& truster,
                                               const std::string& trustee) {
  StatementChange change = ChangeTo(ErasedStatement(truster, trustee), v1::CHANGE_KIND_ERASED);
  EXPECT_TRUE(change.before.has_value()) << truster << " > " << trustee << " is not stored";
  return change;
}

TEST_P(TrustStoreConformance, AnErasureLeavesNothingOfThePairButErasures) {
  // alice and bob trust each other, alice's note rewritten once, and
  // alice's first statement answered a request; carol's statements stay.
  v1::TrustStatement first = ActiveStatement("alice", "bob");
  first.set_note("alice's first words about bob");
  *first.mutable_sphere()->add_inside() = Competency("negotiation");
  const RequestKey request{"alice", "PutTrust", "retry-1"};
  ASSERT_TRUE(CreateAnswering(*store_, first, request).ok());
  Put("alice", "bob", v1::VISIBILITY_PUBLIC, {"rigour"});
  Put("bob", "alice", v1::VISIBILITY_NETWORK, {"patience"});
  Put("carol", "bob", v1::VISIBILITY_PUBLIC, {"rigour"});
  Put("bob", "carol");
  const uint64_t before_erasure = store_->CommittedChangeSequence();

  // Both directions in one write, the second after the first is gone.
  StatementChange mine = Erasure("alice", "bob");
  StatementChange theirs = Erasure("bob", "alice");
  theirs.reverse = std::nullopt;
  auto erased = store_->Apply({mine, theirs}, std::nullopt);
  ASSERT_TRUE(erased.ok()) << erased.status();

  auto reader = store_->Snapshot();
  auto pair = reader->Statements({{"alice", "bob"}, {"bob", "alice"}});
  ASSERT_TRUE(pair.ok());
  EXPECT_FALSE((*pair)[0].has_value());
  EXPECT_FALSE((*pair)[1].has_value());
  EXPECT_THAT(Pairs(*reader->Outgoing("alice", "", 10, All)), IsEmpty());
  EXPECT_THAT(Pairs(*reader->Incoming("alice", "", 10, All)), IsEmpty());
  EXPECT_THAT(Pairs(*reader->Outgoing("bob", "", 10, All)), ElementsAre("bob>carol"));
  EXPECT_THAT(Pairs(*reader->Incoming("bob", "", 10, All)), ElementsAre("carol>bob"));
  EXPECT_THAT(reader->References("bob", "", 10, AllEdges)->items.size(), 1u);
  EXPECT_FALSE(reader->Reference("alice", "bob")->has_value());
  EXPECT_THAT(Pairs(*reader->Pending("alice", "", 10, All)), IsEmpty());
  EXPECT_EQ(*reader->Counts("alice"), StatementCounts());
  EXPECT_EQ(*reader->Counts("bob"), (StatementCounts{.active = 1, .kept = 1, .unanswered = 0}));
  std::vector<std::string> holders;
  ASSERT_TRUE(reader
                  ->VisitFacetHolders("bob", Competency("rigour"),
                                      [&](const FacetHolder& holder) {
                                        holders.push_back(holder.truster);
                                        return true;
                                      })
                  .ok());
  EXPECT_THAT(holders, ElementsAre("carol"));
  int statements = 0;
  ASSERT_TRUE(reader
                  ->VisitStatements([&](const v1::TrustStatement&) -> absl::StatusOr<bool> {
                    ++statements;
                    return true;
                  })
                  .ok());
  EXPECT_EQ(statements, 2);

  // The request record answered with the erased statement is gone.
  EXPECT_THAT(*store_->FindRequest(request), ::testing::Eq(std::nullopt));

  // Every entry of the pair, old or new, is an erasure with nothing but the
  // two ids; carol's keep their content.
  auto log = store_->Changes(0, 100);
  ASSERT_TRUE(log.ok());
  int erasures_after = 0;
  int carols = 0;
  for (const auto& entry : *log) {
    const v1::TrustStatement& statement = entry.change.statement();
    const bool of_the_pair =
        (statement.truster_id() == "alice" && statement.trustee_id() == "bob") ||
        (statement.truster_id() == "bob" && statement.trustee_id() == "alice");
    if (of_the_pair) {
      EXPECT_EQ(entry.change.kind(), v1::CHANGE_KIND_ERASED) << entry.sequence;
      EXPECT_EQ(
          statement.SerializeAsString(),
          ErasedStatement(statement.truster_id(), statement.trustee_id()).SerializeAsString());
      EXPECT_EQ(entry.change.previous_sphere().ByteSizeLong(), 0u) << entry.sequence;
      if (entry.sequence > before_erasure) ++erasures_after;
    } else {
      EXPECT_NE(entry.change.kind(), v1::CHANGE_KIND_ERASED);
      if (statement.truster_id() == "carol") {
        ++carols;
        EXPECT_EQ(statement.sphere().inside(0).key(), "rigour");
      }
    }
  }
  EXPECT_EQ(carols, 1);
  // One new entry per statement erased, after everything before.
  EXPECT_EQ(erasures_after, 2);
  EXPECT_EQ(log->size(), 7u);
}

TEST_P(TrustStoreConformance, ErasingOneDirectionLeavesTheOtherWaitingForAnAnswer) {
  Put("alice", "bob", v1::VISIBILITY_NETWORK, {"negotiation"});
  Put("bob", "alice", v1::VISIBILITY_NETWORK);
  ASSERT_TRUE(store_->Apply({Erasure("alice", "bob")}, std::nullopt).ok());
  auto reader = store_->Snapshot();
  EXPECT_FALSE(reader->Reference("bob", "alice")->has_value());
  EXPECT_THAT(Pairs(*reader->Pending("alice", "", 10, All)), ElementsAre("bob>alice"));
  EXPECT_EQ(*reader->Counts("bob"), (StatementCounts{.active = 1, .kept = 1, .unanswered = 1}));
  EXPECT_EQ(*reader->Counts("alice"), StatementCounts());
  auto judged = reader->Judge("alice", "bob", Competency("negotiation"));
  ASSERT_TRUE(judged.ok());
  EXPECT_FALSE(judged->has_value());
}

}  // namespace trustsphere::relationships
