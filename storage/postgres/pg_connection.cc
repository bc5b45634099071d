#include "storage/postgres/pg_connection.h"

#include <poll.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_replace.h"

namespace trustsphere::storage::postgres {
namespace {

constexpr Oid kByteaOid = 17;

// libpq's messages span lines ("FATAL:  ...\nDETAIL: ..."): one line here.
std::string OneLine(absl::string_view message) {
  std::string line = absl::StrReplaceAll(absl::StripAsciiWhitespace(message), {{"\n", " "}});
  line.erase(
      std::unique(line.begin(), line.end(), [](char a, char b) { return a == ' ' && b == ' '; }),
      line.end());
  return line;
}

absl::Status FromSqlState(absl::string_view state, const std::string& message) {
  // Class 08: connection exceptions; 57P0x: the server is going away or not
  // yet up; 25006: a read-only transaction, which is what a standby answers
  // while a failover promotes another.
  if (absl::StartsWith(state, "08") || absl::StartsWith(state, "57P") || state == "25006") {
    return absl::UnavailableError(message);
  }
  if (state == "40001" || state == "40P01") return absl::AbortedError(message);
  if (state == "53300") return absl::ResourceExhaustedError(message);
  if (state == "57014") return absl::DeadlineExceededError(message);
  if (state == "0A000") return absl::UnimplementedError(message);
  // 28: authorization; 3D000: no such database; 42501: a privilege missing.
  if (absl::StartsWith(state, "28") || state == "3D000" || state == "42501") {
    return absl::FailedPreconditionError(message);
  }
  return absl::InternalError(message);
}

}  // namespace

PgParam PgParam::ByteaArray(const std::vector<std::string>& elements) {
  // {"\\x6869",...}: each element quoted, its backslash escaped, in hex.
  static constexpr char kHex[] = "0123456789abcdef";
  std::string literal = "{";
  for (size_t i = 0; i < elements.size(); ++i) {
    if (i > 0) literal += ',';
    literal += "\"\\\\x";
    for (unsigned char byte : elements[i]) {
      literal += kHex[byte >> 4];
      literal += kHex[byte & 15];
    }
    literal += '"';
  }
  literal += '}';
  return Text(literal);
}

absl::StatusOr<bool> ExecAll(PgConnection& connection, const std::vector<PgStatement>& statements) {
  for (const PgStatement& statement : statements) {
    auto ran = connection.Exec(statement.sql, statement.params);
    if (!ran.ok()) return ran.status();
    if (statement.claims && ran->RowsAffected() == 0) return false;
  }
  return true;
}

int64_t PgResult::Int64(int row, int column) const {
  std::string_view bytes = Value(row, column);
  uint64_t value = 0;
  for (size_t i = 0; i < std::min<size_t>(bytes.size(), 8); ++i) {
    value = (value << 8) | static_cast<unsigned char>(bytes[i]);
  }
  return static_cast<int64_t>(value);
}

int64_t PgResult::RowsAffected() const {
  int64_t rows = 0;
  return absl::SimpleAtoi(PQcmdTuples(result_.get()), &rows) ? rows : 0;
}

absl::Status PgStatus(const PGresult* result, PGconn* conn, absl::string_view what) {
  const char* state = result != nullptr ? PQresultErrorField(result, PG_DIAG_SQLSTATE) : nullptr;
  std::string detail = OneLine(result != nullptr ? PQresultErrorMessage(result) : "");
  if (detail.empty() && conn != nullptr) detail = OneLine(PQerrorMessage(conn));
  const std::string message =
      absl::StrCat(what, ": ", state != nullptr ? absl::StrCat("[", state, "] ") : "", detail);
  if (state != nullptr) return FromSqlState(state, message);
  // No SQLSTATE: libpq itself failed, which is the connection.
  return absl::UnavailableError(message);
}

absl::StatusOr<std::unique_ptr<PgConnection>> PgConnection::Connect(const std::string& conninfo,
                                                                    absl::Duration timeout) {
  char* parse_error = nullptr;
  PQconninfoOption* options = PQconninfoParse(conninfo.c_str(), &parse_error);
  if (options == nullptr) {
    std::string message = OneLine(parse_error != nullptr ? parse_error : "out of memory");
    PQfreemem(parse_error);
    return absl::InvalidArgumentError(absl::StrCat("database connection string: ", message));
  }
  PQconninfoFree(options);

  // connect_timeout is in whole seconds, at least 2 (libpq's floor).
  const std::string seconds = absl::StrCat(
      std::max<int64_t>(2, absl::ToInt64Seconds(absl::Ceil(timeout, absl::Seconds(1)))));
  const char* keywords[] = {"dbname", "connect_timeout", nullptr};
  const char* values[] = {conninfo.c_str(), seconds.c_str(), nullptr};
  // expand_dbname: the first value is the whole connection string; a
  // connect_timeout in it is overridden by ours.
  PGconn* conn = PQconnectdbParams(keywords, values, /*expand_dbname=*/1);
  if (conn == nullptr) return absl::ResourceExhaustedError("database: libpq is out of memory");
  if (PQstatus(conn) != CONNECTION_OK) {
    const std::string message = OneLine(PQerrorMessage(conn));
    PQfinish(conn);
    // The server answered and refused us (a FATAL from it): the role, the
    // password or the database is wrong, or too many clients.
    if (absl::StrContains(message, "too many clients") ||
        absl::StrContains(message, "remaining connection slots")) {
      return absl::ResourceExhaustedError(absl::StrCat("database connect: ", message));
    }
    if (absl::StrContains(message, "the database system is")) {
      return absl::UnavailableError(absl::StrCat("database connect: ", message));
    }
    if (absl::StrContains(message, "FATAL:")) {
      return absl::FailedPreconditionError(absl::StrCat("database connect: ", message));
    }
    return absl::UnavailableError(absl::StrCat("database connect: ", message));
  }
  return std::unique_ptr<PgConnection>(new PgConnection(conn));
}

PgConnection::~PgConnection() { PQfinish(conn_); }

absl::StatusOr<PgResult> PgConnection::Exec(std::string_view sql,
                                            absl::Span<const PgParam> params) {
  std::vector<Oid> types;
  std::vector<const char*> values;
  std::vector<int> lengths;
  std::vector<int> formats;
  for (const PgParam& param : params) {
    // Text parameters are left for the server to type from the statement.
    types.push_back(param.bytea ? kByteaOid : 0);
    values.push_back(param.null ? nullptr : param.value.data());
    lengths.push_back(static_cast<int>(param.value.size()));
    formats.push_back(param.bytea ? 1 : 0);
  }
  const std::string statement(sql);
  PGresult* result =
      PQexecParams(conn_, statement.c_str(), static_cast<int>(params.size()), types.data(),
                   values.data(), lengths.data(), formats.data(), /*resultFormat=*/1);
  if (result == nullptr) return PgStatus(nullptr, conn_, "database");
  const ExecStatusType status = PQresultStatus(result);
  if (status != PGRES_COMMAND_OK && status != PGRES_TUPLES_OK) {
    absl::Status failed = PgStatus(result, conn_, "database");
    PQclear(result);
    return failed;
  }
  return PgResult(result);
}

absl::StatusOr<bool> PgConnection::AwaitNotification(absl::Duration timeout) {
  // Notifications may already be buffered from an earlier read.
  auto drain = [this] {
    bool any = false;
    while (PGnotify* notify = PQnotifies(conn_)) {
      any = true;
      PQfreemem(notify);
    }
    return any;
  };
  if (drain()) return true;
  const int socket = PQsocket(conn_);
  if (socket < 0) return absl::UnavailableError("database: the connection is closed");
  pollfd wait = {.fd = socket, .events = POLLIN, .revents = 0};
  const int ready = poll(&wait, 1, static_cast<int>(absl::ToInt64Milliseconds(timeout)));
  if (ready < 0 && errno != EINTR) {
    return absl::UnavailableError(absl::StrCat("database: poll: ", std::strerror(errno)));
  }
  if (ready <= 0) return false;
  if (PQconsumeInput(conn_) == 0) return PgStatus(nullptr, conn_, "database");
  return drain();
}

}  // namespace trustsphere::storage::postgres
