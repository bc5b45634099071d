#include "bench/synthetic_network.h"

#include <algorithm>
#include <cmath>
#include <random>

#include "absl/container/flat_hash_set.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace trustsphere::bench {
namespace {

using Random = std::mt19937_64;

constexpr const char* kSyllables[] = {"ka", "lo", "mi", "ne", "ru", "ta", "vo", "si",
                                      "de", "pa", "gu", "ri", "bo", "fe", "za", "tu",
                                      "la", "mo", "ni", "ve", "sa", "do", "pi", "ge"};
constexpr int kSyllableCount = sizeof(kSyllables) / sizeof(kSyllables[0]);

// A pronounceable word, distinct for every n below kSyllableCount^syllables.
std::string Word(uint64_t n, int syllables) {
  std::string word;
  for (int i = 0; i < syllables; ++i) {
    word += kSyllables[n % kSyllableCount];
    n /= kSyllableCount;
  }
  return word;
}

// Draws ranks 0..n-1 with probability proportional to 1/(rank+1)^exponent.
class Zipf {
 public:
  Zipf(int n, double exponent) : cumulative_(n) {
    double total = 0;
    for (int rank = 0; rank < n; ++rank) {
      total += 1.0 / std::pow(rank + 1, exponent);
      cumulative_[rank] = total;
    }
  }
  int operator()(Random& random) const {
    double x = std::uniform_real_distribution<double>(0, cumulative_.back())(random);
    return static_cast<int>(std::lower_bound(cumulative_.begin(), cumulative_.end(), x) -
                            cumulative_.begin());
  }

 private:
  std::vector<double> cumulative_;
};

bool Chance(Random& random, double p) {
  return std::uniform_real_distribution<double>(0, 1)(random) < p;
}

int Between(Random& random, int low, int high) {  // inclusive
  return std::uniform_int_distribution<int>(low, high)(random);
}

bool Overlap(const SyntheticPosition& a, const SyntheticPosition& b) {
  const int a_end = a.end_year == 0 ? 9999 : a.end_year;
  const int b_end = b.end_year == 0 ? 9999 : b.end_year;
  return a.start_year <= b_end && b.start_year <= a_end;
}

// The organisations: a few big employers that many people pass through,
// many small ones, schools and associations.
struct Organizations {
  int big, small, schools, associations;
  int first_small() const { return big; }
  int first_school() const { return big + small; }
  int first_association() const { return big + small + schools; }
  int total() const { return big + small + schools + associations; }
};

}  // namespace

