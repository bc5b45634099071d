#pragma once

// Values are serialized protobuf messages. A value that does not parse is
// corruption (DATA_LOSS), never silently an empty record.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

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

// The values of a MultiGet parsed, in order, nullopt where a key was absent.
template <typename Message>
absl::StatusOr<std::vector<std::optional<Message>>> ParseEach(
    const absl::StatusOr<std::vector<std::optional<std::string>>>& values) {
  if (!values.ok()) return values.status();
  std::vector<std::optional<Message>> messages(values->size());
  for (size_t i = 0; i < values->size(); ++i) {
    if (!(*values)[i]) continue;
    auto message = ParseValue<Message>(std::string_view(*(*values)[i]));
    if (!message.ok()) return message.status();
    messages[i] = std::move(*message);
  }
  return messages;
}

// The values of a MultiGet parsed, in order, absent keys left out.
template <typename Message>
absl::StatusOr<std::vector<Message>> ParseFound(
    const absl::StatusOr<std::vector<std::optional<std::string>>>& values) {
  auto each = ParseEach<Message>(values);
  if (!each.ok()) return each.status();
  std::vector<Message> found;
  for (auto& message : *each) {
    if (message) found.push_back(std::move(*message));
  }
  return found;
}

}  // namespace trustsphere::storage
