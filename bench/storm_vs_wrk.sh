#!/usr/bin/env bash
# Is storm a wrk-class generator? One storm process and one wrk, each on the same single core,
# take turns sending keep-alive requests as fast as they can to the same target (on another
# core); prints both request rates, the ratio, and each generator's CPU per request.
#
# Usage: bench/storm_vs_wrk.sh            (prints a table, then Markdown for BENCHMARKS.md)
# Environment (defaults in brackets):
#   TARGET         what both generators hit: nginx (a `return 200` location, the cheapest
#                  server there is) or floodgate (floodgate origin, no latency) [nginx]
#   TARGET_WORKERS nginx worker processes / origin worker threads [1]
#   GEN_CORE       the one core (taskset -c) both generators run on, in turn [1]
#   TARGET_CORES   the cores the target runs on [0]
#   CONNS          keep-alive connections per generator [64]
#   DURATION       seconds per run [10]; ROUNDS alternating rounds, medians reported [3]
#   FLOODGATE_BIN NGINX_BIN  binaries [build/release/floodgate, /usr/sbin/nginx]
#   OUT            also write the Markdown to this file
#   KEEP_TMP=1     keep the temp dir (configs, logs, raw output)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

CMDLINE=""
for v in TARGET TARGET_WORKERS GEN_CORE TARGET_CORES CONNS DURATION ROUNDS FLOODGATE_BIN NGINX_BIN OUT; do
  [[ -n ${!v+x} ]] && CMDLINE+="$v=${!v} "
done
CMDLINE+="$0"

TARGET=${TARGET:-nginx}
TARGET_WORKERS=${TARGET_WORKERS:-1}
GEN_CORE=${GEN_CORE:-1}
TARGET_CORES=${TARGET_CORES:-0}
CONNS=${CONNS:-64}
DURATION=${DURATION:-10}
ROUNDS=${ROUNDS:-3}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
OUT=${OUT:-}
KEEP_TMP=${KEEP_TMP:-0}
HOST=127.0.0.1
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

for v in TARGET_WORKERS CONNS DURATION ROUNDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || bench_die "$v must be a positive integer (got '${!v}')"
done
[[ $TARGET == nginx || $TARGET == floodgate ]] || bench_die "TARGET must be nginx or floodgate"
((CONNS <= 254)) || bench_die "CONNS must be at most 254 (one source address each)"
bench_require_cmd wrk taskset jq curl timeout
[[ $TARGET == floodgate || -x $NGINX_BIN ]] || bench_die "nginx not found at $NGINX_BIN"
bench_setup floodgate-storm-vs-wrk "logs"

# ---- the target ----------------------------------------------------------------------------

bench_free_port PORT
if [[ $TARGET == nginx ]]; then
  cat > "$TMP/nginx.conf" <<EOF
$( ((EUID == 0)) && echo "user $(id -un) $(id -gn);")
worker_processes $TARGET_WORKERS;
daemon off;
pid $TMP/nginx.pid;
error_log $TMP/error.log warn;
worker_rlimit_nofile 16384;
events { worker_connections 4096; }
http {
  access_log off;
  keepalive_requests 100000000;
  keepalive_timeout 300s;
$(bench_nginx_temp_paths "$TMP/tmp")
  server {
    listen $HOST:$PORT backlog=4096;
    location / { return 200 "hello, world\n"; }
  }
}
EOF
  chmod -R a+rX "$TMP"
  bench_start "$TMP/target.log" taskset -c "$TARGET_CORES" "$NGINX_BIN" -p "$TMP/" -e "$TMP/error.log" -c "$TMP/nginx.conf"
else
  bench_start "$TMP/target.log" taskset -c "$TARGET_CORES" "$FLOODGATE_BIN" origin \
    --listen "$HOST:$PORT" --workers "$TARGET_WORKERS"
fi
TARGET_PID=$BENCH_LAST_PID
bench_wait_http "http://$HOST:$PORT/" "$TARGET_PID" 10 || bench_die "the target did not answer at $HOST:$PORT"

# Storm's side: a closed-loop keep-alive flood, CONNS connections from CONNS addresses.
cat > "$TMP/speed.yaml" <<EOF
name: storm-vs-wrk
target: http://$HOST:$PORT
threads: 1
drain: 1s
phases: [{ name: run, duration: ${DURATION}s, attack: true }]
clients:
  - name: flood
    kind: keepalive_flood
    sources: 127.66.0.0/24
    count: $CONNS
    connections: $CONNS
    rate: max
    headers: { User-Agent: storm }
