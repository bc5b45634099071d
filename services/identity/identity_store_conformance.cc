#include "services/identity/identity_store_conformance.h"

#include <gmock/gmock.h>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/month_index.h"

namespace trustsphere::identity {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;

internal::PersonRecord Record(const std::string& id, const std::string& email) {
  internal::PersonRecord record;
  record.mutable_person()->set_id(id);
  record.mutable_person()->set_display_name("Person " + id);
  record.mutable_person()->set_email(email);
  record.mutable_person()->set_state(v1::PERSON_STATE_ACTIVE);
  record.set_normalized_email(email);
  record.set_password_hash("hash of " + id);
  return record;
}

// end (0, 0): ongoing.
v1::Position Job(const std::string& id, const std::string& person, const std::string& org_key,
                 int start_year, int end_year = 0) {
  v1::Position position;
  position.set_id(id);
  position.set_person_id(person);
  position.set_organization(org_key);
  position.set_organization_key(org_key);
  position.mutable_period()->mutable_start()->set_year(start_year);
  position.mutable_period()->mutable_start()->set_month(1);
  if (end_year != 0) {
    position.mutable_period()->mutable_end()->set_year(end_year);
    position.mutable_period()->mutable_end()->set_month(12);
  }
  return position;
}

std::vector<std::string> Ids(const std::vector<v1::Position>& positions) {
  std::vector<std::string> ids;
  for (const auto& position : positions) ids.push_back(position.id());
  return ids;
}

internal::SessionRecord Session(const std::string& id, const std::string& person,
                                int64_t login_seconds) {
  internal::SessionRecord session;
  session.set_id(id);
  session.set_person_id(person);
  session.set_device_label("Phone " + id);
  session.mutable_create_time()->set_seconds(login_seconds);
  session.mutable_last_used_time()->set_seconds(login_seconds);
  session.set_refresh_hash("hash " + id);
  return session;
}

std::vector<std::string> SessionIds(const std::vector<internal::SessionRecord>& sessions) {
  std::vector<std::string> ids;
  for (const auto& session : sessions) ids.push_back(session.id());
  return ids;
}

}  // namespace

void IdentityStoreConformance::Apply(const IdentityWrite& write) {
  absl::Status applied = store_->Apply(write);
  ASSERT_TRUE(applied.ok()) << applied;
}

TEST_P(IdentityStoreConformance, PeopleAreFoundByIdAndByEmail) {
  EXPECT_EQ(*store_->Person("prs_a"), std::nullopt);
  IdentityWrite write;
  write.PutPerson(Record("prs_a", "a@example.fr"));
  write.PutPerson(Record("prs_b", "b@example.fr"));
  Apply(write);
  EXPECT_EQ((*store_->Person("prs_a"))->password_hash(), "hash of prs_a");
  auto batch = store_->Persons({"prs_b", "prs_missing", "prs_a"});
  ASSERT_TRUE(batch.ok());
  ASSERT_EQ(batch->size(), 2u);
  EXPECT_EQ((*batch)[0].person().id(), "prs_b");
  EXPECT_EQ((*batch)[1].person().id(), "prs_a");
  EXPECT_EQ(*store_->PersonIdByEmail("b@example.fr"), "prs_b");
  EXPECT_EQ(*store_->PersonIdByEmail("nobody@example.fr"), std::nullopt);
}

TEST_P(IdentityStoreConformance, TheEmailIndexFollowsChangesAndTombstones) {
  const internal::PersonRecord first = Record("prs_a", "old@example.fr");
  IdentityWrite create;
  create.PutPerson(first);
  Apply(create);
  internal::PersonRecord moved = Record("prs_a", "new@example.fr");
  IdentityWrite change;
  change.PutPerson(moved, first);
  Apply(change);
  EXPECT_EQ(*store_->PersonIdByEmail("old@example.fr"), std::nullopt);
  EXPECT_EQ(*store_->PersonIdByEmail("new@example.fr"), "prs_a");

  internal::PersonRecord tombstone;
  tombstone.mutable_person()->set_id("prs_a");
  tombstone.mutable_person()->set_state(v1::PERSON_STATE_DELETED);
  IdentityWrite erase;
  erase.PutPerson(tombstone, moved);
  Apply(erase);
  EXPECT_EQ(*store_->PersonIdByEmail("new@example.fr"), std::nullopt);
  EXPECT_EQ((*store_->Person("prs_a"))->person().state(), v1::PERSON_STATE_DELETED);
  EXPECT_TRUE((*store_->Person("prs_a"))->password_hash().empty());
}

