#pragma once

// Transport security from a server's flags. Its port: TLS with a
// certificate and key read from files and read again when they change
// (rotation without a restart), asking callers for client certificates
// when it has a CA; or plaintext, only on a loopback address unless
// --allow_insecure says otherwise. Its channels to the other services:
// TLS with its own certificate when it has a CA, plaintext otherwise.

#include <memory>
#include <string>
#include <vector>

#include "grpcpp/security/credentials.h"
#include "grpcpp/security/server_credentials.h"

namespace trustsphere {

struct ListeningSecurity {
  std::shared_ptr<grpc::ServerCredentials> credentials;
  // How it serves ("tls", "plaintext on loopback", ...), for the start's
  // log line.
  std::string mode;
};

// Each of these refuses the start (a one-line reason on standard error,
// exit code 2) when the flags are wrong: a certificate without its key, an
// unreadable file or a key not the certificate's, plaintext to or from a
// non-loopback address without --allow_insecure, client certificates
// required with no CA.

// The credentials of the port `listen` (HOST:PORT).
ListeningSecurity ListeningSecurityFromFlags(const std::string& listen);

// --require_client_cert (TokenVerifier::RequireServiceCertificates).
bool RequireClientCertFromFlags();

// What the channels to the other services (at `addresses`, HOST:PORT)
// use: TLS against --tls_ca_file, presenting --tls_cert_file, when a CA is
// given; plaintext otherwise, to loopback addresses only unless
// --allow_insecure.
std::shared_ptr<grpc::ChannelCredentials> DownstreamCredentialsFromFlags(
    const std::vector<std::string>& addresses);

}  // namespace trustsphere
