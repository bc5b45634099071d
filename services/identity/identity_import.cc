// ImportPersons: an operator's bulk load of people and their positions, with
// the checks of CreatePerson and AddPosition, one atomic write per batch.

#include <algorithm>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "services/common/core/text.h"
#include "services/common/core/validation.h"
#include "services/identity/identity_logic.h"
#include "services/identity/identity_validation.h"
#include "services/identity/new_records.h"
#include "services/identity/search_entry.h"

namespace trustsphere::identity {
namespace {

// Field checks of one imported person, under "persons[i].". Ids and emails
// must also be distinct within the batch.
void CheckImportedPerson(FieldErrors& errors, const std::string& field,
                         const v1::ImportedPerson& imported,
                         absl::flat_hash_set<std::string>& seen_ids,
                         absl::flat_hash_set<std::string>& seen_emails) {
  const v1::Person& person = imported.person();
  CheckId(errors, field + ".person.id", person.id());
  if (!seen_ids.insert(person.id()).second) {
    errors.Add(field + ".person.id", "appears twice in the batch");
  }
  CheckNewPerson(errors, field + ".person.", person);
  if (!person.email().empty() && !seen_emails.insert(NormalizeEmail(person.email())).second) {
    errors.Add(field + ".person.email", "appears twice in the batch");
  }
  if (!imported.password_hash().empty() &&
      !PasswordHasher::IsEncodedHash(imported.password_hash())) {
    errors.Add(field + ".password_hash", "not an Argon2id hash in libsodium's format");
  }
  if (imported.positions_size() > IdentityLogic::kMaxPositionsPerPerson) {
    errors.Add(field + ".positions",
               absl::StrCat("at most ", IdentityLogic::kMaxPositionsPerPerson, " positions"));
    return;
  }
  for (int j = 0; j < imported.positions_size(); ++j) {
    const std::string position_field = absl::StrCat(field, ".positions[", j, "]");
    const v1::Position& position = imported.positions(j);
    CheckId(errors, position_field + ".id", position.id());
    if (!seen_ids.insert(position.id()).second) {
      errors.Add(position_field + ".id", "appears twice in the batch");
    }
    CheckNewPosition(errors, position_field + ".", position);
  }
}

}  // namespace

absl::Status IdentityLogic::ImportPersons(const Caller& caller,
                                          const v1::ImportPersonsRequest& request,
                                          v1::ImportPersonsResponse* totals) {
  if (!caller.Has(Role::kOperator)) {
    return absl::PermissionDeniedError("imports are for operators only");
  }
  FieldErrors errors;
  if (request.persons().empty() || request.persons_size() > kMaxImportBatch) {
    errors.Add("persons", absl::StrCat("1 to ", kMaxImportBatch, " people per message"));
  }
  absl::flat_hash_set<std::string> seen_ids, seen_emails;
  for (int i = 0; i < request.persons_size() && i < kMaxImportBatch; ++i) {
    CheckImportedPerson(errors, absl::StrCat("persons[", i, "]"), request.persons(i), seen_ids,
                        seen_emails);
  }
  if (!errors.empty()) return errors.ToStatus();

  std::vector<std::string> lock_keys;
  for (const auto& imported : request.persons()) {
    lock_keys.push_back("person:" + imported.person().id());
    lock_keys.push_back("email:" + NormalizeEmail(imported.person().email()));
  }
  auto guard = locks_.Lock(lock_keys);

  const absl::Time now = absl::Now();
  IdentityWrite write;
  v1::ImportPersonsResponse counts;
  for (int i = 0; i < request.persons_size(); ++i) {
    const v1::ImportedPerson& imported = request.persons(i);
    const std::string field = absl::StrCat("persons[", i, "]");
    const std::string& id = imported.person().id();
    auto existing = store_->Person(id);
    if (!existing.ok()) return existing.status();
    if (existing->has_value()) {
      counts.set_persons_skipped(counts.persons_skipped() + 1);
      continue;
    }

    const std::string email = NormalizeEmail(imported.person().email());
    if (absl::Status free = EmailFree(email); !free.ok()) {
      return absl::Status(free.code(), absl::StrCat(field, ".person.email: ", free.message()));
    }
    std::vector<std::string> position_ids;
    for (const auto& position : imported.positions()) position_ids.push_back(position.id());
    auto taken = store_->Positions(position_ids);
    if (!taken.ok()) return taken.status();
    if (!taken->empty()) {
      const int j = static_cast<int>(
          std::find(position_ids.begin(), position_ids.end(), taken->front().id()) -
          position_ids.begin());
      return absl::AlreadyExistsError(
          absl::StrCat(field, ".positions[", j, "].id: already used by another position"));
    }

    internal::PersonRecord record =
        NewPersonRecord(imported.person(), id, imported.password_hash(), email, now);
    std::vector<v1::Position> positions;
    for (const auto& input : imported.positions()) {
      positions.push_back(NewPosition(input, input.id(), id, now));
    }
    *record.mutable_search() = SearchEntryOf(record.person(), OrganizationKeysOf(positions));
    write.PutPerson(std::move(record));
    write.Log(internal::Change::KIND_PERSON_CREATED, id);
    for (auto& position : positions) {
      write.Log(internal::Change::KIND_POSITION_ADDED, id, position.id());
      write.PutPosition(std::move(position));
    }
    counts.set_persons_imported(counts.persons_imported() + 1);
    counts.set_positions_imported(counts.positions_imported() + imported.positions_size());
  }
  if (absl::Status written = store_->Apply(write); !written.ok()) return written;
  totals->set_persons_imported(totals->persons_imported() + counts.persons_imported());
  totals->set_persons_skipped(totals->persons_skipped() + counts.persons_skipped());
  totals->set_positions_imported(totals->positions_imported() + counts.positions_imported());
  return absl::OkStatus();
}

}  // namespace trustsphere::identity
