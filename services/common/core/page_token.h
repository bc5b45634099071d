#pragma once

// Opaque page tokens (AIP-158). A token carries the storage cursor of the
// next page and is authenticated with an HMAC keyed by a per-service secret,
// over the cursor and a fingerprint of the query (method, caller, filters).
// A token cannot be forged, altered, or replayed with another query or by
// another caller: each is refused with INVALID_ARGUMENT on "page_token".

#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace trustsphere {

class PageTokenCodec {
 public:
  // secret: at least 32 random bytes, kept across restarts so tokens stay
  // valid while a client pages through a restart.
  explicit PageTokenCodec(std::string secret) : secret_(std::move(secret)) {}

  std::string Encode(absl::string_view query, absl::string_view cursor) const;
  // The token of the next page for a store's cursor: "" when there is none
  // (an empty cursor, the last page).
  std::string NextPageToken(absl::string_view query, absl::string_view cursor) const {
    return cursor.empty() ? std::string() : Encode(query, cursor);
  }
  // The cursor of a token made for the same query; "" for an empty token.
  absl::StatusOr<std::string> Decode(absl::string_view query, absl::string_view token) const;

 private:
  std::string Mac(absl::string_view query, absl::string_view cursor) const;
  std::string secret_;
};

inline constexpr int kDefaultPageSize = 20;
inline constexpr int kMaxPageSize = 100;

class FieldErrors;

// The page size to use: kDefaultPageSize for 0, at most kMaxPageSize; a
// negative one adds a violation on "page_size".
int PageSize(FieldErrors& errors, int requested);

// Where a service keeps secrets across restarts: its store.
class SecretKeeper {
 public:
  virtual ~SecretKeeper() = default;
  // The secret kept under `name`; when there is none yet, `fresh` is kept
  // and returned (whoever kept one first wins).
  virtual absl::StatusOr<std::string> KeepSecret(const std::string& name,
                                                 const std::string& fresh) = 0;
};

// A codec keyed by the service's page-token secret, created on first use so
// that tokens outlive restarts.
absl::StatusOr<PageTokenCodec> PageTokenCodecFor(SecretKeeper& keeper);

}  // namespace trustsphere
