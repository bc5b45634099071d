#include "tests/support/identity_client.h"

#include <gtest/gtest.h>

#include <thread>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"
#include "tests/support/child_process.h"

namespace trustsphere::testing {

using namespace std::chrono_literals;

std::unique_ptr<grpc::ClientContext> Context(const std::string& token) {
  auto context = std::make_unique<grpc::ClientContext>();
  context->set_deadline(std::chrono::system_clock::now() + 10s);
  if (!token.empty()) context->AddMetadata("authorization", "Bearer " + token);
  return context;
}

Account SignUp(identity_v1::IdentityService::Stub& stub, const std::string& display_name,
               const std::string& email) {
  Account account;
  account.email = email;
  account.password = "correct horse " + display_name;
  identity_v1::CreatePersonRequest create;
  create.mutable_person()->set_display_name(display_name);
  create.mutable_person()->set_email(email);
  create.set_password(account.password);
  grpc::Status created = stub.CreatePerson(Context().get(), create, &account.person);
  EXPECT_TRUE(created.ok()) << created.error_message();

  identity_v1::AuthenticateRequest login;
  login.set_email(email);
  login.set_password(account.password);
  identity_v1::AuthenticateResponse session;
  grpc::Status logged_in = stub.Authenticate(Context().get(), login, &session);
  EXPECT_TRUE(logged_in.ok()) << logged_in.error_message();
  account.token = session.access_token();
  account.session_id = session.session_id();
  account.refresh_token = session.refresh_token();
  return account;
}

std::vector<std::string> ViolatedFields(const grpc::Status& status) {
  std::vector<std::string> fields;
  google::rpc::Status rich;
  if (!rich.ParseFromString(status.error_details())) return fields;
  for (const auto& detail : rich.details()) {
    google::rpc::BadRequest bad_request;
    if (!detail.UnpackTo(&bad_request)) continue;
    for (const auto& violation : bad_request.field_violations()) {
      fields.push_back(violation.field());
    }
  }
  return fields;
}

grpc::Status RetryUntilOk(const std::function<grpc::Status()>& call) {
  grpc::Status status;
  for (auto end = std::chrono::steady_clock::now() + 20s; std::chrono::steady_clock::now() < end;
       std::this_thread::sleep_for(100ms)) {
    status = call();
    if (status.ok()) break;
  }
  return status;
}

std::string MintToken(const std::string& admin_binary, const std::string& key_file,
                      const std::string& subject, const std::string& role, const std::string& ttl) {
  ChildProcess admin({admin_binary, "mint-token", "--signing_key_file=" + key_file,
                      "--subject=" + subject, "--role=" + role, "--ttl=" + ttl});
  auto token = admin.ReadLine(10s);
  EXPECT_TRUE(token.has_value()) << "trustsphere_admin printed no token";
  admin.Wait(10s);
  return token.value_or("");
}

}  // namespace trustsphere::testing
