// A server's transport: TLS from certificate files, a rotated certificate
// served to new connections without a restart while calls go on, and the
// starts that are refused (a certificate without its key, plaintext on a
// non-loopback address). Certificates are made with OpenSSL's command line
// (Debian's openssl, installed by the set-up) under a test-only CA.

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "grpcpp/create_channel.h"
#include "grpcpp/security/credentials.h"
#include "tests/support/child_process.h"
#include "tests/support/identity_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"
#include "trustsphere/identity/v1/identity.grpc.pb.h"
#include "trustsphere/relationships/v1/relationships.grpc.pb.h"

namespace trustsphere::testing {
namespace {

using namespace std::chrono_literals;
namespace iv1 = ::trustsphere::identity::v1;
namespace rv1 = ::trustsphere::relationships::v1;

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream contents;
  contents << file.rdbuf();
  return contents.str();
}

// Runs a shell script to its end; its exit code and what it printed
// (standard error included).
std::pair<int, std::string> Shell(const std::string& script) {
  Finished finished = RunToEnd({"/bin/sh", "-c", "exec 2>&1; " + script}, 30s);
  return {finished.exit_code, std::move(finished.output)};
}

class TransportSecurityTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Two CAs; certificates for the server (two, to rotate), for services
    // and a person (client certificates), one expired and one of the other
    // CA. Every certificate also names localhost and 127.0.0.1.
    auto [code, output] = Shell(
        "set -e; cd " + dir_.path() +
        "; ca() { openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1"
        "   -subj /CN=$1 -keyout $1.key -out $1.pem; }"
        "; request() { printf 'subjectAltName=DNS:%s,DNS:localhost,IP:127.0.0.1\\n' $2 > $1.ext"
        "   && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj /CN=$2"
        "   -keyout $1.key -out $1.csr; }"
        "; cert() { request $1 $2 && openssl x509 -req -in $1.csr -CA $3.pem -CAkey $3.key"
        "   -CAcreateserial -days 1 -extfile $1.ext -out $1.pem; }"
        "; ca ca; ca other-ca"
        "; cert server1 localhost ca; cert server2 localhost ca"
        "; cert relationships relationships ca; cert alice alice ca"
        "; cert stranger relationships other-ca"
        // Named relationships only as a URI and an email address.
        "; request uri someone && printf 'subjectAltName=URI:relationships,"
        "email:relationships@example.fr\\n' > uri.ext && openssl x509 -req -in uri.csr -CA ca.pem"
        "   -CAkey ca.key -CAcreateserial -days 1 -extfile uri.ext -out uri.pem"
        // A server certificate for another host only.
        "; request elsewhere elsewhere.example.fr"
        " && printf 'subjectAltName=DNS:elsewhere.example.fr\\n' > elsewhere.ext"
        " && openssl x509 -req -in elsewhere.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1"
        "   -extfile elsewhere.ext -out elsewhere.pem"
        // `openssl ca` is the command that takes validity dates.
        "; request expired relationships; touch index.txt; echo 1000 > serial.txt"
        "; printf '[ca]\\ndefault_ca=test\\n[test]\\ndatabase=index.txt\\nnew_certs_dir=.\\n"
        "serial=serial.txt\\ndefault_md=sha256\\npolicy=any\\ncopy_extensions=copy\\n"
        "[any]\\ncommonName=supplied\\n' > ca.cnf"
        "; openssl ca -batch -config ca.cnf -cert ca.pem -keyfile ca.key -in expired.csr"
        "   -out expired.pem -startdate 20200101000000Z -enddate 20200102000000Z -notext");
    ASSERT_EQ(code, 0) << output;
    // What the server is given: the folder "served", a symlink to a folder
    // holding one pair, switched at once to rotate (as a Secret volume is).
    for (const std::string pair : {"server1", "server2"}) {
      std::filesystem::create_directories(dir_.Sub(pair + "_pair"));
      std::filesystem::copy_file(dir_.Sub(pair + ".pem"), dir_.Sub(pair + "_pair/tls.crt"));
      std::filesystem::copy_file(dir_.Sub(pair + ".key"), dir_.Sub(pair + "_pair/tls.key"));
    }
    Serve("server1");
  }

  // Points "served" at the pair of `server`, in one rename.
  void Serve(const std::string& server) {
    std::filesystem::create_directory_symlink(dir_.Sub(server + "_pair"), dir_.Sub("served.new"));
    std::filesystem::rename(dir_.Sub("served.new"), dir_.Sub("served"));
  }

  std::vector<std::string> TlsFlags() const {
    return {"--data_dir=" + dir_.Sub("identity"), "--tls_cert_file=" + dir_.Sub("served/tls.crt"),
            "--tls_key_file=" + dir_.Sub("served/tls.key"), "--tls_reload_period=1s"};
  }

  // TLS that trusts the CA, presenting the client certificate `client`
  // (none when empty).
  std::shared_ptr<grpc::ChannelCredentials> Tls(const std::string& client = "") const {
    grpc::SslCredentialsOptions options;
    options.pem_root_certs = ReadFile(dir_.Sub("ca.pem"));
    if (!client.empty()) {
      options.pem_private_key = ReadFile(dir_.Sub(client + ".key"));
      options.pem_cert_chain = ReadFile(dir_.Sub(client + ".pem"));
    }
    return grpc::SslCredentials(options);
  }

  // Identity serving TLS, asking for client certificates and requiring one
  // that names the service for a service's token.
  std::unique_ptr<ServerProcess> StartIdentityRequiringServiceCertificates() {
    std::vector<std::string> flags = TlsFlags();
    flags.insert(flags.end(), {"--tls_ca_file=" + dir_.Sub("ca.pem"), "--require_client_cert"});
    return ServerProcess::Start(IDENTITY_SERVER, flags, "127.0.0.1:0", Tls());
  }

  std::string Token(const std::string& subject, const std::string& role) const {
    return MintToken(TRUSTSPHERE_ADMIN, dir_.Sub("identity/signing_key.json"), subject, role);
  }

  // The uses identity counted for the tag "negotiation", read by an
  // operator (whose token needs no certificate).
  int64_t NegotiationUses(const ServerProcess& identity) {
    auto stub = iv1::IdentityService::NewStub(FreshChannel(identity.address(), Tls()));
    iv1::BatchGetTagsRequest request;
    request.add_facets()->set_kind(common::v1::FACET_KIND_COMPETENCY);
    request.mutable_facets(0)->set_key("negotiation");
    auto context = Context(Token("ops", "operator"));
    iv1::BatchGetTagsResponse response;
    grpc::Status status = stub->BatchGetTags(context.get(), request, &response);
    EXPECT_TRUE(status.ok()) << status.error_message();
    return response.tags().empty() ? 0 : response.tags(0).use_count();
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

  TempDir dir_;
};