TEST_P(IdentityStoreConformance, APersonsPositionsListLatestStartFirst) {
  IdentityWrite write;
  for (int i = 0; i < 5; ++i) {
    write.PutPosition(Job(absl::StrCat("pos_", i), "prs_a", "acme", 2000 + 3 * i));
  }
  write.PutPosition(Job("pos_other", "prs_b", "acme", 2010));
  Apply(write);
  auto first = store_->PositionsOf("prs_a", "", 2);
  ASSERT_TRUE(first.ok());
  EXPECT_THAT(Ids(first->items), ElementsAre("pos_4", "pos_3"));
  auto second = store_->PositionsOf("prs_a", first->next_cursor, 2);
  EXPECT_THAT(Ids(second->items), ElementsAre("pos_2", "pos_1"));
  auto last = store_->PositionsOf("prs_a", second->next_cursor, 2);
  EXPECT_THAT(Ids(last->items), ElementsAre("pos_0"));
  EXPECT_TRUE(last->next_cursor.empty());
  EXPECT_EQ(*store_->CountPositions("prs_a", 100), 5);
  EXPECT_EQ(*store_->CountPositions("prs_a", 3), 3);
  EXPECT_THAT(Ids(*store_->Positions({"pos_other", "pos_gone", "pos_0"})),
              ElementsAre("pos_other", "pos_0"));
}

TEST_P(IdentityStoreConformance, AChangedOrRemovedPositionLeavesNoStaleIndexEntry) {
  const v1::Position job = Job("pos_1", "prs_a", "acme", 2010);
  IdentityWrite add;
  add.PutPosition(job);
  Apply(add);
  // Another organisation and start: found there only.
  v1::Position moved = Job("pos_1", "prs_a", "globex", 2015);
  IdentityWrite change;
  change.PutPosition(moved, job);
  Apply(change);
  OverlapQuery at_acme{.organization_key = "acme", .start_month = MonthIndex(2000, 1)};
  OverlapQuery at_globex{.organization_key = "globex", .start_month = MonthIndex(2000, 1)};
  EXPECT_THAT(store_->OverlappingPositions(at_acme, "", 10, 100)->items, IsEmpty());
  EXPECT_THAT(Ids(store_->OverlappingPositions(at_globex, "", 10, 100)->items),
              ElementsAre("pos_1"));
  EXPECT_THAT(Ids(store_->PositionsOf("prs_a", "", 10)->items), ElementsAre("pos_1"));
  IdentityWrite remove;
  remove.RemovePosition(moved);
  Apply(remove);
  EXPECT_EQ(*store_->Position("pos_1"), std::nullopt);
  EXPECT_THAT(store_->OverlappingPositions(at_globex, "", 10, 100)->items, IsEmpty());
  EXPECT_EQ(*store_->CountPositions("prs_a", 10), 0);
}

TEST_P(IdentityStoreConformance, OverlapsKeepThePeriodsThatMeetAndResumeAfterABoundedScan) {
  IdentityWrite write;
  write.PutPosition(Job("pos_before", "prs_b", "acme", 1990, 1999));  // ended before
  write.PutPosition(Job("pos_during", "prs_c", "acme", 1995, 2005));  // overlaps
  write.PutPosition(Job("pos_ongoing", "prs_d", "acme", 2003));       // ongoing, overlaps
  write.PutPosition(Job("pos_after", "prs_e", "acme", 2012));         // starts after
  write.PutPosition(Job("pos_mine", "prs_a", "acme", 2001));          // the asker's own
  write.PutPosition(Job("pos_elsewhere", "prs_f", "globex", 2001));   // another organisation
  Apply(write);
  const OverlapQuery query{.organization_key = "acme",
                           .start_month = MonthIndex(2000, 1),
                           .end_month = MonthIndex(2010, 12),
                           .excluded_person_id = "prs_a"};
  auto all = store_->OverlappingPositions(query, "", 10, 100);
  ASSERT_TRUE(all.ok()) << all.status();
  EXPECT_THAT(Ids(all->items), ElementsAre("pos_during", "pos_ongoing"));
  EXPECT_TRUE(all->next_cursor.empty());
  // Examining one entry a call: short pages, each with a cursor, and the
  // same positions in the end.
  std::vector<std::string> found;
  std::string cursor;
  int calls = 0;
  do {
    auto page = store_->OverlappingPositions(query, cursor, 10, 1);
    ASSERT_TRUE(page.ok());
    for (const auto& id : Ids(page->items)) found.push_back(id);
    cursor = page->next_cursor;
    ASSERT_LT(++calls, 10);
  } while (!cursor.empty());
  EXPECT_THAT(found, ElementsAre("pos_during", "pos_ongoing"));
  EXPECT_GE(calls, 3);
}

