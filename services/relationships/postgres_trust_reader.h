#pragma once

// The reads of PostgresTrustStore. A snapshot reader holds one connection
// of the pool in a REPEATABLE READ, READ ONLY transaction for its life, so
// that all its queries see one point in time; a latest reader takes a
// connection for each query. Every index query is computed from the
// statements table, except facet holders, which have a table of their own
// (postgres_trust_store.h lists the tables).

#include <memory>

#include "services/relationships/trust_store.h"
#include "storage/postgres/pg_pool.h"

namespace trustsphere::relationships {

// A snapshot reader in two steps (TrustStore::PrepareSnapshot): the
// connection is waited for now and its transaction begun, which fixes no
// point in time yet; the function returned fixes it with its first query.
// When no connection can be had, every read of the reader answers why.
std::function<std::unique_ptr<TrustReader>()> PreparePostgresSnapshot(
    storage::postgres::PgPool& pool);
std::unique_ptr<TrustReader> PostgresLatestReader(storage::postgres::PgPool& pool);

}  // namespace trustsphere::relationships
