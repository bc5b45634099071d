// SearchPeople called on IdentityLogic over a real database: matching after
// normalisation, ranking, the organisation filter, opting out, deletion,
// paging, what a caller sees, and indexing people stored before search.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "services/identity/identity_logic.h"
#include "services/identity/rocksdb_identity_store.h"
#include "services/identity/search_entry.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::identity {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

class IdentitySearchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = RocksDbIdentityStore::Open(dir_.Sub("db"), /*sync_writes=*/false);
    ASSERT_TRUE(store.ok()) << store.status();
    auto key = LoadOrCreateSigningKey(dir_.Sub("key.json"));
    ASSERT_TRUE(key.ok());
    auto page_tokens = PageTokenCodecFor(**store);
    ASSERT_TRUE(page_tokens.ok());
    IdentityOptions options;
    options.password_cost = {.passes = 1, .memory_bytes = 8192 * 1024, .max_concurrent = 2};
    logic_ =
        std::make_unique<IdentityLogic>(std::move(*store), *key, std::move(*page_tokens), options);
  }

  v1::Person Create(const std::string& name, const std::string& organization = "") {
    v1::CreatePersonRequest request;
    request.mutable_person()->set_display_name(name);
    request.mutable_person()->set_email(absl::StrCat("person", created_++, "@example.fr"));
    request.set_password("long enough");
    auto person = logic_->CreatePerson(Caller(), request);
    EXPECT_TRUE(person.ok()) << person.status();
    if (!person.ok()) return v1::Person();
    if (!organization.empty()) Hold(person->id(), organization);
    return *person;
  }

  v1::Position Hold(const std::string& person_id, const std::string& organization) {
    v1::AddPositionRequest add;
    add.set_person_id(person_id);
    add.mutable_position()->set_kind(v1::POSITION_KIND_EMPLOYMENT);
    add.mutable_position()->set_organization(organization);
    add.mutable_position()->set_title("Clerk");
    add.mutable_position()->mutable_period()->mutable_start()->set_year(2015);
    add.mutable_position()->mutable_period()->mutable_start()->set_month(1);
    auto position = logic_->AddPosition(As(person_id), add);
    EXPECT_TRUE(position.ok()) << position.status();
    return position.value_or(v1::Position());
  }

  static Caller As(const std::string& person_id) {
    return Caller{.person_id = person_id, .roles = static_cast<uint32_t>(Role::kUser)};
  }

  // The names found by `caller`, in order.
  std::vector<std::string> Found(const Caller& caller, const std::string& name_prefix,
                                 const std::string& organization = "") {
    v1::SearchPeopleRequest request;
    request.set_name_prefix(name_prefix);
    request.set_organization(organization);
    auto found = logic_->SearchPeople(caller, request);
    EXPECT_TRUE(found.ok()) << found.status();
    std::vector<std::string> names;
    if (!found.ok()) return names;
    for (const auto& person : found->persons()) names.push_back(person.display_name());
    return names;
  }

  int created_ = 0;
  testing::TempDir dir_;
  std::unique_ptr<IdentityLogic> logic_;
};

TEST_F(IdentitySearchTest, NamesMatchWhateverTheirAccentsCaseAndWordOrder) {
  const v1::Person seeker = Create("Quelqu'un");
  Create("Hélène Dupré");
  Create("Martin Durand");
  Create("Jean Martinez");
  EXPECT_THAT(Found(As(seeker.id()), "helene"), ElementsAre("Hélène Dupré"));
  EXPECT_THAT(Found(As(seeker.id()), "DUPRE hél"), ElementsAre("Hélène Dupré"));
  EXPECT_THAT(Found(As(seeker.id()), "mar dur"), ElementsAre("Martin Durand"));
  EXPECT_THAT(Found(As(seeker.id()), "zo"), IsEmpty());
}

TEST_F(IdentitySearchTest, TheWholeNameComesFirstThenWholeWordsThenPrefixesColleaguesFirst) {
  const v1::Person seeker = Create("Seeker", "Société Générale");
  Create("Martine Aubry");
  Create("Martin");
  Create("Paul Martin", "Airbus");
  Create("Zoé Martin", "SOCIETE GENERALE");
  Create("Martinez Colleague", "Societe  Generale");
  EXPECT_THAT(Found(As(seeker.id()), "martin"),
              ElementsAre("Martin",                     // the whole name
                          "Zoé Martin", "Paul Martin",  // a whole word, colleague first
                          "Martinez Colleague", "Martine Aubry"));
  // Only those who held a position there, however it is spelt.
  EXPECT_THAT(Found(As(seeker.id()), "martin", "société générale"),
              ElementsAre("Zoé Martin", "Martinez Colleague"));
}

