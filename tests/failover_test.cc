// A failover under write load. PostgreSQL under Patroni on loopback, a
// primary and its synchronous standby; identity and two relationships
// servers on it, given both nodes and target_session_attrs=read-write. Writers sign people
// up and state trust, each write with a request_id and retried until
// acknowledged; the primary's node is lost (SIGKILL of its Patroni,
// postmaster and backends). Patroni promotes the standby once the leader
// lock expires; the servers, never restarted, find it and go on. Every
// acknowledged write must be there afterwards. The figures (writes
// acknowledged, lost, the longest time without one) are printed and
// recorded as the test's properties.

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <map>
#include <thread>

#include "absl/strings/str_cat.h"
#include "absl/synchronization/mutex.h"
#include "tests/relationships_fixture.h"
#include "tests/support/patroni_cluster.h"
#include "tests/support/wait_until.h"

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

// People who state trust in each other: every ordered pair is a statement.
constexpr int kPeople = 24;
constexpr int kTrustWriters = 2;
constexpr int kSignUpWriters = 2;
// Between two writes of one writer: a steady load, not a flood.
constexpr auto kWritePause = 20ms;
// Load before the kill, and past the first write acknowledged once the
// standby is promoted.
constexpr auto kLoadBefore = 5s;
constexpr auto kLoadAfter = 5s;

// When each write was acknowledged, for the longest pause.
class AckTimes {
 public:
  void Add() {
    absl::MutexLock lock(&mu_);
    times_.push_back(Clock::now());
  }
  std::vector<Clock::time_point> Sorted() const {
    absl::MutexLock lock(&mu_);
    std::vector<Clock::time_point> sorted = times_;
    std::sort(sorted.begin(), sorted.end());
    return sorted;
  }
  size_t CountSince(Clock::time_point since) const {
    absl::MutexLock lock(&mu_);
    return std::count_if(times_.begin(), times_.end(), [&](auto t) { return t > since; });
  }

 private:
  mutable absl::Mutex mu_;
  std::vector<Clock::time_point> times_ ABSL_GUARDED_BY(mu_);
};

// Sends `call` until it is acknowledged, pausing 100 ms after each refusal;
// the refusals' codes are counted. Gives up only after `limit`.
template <typename Call>
bool UntilAcknowledged(Call call, std::map<grpc::StatusCode, int>& refusals,
                       std::chrono::seconds limit = 90s) {
  const auto give_up = Clock::now() + limit;
  while (Clock::now() < give_up) {
    grpc::Status status = call();
    if (status.ok()) return true;
    ++refusals[status.error_code()];
    std::this_thread::sleep_for(100ms);
  }
  return false;
}

class FailoverTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_NE(cluster_, nullptr);
    const std::vector<std::string> on_cluster = {"--storage=postgres",
                                                 "--database_url=" + cluster_->ConnInfo()};
    deployment_ = std::make_unique<Deployment>(dir_, on_cluster, on_cluster);
    ASSERT_TRUE(deployment_->ok());
    for (int i = 0; i < kPeople; ++i) people_.push_back(deployment_->SignUp(absl::StrCat("p", i)));
  }

  // Writer `writer` of trust: its share of the ordered pairs, over and over,
  // each write naming a new tag. Returns the tag last acknowledged per pair.
  std::map<std::pair<int, int>, std::string> StateTrust(int writer, const std::atomic<bool>& stop,
                                                        std::map<grpc::StatusCode, int>& refusals) {
    std::map<std::pair<int, int>, std::string> last;
    auto stub = rv1::RelationshipService::NewStub(deployment_->relationships_server().NewChannel());
    for (int round = 0; !stop; ++round) {
      for (int truster = writer; truster < kPeople && !stop; truster += kTrustWriters) {
        for (int trustee = 0; trustee < kPeople && !stop; ++trustee) {
          if (trustee == truster) continue;
          const std::string tag = absl::StrCat("w", writer, "r", round, "p", trustee);
          rv1::PutTrustRequest request;
          request.set_request_id(absl::StrCat(tag, "-", truster));
          request.mutable_statement()->set_trustee_id(people_[trustee].person.id());
          *request.mutable_statement()->mutable_sphere()->add_inside() = Tag(tag);
          // Once sent, a write is seen through, stop or not: abandoned, it
          // could still land and make its pair's last state unknown.
          const bool acknowledged = UntilAcknowledged(
              [&] {
                auto context = Context(people_[truster].token);
                rv1::TrustStatement statement;
                grpc::Status status = stub->PutTrust(context.get(), request, &statement);
                if (status.ok()) RememberToken(*context);
                return status;
              },
              refusals);
          EXPECT_TRUE(acknowledged) << "PutTrust " << tag << " never acknowledged";
          if (!acknowledged) return last;
          acks_.Add();
          last[{truster, trustee}] = tag;
          std::this_thread::sleep_for(kWritePause);
        }
      }
    }
    return last;
  }

  // Writer `writer` of sign-ups; returns the ids acknowledged.
  std::vector<std::string> SignUpPeople(int writer, const std::atomic<bool>& stop,
                                        std::map<grpc::StatusCode, int>& refusals) {
    std::vector<std::string> created;
    auto stub = iv1::IdentityService::NewStub(deployment_->identity_server().NewChannel());
    for (int n = 0; !stop; ++n) {
      iv1::CreatePersonRequest request;
      const std::string name = absl::StrCat("s", writer, "-", n);
      request.mutable_person()->set_display_name(name);
      request.mutable_person()->set_email(name + "@example.fr");
      request.set_password("correct horse battery");
      request.set_request_id(name);
      iv1::Person person;
      const bool acknowledged = UntilAcknowledged(
          [&] {
            auto context = Context();
            return stub->CreatePerson(context.get(), request, &person);
          },
          refusals);
      EXPECT_TRUE(acknowledged) << "CreatePerson " << name << " never acknowledged";
      if (!acknowledged) break;
      acks_.Add();
      created.push_back(person.id());
      std::this_thread::sleep_for(kWritePause);
    }
    return created;
  }

  // What `replica` streams from its trust graph, fed by the change log
  // across the failover: each change's cursor, in order, until `stop`. A
  // stream that ends (its deadline, a broken connection) is resumed after
  // the last cursor, as any consumer would.
  std::vector<std::string> Watch(ServerProcess& replica, const std::atomic<bool>& stop) {
    std::vector<std::string> cursors;
    auto stub = rv1::RelationshipService::NewStub(replica.NewChannel());
    const std::string token = deployment_->Token("recommendations", "service");
    while (!stop) {
      rv1::WatchTrustChangesRequest request;
      if (!cursors.empty()) request.set_after_cursor(cursors.back());
      auto context = Context(token);
      context->set_deadline(std::chrono::system_clock::now() + 2s);
      auto stream = stub->WatchTrustChanges(context.get(), request);
      rv1::TrustChange change;
      while (stream->Read(&change)) {
        cursors.push_back(change.cursor());
        ++streamed_count_;
      }
      stream->Finish();
    }
    return cursors;
  }

  void RememberToken(const grpc::ClientContext& context) {
    auto header = context.GetServerInitialMetadata().find(kConsistencyTokenHeader);
    if (header == context.GetServerInitialMetadata().end()) return;
    absl::MutexLock lock(&mu_);
    last_token_ = std::string(header->second.data(), header->second.size());
  }

  std::unique_ptr<PatroniCluster> cluster_ = PatroniCluster::Start("trustsphere");
  TempDir dir_;
  std::unique_ptr<Deployment> deployment_;
  std::vector<Account> people_;
  AckTimes acks_;
  std::atomic<size_t> streamed_count_ = 0;
  absl::Mutex mu_;
  std::string last_token_ ABSL_GUARDED_BY(mu_);
};

