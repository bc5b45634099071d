#pragma once

// One handler style for every service. Each service lists its unary RPCs in
// one table, an X-macro in its *_handlers.h:
//
//   #define TRUSTSPHERE_FOO_RPCS(RPC)
//     RPC(GetFoo, v1::Foo, kAuthenticated, kQuickRead, kReads)
//     RPC(PutFoo, v1::Foo, kAuthenticated, kBlocking, kWrites)
//
// naming, per RPC, its response, who may call it (Access), where its body
// runs (Work: kQuickRead on the gRPC thread that received it, for reads of
// local storage only; kBlocking on the executor) and the rate limit it
// counts against (QuotaClass). The handler class expands
// the table with TRUSTSPHERE_DECLARE_UNARY; its .cc with
// TRUSTSPHERE_DEFINE_UNARY, each body being Logic::Method(caller, request)
// run by the RpcRunner. The class provides `Logic`, `runner_` and `logic_`
// (a std::atomic<Logic*>, null until storage is open).

#include "services/common/server/rpc_runner.h"

#define TRUSTSPHERE_DECLARE_UNARY(Method, Response, AccessLevel, WorkKind, Quota)          \
  grpc::ServerUnaryReactor* Method(grpc::CallbackServerContext* context,                   \
                                   const v1::Method##Request* request, Response* response) \
      override;

#define TRUSTSPHERE_DEFINE_UNARY(Handlers, Method, Response, AccessLevel, WorkKind, Quota)         \
  grpc::ServerUnaryReactor* Handlers::Method(grpc::CallbackServerContext* context,                 \
                                             const v1::Method##Request* request,                   \
                                             Response* response) {                                 \
    return ::trustsphere::Serve(*runner_, context, #Method, ::trustsphere::Access::AccessLevel,    \
                                ::trustsphere::QuotaClass::Quota, logic_, &Logic::Method, request, \
                                response, ::trustsphere::Work::WorkKind);                          \
  }
