// A server's transport: TLS from certificate files, a rotated certificate
// served to new connections without a restart while calls go on, and the
// starts that are refused (a certificate without its key, plaintext on a
// non-loopback address). Certificates are made with OpenSSL's command line
// (Debian's openssl, installed by the set-up) under a test-only CA.

#include <sys/wait.h>

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/child_process.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;
namespace iv1 = ::trustsphere::identity::v1;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// Runs a shell script to its end; its exit code and what it printed
// (standard error included).
std::pair<int, std::string> Shell(const std::string& script) {
  ChildProcess child({"/bin/sh", "-c", "exec 2>&1; " + script});
  std::string output;
  while (auto line = child.ReadLine(30s)) output += *line + "\n";
  std::optional<int> status = child.Wait(30s);
  return {status && WIFEXITED(*status) ? WEXITSTATUS(*status) : -1, output};
}

class TransportSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A CA, and two certificates for the server (localhost and 127.0.0.1).
    auto [code, output] = Shell(
        "cd " + dir_.path() +
        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
        " -subj /CN=test-ca -keyout ca.key -out ca.pem"
        " && printf 'subjectAltName=DNS:localhost,IP:127.0.0.1\\n' > san.ext"
        " && for n in 1 2; do"
        "   openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=localhost"
        "     -keyout server$n.key -out server$n.csr"
        "   && openssl x509 -req -in server$n.csr -CA ca.pem -CAkey ca.key -CAcreateserial"
        "     -days 1 -extfile san.ext -out server$n.pem || exit 1;"
        " done");
    ASSERT_EQ(code, 0) << output;
    std::filesystem::copy_file(dir_.Sub("server1.key"), dir_.Sub("served.key"));
    std::filesystem::copy_file(dir_.Sub("server1.pem"), dir_.Sub("served.pem"));
  }

  std::vector<std::string> TlsFlags() const {
    return {"--data_dir=" + dir_.Sub("identity"), "--tls_cert_file=" + dir_.Sub("served.pem"),
            "--tls_key_file=" + dir_.Sub("served.key"), "--tls_reload_period=1s"};
  }

  std::shared_ptr<grpc::ChannelCredentials> TrustingTheCa() const {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(dir_.Sub("ca.pem"));
    return grpc::SslCredentials(options);
  }

  // A channel of its own connection (no subchannel shared with others), so
  // each makes a handshake.
  std::shared_ptr<grpc::Channel> FreshChannel(
      const std::string& address, std::shared_ptr<grpc::ChannelCredentials> credentials) const {
    grpc::ChannelArguments arguments;
    arguments.SetInt(GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL, 1);
    return grpc::CreateCustomChannel(address, credentials, arguments);
  }

  // GetSigningKeys (no token needed) on a fresh connection; the status and
  // the certificate the server presented.
  std::pair<grpc::Status, std::string> Call(const std::string& address,
                                            std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = iv1::IdentityService::NewStub(FreshChannel(address, std::move(credentials)));
    grpc::ClientContext context;
    context.set_deadline(std::chrono::system_clock::now() + 5s);
    iv1::GetSigningKeysResponse response;
    grpc::Status status = stub->GetSigningKeys(&context, {}, &response);
    std::string presented;
    if (auto auth = context.auth_context(); auth != nullptr) {
      for (const auto& value : auth->FindPropertyValues("x509_pem_cert")) {
        presented.assign(value.data(), value.size());
      }
    }
    return {status, presented};
  }

  // Replaces a served file whole, as a rotation by rename does.
  void Serve(const std::string& from, const std::string& to) {
    std::filesystem::copy_file(dir_.Sub(from), dir_.Sub(to + ".new"));
    std::filesystem::rename(dir_.Sub(to + ".new"), dir_.Sub(to));
  }

  TempDir dir_;
};

TEST_F(TransportSecurityTest, ServesTlsAndRefusesAPlaintextClient) {
  auto server = ServerProcess::Start(IDENTITY_SERVER, TlsFlags(), "127.0.0.1:0", TrustingTheCa());
  ASSERT_NE(server, nullptr);
  auto [status, presented] = Call(server->address(), TrustingTheCa());
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(presented, ReadFile(dir_.Sub("server1.pem")));
  EXPECT_EQ(Call(server->address(), grpc::InsecureChannelCredentials()).first.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // A client that trusts another CA does not accept the server's certificate.
  grpc::SslCredentialsOptions stranger;
  stranger.pem_root_certs = ReadFile(dir_.Sub("server2.pem"));
  EXPECT_EQ(Call(server->address(), grpc::SslCredentials(stranger)).first.error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportSecurityTest, ARotatedCertificateIsServedWithoutARestart) {
  auto server = ServerProcess::Start(IDENTITY_SERVER, TlsFlags(), "127.0.0.1:0", TrustingTheCa());
  ASSERT_NE(server, nullptr);
  // Calls go on during the rotation, each on a new connection.
  std::atomic<bool> rotating = true;
  std::atomic<int> calls = 0, failures = 0;
  std::thread traffic([&] {
    while (rotating) {
      auto [status, presented] = Call(server->address(), TrustingTheCa());
      ++calls;
      if (!status.ok()) {
        ++failures;
        ADD_FAILURE() << "during the rotation: " << status.error_message();
      }
    }
  });
  std::this_thread::sleep_for(300ms);
  Serve("server2.key", "served.key");
  Serve("server2.pem", "served.pem");
  const std::string rotated = ReadFile(dir_.Sub("server2.pem"));
  std::string presented;
  for (int i = 0; i < 100 && presented != rotated; ++i) {
    std::this_thread::sleep_for(100ms);
    presented = Call(server->address(), TrustingTheCa()).second;
  }
  std::this_thread::sleep_for(300ms);
  rotating = false;
  traffic.join();
  EXPECT_EQ(presented, rotated) << "the rotated certificate was not served within 10 s";
  EXPECT_GT(calls.load(), 0);
  EXPECT_EQ(failures.load(), 0);
  EXPECT_EQ(server->Terminate(), 0);
}

TEST_F(TransportSecurityTest, StartsThatAreRefusedSayWhyInOneLine) {
  const std::string identity = IDENTITY_SERVER;
  const std::string data = " --data_dir=" + dir_.Sub("identity");
  const std::vector<std::pair<std::string, std::string>> refused = {
      {" --listen=127.0.0.1:0 --tls_cert_file=" + dir_.Sub("served.pem"),
       "--tls_cert_file and --tls_key_file go together"},
      {" --listen=127.0.0.1:0 --tls_cert_file=" + dir_.Sub("served.pem") +
           " --tls_key_file=" + dir_.Sub("absent.key"),
       "cannot be read as a PEM file"},
      {" --listen=0.0.0.0:0", "is not a loopback address"},
  };
  for (const auto& [flags, reason] : refused) {
    auto [code, output] = Shell(identity + data + flags);
    EXPECT_EQ(code, 2) << flags << ": " << output;
    EXPECT_NE(output.find(reason), std::string::npos) << flags << ": " << output;
  }
  // Told so, it serves plaintext on every address.
  auto open = ServerProcess::Start(
      IDENTITY_SERVER, {"--data_dir=" + dir_.Sub("identity"), "--allow_insecure"}, "0.0.0.0:0");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->Terminate(), 0);
}

}  // namespace
}  // namespace trustsphere::testing
