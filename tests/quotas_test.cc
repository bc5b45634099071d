// Rate limits, end to end against the real servers: a caller over its
// budget gets RESOURCE_EXHAUSTED with a google.rpc.RetryInfo delay and
// nothing is written; budgets are per caller and per class, privileged
// callers have their own, token-less calls are charged to the client address
// (behind a trusted proxy, to the one it forwards); and one account flooding
// leaves another's latency within twice its unloaded figure.

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <thread>

#include "absl/time/clock.h"
#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/relationships_fixture.h"

namespace trustsphere::testing {
namespace {

constexpr char kForwardedFor[] = "x-forwarded-for";

// The RetryInfo delay of a refused call; zero when it carries none.
absl::Duration RetryDelayOf(const grpc::Status& status) {
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return absl::ZeroDuration();
  for (const auto& detail : rich.details()) {
    google::rpc::RetryInfo info;
    if (detail.UnpackTo(&info)) {
      return absl::Seconds(info.retry_delay().seconds()) +
             absl::Nanoseconds(info.retry_delay().nanos());
    }
  }
  return absl::ZeroDuration();
}

// Refused for its rate, with a delay no longer than one token's refill.
void ExpectRateLimited(const grpc::Status& status, absl::Duration refill) {
  EXPECT_EQ(status.error_code(), grpc::StatusCode::RESOURCE_EXHAUSTED) << status.error_message();
  const absl::Duration delay = RetryDelayOf(status);
  EXPECT_GT(delay, absl::ZeroDuration()) << status.error_message();
  EXPECT_LE(delay, refill + absl::Milliseconds(1));
}

class QuotasTest : public RelationshipsTest {
 protected:
  // Sign-ups and logins stay generous: the accounts of every test are made
  // from this one address. A token every 4 s: the counts below hold on a
  // loaded machine.
  std::vector<std::string> RelationshipsFlags() const override {
    return {"--quotas=on", "--quota_writes=0.25:3", "--quota_reads=0.25:3",
            "--privileged_quota_factor=10", "--quota_searches=5:10"};
  }

