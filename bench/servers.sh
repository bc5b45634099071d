# The three servers of a benchmark, started through scripts/run.sh; sourced
# by bench/run.sh and bench/quota_cost.sh. Expects `data` (their data
# folder, where run.sh leaves its pid files), `bench` (the trustsphere_bench
# command) and `servers` (a prefix for run.sh, such as taskset, or empty).

runner=""
start_servers() {
  rm -f "$data"/*.pid
  "${servers[@]}" setsid scripts/run.sh >"$data/run.log" 2>&1 &
  runner=$!
}
stop_servers() {
  [[ -n "$runner" ]] || return 0
  kill -TERM -- "-$runner" 2>/dev/null || kill -TERM "$runner" 2>/dev/null || true
  wait "$runner" 2>/dev/null || true
  runner=""
}
# Waits for a server's pid file, then for it to answer SERVING; the time
# from its exec to SERVING goes to $2 when given.
await() {
  for _ in $(seq 600); do
    [[ -s "$data/$1.pid" ]] && break
    kill -0 "$runner" 2>/dev/null || { cat "$data/run.log"; exit 1; }
    sleep 0.1
  done
  "${bench[@]}" serving --pids="$1:$(cat "$data/$1.pid")" ${2:+--out="$2"}
}
await_all() {
  for server in identity relationships recommendations; do await "$server"; done
}
pids() {
  echo "identity:$(cat "$data/identity.pid"),relationships:$(cat "$data/relationships.pid"),recommendations:$(cat "$data/recommendations.pid")"
}
