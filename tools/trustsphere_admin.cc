// trustsphere_admin: offline operator commands that need the signing key or
// a stopped database, never a running server.
//
//   trustsphere_admin mint-token --signing_key_file=F --subject=ID
//       [--role=operator|service|user] [--ttl=1h]
//     Prints an access token signed with the identity service's key: how
//     operators and services get their tokens.
//
//   trustsphere_admin new-key --signing_key_file=F
//     Creates an Ed25519 key file (for a Secret), unless F already exists.
//
//   trustsphere_admin restore --backup_dir=B --data_dir=D
//     Restores the newest backup of B (AdminService/CreateBackup) as the
//     database of a server whose --data_dir is D. The server must be stopped
//     and D must hold no database yet.

#include <cstdio>
#include <filesystem>
#include <string>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/flags/usage.h"
#include "absl/time/clock.h"
#include "services/common/auth/access_token.h"
#include "storage/engine.h"

ABSL_FLAG(std::string, signing_key_file, "", "The identity service's signing key file.");
ABSL_FLAG(std::string, subject, "", "The token's subject (an operator's or service's name).");
ABSL_FLAG(std::string, role, "operator", "operator, service or user.");
ABSL_FLAG(absl::Duration, ttl, absl::Hours(1), "How long the token is valid.");
ABSL_FLAG(std::string, backup_dir, "", "restore: the backup folder.");
ABSL_FLAG(std::string, data_dir, "", "restore: the data folder of the server to restore.");

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

int NewKey() {
  const std::string path = absl::GetFlag(FLAGS_signing_key_file);
  if (path.empty() || std::filesystem::exists(path)) {
    std::fprintf(stderr, "new-key needs a --signing_key_file that does not exist yet\n");
    return 2;
  }
  auto key = trustsphere::LoadOrCreateSigningKey(path);
  if (!key.ok()) {
    std::fprintf(stderr, "%s\n", key.status().ToString().c_str());
    return 1;
  }
  std::printf("created %s (key id %s)\n", path.c_str(), key->key_id.c_str());
  return 0;
}

int Restore() {
  const std::string backup_dir = absl::GetFlag(FLAGS_backup_dir);
  const std::string data_dir = absl::GetFlag(FLAGS_data_dir);
  if (backup_dir.empty() || data_dir.empty()) {
    std::fprintf(stderr, "restore needs --backup_dir and --data_dir\n");
    return 2;
  }
  // The servers keep their database in <data_dir>/db.
  const std::string db = data_dir + "/db";
  std::error_code error;
  if (std::filesystem::exists(db, error) && !std::filesystem::is_empty(db, error)) {
    std::fprintf(stderr, "%s already holds a database; restore into an empty data folder\n",
                 db.c_str());
    return 1;
  }
  absl::Status restored = trustsphere::storage::Engine::RestoreLatestBackup(backup_dir, db);
  if (!restored.ok()) {
    std::fprintf(stderr, "%s\n", restored.ToString().c_str());
    return 1;
  }
  std::printf("restored the newest backup of %s into %s\n", backup_dir.c_str(), db.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "trustsphere_admin mint-token --signing_key_file=F --subject=ID [--role=R] [--ttl=D]\n"
      "trustsphere_admin new-key --signing_key_file=F\n"
      "trustsphere_admin restore --backup_dir=B --data_dir=D");
  std::vector<char*> args = absl::ParseCommandLine(argc, argv);
  if (args.size() == 2 && std::string(args[1]) == "mint-token") return MintToken();
  if (args.size() == 2 && std::string(args[1]) == "restore") return Restore();
  if (args.size() == 2 && std::string(args[1]) == "new-key") return NewKey();
  std::fprintf(stderr, "%s\n", absl::ProgramUsageMessage().data());
  return 2;
}