TEST_P(IdentityStoreConformance, TagsAreFoundByKeyAndPrefixInKeyOrder) {
  IdentityWrite write;
  for (const char* key : {"negotiation", "negociation", "network", "rigour"}) {
    v1::Tag tag;
    tag.set_kind(common::v1::FACET_KIND_COMPETENCY);
    tag.set_key(key);
    tag.set_use_count(3);
    write.PutTag(tag);
  }
  v1::Tag quality;
  quality.set_kind(common::v1::FACET_KIND_QUALITY);
  quality.set_key("negative");
  write.PutTag(quality);
  Apply(write);
  EXPECT_EQ((*store_->Tag(common::v1::FACET_KIND_COMPETENCY, "rigour"))->use_count(), 3);
  EXPECT_EQ(*store_->Tag(common::v1::FACET_KIND_QUALITY, "rigour"), std::nullopt);
  auto tags = store_->TagsWithPrefix(common::v1::FACET_KIND_COMPETENCY, "ne", 10);
  ASSERT_TRUE(tags.ok());
  std::vector<std::string> keys;
  for (const auto& tag : *tags) keys.push_back(tag.key());
  EXPECT_THAT(keys, ElementsAre("negociation", "negotiation", "network"));
  EXPECT_EQ(store_->TagsWithPrefix(common::v1::FACET_KIND_COMPETENCY, "ne", 2)->size(), 2u);
}

TEST_P(IdentityStoreConformance, TheChangeLogIsInCommitOrderAndResumable) {
  for (int i = 0; i < 5; ++i) {
    IdentityWrite write;
    write.PutPerson(Record(absl::StrCat("prs_", i), absl::StrCat(i, "@example.fr")));
    write.Log(internal::Change::KIND_PERSON_CREATED, absl::StrCat("prs_", i));
    Apply(write);
  }
  auto first = store_->Changes(0, 3);
  ASSERT_TRUE(first.ok());
  ASSERT_EQ(first->size(), 3u);
  auto rest = store_->Changes(first->back().sequence, 10);
  ASSERT_EQ(rest->size(), 2u);
  std::vector<std::string> people;
  uint64_t previous = 0;
  for (const auto* batch : {&*first, &*rest}) {
    for (const auto& entry : *batch) {
      EXPECT_GT(entry.sequence, previous);
      previous = entry.sequence;
      people.push_back(entry.change.person_id());
    }
  }
  EXPECT_THAT(people, ElementsAre("prs_0", "prs_1", "prs_2", "prs_3", "prs_4"));
  EXPECT_THAT(*store_->Changes(previous, 10), IsEmpty());
}

TEST_P(IdentityStoreConformance, RequestRecordsAreKeptWithTheirWrite) {
  const RequestKey key{"", "CreatePerson", "signup-1"};
  EXPECT_EQ(*store_->FindRequest(key), std::nullopt);
  IdentityWrite write;
  write.PutPerson(Record("prs_a", "a@example.fr"));
  write.RecordRequest(RequestRecord{.key = key,
                                    .fingerprint = "fp",
                                    .response = "prs_a",
                                    .create_time = absl::FromUnixSeconds(1764547200)});
  Apply(write);
  auto found = store_->FindRequest(key);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->response, "prs_a");
  EXPECT_EQ((*found)->fingerprint, "fp");
  // Scoped by caller and method.
  EXPECT_EQ(*store_->FindRequest({"", "AddPosition", "signup-1"}), std::nullopt);
  EXPECT_EQ(*store_->FindRequest({"prs_a", "CreatePerson", "signup-1"}), std::nullopt);
}