  grpc::Status CheckAs(const std::string& token, const Account& truster, const Account& trustee) {
    rv1::CheckTrustRequest request;
    request.set_truster_id(truster.person.id());
    request.set_trustee_id(trustee.person.id());
    *request.mutable_facet() = Tag("python");
    rv1::CheckTrustResponse response;
    return rel().CheckTrust(Context(token).get(), request, &response);
  }
};

TEST_F(QuotasTest, AWriteOverTheLimitIsRefusedWithRetryInfoAndNotStored) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  grpc::Status status;
  for (const char* skill : {"python", "rust", "go"}) {
    Put(alice, bob, {Tag(skill)}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
    ASSERT_TRUE(status.ok()) << skill << ": " << status.error_message();
  }
  grpc::Status refused;
  Put(alice, bob, {Tag("cobol")}, {}, rv1::VISIBILITY_UNSPECIFIED, &refused);
  ExpectRateLimited(refused, absl::Seconds(4));
  rv1::GetTrustRequest get;
  get.set_truster_id(alice.person.id());
  get.set_trustee_id(bob.person.id());
  rv1::TrustStatement stored;
  ASSERT_TRUE(rel().GetTrust(Context(alice.token).get(), get, &stored).ok());
  ASSERT_EQ(stored.sphere().inside_size(), 1);
  EXPECT_EQ(stored.sphere().inside(0).key(), "go");

  // Another caller's budget is untouched.
  Put(bob, alice, {Tag("python")}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // Waiting the delay it was told admits the next call.
  absl::SleepFor(RetryDelayOf(refused));
  Put(alice, bob, {Tag("cobol")}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_TRUE(status.ok()) << status.error_message();
}

TEST_F(QuotasTest, ClassesAndPrivilegedCallersHaveTheirOwnBudgets) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  // Reads: 3 at once for a person.
  for (int i = 0; i < 3; ++i) ASSERT_TRUE(CheckAs(alice.token, alice, bob).ok()) << i;
  ExpectRateLimited(CheckAs(alice.token, alice, bob), absl::Seconds(4));
  // Writes draw from another bucket.
  grpc::Status status;
  Put(alice, bob, {Tag("python")}, {}, rv1::VISIBILITY_UNSPECIFIED, &status);
  EXPECT_TRUE(status.ok()) << status.error_message();

  // An operator gets ten times the burst, and is refused past it.
  const std::string ops = deployment_->Token("ops", "operator");
  int admitted = 0;
  while (CheckAs(ops, alice, bob).ok() && admitted < 100) ++admitted;
  EXPECT_GE(admitted, 30);
  EXPECT_LT(admitted, 40);
  ExpectRateLimited(CheckAs(ops, alice, bob), absl::Milliseconds(400));
}

// A batch of checks is as many reads: three checks in one call spend the
// burst of three, and the next read waits.
TEST_F(QuotasTest, ABatchCountsAsOneReadPerItem) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  rv1::BatchCheckTrustRequest batch;
  for (const char* skill : {"python", "rust", "go"}) {
    rv1::CheckTrustRequest* check = batch.add_checks();
    check->set_truster_id(alice.person.id());
    check->set_trustee_id(bob.person.id());
    *check->mutable_facet() = Tag(skill);
  }
  rv1::BatchCheckTrustResponse checked;
  grpc::Status status = rel().BatchCheckTrust(Context(alice.token).get(), batch, &checked);
  ASSERT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(checked.verdicts_size(), 3);
  ExpectRateLimited(CheckAs(alice.token, alice, bob), absl::Seconds(4));
  ExpectRateLimited(rel().BatchCheckTrust(Context(alice.token).get(), batch, &checked),
                    absl::Seconds(4));
}

TEST_F(QuotasTest, RefusedTokensAreChargedToTheirAddress) {
  Account alice = SignUp("alice");
  Account bob = SignUp("bob");
  // Alice's token, verified once, is known from then on.
  ASSERT_TRUE(CheckAs(alice.token, alice, bob).ok());
  // A forged token costs a signature check: after the address's burst of
  // reads, such calls are refused for their rate before any check.
  const std::string forged = alice.token.substr(0, alice.token.size() - 4) + "AAAA";
  int unauthenticated = 0;
  grpc::Status status;
  for (int i = 0; i < 10; ++i) {
    status = CheckAs(forged, alice, bob);
    if (status.error_code() != grpc::StatusCode::UNAUTHENTICATED) break;
    ++unauthenticated;
  }
  EXPECT_EQ(unauthenticated, 3);
  ExpectRateLimited(status, absl::Seconds(4));
  // A known token is the person's budget, not the address's.
  EXPECT_TRUE(CheckAs(alice.token, alice, bob).ok());
  // A token never verified, from this address, waits for its budget: its
  // check is what the address cannot pay for now.
  ExpectRateLimited(CheckAs(bob.token, alice, bob), absl::Seconds(4));
}

// Identity alone, with the limits of token-less calls.
class AddressQuotasTest : public ::testing::Test {
 protected:
  std::unique_ptr<ServerProcess> StartIdentity(const std::string& name,
                                               std::vector<std::string> flags) {
    flags.push_back("--data_dir=" + dir_.Sub(name));
    flags.push_back("--quotas=on");
    // A token every 4 s, and cheap password hashes: the counts below hold
    // on a loaded machine.
    flags.push_back("--quota_signups=0.25:3");
    flags.push_back("--quota_logins=0.25:3");
    flags.push_back("--password_hash_memory_kib=8192");
    flags.push_back("--password_hash_passes=1");
    return ServerProcess::Start(IDENTITY_SERVER, flags);
  }

  static grpc::Status CreatePerson(iv1::IdentityService::Stub& stub, const std::string& email,
                                   const std::string& forwarded_for = "") {
    iv1::CreatePersonRequest request;
    request.mutable_person()->set_display_name("Someone");
    request.mutable_person()->set_email(email);
    request.set_password("correct horse battery staple");
    auto context = Context();
    if (!forwarded_for.empty()) context->AddMetadata(kForwardedFor, forwarded_for);
    iv1::Person person;
    return stub.CreatePerson(context.get(), request, &person);
  }

