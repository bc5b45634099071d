#include "services/common/core/page_token.h"

#include <sodium.h>

#include "absl/strings/str_cat.h"
#include "services/common/core/crypto.h"
#include "services/common/core/errors.h"
#include "storage/key_encoding.h"

namespace trustsphere {

std::string PageTokenCodec::Mac(absl::string_view query, absl::string_view cursor) const {
  // Length-prefixed parts: (query, cursor) pairs cannot collide.
  const std::string message = storage::KeyBuilder()
                                  .Str(std::string_view(query.data(), query.size()))
                                  .Str(std::string_view(cursor.data(), cursor.size()))
                                  .Build();
  std::string mac(crypto_auth_hmacsha256_BYTES, '\0');
  crypto_auth_hmacsha256_state state;
  crypto_auth_hmacsha256_init(&state, reinterpret_cast<const unsigned char*>(secret_.data()),
                              secret_.size());
  crypto_auth_hmacsha256_update(&state, reinterpret_cast<const unsigned char*>(message.data()),
                                message.size());
  crypto_auth_hmacsha256_final(&state, reinterpret_cast<unsigned char*>(mac.data()));
  return mac;
}

std::string PageTokenCodec::Encode(absl::string_view query, absl::string_view cursor) const {
  return Base64UrlEncode(absl::StrCat(cursor, Mac(query, cursor)));
}

absl::StatusOr<std::string> PageTokenCodec::Decode(absl::string_view query,
                                                   absl::string_view token) const {
  if (token.empty()) return std::string();
  std::string raw;
  if (token.size() > 4096 || !Base64UrlDecode(token, &raw) ||
      raw.size() < crypto_auth_hmacsha256_BYTES) {
    return InvalidField("page_token", "malformed page token");
  }
  std::string cursor = raw.substr(0, raw.size() - crypto_auth_hmacsha256_BYTES);
  std::string mac = raw.substr(cursor.size());
  std::string expected = Mac(query, cursor);
  if (sodium_memcmp(mac.data(), expected.data(), mac.size()) != 0) {
    return InvalidField("page_token", "page token does not belong to this query");
  }
  return cursor;
}

int PageSize(FieldErrors& errors, int requested) {
  if (requested < 0) errors.Add("page_size", "must not be negative");
  if (requested <= 0) return kDefaultPageSize;
  return std::min(requested, kMaxPageSize);
}

absl::StatusOr<PageTokenCodec> PageTokenCodecFor(SecretKeeper& keeper) {
  EnsureSodium();
  std::string fresh(32, '\0');
  randombytes_buf(fresh.data(), fresh.size());
  auto secret = keeper.KeepSecret("service/page_token_secret", fresh);
  if (!secret.ok()) return secret.status();
  return PageTokenCodec(*secret);
}

}  // namespace trustsphere