TEST_F(TransportSecurityTest, ServesTlsAndRefusesAPlaintextClient) {
  auto server = ServerProcess::Start(IDENTITY_SERVER, TlsFlags(), "127.0.0.1:0", Tls());
  ASSERT_NE(server, nullptr);
  auto [status, presented] = Call(server->address(), Tls());
  EXPECT_TRUE(status.ok()) << status.error_message();
  EXPECT_EQ(presented, ReadFile(dir_.Sub("server1.pem")));
  EXPECT_EQ(Call(server->address(), grpc::InsecureChannelCredentials()).first.error_code(),
            grpc::StatusCode::UNAVAILABLE);
  // A client that trusts another CA does not accept the server's certificate.
  grpc::SslCredentialsOptions stranger;
  stranger.pem_root_certs = ReadFile(dir_.Sub("other-ca.pem"));
  EXPECT_EQ(Call(server->address(), grpc::SslCredentials(stranger)).first.error_code(),
            grpc::StatusCode::UNAVAILABLE);
}

TEST_F(TransportSecurityTest, ARotatedCertificateIsServedWithoutARestart) {
  auto server = ServerProcess::Start(IDENTITY_SERVER, TlsFlags(), "127.0.0.1:0", Tls());
  ASSERT_NE(server, nullptr);
  // Calls go on during the rotation, each on a new connection.
  std::atomic<bool> rotating = true;
  std::atomic<int> calls = 0, failures = 0;
  std::thread traffic([&] {
    while (rotating) {
      auto [status, presented] = Call(server->address(), Tls());
      ++calls;
      if (!status.ok()) {
        ++failures;
        ADD_FAILURE() << "during the rotation: " << status.error_message();
      }
    }
  });
  std::this_thread::sleep_for(300ms);
  Serve("server2");
  const std::string rotated = ReadFile(dir_.Sub("server2.pem"));
  std::string presented;
  for (int i = 0; i < 100 && presented != rotated; ++i) {
    std::this_thread::sleep_for(100ms);
    presented = Call(server->address(), Tls()).second;
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
  const std::string identity = std::string(IDENTITY_SERVER) + " --data_dir=" + dir_.Sub("identity");
  const std::string cert = " --tls_cert_file=" + dir_.Sub("server1.pem");
  const std::vector<std::pair<std::string, std::string>> refused = {
      {identity + cert, "--tls_cert_file and --tls_key_file go together"},
      {identity + cert + " --tls_key_file=" + dir_.Sub("absent.key"),
       "does not hold a PEM private key"},
      {identity + cert + " --tls_key_file=" + dir_.Sub("server2.key"),
       "is not the key of --tls_cert_file"},
      {identity + " --tls_cert_file=" + dir_.Sub("server1.key") +
           " --tls_key_file=" + dir_.Sub("server1.key"),
       "does not hold a PEM certificate"},
      {identity + cert + " --tls_key_file=" + dir_.Sub("server1.key") + " --tls_reload_period=0s",
       "--tls_reload_period must be between 1s and 24h"},
      {identity + " --listen=0.0.0.0:0", "--listen=0.0.0.0:0 is not a loopback address"},
      {identity + " --listen=127.example.fr:0", "is not a loopback address"},
      {identity + " --require_client_cert", "--require_client_cert needs"},
      // A service's token in plaintext off loopback.
      {std::string(RELATIONSHIPS_SERVER) + " --data_dir=" + dir_.Sub("relationships") +
           " --identity_addr=192.0.2.1:50051",
       "calling 192.0.2.1:50051 is not a loopback address"},
  };
  for (const auto& [command, reason] : refused) {
    // On a port of its own unless the case is about the address.
    const bool listens = command.find("--listen=") != std::string::npos;
    auto [code, output] = Shell(command + (listens ? "" : " --listen=127.0.0.1:0"));
    EXPECT_EQ(code, 2) << command << ": " << output;
    EXPECT_NE(output.find(reason), std::string::npos) << command << ": " << output;
  }
  // Told so, it serves plaintext on every address.
  auto open = ServerProcess::Start(
      IDENTITY_SERVER, {"--data_dir=" + dir_.Sub("identity"), "--allow_insecure"}, "0.0.0.0:0");
  ASSERT_NE(open, nullptr);
  EXPECT_EQ(open->Terminate(), 0);
}

// A service's token is accepted only with the service's own certificate;
// every other way of sending it writes nothing.
TEST_F(TransportSecurityTest, AServiceTokenNeedsTheServicesCertificate) {
  auto identity = StartIdentityRequiringServiceCertificates();
  ASSERT_NE(identity, nullptr);
  const std::string service_token = Token("relationships", "service");
  auto record_use = [&](std::shared_ptr<grpc::ChannelCredentials> credentials) {
    auto stub = iv1::IdentityService::NewStub(FreshChannel(identity->address(), credentials));
    iv1::RecordTagUseRequest request;
    request.add_tags()->set_kind(common::v1::FACET_KIND_COMPETENCY);
    request.mutable_tags(0)->set_key("negotiation");
    auto context = Context(service_token);
    iv1::RecordTagUseResponse response;
    return stub->RecordTagUse(context.get(), request, &response).error_code();
  };
  // No client certificate: the token alone is not enough.
  EXPECT_EQ(record_use(Tls()), grpc::StatusCode::UNAUTHENTICATED);
  // A person's certificate from the same CA does not make a service.
  EXPECT_EQ(record_use(Tls("alice")), grpc::StatusCode::PERMISSION_DENIED);
  // Nor does a certificate naming the service only as a URI or an email.
  EXPECT_EQ(record_use(Tls("uri")), grpc::StatusCode::PERMISSION_DENIED);
  // Certificates the handshake refuses: expired, of another CA; and no TLS.
  EXPECT_EQ(record_use(Tls("expired")), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(record_use(Tls("stranger")), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(record_use(grpc::InsecureChannelCredentials()), grpc::StatusCode::UNAVAILABLE);
  EXPECT_EQ(NegotiationUses(*identity), 0);

  EXPECT_EQ(record_use(Tls("relationships")), grpc::StatusCode::OK);
  EXPECT_EQ(NegotiationUses(*identity), 1);
}

// A service's channel checks the server's name as well as its CA: an
// identity presenting a certificate of the right CA for another host is
// not called, and relationships does not start without its keys.
TEST_F(TransportSecurityTest, AServerCertifiedForAnotherHostIsNotCalled) {
  ChildProcess identity({IDENTITY_SERVER, "--listen=127.0.0.1:0",
                         "--data_dir=" + dir_.Sub("identity"),
                         "--tls_cert_file=" + dir_.Sub("elsewhere.pem"),
                         "--tls_key_file=" + dir_.Sub("elsewhere.key")});
  auto listening = identity.ReadLine(30s);
  ASSERT_TRUE(listening && listening->rfind("listening on ", 0) == 0);
  const std::string address = listening->substr(std::string("listening on ").size());
  auto [code, output] =
      Shell(std::string(RELATIONSHIPS_SERVER) + " --listen=127.0.0.1:0" +
            " --data_dir=" + dir_.Sub("relationships") + " --identity_addr=" + address +
            " --tls_ca_file=" + dir_.Sub("ca.pem") + " --startup_timeout=2s");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("cannot start"), std::string::npos) << output;
  // Refused by the name check, not by anything else.
  EXPECT_NE(output.find("Hostname Verification Check failed"), std::string::npos) << output;
}

// Relationships calls identity over mutual TLS with its certificate; with a
// person's certificate instead, identity refuses it and it does not start.
TEST_F(TransportSecurityTest, RelationshipsCallsIdentityWithItsCertificate) {
  auto identity = StartIdentityRequiringServiceCertificates();
  ASSERT_NE(identity, nullptr);
  auto start_relationships = [&](const std::string& name, const std::string& certificate) {
    const std::string data = dir_.Sub(name);
    std::filesystem::create_directories(data);
    std::ofstream(data + "/service_token") << Token("relationships", "service");
    return ServerProcess::Start(RELATIONSHIPS_SERVER,
                                {"--data_dir=" + data, "--identity_addr=" + identity->address(),
                                 "--tls_cert_file=" + dir_.Sub(certificate + ".pem"),
                                 "--tls_key_file=" + dir_.Sub(certificate + ".key"),
                                 "--tls_ca_file=" + dir_.Sub("ca.pem"), "--tag_use_period=100ms"},
                                "127.0.0.1:0", Tls());
  };
  auto identity_stub = iv1::IdentityService::NewStub(FreshChannel(identity->address(), Tls()));
  Account alice = SignUp(*identity_stub, "Alice", "alice@example.fr");
  Account bob = SignUp(*identity_stub, "Bob", "bob@example.fr");
  auto put_trust = [&](const ServerProcess& relationships) {
    auto stub = rv1::RelationshipService::NewStub(FreshChannel(relationships.address(), Tls()));
    rv1::PutTrustRequest request;
    request.mutable_statement()->set_trustee_id(bob.person.id());
    auto* facet = request.mutable_statement()->mutable_sphere()->add_inside();
    facet->set_kind(common::v1::FACET_KIND_COMPETENCY);
    facet->set_key("negotiation");
    auto context = Context(alice.token);
    rv1::TrustStatement statement;
    return stub->PutTrust(context.get(), request, &statement);
  };

  // With a person's certificate, identity refuses its service token: it
  // cannot read identity's deletions, so it does not start, and says why.
  const std::string impostor = dir_.Sub("impostor");
  std::filesystem::create_directories(impostor);
  std::ofstream(impostor + "/service_token") << Token("relationships", "service");
  auto [code, output] = Shell(
      std::string(RELATIONSHIPS_SERVER) + " --listen=127.0.0.1:0 --data_dir=" + impostor +
      " --identity_addr=" + identity->address() + " --tls_cert_file=" + dir_.Sub("alice.pem") +
      " --tls_key_file=" + dir_.Sub("alice.key") + " --tls_ca_file=" + dir_.Sub("ca.pem") +
      " --startup_timeout=2s");
  EXPECT_EQ(code, 1) << output;
  EXPECT_NE(output.find("does not name the service relationships"), std::string::npos) << output;

  auto relationships = start_relationships("relationships", "relationships");
  ASSERT_NE(relationships, nullptr);
  grpc::Status stated = put_trust(*relationships);
  EXPECT_TRUE(stated.ok()) << stated.error_message();
  // Its tag use reaches identity over the same channel.
  int64_t uses = 0;
  for (int i = 0; i < 100 && (uses = NegotiationUses(*identity)) == 0; ++i) {
    std::this_thread::sleep_for(100ms);
  }
  EXPECT_EQ(uses, 1);
}

}  // namespace
}  // namespace trustsphere::testing
