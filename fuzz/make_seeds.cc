// Writes the seed inputs of the fuzz targets into fuzz/corpus/<target>/:
// well-formed keys, page tokens, access tokens, signed documents and trust
// statements, from which the fuzzers mutate. Run once when a format changes:
//   build/fuzz/make_seeds fuzz/corpus

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "absl/time/time.h"
#include "fuzz/fuzz_keys.h"
#include "services/common/auth/access_token.h"
#include "services/common/core/page_token.h"
#include "storage/key_encoding.h"
#include "trustsphere/relationships/v1/relationships.pb.h"

namespace {

void Write(const std::filesystem::path& dir, const std::vector<std::string>& seeds) {
  std::filesystem::create_directories(dir);
  for (size_t i = 0; i < seeds.size(); ++i) {
    std::ofstream(dir / ("seed_" + std::to_string(i)), std::ios::binary) << seeds[i];
  }
}

}  // namespace

int main(int argc, char** argv) {
  using namespace trustsphere;
  const std::filesystem::path out = argc > 1 ? argv[1] : "fuzz/corpus";

  // Plan byte 0b11'10'01'00: U8, U32, U64, Str, then the tail.
  Write(out / "key_encoding",
        {std::string(1, '\xe4') +
             storage::KeyBuilder().U8(3).U32(7).U64(1ull << 40).Str("prs_a").Tail("rest").Build(),
         std::string(1, '\xff') + storage::KeyBuilder().Str("a").Str("").Str("b\x01").Build()});

  const PageTokenCodec codec(std::string(32, 'k'));
  const std::string query = "ListTrusted\nprs_fuzz\nprs_fuzz";
  Write(out / "page_token", {codec.Encode(query, "prs_b"), codec.Encode(query, "")});

  TokenClaims claims;
  claims.subject = "prs_fuzz";
  claims.roles = static_cast<uint32_t>(Role::kUser);
  claims.issued_at = absl::FromUnixSeconds(1'700'000'000);
  claims.expires_at = absl::FromUnixSeconds(4'102'444'800);  // 2100
  TokenClaims service = claims;
  service.roles = static_cast<uint32_t>(Role::kService) | static_cast<uint32_t>(Role::kOperator);
  Write(out / "access_token",
        {SignAccessToken(claims, fuzz::FixedKey()), SignAccessToken(service, fuzz::FixedKey())});

  Write(out / "jws", {SignCompactJws({{"typ", "JWT"}}, {{"subject", "prs_a"}, {"version", 2}},
                                     fuzz::FixedKey())});

  relationships::v1::TrustStatement statement;
  statement.set_trustee_id("prs_trustee");
  statement.add_roles(relationships::v1::ROLE_COLLEAGUE);
  statement.add_context_position_ids("pos_a");
  auto* inside = statement.mutable_sphere()->add_inside();
  inside->set_kind(common::v1::FACET_KIND_COMPETENCY);
  inside->set_key("Négociation");
  auto* function = statement.mutable_sphere()->add_inside();
  function->set_kind(common::v1::FACET_KIND_FUNCTION);
  function->set_key("pos_b");
  auto* outside = statement.mutable_sphere()->add_outside();
  outside->set_kind(common::v1::FACET_KIND_QUALITY);
  outside->set_key("patience");
  statement.set_visibility(relationships::v1::VISIBILITY_NETWORK);
  statement.set_note("Worked together on the 2019 merger.");
  relationships::v1::TrustStatement minimal;
  minimal.set_trustee_id("prs_other");
  Write(out / "trust_statement", {statement.SerializeAsString(), minimal.SerializeAsString()});

  relationships::v1::PutTrustRequest put;
  *put.mutable_statement() = statement;
  put.set_request_id("req-1");
  std::string invalid = put.SerializeAsString();
  invalid[invalid.find("merger")] = '\xff';  // the note, no longer UTF-8
  Write(out / "request_parsing", {put.SerializeAsString(), invalid});
  return 0;
}