  TempDir dir_;
};

TEST_F(AddressQuotasTest, SignUpsAreLimitedPerAddressWhateverTheClientForwards) {
  auto identity = StartIdentity("identity", {});
  ASSERT_NE(identity, nullptr);
  auto stub = iv1::IdentityService::NewStub(identity->NewChannel());
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = CreatePerson(*stub, "p" + std::to_string(i) + "@example.fr");
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  // A client naming other addresses is not a trusted proxy: same budget.
  grpc::Status refused = CreatePerson(*stub, "late@example.fr", "198.51.100.7");
  ExpectRateLimited(refused, absl::Seconds(4));
  // Nothing was created: once the budget refills, the address is free.
  absl::SleepFor(RetryDelayOf(refused));
  grpc::Status later = CreatePerson(*stub, "late@example.fr");
  EXPECT_TRUE(later.ok()) << later.error_message();

  // Logins are a budget of their own (a wrong password counts too).
  int logins = 0;
  grpc::Status login;
  for (int i = 0; i < 10; ++i) {
    iv1::AuthenticateRequest request;
    request.set_email("p0@example.fr");
    request.set_password("wrong password, still a login");
    iv1::AuthenticateResponse response;
    login = stub->Authenticate(Context().get(), request, &response);
    if (login.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) break;
    ++logins;
  }
  EXPECT_EQ(logins, 3);
  ExpectRateLimited(login, absl::Seconds(4));
}

// Refreshes are a budget of their own: an address out of logins (an app
// backend's, whose users log in too) goes on refreshing its sessions.
TEST_F(AddressQuotasTest, RefreshesOutlastTheLoginBudget) {
  auto identity = StartIdentity("identity", {"--quota_refreshes=0.25:5"});
  ASSERT_NE(identity, nullptr);
  auto stub = iv1::IdentityService::NewStub(identity->NewChannel());
  ASSERT_TRUE(CreatePerson(*stub, "app@example.fr").ok());
  std::string refresh_token;
  grpc::Status login;
  for (int i = 0; i < 10 && login.error_code() != grpc::StatusCode::RESOURCE_EXHAUSTED; ++i) {
    iv1::AuthenticateRequest request;
    request.set_email("app@example.fr");
    request.set_password("correct horse battery staple");
    iv1::AuthenticateResponse response;
    login = stub->Authenticate(Context().get(), request, &response);
    if (login.ok()) refresh_token = response.refresh_token();
  }
  ExpectRateLimited(login, absl::Seconds(4));
  int refreshes = 0;
  grpc::Status refresh;
  for (int i = 0; i < 10; ++i) {
    iv1::RefreshSessionRequest request;
    request.set_refresh_token(refresh_token);
    iv1::AuthenticateResponse response;
    refresh = stub->RefreshSession(Context().get(), request, &response);
    if (!refresh.ok()) break;
    refresh_token = response.refresh_token();
    ++refreshes;
  }
  EXPECT_EQ(refreshes, 5);
  ExpectRateLimited(refresh, absl::Seconds(4));
}

TEST_F(AddressQuotasTest, BehindATrustedProxyEachForwardedAddressHasItsBudget) {
  auto identity = StartIdentity("identity", {"--trusted_proxies=127.0.0.0/8"});
  ASSERT_NE(identity, nullptr);
  auto stub = iv1::IdentityService::NewStub(identity->NewChannel());
  for (int i = 0; i < 3; ++i) {
    grpc::Status status = CreatePerson(*stub, "a" + std::to_string(i) + "@example.fr", "192.0.2.1");
    ASSERT_TRUE(status.ok()) << status.error_message();
  }
  ExpectRateLimited(CreatePerson(*stub, "a3@example.fr", "192.0.2.1"), absl::Seconds(4));
  // What the client put before the proxy's entry does not count.
  ExpectRateLimited(CreatePerson(*stub, "a3@example.fr", "203.0.113.9, 192.0.2.1"),
                    absl::Seconds(4));
  // Another client behind the same proxy.
  grpc::Status other = CreatePerson(*stub, "b0@example.fr", "192.0.2.2");
  EXPECT_TRUE(other.ok()) << other.error_message();
}

TEST_F(AddressQuotasTest, ABadQuotaFlagRefusesTheStartNamingIt) {
  for (const char* bad :
       {"--quota_reads=fast", "--quota_reads=0:10", "--quota_reads=1:2:3", "--quotas=maybe",
        "--trusted_proxies=10.0.0.0/40", "--privileged_quota_factor=0"}) {
    // Standard error is where the reason goes.
    Finished finished = RunToEnd({"/bin/sh", "-c", "exec \"$0\" \"$@\" 2>&1", IDENTITY_SERVER,
                                  "--listen=127.0.0.1:0", "--data_dir=" + dir_.Sub("bad"), bad},
                                 std::chrono::seconds(30));
    const std::string flag = std::string(bad).substr(2, std::string(bad).find('=') - 2);
    EXPECT_NE(finished.output.find(flag), std::string::npos) << bad << ": " << finished.output;
    EXPECT_NE(finished.exit_code, 0) << bad;
  }
}

// Median of a series of durations.
absl::Duration Median(std::vector<absl::Duration> samples) {
  std::sort(samples.begin(), samples.end());
  return samples[samples.size() / 2];
}

class FloodTest : public RelationshipsTest {
 protected:
  std::vector<std::string> RelationshipsFlags() const override {
    return {"--quotas=on", "--quota_searches=5:10"};
  }

