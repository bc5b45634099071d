// Crash cycles over the three servers. Concurrent writers add and revoke
// trust statements, write recommendations, create shares and add positions,
// recording every acknowledged write; meanwhile a random server is killed
// with SIGKILL at a random moment and started again. After each cycle:
//   - every acknowledged write is there (statements, recommendations,
//     shares, positions), and a write that failed is either there or not;
//   - the indexes agree with the records (ListTrusted/ListTrusting with the
//     statements, ListRecommendations and ListShares with what was written);
//   - the change log, replayed from the start, holds every acknowledged
//     statement change of each pair in order, and ends in the stored state,
//     with cursors strictly increasing;
//   - recommendations resumed its watch with no change missed: the
//     recommendation whose trust was revoked during the cycle turns STALE.
// TRUSTSPHERE_CRASH_CYCLES sets the number of cycles (default 3; the long
// run in the README uses 100), TRUSTSPHERE_CRASH_SEED the random seed.

#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <functional>
#include <map>
#include <mutex>
#include <random>
#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "grpcpp/support/channel_arguments.h"
#include "tests/relationships_fixture.h"

namespace trustsphere::testing {
namespace {

namespace cv1 = recommendations_v1;
using namespace std::chrono_literals;

int EnvOr(const char* name, int fallback) {
  const char* value = std::getenv(name);
  int parsed = 0;
  return value != nullptr && absl::SimpleAtoi(value, &parsed) ? parsed : fallback;
}

// A channel that finds a restarted server again within half a second.
std::shared_ptr<grpc::Channel> ReconnectingChannel(const std::string& address) {
  grpc::ChannelArguments arguments;
  arguments.SetInt(GRPC_ARG_INITIAL_RECONNECT_BACKOFF_MS, 50);
  arguments.SetInt(GRPC_ARG_MAX_RECONNECT_BACKOFF_MS, 500);
  return grpc::CreateCustomChannel(address, grpc::InsecureChannelCredentials(), arguments);
}

// A context for verification reads: waits for a restarting server.
std::unique_ptr<grpc::ClientContext> Patient(const std::string& token) {
  auto context = Context(token);
  context->set_wait_for_ready(true);
  context->set_deadline(std::chrono::system_clock::now() + 30s);
  return context;
}

// The state of one statement as the client knows it: "" absent, "revoked",
// or the note of the active statement.
using PairState = std::string;
constexpr char kAbsent[] = "";
constexpr char kRevoked[] = "revoked";

// What the writers of one pair were told, and what may have happened.
struct PairRecord {
  PairState known = kAbsent;  // after the last acknowledged write
  std::set<PairState> maybe;  // attempted since, not acknowledged
  std::vector<PairState> acknowledged_in_cycle;
};

class CrashCyclesTest : public RelationshipsTest {
 protected:
  void SetUp() override {
    RelationshipsTest::SetUp();
    ASSERT_TRUE(deployment_->StartRecommendations());
    operator_ = deployment_->Token("ops", "operator", "24h");
    service_ = deployment_->Token("svc", "service", "24h");
    identity_ = iv1::IdentityService::NewStub(
        ReconnectingChannel(deployment_->identity_server().address()));
    relationships_ = rv1::RelationshipService::NewStub(
        ReconnectingChannel(deployment_->relationships_server().address()));
    recommendations_ = cv1::RecommendationService::NewStub(
        ReconnectingChannel(deployment_->recommendations_server().address()));

    subject_ = SignUp("subject");
    author_ = SignUp("author");
    Mutual(subject_, author_, {Tag("negotiation")});
    for (int i = 0; i < 2; ++i) trusters_.push_back(SignUp("truster" + std::to_string(i)));
    for (int i = 0; i < 4; ++i) trustees_.push_back(SignUp("trustee" + std::to_string(i)));
    marker_ = SignUp("marker");
  }

  // --- writers -------------------------------------------------------------

