#!/usr/bin/env bash
# What erasing a deleted person costs: one synthetic network loaded, then
# five people deleted in identity (as an operator); relationships and
# recommendations erase them from identity's change log, and the three
# servers reclaim the erased bytes (a full compaction each time here:
# --erasure_reclaim_period=0s).
#
#   bench/erasure_cost.sh [PEOPLE]   (10,000 by default; about a minute)
#
# Prints the database sizes and, per server, each erasure (records,
# seconds) and each reclaim (seconds); the same lines go to
# bench/results/erasure_cost/<PEOPLE>.log.
set -euo pipefail
cd "$(dirname "$0")/.."
people=${1:-10000}
scripts/setup.sh >/dev/null
cmake --build build --target trustsphere_bench >/dev/null
out=bench/results/erasure_cost
mkdir -p "$out"
data=$(mktemp -d /tmp/trustsphere-erasure-cost.XXXXXX)
export TRUSTSPHERE_DATA=$data TRUSTSPHERE_QUOTAS=off TRUSTSPHERE_LOCAL_TLS=off
export TRUSTSPHERE_ERASURE_RECLAIM_PERIOD=0s
export IDENTITY_ADDR=127.0.0.1:52051 RELATIONSHIPS_ADDR=127.0.0.1:52052
export RECOMMENDATIONS_ADDR=127.0.0.1:52053 METRICS_PORT=9301
bench=(build/bench/trustsphere_bench --people="$people" --identity="$IDENTITY_ADDR"
  --relationships="$RELATIONSHIPS_ADDR" --recommendations="$RECOMMENDATIONS_ADDR"
  --signing_key_file="$data/identity/signing_key.json")
servers=()
# shellcheck source=bench/servers.sh
source bench/servers.sh
trap 'stop_servers; rm -rf "$data"' EXIT

start_servers
await_all
"${bench[@]}" load --shares=50 --shares_file="$data/shares" --out="$data/load.json" >/dev/null
"${bench[@]}" settle --pids="$(pids)" >/dev/null

token=$(build/tools/trustsphere_admin mint-token --signing_key_file="$data/identity/signing_key.json" \
  --subject=ops --role=operator)
call() {  # METHOD JSON
  .tools/node_modules/.bin/buf curl --protocol grpc --http2-prior-knowledge \
    -H "authorization: Bearer $token" -d "$2" \
    "http://$IDENTITY_ADDR/trustsphere.identity.v1.IdentityService/$1"
}
# The first people of the change log: with statements, letters and shares.
ids=$(call ListIdentityChanges '{"page_size":40}' | python3 -c '
import json, sys
print(" ".join(sorted({c["personId"] for c in json.load(sys.stdin)["changes"]})[:5]))')
for id in $ids; do
  etag=$(call GetPerson "{\"id\":\"$id\"}" | python3 -c 'import json, sys; print(json.load(sys.stdin)["etag"])')
  call DeletePerson "{\"id\":\"$id\",\"etag\":\"$etag\"}" >/dev/null
done
# Each erasure and its reclaim take well under a second at this size.
sleep 5
{
  echo "people: $people; database sizes:"
  du -sh "$data"/identity/db "$data"/relationships/db "$data"/recommendations/db | sed "s|$data/||"
  for server in identity relationships recommendations; do
    grep -h '"deleted person erased"\|"erased records reclaimed on disk"' "$data/logs/$server.log" |
      python3 -c '
import json, sys
for line in sys.stdin:
    entry = json.loads(line)
    what = "erased %s records" % entry["records"] if "records" in entry else "reclaimed"
    print("%s: %s in %.3f s" % (sys.argv[1], what, float(entry["seconds"])))' "$server"
  done
} | tee "$out/$people.log"