  // One CheckTrust of the victim, timed.
  absl::Duration TimedCheck(const Account& caller, const Account& other) {
    rv1::CheckTrustRequest request;
    request.set_truster_id(other.person.id());
    request.set_trustee_id(caller.person.id());
    *request.mutable_facet() = Tag("python");
    rv1::CheckTrustResponse response;
    const absl::Time start = absl::Now();
    grpc::Status status = rel().CheckTrust(Context(caller.token).get(), request, &response);
    const absl::Duration took = absl::Now() - start;
    EXPECT_TRUE(status.ok()) << status.error_message();
    return took;
  }

  std::vector<absl::Duration> Samples(const Account& caller, const Account& other, int count) {
    std::vector<absl::Duration> samples;
    for (int i = 0; i < count; ++i) {
      samples.push_back(TimedCheck(caller, other));
      // Below the default read budget of 50 per second.
      absl::SleepFor(absl::Milliseconds(25));
    }
    return samples;
  }
};

TEST_F(FloodTest, OneAccountFloodingLeavesAnotherWithinTwiceItsLatency) {
  Account victim = SignUp("victim");
  Account flooder = SignUp("flooder");
  std::vector<Account> circle;
  for (int i = 0; i < 8; ++i) {
    circle.push_back(SignUp("friend" + std::to_string(i)));
    Mutual(flooder, circle.back(), {Tag("python")});
    Mutual(victim, circle.back(), {Tag("python")});
  }
  Mutual(victim, flooder, {Tag("python")});

  const absl::Duration unloaded = Median(Samples(victim, flooder, 100));

  // The flooder ignores every RetryInfo: two threads sending graph
  // searches, a millisecond apart each (some 1,500 a second, 300 times the
  // budget). An unpaced flood of the whole machine is a matter for the
  // network in front of it: every refusal still costs a gRPC call.
  std::atomic<bool> stop{false};
  std::atomic<int> admitted{0}, refused{0}, other{0};
  std::vector<std::thread> threads;
  const absl::Time flood_start = absl::Now();
  for (int t = 0; t < 2; ++t) {
    threads.emplace_back([&] {
      auto stub =
          rv1::RelationshipService::NewStub(deployment_->relationships_server().NewChannel());
      while (!stop.load()) {
        rv1::FindVouchersRequest request;
        request.set_subject_id(victim.person.id());
        *request.mutable_facet() = Tag("python");
        request.set_max_depth(3);
        rv1::FindVouchersResponse response;
        grpc::Status status = stub->FindVouchers(Context(flooder.token).get(), request, &response);
        if (status.ok()) {
          ++admitted;
        } else if (status.error_code() == grpc::StatusCode::RESOURCE_EXHAUSTED) {
          ++refused;
        } else {
          ++other;
        }
        absl::SleepFor(absl::Milliseconds(1));
      }
    });
  }
  absl::SleepFor(absl::Milliseconds(300));
  const absl::Duration loaded = Median(Samples(victim, flooder, 100));
  stop = true;
  for (auto& thread : threads) thread.join();
  const double seconds = absl::ToDoubleSeconds(absl::Now() - flood_start);

  const double ratio = absl::FDivDuration(loaded, unloaded);
  std::printf(
      "quota flood: victim CheckTrust median %.0f us unloaded, %.0f us flooded (ratio %.2f); "
      "flooder %d admitted, %d refused in %.1f s\n",
      absl::ToDoubleMicroseconds(unloaded), absl::ToDoubleMicroseconds(loaded), ratio,
      admitted.load(), refused.load(), seconds);
  EXPECT_EQ(other.load(), 0);
  // The burst of 10, then 5 per second.
  EXPECT_LE(admitted.load(), 10 + static_cast<int>(5 * seconds) + 2);
  EXPECT_GT(refused.load(), 10 * admitted.load());
  EXPECT_LE(ratio, 2.0);
}

}  // namespace
}  // namespace trustsphere::testing
