// Bad input to every RPC: each valid request of the catalog is spoiled one
// field at a time (invalid UTF-8, an oversized string, an oversized list,
// an unknown enum value, a missing field, a bad page token or size) and
// sent by a caller the valid request succeeds for. Each must be refused
// with INVALID_ARGUMENT (or RESOURCE_EXHAUSTED for a list over a limit)
// naming the field, and the three databases must be unchanged afterwards.

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/reflection.h"
#include "tests/catalog_fixture.h"
#include "tests/support/database_contents.h"

namespace trustsphere::testing {
namespace {

using google::protobuf::FieldDescriptor;
using google::protobuf::Message;
using namespace std::chrono_literals;

// One spoiled copy of a request, and the field it spoils.
struct Spoiled {
  std::string field;  // path, as the service names it: "statement.note", "ids[0]"
  std::string how;
  Request request;
};

// The path of `field` (its first element when repeated) under `prefix`.
std::string PathOf(const std::string& prefix, const FieldDescriptor& field) {
  return prefix + field.name() + (field.is_repeated() ? "[0]" : "");
}

// Spoils a field (the first element of a repeated one) in the message that
// holds it.
using Spoil = std::function<void(Message& holder, const FieldDescriptor&)>;

// Every field set in `base`, recursively (with its first element when
// repeated): calls `visit` with the path, the descriptor and a function that
// applies a spoiling to a fresh copy of `base`.
void ForEachSetField(
    const Message& base, const Message& message, const std::string& prefix,
    const std::function<Message*(Message&)>& locate,
    const std::function<void(const std::string&, const FieldDescriptor&,
                             const std::function<Request(const Spoil&)>&)>& visit) {
  std::vector<const FieldDescriptor*> fields;
  message.GetReflection()->ListFields(message, &fields);
  for (const FieldDescriptor* field : fields) {
    const std::string path = PathOf(prefix, *field);
    auto spoiled = [&base, locate, field](const Spoil& spoil) {
      Request copy(base.New());
      copy->CopyFrom(base);
      spoil(*locate(*copy), *field);
      return copy;
    };
    visit(path, *field, spoiled);
    if (field->type() != FieldDescriptor::TYPE_MESSAGE || field->is_map()) continue;
    const Message& inner = field->is_repeated()
                               ? message.GetReflection()->GetRepeatedMessage(message, field, 0)
                               : message.GetReflection()->GetMessage(message, field);
    // Well-known types (timestamps, field masks) are checked as a whole.
    if (absl::StartsWith(inner.GetDescriptor()->full_name(), "google.protobuf.")) continue;
    ForEachSetField(
        base, inner, path + ".",
        [locate, field](Message& root) {
          Message* holder = locate(root);
          return field->is_repeated()
                     ? holder->GetReflection()->MutableRepeatedMessage(holder, field, 0)
                     : holder->GetReflection()->MutableMessage(holder, field);
        },
        visit);
  }
}

std::vector<Spoiled> SpoilingsOf(const Message& base) {
  std::vector<Spoiled> out;
  auto visit = [&](const std::string& path, const FieldDescriptor& field,
                   const std::function<Request(const Spoil&)>& spoiled) {
    const bool top_level = path.find('.') == std::string::npos;
    if (field.type() == FieldDescriptor::TYPE_STRING) {
      auto set = [](std::string value) {
        return [value](Message& holder, const FieldDescriptor& f) {
          if (f.is_repeated()) {
            holder.GetReflection()->SetRepeatedString(&holder, &f, 0, value);
          } else {
            holder.GetReflection()->SetString(&holder, &f, value);
          }
        };
      };
      out.push_back({path, "not UTF-8", spoiled(set("caf\xc3("))});
      out.push_back({path, "100,000 characters", spoiled(set(std::string(100000, 'a')))});
    }
    if (field.type() == FieldDescriptor::TYPE_ENUM && !field.is_repeated()) {
      out.push_back(
          {path, "unknown enum value", spoiled([](Message& holder, const FieldDescriptor& f) {
             holder.GetReflection()->SetEnumValue(&holder, &f, 999);
           })});
    }
    if (field.is_repeated() && (field.type() == FieldDescriptor::TYPE_MESSAGE ||
                                field.type() == FieldDescriptor::TYPE_STRING)) {
      out.push_back({path.substr(0, path.rfind('[')), "10,000 elements",
                     spoiled([](Message& holder, const FieldDescriptor& f) {
                       const google::protobuf::Reflection* reflection = holder.GetReflection();
                       for (int i = 0; i < 10000; ++i) {
                         if (f.type() == FieldDescriptor::TYPE_MESSAGE) {
                           reflection->AddMessage(&holder, &f)
                               ->CopyFrom(reflection->GetRepeatedMessage(holder, &f, 0));
                         } else if (f.type() == FieldDescriptor::TYPE_STRING) {
                           reflection->AddString(&holder, &f,
                                                 reflection->GetRepeatedString(holder, &f, 0));
                         }
                       }
                     })});
    }
    if (top_level && !field.is_repeated() && field.type() != FieldDescriptor::TYPE_BOOL) {
      out.push_back({path, "missing", spoiled([](Message& holder, const FieldDescriptor& f) {
                       holder.GetReflection()->ClearField(&holder, &f);
                     })});
    }
  };
  ForEachSetField(
      base, base, "", [](Message& root) { return &root; }, visit);

  // Paging fields, set or not.
  const google::protobuf::Descriptor* type = base.GetDescriptor();
  if (const FieldDescriptor* size = type->FindFieldByName("page_size")) {
    Request copy(base.New());
    copy->CopyFrom(base);
    copy->GetReflection()->SetInt32(copy.get(), size, -1);
    out.push_back({"page_size", "negative", std::move(copy)});
  }
  if (const FieldDescriptor* token = type->FindFieldByName("page_token")) {
    for (std::string bad : {std::string("not-a-page-token"), std::string(5000, 'A')}) {
      Request copy(base.New());
      copy->CopyFrom(base);
      copy->GetReflection()->SetString(copy.get(), token, bad);
      out.push_back({"page_token", "not one of ours", std::move(copy)});
    }
  }
  return out;
}

class BadInputTest : public CatalogTest {
 protected:
  // A token the valid request succeeds with: the owner's, else an
  // operator's or a service's.
  std::string TokenFor(const RpcCase& rpc, const World& world) const {
    if (rpc.expect.owner == Code::OK) return (world.*rpc.owner).token;
    return rpc.expect.operator_ == Code::OK ? operator_token_ : service_token_;
  }
};

// Fields a request may leave out: their absence is not an error. Any other
// field the catalog's request sets is required.
const std::set<std::string> kOptional = {
    "IdentityService/SearchTags prefix",              // empty: the most used tags
    "IdentityService/SearchPeople organization",      // empty: any organisation
    "IdentityService/Authenticate device_label",      // empty: no label
    "IdentityService/ListIdentityChanges page_size",  // 0: the default page
};

TEST_F(BadInputTest, EverySpoiledFieldIsRefusedByNameAndNothingChanges) {
  const World world = MakeWorld(*deployment_, 0);
  const auto before = Settled();  // the world's own background writes landed

  int refused = 0;
  for (const RpcCase& rpc : AllRpcs()) {
    if (absl::StartsWith(rpc.method, "AdminService/")) continue;  // no fields
    const Request base = rpc.request(world);
    for (Spoiled& spoiled : SpoilingsOf(*base)) {
      if (spoiled.how == "missing" && kOptional.contains(rpc.method + " " + spoiled.field)) {
        continue;
      }
      grpc::Status status = client_->Call(rpc, *spoiled.request, TokenFor(rpc, world));
      const std::string what =
          absl::StrCat(rpc.method, " with ", spoiled.field, " ", spoiled.how, ": got ",
                       status.error_code(), " (", status.error_message().substr(0, 200), ")");
      const bool list_limit =
          spoiled.how == "10,000 elements" && status.error_code() == Code::RESOURCE_EXHAUSTED;
      EXPECT_TRUE(status.error_code() == Code::INVALID_ARGUMENT || list_limit) << what;
      // The violation names the spoiled field, or an element or part of it.
      bool named = false;
      for (const std::string& field : ViolatedFields(status)) {
        named |= absl::StartsWith(field, spoiled.field) || absl::StartsWith(spoiled.field, field);
      }
      EXPECT_TRUE(named || list_limit) << what;
      ++refused;
    }
  }
  const auto after = Settled();
  for (const auto& [path, contents] : before) {
    EXPECT_EQ(DescribeDifference(contents, after.at(path)), "")
        << path << " changed after " << refused << " refused calls";
  }
  EXPECT_GT(refused, 100);
  std::cout << refused << " spoiled requests refused" << std::endl;
}

}  // namespace
}  // namespace trustsphere::testing
