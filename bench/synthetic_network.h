#pragma once

// A seeded, reproducible professional network for benchmarks: people with
// positions over time at a few big employers, many small ones, schools and
// associations; trust statements mostly between people whose positions
// overlap at the same organisation, about 70 % of them answered; spheres of
// 3 to 10 facets drawn from a vocabulary of a few thousand tags with a few
// popular ones (Zipf). The same shape and seed give the same network, so
// the loader and the load generator agree on it without sharing files.

#include <cstdint>
#include <string>
#include <vector>

#include "trustsphere/identity/v1/identity.pb.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace trustsphere::bench {

struct NetworkShape {
  int people = 100000;
  uint64_t seed = 1;
  // Statements per person on average (20 gives 2 million at 100,000 people).
  double statements_per_person = 20;
  // Share of statements answered by a statement the other way.
  double reciprocated = 0.7;
  int competencies = 2000;
  int qualities = 800;
};

struct SyntheticPosition {
  uint32_t organization;
  identity::v1::PositionKind kind;
  uint16_t start_year;
  uint16_t end_year;  // 0 while ongoing
};

struct SyntheticStatement {
  uint32_t truster;
  uint32_t trustee;
  // Positions the pair shared (indexes into each one's positions), -1 when
  // they met elsewhere.
  int8_t truster_position;
  int8_t trustee_position;
  // A FUNCTION facet naming trustee_position.
  bool function_facet;
  relationships::v1::Visibility visibility;
  // Tag indexes in SyntheticNetwork::facet_pool: inside first, then outside.
  uint32_t facets_begin;
  uint8_t inside_tags;
  uint8_t outside_tags;
};

class SyntheticNetwork {
 public:
  static SyntheticNetwork Generate(const NetworkShape& shape);

  int people() const { return static_cast<int>(positions_.size()); }
  const std::vector<SyntheticStatement>& statements() const { return statements_; }
  const std::vector<SyntheticPosition>& positions(uint32_t person) const {
    return positions_[person];
  }

  static std::string PersonId(uint32_t person);
  static std::string PositionId(uint32_t person, int position);
  // Tag number `tag` as a facet (competency or quality).
  common::v1::Facet TagFacet(uint16_t tag) const;
  // The facets inside a statement's sphere, as stored.
  std::vector<common::v1::Facet> InsideFacets(const SyntheticStatement& statement) const;

  // Import messages.
  identity::v1::ImportedPerson ImportedPerson(uint32_t person) const;
  relationships::v1::TrustStatement Statement(const SyntheticStatement& statement) const;

 private:
  std::vector<std::string> organizations_;
  std::vector<std::string> tags_;  // competencies first, then qualities
  int competencies_ = 0;
  std::vector<std::vector<SyntheticPosition>> positions_;
  std::vector<SyntheticStatement> statements_;
  std::vector<uint16_t> facet_pool_;
};

}  // namespace trustsphere::bench
