#include "services/recommendations/shared_dossier.h"

#include <algorithm>
#include <iterator>
#include <set>
#include <utility>

#include "absl/container/flat_hash_map.h"
#include "absl/functional/function_ref.h"
#include "absl/strings/str_cat.h"
#include "services/common/core/concurrently.h"

namespace trustsphere::recommendations {
namespace {

namespace iv1 = ::trustsphere::identity::v1;

// Identity answers at most this many items per batched call.
constexpr size_t kIdentityBatch = 100;

// `fetch` called once per slice of at most kIdentityBatch keys, answers
// appended in order: a share of 50 recommendations may name more positions
// than one call takes.
template <typename Item, typename Key>
absl::StatusOr<std::vector<Item>> InBatches(
    const std::vector<Key>& keys,
    absl::FunctionRef<absl::StatusOr<std::vector<Item>>(const std::vector<Key>&)> fetch) {
  std::vector<Item> all;
  for (size_t start = 0; start < keys.size(); start += kIdentityBatch) {
    const std::vector<Key> slice(keys.begin() + start,
                                 keys.begin() + std::min(keys.size(), start + kIdentityBatch));
    auto answered = fetch(slice);
    if (!answered.ok()) return answered.status();
    std::move(answered->begin(), answered->end(), std::back_inserter(all));
  }
  return all;
}

bool IsTag(const common::v1::Facet& facet) {
  return facet.kind() == common::v1::FACET_KIND_COMPETENCY ||
         facet.kind() == common::v1::FACET_KIND_QUALITY;
}

v1::DossierPerson DossierPersonOf(const iv1::Person& person) {
  v1::DossierPerson shown;
  shown.set_person_id(person.id());
  shown.set_display_name(person.display_name());
  shown.set_headline(person.headline());
  return shown;
}

v1::DossierPosition DossierPositionOf(const iv1::Position& position) {
  v1::DossierPosition shown;
  shown.set_position_id(position.id());
  shown.set_person_id(position.person_id());
  shown.set_kind(position.kind());
  shown.set_organization(position.organization());
  shown.set_title(position.title());
  *shown.mutable_period() = position.period();
  return shown;
}

// Everything identity knows that one read of a dossier shows, by id.
struct IdentityFacts {
  absl::flat_hash_map<std::string, iv1::Person> live_persons;
  absl::flat_hash_map<std::string, iv1::Position> positions;
  absl::flat_hash_map<std::pair<int, std::string>, std::string> tag_spellings;
};

// The people, positions and tags the recommendations name: three batched
// reads at once, one per kind (more only past a hundred of a kind).
absl::StatusOr<IdentityFacts> ReadIdentityFacts(
    IdentityDirectory& identity, const std::string& subject_id,
    const std::vector<ConfirmedRecommendation>& confirmed, absl::Time deadline) {
  std::set<std::string> person_ids = {subject_id};
  std::set<std::string> position_ids;
  std::set<std::pair<int, std::string>> tags;
  for (const auto& [recommendation, statement] : confirmed) {
    person_ids.insert(recommendation.author_id());
    position_ids.insert(statement.context_position_ids().begin(),
                        statement.context_position_ids().end());
    position_ids.insert(recommendation.context_position_ids().begin(),
                        recommendation.context_position_ids().end());
    for (const auto& facet : recommendation.facets()) {
      if (facet.kind() == common::v1::FACET_KIND_FUNCTION) position_ids.insert(facet.key());
      if (IsTag(facet)) tags.insert({facet.kind(), facet.key()});
    }
  }

  std::vector<common::v1::Facet> tag_facets;
  for (const auto& [kind, key] : tags) {
    common::v1::Facet& facet = tag_facets.emplace_back();
    facet.set_kind(static_cast<common::v1::FacetKind>(kind));
    facet.set_key(key);
  }
  absl::StatusOr<std::vector<iv1::Person>> persons;
  absl::StatusOr<std::vector<iv1::Position>> positions;
  absl::StatusOr<std::vector<iv1::Tag>> vocabulary;
  // Independent reads: their round trips overlap.
  RunConcurrently({
      [&] {
        persons = InBatches<iv1::Person, std::string>(
            {person_ids.begin(), person_ids.end()}, [&](const std::vector<std::string>& ids) {
              return identity.BatchGetPersons(ids, deadline);
            });
      },
      [&] {
        positions = InBatches<iv1::Position, std::string>(
            {position_ids.begin(), position_ids.end()}, [&](const std::vector<std::string>& ids) {
              return identity.BatchGetPositions(ids, deadline);
            });
      },
      [&] {
        vocabulary = InBatches<iv1::Tag, common::v1::Facet>(
            tag_facets, [&](const std::vector<common::v1::Facet>& facets) {
              return identity.BatchGetTags(facets, deadline);
            });
      },
  });
  if (!persons.ok()) return persons.status();
  if (!positions.ok()) return positions.status();
  if (!vocabulary.ok()) return vocabulary.status();

  IdentityFacts facts;
  for (auto& person : *persons) {
    if (person.state() == iv1::PERSON_STATE_ACTIVE) {
      std::string id = person.id();
      facts.live_persons.emplace(std::move(id), std::move(person));
    }
  }
  for (auto& position : *positions) {
    std::string id = position.id();
    facts.positions.emplace(std::move(id), std::move(position));
  }
  for (const auto& tag : *vocabulary) {
    facts.tag_spellings[{tag.kind(), tag.key()}] = tag.display_name();
  }
  return facts;
}

// The positions among `ids` that identity still holds and that belong to
// the author or the subject (the only positions a recommendation or a
// statement may name), in the order of `ids`.
std::vector<v1::DossierPosition> PositionsOfThePair(
    const google::protobuf::RepeatedPtrField<std::string>& ids, const IdentityFacts& facts,
    const v1::Recommendation& recommendation) {
  std::vector<v1::DossierPosition> shown;
  for (const auto& id : ids) {
    auto it = facts.positions.find(id);
    if (it == facts.positions.end()) continue;
    const std::string& holder = it->second.person_id();
    if (holder != recommendation.author_id() && holder != recommendation.subject_id()) continue;
    shown.push_back(DossierPositionOf(it->second));
  }
  return shown;
}

v1::DossierFacet DossierFacetOf(const common::v1::Facet& facet, const IdentityFacts& facts,
                                const std::string& subject_id) {
  v1::DossierFacet shown;
  *shown.mutable_facet() = facet;
  if (facet.kind() == common::v1::FACET_KIND_FUNCTION) {
    // A FUNCTION facet names one of the subject's positions.
    auto it = facts.positions.find(facet.key());
    if (it != facts.positions.end() && it->second.person_id() == subject_id) {
      shown.set_display_name(absl::StrCat(it->second.title(), ", ", it->second.organization()));
      *shown.mutable_position() = DossierPositionOf(it->second);
    }
    return shown;
  }
  // A tag is recorded in the vocabulary shortly after the statement that
  // uses it; until then its key is the best spelling there is.
  auto it = facts.tag_spellings.find({facet.kind(), facet.key()});
  shown.set_display_name(it != facts.tag_spellings.end() ? it->second : facet.key());
  return shown;
}

}  // namespace

absl::StatusOr<DossierContents> ReadDossierContents(IdentityDirectory& identity,
                                                    const std::string& subject_id,
                                                    std::vector<ConfirmedRecommendation> confirmed,
                                                    absl::Time deadline) {
  auto facts = ReadIdentityFacts(identity, subject_id, confirmed, deadline);
  if (!facts.ok()) return facts.status();
  auto subject = facts->live_persons.find(subject_id);
  if (subject == facts->live_persons.end()) {
    return absl::NotFoundError("no such share, or it has ended");
  }

  DossierContents contents;
  contents.subject = DossierPersonOf(subject->second);
  for (auto& [recommendation, statement] : confirmed) {
    // An erased author takes their recommendations with them.
    auto author = facts->live_persons.find(recommendation.author_id());
    if (author == facts->live_persons.end()) continue;

    v1::DossierRecommendation& entry = contents.entries.emplace_back();
    *entry.mutable_author() = DossierPersonOf(author->second);
    v1::DossierRelation& relation = *entry.mutable_relation();
    *relation.mutable_roles() = statement.roles();
    for (auto& position :
         PositionsOfThePair(statement.context_position_ids(), *facts, recommendation)) {
      *relation.add_context_positions() = std::move(position);
    }
    *relation.mutable_trusted_since() = statement.create_time();
    for (const auto& facet : recommendation.facets()) {
      *entry.add_facets() = DossierFacetOf(facet, *facts, subject_id);
    }
    for (auto& position :
         PositionsOfThePair(recommendation.context_position_ids(), *facts, recommendation)) {
      *entry.add_context_positions() = std::move(position);
    }
    *entry.mutable_recommendation() = std::move(recommendation);
  }
  return contents;
}

std::vector<std::string> SignedExports(const v1::Dossier& dossier, const SigningKeyPair& key,
                                       absl::Time now, SignedLetterCache& letters) {
  std::vector<std::string> exports;
  for (const auto& entry : dossier.entries()) {
    exports.push_back(letters.Sign(entry.recommendation(), entry.author().display_name(),
                                   dossier.subject().display_name(), now, key));
  }
  return exports;
}

}  // namespace trustsphere::recommendations
