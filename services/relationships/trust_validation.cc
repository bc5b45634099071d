#include "services/relationships/trust_validation.h"

#include <algorithm>
#include <set>

#include "absl/container/flat_hash_map.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/facet.h"
#include "services/common/core/validation.h"

namespace trustsphere::relationships {
namespace {

using FacetId = std::pair<int, std::string>;

FacetId IdOf(const common::v1::Facet& facet) { return {facet.kind(), facet.key()}; }

}  // namespace

absl::StatusOr<v1::TrustStatement> NormalizeStatement(const v1::TrustStatement& input,
                                                      const std::string& truster,
                                                      const std::string& field_prefix) {
  FieldErrors errors;
  v1::TrustStatement statement;
  statement.set_truster_id(truster);
  CheckId(errors, field_prefix + ".trustee_id", input.trustee_id());
  if (input.trustee_id() == truster)
    errors.Add(field_prefix + ".trustee_id", "cannot trust oneself");
  statement.set_trustee_id(input.trustee_id());

  std::set<int> roles;
  for (int i = 0; i < input.roles_size(); ++i) {
    const int role = input.roles(i);
    const std::string field = absl::StrCat(field_prefix, ".roles[", i, "]");
    if (role == v1::ROLE_UNSPECIFIED || !v1::Role_IsValid(role)) {
      errors.Add(field, "not a known role");
    } else if (!roles.insert(role).second) {
      errors.Add(field, "duplicate role");
    } else {
      statement.add_roles(static_cast<v1::Role>(role));
    }
  }

  if (input.context_position_ids_size() > kMaxContextPositions) {
    errors.Add(field_prefix + ".context_position_ids",
               absl::StrCat("at most ", kMaxContextPositions, " positions"));
  }
  std::set<std::string> contexts;
  for (int i = 0; i < input.context_position_ids_size(); ++i) {
    const std::string field = absl::StrCat(field_prefix, ".context_position_ids[", i, "]");
    CheckId(errors, field, input.context_position_ids(i));
    if (!contexts.insert(input.context_position_ids(i)).second) {
      errors.Add(field, "duplicate position");
    }
    statement.add_context_position_ids(input.context_position_ids(i));
  }

  const auto& sphere = input.sphere();
  if (sphere.inside_size() + sphere.outside_size() > kMaxFacets) {
    errors.Add(field_prefix + ".sphere", absl::StrCat("at most ", kMaxFacets, " facets in all"));
  }
  std::set<FacetId> inside;
  for (int i = 0; i < sphere.inside_size(); ++i) {
    const std::string field = absl::StrCat(field_prefix, ".sphere.inside[", i, "]");
    common::v1::Facet facet = NormalizeFacet(errors, field, sphere.inside(i));
    if (!inside.insert(IdOf(facet)).second) errors.Add(field, "duplicate facet");
    *statement.mutable_sphere()->add_inside() = facet;
  }
  std::set<FacetId> outside;
  for (int i = 0; i < sphere.outside_size(); ++i) {
    const std::string field = absl::StrCat(field_prefix, ".sphere.outside[", i, "]");
    common::v1::Facet facet = NormalizeFacet(errors, field, sphere.outside(i));
    if (!outside.insert(IdOf(facet)).second) errors.Add(field, "duplicate facet");
    if (inside.count(IdOf(facet))) errors.Add(field, "also inside the sphere");
    *statement.mutable_sphere()->add_outside() = facet;
  }

  if (input.visibility() == v1::VISIBILITY_UNSPECIFIED) {
    statement.set_visibility(v1::VISIBILITY_TRUSTEE);
  } else if (!v1::Visibility_IsValid(input.visibility())) {
    errors.Add(field_prefix + ".visibility", "not a known visibility");
  } else {
    statement.set_visibility(input.visibility());
  }
  CheckText(errors, field_prefix + ".note", input.note(), 0, kMaxNote, Lines::kMulti);
  statement.set_note(input.note());
  if (!errors.empty()) return errors.ToStatus();
  return statement;
}

std::vector<std::string> NamedPositions(const v1::TrustStatement& statement) {
  std::set<std::string> ids(statement.context_position_ids().begin(),
                            statement.context_position_ids().end());
  for (const auto* list : {&statement.sphere().inside(), &statement.sphere().outside()}) {
    for (const auto& facet : *list) {
      if (facet.kind() == common::v1::FACET_KIND_FUNCTION) ids.insert(facet.key());
    }
  }
  return {ids.begin(), ids.end()};
}

namespace {

// Context positions belong to the truster or the trustee, FUNCTION facets
// to the trustee; `owner` maps the named positions that exist to their
// person.
void CheckPositionOwnership(FieldErrors& errors, const std::string& field,
                            const v1::TrustStatement& statement,
                            const absl::flat_hash_map<std::string, std::string>& owner) {
  auto owned_by = [&](const std::string& id, const std::string& person) {
    auto it = owner.find(id);
    return it != owner.end() && it->second == person;
  };
  for (int i = 0; i < statement.context_position_ids_size(); ++i) {
    const std::string& id = statement.context_position_ids(i);
    if (!owned_by(id, statement.truster_id()) && !owned_by(id, statement.trustee_id())) {
      errors.Add(absl::StrCat(field, ".context_position_ids[", i, "]"),
                 "not a position of the truster or the trustee");
    }
  }
  auto check_functions = [&](const auto& facets, const char* list) {
    for (int i = 0; i < facets.size(); ++i) {
      if (facets[i].kind() == common::v1::FACET_KIND_FUNCTION &&
          !owned_by(facets[i].key(), statement.trustee_id())) {
        errors.Add(absl::StrCat(field, ".sphere.", list, "[", i, "].key"),
                   "not a position of the trustee");
      }
    }
  };
  check_functions(statement.sphere().inside(), "inside");
  check_functions(statement.sphere().outside(), "outside");
}

}  // namespace

absl::Status ConfirmWithIdentity(IdentityFacts& facts,
                                 const std::vector<v1::TrustStatement>& statements,
                                 absl::FunctionRef<std::string(size_t)> field,
                                 absl::Time deadline) {
  std::set<std::string> person_ids, position_ids;
  for (const auto& statement : statements) {
    person_ids.insert(statement.truster_id());
    person_ids.insert(statement.trustee_id());
    for (auto& id : NamedPositions(statement)) position_ids.insert(std::move(id));
  }
  auto live = facts.Live(person_ids, deadline);
  if (!live.ok()) return live.status();
  auto owner = facts.Owners(position_ids, deadline);
  if (!owner.ok()) return owner.status();
  FieldErrors errors;
  for (size_t i = 0; i < statements.size(); ++i) {
    const std::pair<const char*, const std::string*> ends[] = {
        {"truster_id", &statements[i].truster_id()}, {"trustee_id", &statements[i].trustee_id()}};
    for (const auto& [end, id] : ends) {
      if (!live->contains(*id)) {
        return absl::NotFoundError(
            absl::StrCat(field(i), ".", end, ": the person does not exist or was deleted"));
      }
    }
    CheckPositionOwnership(errors, field(i), statements[i], *owner);
  }
  return errors.ToStatus();
}

std::vector<identity::v1::Tag> VocabularyTags(const v1::TrustStatement& statement) {
  std::vector<identity::v1::Tag> tags;
  for (const auto* list : {&statement.sphere().inside(), &statement.sphere().outside()}) {
    for (const auto& facet : *list) {
      if (facet.kind() == common::v1::FACET_KIND_FUNCTION) continue;
      identity::v1::Tag tag;
      tag.set_kind(facet.kind());
      tag.set_key(facet.key());
      tags.push_back(std::move(tag));
    }
  }
  return tags;
}

}  // namespace trustsphere::relationships
