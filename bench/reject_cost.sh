#!/usr/bin/env bash
# CPU per request of a request floodgate refuses at the edge (429 from a rate limit) against one
# it proxies to the origin: the "a rejected request costs less than a fifth of a proxied one"
# figure of issue 4. Same gateway process, same keep-alive load (wrk), one path each; floodgate's
# CPU time (utime+stime from /proc) divided by the requests wrk completed.
#
# Usage: bench/reject_cost.sh
# Environment (defaults in brackets): DURATION seconds per run [8], ROUNDS [3] (medians),
#   CONNS wrk -c [32], FLOODGATE_BIN [build/release/floodgate], KEEP_TMP=1 keeps the temp dir.
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-32}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
HOST=127.0.0.1
bench_require_cmd wrk curl awk
[[ -x $FLOODGATE_BIN ]] || bench_die "no floodgate binary at $FLOODGATE_BIN (ninja -C build/release floodgate)"

TMP=$(mktemp -d /tmp/reject_cost.XXXXXX)
bench_install_traps "$TMP" "reject_cost files"
TICKS=$(getconf CLK_TCK)

bench_free_port ORIGIN_PORT
bench_free_port GW_PORT
bench_start "$TMP/origin.log" "$FLOODGATE_BIN" origin --listen "$HOST:$ORIGIN_PORT" --workers 1
ORIGIN_PID=$BENCH_LAST_PID
cat > "$TMP/gateway.yaml" <<YAML
listeners: [{ address: $HOST:$GW_PORT, workers: 1 }]
routes:
  - { name: limited, match: { path_prefix: /limited }, cluster: app }
  - { name: proxied, cluster: app }
clusters: [{ name: app, endpoints: [$HOST:$ORIGIN_PORT] }]
shield:
  detect: false   # one wrk source at full speed would otherwise be found heavy and blocked
  rate_limits: [{ key: route, rate: 1/h, burst: 1, routes: [limited] }]
YAML
bench_start "$TMP/gateway.log" "$FLOODGATE_BIN" run -c "$TMP/gateway.yaml"
GW_PID=$BENCH_LAST_PID
bench_wait_http "http://$HOST:$ORIGIN_PORT/" "$ORIGIN_PID" 10 || bench_die "origin did not start"
bench_wait_http "http://$HOST:$GW_PORT/proxied" "$GW_PID" 10 || bench_die "gateway did not start"
[[ $(bench_http_probe "http://$HOST:$GW_PORT/limited") == 429* ]] ||
  curl -s -o /dev/null "http://$HOST:$GW_PORT/limited"  # spend the one-request burst

# user_sys_ticks PID: prints "UTIME STIME" in clock ticks.
user_sys_ticks() {
  local rest
  local -a fields
  read -r rest < "/proc/$1/stat"
  read -r -a fields <<< "${rest##*) }"  # fields[11] utime, [12] stime
  echo "${fields[11]} ${fields[12]}"
}

# run PATH: prints "US_PER_REQ USER_US SYS_US RPS REQUESTS NON2XX" for one wrk run against PATH.
run() {
  local path=$1 u0 s0 u1 s1 parsed rps reqs non2xx
  read -r u0 s0 <<< "$(user_sys_ticks "$GW_PID")"
  bench_wrk "$TMP/wrk.out" "$DURATION" -t1 -c"$CONNS" --latency "http://$HOST:$GW_PORT$path"
  read -r u1 s1 <<< "$(user_sys_ticks "$GW_PID")"
  parsed=$(bench_wrk_parse "$TMP/wrk.out") || bench_die "cannot parse wrk output: $(cat "$TMP/wrk.out")"
  read -r rps _ _ non2xx _ reqs <<< "$parsed"
  awk -v u=$((u1 - u0)) -v s=$((s1 - s0)) -v hz="$TICKS" -v n="$reqs" -v r="$rps" -v e="$non2xx" \
    'BEGIN { f = 1e6 / hz / n; printf "%.2f %.2f %.2f %.0f %d %d\n", (u + s) * f, u * f, s * f, r, n, e }'
}

declare -a p_us p_user p_sys p_rps l_us l_user l_sys l_rps
for ((round = 1; round <= ROUNDS; round++)); do
  read -r us user sys rps reqs non2xx <<< "$(run /proxied)"
  bench_log "round $round proxied: $us us/req ($user user, $sys sys), $rps req/s, $reqs requests"
  p_us+=("$us"); p_user+=("$user"); p_sys+=("$sys"); p_rps+=("$rps")
  read -r us user sys rps reqs non2xx <<< "$(run /limited)"
  bench_log "round $round limited: $us us/req ($user user, $sys sys), $rps req/s, $reqs requests, $non2xx non-2xx"
  ((non2xx * 100 >= reqs * 99)) || bench_die "the limited path answered fewer than 99% non-2xx"
  l_us+=("$us"); l_user+=("$user"); l_sys+=("$sys"); l_rps+=("$rps")
done

row() {
  local name=$1 us=$2 user=$3 sys=$4 rps=$5
  echo "| $name | $us | $user | $sys | $rps |"
}
P_US=$(bench_median "${p_us[@]}") L_US=$(bench_median "${l_us[@]}")
P_USER=$(bench_median "${p_user[@]}") L_USER=$(bench_median "${l_user[@]}")
echo
echo "| request | CPU us/req | user us/req | system us/req | req/s (wrk -c$CONNS, 1 worker) |"
echo "|---|---:|---:|---:|---:|"
row "proxied to the origin (200)" "$P_US" "$P_USER" "$(bench_median "${p_sys[@]}")" "$(bench_median "${p_rps[@]}")"
row "refused at the edge (429, rate limit)" "$L_US" "$L_USER" "$(bench_median "${l_sys[@]}")" "$(bench_median "${l_rps[@]}")"
echo
echo "rejected / proxied: CPU $(bench_ratio "$L_US" "$P_US"), user-space CPU $(bench_ratio "$L_USER" "$P_USER")" \
  "(medians of $ROUNDS rounds x ${DURATION}s; load at start: $(cut -d' ' -f1-3 /proc/loadavg))"
