#pragma once

// The Ed25519 key pair that signs access tokens. Stored as a small JSON file
// {"kid": ..., "alg": "EdDSA", "seed": <base64url of the 32-byte seed>},
// readable by its owner only; in Kubernetes it is mounted from a Secret.

#include <string>

#include "absl/status/statusor.h"

namespace trustsphere {

struct SigningKeyPair {
  std::string key_id;      // derived from the public key
  std::string public_key;  // 32 bytes
  std::string secret_key;  // 64 bytes (libsodium layout: seed + public key)
};

// Reads the key file. NotFound when absent; InvalidArgument when malformed.
absl::StatusOr<SigningKeyPair> LoadSigningKey(const std::string& path);

// Reads the key file, or creates it with a new random key when absent
// (atomically: written to a temporary file, synced, renamed).
absl::StatusOr<SigningKeyPair> LoadOrCreateSigningKey(const std::string& path);

}  // namespace trustsphere