TEST_P(IdentityStoreConformance, OneWriteAppliesEveryPartTogether) {
  const RequestKey key{"", "CreatePerson", "signup-2"};
  IdentityWrite write;
  write.PutPerson(Record("prs_b", "b@example.fr"));
  write.PutPosition(Job("pos_b", "prs_b", "acme", 2001));
  v1::Tag tag;
  tag.set_kind(common::v1::FACET_KIND_COMPETENCY);
  tag.set_key("rust");
  tag.set_use_count(1);
  write.PutTag(tag);
  write.RecordRequest(RequestRecord{.key = key, .fingerprint = "fp", .response = "prs_b"});
  write.Log(internal::Change::KIND_PERSON_CREATED, "prs_b");
  Apply(write);
  EXPECT_EQ(**store_->PersonIdByEmail("b@example.fr"), "prs_b");
  EXPECT_THAT(Ids(store_->PositionsOf("prs_b", "", 10)->items), ElementsAre("pos_b"));
  EXPECT_TRUE(store_->Tag(common::v1::FACET_KIND_COMPETENCY, "rust")->has_value());
  EXPECT_TRUE(store_->FindRequest(key)->has_value());
  auto changes = store_->Changes(0, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u);
  EXPECT_EQ(changes->front().change.person_id(), "prs_b");
}

TEST_P(IdentityStoreConformance, ASecretIsKeptOnceAndForAll) {
  EXPECT_EQ(*store_->KeepSecret("service/test_secret", "first"), "first");
  EXPECT_EQ(*store_->KeepSecret("service/test_secret", "second"), "first");
}

TEST_P(IdentityStoreConformance, SessionsListNewestLoginFirstAndPageByCursor) {
  IdentityWrite write;
  write.PutSession(Session("ses_old", "prs_a", 1000));
  write.PutSession(Session("ses_new", "prs_a", 3000));
  write.PutSession(Session("ses_mid", "prs_a", 2000));
  write.PutSession(Session("ses_other", "prs_b", 2500));
  Apply(write);
  auto first = store_->SessionsOf("prs_a", "", 2);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_THAT(SessionIds(first->items), ElementsAre("ses_new", "ses_mid"));
  ASSERT_FALSE(first->next_cursor.empty());
  auto rest = store_->SessionsOf("prs_a", first->next_cursor, 2);
  ASSERT_TRUE(rest.ok()) << rest.status();
  EXPECT_THAT(SessionIds(rest->items), ElementsAre("ses_old"));
  EXPECT_TRUE(rest->next_cursor.empty());
  EXPECT_THAT(SessionIds(store_->SessionsOf("prs_c", "", 10)->items), IsEmpty());
  auto found = store_->Session("ses_mid");
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->device_label(), "Phone ses_mid");
}

TEST_P(IdentityStoreConformance, ARotatedSessionKeepsItsPlaceAndARevokedOneLeavesALogEntry) {
  const internal::SessionRecord first = Session("ses_a", "prs_a", 1000);
  IdentityWrite create;
  create.PutSession(first);
  create.PutSession(Session("ses_b", "prs_a", 2000));
  Apply(create);

  internal::SessionRecord rotated = first;
  rotated.set_refresh_hash("next hash");
  rotated.add_rotated_hashes(first.refresh_hash());
  rotated.mutable_last_used_time()->set_seconds(5000);
  IdentityWrite rotate;
  rotate.PutSession(rotated, first);
  Apply(rotate);
  EXPECT_EQ((*store_->Session("ses_a"))->refresh_hash(), "next hash");
  EXPECT_THAT(SessionIds(store_->SessionsOf("prs_a", "", 10)->items),
              ElementsAre("ses_b", "ses_a"));

  IdentityWrite revoke;
  revoke.RevokeSession(rotated, absl::FromUnixSeconds(9000));
  revoke.DropSession(Session("ses_b", "prs_a", 2000));
  Apply(revoke);
  EXPECT_EQ(*store_->Session("ses_a"), std::nullopt);
  EXPECT_THAT(SessionIds(store_->SessionsOf("prs_a", "", 10)->items), IsEmpty());
  auto changes = store_->Changes(0, 10);
  ASSERT_TRUE(changes.ok());
  ASSERT_EQ(changes->size(), 1u) << "a dropped session is not logged";
  EXPECT_EQ(changes->front().change.kind(), internal::Change::KIND_SESSION_REVOKED);
  EXPECT_EQ(changes->front().change.session_id(), "ses_a");
  EXPECT_EQ(changes->front().change.person_id(), "prs_a");
  EXPECT_EQ(changes->front().change.revoked_until().seconds(), 9000);
}

