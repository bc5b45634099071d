#include "services/identity/identity_handlers.h"

#include "services/common/import_stream.h"

namespace trustsphere::identity {

IdentityHandlers::Reactor* IdentityHandlers::CreatePerson(Context* context,
                                                          const v1::CreatePersonRequest* request,
                                                          v1::Person* response) {
  return Public(context, "CreatePerson", &IdentityLogic::CreatePerson, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::GetPerson(Context* context,
                                                       const v1::GetPersonRequest* request,
                                                       v1::Person* response) {
  return Serve(*runner_, context, "GetPerson", Access::kAuthenticated, logic_,
               &IdentityLogic::GetPerson, request, response, Work::kQuickRead);
}

IdentityHandlers::Reactor* IdentityHandlers::UpdatePerson(Context* context,
                                                          const v1::UpdatePersonRequest* request,
                                                          v1::Person* response) {
  return Serve(*runner_, context, "UpdatePerson", Access::kAuthenticated, logic_,
               &IdentityLogic::UpdatePerson, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::DeletePerson(Context* context,
                                                          const v1::DeletePersonRequest* request,
                                                          google::protobuf::Empty* response) {
  return Serve(*runner_, context, "DeletePerson", Access::kAuthenticated, logic_,
               &IdentityLogic::DeletePerson, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::Authenticate(Context* context,
                                                          const v1::AuthenticateRequest* request,
                                                          v1::AuthenticateResponse* response) {
  return Public(context, "Authenticate", &IdentityLogic::Authenticate, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::GetSigningKeys(
    Context* context, const v1::GetSigningKeysRequest* request,
    v1::GetSigningKeysResponse* response) {
  return runner_->Run(context, "GetSigningKeys", Access::kPublic, [=, this](const Caller&) {
    *response = logic().GetSigningKeys();
    return absl::OkStatus();
  });
}

IdentityHandlers::Reactor* IdentityHandlers::AddPosition(Context* context,
                                                         const v1::AddPositionRequest* request,
                                                         v1::Position* response) {
  return Serve(*runner_, context, "AddPosition", Access::kAuthenticated, logic_,
               &IdentityLogic::AddPosition, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::UpdatePosition(
    Context* context, const v1::UpdatePositionRequest* request, v1::Position* response) {
  return Serve(*runner_, context, "UpdatePosition", Access::kAuthenticated, logic_,
               &IdentityLogic::UpdatePosition, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::RemovePosition(
    Context* context, const v1::RemovePositionRequest* request, google::protobuf::Empty* response) {
  return Serve(*runner_, context, "RemovePosition", Access::kAuthenticated, logic_,
               &IdentityLogic::RemovePosition, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::BatchGetPositions(
    Context* context, const v1::BatchGetPositionsRequest* request,
    v1::BatchGetPositionsResponse* response) {
  return Serve(*runner_, context, "BatchGetPositions", Access::kAuthenticated, logic_,
               &IdentityLogic::BatchGetPositions, request, response, Work::kQuickRead);
}

IdentityHandlers::Reactor* IdentityHandlers::ListPositions(Context* context,
                                                           const v1::ListPositionsRequest* request,
                                                           v1::ListPositionsResponse* response) {
  return Serve(*runner_, context, "ListPositions", Access::kAuthenticated, logic_,
               &IdentityLogic::ListPositions, request, response, Work::kQuickRead);
}

IdentityHandlers::Reactor* IdentityHandlers::FindOverlappingPositions(
    Context* context, const v1::FindOverlappingPositionsRequest* request,
    v1::FindOverlappingPositionsResponse* response) {
  return Serve(*runner_, context, "FindOverlappingPositions", Access::kAuthenticated, logic_,
               &IdentityLogic::FindOverlappingPositions, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::SearchTags(Context* context,
                                                        const v1::SearchTagsRequest* request,
                                                        v1::SearchTagsResponse* response) {
  return Serve(*runner_, context, "SearchTags", Access::kAuthenticated, logic_,
               &IdentityLogic::SearchTags, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::RecordTagUse(Context* context,
                                                          const v1::RecordTagUseRequest* request,
                                                          v1::RecordTagUseResponse* response) {
  return Serve(*runner_, context, "RecordTagUse", Access::kAuthenticated, logic_,
               &IdentityLogic::RecordTagUse, request, response);
}

IdentityHandlers::Reactor* IdentityHandlers::BatchGetPersons(
    Context* context, const v1::BatchGetPersonsRequest* request,
    v1::BatchGetPersonsResponse* response) {
  return Serve(*runner_, context, "BatchGetPersons", Access::kAuthenticated, logic_,
               &IdentityLogic::BatchGetPersons, request, response, Work::kQuickRead);
}

grpc::ServerReadReactor<grpc::ByteBuffer>* IdentityHandlers::ImportPersons(
    Context* context, grpc::ByteBuffer* response) {
  return ImportStream<v1::ImportPersonsRequest, v1::ImportPersonsResponse>::Start(
      *runner_, context, "ImportPersons", response,
      [this](const Caller& caller, const v1::ImportPersonsRequest& batch,
             v1::ImportPersonsResponse* totals) {
        return logic().ImportPersons(caller, batch, totals);
      });
}

}  // namespace trustsphere::identity