  void TrustWriter(const Account& truster, std::mt19937 random) {
    int version = 0;
    while (!stop_) {
      const Account& trustee = trustees_[random() % trustees_.size()];
      const std::string key = truster.person.id() + "/" + trustee.person.id();
      PairState attempt;
      grpc::Status status;
      {
        std::lock_guard lock(mu_);
        attempt =
            (pairs_[key].known != kAbsent && pairs_[key].known != kRevoked && random() % 10 < 3)
                ? kRevoked
                : absl::StrCat("v", version++, " ", truster.person.id());
      }
      if (attempt == kRevoked) {
        rv1::RevokeTrustRequest request;
        request.set_truster_id(truster.person.id());
        request.set_trustee_id(trustee.person.id());
        rv1::TrustStatement revoked;
        status = relationships_->RevokeTrust(Context(truster.token).get(), request, &revoked);
      } else {
        rv1::PutTrustRequest request;
        request.mutable_statement()->set_trustee_id(trustee.person.id());
        request.mutable_statement()->set_note(attempt);
        *request.mutable_statement()->mutable_sphere()->add_inside() = Tag("negotiation");
        rv1::TrustStatement put;
        status = relationships_->PutTrust(Context(truster.token).get(), request, &put);
      }
      std::lock_guard lock(mu_);
      PairRecord& pair = pairs_[key];
      if (status.ok()) {
        pair.known = attempt;
        pair.maybe.clear();
        pair.acknowledged_in_cycle.push_back(attempt);
        ++acknowledged_;
      } else {
        pair.maybe.insert(attempt);
        ++failed_;
      }
    }
  }

  // Counts a write's outcome; an acknowledged one is recorded, under the lock.
  void Count(const grpc::Status& status, const std::function<void()>& record) {
    if (!status.ok()) {
      ++failed_;
      return;
    }
    std::lock_guard lock(mu_);
    record();
    ++acknowledged_;
  }

  void RecommendationWriter() {
    int n = 0;
    while (!stop_) {
      cv1::WriteRecommendationRequest request;
      request.mutable_recommendation()->set_subject_id(subject_.person.id());
      request.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
      request.mutable_recommendation()->set_text(absl::StrCat("Letter ", n++));
      *request.mutable_recommendation()->add_facets() = Tag("negotiation");
      cv1::Recommendation written;
      Count(recommendations_->WriteRecommendation(Context(author_.token).get(), request, &written),
            [&] { recommendations_written_.push_back(written.id()); });
    }
  }

  void ShareWriter() {
    while (!stop_) {
      std::string id;
      {
        std::lock_guard lock(mu_);
        if (!recommendations_written_.empty()) id = recommendations_written_.back();
      }
      if (id.empty()) {
        std::this_thread::sleep_for(20ms);
        continue;
      }
      cv1::PublishRecommendationRequest publish;
      publish.set_id(id);
      cv1::Recommendation published;
      recommendations_->PublishRecommendation(Context(subject_.token).get(), publish, &published);
      cv1::CreateShareRequest request;
      request.mutable_share()->set_recruiter("recruiter@acme.example");
      request.mutable_share()->add_recommendation_ids(id);
      request.mutable_share()->mutable_expire_time()->set_seconds(
          absl::ToUnixSeconds(absl::Now() + absl::Hours(24)));
      cv1::CreateShareResponse share;
      Count(recommendations_->CreateShare(Context(subject_.token).get(), request, &share),
            [&] { shares_created_.insert(share.share().id()); });
    }
  }

  void PositionWriter() {
    while (!stop_) {
      iv1::AddPositionRequest request;
      request.set_person_id(subject_.person.id());
      request.mutable_position()->set_kind(iv1::POSITION_KIND_EMPLOYMENT);
      request.mutable_position()->set_organization("Acme");
      request.mutable_position()->set_title("Buyer");
      request.mutable_position()->mutable_period()->mutable_start()->set_year(2015);
      request.mutable_position()->mutable_period()->mutable_start()->set_month(1);
      iv1::Position added;
      Count(identity_->AddPosition(Context(subject_.token).get(), request, &added),
            [&] { positions_added_.insert(added.id()); });
      std::this_thread::sleep_for(20ms);  // a person holds few positions
    }
  }

  // --- one cycle -----------------------------------------------------------

  // A recommendation that relies on a trust revoked during the cycle.
  struct StalenessProbe {
    Account author;
    std::string recommendation_id;
  };

  // The servers' channels to a restarted peer may take a moment to
  // reconnect: set-up calls are repeated until they succeed.
  static void UntilOk(const std::function<grpc::Status()>& call) {
    grpc::Status status = RetryUntilOk(call);
    EXPECT_TRUE(status.ok()) << status.error_message();
  }

