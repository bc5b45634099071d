#pragma once

// The client address a call without a verified caller is charged to (sign-up,
// login, share reads): the connection's peer, or behind a proxy trusted by
// --trusted_proxies, the address that proxy forwarded in x-forwarded-for.
// IPv6 clients are keyed by their /64 (one subscriber's allocation), so
// cycling through the addresses of one network buys no fresh budget.

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"

namespace grpc {
class CallbackServerContext;
}

namespace trustsphere {

class ClientAddresses {
 public:
  // trusted_proxies: comma-separated CIDR blocks ("10.0.0.0/8,fd00::/8");
  // empty trusts none. INVALID_ARGUMENT naming a block that does not parse.
  static absl::StatusOr<ClientAddresses> Trusting(absl::string_view trusted_proxies);

  // The key of a call from `peer` (gRPC's form: "ipv4:10.1.2.3:5678",
  // "ipv6:[::1]:5678") carrying `forwarded_for` (x-forwarded-for, may be
  // empty). From a trusted proxy, the nearest address of the list that is
  // not itself a trusted proxy; otherwise the peer, whatever the list says.
  std::string Of(absl::string_view peer, absl::string_view forwarded_for) const;
  std::string Of(const grpc::CallbackServerContext& context) const;

 private:
  // An IPv4 address is held as IPv4-mapped IPv6.
  using Address = std::array<uint8_t, 16>;
  struct Block {
    Address address;
    int prefix_bits;
  };
  static std::optional<Address> ParseAddress(absl::string_view text);
  static std::string KeyOf(const Address& address);
  bool Trusted(const Address& address) const;

  std::vector<Block> trusted_;
};

}  // namespace trustsphere
