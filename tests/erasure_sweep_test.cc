// After DeletePerson, every RPC of the three servers (the catalog's, with
// the requests it builds about the deleted person) answered to an operator
// and to the person's closest reference: no answer holds the person's
// name, email, the letter written of them or their recruiter's address,
// and only the two change logs (identity's deletion itself, relationships'
// erasures of their statements) and identity's tombstone still name their
// id.

#include <set>

#include "absl/strings/str_join.h"
#include "tests/catalog_fixture.h"
#include "tests/support/wait_until.h"

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;

class ErasureSweepTest : public CatalogTest {
 protected:
  // "<method> as <caller>: <what>" for each answer that holds one of
  // `needles` (what, bytes), but for the RPCs of `allowed`.
  std::vector<std::string> Mentions(const World& world,
                                    const std::vector<std::pair<std::string, std::string>>& needles,
                                    const std::set<std::string>& allowed) {
    std::vector<std::string> found;
    for (const auto& [caller, token] :
         {std::pair<std::string, std::string>{"operator", operator_token_},
          {"carol", world.carol.token}}) {
      for (const RpcCase& rpc : AllRpcs()) {
        if (allowed.contains(rpc.method)) continue;
        std::string answer;
        if (!client_->Call(rpc, *rpc.request(world), token, &answer).ok()) continue;
        for (const auto& [what, bytes] : needles) {
          if (answer.find(bytes) != std::string::npos) {
            found.push_back(rpc.method + " as " + caller + ": " + what);
          }
        }
      }
    }
    return found;
  }
};

TEST_F(ErasureSweepTest, AfterDeletionNoRpcAnswersAnythingAboutThePerson) {
  const World world = MakeWorld(*deployment_, 1);
  const Account& alice = world.alice;
  const std::vector<std::pair<std::string, std::string>> words = {
      {"name", alice.person.display_name()},
      {"email", "alice1@example.fr"},
      {"letter", "Alice negotiated our largest contract."},
      {"recruiter", "recruiter@acme.example"}};
  ASSERT_FALSE(alice.person.display_name().empty());

  iv1::DeletePersonRequest remove;
  remove.set_id(alice.person.id());
  iv1::GetPersonRequest get;
  get.set_id(alice.person.id());
  iv1::Person current;
  ASSERT_TRUE(ident().GetPerson(Context(alice.token).get(), get, &current).ok());
  remove.set_etag(current.etag());
  google::protobuf::Empty empty;
  ASSERT_TRUE(ident().DeletePerson(Context(alice.token).get(), remove, &empty).ok());

  std::vector<std::pair<std::string, std::string>> everything = words;
  everything.emplace_back("id", alice.person.id());
  // The change logs record the deletion and the erasures; identity answers
  // a deleted id with its tombstone (the id, state DELETED).
  const std::set<std::string> naming_the_id = {
      "IdentityService/ListIdentityChanges", "RelationshipService/WatchTrustChanges",
      "IdentityService/GetPerson", "IdentityService/BatchGetPersons"};
  // Each service erases within its poll period.
  std::vector<std::string> mentions;
  EXPECT_TRUE(WaitUntil(
      [&] {
        mentions = Mentions(world, everything, naming_the_id);
        return mentions.empty();
      },
      20s))
      << absl::StrJoin(mentions, "\n");
  // Those name the id, and nothing else of the person.
  EXPECT_THAT(Mentions(world, words, {}), ::testing::IsEmpty());

  // The sweep finds what the answers about a live person hold.
  const World live = MakeWorld(*deployment_, 2);
  const std::vector<std::string> found = Mentions(
      live, {{"name", live.alice.person.display_name()}, {"recruiter", "recruiter@acme.example"}},
      {});
  EXPECT_THAT(found, ::testing::Contains(::testing::HasSubstr("IdentityService/GetPerson")));
  EXPECT_THAT(found,
              ::testing::Contains(::testing::HasSubstr("GetSharedDossier as operator: recruiter")));
}

}  // namespace
}  // namespace trustsphere::testing