TEST_P(IdentityStoreConformance, SearchWordsFollowTheRecordsAndListWordThenLongerWords) {
  auto indexed = [](internal::PersonRecord record, std::vector<std::string> words) {
    record.mutable_search()->set_name_key(record.person().display_name());
    for (auto& word : words) record.mutable_search()->add_words(std::move(word));
    record.mutable_search()->add_organization_keys("acme");
    return record;
  };
  const internal::PersonRecord durand = indexed(Record("prs_a", "a@example.fr"), {"dur", "martin"});
  const internal::PersonRecord durandal =
      indexed(Record("prs_b", "b@example.fr"), {"durandal", "jean"});
  IdentityWrite write;
  write.PutPerson(durand);
  write.PutPerson(durandal);
  write.PutPerson(indexed(Record("prs_c", "c@example.fr"), {"dupont"}));
  Apply(write);
  auto hits = store_->SearchWords("dur", 10);
  ASSERT_TRUE(hits.ok()) << hits.status();
  ASSERT_EQ(hits->size(), 2u);
  EXPECT_EQ((*hits)[0].word, "dur");
  EXPECT_EQ((*hits)[0].person_id, "prs_a");
  EXPECT_EQ((*hits)[1].word, "durandal");
  EXPECT_THAT((*hits)[1].entry.organization_keys(), ElementsAre("acme"));
  EXPECT_EQ(store_->SearchWords("du", 1)->size(), 1u);

  // A rename leaves no entry under the old words; a tombstone none at all.
  IdentityWrite rename;
  rename.PutPerson(indexed(Record("prs_a", "a@example.fr"), {"martin", "moreau"}), durand);
  internal::PersonRecord tombstone;
  tombstone.mutable_person()->set_id("prs_b");
  tombstone.mutable_person()->set_state(v1::PERSON_STATE_DELETED);
  rename.PutPerson(tombstone, durandal);
  Apply(rename);
  EXPECT_THAT(*store_->SearchWords("dur", 10), IsEmpty());
  EXPECT_EQ(store_->SearchWords("mor", 10)->size(), 1u);
  EXPECT_EQ(store_->SearchWords("martin", 10)->size(), 1u);
  EXPECT_THAT(*store_->SearchWords("jean", 10), IsEmpty());
}

TEST_P(IdentityStoreConformance, ExpiredSessionsAreFoundByTheirExpiry) {
  internal::SessionRecord old = Session("ses_old", "prs_a", 1000);
  old.mutable_expire_time()->set_seconds(2000);
  internal::SessionRecord live = Session("ses_live", "prs_a", 1500);
  live.mutable_expire_time()->set_seconds(9000);
  IdentityWrite write;
  write.PutSession(old);
  write.PutSession(live);
  Apply(write);
  auto expired = store_->ExpiredSessions(absl::FromUnixSeconds(5000), 10);
  ASSERT_TRUE(expired.ok()) << expired.status();
  EXPECT_THAT(SessionIds(*expired), ElementsAre("ses_old"));
  // A refresh moves the expiry the search goes by.
  internal::SessionRecord refreshed = old;
  refreshed.mutable_expire_time()->set_seconds(9500);
  IdentityWrite rotate;
  rotate.PutSession(refreshed, old);
  Apply(rotate);
  EXPECT_THAT(*store_->ExpiredSessions(absl::FromUnixSeconds(5000), 10), IsEmpty());
  EXPECT_EQ(store_->ExpiredSessions(absl::FromUnixSeconds(9999), 1)->size(), 1u);
}

}  // namespace trustsphere::identity
