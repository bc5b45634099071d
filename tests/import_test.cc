// The operators' bulk imports, end to end: ImportPersons on identity and
// ImportTrust on relationships, streamed to the real servers; what they write
// is read back through the ordinary RPCs.

#include <sodium.h>

#include <chrono>
#include <thread>

#include "tests/relationships_fixture.h"

namespace trustsphere::testing {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;

iv1::ImportedPerson Imported(const std::string& id, const std::string& organization = "") {
  iv1::ImportedPerson imported;
  imported.mutable_person()->set_id(id);
  imported.mutable_person()->set_display_name("Person " + id);
  imported.mutable_person()->set_email(id + "@import.example");
  if (!organization.empty()) {
    iv1::Position* position = imported.add_positions();
    position->set_id("pos-" + id);
    position->set_kind(iv1::POSITION_KIND_EMPLOYMENT);
    position->set_organization(organization);
    position->set_title("Engineer");
    position->mutable_period()->mutable_start()->set_year(2015);
    position->mutable_period()->mutable_start()->set_month(3);
  }
  return imported;
}

rv1::TrustStatement Statement(const std::string& truster, const std::string& trustee,
                              std::vector<common::v1::Facet> inside = {}) {
  rv1::TrustStatement statement;
  statement.set_truster_id(truster);
  statement.set_trustee_id(trustee);
  for (auto& facet : inside) *statement.mutable_sphere()->add_inside() = facet;
  statement.set_visibility(rv1::VISIBILITY_PUBLIC);
  return statement;
}

class ImportTest : public RelationshipsTest {
 protected:
  std::string OperatorToken() const { return deployment_->Token("ops", "operator"); }

