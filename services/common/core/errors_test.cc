#include "services/common/core/errors.h"

#include <gtest/gtest.h>

#include "google/rpc/error_details.pb.h"
#include "google/rpc/status.pb.h"

namespace trustsphere {
namespace {

TEST(ErrorsTest, FieldViolationsBecomeBadRequestDetails) {
  FieldErrors errors;
  errors.Add("person.email", "required");
  errors.Add("password", "at least 8 bytes");
  absl::Status status = errors.ToStatus();
  EXPECT_TRUE(absl::IsInvalidArgument(status));
  EXPECT_EQ(FieldViolationsOf(status).size(), 2u);

  grpc::Status wire = ToGrpcStatus(status);
  EXPECT_EQ(wire.error_code(), grpc::StatusCode::INVALID_ARGUMENT);
  google::rpc::Status rich;
  ASSERT_TRUE(rich.ParseFromString(wire.error_details()));
  ASSERT_EQ(rich.details_size(), 1);
  google::rpc::BadRequest bad_request;
  ASSERT_TRUE(rich.details(0).UnpackTo(&bad_request));
  ASSERT_EQ(bad_request.field_violations_size(), 2);
  EXPECT_EQ(bad_request.field_violations(0).field(), "person.email");
  EXPECT_EQ(bad_request.field_violations(1).field(), "password");
}

TEST(ErrorsTest, NoViolationsIsOk) { EXPECT_TRUE(FieldErrors().ToStatus().ok()); }

TEST(ErrorsTest, CodesAreKept) {
  EXPECT_EQ(ToGrpcStatus(absl::AbortedError("etag")).error_code(), grpc::StatusCode::ABORTED);
  EXPECT_EQ(ToGrpcStatus(absl::NotFoundError("x")).error_code(), grpc::StatusCode::NOT_FOUND);
  EXPECT_TRUE(ToGrpcStatus(absl::OkStatus()).ok());
}

}  // namespace
}  // namespace trustsphere
