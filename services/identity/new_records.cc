#include "services/identity/new_records.h"

#include "services/common/core/crypto.h"
#include "services/common/core/proto_time.h"
#include "services/common/core/text.h"
#include "services/identity/search_entry.h"

namespace trustsphere::identity {

internal::PersonRecord NewPersonRecord(const v1::Person& input, const std::string& id,
                                       const std::string& password_hash,
                                       const std::string& normalized_email, absl::Time now) {
  internal::PersonRecord record;
  v1::Person& person = *record.mutable_person();
  person.set_id(id);
  person.set_display_name(CollapseSpaces(input.display_name()));
  person.set_headline(CollapseSpaces(input.headline()));
  person.set_email(CanonicalEmail(input.email()));
  person.set_locale(input.locale());
  *person.mutable_create_time() = ToProto(now);
  *person.mutable_update_time() = ToProto(now);
  person.set_etag(NewEtag());
  person.set_state(v1::PERSON_STATE_ACTIVE);
  person.set_discoverable(Discoverable(input));
  record.set_password_hash(password_hash);
  record.set_normalized_email(normalized_email);
  *record.mutable_search() = SearchEntryOf(person, {});
  return record;
}

v1::Position NewPosition(const v1::Position& input, const std::string& id,
                         const std::string& person_id, absl::Time now) {
  v1::Position position = input;
  position.set_id(id);
  position.set_person_id(person_id);
  position.set_title(CollapseSpaces(position.title()));
  position.set_organization(CollapseSpaces(position.organization()));
  position.set_organization_key(NormalizeKey(position.organization()));
  *position.mutable_create_time() = ToProto(now);
  *position.mutable_update_time() = ToProto(now);
  position.set_etag(NewEtag());
  return position;
}

}  // namespace trustsphere::identity
