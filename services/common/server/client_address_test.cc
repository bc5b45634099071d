#include "services/common/server/client_address.h"

#include <gtest/gtest.h>

namespace trustsphere {
namespace {

ClientAddresses Trusting(const std::string& proxies) {
  auto addresses = ClientAddresses::Trusting(proxies);
  EXPECT_TRUE(addresses.ok()) << addresses.status();
  return *addresses;
}

TEST(ClientAddressesTest, ThePeerWithoutTrustedProxies) {
  ClientAddresses addresses = Trusting("");
  EXPECT_EQ(addresses.Of("ipv4:10.1.2.3:5678", ""), "address:10.1.2.3");
  // A forwarded address from an untrusted peer is ignored: anyone can send one.
  EXPECT_EQ(addresses.Of("ipv4:10.1.2.3:5678", "198.51.100.7"), "address:10.1.2.3");
  EXPECT_EQ(addresses.Of("ipv4:127.0.0.1:1", ""), "address:127.0.0.1");
}

TEST(ClientAddressesTest, IPv6IsKeyedByItsSlash64) {
  ClientAddresses addresses = Trusting("");
  EXPECT_EQ(addresses.Of("ipv6:[2001:db8:1:2::17]:5678", ""), "address:2001:db8:1:2::/64");
  EXPECT_EQ(addresses.Of("ipv6:%5B2001:db8:1:2:ffff::1%5D:5678", ""), "address:2001:db8:1:2::/64");
  EXPECT_NE(addresses.Of("ipv6:[2001:db8:1:3::17]:5678", ""), "address:2001:db8:1:2::/64");
  // IPv4 over an IPv6 socket is the IPv4 address.
  EXPECT_EQ(addresses.Of("ipv6:[::ffff:10.1.2.3]:5678", ""), "address:10.1.2.3");
}

TEST(ClientAddressesTest, BehindTrustedProxiesTheNearestUntrustedForwardedAddress) {
  ClientAddresses addresses = Trusting("10.0.0.0/8, fd00::/8");
  EXPECT_EQ(addresses.Of("ipv4:10.9.9.9:1", "198.51.100.7"), "address:198.51.100.7");
  // The client may prepend anything; what the proxies appended wins.
  EXPECT_EQ(addresses.Of("ipv4:10.9.9.9:1", "1.2.3.4, 198.51.100.7, 10.2.2.2"),
            "address:198.51.100.7");
  // Only proxies: the first of them.
  EXPECT_EQ(addresses.Of("ipv4:10.9.9.9:1", "10.3.3.3"), "address:10.3.3.3");
  // Nothing forwarded: the proxy itself.
  EXPECT_EQ(addresses.Of("ipv4:10.9.9.9:1", ""), "address:10.9.9.9");
  // Garbage ends the walk at the last address known.
  EXPECT_EQ(addresses.Of("ipv4:10.9.9.9:1", "not-an-address"), "address:10.9.9.9");
  EXPECT_EQ(addresses.Of("ipv6:[fd00::5]:1", "2001:db8:7::1"), "address:2001:db8:7::/64");
  // An untrusted peer's header is ignored.
  EXPECT_EQ(addresses.Of("ipv4:192.0.2.1:1", "198.51.100.7"), "address:192.0.2.1");
}

TEST(ClientAddressesTest, PrefixesThatAreNotWholeBytes) {
  ClientAddresses addresses = Trusting("172.16.0.0/12");
  EXPECT_EQ(addresses.Of("ipv4:172.31.255.1:1", "198.51.100.7"), "address:198.51.100.7");
  EXPECT_EQ(addresses.Of("ipv4:172.32.0.1:1", "198.51.100.7"), "address:172.32.0.1");
}

TEST(ClientAddressesTest, ABadBlockIsRefusedByName) {
  for (const char* bad : {"10.0.0.0/33", "example.org", "10.0.0.0/x", "::/129"}) {
    auto addresses = ClientAddresses::Trusting(bad);
    ASSERT_FALSE(addresses.ok()) << bad;
    EXPECT_TRUE(absl::IsInvalidArgument(addresses.status()));
    EXPECT_NE(addresses.status().message().find(bad), absl::string_view::npos);
  }
}

}  // namespace
}  // namespace trustsphere