  StalenessProbe StartProbe(int cycle) {
    StalenessProbe probe{SignUp("probe" + std::to_string(cycle)), ""};
    for (auto [truster, trustee] :
         {std::pair{&probe.author, &subject_}, {&subject_, &probe.author}}) {
      rv1::PutTrustRequest put;
      put.mutable_statement()->set_trustee_id(trustee->person.id());
      *put.mutable_statement()->mutable_sphere()->add_inside() = Tag("negotiation");
      UntilOk([&] {
        rv1::TrustStatement statement;
        return relationships_->PutTrust(Patient(truster->token).get(), put, &statement);
      });
    }
    cv1::WriteRecommendationRequest request;
    request.mutable_recommendation()->set_subject_id(subject_.person.id());
    request.mutable_recommendation()->set_form(cv1::FORM_WRITTEN);
    request.mutable_recommendation()->set_text("Relied on a trust about to end.");
    *request.mutable_recommendation()->add_facets() = Tag("negotiation");
    UntilOk([&] {
      cv1::Recommendation written;
      grpc::Status status = recommendations_->WriteRecommendation(Patient(probe.author.token).get(),
                                                                  request, &written);
      probe.recommendation_id = written.id();
      return status;
    });
    return probe;
  }

  // Revokes until acknowledged, across the outage.
  void RevokeProbe(const StalenessProbe& probe, std::chrono::milliseconds after) {
    std::this_thread::sleep_for(after);
    rv1::RevokeTrustRequest request;
    request.set_truster_id(probe.author.person.id());
    request.set_trustee_id(subject_.person.id());
    rv1::TrustStatement revoked;
    for (int attempt = 0; attempt < 300; ++attempt) {
      grpc::Status status =
          relationships_->RevokeTrust(Context(probe.author.token).get(), request, &revoked);
      // NOT_FOUND/FAILED_PRECONDITION: an earlier attempt landed unacknowledged.
      if (status.ok() || status.error_code() == grpc::StatusCode::FAILED_PRECONDITION) return;
      std::this_thread::sleep_for(100ms);
    }
    ADD_FAILURE() << "the probe's trust was never revoked";
  }

  // Access tokens are short-lived; a long run logs everyone in again.
  void RenewTokens() {
    for (Account* account : {&subject_, &author_, &marker_, &trusters_[0], &trusters_[1]}) {
      iv1::AuthenticateRequest login;
      login.set_email(account->email);
      login.set_password(account->password);
      iv1::AuthenticateResponse session;
      UntilOk([&] { return identity_->Authenticate(Patient("").get(), login, &session); });
      account->token = session.access_token();
    }
  }

  void RunCycle(int cycle, std::mt19937& random) {
    RenewTokens();
    StalenessProbe probe = StartProbe(cycle);
    stop_ = false;
    std::vector<std::thread> writers;
    for (const Account& truster : trusters_) {
      writers.emplace_back(&CrashCyclesTest::TrustWriter, this, std::cref(truster),
                           std::mt19937(random()));
    }
    writers.emplace_back(&CrashCyclesTest::RecommendationWriter, this);
    writers.emplace_back(&CrashCyclesTest::ShareWriter, this);
    writers.emplace_back(&CrashCyclesTest::PositionWriter, this);
    writers.emplace_back(&CrashCyclesTest::RevokeProbe, this, probe,
                         std::chrono::milliseconds(random() % 2000));

    std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 1200));
    const Server victim = static_cast<Server>(random() % 3);
    victim_ = victim == Server::kIdentity        ? "identity"
              : victim == Server::kRelationships ? "relationships"
                                                 : "recommendations";
    deployment_->Stop(victim, /*kill=*/true);
    std::this_thread::sleep_for(std::chrono::milliseconds(random() % 500));
    ASSERT_TRUE(deployment_->Start(victim)) << "cycle " << cycle;
    std::this_thread::sleep_for(500ms);
    stop_ = true;
    for (auto& writer : writers) writer.join();

    VerifyStatements(cycle);
    VerifyChangeLog(cycle);
    VerifyRecommendations(cycle, probe);
    VerifyPositions(cycle);
  }

  // --- checks ----------------------------------------------------------------

  PairState Stored(const std::string& truster, const std::string& trustee) {
    rv1::GetTrustRequest request;
    request.set_truster_id(truster);
    request.set_trustee_id(trustee);
    rv1::TrustStatement statement;
    grpc::Status status = relationships_->GetTrust(Patient(operator_).get(), request, &statement);
    if (status.error_code() == grpc::StatusCode::NOT_FOUND) return kAbsent;
    EXPECT_TRUE(status.ok()) << status.error_message();
    return statement.state() == rv1::TRUST_STATE_REVOKED ? kRevoked : statement.note();
  }

