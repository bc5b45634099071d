#include "services/identity/identity_validation.h"

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/month_index.h"
#include "services/common/core/text.h"
#include "services/common/core/validation.h"

namespace trustsphere::identity {
namespace {

void CheckMonth(FieldErrors& errors, const std::string& field, const common::v1::YearMonth& month) {
  if (month.year() < 1900 || month.year() > 2200) errors.Add(field + ".year", "1900 to 2200");
  if (month.month() < 1 || month.month() > 12) errors.Add(field + ".month", "1 to 12");
}

bool IsLocale(const std::string& locale) {
  for (char c : locale) {
    if (!absl::ascii_isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_') return false;
  }
  return true;
}

}  // namespace

void CheckPersonField(FieldErrors& errors, const std::string& prefix, const std::string& path,
                      const v1::Person& person) {
  const std::string field = prefix + path;
  if (path == "display_name") {
    CheckText(errors, field, CollapseSpaces(person.display_name()), 1, kMaxDisplayName);
  } else if (path == "headline") {
    CheckText(errors, field, person.headline(), 0, kMaxHeadline);
  } else if (path == "email") {
    if (person.email().empty()) {
      errors.Add(field, "required");
    } else if (NormalizeEmail(person.email()).empty()) {
      errors.Add(field, "not a valid email address (ASCII only, one @, a domain with a dot)");
    }
  } else if (path == "locale") {
    if (person.locale().size() > kMaxLocale || !IsLocale(person.locale())) {
      errors.Add(field, "a BCP 47 language tag such as fr-FR, at most 35 characters");
    }
  }
}

void CheckPassword(FieldErrors& errors, const std::string& field, const std::string& password) {
  if (password.size() < kMinPassword || password.size() > kMaxPassword) {
    errors.Add(field, absl::StrCat(kMinPassword, " to ", kMaxPassword, " bytes"));
  }
}

void CheckDeviceLabel(FieldErrors& errors, const std::string& label) {
  CheckText(errors, "device_label", label, 0, kMaxDeviceLabel);
}

v1::Person ShownTo(v1::Person person, const Caller& caller) {
  if (!caller.MayActFor(person.id())) person.clear_email();
  if (person.state() == v1::PERSON_STATE_ACTIVE && !person.has_discoverable()) {
    person.set_discoverable(true);
  }
  return person;
}

absl::Status CheckMayEdit(const Caller& caller, absl::string_view field,
                          const std::string& person_id) {
  FieldErrors errors;
  CheckId(errors, field, person_id);
  if (!errors.empty()) return errors.ToStatus();
  if (caller.person_id == person_id || caller.Has(Role::kOperator)) return absl::OkStatus();
  return absl::PermissionDeniedError("only the person or an operator may change this");
}

void CheckPositionField(FieldErrors& errors, const std::string& prefix, const std::string& path,
                        const v1::Position& position) {
  const std::string field = prefix + path;
  if (path == "kind") {
    if (position.kind() == v1::POSITION_KIND_UNSPECIFIED ||
        !v1::PositionKind_IsValid(position.kind())) {
      errors.Add(field, "required: one of the PositionKind values");
    }
  } else if (path == "organization") {
    CheckText(errors, field, position.organization(), 1, kMaxOrganization);
    if (!position.organization().empty() && IsValidUtf8(position.organization()) &&
        NormalizeKey(position.organization()).empty()) {
      errors.Add(field, "must contain letters or digits");
    }
  } else if (path == "title") {
    CheckText(errors, field, CollapseSpaces(position.title()), 1, kMaxTitle);
  } else if (path == "description") {
    CheckText(errors, field, position.description(), 0, kMaxDescription, Lines::kMulti);
  } else if (path == "period") {
    if (!position.period().has_start()) {
      errors.Add(field + ".start", "required");
      return;
    }
    CheckMonth(errors, field + ".start", position.period().start());
    const auto& begins = position.period().start();
    if (MonthIndex(begins) > CurrentMonthIndex() + kMaxMonthsAhead) {
      errors.Add(field + ".start", absl::StrCat("at most ", kMaxMonthsAhead, " months ahead"));
    }
    if (position.period().has_end()) {
      CheckMonth(errors, field + ".end", position.period().end());
      const auto& start = position.period().start();
      const auto& end = position.period().end();
      if (MonthIndex(end) < MonthIndex(start)) {
        errors.Add(field + ".end", "must not be before start");
      }
    }
  }
}

void CheckNewPerson(FieldErrors& errors, const std::string& prefix, const v1::Person& person) {
  for (const char* path : kPersonUpdatePaths) CheckPersonField(errors, prefix, path, person);
}

void CheckNewPosition(FieldErrors& errors, const std::string& prefix,
                      const v1::Position& position) {
  for (const char* path : kPositionFields) CheckPositionField(errors, prefix, path, position);
}

}  // namespace trustsphere::identity
