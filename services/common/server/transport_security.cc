#include "services/common/server/transport_security.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <cstdio>
#include <cstdlib>

#include "absl/flags/flag.h"
#include "absl/status/statusor.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"
#include "services/common/server/pem_files.h"

ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain the server presents; with --tls_key_file, the port serves "
          "TLS (1.2 or later). Read again when it changes.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(absl::Duration, tls_reload_period, absl::Seconds(60),
          "How often the certificate, key and CA files are checked for a change (1s to 24h); "
          "a rotated pair is served to new connections from then on. Rotate the pair "
          "atomically: a new folder and a symlink switched to it, as Secret volumes do.");
ABSL_FLAG(std::string, tls_ca_file, "",
          "PEM bundle of the CA that issues the services' certificates. A server serving TLS "
          "then asks callers for a client certificate and verifies one presented; the "
          "channels this service opens to the others use TLS, verify those servers against "
          "it and present --tls_cert_file. Read again with the pair.");
ABSL_FLAG(bool, require_client_cert, false,
          "A call with a service token must come over a connection whose client certificate "
          "(verified against --tls_ca_file) names the token's subject, as its common name or "
          "a DNS name.");
ABSL_FLAG(bool, allow_insecure, false,
          "Serve plaintext on a non-loopback --listen address (without it, such a server "
          "refuses to start unless it has a certificate).");

