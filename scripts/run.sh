#!/usr/bin/env bash
# Installs what is missing, builds, and runs the services on loopback with
# their RocksDB databases under ./data (or $TRUSTSPHERE_DATA). Ctrl-C stops
# them cleanly (SIGTERM: drain, then close the databases).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

DATA=${TRUSTSPHERE_DATA:-$PWD/data}
IDENTITY_ADDR=${IDENTITY_ADDR:-127.0.0.1:50051}
RELATIONSHIPS_ADDR=${RELATIONSHIPS_ADDR:-127.0.0.1:50052}
ADMIN=build/tools/trustsphere_admin
mkdir -p "$DATA/logs"

pids=()
stop() {
  trap - INT TERM EXIT
  ((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
  echo "stopped"
}
trap stop INT TERM EXIT

# start NAME BINARY FLAGS...: runs a server, logs to $DATA/logs/NAME.log and
# waits for its "listening on" line.
start() {
  local name=$1 binary=$2
  shift 2
  "$binary" "$@" >"$DATA/logs/$name.out" 2>"$DATA/logs/$name.log" &
  pids+=($!)
  for _ in $(seq 100); do
    if grep -q "^listening on" "$DATA/logs/$name.out" 2>/dev/null; then
      echo "$name: $(cat "$DATA/logs/$name.out") (data $DATA/$name, log $DATA/logs/$name.log)"
      return
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start; see $DATA/logs/$name.log" >&2
  tail -5 "$DATA/logs/$name.log" >&2
  exit 1
}

start identity build/services/identity/identity_server \
  --listen="$IDENTITY_ADDR" --data_dir="$DATA/identity"

# Services call identity with a service token signed by identity's key
# (in Kubernetes, a Secret); a fresh one at every start.
mkdir -p "$DATA/relationships"
"$ADMIN" mint-token --signing_key_file="$DATA/identity/signing_key.json" \
  --subject=relationships --role=service --ttl=720h >"$DATA/relationships/service_token"
start relationships build/services/relationships/relationships_server \
  --listen="$RELATIONSHIPS_ADDR" --data_dir="$DATA/relationships" \
  --identity_addr="$IDENTITY_ADDR"

cat <<TXT

Operator token (1 hour):
  $ADMIN mint-token --signing_key_file=$DATA/identity/signing_key.json --subject=ops
Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}"
echo "a server exited; stopping the others" >&2
