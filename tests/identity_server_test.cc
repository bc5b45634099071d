// identity_server end to end: the real binary on a loopback port, called
// through the generated stubs, over RocksDB in a fresh folder per test and
// over a fresh PostgreSQL database.

#include <sys/wait.h>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "grpc/reflection/v1alpha/reflection.grpc.pb.h"
#include "tests/support/identity_client.h"
#include "tests/support/postgres_server.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace trustsphere::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::IsEmpty;
using ::testing::UnorderedElementsAre;
namespace v1 = identity_v1;

// A new database on this process's PostgreSQL: its connection string, or
// empty.
std::string FreshPostgresDatabase() {
  auto conninfo = FreshDatabase("identity");
  return conninfo.ok() ? *conninfo : "";
}

// Every test runs over each storage: RocksDB in the test's folder, and a
// fresh database on a throwaway PostgreSQL 15 of the test's process.
class IdentityServerTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { StartServer(); }

  void StartServer() {
    // A cheap Argon2id setting keeps sign-ups fast in tests; the algorithm
    // and code path are the production ones.
    // Deleted people's tokens are refused after a poll of the change log
    // (erasure_test); here the logic's own answers to them are tested.
    std::vector<std::string> flags = {"--data_dir=" + dir_.Sub("identity"),
                                      "--password_hash_memory_kib=8192", "--password_hash_passes=1",
                                      "--revocation_poll_period=1h"};
    if (GetParam() == "postgres") {
      if (database_url_.empty()) database_url_ = FreshPostgresDatabase();
      ASSERT_FALSE(database_url_.empty());
      flags.push_back("--storage=postgres");
      flags.push_back("--database_url=" + database_url_);
    }
    server_ = ServerProcess::Start(IDENTITY_SERVER, flags);
    ASSERT_NE(server_, nullptr);
    stub_ = v1::IdentityService::NewStub(server_->NewChannel());
  }

  void RestartServer(bool kill) {
    if (kill) {
      server_->Kill();
    } else {
      EXPECT_EQ(server_->Terminate(), 0);
    }
    StartServer();
  }

  std::string OperatorToken() {
    return MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("identity/signing_key.json"), "ops", "operator");
  }

  v1::Position AddPosition(const Account& account, const std::string& organization, int start_year,
                           int end_year, grpc::Status* status = nullptr) {
    v1::AddPositionRequest request;
    request.set_person_id(account.person.id());
    auto* position = request.mutable_position();
    position->set_kind(v1::POSITION_KIND_EMPLOYMENT);
    position->set_organization(organization);
    position->set_title("Engineer");
    position->mutable_period()->mutable_start()->set_year(start_year);
    position->mutable_period()->mutable_start()->set_month(1);
    if (end_year > 0) {
      position->mutable_period()->mutable_end()->set_year(end_year);
      position->mutable_period()->mutable_end()->set_month(12);
    }
    v1::Position added;
    grpc::Status result = stub_->AddPosition(Context(account.token).get(), request, &added);
    if (status != nullptr) {
      *status = result;
    } else {
      EXPECT_TRUE(result.ok()) << result.error_message();
    }
    return added;
  }

  std::vector<std::string> OverlapIds(const Account& account, const std::string& position_id) {
    v1::FindOverlappingPositionsRequest request;
    request.set_position_id(position_id);
    v1::FindOverlappingPositionsResponse response;
    grpc::Status status =
        stub_->FindOverlappingPositions(Context(account.token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> ids;
    for (const auto& position : response.positions()) ids.push_back(position.id());
    return ids;
  }

  TempDir dir_;
  std::string database_url_;
  std::unique_ptr<ServerProcess> server_;
  std::unique_ptr<v1::IdentityService::Stub> stub_;
};

TEST_P(IdentityServerTest, HealthAndReflectionAnswerWithoutToken) {
  EXPECT_EQ(server_->Health(), "SERVING");
  EXPECT_EQ(server_->Health("trustsphere.identity.v1.IdentityService"), "SERVING");

  auto reflection = grpc::reflection::v1alpha::ServerReflection::NewStub(server_->NewChannel());
  auto context = Context();
  auto stream = reflection->ServerReflectionInfo(context.get());
  grpc::reflection::v1alpha::ServerReflectionRequest list;
  list.set_list_services("");
  ASSERT_TRUE(stream->Write(list));
  grpc::reflection::v1alpha::ServerReflectionResponse listed;
  ASSERT_TRUE(stream->Read(&listed));
  std::vector<std::string> names;
  for (const auto& service : listed.list_services_response().service()) {
    names.push_back(service.name());
  }
  EXPECT_THAT(names, ::testing::Contains("trustsphere.identity.v1.IdentityService"));
  EXPECT_THAT(names, ::testing::Contains("grpc.health.v1.Health"));

  // Every listed service can be described (what grpcurl describe needs).
  for (const auto& name : names) {
    grpc::reflection::v1alpha::ServerReflectionRequest describe;
    describe.set_file_containing_symbol(name);
    ASSERT_TRUE(stream->Write(describe));
    grpc::reflection::v1alpha::ServerReflectionResponse described;
    ASSERT_TRUE(stream->Read(&described));
    EXPECT_GT(described.file_descriptor_response().file_descriptor_proto_size(), 0) << name;
  }
  stream->WritesDone();
}

TEST_P(IdentityServerTest, SignUpThenLogInThenReadProfile) {
  Account jacques = SignUp(*stub_, "Jacques  Dupont ", "Jacques@Example.fr");
  EXPECT_EQ(jacques.person.display_name(), "Jacques Dupont");
  EXPECT_EQ(jacques.person.state(), v1::PERSON_STATE_ACTIVE);
  EXPECT_FALSE(jacques.person.id().empty());
  EXPECT_FALSE(jacques.person.etag().empty());
  ASSERT_FALSE(jacques.token.empty());

  v1::GetPersonRequest get;
  get.set_id(jacques.person.id());
  v1::Person self;
  ASSERT_TRUE(stub_->GetPerson(Context(jacques.token).get(), get, &self).ok());
  EXPECT_EQ(self.email(), "Jacques@Example.fr");

  // Someone else sees the profile without the email.
  Account martin = SignUp(*stub_, "Martin", "martin@example.fr");
  v1::Person seen;
  ASSERT_TRUE(stub_->GetPerson(Context(martin.token).get(), get, &seen).ok());
  EXPECT_EQ(seen.display_name(), "Jacques Dupont");
  EXPECT_TRUE(seen.email().empty());

  v1::GetPersonRequest missing;
  missing.set_id("prs_doesnotexist");
  EXPECT_EQ(stub_->GetPerson(Context(martin.token).get(), missing, &seen).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(IdentityServerTest, EveryAuthenticatedRpcRefusesMissingOrForgedTokens) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  std::string forged = jacques.token;
  forged[forged.size() - 3] = forged[forged.size() - 3] == 'A' ? 'B' : 'A';
  for (const std::string& token : {std::string(), forged, std::string("not.a.jwt")}) {
    v1::GetPersonRequest get;
    get.set_id(jacques.person.id());
    v1::Person person;
    EXPECT_EQ(stub_->GetPerson(Context(token).get(), get, &person).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    v1::ListPositionsRequest list;
    list.set_person_id(jacques.person.id());
    v1::ListPositionsResponse positions;
    EXPECT_EQ(stub_->ListPositions(Context(token).get(), list, &positions).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
    v1::SearchTagsRequest search;
    search.set_kind(common::v1::FACET_KIND_COMPETENCY);
    v1::SearchTagsResponse tags;
    EXPECT_EQ(stub_->SearchTags(Context(token).get(), search, &tags).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
}

TEST_P(IdentityServerTest, CreatePersonNamesEveryBadField) {
  v1::CreatePersonRequest request;
  request.mutable_person()->set_display_name("   ");
  request.mutable_person()->set_email("not-an-email");
  request.mutable_person()->set_headline(std::string(201, 'h'));
  request.mutable_person()->set_locale("fr FR");
  request.set_password("short");
  request.set_request_id(std::string(65, 'r'));
  v1::Person person;
  grpc::Status status = stub_->CreatePerson(Context().get(), request, &person);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status),
              UnorderedElementsAre("person.display_name", "person.email", "person.headline",
                                   "person.locale", "password", "request_id"));
}

TEST_P(IdentityServerTest, EmailsAreUniqueWhateverTheirCase) {
  SignUp(*stub_, "Jacques", "jacques@example.fr");
  v1::CreatePersonRequest again;
  again.mutable_person()->set_display_name("Impostor");
  again.mutable_person()->set_email(" JACQUES@EXAMPLE.FR");
  again.set_password("another password");
  v1::Person person;
  EXPECT_EQ(stub_->CreatePerson(Context().get(), again, &person).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);
}

TEST_P(IdentityServerTest, RetriedCreateReturnsTheFirstResult) {
  v1::CreatePersonRequest request;
  request.mutable_person()->set_display_name("Martin");
  request.mutable_person()->set_email("martin@example.fr");
  request.set_password("a good password");
  request.set_request_id("7d0e6c1e-0000-4000-8000-000000000001");
  v1::Person first;
  v1::Person second;
  ASSERT_TRUE(stub_->CreatePerson(Context().get(), request, &first).ok());
  ASSERT_TRUE(stub_->CreatePerson(Context().get(), request, &second).ok());
  EXPECT_EQ(first.id(), second.id());

  request.mutable_person()->set_display_name("Someone else");
  v1::Person third;
  grpc::Status reused = stub_->CreatePerson(Context().get(), request, &third);
  EXPECT_EQ(reused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(reused), ElementsAre("request_id"));
}

TEST_P(IdentityServerTest, UpdatePersonNeedsTheOwnerAndTheCurrentEtag) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  Account martin = SignUp(*stub_, "Martin", "martin@example.fr");

  v1::UpdatePersonRequest update;
  *update.mutable_person() = jacques.person;
  update.mutable_person()->set_headline("Negotiator");
  update.mutable_update_mask()->add_paths("headline");
  v1::Person updated;
  EXPECT_EQ(stub_->UpdatePerson(Context(martin.token).get(), update, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  ASSERT_TRUE(stub_->UpdatePerson(Context(jacques.token).get(), update, &updated).ok());
  EXPECT_EQ(updated.headline(), "Negotiator");
  EXPECT_NE(updated.etag(), jacques.person.etag());

  // The old etag is stale now: refused, and nothing changes.
  update.mutable_person()->set_headline("Planner");
  EXPECT_EQ(stub_->UpdatePerson(Context(jacques.token).get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED);
  v1::GetPersonRequest get;
  get.set_id(jacques.person.id());
  v1::Person current;
  ASSERT_TRUE(stub_->GetPerson(Context(jacques.token).get(), get, &current).ok());
  EXPECT_EQ(current.headline(), "Negotiator");

  // Output-only and unknown fields cannot be named in the mask.
  update.mutable_person()->set_etag(current.etag());
  update.mutable_update_mask()->add_paths("state");
  grpc::Status bad_mask = stub_->UpdatePerson(Context(jacques.token).get(), update, &updated);
  EXPECT_EQ(bad_mask.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(bad_mask), ElementsAre("update_mask"));

  // Services read profiles but do not edit them.
  std::string service_token = MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("identity/signing_key.json"),
                                        "relationships", "service");
  EXPECT_EQ(stub_->UpdatePerson(Context(service_token).get(), update, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  // An operator may update anyone.
  v1::UpdatePersonRequest by_operator;
  *by_operator.mutable_person() = current;
  by_operator.mutable_person()->set_display_name("Jacques D.");
  by_operator.mutable_update_mask()->add_paths("display_name");
  ASSERT_TRUE(stub_->UpdatePerson(Context(OperatorToken()).get(), by_operator, &updated).ok());
  EXPECT_EQ(updated.display_name(), "Jacques D.");
}

TEST_P(IdentityServerTest, ChangingEmailMovesTheLogin) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  SignUp(*stub_, "Martin", "martin@example.fr");
  v1::UpdatePersonRequest update;
  *update.mutable_person() = jacques.person;
  update.mutable_update_mask()->add_paths("email");
  update.mutable_person()->set_email("Martin@example.fr");
  v1::Person updated;
  EXPECT_EQ(stub_->UpdatePerson(Context(jacques.token).get(), update, &updated).error_code(),
            grpc::StatusCode::ALREADY_EXISTS);

  update.mutable_person()->set_email("jacques@new.example.fr");
  ASSERT_TRUE(stub_->UpdatePerson(Context(jacques.token).get(), update, &updated).ok());
  v1::AuthenticateRequest login;
  login.set_email("jacques@new.example.fr");
  login.set_password(jacques.password);
  v1::AuthenticateResponse session;
  EXPECT_TRUE(stub_->Authenticate(Context().get(), login, &session).ok());
  login.set_email("jacques@example.fr");
  EXPECT_EQ(stub_->Authenticate(Context().get(), login, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(IdentityServerTest, DeletePersonErasesDataAndKeepsATombstone) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  Account martin = SignUp(*stub_, "Martin", "martin@example.fr");
  v1::Position position = AddPosition(jacques, "Acme", 2010, 2015);
  v1::Position martins = AddPosition(martin, "Acme", 2012, 0);

  v1::DeletePersonRequest remove;
  remove.set_id(jacques.person.id());
  remove.set_etag(jacques.person.etag());
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->DeletePerson(Context(martin.token).get(), remove, &empty).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  remove.set_etag("stale");
  EXPECT_EQ(stub_->DeletePerson(Context(jacques.token).get(), remove, &empty).error_code(),
            grpc::StatusCode::ABORTED);
  remove.set_etag(jacques.person.etag());
  ASSERT_TRUE(stub_->DeletePerson(Context(jacques.token).get(), remove, &empty).ok());

  v1::GetPersonRequest get;
  get.set_id(jacques.person.id());
  v1::Person tombstone;
  ASSERT_TRUE(stub_->GetPerson(Context(martin.token).get(), get, &tombstone).ok());
  EXPECT_EQ(tombstone.state(), v1::PERSON_STATE_DELETED);
  EXPECT_TRUE(tombstone.display_name().empty());
  EXPECT_TRUE(tombstone.email().empty());

  // Positions are gone from every index.
  v1::ListPositionsRequest list;
  list.set_person_id(jacques.person.id());
  v1::ListPositionsResponse listed;
  ASSERT_TRUE(stub_->ListPositions(Context(martin.token).get(), list, &listed).ok());
  EXPECT_THAT(listed.positions(), IsEmpty());
  EXPECT_THAT(OverlapIds(martin, martins.id()), IsEmpty());

  // The credentials are gone; the email is free again, for a new id.
  v1::AuthenticateRequest login;
  login.set_email("jacques@example.fr");
  login.set_password(jacques.password);
  v1::AuthenticateResponse session;
  EXPECT_EQ(stub_->Authenticate(Context().get(), login, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
  Account again = SignUp(*stub_, "Jacques", "jacques@example.fr");
  EXPECT_NE(again.person.id(), jacques.person.id());

  // The old token's person cannot be changed any more.
  v1::UpdatePersonRequest update;
  *update.mutable_person() = tombstone;
  update.mutable_person()->set_headline("back");
  update.mutable_update_mask()->add_paths("headline");
  v1::Person updated;
  EXPECT_EQ(stub_->UpdatePerson(Context(jacques.token).get(), update, &updated).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(IdentityServerTest, RepeatedWrongPasswordsAreThrottled) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  v1::AuthenticateRequest login;
  login.set_email("jacques@example.fr");
  login.set_password("wrong password");
  v1::AuthenticateResponse session;
  for (int i = 0; i < 5; ++i) {
    EXPECT_EQ(stub_->Authenticate(Context().get(), login, &session).error_code(),
              grpc::StatusCode::UNAUTHENTICATED);
  }
  // Even the right password waits now.
  login.set_password(jacques.password);
  EXPECT_EQ(stub_->Authenticate(Context().get(), login, &session).error_code(),
            grpc::StatusCode::RESOURCE_EXHAUSTED);
  // Unknown emails answer exactly like wrong passwords.
  login.set_email("nobody@example.fr");
  EXPECT_EQ(stub_->Authenticate(Context().get(), login, &session).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(IdentityServerTest, SigningKeysVerifyIssuedTokens) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  v1::GetSigningKeysResponse keys;
  ASSERT_TRUE(stub_->GetSigningKeys(Context().get(), {}, &keys).ok());
  ASSERT_EQ(keys.keys_size(), 1);
  EXPECT_EQ(keys.keys(0).algorithm(), "EdDSA");
  EXPECT_EQ(keys.keys(0).public_key().size(), 32u);
  // The token names that key.
  std::string header = jacques.token.substr(0, jacques.token.find('.'));
  EXPECT_FALSE(header.empty());
}

TEST_P(IdentityServerTest, PositionsAreValidatedAndOwned) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  Account martin = SignUp(*stub_, "Martin", "martin@example.fr");

  v1::AddPositionRequest bad;
  bad.set_person_id(jacques.person.id());
  bad.mutable_position()->set_kind(static_cast<v1::PositionKind>(42));
  bad.mutable_position()->set_title("Engineer");
  bad.mutable_position()->mutable_period()->mutable_start()->set_year(2020);
  bad.mutable_position()->mutable_period()->mutable_start()->set_month(13);
  bad.mutable_position()->mutable_period()->mutable_end()->set_year(2019);
  bad.mutable_position()->mutable_period()->mutable_end()->set_month(1);
  v1::Position added;
  grpc::Status invalid = stub_->AddPosition(Context(jacques.token).get(), bad, &added);
  EXPECT_EQ(invalid.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(invalid),
              UnorderedElementsAre("position.kind", "position.organization",
                                   "position.period.start.month", "position.period.end"));

  v1::AddPositionRequest for_jacques;
  for_jacques.set_person_id(jacques.person.id());
  for_jacques.mutable_position()->CopyFrom(AddPosition(martin, "Globex", 2011, 0));
  EXPECT_EQ(stub_->AddPosition(Context(martin.token).get(), for_jacques, &added).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  v1::Position position = AddPosition(jacques, "Société Générale", 2015, 0);
  EXPECT_EQ(position.organization_key(), "societe generale");
  EXPECT_EQ(AddPosition(martin, "SOCIETE   GENERALE ", 2016, 2018).organization_key(),
            "societe generale");

  v1::UpdatePositionRequest update;
  *update.mutable_position() = position;
  update.mutable_position()->set_title("Head of sales");
  update.mutable_update_mask()->add_paths("title");
  v1::Position updated;
  EXPECT_EQ(stub_->UpdatePosition(Context(martin.token).get(), update, &updated).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->UpdatePosition(Context(jacques.token).get(), update, &updated).ok());
  EXPECT_EQ(updated.title(), "Head of sales");
  EXPECT_EQ(stub_->UpdatePosition(Context(jacques.token).get(), update, &updated).error_code(),
            grpc::StatusCode::ABORTED);

  v1::BatchGetPositionsRequest batch;
  batch.add_ids(position.id());
  batch.add_ids("pos_unknown");
  v1::BatchGetPositionsResponse got;
  ASSERT_TRUE(stub_->BatchGetPositions(Context(martin.token).get(), batch, &got).ok());
  ASSERT_EQ(got.positions_size(), 1);
  EXPECT_EQ(got.positions(0).title(), "Head of sales");

  v1::RemovePositionRequest remove;
  remove.set_id(position.id());
  remove.set_etag(updated.etag());
  google::protobuf::Empty empty;
  EXPECT_EQ(stub_->RemovePosition(Context(martin.token).get(), remove, &empty).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);
  ASSERT_TRUE(stub_->RemovePosition(Context(jacques.token).get(), remove, &empty).ok());
  EXPECT_EQ(stub_->RemovePosition(Context(jacques.token).get(), remove, &empty).error_code(),
            grpc::StatusCode::NOT_FOUND);
}

TEST_P(IdentityServerTest, ListPositionsPagesNewestFirstWithTokensBoundToTheQuery) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  Account martin = SignUp(*stub_, "Martin", "martin@example.fr");
  for (int year : {2001, 2005, 2003, 2009, 2007}) AddPosition(jacques, "Org", year, 0);

  std::vector<int> years;
  v1::ListPositionsRequest list;
  list.set_person_id(jacques.person.id());
  list.set_page_size(2);
  std::string first_token;
  do {
    v1::ListPositionsResponse page;
    ASSERT_TRUE(stub_->ListPositions(Context(martin.token).get(), list, &page).ok());
    EXPECT_LE(page.positions_size(), 2);
    for (const auto& position : page.positions()) {
      years.push_back(position.period().start().year());
    }
    if (first_token.empty()) first_token = page.next_page_token();
    list.set_page_token(page.next_page_token());
  } while (!list.page_token().empty());
  EXPECT_THAT(years, ElementsAre(2009, 2007, 2005, 2003, 2001));

  // The token belongs to Martin's listing of Jacques: not to another query
  // or another caller.
  v1::ListPositionsRequest replay;
  replay.set_person_id(martin.person.id());
  replay.set_page_token(first_token);
  v1::ListPositionsResponse page;
  grpc::Status other_query = stub_->ListPositions(Context(martin.token).get(), replay, &page);
  EXPECT_EQ(other_query.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(other_query), ElementsAre("page_token"));
  replay.set_person_id(jacques.person.id());
  EXPECT_EQ(stub_->ListPositions(Context(jacques.token).get(), replay, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  replay.set_page_token("garbage");
  EXPECT_EQ(stub_->ListPositions(Context(martin.token).get(), replay, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
  replay.set_page_token("");
  replay.set_page_size(-1);
  EXPECT_EQ(stub_->ListPositions(Context(martin.token).get(), replay, &page).error_code(),
            grpc::StatusCode::INVALID_ARGUMENT);
}

TEST_P(IdentityServerTest, OverlappingPositionsShareOrganisationAndTime) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  Account martin = SignUp(*stub_, "Martin", "martin@example.fr");
  Account claire = SignUp(*stub_, "Claire", "claire@example.fr");
  Account paul = SignUp(*stub_, "Paul", "paul@example.fr");

  v1::Position jacques_at_acme = AddPosition(jacques, "Acme", 2010, 2015);
  v1::Position martin_during = AddPosition(martin, "ACME", 2014, 0);      // ongoing
  v1::Position claire_before = AddPosition(claire, "Acme", 2000, 2009);   // ended before
  v1::Position claire_after = AddPosition(claire, "Acme", 2016, 2018);    // started after
  v1::Position paul_elsewhere = AddPosition(paul, "Globex", 2011, 2013);  // other org
  v1::Position paul_edge = AddPosition(paul, "acme", 2015, 2016);         // touches the end
  AddPosition(jacques, "Acme", 2012, 2013);  // the same person never counts

  EXPECT_THAT(OverlapIds(jacques, jacques_at_acme.id()),
              ElementsAre(martin_during.id(), paul_edge.id()));
  EXPECT_THAT(OverlapIds(martin, martin_during.id()), ::testing::Contains(claire_after.id()));

  // Only the owner (or a service or operator) looks for overlaps.
  v1::FindOverlappingPositionsRequest request;
  request.set_position_id(jacques_at_acme.id());
  v1::FindOverlappingPositionsResponse response;
  EXPECT_EQ(
      stub_->FindOverlappingPositions(Context(martin.token).get(), request, &response).error_code(),
      grpc::StatusCode::PERMISSION_DENIED);
  std::string service_token = MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("identity/signing_key.json"),
                                        "relationships", "service");
  ASSERT_TRUE(
      stub_->FindOverlappingPositions(Context(service_token).get(), request, &response).ok());
  EXPECT_EQ(response.positions_size(), 2);
  (void)claire_before;
  (void)paul_elsewhere;
}

TEST_P(IdentityServerTest, TagsAreRecordedByServicesAndRankedByUse) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  auto record = [&](const std::string& token, std::vector<std::string> keys) {
    v1::RecordTagUseRequest request;
    for (const auto& key : keys) {
      auto* tag = request.add_tags();
      tag->set_kind(common::v1::FACET_KIND_COMPETENCY);
      tag->set_key(key);
    }
    v1::RecordTagUseResponse response;
    return stub_->RecordTagUse(Context(token).get(), request, &response);
  };
  EXPECT_EQ(record(jacques.token, {"Négociation"}).error_code(),
            grpc::StatusCode::PERMISSION_DENIED);

  std::string operator_token = OperatorToken();
  ASSERT_TRUE(record(operator_token, {"Négociation", "NEGOCIATION", "Negotiation"}).ok());
  ASSERT_TRUE(record(operator_token, {"negotiation"}).ok());
  ASSERT_TRUE(record(operator_token, {"negotiation", "Planning"}).ok());
  EXPECT_EQ(record(operator_token, {}).error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  // A service may send the uses of a while at once.
  auto record_uses = [&](const std::string& key, int64_t uses) {
    v1::RecordTagUseRequest request;
    auto* tag = request.add_tags();
    tag->set_kind(common::v1::FACET_KIND_COMPETENCY);
    tag->set_key(key);
    tag->set_use_count(uses);
    v1::RecordTagUseResponse response;
    return stub_->RecordTagUse(Context(operator_token).get(), request, &response);
  };
  ASSERT_TRUE(record_uses("planning", 4).ok());
  for (int64_t bad : {int64_t{-1}, int64_t{1000001}}) {
    grpc::Status refused = record_uses("planning", bad);
    EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
    EXPECT_THAT(ViolatedFields(refused), ElementsAre("tags[0].use_count"));
  }

  v1::SearchTagsRequest search;
  search.set_kind(common::v1::FACET_KIND_COMPETENCY);
  search.set_prefix("NEGO");
  v1::SearchTagsResponse found;
  ASSERT_TRUE(stub_->SearchTags(Context(jacques.token).get(), search, &found).ok());
  ASSERT_EQ(found.tags_size(), 2);
  EXPECT_EQ(found.tags(0).key(), "negotiation");
  EXPECT_EQ(found.tags(0).use_count(), 3);
  EXPECT_EQ(found.tags(1).key(), "negociation");
  EXPECT_EQ(found.tags(1).display_name(), "Négociation");
  EXPECT_EQ(found.tags(1).use_count(), 1);
  search.set_prefix("plan");
  ASSERT_TRUE(stub_->SearchTags(Context(jacques.token).get(), search, &found).ok());
  ASSERT_EQ(found.tags_size(), 1);
  EXPECT_EQ(found.tags(0).use_count(), 5);

  search.set_kind(common::v1::FACET_KIND_QUALITY);
  ASSERT_TRUE(stub_->SearchTags(Context(jacques.token).get(), search, &found).ok());
  EXPECT_THAT(found.tags(), IsEmpty());

  // A reader spells many facets in one call: by key, in request order,
  // each once; tags never recorded left out.
  v1::BatchGetTagsRequest batch;
  for (const char* key : {"planning", "Négociation", "rust", "negociation"}) {
    auto* facet = batch.add_facets();
    facet->set_kind(common::v1::FACET_KIND_COMPETENCY);
    facet->set_key(key);
  }
  v1::BatchGetTagsResponse spelt;
  ASSERT_TRUE(stub_->BatchGetTags(Context(jacques.token).get(), batch, &spelt).ok());
  ASSERT_EQ(spelt.tags_size(), 2);
  EXPECT_EQ(spelt.tags(0).display_name(), "Planning");
  EXPECT_EQ(spelt.tags(1).key(), "negociation");
  EXPECT_EQ(spelt.tags(1).display_name(), "Négociation");
  batch.mutable_facets(1)->set_kind(common::v1::FACET_KIND_FUNCTION);
  grpc::Status refused = stub_->BatchGetTags(Context(jacques.token).get(), batch, &spelt);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(refused), ElementsAre("facets[1].kind"));
  batch.mutable_facets(1)->set_kind(common::v1::FACET_KIND_COMPETENCY);
  while (batch.facets_size() <= 100) *batch.add_facets() = batch.facets(0);
  refused = stub_->BatchGetTags(Context(jacques.token).get(), batch, &spelt);
  EXPECT_THAT(ViolatedFields(refused), ElementsAre("facets"));
}

TEST_P(IdentityServerTest, PositionCountIsLimited) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  for (int i = 0; i < 200; ++i) AddPosition(jacques, "Org " + std::to_string(i), 2000, 0);
  grpc::Status status;
  AddPosition(jacques, "One too many", 2000, 0, &status);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
}

TEST_P(IdentityServerTest, AcknowledgedWritesSurviveSigkill) {
  Account jacques = SignUp(*stub_, "Jacques", "jacques@example.fr");
  v1::Position position = AddPosition(jacques, "Acme", 2010, 0);
  RestartServer(/*kill=*/true);

  // The same key signs after restart: the old token still works.
  v1::ListPositionsRequest list;
  list.set_person_id(jacques.person.id());
  v1::ListPositionsResponse listed;
  ASSERT_TRUE(stub_->ListPositions(Context(jacques.token).get(), list, &listed).ok());
  ASSERT_EQ(listed.positions_size(), 1);
  EXPECT_EQ(listed.positions(0).id(), position.id());
  v1::AuthenticateRequest login;
  login.set_email("jacques@example.fr");
  login.set_password(jacques.password);
  v1::AuthenticateResponse session;
  EXPECT_TRUE(stub_->Authenticate(Context().get(), login, &session).ok());
}

// Over either storage: found by name after normalisation, colleagues
// first, the email hidden, an opt-out honoured; and the index and a
// rotated session as they were after a kill.
TEST_P(IdentityServerTest, PeopleAreFoundByNameAndSessionsRotateAcrossAKill) {
  Account seeker = SignUp(*stub_, "Chercheuse", "seeker@example.fr");
  AddPosition(seeker, "Société Générale", 2012, 0);
  Account helene = SignUp(*stub_, "Hélène Dupré", "helene@example.fr");
  Account other = SignUp(*stub_, "Hélène Martin", "other@example.fr");
  AddPosition(other, "SOCIETE GENERALE", 2015, 0);
  auto search = [&](const std::string& name_prefix) {
    v1::SearchPeopleRequest request;
    request.set_name_prefix(name_prefix);
    v1::SearchPeopleResponse response;
    grpc::Status status = stub_->SearchPeople(Context(seeker.token).get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    std::vector<std::string> names;
    for (const auto& person : response.persons()) {
      EXPECT_TRUE(person.email().empty()) << person.display_name();
      names.push_back(person.display_name());
    }
    return names;
  };
  EXPECT_THAT(search("HELENE"), ElementsAre("Hélène Martin", "Hélène Dupré"));

  v1::UpdatePersonRequest hide;
  hide.mutable_person()->set_id(helene.person.id());
  hide.mutable_person()->set_etag(helene.person.etag());
  hide.mutable_person()->set_discoverable(false);
  hide.mutable_update_mask()->add_paths("discoverable");
  v1::Person hidden;
  ASSERT_TRUE(stub_->UpdatePerson(Context(helene.token).get(), hide, &hidden).ok());
  EXPECT_THAT(search("dupre"), IsEmpty());

  v1::RefreshSessionRequest refresh;
  refresh.set_refresh_token(seeker.refresh_token);
  v1::AuthenticateResponse rotated;
  ASSERT_TRUE(stub_->RefreshSession(Context().get(), refresh, &rotated).ok());
  RestartServer(/*kill=*/true);

  EXPECT_THAT(search("hel"), ElementsAre("Hélène Martin"));
  refresh.set_refresh_token(rotated.refresh_token());
  v1::AuthenticateResponse again;
  grpc::Status refreshed = stub_->RefreshSession(Context().get(), refresh, &again);
  ASSERT_TRUE(refreshed.ok()) << refreshed.error_message();
  v1::ListSessionsRequest list;
  list.set_person_id(seeker.person.id());
  v1::ListSessionsResponse sessions;
  ASSERT_TRUE(stub_->ListSessions(Context(again.access_token()).get(), list, &sessions).ok());
  ASSERT_EQ(sessions.sessions_size(), 1);
  EXPECT_TRUE(sessions.sessions(0).current());
  // The token rotated before the kill is a reuse after it.
  refresh.set_refresh_token(seeker.refresh_token);
  EXPECT_EQ(stub_->RefreshSession(Context().get(), refresh, &again).error_code(),
            grpc::StatusCode::UNAUTHENTICATED);
}

TEST_P(IdentityServerTest, SigtermDrainsAndExitsCleanly) {
  SignUp(*stub_, "Jacques", "jacques@example.fr");
  EXPECT_EQ(server_->Terminate(), 0);
  server_.reset();
}

TEST_P(IdentityServerTest, ExpiredDeadlinesAreNotServed) {
  v1::GetSigningKeysResponse keys;
  grpc::ClientContext context;
  context.set_deadline(std::chrono::system_clock::now() - std::chrono::seconds(1));
  EXPECT_EQ(stub_->GetSigningKeys(&context, {}, &keys).error_code(),
            grpc::StatusCode::DEADLINE_EXCEEDED);
}

INSTANTIATE_TEST_SUITE_P(Storage, IdentityServerTest, ::testing::Values("rocksdb", "postgres"));

// A wrong database, or none reachable: the server does not start, and says
// why in one line.
TEST(IdentityServerOnPostgresTest, WrongDatabaseSettingsRefuseToStartWithTheReason) {
  auto postgres = PostgresServer::Start();
  ASSERT_NE(postgres, nullptr);
  TempDir dir;
  // Its standard error read through the pipe of its standard output.
  ChildProcess server(
      {"/bin/sh", "-c",
       std::string(IDENTITY_SERVER) + " --listen=127.0.0.1:0 --data_dir=" + dir.Sub("identity") +
           " --storage=postgres --database_url='" + postgres->ConnInfo("nosuch") + "' 2>&1"});
  std::vector<std::string> lines;
  while (auto line = server.ReadLine(std::chrono::seconds(30))) lines.push_back(*line);
  std::optional<int> status = server.Wait(std::chrono::seconds(30));
  ASSERT_TRUE(status.has_value());
  EXPECT_FALSE(WIFEXITED(*status) && WEXITSTATUS(*status) == 0);
  bool said_why = false;
  for (const auto& line : lines) {
    said_why = said_why || (line.find("cannot start") != std::string::npos &&
                            line.find("nosuch") != std::string::npos);
  }
  EXPECT_TRUE(said_why) << ::testing::PrintToString(lines);
}

// The database lost while serving: health says NOT_SERVING within a few
// probes (liveness does not) and writes are UNAVAILABLE; once it is back,
// SERVING again and writes go through, with no restart of the server.
TEST(IdentityServerOnPostgresTest, HealthFollowsTheDatabase) {
  auto postgres = PostgresServer::Start();
  ASSERT_NE(postgres, nullptr);
  TempDir dir;
  auto server = ServerProcess::Start(
      IDENTITY_SERVER,
      {"--data_dir=" + dir.Sub("identity"), "--password_hash_memory_kib=8192",
       "--password_hash_passes=1", "--storage=postgres", "--database_url=" + postgres->ConnInfo(),
       "--health_probe_period=100ms", "--restart_unwritable_after=300ms"});
  ASSERT_NE(server, nullptr);
  auto stub = v1::IdentityService::NewStub(server->NewChannel());
  auto health_becomes = [&](const std::string& wanted) {
    for (int i = 0; i < 300; ++i) {
      if (server->Health() == wanted) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return false;
  };
  ASSERT_TRUE(health_becomes("SERVING"));

  postgres->Stop(/*kill=*/false);
  EXPECT_TRUE(health_becomes("NOT_SERVING")) << server->Health();
  // Restarting identity brings no database back: liveness stays SERVING
  // past the bound.
  std::this_thread::sleep_for(std::chrono::milliseconds(600));
  EXPECT_EQ(server->Health("liveness"), "SERVING");
  v1::CreatePersonRequest request;
  request.mutable_person()->set_display_name("Camille Martin");
  request.mutable_person()->set_email("camille@example.fr");
  request.set_password("a long enough password");
  v1::Person created;
  grpc::Status refused = stub->CreatePerson(Context("").get(), request, &created);
  EXPECT_EQ(refused.error_code(), grpc::StatusCode::UNAVAILABLE) << refused.error_message();

  ASSERT_TRUE(postgres->Restart());
  EXPECT_TRUE(health_becomes("SERVING")) << server->Health();
  Account camille = SignUp(*stub, "Camille Martin", "camille@example.fr");
  EXPECT_FALSE(camille.person.id().empty());
}

}  // namespace
}  // namespace trustsphere::testing
