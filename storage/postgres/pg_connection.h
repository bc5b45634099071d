#pragma once

// One connection to a PostgreSQL-protocol database (PostgreSQL, YugabyteDB's
// YSQL, CockroachDB) through libpq, with every failure turned into the
// status a caller can act on:
//   UNAVAILABLE        the database cannot be reached, is shutting down, or
//                      is a read-only standby (a failover is under way);
//   ABORTED            a serialization failure or a deadlock: the whole
//                      transaction may be run again;
//   RESOURCE_EXHAUSTED the server has no connection left;
//   DEADLINE_EXCEEDED  the statement ran past its timeout;
//   FAILED_PRECONDITION the settings are wrong: the server refused the role,
//                      the password or the database, or a privilege is
//                      missing;
//   INVALID_ARGUMENT   the connection string does not parse;
//   UNIMPLEMENTED      the engine lacks the feature (NOTIFY on YugabyteDB);
//   INTERNAL           anything else (a bug in our SQL, a constraint).
// Messages are one line and carry the SQLSTATE when the server gave one.
// A connection is used by one thread at a time.

#include <libpq-fe.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "absl/strings/string_view.h"
#include "absl/time/time.h"
#include "absl/types/span.h"

namespace trustsphere::storage::postgres {

// A parameter of a statement: text (or NULL), or bytes sent as bytea.
struct PgParam {
  static PgParam Text(std::string_view text) { return {std::string(text), false, false}; }
  static PgParam Bytes(std::string_view bytes) { return {std::string(bytes), true, false}; }
  static PgParam Null() { return {"", false, true}; }
  // An integer, sent as text: cast it where the type matters ($1::bigint).
  static PgParam Int(int64_t value) { return Text(std::to_string(value)); }
  // A bytea[] (for `= ANY($n)` and `unnest($n::bytea[])`), sent as text.
  static PgParam ByteaArray(const std::vector<std::string>& elements);

  std::string value;
  bool bytea = false;
  bool null = false;
};

// The rows of one statement; values in text form, bytea columns decoded.
class PgResult {
 public:
  explicit PgResult(PGresult* result) : result_(result, &PQclear) {}

  int rows() const { return PQntuples(result_.get()); }
  int columns() const { return PQnfields(result_.get()); }
  bool IsNull(int row, int column) const { return PQgetisnull(result_.get(), row, column) != 0; }
  // The value as sent: text, or the bytes of a bytea column (results are
  // asked for in binary, so bytea comes back raw).
  std::string_view Value(int row, int column) const {
    return {PQgetvalue(result_.get(), row, column),
            static_cast<size_t>(PQgetlength(result_.get(), row, column))};
  }
  // An int8 (bigint) column, sent in binary: 8 bytes, big-endian.
  int64_t Int64(int row, int column) const;
  // A boolean column, sent in binary: one byte.
  bool Bool(int row, int column) const { return Value(row, column) == std::string_view("\1", 1); }
  // The number of rows an INSERT, UPDATE or DELETE touched.
  int64_t RowsAffected() const;

 private:
  std::unique_ptr<PGresult, decltype(&PQclear)> result_;
};

class PgConnection {
 public:
  // Connects within `timeout`.
  static absl::StatusOr<std::unique_ptr<PgConnection>> Connect(const std::string& conninfo,
                                                               absl::Duration timeout);
  ~PgConnection();
  PgConnection(const PgConnection&) = delete;
  PgConnection& operator=(const PgConnection&) = delete;

  // Runs one statement ($1, $2, ... for the parameters) and returns its
  // rows; results come in binary format.
  absl::StatusOr<PgResult> Exec(std::string_view sql, absl::Span<const PgParam> params = {});

  // Waits at most `timeout` for a notification of a channel this
  // connection LISTENs to; true when at least one came (all that came are
  // consumed: a listener wants to know that something changed, not how
  // often). UNAVAILABLE when the connection is lost.
  absl::StatusOr<bool> AwaitNotification(absl::Duration timeout);

  // The connection was lost.
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }
  // Alive and outside any transaction: fit to be lent again.
  bool reusable() const { return !broken() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }

 private:
  explicit PgConnection(PGconn* conn) : conn_(conn) {}
  PGconn* conn_;
};

// One statement of a write, with its parameters: what a store builds
// first and runs in its transaction.
struct PgStatement {
  const char* sql;
  std::vector<PgParam> params;
  // A claim: an INSERT of a row that must be new (or already this
  // writer's). Affecting no row means another writer holds it.
  bool claims = false;
};
// Runs the statements in order, stopping at the first failure; false
// (the rest not run) when a claim affected no row.
absl::StatusOr<bool> ExecAll(PgConnection& connection, const std::vector<PgStatement>& statements);

// The status of a failed result or connection (see the top of this file).
absl::Status PgStatus(const PGresult* result, PGconn* conn, absl::string_view what);

}  // namespace trustsphere::storage::postgres