// More holders of the first name than one scan reads: the surname's few
// entries are the candidates, so the person is found whatever the order of
// the first name's entries.
TEST_F(IdentitySearchTest, ARareWordFindsThePersonBesideAWordTooCommonToScan) {
  const v1::Person seeker = Create("Seeker");
  IdentityWrite crowd;
  for (int i = 0; i <= IdentityLogic::kMaxSearchScan; ++i) {
    internal::PersonRecord record;
    record.mutable_person()->set_id(absl::StrCat("prs_jean", i));
    record.mutable_person()->set_display_name(absl::StrCat("Jean ", i));
    record.mutable_person()->set_state(v1::PERSON_STATE_ACTIVE);
    *record.mutable_search() = SearchEntryOf(record.person(), {});
    crowd.PutPerson(std::move(record));
  }
  ASSERT_TRUE(logic_->store().Apply(crowd).ok());
  // Its id sorts after every other Jean's.
  internal::PersonRecord rare;
  rare.mutable_person()->set_id("prs_zzz");
  rare.mutable_person()->set_display_name("Jean Zyxwabc");
  rare.mutable_person()->set_state(v1::PERSON_STATE_ACTIVE);
  *rare.mutable_search() = SearchEntryOf(rare.person(), {});
  IdentityWrite one;
  one.PutPerson(rare);
  ASSERT_TRUE(logic_->store().Apply(one).ok());
  EXPECT_THAT(Found(As(seeker.id()), "jean zyx"), ElementsAre("Jean Zyxwabc"));
  v1::SearchPeopleRequest too_long;
  too_long.set_name_prefix("a b c d e");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->SearchPeople(As(seeker.id()), too_long).status()));
}

TEST_F(IdentitySearchTest, OptedOutAndDeletedPeopleAreNotFoundButStillShownById) {
  const v1::Person seeker = Create("Seeker");
  const v1::Person shy = Create("Camille Secret");
  const v1::Person leaving = Create("Camille Partie");
  EXPECT_EQ(Found(As(seeker.id()), "camille").size(), 2u);

  v1::UpdatePersonRequest hide;
  hide.mutable_person()->set_id(shy.id());
  hide.mutable_person()->set_etag(shy.etag());
  hide.mutable_person()->set_discoverable(false);
  hide.mutable_update_mask()->add_paths("discoverable");
  auto hidden = logic_->UpdatePerson(As(shy.id()), hide);
  ASSERT_TRUE(hidden.ok()) << hidden.status();
  EXPECT_FALSE(hidden->discoverable());
  v1::DeletePersonRequest erase;
  erase.set_id(leaving.id());
  erase.set_etag(leaving.etag());
  ASSERT_TRUE(logic_->DeletePerson(As(leaving.id()), erase).ok());
  EXPECT_THAT(Found(As(seeker.id()), "camille"), IsEmpty());

  v1::GetPersonRequest get;
  get.set_id(shy.id());
  EXPECT_EQ(logic_->GetPerson(As(seeker.id()), get)->display_name(), "Camille Secret");

  // Changing their mind brings them back.
  hide.mutable_person()->set_etag(hidden->etag());
  hide.mutable_person()->set_discoverable(true);
  ASSERT_TRUE(logic_->UpdatePerson(As(shy.id()), hide).ok());
  EXPECT_THAT(Found(As(seeker.id()), "camille"), ElementsAre("Camille Secret"));
}

TEST_F(IdentitySearchTest, ARenameOrAChangedPositionIsFoundTheNewWay) {
  const v1::Person seeker = Create("Seeker");
  const v1::Person lea = Create("Léa Petit");
  const v1::Position job = Hold(lea.id(), "Decathlon");
  EXPECT_THAT(Found(As(seeker.id()), "lea", "decathlon"), ElementsAre("Léa Petit"));

  v1::UpdatePersonRequest rename;
  rename.mutable_person()->set_id(lea.id());
  rename.mutable_person()->set_etag(lea.etag());
  rename.mutable_person()->set_display_name("Léa Grand");
  rename.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(logic_->UpdatePerson(As(lea.id()), rename).ok());
  EXPECT_THAT(Found(As(seeker.id()), "petit"), IsEmpty());
  EXPECT_THAT(Found(As(seeker.id()), "grand"), ElementsAre("Léa Grand"));

  v1::UpdatePositionRequest move;
  move.mutable_position()->set_id(job.id());
  move.mutable_position()->set_etag(job.etag());
  move.mutable_position()->set_organization("Airbus");
  move.mutable_update_mask()->add_paths("organization");
  auto moved = logic_->UpdatePosition(As(lea.id()), move);
  ASSERT_TRUE(moved.ok()) << moved.status();
  EXPECT_THAT(Found(As(seeker.id()), "lea", "decathlon"), IsEmpty());
  EXPECT_THAT(Found(As(seeker.id()), "lea", "airbus"), ElementsAre("Léa Grand"));

  v1::RemovePositionRequest remove;
  remove.set_id(moved->id());
  remove.set_etag(moved->etag());
  ASSERT_TRUE(logic_->RemovePosition(As(lea.id()), remove).ok());
  EXPECT_THAT(Found(As(seeker.id()), "lea", "airbus"), IsEmpty());
}

