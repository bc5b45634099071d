#include "services/common/auth/signing_key.h"

#include <fcntl.h>
#include <sodium.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "absl/strings/str_cat.h"
#include "nlohmann/json.hpp"
#include "services/common/core/crypto.h"

namespace trustsphere {
namespace {

absl::StatusOr<SigningKeyPair> FromSeed(const std::string& seed) {
  EnsureSodium();
  if (seed.size() != crypto_sign_SEEDBYTES) {
    return absl::InvalidArgumentError("signing key seed must be 32 bytes");
  }
  SigningKeyPair pair;
  pair.public_key.resize(crypto_sign_PUBLICKEYBYTES);
  pair.secret_key.resize(crypto_sign_SECRETKEYBYTES);
  crypto_sign_seed_keypair(reinterpret_cast<unsigned char*>(pair.public_key.data()),
                           reinterpret_cast<unsigned char*>(pair.secret_key.data()),
                           reinterpret_cast<const unsigned char*>(seed.data()));
  // A key id that names the public key: stable, and distinct per key.
  pair.key_id = Base64UrlEncode(Sha256(pair.public_key).substr(0, 12));
  return pair;
}

absl::Status WriteNewKeyFile(const std::string& path, const SigningKeyPair& pair,
                             const std::string& seed) {
  nlohmann::json file = {{"kid", pair.key_id}, {"alg", "EdDSA"}, {"seed", Base64UrlEncode(seed)}};
  std::string text = file.dump() + "\n";
  std::filesystem::path target(path);
  if (target.has_parent_path()) std::filesystem::create_directories(target.parent_path());
  std::string temporary = path + ".tmp";
  int fd = open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
  if (fd < 0) return absl::UnavailableError(absl::StrCat("cannot create ", temporary));
  bool written =
      write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size()) && fsync(fd) == 0;
  close(fd);
  if (!written || std::rename(temporary.c_str(), path.c_str()) != 0) {
    return absl::UnavailableError(absl::StrCat("cannot write ", path));
  }
  return absl::OkStatus();
}

}  // namespace

absl::StatusOr<SigningKeyPair> LoadSigningKey(const std::string& path) {
  std::ifstream in(path);
  if (!in) return absl::NotFoundError(absl::StrCat("no signing key file at ", path));
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json file = nlohmann::json::parse(text.str(), nullptr, /*allow_exceptions=*/false);
  if (!file.is_object() || !file.contains("seed") || !file["seed"].is_string()) {
    return absl::InvalidArgumentError(absl::StrCat(path, " is not a signing key file"));
  }
  std::string seed;
  if (!Base64UrlDecode(file["seed"].get<std::string>(), &seed)) {
    return absl::InvalidArgumentError(absl::StrCat(path, ": seed is not base64url"));
  }
  return FromSeed(seed);
}

absl::StatusOr<SigningKeyPair> LoadOrCreateSigningKey(const std::string& path) {
  auto loaded = LoadSigningKey(path);
  if (!absl::IsNotFound(loaded.status())) return loaded;
  std::string seed(crypto_sign_SEEDBYTES, '\0');
  randombytes_buf(seed.data(), seed.size());
  auto pair = FromSeed(seed);
  if (!pair.ok()) return pair;
  if (absl::Status written = WriteNewKeyFile(path, *pair, seed); !written.ok()) return written;
  return pair;
}

}  // namespace trustsphere