  void VerifyStatements(int cycle) {
    for (const Account& truster : trusters_) {
      std::set<std::string> active;
      for (const Account& trustee : trustees_) {
        const std::string key = truster.person.id() + "/" + trustee.person.id();
        PairRecord& pair = pairs_[key];
        const PairState stored = Stored(truster.person.id(), trustee.person.id());
        EXPECT_TRUE(stored == pair.known || pair.maybe.contains(stored))
            << "cycle " << cycle << ": " << key << " holds \"" << stored << "\", acknowledged \""
            << pair.known << "\"";
        pair.known = stored;
        pair.maybe.clear();
        if (stored != kAbsent && stored != kRevoked) active.insert(trustee.person.id());
      }
      // The truster's index lists exactly the active statements.
      rv1::ListTrustedRequest request;
      request.set_person_id(truster.person.id());
      request.set_page_size(100);
      rv1::ListTrustedResponse response;
      ASSERT_TRUE(relationships_->ListTrusted(Patient(operator_).get(), request, &response).ok());
      std::set<std::string> listed;
      for (const auto& statement : response.statements()) {
        // (The change-log check's marker statement is not one of the pairs.)
        if (statement.state() == rv1::TRUST_STATE_ACTIVE &&
            statement.trustee_id() != marker_.person.id()) {
          listed.insert(statement.trustee_id());
        }
      }
      EXPECT_EQ(listed, active) << "cycle " << cycle << ": ListTrusted of a truster";
      // And each trustee's index agrees.
      for (const Account& trustee : trustees_) {
        rv1::ListTrustingRequest trusting;
        trusting.set_person_id(trustee.person.id());
        trusting.set_page_size(100);
        rv1::ListTrustingResponse trusted_by;
        ASSERT_TRUE(
            relationships_->ListTrusting(Patient(operator_).get(), trusting, &trusted_by).ok());
        bool found = false;
        for (const auto& statement : trusted_by.statements()) {
          found |= statement.truster_id() == truster.person.id() &&
                   statement.state() == rv1::TRUST_STATE_ACTIVE;
        }
        EXPECT_EQ(found, active.contains(trustee.person.id()))
            << "cycle " << cycle << ": ListTrusting disagrees with GetTrust";
      }
    }
  }

  void VerifyChangeLog(int cycle) {
    // A last write, then the log from the start up to it.
    const std::string marker = absl::StrCat("marker ", cycle);
    rv1::PutTrustRequest put;
    put.mutable_statement()->set_trustee_id(marker_.person.id());
    put.mutable_statement()->set_note(marker);
    UntilOk([&] {
      rv1::TrustStatement written;
      return relationships_->PutTrust(Patient(trusters_[0].token).get(), put, &written);
    });

    auto context = Patient(service_);
    auto stream = relationships_->WatchTrustChanges(context.get(), rv1::WatchTrustChangesRequest());
    std::map<std::string, std::vector<PairState>> history;
    uint64_t previous = 0;
    rv1::TrustChange change;
    bool reached_marker = false;
    while (!reached_marker && stream->Read(&change)) {
      uint64_t cursor = 0;
      ASSERT_TRUE(absl::SimpleAtoi(change.cursor(), &cursor)) << change.cursor();
      EXPECT_GT(cursor, previous) << "cycle " << cycle << ": cursors out of order";
      previous = cursor;
      const auto& statement = change.statement();
      history[statement.truster_id() + "/" + statement.trustee_id()].push_back(
          statement.state() == rv1::TRUST_STATE_REVOKED ? kRevoked : statement.note());
      reached_marker = statement.note() == marker;
    }
    context->TryCancel();
    stream->Finish();
    ASSERT_TRUE(reached_marker) << "cycle " << cycle << ": the log ended before the last write";

    for (auto& [key, pair] : pairs_) {
      const std::vector<PairState>& logged = history[key];
      // Every acknowledged change, in order (unacknowledged ones may sit
      // between them)...
      size_t next = 0;
      for (const PairState& state : logged) {
        if (next < pair.acknowledged_in_cycle.size() && state == pair.acknowledged_in_cycle[next]) {
          ++next;
        }
      }
      EXPECT_EQ(next, pair.acknowledged_in_cycle.size())
          << "cycle " << cycle << ": " << key << " lost an acknowledged change from the log";
      // ... and the log ends in the stored state.
      EXPECT_EQ(logged.empty() ? PairState(kAbsent) : logged.back(), pair.known)
          << "cycle " << cycle << ": " << key << " log and record disagree";
      pair.acknowledged_in_cycle.clear();
    }
  }

