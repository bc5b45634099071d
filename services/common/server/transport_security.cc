#include "services/common/server/transport_security.h"

#include <fstream>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "grpcpp/security/tls_certificate_provider.h"
#include "grpcpp/security/tls_credentials_options.h"

ABSL_FLAG(std::string, tls_cert_file, "",
          "PEM certificate chain the server presents; with --tls_key_file, the port serves "
          "TLS (1.2 or later). Read again when it changes.");
ABSL_FLAG(std::string, tls_key_file, "", "PEM private key of --tls_cert_file.");
ABSL_FLAG(absl::Duration, tls_reload_period, absl::Seconds(60),
          "How often the certificate and key files are checked for a change (a rotated pair "
          "is served to new connections from then on).");
ABSL_FLAG(bool, allow_insecure, false,
          "Serve plaintext on a non-loopback --listen address (without it, such a server "
          "refuses to start unless it has a certificate).");

namespace trustsphere {
namespace {

absl::Status Readable(const std::string& flag, const std::string& path) {
  std::ifstream file(path);
  std::string first_line;
  if (!file || !std::getline(file, first_line) || !absl::StartsWith(first_line, "-----BEGIN")) {
    return absl::FailedPreconditionError(
        absl::StrCat("--", flag, " ", path, " cannot be read as a PEM file"));
  }
  return absl::OkStatus();
}

}  // namespace

bool IsLoopbackHost(const std::string& listen) {
  const std::string host = listen.substr(0, listen.rfind(':'));
  return host == "localhost" || host == "[::1]" || absl::StartsWith(host, "127.");
}

absl::StatusOr<ListeningSecurity> ListeningSecurityFromFlags(const std::string& listen) {
  const std::string cert = absl::GetFlag(FLAGS_tls_cert_file);
  const std::string key = absl::GetFlag(FLAGS_tls_key_file);
  if (cert.empty() != key.empty()) {
    return absl::FailedPreconditionError("--tls_cert_file and --tls_key_file go together");
  }
  if (cert.empty()) {
    if (IsLoopbackHost(listen)) {
      return ListeningSecurity{grpc::InsecureServerCredentials(), "plaintext on loopback"};
    }
    if (!absl::GetFlag(FLAGS_allow_insecure)) {
      return absl::FailedPreconditionError(
          absl::StrCat("--listen=", listen,
                       " is not a loopback address: give --tls_cert_file and --tls_key_file, "
                       "or --allow_insecure to serve plaintext there"));
    }
    return ListeningSecurity{grpc::InsecureServerCredentials(), "plaintext (--allow_insecure)"};
  }
  for (const auto& [flag, path] :
       {std::pair{"tls_cert_file", cert}, std::pair{"tls_key_file", key}}) {
    if (absl::Status readable = Readable(flag, path); !readable.ok()) return readable;
  }
  const int64_t period = absl::ToInt64Seconds(absl::GetFlag(FLAGS_tls_reload_period));
  if (period < 1) return absl::FailedPreconditionError("--tls_reload_period must be 1s or more");
  // Read again every period; replace each file whole (a rename), the key
  // first when both change.
  auto provider = std::make_shared<grpc::experimental::FileWatcherCertificateProvider>(
      key, cert, static_cast<unsigned int>(period));
  grpc::experimental::TlsServerCredentialsOptions options(provider);
  options.watch_identity_key_cert_pairs();
  options.set_cert_request_type(GRPC_SSL_DONT_REQUEST_CLIENT_CERTIFICATE);
  return ListeningSecurity{grpc::experimental::TlsServerCredentials(options), "tls"};
}

}  // namespace trustsphere
