#!/usr/bin/env bash
# Installs what is missing, builds, and runs the services on loopback with
# their RocksDB databases under ./data (or $TRUSTSPHERE_DATA). Ctrl-C stops
# them cleanly (SIGTERM: drain, then close the databases).
# They serve TLS, and call each other over mutual TLS, with certificates of
# a local CA made under $DATA/tls on the first run (clients trust
# $DATA/tls/ca.pem); TRUSTSPHERE_LOCAL_TLS=off serves plaintext instead.
# TRUSTSPHERE_PROMETHEUS=1 also starts a Prometheus (Debian's package,
# installed if missing) scraping the three /metrics endpoints, on :9090.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Service tokens, logs and databases are for this account alone.
umask 077

DATA=${TRUSTSPHERE_DATA:-$PWD/data}
IDENTITY_ADDR=${IDENTITY_ADDR:-127.0.0.1:50051}
RELATIONSHIPS_ADDR=${RELATIONSHIPS_ADDR:-127.0.0.1:50052}
RECOMMENDATIONS_ADDR=${RECOMMENDATIONS_ADDR:-127.0.0.1:50053}
# /metrics of identity, relationships, recommendations: this port and the next two.
METRICS_PORT=${METRICS_PORT:-9101}
ADMIN=build/tools/trustsphere_admin
TLS=${TRUSTSPHERE_LOCAL_TLS:-on}
mkdir -p "$DATA/logs"

pids=()
stop() {
  trap - INT TERM EXIT
  ((${#pids[@]})) && kill -TERM "${pids[@]}" 2>/dev/null || true
  wait || true
  echo "stopped"
}
trap stop INT TERM EXIT

# start NAME BINARY VARIABLE=VALUE...: runs a server configured, like in
# Kubernetes' ConfigMaps, by TRUSTSPHERE_* environment variables; logs to
# $DATA/logs/NAME.log, its pid to $DATA/NAME.pid, and waits for its
# "metrics on" line.
start() {
  local name=$1 binary=$2
  shift 2
  env "$@" "$binary" >"$DATA/logs/$name.out" 2>"$DATA/logs/$name.log" &
  pids+=($!)
  echo $! >"$DATA/$name.pid"  # for tools that watch the servers (bench/run.sh)
  for _ in $(seq 100); do
    if grep -q "^metrics on" "$DATA/logs/$name.out" 2>/dev/null; then
      echo "$name: $(tr '\n' ' ' <"$DATA/logs/$name.out")(data $DATA/$name, log $DATA/logs/$name.log)"
      return
    fi
    kill -0 "${pids[-1]}" 2>/dev/null || break
    sleep 0.1
  done
  echo "$name did not start; see $DATA/logs/$name.log" >&2
  tail -5 "$DATA/logs/$name.log" >&2
  exit 1
}

# Rate limits are on, with their defaults, except the two that count per
# client address: here one developer signs the demo's whole network up from
# one address, a busy client rather than one person.
export TRUSTSPHERE_QUOTA_SIGNUPS=${TRUSTSPHERE_QUOTA_SIGNUPS:-10:200}
export TRUSTSPHERE_QUOTA_LOGINS=${TRUSTSPHERE_QUOTA_LOGINS:-10:200}

case "$TLS" in
  on)
    scripts/local_certificates.sh "$DATA/tls" identity="${IDENTITY_ADDR%:*}" \
      relationships="${RELATIONSHIPS_ADDR%:*}" recommendations="${RECOMMENDATIONS_ADDR%:*}"
    # A service token counts only with its own service's certificate.
    export TRUSTSPHERE_TLS_CA_FILE="$DATA/tls/ca.pem" TRUSTSPHERE_REQUIRE_CLIENT_CERT=true
    ;;
  off) ;;
  *) echo "TRUSTSPHERE_LOCAL_TLS must be on or off" >&2; exit 2 ;;
