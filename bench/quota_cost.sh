#!/usr/bin/env bash
# What the rate limiter itself costs CheckTrust: one synthetic network
# loaded, then the servers restarted alternately with quotas off and on
# (with rates the load never reaches, so every call is admitted after its
# buckets are checked), CheckTrust@c1 and @c16 measured each time against
# the Health/Check no-op of the same run (which no limiter sees).
#
#   bench/quota_cost.sh [ROUNDS]   (3 by default; about 90 s a round)
#
# Prints each run's table; figures (results JSON) go to
# bench/results/quota_cost/round<N>-<off|on>.json.
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-3}
scripts/setup.sh >/dev/null
cmake --build build --target trustsphere_bench >/dev/null
out=bench/results/quota_cost
mkdir -p "$out"
data=$(mktemp -d /tmp/trustsphere-quota-cost.XXXXXX)
export TRUSTSPHERE_DATA=$data TRUSTSPHERE_LOCAL_TLS=off
export IDENTITY_ADDR=127.0.0.1:52051 RELATIONSHIPS_ADDR=127.0.0.1:52052
export RECOMMENDATIONS_ADDR=127.0.0.1:52053 METRICS_PORT=9301
for class in READS SEARCHES WRITES LOGINS SIGNUPS SHARE_READS IMPORTS; do
  export "TRUSTSPHERE_QUOTA_$class=1000000:1000000"
done
bench=(build/bench/trustsphere_bench --people=10000 --identity="$IDENTITY_ADDR"
  --relationships="$RELATIONSHIPS_ADDR" --recommendations="$RECOMMENDATIONS_ADDR"
  --signing_key_file="$data/identity/signing_key.json")
servers=()
# shellcheck source=bench/servers.sh
source bench/servers.sh
trap 'stop_servers; rm -rf "$data"' EXIT

export TRUSTSPHERE_QUOTAS=off
start_servers
await_all
"${bench[@]}" load --shares=10 --shares_file="$data/shares" --out=/dev/null >/dev/null
stop_servers
for ((round = 1; round <= rounds; ++round)); do
  for quotas in off on; do
    export TRUSTSPHERE_QUOTAS=$quotas
    start_servers
    await_all
    "${bench[@]}" settle --pids="$(pids)" >/dev/null
    echo "== round $round, quotas $quotas"
    "${bench[@]}" run --shares_file="$data/shares" --duration=5s --warmup=2s --pids="$(pids)" \
      --out="$out/round$round-$quotas.json" --scenarios=CheckTrust@c1,CheckTrust@c16 |
      grep -v "^network"
    stop_servers
  done
done