  // Streams `batches` to ImportPersons with `token`.
  grpc::Status ImportPersons(const std::vector<iv1::ImportPersonsRequest>& batches,
                             iv1::ImportPersonsResponse* response, const std::string& token) {
    auto context = Context(token);
    auto writer = ident().ImportPersons(context.get(), response);
    for (const auto& batch : batches) {
      if (!writer->Write(batch)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  grpc::Status ImportTrust(const std::vector<rv1::ImportTrustRequest>& batches,
                           rv1::ImportTrustResponse* response, const std::string& token) {
    auto context = Context(token);
    auto writer = rel().ImportTrust(context.get(), response);
    for (const auto& batch : batches) {
      if (!writer->Write(batch)) break;
    }
    writer->WritesDone();
    return writer->Finish();
  }

  // Imports people with these ids, each with a position "pos-<id>" at Acme.
  void ImportPeople(const std::vector<std::string>& ids) {
    iv1::ImportPersonsRequest batch;
    for (const auto& id : ids) *batch.add_persons() = Imported(id, "Acme");
    iv1::ImportPersonsResponse response;
    grpc::Status status = ImportPersons({batch}, &response, OperatorToken());
    ASSERT_TRUE(status.ok()) << status.error_message();
  }

  bool PersonExists(const std::string& id) {
    iv1::GetPersonRequest request;
    request.set_id(id);
    iv1::Person person;
    return ident().GetPerson(Context(OperatorToken()).get(), request, &person).ok();
  }
};

TEST_F(ImportTest, PeopleArriveWithTheirPositionsAndAreSkippedOnResume) {
  iv1::ImportPersonsRequest first, second;
  *first.add_persons() = Imported("imp-ada", "Société Générale");
  *first.add_persons() = Imported("imp-bob", "SOCIETE GENERALE");
  *second.add_persons() = Imported("imp-cyd");
  iv1::ImportPersonsResponse response;
  grpc::Status status = ImportPersons({first, second}, &response, OperatorToken());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.persons_imported(), 3);
  EXPECT_EQ(response.positions_imported(), 2);
  EXPECT_EQ(response.persons_skipped(), 0);

  iv1::GetPersonRequest get;
  get.set_id("imp-ada");
  iv1::Person person;
  ASSERT_TRUE(ident().GetPerson(Context(OperatorToken()).get(), get, &person).ok());
  EXPECT_EQ(person.display_name(), "Person imp-ada");
  EXPECT_EQ(person.state(), iv1::PERSON_STATE_ACTIVE);
  EXPECT_FALSE(person.etag().empty());

  // The organisation index is written as AddPosition writes it.
  iv1::FindOverlappingPositionsRequest overlap;
  overlap.set_position_id("pos-imp-ada");
  iv1::FindOverlappingPositionsResponse overlapping;
  ASSERT_TRUE(
      ident().FindOverlappingPositions(Context(OperatorToken()).get(), overlap, &overlapping).ok());
  ASSERT_EQ(overlapping.positions_size(), 1);
  EXPECT_EQ(overlapping.positions(0).id(), "pos-imp-bob");

  // Sending everything again is a resume: nothing is written twice.
  iv1::ImportPersonsResponse again;
  ASSERT_TRUE(ImportPersons({first, second}, &again, OperatorToken()).ok());
  EXPECT_EQ(again.persons_imported(), 0);
  EXPECT_EQ(again.persons_skipped(), 3);
}

TEST_F(ImportTest, AnImportedPasswordHashLogsIn) {
  ASSERT_EQ(sodium_init() >= 0, true);
  char hash[crypto_pwhash_STRBYTES];
  const std::string password = "correct horse battery";
  ASSERT_EQ(crypto_pwhash_str(hash, password.data(), password.size(), crypto_pwhash_OPSLIMIT_MIN,
                              crypto_pwhash_MEMLIMIT_MIN),
            0);
  iv1::ImportPersonsRequest batch;
  *batch.add_persons() = Imported("imp-eve");
  batch.mutable_persons(0)->set_password_hash(hash);
  iv1::ImportPersonsResponse response;
  ASSERT_TRUE(ImportPersons({batch}, &response, OperatorToken()).ok());

  iv1::AuthenticateRequest login;
  login.set_email("IMP-EVE@import.example");
  login.set_password(password);
  iv1::AuthenticateResponse token;
  grpc::Status status = ident().Authenticate(Context().get(), login, &token);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_FALSE(token.access_token().empty());
}

TEST_F(ImportTest, ARefusedBatchNamesMessageAndFieldAndWritesNothingOfIt) {
  iv1::ImportPersonsRequest good, bad;
  *good.add_persons() = Imported("imp-one");
  *bad.add_persons() = Imported("imp-two");
  *bad.add_persons() = Imported("imp-three");
  bad.mutable_persons(1)->mutable_person()->set_email("not an email");
  bad.mutable_persons(1)->set_password_hash("$2y$10$bcrypt-is-not-accepted");
  bad.mutable_persons(1)->add_positions()->set_id("pos-x");  // no kind, organisation...
  iv1::ImportPersonsResponse response;
  grpc::Status status = ImportPersons({good, bad}, &response, OperatorToken());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(status.error_message(), HasSubstr("message 2"));
  EXPECT_THAT(ViolatedFields(status),
              ::testing::IsSupersetOf({"persons[1].person.email", "persons[1].password_hash",
                                       "persons[1].positions[0].kind",
                                       "persons[1].positions[0].organization"}));
  EXPECT_TRUE(PersonExists("imp-one"));
  EXPECT_FALSE(PersonExists("imp-two"));
  EXPECT_FALSE(PersonExists("imp-three"));

  // Duplicates within one batch and an email already stored.
  iv1::ImportPersonsRequest twice;
  *twice.add_persons() = Imported("imp-dup");
  *twice.add_persons() = Imported("imp-dup");
  status = ImportPersons({twice}, &response, OperatorToken());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ::testing::Contains("persons[1].person.id"));
  iv1::ImportPersonsRequest taken;
  *taken.add_persons() = Imported("imp-other");
  taken.mutable_persons(0)->mutable_person()->set_email("IMP-ONE@import.example");
  status = ImportPersons({taken}, &response, OperatorToken());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::ALREADY_EXISTS);
  EXPECT_THAT(status.error_message(), HasSubstr("persons[0].person.email"));
  EXPECT_FALSE(PersonExists("imp-other"));

