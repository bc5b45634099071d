#include "services/common/server/client_address.h"

#include <arpa/inet.h>

#include <algorithm>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "grpcpp/server_context.h"
#include "services/common/core/errors.h"

namespace trustsphere {
namespace {

constexpr char kForwardedForHeader[] = "x-forwarded-for";

// "ipv4:10.1.2.3:5678" -> "10.1.2.3"; "ipv6:[::1]:5678" (or with the
// brackets percent-encoded) -> "::1"; anything else as it is.
std::string HostOfPeer(absl::string_view peer) {
  std::string host(peer);
  if (absl::ConsumePrefix(&peer, "ipv4:")) {
    host = std::string(peer.substr(0, peer.rfind(':')));
  } else if (absl::ConsumePrefix(&peer, "ipv6:")) {
    std::string text(peer);
    for (const char* bracket : {"%5B", "%5b", "%5D", "%5d", "[", "]"}) {
      for (size_t at; (at = text.find(bracket)) != std::string::npos;) {
        text.erase(at, std::string(bracket).size());
      }
    }
    host = text.substr(0, text.rfind(':'));
  }
  return host;
}

}  // namespace

std::optional<ClientAddresses::Address> ClientAddresses::ParseAddress(absl::string_view text) {
  const std::string host(absl::StripAsciiWhitespace(text));
  Address address{};
  in_addr v4;
  if (inet_pton(AF_INET, host.c_str(), &v4) == 1) {
    address[10] = address[11] = 0xff;
    std::copy_n(reinterpret_cast<const uint8_t*>(&v4), 4, address.begin() + 12);
    return address;
  }
  in6_addr v6;
  if (inet_pton(AF_INET6, host.c_str(), &v6) == 1) {
    std::copy_n(reinterpret_cast<const uint8_t*>(&v6), 16, address.begin());
    return address;
  }
  return std::nullopt;
}

std::string ClientAddresses::KeyOf(const Address& address) {
  static constexpr uint8_t kMappedPrefix[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  char text[INET6_ADDRSTRLEN] = {};
  if (std::equal(address.begin(), address.begin() + 12, kMappedPrefix)) {
    inet_ntop(AF_INET, address.data() + 12, text, sizeof text);
    return absl::StrCat("address:", text);
  }
  Address network{};
  std::copy_n(address.begin(), 8, network.begin());
  inet_ntop(AF_INET6, network.data(), text, sizeof text);
  return absl::StrCat("address:", text, "/64");
}

absl::StatusOr<ClientAddresses> ClientAddresses::Trusting(absl::string_view trusted_proxies) {
  ClientAddresses addresses;
  for (absl::string_view entry : absl::StrSplit(trusted_proxies, ',', absl::SkipWhitespace())) {
    entry = absl::StripAsciiWhitespace(entry);
    std::pair<absl::string_view, absl::string_view> parts = absl::StrSplit(entry, '/');
    std::optional<Address> address = ParseAddress(parts.first);
    int bits = 0;
    const bool v4 = address.has_value() && parts.first.find(':') == absl::string_view::npos;
    const int width = v4 ? 32 : 128;
    if (parts.second.empty()) {
      bits = width;
    } else if (!absl::SimpleAtoi(parts.second, &bits)) {
      bits = -1;
    }
    if (!address.has_value() || bits < 0 || bits > width) {
      return InvalidField("trusted_proxies",
                          absl::StrCat("\"", entry, "\" is not an address or CIDR block"));
    }
    addresses.trusted_.push_back({*address, v4 ? bits + 96 : bits});
  }
  return addresses;
}

bool ClientAddresses::Trusted(const Address& address) const {
  for (const Block& block : trusted_) {
    const int whole = block.prefix_bits / 8;
    if (!std::equal(address.begin(), address.begin() + whole, block.address.begin())) continue;
    const int rest = block.prefix_bits % 8;
    if (rest == 0) return true;
    const uint8_t mask = static_cast<uint8_t>(0xff << (8 - rest));
    if ((address[whole] & mask) == (block.address[whole] & mask)) return true;
  }
  return false;
}

std::string ClientAddresses::Of(absl::string_view peer, absl::string_view forwarded_for) const {
  const std::string host = HostOfPeer(peer);
  std::optional<Address> hop = ParseAddress(host);
  if (!hop.has_value()) return absl::StrCat("address:", host);
  if (trusted_.empty() || !Trusted(*hop)) return KeyOf(*hop);
  // Each trusted proxy appended the address it received the call from:
  // walking back from the end, the first untrusted one is the client. An
  // entry that does not parse ends the walk at the last proxy known.
  std::vector<absl::string_view> hops = absl::StrSplit(forwarded_for, ',', absl::SkipWhitespace());
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    std::optional<Address> previous = ParseAddress(*it);
    if (!previous.has_value()) break;
    hop = previous;
    if (!Trusted(*hop)) break;
  }
  return KeyOf(*hop);
}

std::string ClientAddresses::Of(const grpc::CallbackServerContext& context) const {
  std::string forwarded_for;
  if (!trusted_.empty()) {
    // Several x-forwarded-for headers read as one list, in order.
    auto range = context.client_metadata().equal_range(kForwardedForHeader);
    for (auto it = range.first; it != range.second; ++it) {
      if (!forwarded_for.empty()) forwarded_for += ',';
      forwarded_for.append(it->second.data(), it->second.size());
    }
  }
  return Of(context.peer(), forwarded_for);
}

}  // namespace trustsphere