TEST_F(FailoverTest, EveryAcknowledgedWriteOutlivesThePrimary) {
  std::atomic<bool> stop = false;
  std::vector<std::map<grpc::StatusCode, int>> refusals(kTrustWriters + kSignUpWriters);
  std::vector<std::map<std::pair<int, int>, std::string>> trust(kTrustWriters);
  std::vector<std::vector<std::string>> signed_up(kSignUpWriters);
  // A second relationships replica, whose graph learns the first's writes
  // from the log only.
  std::unique_ptr<ServerProcess> replica =
      deployment_->StartReplica(Server::kRelationships, "relationships_b");
  ASSERT_NE(replica, nullptr);
  std::atomic<bool> stop_watching = false;
  std::vector<std::string> streamed;
  std::thread watcher([&] { streamed = Watch(*replica, stop_watching); });
  std::vector<std::thread> writers;
  for (int w = 0; w < kTrustWriters; ++w) {
    writers.emplace_back([&, w] { trust[w] = StateTrust(w, stop, refusals[w]); });
  }
  for (int w = 0; w < kSignUpWriters; ++w) {
    writers.emplace_back(
        [&, w] { signed_up[w] = SignUpPeople(w, stop, refusals[kTrustWriters + w]); });
  }

  std::this_thread::sleep_for(kLoadBefore);
  const size_t acknowledged_before = acks_.CountSince(Clock::time_point());
  const auto killed_at = Clock::now();
  cluster_->KillNode(0);
  // Writes resume once the standby is promoted and the servers find it (a
  // write in flight at the kill may still be acknowledged before that).
  const bool promoted = WaitUntil([&] { return cluster_->Primary() == 1; }, 120s);
  const auto promoted_at = Clock::now();
  const bool resumed =
      promoted && WaitUntil([&] { return acks_.CountSince(promoted_at) > 0; }, 60s);
  std::this_thread::sleep_for(kLoadAfter);
  stop = true;
  for (auto& writer : writers) writer.join();
  ASSERT_TRUE(promoted) << "the standby was not promoted within 120 s";
  ASSERT_TRUE(resumed) << "no write acknowledged within 60 s of the promotion";
  // Every write is in: the writers have ended.
  const auto times = acks_.Sorted();

  // The servers serve again, never restarted.
  for (ServerProcess* server :
       {&deployment_->identity_server(), &deployment_->relationships_server(), replica.get()}) {
    std::string health;
    WaitUntil([&] { return (health = server->Health()) == "SERVING"; }, 10s, 100ms);
    EXPECT_EQ(health, "SERVING") << server->address();
  }

  // Every acknowledged sign-up is a person.
  int people_acknowledged = 0, people_lost = 0;
  const std::string operator_token = deployment_->Token("ops", "operator");
  for (const auto& ids : signed_up) {
    for (const std::string& id : ids) {
      ++people_acknowledged;
      iv1::GetPersonRequest request;
      request.set_id(id);
      auto context = Context(operator_token);
      iv1::Person person;
      grpc::Status status = deployment_->identity().GetPerson(context.get(), request, &person);
      if (!status.ok()) {
        ++people_lost;
        ADD_FAILURE() << "person " << id << ": " << status.error_message();
      }
    }
  }
  // Every pair holds the tag of its last acknowledged statement, in the
  // store and in the relationships graph, fed across the failover.
  std::string token;
  {
    absl::MutexLock lock(&mu_);
    token = last_token_;
  }
  int trust_acknowledged = 0, statements_lost = 0;
  for (const auto& pairs : trust) {
    for (const auto& [pair, tag] : pairs) {
      const Account& truster = people_[pair.first];
      const Account& trustee = people_[pair.second];
      ++trust_acknowledged;
      rv1::GetTrustRequest get;
      get.set_truster_id(truster.person.id());
      get.set_trustee_id(trustee.person.id());
      auto get_context = Context(truster.token);
      rv1::TrustStatement statement;
      grpc::Status got = deployment_->relationships().GetTrust(get_context.get(), get, &statement);
      const bool stored = got.ok() && statement.sphere().inside_size() == 1 &&
                          statement.sphere().inside(0).key() == tag;
      const rv1::Verdict verdict =
          CheckThrough(deployment_->relationships(), token, truster, truster, trustee, Tag(tag));
      if (!stored || verdict != rv1::VERDICT_INSIDE) {
        ++statements_lost;
        ADD_FAILURE() << "statement " << pair.first << "->" << pair.second << " " << tag << ": "
                      << got.error_message();
      }
    }
  }

  // The other replica streamed every statement once, in commit order: the
  // cursors count 1, 2, 3... with no gap across the failover.
  const size_t statements_written = times.size() - people_acknowledged;
  WaitUntil([&] { return streamed_count_ >= statements_written; }, 30s);
  stop_watching = true;
  watcher.join();
  EXPECT_EQ(streamed.size(), statements_written);
  for (size_t i = 0; i < streamed.size(); ++i) {
    if (streamed[i] != std::to_string(i + 1)) {
      ADD_FAILURE() << "change " << i << " streamed with cursor " << streamed[i];
      break;
    }
  }

  // The figures.
  double longest_pause = 0;
  for (size_t i = 1; i < times.size(); ++i) {
    longest_pause =
        std::max(longest_pause, std::chrono::duration<double>(times[i] - times[i - 1]).count());
  }
  std::map<grpc::StatusCode, int> refused;
  for (const auto& writer : refusals) {
    for (const auto& [code, count] : writer) refused[code] += count;
  }
  std::string refusal_summary;
  for (const auto& [code, count] : refused)
    absl::StrAppend(&refusal_summary, " code", code, "=", count);
  const int lost = people_lost + statements_lost;
  std::printf(
      "failover: writes acknowledged %zu (%zu before the kill, %zu once the standby was "
      "promoted), lost %d; sign-ups %d, trust statements %d; longest time without an "
      "acknowledged write %.1f s (the standby promoted %.1f s after the kill); refusals seen by "
      "the writers:%s\n",
      times.size(), acknowledged_before, acks_.CountSince(promoted_at), lost, people_acknowledged,
      static_cast<int>(times.size()) - people_acknowledged, longest_pause,
      std::chrono::duration<double>(promoted_at - killed_at).count(), refusal_summary.c_str());
  RecordProperty("acknowledged", static_cast<int>(times.size()));
  RecordProperty("lost", lost);
  RecordProperty("longest_pause_ms", static_cast<int>(longest_pause * 1000));
  EXPECT_EQ(lost, 0);
  EXPECT_GT(acknowledged_before, 0u);
  EXPECT_GT(trust_acknowledged, 0);
}

}  // namespace
}  // namespace trustsphere::testing
