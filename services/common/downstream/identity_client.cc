#include "services/common/downstream/identity_client.h"

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "grpcpp/client_context.h"

namespace trustsphere {

IdentityClient::IdentityClient(std::shared_ptr<grpc::Channel> channel, ServiceToken* token)
    : stub_(identity_v1::IdentityService::NewStub(std::move(channel))), token_(token) {}

absl::StatusOr<identity_v1::Person> IdentityClient::GetPerson(const std::string& id,
                                                              absl::Time deadline) {
  auto context = DownstreamContext(token_, deadline);
  if (!context.ok()) return context.status();
  identity_v1::GetPersonRequest request;
  request.set_id(id);
  identity_v1::Person person;
  if (auto status =
          FromDownstream(stub_->GetPerson(context->get(), request, &person), "identity GetPerson");
      !status.ok()) {
    return status;
  }
  return person;
}

absl::StatusOr<std::vector<identity_v1::Person>> IdentityClient::BatchGetPersons(
    const std::vector<std::string>& ids, absl::Time deadline) {
  std::vector<identity_v1::Person> persons;
  if (ids.empty()) return persons;
  auto context = DownstreamContext(token_, deadline);
  if (!context.ok()) return context.status();
  identity_v1::BatchGetPersonsRequest request;
  for (const auto& id : ids) request.add_ids(id);
  identity_v1::BatchGetPersonsResponse response;
  if (auto status = FromDownstream(stub_->BatchGetPersons(context->get(), request, &response),
                                   "identity BatchGetPersons");
      !status.ok()) {
    return status;
  }
  persons.assign(response.persons().begin(), response.persons().end());
  return persons;
}

absl::StatusOr<identity_v1::ListIdentityChangesResponse> IdentityClient::ListIdentityChanges(
    const std::string& after_cursor, int limit, absl::Time deadline) {
  auto context = DownstreamContext(token_, deadline);
  if (!context.ok()) return context.status();
  identity_v1::ListIdentityChangesRequest request;
  request.set_after_cursor(after_cursor);
  request.set_page_size(limit);
  identity_v1::ListIdentityChangesResponse response;
  if (auto status = FromDownstream(stub_->ListIdentityChanges(context->get(), request, &response),
                                   "identity ListIdentityChanges");
      !status.ok()) {
    return status;
  }
  return response;
}

absl::StatusOr<std::vector<identity_v1::Position>> IdentityClient::BatchGetPositions(
    const std::vector<std::string>& ids, absl::Time deadline) {
  std::vector<identity_v1::Position> positions;
  if (ids.empty()) return positions;
  auto context = DownstreamContext(token_, deadline);
  if (!context.ok()) return context.status();
  identity_v1::BatchGetPositionsRequest request;
  for (const auto& id : ids) request.add_ids(id);
  identity_v1::BatchGetPositionsResponse response;
  if (auto status = FromDownstream(stub_->BatchGetPositions(context->get(), request, &response),
                                   "identity BatchGetPositions");
      !status.ok()) {
    return status;
  }
  positions.assign(response.positions().begin(), response.positions().end());
  return positions;
}

absl::StatusOr<std::vector<identity_v1::Position>> IdentityClient::ListAllPositions(
    const std::string& person_id, absl::Time deadline) {
  std::vector<identity_v1::Position> positions;
  identity_v1::ListPositionsRequest request;
  request.set_person_id(person_id);
  request.set_page_size(100);
  do {
    auto context = DownstreamContext(token_, deadline);
    if (!context.ok()) return context.status();
    identity_v1::ListPositionsResponse page;
    if (auto status = FromDownstream(stub_->ListPositions(context->get(), request, &page),
                                     "identity ListPositions");
        !status.ok()) {
      return status;
    }
    positions.insert(positions.end(), page.positions().begin(), page.positions().end());
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return positions;
}

absl::StatusOr<std::vector<identity_v1::Position>> IdentityClient::FindOverlappingPositions(
    const std::string& position_id, int limit, absl::Time deadline) {
  std::vector<identity_v1::Position> positions;
  identity_v1::FindOverlappingPositionsRequest request;
  request.set_position_id(position_id);
  request.set_page_size(100);
  do {
    auto context = DownstreamContext(token_, deadline);
    if (!context.ok()) return context.status();
    identity_v1::FindOverlappingPositionsResponse page;
    if (auto status =
            FromDownstream(stub_->FindOverlappingPositions(context->get(), request, &page),
                           "identity FindOverlappingPositions");
        !status.ok()) {
      return status;
    }
    for (const auto& position : page.positions()) {
      if (static_cast<int>(positions.size()) == limit) return positions;
      positions.push_back(position);
    }
    request.set_page_token(page.next_page_token());
  } while (!request.page_token().empty());
  return positions;
}

absl::StatusOr<std::vector<identity_v1::Tag>> IdentityClient::BatchGetTags(
    const std::vector<common::v1::Facet>& facets, absl::Time deadline) {
  std::vector<identity_v1::Tag> tags;
  if (facets.empty()) return tags;
  auto context = DownstreamContext(token_, deadline);
  if (!context.ok()) return context.status();
  identity_v1::BatchGetTagsRequest request;
  for (const auto& facet : facets) *request.add_facets() = facet;
  identity_v1::BatchGetTagsResponse response;
  if (auto status = FromDownstream(stub_->BatchGetTags(context->get(), request, &response),
                                   "identity BatchGetTags");
      !status.ok()) {
    return status;
  }
  tags.assign(response.tags().begin(), response.tags().end());
  return tags;
}

absl::Status IdentityClient::RecordTagUse(const std::vector<identity_v1::Tag>& tags,
                                          absl::Time deadline) {
  if (tags.empty()) return absl::OkStatus();
  auto context = DownstreamContext(token_, deadline);
  if (!context.ok()) return context.status();
  identity_v1::RecordTagUseRequest request;
  for (const auto& tag : tags) *request.add_tags() = tag;
  identity_v1::RecordTagUseResponse response;
  return FromDownstream(stub_->RecordTagUse(context->get(), request, &response),
                        "identity RecordTagUse");
}

absl::StatusOr<PublicKeySet> IdentityClient::GetSigningKeys(absl::Time deadline) {
  // A public call, signed in when the token can be read: identity then
  // charges it to this service's budget rather than to its address's.
  auto context = DownstreamContext(token_, deadline);
  if (!context.ok()) context = DownstreamContext(nullptr, deadline);
  if (!context.ok()) return context.status();
  identity_v1::GetSigningKeysResponse response;
  if (auto status = FromDownstream(stub_->GetSigningKeys(context->get(), {}, &response),
                                   "identity GetSigningKeys");
      !status.ok()) {
    return status;
  }
  PublicKeySet keys;
  for (const auto& key : response.keys()) {
    if (key.algorithm() == "EdDSA") keys[key.key_id()] = key.public_key();
  }
  return keys;
}

}  // namespace trustsphere
