// trustsphere_admin: offline operator commands that need the signing key or
// a stopped database, never a running server.
//
//   trustsphere_admin mint-token --signing_key_file=F --subject=ID
//       [--role=operator|service|user] [--ttl=1h]
//     Prints an access token signed with the identity service's key: how
//     operators and services get their tokens.

#include <cstdio>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/clock.h"
#include "services/common/access_token.h"

ABSL_FLAG(std::string, signing_key_file, "", "The identity service's signing key file.");
ABSL_FLAG(std::string, subject, "", "The token's subject (an operator's or service's name).");
ABSL_FLAG(std::string, role, "operator", "operator, service or user.");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(1), "How long the token is valid.");

namespace {

int MintToken() {
  using namespace trustsphere;
  const std::string role = absl::GetFlag(FLAGS_role);
  uint32_t roles = role == "operator"  ? static_cast<uint32_t>(Role::kOperator)
                   : role == "service" ? static_cast<uint32_t>(Role::kService)
                   : role == "user"    ? static_cast<uint32_t>(Role::kUser)
                                       : 0;
  if (roles == 0 || absl::GetFlag(FLAGS_subject).empty() ||
      absl::GetFlag(FLAGS_ttl) <= absl::ZeroDuration()) {
    std::fprintf(stderr, "mint-token needs --subject, a positive --ttl and a known --role\n");
    return 2;
  }
  auto key = LoadSigningKey(absl::GetFlag(FLAGS_signing_key_file));
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 1;
  }
  absl::Time now = absl::Now();
  TokenClaims claims{.subject = absl::GetFlag(FLAGS_subject),
                     .roles = roles,
                     .issued_at = now,
                     .expires_at = now + absl::GetFlag(FLAGS_ttl)};
  std::printf("%s\n", SignAccessToken(claims, *key).c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "trustsphere_admin mint-token --signing_key_file=F --subject=ID [--role=R] [--ttl=D]");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() == 2 && std::string(args[1]) == "mint-token") return MintToken();
  std::fprintf(stderr, "%s\n", absl::ProgramUsageMessage().data());
  return 2;
}
