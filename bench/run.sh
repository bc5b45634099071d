#!/usr/bin/env bash
# The whole benchmark in one command: builds, starts the three servers on
# loopback with fresh databases, loads a synthetic network through the
# operators' import RPCs, measures a cold start, runs every scenario and
# the latency-against-load sweeps, and plots them.
#
#   bench/run.sh [--size=small|default|<people>] [--pin] [--storage=rocksdb|postgres]
#
# small (the default): 10,000 people, 3-second phases, under five minutes.
# default: 100,000 people and about 2 million statements, 10-second phases.
# --pin: servers on CPU 1, the load generator on CPU 0 (unpinned otherwise;
# compare runs made the same way).
# --storage=postgres: every server on one throwaway PostgreSQL 15 (initdb in
# a temporary folder, a Unix socket only) instead of embedded RocksDB.
# Figures go to bench/results/<size>/ (<size>-postgres/ for PostgreSQL) (results.json, sweep_*.json and .dat,
# load.json, cold_start.json, latency_vs_load.png); bench/README.md explains
# them.
set -euo pipefail
cd "$(dirname "$0")/.."

size=small
pin=0
storage=rocksdb
usage="usage: bench/run.sh [--size=small|default|<people>] [--pin] [--storage=rocksdb|postgres]"
for arg in "$@"; do
  case "$arg" in
    --size=*) size=${arg#--size=} ;;
    --pin) pin=1 ;;
    --storage=rocksdb | --storage=postgres) storage=${arg#--storage=} ;;
    *) echo "$usage" >&2; exit 2 ;;
  esac
done
case "$size" in
  small) people=10000 duration=3s warmup=2s ;;
  default) people=100000 duration=10s warmup=3s ;;
  *[!0-9]*) echo "--size must be small, default or a number of people" >&2; exit 2 ;;
  *) people=$size duration=5s warmup=2s ;;
esac

scripts/setup.sh
cmake --build build --target trustsphere_bench
if ! command -v gnuplot >/dev/null; then
  SUDO=""
  [[ $(id -u) -eq 0 ]] || SUDO=sudo
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends gnuplot-nox
fi

out=bench/results/$size
[[ $storage == postgres ]] && out+=-postgres
mkdir -p "$out"
data=$(mktemp -d /tmp/trustsphere-bench.XXXXXX)
pg=""
if [[ $storage == postgres ]]; then
  # PostgreSQL refuses to run as root: its folder then belongs to postgres.
  pg=$(mktemp -d /tmp/trustsphere-bench-pg.XXXXXX)
  as_owner=()
  if [[ $(id -u) -eq 0 ]]; then
    chown postgres: "$pg"
    as_owner=(runuser -u postgres --)
  fi
  bin=/usr/lib/postgresql/15/bin
  "${as_owner[@]}" "$bin/initdb" --pgdata="$pg/data" --username=trustsphere --auth=trust \
    --encoding=UTF8 --locale=C --no-instructions >/dev/null
  "${as_owner[@]}" "$bin/pg_ctl" --pgdata="$pg/data" --log="$pg/log" --wait start \
    -o "-k $pg -c listen_addresses= -c max_connections=200 -c shared_buffers=256MB" >/dev/null
  # The servers read their flags from the environment too.
  export TRUSTSPHERE_STORAGE=postgres
  export TRUSTSPHERE_DATABASE_URL="host=$pg user=trustsphere dbname=postgres"
fi
export TRUSTSPHERE_DATA=$data
# The load is many calls a second per person: no rate limits, unless the
# caller asks for them (TRUSTSPHERE_QUOTAS=on, with TRUSTSPHERE_QUOTA_* rates
# the load never reaches, measures the limiter's own cost).
export TRUSTSPHERE_QUOTAS=${TRUSTSPHERE_QUOTAS:-off}
# The load generator speaks plaintext: these figures are the services' own,
# without TLS.
export TRUSTSPHERE_LOCAL_TLS=off
export IDENTITY_ADDR=127.0.0.1:52051 RELATIONSHIPS_ADDR=127.0.0.1:52052
export RECOMMENDATIONS_ADDR=127.0.0.1:52053 METRICS_PORT=9301
client=()
servers=()
if ((pin)); then
  client=(taskset -c 0)
  servers=(taskset -c 1)
fi
bench=("${client[@]}" build/bench/trustsphere_bench --people="$people"
  --identity="$IDENTITY_ADDR" --relationships="$RELATIONSHIPS_ADDR"
  --recommendations="$RECOMMENDATIONS_ADDR" --signing_key_file="$data/identity/signing_key.json")

# shellcheck source=bench/servers.sh
source bench/servers.sh
stop_postgres() {
  [[ -n "$pg" ]] || return 0
  "${as_owner[@]}" /usr/lib/postgresql/15/bin/pg_ctl --pgdata="$pg/data" --mode=fast --wait stop \
    >/dev/null 2>&1 || true
  rm -rf "$pg"
}
trap 'stop_servers; stop_postgres; rm -rf "$data"' EXIT

start_servers
await_all
"${bench[@]}" load --shares=200 --shares_file="$data/shares" --out="$out/load.json"

# Cold start: a clean stop, then the time from exec to SERVING.
stop_servers
start_servers
await identity
await relationships "$out/cold_start.json"
await recommendations
# The trust graph the relationships server built at that start: its size,
# per person and per statement.
grep -h '"trust graph built"' "$data/logs/relationships.log" | tail -1 | python3 -c '
import json, sys
line = json.loads(sys.stdin.read())
people, statements, size = (int(line[k]) for k in ("people", "statements", "bytes"))
json.dump({"from": line.get("from"), "people": people, "statements": statements, "bytes": size,
           "bytes_per_person": round(size / max(people, 1), 1),
           "bytes_per_statement": round(size / max(statements, 1), 1),
           "build_seconds": float(line["seconds"])}, sys.stdout, indent=2)
print()' >"$out/graph.json"

common=(--shares_file="$data/shares" --duration="$duration" --warmup="$warmup" --pids="$(pids)")
"${bench[@]}" settle --pids="$(pids)"
"${bench[@]}" run "${common[@]}" --out="$out/results.json" --scenarios=\
CheckTrust@c1,CheckTrust@c4,CheckTrust@c16,FindVouchers2@c1,FindVouchers3@c1,\
ListReferences@c1,GetCoverage@c1,GetPerson@c1,SearchPeople@c1,GetSharedDossier@c1,PutTrust@c64,\
mix@c16

# Latency against offered load (open loop), with the no-op ceiling measured
# at each rate in the same run.
sweep() {  # NAME RATES...
  local name=$1 scenarios=""
  shift
  for rate in "$@"; do scenarios+="$name@r$rate,"; done
  "${bench[@]}" run "${common[@]}" --out="$out/sweep_$name.json" --table="$out/sweep_$name.dat" \
    --scenarios="$scenarios"
}
# Carried past the knee, up to what the closed loop reaches on this machine.
sweep CheckTrust 2000 5000 10000 15000 20000 25000 30000
sweep FindVouchers2 100 250 500 1000 2000 3000 4000

stop_servers
{
  echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)"
  echo "kernel: $(uname -r); pinned: $((pin)) (servers on CPU 1, load generator on CPU 0)"
  echo "commit: $(git rev-parse --short HEAD 2>/dev/null || echo unknown); size: $size ($people people)"
  echo "storage: $storage"
  echo "date: $(date -u +%FT%TZ)"
} >"$out/machine.txt"
gnuplot -e "dir='$out'" bench/latency_vs_load.gp
echo "figures in $out"