SyntheticNetwork SyntheticNetwork::Generate(const NetworkShape& shape) {
  SyntheticNetwork network;
  Random random(shape.seed);
  const int n = shape.people;

  const Organizations orgs{std::max(5, n / 2500), std::max(20, n / 25), std::max(3, n / 1000),
                           std::max(5, n / 200)};
  network.organizations_.reserve(orgs.total());
  for (int o = 0; o < orgs.total(); ++o) {
    std::string name = Word(o, 3);
    name[0] = static_cast<char>(name[0] - 'a' + 'A');
    const char* suffix = o < orgs.first_school()        ? (o < orgs.big ? " Group" : " SARL")
                         : o < orgs.first_association() ? " University"
                                                        : " Association";
    network.organizations_.push_back(name + suffix);
  }
  network.competencies_ = shape.competencies;
  for (int t = 0; t < shape.competencies + shape.qualities; ++t) {
    network.tags_.push_back(t < shape.competencies ? Word(t, 3) : Word(t, 3) + "ness");
  }

  // Positions: studies, one to three successive jobs, sometimes an
  // association. Big employers take a third of the jobs.
  network.positions_.resize(n);
  std::vector<std::vector<std::pair<uint32_t, int8_t>>> members(orgs.total());
  for (int p = 0; p < n; ++p) {
    auto& held = network.positions_[p];
    int year = Between(random, 1985, 2015);
    if (Chance(random, 0.6)) {
      held.push_back(
          {static_cast<uint32_t>(orgs.first_school() + Between(random, 0, orgs.schools - 1)),
           identity::v1::POSITION_KIND_EDUCATION, static_cast<uint16_t>(year),
           static_cast<uint16_t>(year + 3)});
      year += 4;
    }
    const int jobs = Between(random, 1, 3);
    for (int j = 0; j < jobs; ++j) {
      const uint32_t org = Chance(random, 0.33)
                               ? Between(random, 0, orgs.big - 1)
                               : orgs.first_small() + Between(random, 0, orgs.small - 1);
      const int length = Between(random, 1, 8);
      const bool last = j == jobs - 1;
      held.push_back({org, identity::v1::POSITION_KIND_EMPLOYMENT, static_cast<uint16_t>(year),
                      static_cast<uint16_t>(last && year + length > 2024 ? 0 : year + length)});
      year += length + 1;
      if (year > 2024) break;
    }
    if (Chance(random, 0.3)) {
      const int start = Between(random, 1995, 2022);
      held.push_back({static_cast<uint32_t>(orgs.first_association() +
                                            Between(random, 0, orgs.associations - 1)),
                      identity::v1::POSITION_KIND_ASSOCIATION, static_cast<uint16_t>(start), 0});
    }
    for (int k = 0; k < static_cast<int>(held.size()); ++k) {
      members[held[k].organization].push_back({static_cast<uint32_t>(p), static_cast<int8_t>(k)});
    }
  }

  // Statements: each person starts relationships, mostly with someone met
  // at an organisation during the same years; most are answered.
  const Zipf tag_rank(shape.competencies + shape.qualities, 1.0);
  const double pairs_per_person = shape.statements_per_person / (1 + shape.reciprocated);
  absl::flat_hash_set<uint64_t> pairs;
  auto add_statement = [&](uint32_t truster, uint32_t trustee, int truster_position,
                           int trustee_position) {
    SyntheticStatement s{};
    s.truster = truster;
    s.trustee = trustee;
    s.truster_position = static_cast<int8_t>(truster_position);
    s.trustee_position = static_cast<int8_t>(trustee_position);
    s.function_facet = trustee_position >= 0 && Chance(random, 0.5);
    const int roll = Between(random, 0, 9);
    s.visibility = roll < 4   ? relationships::v1::VISIBILITY_PUBLIC
                   : roll < 9 ? relationships::v1::VISIBILITY_NETWORK
                              : relationships::v1::VISIBILITY_TRUSTEE;
    s.facets_begin = static_cast<uint32_t>(network.facet_pool_.size());
    const int tags = Between(random, 3, 10) - (s.function_facet ? 1 : 0);
    const int outside = Chance(random, 0.2) ? 1 : 0;
    absl::flat_hash_set<int> chosen;
    while (static_cast<int>(chosen.size()) < tags) {
      int tag = tag_rank(random);
      if (chosen.insert(tag).second) network.facet_pool_.push_back(static_cast<uint16_t>(tag));
    }
    s.inside_tags = static_cast<uint8_t>(tags - outside);
    s.outside_tags = static_cast<uint8_t>(outside);
    network.statements_.push_back(s);
  };
  for (int p = 0; p < n; ++p) {
    const int wanted =
        std::max(1, static_cast<int>(std::round(std::uniform_real_distribution<double>(
                        0.3 * pairs_per_person, 1.7 * pairs_per_person)(random))));
    const auto& held = network.positions_[p];
    for (int started = 0, attempts = 0; started < wanted && attempts < wanted * 4; ++attempts) {
      uint32_t other;
      int mine = -1, theirs = -1;
      if (!held.empty() && Chance(random, 0.85)) {
        mine = Between(random, 0, static_cast<int>(held.size()) - 1);
        const auto& colleagues = members[held[mine].organization];
        const auto& [person, position] = colleagues[Between(random, 0, colleagues.size() - 1)];
        if (!Overlap(held[mine], network.positions_[person][position])) continue;
        other = person;
        theirs = position;
      } else {
        other = Between(random, 0, n - 1);
      }
      if (other == static_cast<uint32_t>(p)) continue;
      const uint64_t key = (static_cast<uint64_t>(std::min<uint32_t>(p, other)) << 32) |
                           std::max<uint32_t>(p, other);
      if (!pairs.insert(key).second) continue;
      ++started;
      add_statement(p, other, mine, theirs);
      if (Chance(random, shape.reciprocated)) add_statement(other, p, theirs, mine);
    }
  }
  return network;
}

