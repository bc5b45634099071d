#pragma once

// Field rules of people, positions and sessions, shared by create and
// update so the limits in identity.proto are enforced the same way on both
// paths; and who may change a person's records.

#include <string>

#include "services/common/core/caller.h"
#include "services/common/core/errors.h"
#include "trustsphere/identity/v1/identity.pb.h"

namespace trustsphere::identity {

inline constexpr size_t kMaxDisplayName = 100;
inline constexpr size_t kMaxHeadline = 200;
inline constexpr size_t kMaxLocale = 35;
inline constexpr size_t kMinPassword = 8;
inline constexpr size_t kMaxPassword = 128;
// The longest address SMTP can carry (RFC 5321).
inline constexpr size_t kMaxEmail = 254;
inline constexpr size_t kMaxOrganization = 200;
inline constexpr size_t kMaxTitle = 200;
inline constexpr size_t kMaxDescription = 2000;
inline constexpr size_t kMaxTagChars = 64;
inline constexpr size_t kMaxDeviceLabel = 100;
// A position may start this many months ahead (an offer accepted), no more.
inline constexpr int kMaxMonthsAhead = 12;

// Person fields by update-mask path ("display_name", "headline", "email",
// "locale"); `prefix` is the request field holding the person ("person.").
void CheckPersonField(FieldErrors& errors, const std::string& prefix, const std::string& path,
                      const v1::Person& person);
void CheckPassword(FieldErrors& errors, const std::string& field, const std::string& password);
// Authenticate's optional `device_label`.
void CheckDeviceLabel(FieldErrors& errors, const std::string& label);

// A person as `caller` may see them (GetPerson, BatchGetPersons,
// SearchPeople): the email only for the person, operators and services;
// `discoverable` set on a live person.
v1::Person ShownTo(v1::Person person, const Caller& caller);

// Only the person themself or an operator changes a profile; services read.
// The id in `field` must be well-formed first: its rules are public, so the
// caller learns nothing by probing them, and a missing id gets its own error.
absl::Status CheckMayEdit(const Caller& caller, absl::string_view field,
                          const std::string& person_id);

// Position fields by update-mask path ("kind", "organization", "title",
// "period", "description").
void CheckPositionField(FieldErrors& errors, const std::string& prefix, const std::string& path,
                        const v1::Position& position);

// Every field of a new person (sign-up and import alike), under `prefix`.
void CheckNewPerson(FieldErrors& errors, const std::string& prefix, const v1::Person& person);
// Every field of a new position (AddPosition and import alike).
void CheckNewPosition(FieldErrors& errors, const std::string& prefix, const v1::Position& position);

// Every path of `mask` is one of `allowed`; the mask is not empty.
template <size_t N>
void CheckUpdateMask(FieldErrors& errors, const google::protobuf::FieldMask& mask,
                     const char* const (&allowed)[N]) {
  if (mask.paths().empty()) errors.Add("update_mask", "required: name the fields to change");
  for (const auto& path : mask.paths()) {
    bool known = false;
    for (const char* name : allowed) known = known || path == name;
    if (!known) errors.Add("update_mask", "cannot update \"" + path + "\"");
  }
}

inline constexpr const char* kPersonUpdatePaths[] = {"display_name", "headline", "email", "locale",
                                                     "discoverable"};
inline constexpr const char* kPositionFields[] = {"kind", "organization", "title", "period",
                                                  "description"};

}  // namespace trustsphere::identity
