#!/usr/bin/env bash
# The README's run command for real: scripts/run.sh starts the three servers
# on free loopback ports with a fresh data folder, serving TLS with the
# certificates of a local CA it makes, the demo loader fills them through
# the public API, and a stop (SIGTERM, as Ctrl-C's) ends all three cleanly.
#   tests/local_runner_test.sh BUILD_DIR
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
build=$1
work=$(mktemp -d)
runner=""
cleanup() {
  [[ -n "$runner" ]] && kill -TERM "$runner" 2>/dev/null && wait "$runner" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

# COUNT consecutive ports nothing listens on (bash connects to test them),
# below Linux's ephemeral range (32768 up), where the other tests' servers
# and clients, which bind port 0, never land.
free_ports() {
  local count=${1:-1}
  while true; do
    local port=$((20000 + RANDOM % 12000)) taken=0
    for ((i = 0; i < count; ++i)); do
      if (exec 3<>"/dev/tcp/127.0.0.1/$((port + i))") 2>/dev/null; then taken=1; fi
    done
    if ((!taken)); then
      echo "$port"
      return
    fi
  done
}
identity=127.0.0.1:$(free_ports)
relationships=127.0.0.1:$(free_ports)
recommendations=127.0.0.1:$(free_ports)
metrics=$(free_ports 3)  # run.sh uses this port and the next two

TRUSTSPHERE_DATA="$work/data" IDENTITY_ADDR=$identity RELATIONSHIPS_ADDR=$relationships \
  RECOMMENDATIONS_ADDR=$recommendations METRICS_PORT=$metrics \
  "$top/scripts/run.sh" >"$work/run.log" 2>&1 &
runner=$!
for _ in $(seq 600); do
  grep -q "Press Ctrl-C" "$work/run.log" && break
  kill -0 "$runner" 2>/dev/null || { cat "$work/run.log"; exit 1; }
  sleep 0.2
done
grep -q "recommendations: listening on $recommendations" "$work/run.log"

# TLS everywhere, the services' calls to each other included (the demo's
# dossier needs recommendations -> relationships -> identity).
for service in identity relationships recommendations; do
  grep -q '"transport":"tls, client certificates verified"' "$work/data/logs/$service.log" ||
    { echo "$service does not serve TLS"; grep '"listening"' "$work/data/logs/$service.log"; exit 1; }
done
demo=("$build/tools/trustsphere_demo" --identity_addr="$identity"
  --relationships_addr="$relationships" --recommendations_addr="$recommendations")
if "${demo[@]}" --tls_ca_file= >"$work/plaintext.log" 2>&1; then
  echo "a plaintext client was served"; exit 1
fi
"${demo[@]}" --tls_ca_file="$work/data/tls/ca.pem" >"$work/demo.log" 2>&1 ||
  { cat "$work/demo.log"; exit 1; }
grep -q "share token" "$work/demo.log"
# The dossier behind it names its authors, read with the token alone.
grep -q "Letter by Jacques Dupont, Directeur commercial" "$work/demo.log" ||
  { cat "$work/demo.log"; exit 1; }
# Tokens (720 hours, enough to stream every private statement), keys,
# databases and logs: nothing readable by another account.
shared=$(find "$work/data" -perm /077 -print)
[[ -z "$shared" ]] || { echo "readable by others:"; ls -ld $shared | head; exit 1; }
(exec 3<>"/dev/tcp/127.0.0.1/$metrics")  # identity's /metrics answers

kill -TERM "$runner"
wait "$runner" || true
runner=""
grep -q "^stopped" "$work/run.log"
for service in identity relationships recommendations; do
  grep -q '"msg":"stopped"' "$work/data/logs/$service.log" ||
    { echo "$service did not stop cleanly"; tail -5 "$work/data/logs/$service.log"; exit 1; }
done
echo "runner started, demo loaded, all three stopped cleanly"
