#pragma once

// A fixed Ed25519 key for the fuzz targets, so that the checked-in seed
// inputs (tokens, signed documents) stay valid from run to run.

#include <sodium.h>

#include <string>

#include "services/common/auth/jws.h"
#include "services/common/auth/signing_key.h"

namespace trustsphere::fuzz {

inline const SigningKeyPair& FixedKey() {
  static const SigningKeyPair key = [] {
    if (sodium_init() < 0) __builtin_trap();
    unsigned char seed[crypto_sign_SEEDBYTES];
    for (size_t i = 0; i < sizeof(seed); ++i) seed[i] = static_cast<unsigned char>(i * 7 + 1);
    unsigned char public_key[crypto_sign_PUBLICKEYBYTES];
    unsigned char secret_key[crypto_sign_SECRETKEYBYTES];
    crypto_sign_seed_keypair(public_key, secret_key, seed);
    return SigningKeyPair{"fuzz-key",
                          std::string(reinterpret_cast<char*>(public_key), sizeof(public_key)),
                          std::string(reinterpret_cast<char*>(secret_key), sizeof(secret_key))};
  }();
  return key;
}

inline const PublicKeySet& FixedKeys() {
  static const PublicKeySet keys = {{FixedKey().key_id, FixedKey().public_key}};
  return keys;
}

}  // namespace trustsphere::fuzz