namespace trustsphere {
namespace {

// The certificate and key given together or not at all, the key that of
// the certificate, and the CA bundle a certificate.
absl::Status CheckFiles(const std::string& cert, const std::string& key, const std::string& ca) {
  if (cert.empty() != key.empty()) {
    return absl::FailedPreconditionError("--tls_cert_file and --tls_key_file go together");
  }
  if (!cert.empty()) {
    if (absl::Status pair = CheckKeyPair(cert, key); !pair.ok()) return pair;
  }
  if (!ca.empty()) return CheckCaBundle(ca);
  return absl::OkStatus();
}

// The flags' value, or their fault on standard error and exit code 2: a
// server with a wrong transport configuration does not start.
template <typename T>
T OrExit(absl::StatusOr<T> value) {
  if (!value.ok()) {
    std::fprintf(stderr, "%s\n", std::string(value.status().message()).c_str());
    std::exit(2);
  }
  return *std::move(value);
}

absl::StatusOr<unsigned int> ReloadSeconds() {
  const absl::Duration period = absl::GetFlag(FLAGS_tls_reload_period);
  if (period < absl::Seconds(1) || period > absl::Hours(24)) {
    return absl::FailedPreconditionError("--tls_reload_period must be between 1s and 24h");
  }
  return static_cast<unsigned int>(absl::ToInt64Seconds(period));
}

// HOST:PORT on 127.0.0.0/8, [::1] or localhost.
bool IsLoopback(const std::string& address) {
  std::string host = address.substr(0, address.rfind(':'));
  if (host == "localhost") return true;
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    in6_addr ip6;
    return inet_pton(AF_INET6, host.substr(1, host.size() - 2).c_str(), &ip6) == 1 &&
           IN6_IS_ADDR_LOOPBACK(&ip6);
  }
  in_addr ip4;
  return inet_pton(AF_INET, host.c_str(), &ip4) == 1 && (ntohl(ip4.s_addr) >> 24) == 127;
}

// Plaintext towards or from `address`: only on loopback, unless allowed.
absl::Status PlaintextAllowed(const std::string& address, const char* what) {
  if (IsLoopback(address) || absl::GetFlag(FLAGS_allow_insecure)) return absl::OkStatus();
  return absl::FailedPreconditionError(
      absl::StrCat(what, address,
                   " is not a loopback address: give --tls_cert_file and --tls_key_file (and "
                   "--tls_ca_file for the services' channels), or --allow_insecure for "
                   "plaintext"));
}

using Watcher = grpc::experimental::FileWatcherCertificateProvider;

// The TLS files of the flags, checked, behind one watcher that the port and
// the channels share (each file read once a period); null when no file is
// given. Read again every period; the watcher reads the pair consistently
// (again if a file changed meanwhile), and expects it swapped at once.
absl::StatusOr<std::shared_ptr<Watcher>> WatchedFiles() {
  static const auto* const watched = new absl::StatusOr<std::shared_ptr<Watcher>>(
      []() -> absl::StatusOr<std::shared_ptr<Watcher>> {
        const std::string cert = absl::GetFlag(FLAGS_tls_cert_file);
        const std::string key = absl::GetFlag(FLAGS_tls_key_file);
        const std::string ca = absl::GetFlag(FLAGS_tls_ca_file);
        if (absl::Status checked = CheckFiles(cert, key, ca); !checked.ok()) return checked;
        if (cert.empty() && ca.empty()) return nullptr;
        auto period = ReloadSeconds();
        if (!period.ok()) return period.status();
        return std::make_shared<Watcher>(key, cert, ca, *period);
      }());
  return *watched;
}

absl::StatusOr<ListeningSecurity> ListeningSecurityOf(const std::string& listen) {
  auto watcher = WatchedFiles();
  if (!watcher.ok()) return watcher.status();
  const std::string ca = absl::GetFlag(FLAGS_tls_ca_file);
  if (absl::GetFlag(FLAGS_tls_cert_file).empty()) {
    if (absl::Status allowed = PlaintextAllowed(listen, "--listen="); !allowed.ok()) {
      return allowed;
    }
    return ListeningSecurity{
        grpc::InsecureServerCredentials(),
        IsLoopback(listen) ? "plaintext on loopback" : "plaintext (--allow_insecure)"};
  }
  grpc::experimental::TlsServerCredentialsOptions options(*watcher);
  options.watch_identity_key_cert_pairs();
  if (ca.empty()) {
    options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  } else {
    // Asked, not demanded: people's apps connect without one; a service's
    // token needs one when --require_client_cert says so.
    options.watch_root_certs();
    options.set_cert_request_type(GRPC_SSL_REQUEST_CLIENT_CERTIFICATE_AND_VERIFY);
  }
  return ListeningSecurity{grpc::experimental::TlsServerCredentials(options),
                           ca.empty() ? "tls" : "tls, client certificates verified"};
}

absl::StatusOr<bool> RequireClientCert() {
  const bool required = absl::GetFlag(FLAGS_require_client_cert);
  if (required &&
      (absl::GetFlag(FLAGS_tls_ca_file).empty() || absl::GetFlag(FLAGS_tls_cert_file).empty())) {
    return absl::FailedPreconditionError(
        "--require_client_cert needs --tls_cert_file, --tls_key_file and --tls_ca_file");
  }
  return required;
}

absl::StatusOr<std::shared_ptr<grpc::ChannelCredentials>> DownstreamCredentials(
    const std::vector<std::string>& addresses) {
  const std::string ca = absl::GetFlag(FLAGS_tls_ca_file);
  if (ca.empty()) {
    // The service's token would cross the network readable.
    for (const std::string& address : addresses) {
      if (absl::Status allowed = PlaintextAllowed(address, "calling "); !allowed.ok()) {
        return allowed;
      }
    }
    return grpc::InsecureChannelCredentials();
  }
  auto watcher = WatchedFiles();
  if (!watcher.ok()) return watcher.status();
  grpc::experimental::TlsChannelCredentialsOptions options;
  // The server's certificate is checked against the CA and the address
  // dialled (gRPC's defaults).
  options.set_certificate_provider(*watcher);
  options.watch_root_certs();
  if (!absl::GetFlag(FLAGS_tls_cert_file).empty()) options.watch_identity_key_cert_pairs();
  return grpc::experimental::TlsCredentials(options);
}

}  // namespace

ListeningSecurity ListeningSecurityFromFlags(const std::string& listen) {
  return OrExit(ListeningSecurityOf(listen));
}

bool RequireClientCertFromFlags() { return OrExit(RequireClientCert()); }

std::shared_ptr<grpc::ChannelCredentials> DownstreamCredentialsFromFlags(
    const std::vector<std::string>& addresses) {
  return OrExit(DownstreamCredentials(addresses));
}

}  // namespace trustsphere
