#pragma once

// Values are serialized protobuf messages. A value that does not parse is
// corruption (DATA_LOSS), never silently an empty record.

#include <optional>

#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"

namespace trustsphere::storage {

template <typename Message>
absl::StatusOr<Message> ParseValue(std::string_view bytes) {
  Message message;
  if (!message.ParseFromArray(bytes.data(), static_cast<int>(bytes.size()))) {
    return absl::DataLossError(
        absl::StrCat("stored ", Message::descriptor()->full_name(), " does not parse"));
  }
  return message;
}

template <typename Message>
absl::StatusOr<Message> ParseValue(const absl::StatusOr<std::string>& bytes) {
  if (!bytes.ok()) return bytes.status();
  return ParseValue<Message>(std::string_view(*bytes));
}

// The value read at a key, or nullopt when the key is absent (NotFound).
template <typename Message>
absl::StatusOr<std::optional<Message>> ParseIfPresent(const absl::StatusOr<std::string>& bytes) {
  if (absl::IsNotFound(bytes.status())) return std::nullopt;
  auto message = ParseValue<Message>(bytes);
  if (!message.ok()) return message.status();
  return std::optional<Message>(std::move(*message));
}

}  // namespace trustsphere::storage