std::string SyntheticNetwork::PersonId(uint32_t person) {
  return absl::StrFormat("prs_bench%07d", person);
}

std::string SyntheticNetwork::PositionId(uint32_t person, int position) {
  return absl::StrFormat("pos_bench%07d_%d", person, position);
}

common::v1::Facet SyntheticNetwork::TagFacet(uint16_t tag) const {
  common::v1::Facet facet;
  facet.set_kind(tag < competencies_ ? common::v1::FACET_KIND_COMPETENCY
                                     : common::v1::FACET_KIND_QUALITY);
  facet.set_key(tags_[tag]);
  return facet;
}

std::vector<common::v1::Facet> SyntheticNetwork::InsideFacets(
    const SyntheticStatement& statement) const {
  std::vector<common::v1::Facet> facets;
  if (statement.function_facet) {
    common::v1::Facet facet;
    facet.set_kind(common::v1::FACET_KIND_FUNCTION);
    facet.set_key(PositionId(statement.trustee, statement.trustee_position));
    facets.push_back(std::move(facet));
  }
  for (int i = 0; i < statement.inside_tags; ++i) {
    facets.push_back(TagFacet(facet_pool_[statement.facets_begin + i]));
  }
  return facets;
}

identity::v1::ImportedPerson SyntheticNetwork::ImportedPerson(uint32_t person) const {
  identity::v1::ImportedPerson imported;
  identity::v1::Person& profile = *imported.mutable_person();
  profile.set_id(PersonId(person));
  profile.set_display_name(absl::StrCat("Person ", person));
  profile.set_email(absl::StrCat("person", person, "@bench.example"));
  profile.set_locale("fr-FR");
  const auto& held = positions_[person];
  for (int k = 0; k < static_cast<int>(held.size()); ++k) {
    identity::v1::Position& position = *imported.add_positions();
    position.set_id(PositionId(person, k));
    position.set_kind(held[k].kind);
    position.set_organization(organizations_[held[k].organization]);
    position.set_title(held[k].kind == identity::v1::POSITION_KIND_EDUCATION ? "Student"
                                                                             : "Engineer");
    position.mutable_period()->mutable_start()->set_year(held[k].start_year);
    position.mutable_period()->mutable_start()->set_month(1 + person % 12);
    if (held[k].end_year != 0) {
      position.mutable_period()->mutable_end()->set_year(held[k].end_year);
      position.mutable_period()->mutable_end()->set_month(12);
    }
  }
  return imported;
}

relationships::v1::TrustStatement SyntheticNetwork::Statement(
    const SyntheticStatement& statement) const {
  relationships::v1::TrustStatement out;
  out.set_truster_id(PersonId(statement.truster));
  out.set_trustee_id(PersonId(statement.trustee));
  if (statement.truster_position >= 0) {
    out.add_context_position_ids(PositionId(statement.truster, statement.truster_position));
    out.add_context_position_ids(PositionId(statement.trustee, statement.trustee_position));
    out.add_roles(relationships::v1::ROLE_COLLEAGUE);
  }
  for (auto& facet : InsideFacets(statement)) *out.mutable_sphere()->add_inside() = facet;
  for (int i = 0; i < statement.outside_tags; ++i) {
    *out.mutable_sphere()->add_outside() =
        TagFacet(facet_pool_[statement.facets_begin + statement.inside_tags + i]);
  }
  out.set_visibility(statement.visibility);
  return out;
}

}  // namespace trustsphere::bench