esac
# tls NAME: the certificate settings of that server (none in plaintext).
tls() {
  [[ $TLS == on ]] || return 0
  tls_env=(TRUSTSPHERE_TLS_CERT_FILE="$DATA/tls/$1.pem" TRUSTSPHERE_TLS_KEY_FILE="$DATA/tls/$1.key")
}
tls_env=()
tls identity
start identity build/services/identity/identity_server "${tls_env[@]}" \
  TRUSTSPHERE_LISTEN="$IDENTITY_ADDR" TRUSTSPHERE_DATA_DIR="$DATA/identity" \
  TRUSTSPHERE_METRICS_LISTEN=127.0.0.1:$METRICS_PORT

# Services call each other with service tokens signed by identity's key (in
# Kubernetes, Secrets); fresh ones at every start.
service_token() {
  mkdir -p "$DATA/$1"
  "$ADMIN" mint-token --signing_key_file="$DATA/identity/signing_key.json" \
    --subject="$1" --role=service --ttl=720h >"$DATA/$1/service_token"
}
service_token relationships
tls relationships
start relationships build/services/relationships/relationships_server "${tls_env[@]}" \
  TRUSTSPHERE_LISTEN="$RELATIONSHIPS_ADDR" TRUSTSPHERE_DATA_DIR="$DATA/relationships" \
  TRUSTSPHERE_IDENTITY_ADDR="$IDENTITY_ADDR" TRUSTSPHERE_METRICS_LISTEN=127.0.0.1:$((METRICS_PORT + 1))
service_token recommendations
tls recommendations
start recommendations build/services/recommendations/recommendations_server "${tls_env[@]}" \
  TRUSTSPHERE_LISTEN="$RECOMMENDATIONS_ADDR" TRUSTSPHERE_DATA_DIR="$DATA/recommendations" \
  TRUSTSPHERE_IDENTITY_ADDR="$IDENTITY_ADDR" TRUSTSPHERE_RELATIONSHIPS_ADDR="$RELATIONSHIPS_ADDR" \
  TRUSTSPHERE_METRICS_LISTEN=127.0.0.1:$((METRICS_PORT + 2))

if [[ "${TRUSTSPHERE_PROMETHEUS:-0}" == 1 ]]; then
  if ! command -v prometheus >/dev/null; then
    SUDO=""
    [[ $(id -u) -eq 0 ]] || SUDO=sudo
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends prometheus
  fi
  mkdir -p "$DATA/prometheus"
  cat >"$DATA/prometheus/prometheus.yml" <<YAML
global:
  scrape_interval: 5s
scrape_configs:
  - job_name: trustsphere
    static_configs:
      - targets: ["127.0.0.1:$METRICS_PORT", "127.0.0.1:$((METRICS_PORT + 1))", "127.0.0.1:$((METRICS_PORT + 2))"]
YAML
  prometheus --config.file="$DATA/prometheus/prometheus.yml" \
    --storage.tsdb.path="$DATA/prometheus/tsdb" --web.listen-address=127.0.0.1:9090 \
    >"$DATA/logs/prometheus.log" 2>&1 &
  pids+=($!)
  echo "prometheus: http://127.0.0.1:9090 (scraping the three /metrics)"
fi

if [[ $TLS == on ]]; then
  calls="TLS: clients trust $DATA/tls/ca.pem (grpcurl -cacert, buf curl --cacert)"
  demo="build/tools/trustsphere_demo --tls_ca_file=$DATA/tls/ca.pem"
else
  calls="plaintext (grpcurl -plaintext, buf curl --http2-prior-knowledge)"
  demo="build/tools/trustsphere_demo --tls_ca_file="
fi
cat <<TXT

Calls: $calls
Operator token (1 hour):
  $ADMIN mint-token --signing_key_file=$DATA/identity/signing_key.json --subject=ops
Demo network: $demo
Press Ctrl-C to stop.
TXT
wait -n "${pids[@]}"
echo "a server exited; stopping the others" >&2
