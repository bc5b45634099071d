// IdentityLogic called directly on a real database: races and bounds that
// are awkward to provoke through a server.

#include "services/identity/identity_logic.h"

#include "services/common/core/text.h"
#include "services/identity/rocksdb_identity_store.h"

#include <gtest/gtest.h>

#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/time/civil_time.h"
#include "absl/time/clock.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::identity {
namespace {

class IdentityLogicTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Async writes: these tests make thousands of writes and do not test
    // durability (the server tests and the crash test do).
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

  v1::Person Create(const std::string& email) {
    v1::CreatePersonRequest request;
    request.mutable_person()->set_display_name("Someone");
    request.mutable_person()->set_email(email);
    request.set_password("long enough");
    auto person = logic_->CreatePerson(Caller(), request);
    EXPECT_TRUE(person.ok()) << person.status();
    return person.value_or(v1::Person());
  }

  // An account as earlier releases stored it: under LegacyEmailKey(address),
  // with the password "long enough".
  void StoreEarlierAccount(const std::string& id, const std::string& address) {
    PasswordHasher hasher({.passes = 1, .memory_bytes = 8192 * 1024, .max_concurrent = 1});
    internal::PersonRecord record;
    record.mutable_person()->set_id(id);
    record.mutable_person()->set_email(address);
    record.mutable_person()->set_state(v1::PERSON_STATE_ACTIVE);
    record.set_normalized_email(LegacyEmailKey(address));
    record.set_password_hash(hasher.Hash("long enough"));
    IdentityWrite write;
    write.PutPerson(record);
    ASSERT_TRUE(logic_->store().Apply(write).ok());
  }

  // `email` signs in as `id` with "long enough", and with no other password.
  void ExpectSignsInAs(const std::string& email, const std::string& id) {
    v1::AuthenticateRequest login;
    login.set_email(email);
    login.set_password("long enough");
    auto session = logic_->Authenticate(Caller(), login);
    ASSERT_TRUE(session.ok()) << session.status();
    EXPECT_EQ(session->person_id(), id);
    login.set_password("wrong one");
    EXPECT_TRUE(absl::IsUnauthenticated(logic_->Authenticate(Caller(), login).status()));
  }

  // end_year 0: ongoing.
  v1::Position Add(const v1::Person& person, int start_year, int end_year = 0,
                   const std::string& organization = "Big Corp") {
    v1::AddPositionRequest request;
    request.set_person_id(person.id());
    request.mutable_position()->set_kind(v1::POSITION_KIND_EMPLOYMENT);
    request.mutable_position()->set_organization(organization);
    request.mutable_position()->set_title("Clerk");
    request.mutable_position()->mutable_period()->mutable_start()->set_year(start_year);
    request.mutable_position()->mutable_period()->mutable_start()->set_month(1);
    if (end_year != 0) {
      request.mutable_position()->mutable_period()->mutable_end()->set_year(end_year);
      request.mutable_position()->mutable_period()->mutable_end()->set_month(1);
    }
    auto position = logic_->AddPosition(Caller{.person_id = person.id(), .roles = 1}, request);
    EXPECT_TRUE(position.ok()) << position.status();
    return position.value_or(v1::Position());
  }

  testing::TempDir dir_;
  std::unique_ptr<IdentityLogic> logic_;
};