TEST_F(IdentitySearchTest, PagesFollowTheRankingAndOthersEmailsStayHidden) {
  const v1::Person seeker = Create("Seeker");
  for (int i = 0; i < 5; ++i) Create(absl::StrCat("Dupont ", i));
  v1::SearchPeopleRequest request;
  request.set_name_prefix("dupont");
  request.set_page_size(2);
  std::vector<std::string> names;
  do {
    auto page = logic_->SearchPeople(As(seeker.id()), request);
    ASSERT_TRUE(page.ok()) << page.status();
    EXPECT_LE(page->persons_size(), 2);
    for (const auto& person : page->persons()) {
      names.push_back(person.display_name());
      EXPECT_TRUE(person.email().empty());
      EXPECT_TRUE(person.discoverable());
    }
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_THAT(names, ElementsAre("Dupont 0", "Dupont 1", "Dupont 2", "Dupont 3", "Dupont 4"));

  // Someone new ranked before the cursor between two pages shifts nothing:
  // the next page starts after the last person shown.
  request.clear_page_token();
  auto page = logic_->SearchPeople(As(seeker.id()), request);
  ASSERT_TRUE(page.ok());
  Create("Dupont 00");
  request.set_page_token(page->next_page_token());
  auto next = logic_->SearchPeople(As(seeker.id()), request);
  ASSERT_TRUE(next.ok()) << next.status();
  ASSERT_EQ(next->persons_size(), 2);
  EXPECT_EQ(next->persons(0).display_name(), "Dupont 2");

  // A token is for its query only; a query of invisible characters only is
  // refused.
  auto first = logic_->SearchPeople(As(seeker.id()), request);
  request.set_page_token(first->next_page_token());
  request.set_name_prefix("dupond");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->SearchPeople(As(seeker.id()), request).status()));
  request.clear_page_token();
  request.set_name_prefix("\u00AD\u200B");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->SearchPeople(As(seeker.id()), request).status()));
}

TEST_F(IdentitySearchTest, PeopleStoredBeforeSearchAreIndexedOnceAtStart) {
  const v1::Person seeker = Create("Seeker");
  const v1::Person old = Create("Ancien Compte", "Atelier Lumière");
  // As an earlier release stored them: no search entry, so no index entry.
  auto record = logic_->store().Person(old.id());
  ASSERT_TRUE(record.ok() && record->has_value());
  internal::PersonRecord earlier = **record;
  earlier.clear_search();
  IdentityWrite write;
  write.PutPerson(earlier, **record);
  ASSERT_TRUE(logic_->store().Apply(write).ok());
  EXPECT_THAT(Found(As(seeker.id()), "ancien"), IsEmpty());

  auto indexed = logic_->IndexForSearch();
  ASSERT_TRUE(indexed.ok()) << indexed.status();
  EXPECT_EQ(*indexed, 1);
  EXPECT_THAT(Found(As(seeker.id()), "ancien", "atelier lumiere"), ElementsAre("Ancien Compte"));
  EXPECT_EQ(*logic_->IndexForSearch(), 0);
  // A later start reads only the changes since the last one: a person
  // created since, stripped as an earlier release would store them, is
  // indexed, the rest not read again.
  const v1::Person later = Create("Nouveau Venu");
  record = logic_->store().Person(later.id());
  ASSERT_TRUE(record.ok() && record->has_value());
  earlier = **record;
  earlier.clear_search();
  IdentityWrite strip;
  strip.PutPerson(earlier, **record);
  ASSERT_TRUE(logic_->store().Apply(strip).ok());
  EXPECT_EQ(*logic_->IndexForSearch(), 1);
  EXPECT_THAT(Found(As(seeker.id()), "venu"), ElementsAre("Nouveau Venu"));
}

}  // namespace
}  // namespace trustsphere::identity