  iv1::ImportPersonsRequest empty;
  status = ImportPersons({empty}, &response, OperatorToken());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("persons"));
}

TEST_F(ImportTest, OnlyOperatorsImport) {
  Account user = SignUp("Nadia");
  iv1::ImportPersonsRequest people;
  *people.add_persons() = Imported("imp-intruder");
  rv1::ImportTrustRequest statements;
  *statements.add_statements() = Statement(user.person.id(), user.person.id());
  const std::pair<std::string, grpc::StatusCode> callers[] = {
      {"", grpc::StatusCode::UNAUTHENTICATED},
      {"not-a-token", grpc::StatusCode::UNAUTHENTICATED},
      {user.token, grpc::StatusCode::PERMISSION_DENIED},
      {deployment_->Token("relationships", "service"), grpc::StatusCode::PERMISSION_DENIED},
  };
  for (const auto& [token, code] : callers) {
    iv1::ImportPersonsResponse persons_response;
    EXPECT_EQ(ImportPersons({people}, &persons_response, token).error_code(), code) << token;
    rv1::ImportTrustResponse trust_response;
    EXPECT_EQ(ImportTrust({statements}, &trust_response, token).error_code(), code) << token;
  }
  EXPECT_FALSE(PersonExists("imp-intruder"));
}

TEST_F(ImportTest, StatementsBuildReferencesAsPutTrustWould) {
  ImportPeople({"imp-a", "imp-b", "imp-c"});
  rv1::ImportTrustRequest batch;
  // a and b vouch for each other in the same batch; c is not answered.
  *batch.add_statements() = Statement("imp-a", "imp-b", {Tag("Rust"), Function("pos-imp-b")});
  *batch.add_statements() = Statement("imp-b", "imp-a", {Tag("rust")});
  *batch.add_statements() = Statement("imp-a", "imp-c");
  rv1::ImportTrustResponse response;
  grpc::Status status = ImportTrust({batch}, &response, OperatorToken());
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(response.statements_imported(), 3);

  rv1::ListReferencesRequest references;
  references.set_person_id("imp-a");
  rv1::ListReferencesResponse listed;
  ASSERT_TRUE(rel().ListReferences(Context(OperatorToken()).get(), references, &listed).ok());
  ASSERT_EQ(listed.references_size(), 1);
  EXPECT_EQ(listed.references(0).person_id(), "imp-b");

  rv1::CheckTrustRequest check;
  check.set_truster_id("imp-a");
  check.set_trustee_id("imp-b");
  *check.mutable_facet() = Tag("RUST");
  rv1::CheckTrustResponse verdict;
  ASSERT_TRUE(rel().CheckTrust(Context(OperatorToken()).get(), check, &verdict).ok());
  EXPECT_EQ(verdict.verdict(), rv1::VERDICT_INSIDE);

  // Both uses of the tag reach identity's vocabulary, sent in the
  // background within about a second.
  iv1::SearchTagsRequest search;
  search.set_kind(common::v1::FACET_KIND_COMPETENCY);
  search.set_prefix("ru");
  iv1::SearchTagsResponse tags;
  auto counted = [&] { return !tags.tags().empty() && tags.tags(0).use_count() >= 2; };
  for (int attempt = 0; attempt < 50 && !counted(); ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ASSERT_TRUE(ident().SearchTags(Context(OperatorToken()).get(), search, &tags).ok());
  }
  ASSERT_EQ(tags.tags_size(), 1);
  EXPECT_EQ(tags.tags(0).key(), "rust");
  EXPECT_EQ(tags.tags(0).use_count(), 2);

  rv1::ImportTrustResponse again;
  ASSERT_TRUE(ImportTrust({batch}, &again, OperatorToken()).ok());
  EXPECT_EQ(again.statements_imported(), 0);
  EXPECT_EQ(again.statements_skipped(), 3);
}