EOF

# run_wrk N: one wrk run; prints "RPS CPU_SECONDS REQUESTS".
run_wrk() {
  local out="$TMP/wrk.$1"
  /usr/bin/time -f "%U %S" -o "$out.time" taskset -c "$GEN_CORE" \
    timeout $((DURATION + 15)) wrk -t1 -c"$CONNS" -d"${DURATION}s" --latency "http://$HOST:$PORT/" > "$out" 2>&1 || true
  local parsed rps reqs cpu
  parsed=$(bench_wrk_parse "$out") || bench_die "wrk failed: $(cat "$out")"
  read -r rps _ _ _ _ reqs <<< "$parsed"
  cpu=$(awk '{ print $1 + $2 }' "$out.time")
  echo "$rps $cpu $reqs"
}

# run_storm N: one storm run; prints "RPS CPU_SECONDS REQUESTS".
run_storm() {
  local dir="$TMP/storm.$1"
  /usr/bin/time -f "%U %S" -o "$dir.time" taskset -c "$GEN_CORE" \
    timeout $((DURATION + 20)) "$FLOODGATE_BIN" storm "$TMP/speed.yaml" --report "$dir" --quiet > "$dir.log" 2>&1 || true
  [[ -s $dir/report.json ]] || bench_die "storm wrote no report: $(tail -5 "$dir.log")"
  local rps reqs errs cpu
  rps=$(jq '.attack.offered_rps' "$dir/report.json")
  reqs=$(jq '.attack.responses' "$dir/report.json")
  errs=$(jq '[.attack.errors[]] | add' "$dir/report.json")
  ((errs == 0)) || bench_log "storm saw $errs errors in run $1"
  cpu=$(awk '{ print $1 + $2 }' "$dir.time")
  echo "$rps $cpu $reqs"
}

declare -a W_RPS S_RPS W_CPU S_CPU
for ((r = 0; r < ROUNDS; r++)); do
  # Alternate who goes first, so drift on a shared machine hits both alike.
  for who in $(bench_rotate "$r" wrk storm); do
    bench_log "round $((r + 1))/$ROUNDS: $who"
    if [[ $who == wrk ]]; then
      read -r rps cpu reqs <<< "$(run_wrk "$r")"
      W_RPS+=("$rps"); W_CPU+=("$(awk -v c="$cpu" -v n="$reqs" 'BEGIN { printf "%.2f", c / n * 1e5 }')")
    else
      read -r rps cpu reqs <<< "$(run_storm "$r")"
      S_RPS+=("$rps"); S_CPU+=("$(awk -v c="$cpu" -v n="$reqs" 'BEGIN { printf "%.2f", c / n * 1e5 }')")
    fi
    bench_log "  $who: $rps req/s"
  done
done

wrk_rps=$(bench_median "${W_RPS[@]}")
storm_rps=$(bench_median "${S_RPS[@]}")
wrk_cpu=$(bench_median "${W_CPU[@]}")
storm_cpu=$(bench_median "${S_CPU[@]}")
ratio=$(bench_ratio "$storm_rps" "$wrk_rps")

printf '\n%-10s %14s %26s\n' generator "req/s (median)" "CPU-seconds per 100k req"
printf '%-10s %14.0f %26s\n' wrk "$wrk_rps" "$wrk_cpu"
printf '%-10s %14.0f %26s\n' storm "$storm_rps" "$storm_cpu"
printf 'storm / wrk: %s\n' "$ratio"

md=$(cat <<EOF
Command: \`$CMDLINE\`
Machine: $(bench_machine); load average at start: $LOAD_AT_START.
Target: $TARGET ($TARGET_WORKERS worker(s), cores $TARGET_CORES); each generator alone on core $GEN_CORE,
$CONNS keep-alive connections, ${DURATION} s per run, $ROUNDS alternating rounds (medians).

| generator | requests/s | CPU-seconds per 100k requests |
|---|---:|---:|
| wrk (-t1 -c$CONNS) | $(printf '%.0f' "$wrk_rps") | $wrk_cpu |
| floodgate storm (1 thread, rate: max) | $(printf '%.0f' "$storm_rps") | $storm_cpu |

storm / wrk requests per second: **$ratio**. Runs: wrk ${W_RPS[*]}; storm ${S_RPS[*]}.
EOF
)
echo
echo "$md"
[[ -n $OUT ]] && echo "$md" > "$OUT"
exit 0