  void VerifyRecommendations(int cycle, const StalenessProbe& probe) {
    std::set<std::string> listed;
    cv1::ListRecommendationsRequest request;
    request.set_subject_id(subject_.person.id());
    request.set_page_size(100);
    do {
      cv1::ListRecommendationsResponse page;
      ASSERT_TRUE(
          recommendations_->ListRecommendations(Patient(subject_.token).get(), request, &page)
              .ok());
      for (const auto& recommendation : page.recommendations()) listed.insert(recommendation.id());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    for (const std::string& id : recommendations_written_) {
      EXPECT_TRUE(listed.contains(id))
          << "cycle " << cycle << ": recommendation " << id << " acknowledged, not listed";
      cv1::GetRecommendationRequest get;
      get.set_id(id);
      cv1::Recommendation found;
      grpc::Status status =
          recommendations_->GetRecommendation(Patient(subject_.token).get(), get, &found);
      EXPECT_TRUE(status.ok()) << "cycle " << cycle << ": recommendation " << id
                               << " acknowledged, not read: " << status.error_message();
    }

    std::set<std::string> shares;
    cv1::ListSharesRequest list;
    list.set_page_size(100);
    do {
      cv1::ListSharesResponse page;
      ASSERT_TRUE(recommendations_->ListShares(Patient(subject_.token).get(), list, &page).ok());
      for (const auto& share : page.shares()) shares.insert(share.id());
      list.set_page_token(page.next_page_token());
    } while (!list.page_token().empty());
    for (const std::string& id : shares_created_) {
      EXPECT_TRUE(shares.contains(id)) << "cycle " << cycle << ": share " << id << " lost";
    }

    // The watch resumed: the probe's revocation reached recommendations.
    cv1::GetRecommendationRequest get;
    get.set_id(probe.recommendation_id);
    cv1::Recommendation found;
    for (int i = 0; i < 300 && found.state() != cv1::RECOMMENDATION_STATE_STALE; ++i) {
      if (i > 0) std::this_thread::sleep_for(100ms);
      recommendations_->GetRecommendation(Patient(subject_.token).get(), get, &found);
    }
    EXPECT_EQ(found.state(), cv1::RECOMMENDATION_STATE_STALE)
        << "cycle " << cycle << ": a revocation never reached recommendations";
  }

  void VerifyPositions(int cycle) {
    std::set<std::string> listed;
    iv1::ListPositionsRequest request;
    request.set_person_id(subject_.person.id());
    request.set_page_size(100);
    do {
      iv1::ListPositionsResponse page;
      ASSERT_TRUE(identity_->ListPositions(Patient(subject_.token).get(), request, &page).ok());
      for (const auto& position : page.positions()) listed.insert(position.id());
      request.set_page_token(page.next_page_token());
    } while (!request.page_token().empty());
    for (const std::string& id : positions_added_) {
      EXPECT_TRUE(listed.contains(id)) << "cycle " << cycle << ": position " << id << " lost";
    }
  }

  std::string operator_, service_;
  std::unique_ptr<iv1::IdentityService::Stub> identity_;
  std::unique_ptr<rv1::RelationshipService::Stub> relationships_;
  std::unique_ptr<cv1::RecommendationService::Stub> recommendations_;
  Account subject_, author_, marker_;
  std::vector<Account> trusters_, trustees_;

  std::atomic<bool> stop_{false};
  std::mutex mu_;
  std::map<std::string, PairRecord> pairs_;
  std::vector<std::string> recommendations_written_;
  std::set<std::string> shares_created_;
  std::set<std::string> positions_added_;

 public:
  std::atomic<int> acknowledged_{0};
  std::atomic<int> failed_{0};
  std::string victim_;
};

TEST_F(CrashCyclesTest, NothingAcknowledgedIsLostAcrossKills) {
  const int cycles = EnvOr("TRUSTSPHERE_CRASH_CYCLES", 3);
  const int seed = EnvOr("TRUSTSPHERE_CRASH_SEED", static_cast<int>(std::random_device()()));
  std::mt19937 random(seed);
  std::cout << "crash cycles: " << cycles << ", seed " << seed << std::endl;
  for (int cycle = 0; cycle < cycles && !HasFailure(); ++cycle) {
    RunCycle(cycle, random);
    std::cout << "cycle " << cycle << ": killed " << victim_ << "; verified " << acknowledged_
              << " acknowledged writes so far (" << failed_ << " refused or cut)" << std::endl;
  }
  EXPECT_GT(acknowledged_, 0);
}

}  // namespace
}  // namespace trustsphere::testing
