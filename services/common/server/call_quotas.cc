#include "services/common/server/call_quotas.h"

#include <cstdio>
#include <cstdlib>
#include <vector>

#include "absl/flags/flag.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace trustsphere {

bool AbslParseFlag(absl::string_view text, QuotaRate* rate, std::string* error) {
  if (text == "off") {
    *rate = QuotaRate{};
    return true;
  }
  const std::vector<absl::string_view> parts = absl::StrSplit(text, ':');
  double per_second = 0;
  double burst = 0;
  if (parts.size() != 2 || !absl::SimpleAtod(parts[0], &per_second) ||
      !absl::SimpleAtod(parts[1], &burst) || !(per_second > 0) || !(burst >= 1) ||
      per_second > 1e9 || burst > 1e9) {
    *error = "expected RATE:BURST (calls per second > 0, then calls at once >= 1) or off";
    return false;
  }
  *rate = QuotaRate{per_second, burst};
  return true;
}

std::string AbslUnparseFlag(const QuotaRate& rate) {
  if (rate.unlimited()) return "off";
  return absl::StrCat(rate.per_second, ":", rate.burst);
}

}  // namespace trustsphere

ABSL_FLAG(std::string, quotas, "on",
          "on: every caller is held to the --quota_* rates; off: no rate limits (tests, "
          "benchmarks, a server behind a limiting proxy).");
ABSL_FLAG(trustsphere::QuotaRate, quota_reads, (trustsphere::QuotaRate{50, 200}),
          "Point reads and short lists per caller: RATE:BURST (per second : at once), or off.");
ABSL_FLAG(trustsphere::QuotaRate, quota_searches, (trustsphere::QuotaRate{5, 20}),
          "Graph walks and searches (FindVouchers, SuggestReferences, GetCoverage, SearchPeople, "
          "SearchTags, FindOverlappingPositions) per caller.");
ABSL_FLAG(trustsphere::QuotaRate, quota_writes, (trustsphere::QuotaRate{10, 50}),
          "Writes per caller.");
ABSL_FLAG(trustsphere::QuotaRate, quota_logins, (trustsphere::QuotaRate{1, 10}),
          "Authenticate calls per client address, ChangePassword calls per person (each account "
          "is also throttled after failed passwords).");
ABSL_FLAG(trustsphere::QuotaRate, quota_refreshes, (trustsphere::QuotaRate{20, 200}),
          "RefreshSession calls per client address: an app backend refreshes for many people "
          "every access token lifetime, and a refresh token cannot be guessed, so this bounds "
          "only the work.");
ABSL_FLAG(trustsphere::QuotaRate, quota_signups, (trustsphere::QuotaRate{0.2, 20}),
          "CreatePerson calls per client address.");
ABSL_FLAG(trustsphere::QuotaRate, quota_share_reads, (trustsphere::QuotaRate{2, 20}),
          "GetSharedDossier and VerifyRecommendation calls per client address.");
ABSL_FLAG(trustsphere::QuotaRate, quota_imports, (trustsphere::QuotaRate{1, 5}),
          "Bulk import streams opened per caller (operators: times the privileged factor).");
ABSL_FLAG(double, privileged_quota_factor, 100,
          "Operators' and services' budgets, as a multiple of a person's (services call for "
          "many people).");
ABSL_FLAG(std::string, trusted_proxies, "",
          "Comma-separated CIDR blocks of proxies whose x-forwarded-for names the client a "
          "token-less call is charged to; empty: the connection's peer, always.");

namespace trustsphere {

std::unique_ptr<CallQuotas> CallQuotasFromFlags() {
  const std::string mode = absl::GetFlag(FLAGS_quotas);
  if (mode != "on" && mode != "off") {
    std::fprintf(stderr, "--quotas must be on or off, not %s\n", mode.c_str());
    std::exit(2);
  }
  if (mode == "off") return nullptr;
  QuotaOptions options;
  auto set = [&](QuotaClass quota_class, const QuotaRate& rate) {
    options.rates[static_cast<int>(quota_class)] = rate;
  };
  set(QuotaClass::kReads, absl::GetFlag(FLAGS_quota_reads));
  set(QuotaClass::kSearches, absl::GetFlag(FLAGS_quota_searches));
  set(QuotaClass::kWrites, absl::GetFlag(FLAGS_quota_writes));
  set(QuotaClass::kLogins, absl::GetFlag(FLAGS_quota_logins));
  set(QuotaClass::kSignups, absl::GetFlag(FLAGS_quota_signups));
  set(QuotaClass::kShareReads, absl::GetFlag(FLAGS_quota_share_reads));
  set(QuotaClass::kImports, absl::GetFlag(FLAGS_quota_imports));
  set(QuotaClass::kRefreshes, absl::GetFlag(FLAGS_quota_refreshes));
  options.privileged_factor = absl::GetFlag(FLAGS_privileged_quota_factor);
  if (!(options.privileged_factor >= 1)) {
    std::fprintf(stderr, "--privileged_quota_factor must be at least 1\n");
    std::exit(2);
  }
  auto addresses = ClientAddresses::Trusting(absl::GetFlag(FLAGS_trusted_proxies));
  if (!addresses.ok()) {
    std::fprintf(stderr, "--trusted_proxies: %s\n",
                 std::string(addresses.status().message()).c_str());
    std::exit(2);
  }
  return std::make_unique<CallQuotas>(options, *std::move(addresses));
}

}  // namespace trustsphere
