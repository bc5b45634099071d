#include "services/common/server/pem_files.h"

#include <openssl/pem.h>
#include <openssl/x509.h>

#include <cstdio>
#include <memory>

#include "absl/strings/str_cat.h"

namespace trustsphere {
namespace {

struct FileCloser {
  void operator()(FILE* file) const { std::fclose(file); }
};
struct X509Freer {
  void operator()(X509* certificate) const { X509_free(certificate); }
};
struct KeyFreer {
  void operator()(EVP_PKEY* key) const { EVP_PKEY_free(key); }
};

std::unique_ptr<X509, X509Freer> ReadCertificate(const std::string& path) {
  std::unique_ptr<FILE, FileCloser> file(std::fopen(path.c_str(), "r"));
  if (file == nullptr) return nullptr;
  return std::unique_ptr<X509, X509Freer>(PEM_read_X509(file.get(), nullptr, nullptr, nullptr));
}

absl::Status Unreadable(const char* flag, const std::string& path, const char* what) {
  return absl::FailedPreconditionError(
      absl::StrCat("--", flag, " ", path, " does not hold a PEM ", what));
}

}  // namespace

absl::Status CheckKeyPair(const std::string& cert_file, const std::string& key_file) {
  auto certificate = ReadCertificate(cert_file);
  if (certificate == nullptr) return Unreadable("tls_cert_file", cert_file, "certificate");
  std::unique_ptr<FILE, FileCloser> file(std::fopen(key_file.c_str(), "r"));
  std::unique_ptr<EVP_PKEY, KeyFreer> key(
      file == nullptr ? nullptr : PEM_read_PrivateKey(file.get(), nullptr, nullptr, nullptr));
  if (key == nullptr) return Unreadable("tls_key_file", key_file, "private key");
  if (X509_check_private_key(certificate.get(), key.get()) != 1) {
    return absl::FailedPreconditionError(absl::StrCat(
        "--tls_key_file ", key_file, " is not the key of --tls_cert_file ", cert_file));
  }
  return absl::OkStatus();
}

absl::Status CheckCaBundle(const std::string& ca_file) {
  if (ReadCertificate(ca_file) == nullptr) return Unreadable("tls_ca_file", ca_file, "certificate");
  return absl::OkStatus();
}

}  // namespace trustsphere