TEST_F(ImportTest, StatementsAreCheckedLikePutTrust) {
  ImportPeople({"imp-a", "imp-b"});
  const auto refused = [&](rv1::TrustStatement statement) {
    rv1::ImportTrustRequest good, bad;
    *good.add_statements() = Statement("imp-b", "imp-a");
    *bad.add_statements() = Statement("imp-a", "imp-b");
    *bad.add_statements() = std::move(statement);
    rv1::ImportTrustResponse response;
    return ImportTrust({good, bad}, &response, OperatorToken());
  };

  grpc::Status status = refused(Statement("imp-a", "imp-nobody"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_THAT(status.error_message(), HasSubstr("message 2: statements[1].trustee_id"));

  status = refused(Statement("imp-a", "imp-a"));
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ::testing::Contains(HasSubstr("statements[1].")));

  // A FUNCTION facet must be one of the trustee's positions, not the truster's.
  rv1::TrustStatement wrong_position = Statement("imp-b", "imp-b");
  wrong_position.set_truster_id("imp-b");
  wrong_position.set_trustee_id("imp-a");
  *wrong_position.mutable_sphere()->add_inside() = Function("pos-imp-b");
  status = refused(wrong_position);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ::testing::Contains(HasSubstr("statements[1].sphere")));

  rv1::TrustStatement no_truster = Statement("", "imp-b");
  status = refused(no_truster);
  EXPECT_EQ(status.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  EXPECT_THAT(ViolatedFields(status), ElementsAre("statements[1].truster_id"));

  // Only the first, valid message of each attempt was written.
  rv1::ListTrustedRequest trusted;
  trusted.set_person_id("imp-a");
  rv1::ListTrustedResponse by_a;
  ASSERT_TRUE(rel().ListTrusted(Context(OperatorToken()).get(), trusted, &by_a).ok());
  EXPECT_THAT(by_a.statements(), IsEmpty());
  trusted.set_person_id("imp-b");
  rv1::ListTrustedResponse by_b;
  ASSERT_TRUE(rel().ListTrusted(Context(OperatorToken()).get(), trusted, &by_b).ok());
  EXPECT_EQ(by_b.statements_size(), 1);
}

class ImportLimitsTest : public ImportTest {
 protected:
  std::vector<std::string> RelationshipsFlags() const override {
    return {"--max_unanswered_per_truster=2"};
  }
};

TEST_F(ImportLimitsTest, UnansweredStatementsAreLimitedAsForPutTrust) {
  ImportPeople({"imp-t", "imp-1", "imp-2", "imp-3"});
  rv1::ImportTrustRequest batch;
  // imp-1 answers imp-t within the batch, so only two of imp-t's remain
  // unanswered before the last one, which is one too many.
  *batch.add_statements() = Statement("imp-t", "imp-1");
  *batch.add_statements() = Statement("imp-1", "imp-t");
  *batch.add_statements() = Statement("imp-t", "imp-2");
  *batch.add_statements() = Statement("imp-t", "imp-3");
  rv1::ImportTrustResponse response;
  ASSERT_TRUE(ImportTrust({batch}, &response, OperatorToken()).ok());

  ImportPeople({"imp-4"});
  rv1::ImportTrustRequest over;
  *over.add_statements() = Statement("imp-t", "imp-4");
  grpc::Status status = ImportTrust({over}, &response, OperatorToken());
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED);
  EXPECT_THAT(status.error_message(), HasSubstr("statements[0]"));
}

}  // namespace
}  // namespace trustsphere::testing
