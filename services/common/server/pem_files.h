#pragma once

// Start-time checks of the TLS files a server is given, so that a bad file
// refuses the start in one line instead of failing every handshake later.

#include <string>

#include "absl/status/status.h"

namespace trustsphere {

// `cert_file` holds a PEM certificate (chain) and `key_file` the private key
// of its first certificate. FAILED_PRECONDITION naming the flag otherwise.
absl::Status CheckKeyPair(const std::string& cert_file, const std::string& key_file);

// `ca_file` holds at least one PEM certificate.
absl::Status CheckCaBundle(const std::string& ca_file);

}  // namespace trustsphere