TEST_F(IdentityLogicTest, ConcurrentSignUpsWithOneEmailCreateOnePerson) {
  std::atomic<int> created = 0;
  std::atomic<int> refused = 0;
  std::vector<std::thread> threads;
  for (int i = 0; i < 4; ++i) {
    threads.emplace_back([&] {
      v1::CreatePersonRequest request;
      request.mutable_person()->set_display_name("Twin");
      request.mutable_person()->set_email("twin@example.fr");
      request.set_password("long enough");
      auto person = logic_->CreatePerson(Caller(), request);
      if (person.ok()) ++created;
      if (absl::IsAlreadyExists(person.status())) ++refused;
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(created, 1);
  EXPECT_EQ(refused, 3);
}

TEST_F(IdentityLogicTest, OverlapSearchIsBoundedPerCallAndResumes) {
  // More positions that ended before the seeker's began than one call
  // examines, then one overlapping position: the first call returns an empty
  // page with a token, and following it finds the match.
  v1::Person seeker = Create("seeker@example.fr");
  v1::Person match = Create("match@example.fr");
  int earlier = 0;
  for (int i = 0; earlier <= IdentityLogic::kMaxOverlapScan; ++i) {
    v1::Person other = Create(absl::StrCat("other", i, "@example.fr"));
    for (int j = 0; j < IdentityLogic::kMaxPositionsPerPerson; ++j, ++earlier) {
      Add(other, 1950, 1951);
    }
  }
  v1::Position mine = Add(seeker, 1960);
  v1::Position theirs = Add(match, 2000);

  Caller caller{.person_id = seeker.id(), .roles = 1};
  v1::FindOverlappingPositionsRequest request;
  request.set_position_id(mine.id());
  request.set_page_size(100);
  std::vector<int> page_sizes;
  std::vector<std::string> found;
  do {
    auto page = logic_->FindOverlappingPositions(caller, request);
    ASSERT_TRUE(page.ok()) << page.status();
    page_sizes.push_back(page->positions_size());
    for (const auto& position : page->positions()) found.push_back(position.id());
    request.set_page_token(page->next_page_token());
  } while (!request.page_token().empty());
  EXPECT_EQ(found, std::vector<std::string>{theirs.id()});
  EXPECT_EQ(page_sizes, (std::vector<int>{0, 1}));
}

TEST_F(IdentityLogicTest, LookAlikeEmailsAreTheSameAddressOrRefused) {
  Create("dup@example.fr");
  v1::CreatePersonRequest request;
  request.mutable_person()->set_display_name("Copycat");
  request.set_password("long enough");
  request.mutable_person()->set_email("\uFF44up@example.fr");  // fullwidth d
  EXPECT_TRUE(absl::IsAlreadyExists(logic_->CreatePerson(Caller(), request).status()));
  for (const char* email : {"dup@\u200Bexample.fr", "d\u00ADup@example.fr"}) {
    request.mutable_person()->set_email(email);
    auto refused = logic_->CreatePerson(Caller(), request);
    EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << email << " " << refused.status();
  }
  // Signing in with the fullwidth spelling reaches the same account.
  v1::AuthenticateRequest login;
  login.set_email("\uFF44up@example.fr");
  login.set_password("long enough");
  EXPECT_TRUE(logic_->Authenticate(Caller(), login).ok());
}

// Accounts made while addresses could hold any Unicode keep signing in.
TEST_F(IdentityLogicTest, AnAccountWithAnEarlierUnicodeAddressStillSignsIn) {
  StoreEarlierAccount("prs_jose", "José@exemple.fr");
  ExpectSignsInAs(" JOSÉ@exemple.fr", "prs_jose");
}

// An earlier key that today's normalisation turns into another one (a
// fullwidth letter becomes ASCII) is still found.
TEST_F(IdentityLogicTest, AnAccountWhoseEarlierKeyNormalisesDifferentlyStillSignsIn) {
  const std::string address = "\uFF44up@exemple.fr";  // fullwidth d
  ASSERT_EQ(NormalizeEmail(address), "dup@exemple.fr");
  ASSERT_NE(LegacyEmailKey(address), NormalizeEmail(address));
  StoreEarlierAccount("prs_dup", address);
  ExpectSignsInAs(address, "prs_dup");
}

TEST_F(IdentityLogicTest, AnInvisibleCharacterDoesNotMakeANewOrganisation) {
  v1::Person seeker = Create("seeker@example.fr");
  v1::Person colleague = Create("colleague@example.fr");
  v1::Position mine = Add(seeker, 2010, 0, "Société Générale");
  v1::Position theirs = Add(colleague, 2012, 0, "Soci\u200Bété Générale");
  EXPECT_EQ(theirs.organization(), "Société Générale");
  EXPECT_EQ(theirs.organization_key(), mine.organization_key());
  v1::FindOverlappingPositionsRequest request;
  request.set_position_id(mine.id());
  auto found =
      logic_->FindOverlappingPositions(Caller{.person_id = seeker.id(), .roles = 1}, request);
  ASSERT_TRUE(found.ok()) << found.status();
  ASSERT_EQ(found->positions_size(), 1);
  EXPECT_EQ(found->positions(0).id(), theirs.id());
}

TEST_F(IdentityLogicTest, PositionsStartAtMostAYearAhead) {
  v1::Person person = Create("planner@example.fr");
  absl::CivilMonth now = absl::ToCivilMonth(absl::Now(), absl::UTCTimeZone());
  auto add = [&](absl::CivilMonth start) {
    v1::AddPositionRequest request;
    request.set_person_id(person.id());
    request.mutable_position()->set_kind(v1::POSITION_KIND_EMPLOYMENT);
    request.mutable_position()->set_organization("Futur SA");
    request.mutable_position()->set_title("Engineer");
    request.mutable_position()->mutable_period()->mutable_start()->set_year(start.year());
    request.mutable_position()->mutable_period()->mutable_start()->set_month(start.month());
    return logic_->AddPosition(Caller{.person_id = person.id(), .roles = 1}, request).status();
  };
  EXPECT_TRUE(add(now + 12).ok());
  EXPECT_TRUE(absl::IsInvalidArgument(add(now + 13)));
  EXPECT_TRUE(absl::IsInvalidArgument(add(absl::CivilMonth(2100, 1))));
}

TEST_F(IdentityLogicTest, NamesWithBidiControlsAreRefused) {
  v1::CreatePersonRequest request;
  request.mutable_person()->set_display_name("Martin\u202Eevil");
  request.mutable_person()->set_email("martin@example.fr");
  request.set_password("long enough");
  auto refused = logic_->CreatePerson(Caller(), request);
  EXPECT_TRUE(absl::IsInvalidArgument(refused.status())) << refused.status();
  v1::Person person = Create("someone@example.fr");
  v1::AddPositionRequest add;
  add.set_person_id(person.id());
  add.mutable_position()->set_kind(v1::POSITION_KIND_EMPLOYMENT);
  add.mutable_position()->set_organization("Acme\u2066");
  add.mutable_position()->set_title("Clerk");
  add.mutable_position()->mutable_period()->mutable_start()->set_year(2020);
  add.mutable_position()->mutable_period()->mutable_start()->set_month(1);
  auto position = logic_->AddPosition(Caller{.person_id = person.id(), .roles = 1}, add);
  EXPECT_TRUE(absl::IsInvalidArgument(position.status())) << position.status();
}

TEST_F(IdentityLogicTest, ServicesFollowTheChangeLogAndSeeDeletions) {
  const v1::Person first = Create("first@example.com");
  const v1::Person second = Create("second@example.com");
  const Caller service{.person_id = "relationships",
                       .roles = static_cast<uint32_t>(Role::kService)};
  const Caller person{.person_id = first.id(), .roles = static_cast<uint32_t>(Role::kUser)};

  v1::ListIdentityChangesRequest request;
  EXPECT_TRUE(absl::IsPermissionDenied(logic_->ListIdentityChanges(person, request).status()));
  request.set_after_cursor("not a number");
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->ListIdentityChanges(service, request).status()));
  request.set_after_cursor("");
  request.set_page_size(1001);
  EXPECT_TRUE(absl::IsInvalidArgument(logic_->ListIdentityChanges(service, request).status()));

  // One page at a time, resumed from its cursor.
  request.set_page_size(1);
  auto page = logic_->ListIdentityChanges(service, request);
  ASSERT_TRUE(page.ok()) << page.status();
  ASSERT_EQ(page->changes_size(), 1);
  EXPECT_EQ(page->changes(0).kind(), v1::IDENTITY_CHANGE_KIND_PERSON_CREATED);
  EXPECT_EQ(page->changes(0).person_id(), first.id());
  request.set_after_cursor(page->next_cursor());
  page = logic_->ListIdentityChanges(service, request);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->changes_size(), 1);
  EXPECT_EQ(page->changes(0).person_id(), second.id());

  // Caught up: nothing, and the cursor stays.
  request.set_after_cursor(page->next_cursor());
  page = logic_->ListIdentityChanges(service, request);
  ASSERT_TRUE(page.ok());
  EXPECT_EQ(page->changes_size(), 0);
  EXPECT_EQ(page->next_cursor(), request.after_cursor());

  v1::DeletePersonRequest erase;
  erase.set_id(second.id());
  erase.set_etag(second.etag());
  const Caller leaving{.person_id = second.id(), .roles = static_cast<uint32_t>(Role::kUser)};
  ASSERT_TRUE(logic_->DeletePerson(leaving, erase).ok());
  page = logic_->ListIdentityChanges(service, request);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->changes_size(), 1);
  EXPECT_EQ(page->changes(0).kind(), v1::IDENTITY_CHANGE_KIND_PERSON_DELETED);
  EXPECT_EQ(page->changes(0).person_id(), second.id());
  EXPECT_TRUE(page->changes(0).has_commit_time());
}

}  // namespace
}  // namespace trustsphere::identity
