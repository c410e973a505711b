#!/usr/bin/env bash
# System calls per request on the gateway's two request paths, counted by the kernel
# (`perf trace -s` on every thread of the gateway while wrk runs):
#   proxied   a keep-alive GET relayed to the origin (200)      wrk, /proxied
#   429       a keep-alive GET refused by a route rate limit    wrk, /limited
#   429+close the same with Connection: close: a connection per request (accept to close)
# Each syscall's calls (and errors, e.g. EAGAIN) divided by the requests wrk completed. The
# counts are exact; the tracing slows the gateway, so epoll_wait's share (one call per batch of
# events) is an upper bound of what it is untraced.
#
# Usage: bench/syscalls_per_request.sh
# Environment (defaults in brackets): DURATION seconds per path [3], CONNS wrk -c [32],
#   FLOODGATE_BIN [build/release/floodgate], KEEP_TMP=1 keeps the temp dir.
# Needs perf with the raw_syscalls tracepoints (root).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

DURATION=${DURATION:-3}
CONNS=${CONNS:-32}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
HOST=127.0.0.1
bench_require_cmd wrk curl awk perf
bench_setup syscalls "syscalls_per_request files"

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
  detect: false
  rate_limits: [{ key: route, rate: 1/h, burst: 1, routes: [limited] }]
  kernel_drop: { enabled: false }
YAML
bench_start "$TMP/gateway.log" "$FLOODGATE_BIN" run -c "$TMP/gateway.yaml"
GW_PID=$BENCH_LAST_PID
bench_wait_http "http://$HOST:$ORIGIN_PORT/" "$ORIGIN_PID" 10 || bench_die "origin did not start"
bench_wait_http "http://$HOST:$GW_PORT/proxied" "$GW_PID" 10 || bench_die "gateway did not start"
curl -s -o /dev/null "http://$HOST:$GW_PORT/limited"  # spend the one-request burst

# count PATH [WRK_ARGS...]: wrk on PATH while perf traces the gateway; prints the per-request
# table.
count() {
  local path=$1 tids perf_pid reqs label; shift
  label="$path${*:+ $*}"
  tids=$(ls "/proc/$GW_PID/task" | paste -sd,)
  perf trace -s -t "$tids" -o "$TMP/perf${path//\//_}.txt" -- sleep $((DURATION + 1)) 2>/dev/null &
  perf_pid=$!
  BENCH_PIDS+=("$perf_pid")
  sleep 0.5
  bench_wrk "$TMP/wrk.out" "$DURATION" -t1 -c"$CONNS" "$@" "http://$HOST:$GW_PORT$path"
  wait "$perf_pid" || true
  bench_forget "$perf_pid"
  reqs=$(awk '/ requests in / { print $1 }' "$TMP/wrk.out")
  [[ -n $reqs && $reqs -gt 0 ]] || bench_die "wrk completed no requests: $(cat "$TMP/wrk.out")"
  echo
  echo "#### $label: $reqs requests in ${DURATION}s (wrk -t1 -c$CONNS)"
  echo
  echo "| syscall | calls/request | errors/request |"
  echo "|---|---:|---:|"
  # Summary lines: "name calls errors total min avg max stddev", one block per thread.
  awk -v n="$reqs" '
    $2 ~ /^[0-9]+$/ && $3 ~ /^[0-9]+$/ && NF >= 8 { calls[$1] += $2; errs[$1] += $3 }
    END {
      for (s in calls) { total += calls[s]; terr += errs[s] }
      for (s in calls) if (calls[s] / n >= 0.001)
        printf "%s %.3f %.3f\n", s, calls[s] / n, errs[s] / n
      printf "~total %.3f %.3f\n", total / n, terr / n
    }' "$TMP/perf${path//\//_}.txt" | sort -k2,2gr | awk '
      $1 ~ /^~/ { last = "| **total** | **" $2 "** | **" $3 "** |"; next }
      { print "| " $1 " | " $2 " | " $3 " |" }
      END { print last }'
}

# rate PATH: wrk on PATH while perf only counts (a much lighter touch than tracing); prints
# the syscalls and epoll_waits per request at full speed.
rate() {
  local path=$1 perf_pid reqs
  perf stat -x, -e raw_syscalls:sys_enter -e raw_syscalls:sys_enter --filter "id == $EPOLL_WAIT" \
    -p "$GW_PID" -o "$TMP/stat.txt" -- sleep $((DURATION + 1)) 2>/dev/null &
  perf_pid=$!
  BENCH_PIDS+=("$perf_pid")
  sleep 0.5
  bench_wrk "$TMP/wrk.out" "$DURATION" -t1 -c"$CONNS" "http://$HOST:$GW_PORT$path"
  wait "$perf_pid" || true
  bench_forget "$perf_pid"
  reqs=$(awk '/ requests in / { print $1 }' "$TMP/wrk.out")
  awk -F, -v n="$reqs" -v p="$path" -v d="$DURATION" '
    /raw_syscalls:sys_enter/ { v[++k] = $1 }
    END { printf "- %s untraced (perf stat): %d requests in %ss, %.3f syscalls/request, %.3f epoll_wait/request\n",
                 p, n, d, v[1] / n, v[2] / n }' "$TMP/stat.txt"
}

EPOLL_WAIT=232  # x86_64
[[ $(uname -m) == x86_64 ]] || bench_die "the epoll_wait syscall number here is x86_64's"
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
count /proxied
count /limited
count /limited -H "Connection: close"   # a new connection per request: the per-connection calls
echo
rate /proxied
rate /limited
echo
echo "gateway: 1 worker; every thread of the gateway traced; load at start: $LOAD_START"
