#!/usr/bin/env bash
# Side-by-side throughput, latency and memory of floodgate, nginx and HAProxy as plain reverse
# proxies with upstream keep-alive, in front of one shared origin, on loopback only.
#
# Usage: bench/proxy_vs_peers.sh            (prints tables, then Markdown for BENCHMARKS.md)
# Environment (defaults in brackets):
#   PROXIES        proxies to compare, in round-0 order ["floodgate nginx haproxy"]
#   ORIGIN         shared origin: floodgate (floodgate origin) or nginx (static file) [floodgate]
#   ORIGIN_WORKERS worker threads/processes of the origin [1]
#   WORKERS        workers of each proxy: nginx worker_processes, HAProxy nbthread,
#                  floodgate --workers [1]
#   SCENARIOS      "small" (13-byte body) and/or "64k" (65536-byte body) ["small 64k"]
#   THREADS CONNS  wrk -t and -c [1, 64]
#   DURATION       seconds per measured wrk run [10]; WARMUP seconds per proxy [2]
#   ROUNDS         measured rounds; the proxy order rotates each round; medians reported [3]
#   WRK_TASKSET SERVER_TASKSET  optional CPU lists (taskset -c) for wrk / for origin+proxies
#   FLOODGATE_BIN NGINX_BIN HAPROXY_BIN  binaries [build/release/floodgate, /usr/sbin/nginx,
#                  /usr/sbin/haproxy]
#   OUT            also write the Markdown report to this file
#   KEEP_TMP=1     keep the temp dir (configs, logs, raw wrk output); kept anyway on failure
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

# The command line as typed, with the settings that came from the environment, for the report.
shell_word() { if [[ $1 =~ ^[A-Za-z0-9_./:,=+-]+$ ]]; then echo "$1"; else echo "'${1//\'/\'\\\'\'}'"; fi; }
CMDLINE=""
for v in PROXIES ORIGIN ORIGIN_WORKERS WORKERS SCENARIOS THREADS CONNS DURATION WARMUP ROUNDS \
         WRK_TASKSET SERVER_TASKSET FLOODGATE_BIN NGINX_BIN HAPROXY_BIN OUT; do
  [[ -n ${!v+x} ]] && CMDLINE+="$v=$(shell_word "${!v}") "
done
CMDLINE+="$0"
for a in "$@"; do CMDLINE+=" $(shell_word "$a")"; done

PROXIES=${PROXIES:-floodgate nginx haproxy}
ORIGIN=${ORIGIN:-floodgate}
ORIGIN_WORKERS=${ORIGIN_WORKERS:-1}
WORKERS=${WORKERS:-1}
SCENARIOS=${SCENARIOS:-small 64k}
THREADS=${THREADS:-1}
CONNS=${CONNS:-64}
DURATION=${DURATION:-10}
WARMUP=${WARMUP:-2}
ROUNDS=${ROUNDS:-3}
WRK_TASKSET=${WRK_TASKSET:-}
SERVER_TASKSET=${SERVER_TASKSET:-}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
HAPROXY_BIN=${HAPROXY_BIN:-/usr/sbin/haproxy}
OUT=${OUT:-}
KEEP_TMP=${KEEP_TMP:-0}
HOST=127.0.0.1
STARTUP_SECS=10

LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)  # other work on the machine skews every number

# ---- input checks --------------------------------------------------------------------------

for v in ORIGIN_WORKERS WORKERS THREADS CONNS DURATION ROUNDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || bench_die "$v must be a positive integer (got '${!v}')"
done
[[ $WARMUP =~ ^[0-9]+$ ]] || bench_die "WARMUP must be a whole number of seconds (got '$WARMUP')"
((THREADS <= CONNS)) || bench_die "THREADS ($THREADS) must not exceed CONNS ($CONNS)"
read -r -a PROXY_LIST <<< "$PROXIES"
((${#PROXY_LIST[@]})) || bench_die "PROXIES is empty"
for p in "${PROXY_LIST[@]}"; do
  [[ $p == floodgate || $p == nginx || $p == haproxy ]] ||
    bench_die "unknown proxy '$p' in PROXIES (known: floodgate nginx haproxy)"
done
read -r -a SCENARIO_LIST <<< "$SCENARIOS"
for s in "${SCENARIO_LIST[@]}"; do
  [[ $s == small || $s == 64k ]] || bench_die "unknown scenario '$s' in SCENARIOS (known: small 64k)"
done
[[ $ORIGIN == floodgate || $ORIGIN == nginx ]] ||
  bench_die "ORIGIN must be 'floodgate' or 'nginx' (got '$ORIGIN')"
bench_require_loopback "$HOST"
bench_require_cmd wrk curl awk timeout
[[ -n $WRK_TASKSET || -n $SERVER_TASKSET ]] && bench_require_cmd taskset

uses() { [[ " ${PROXY_LIST[*]} " == *" $1 "* ]]; }
if uses floodgate || [[ $ORIGIN == floodgate ]]; then
  what=$( uses floodgate && echo "the floodgate proxy" || echo "the floodgate origin")
  if [[ ! -x $FLOODGATE_BIN ]]; then
    bench_die "$what needs $FLOODGATE_BIN, which does not exist or is not executable.
  Build it:          cd $ROOT && cmake --preset release && cmake --build --preset release
  or bench without:  PROXIES=\"nginx haproxy\" ORIGIN=nginx $0"
  fi
  timeout 5 "$FLOODGATE_BIN" --help > /dev/null 2>&1 ||
    bench_die "$FLOODGATE_BIN does not run ('floodgate --help' failed); rebuild it, or bench without it:
  PROXIES=\"nginx haproxy\" ORIGIN=nginx $0"
else
  FLOODGATE_BIN=""  # not needed: bench_setup asks nothing of it
fi
if uses nginx || [[ $ORIGIN == nginx ]]; then
  [[ -x $NGINX_BIN ]] || bench_die "nginx not found at $NGINX_BIN (set NGINX_BIN)"
fi
if uses haproxy; then
  [[ -x $HAPROXY_BIN ]] || bench_die "haproxy not found at $HAPROXY_BIN (set HAPROXY_BIN)"
fi

# ---- temp dir and cleanup (nginx workers may run as another user and read the origin's files)

bench_setup floodgate-bench "configs, logs and raw wrk output"

PIN=()
[[ -n $SERVER_TASKSET ]] && PIN=(taskset -c "$SERVER_TASKSET")

# ---- origin --------------------------------------------------------------------------------

declare -A BODY_BYTES=([small]=13 [64k]=65536)

# start_origin SCENARIO DIR: start the shared origin; sets ORIGIN_PID and ORIGIN_PORT.
start_origin() {
  local scen=$1 dir=$2 bytes=${BODY_BYTES[$1]}
  mkdir -p "$dir"
  bench_free_port ORIGIN_PORT
  if [[ $ORIGIN == floodgate ]]; then
    bench_start "$dir/origin.log" "${PIN[@]}" env -C "$dir" "$FLOODGATE_BIN" origin \
      --listen "$HOST:$ORIGIN_PORT" --capacity 0 --latency 0 --workers "$ORIGIN_WORKERS" \
      --body-bytes "$bytes"
  else
    mkdir -p "$dir/www" "$dir/tmp"
    if [[ $scen == small ]]; then
      printf 'hello, world\n' > "$dir/www/body"   # 13 bytes
    else
      head -c "$bytes" /dev/zero | tr '\0' 'x' > "$dir/www/body"
    fi
    chmod -R a+rX "$dir"
    cat > "$dir/nginx.conf" <<EOF
# Origin: serves one static file for GET /, as cheaply as nginx can.
$(bench_nginx_user_line)
worker_processes $ORIGIN_WORKERS;
daemon off;
master_process on;
pid $dir/nginx.pid;
error_log $dir/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  default_type text/plain;
  sendfile on;
  tcp_nopush on;
  open_file_cache max=16;
  keepalive_requests 1000000;  # never make the proxies reconnect to the origin
  keepalive_timeout 300s;
$(bench_nginx_temp_paths "$dir/tmp")
  server {
    listen $HOST:$ORIGIN_PORT backlog=4096;
    root $dir/www;
    location = / { try_files /body =404; }
  }
}
EOF
    bench_start "$dir/origin.log" "${PIN[@]}" "$NGINX_BIN" -p "$dir/" -e "$dir/error.log" \
      -c "$dir/nginx.conf"
  fi
  ORIGIN_PID=$BENCH_LAST_PID
  if ! bench_wait_http "http://$HOST:$ORIGIN_PORT/" "$ORIGIN_PID" "$STARTUP_SECS"; then
    read -r code _ <<< "$(bench_http_probe "http://$HOST:$ORIGIN_PORT/")"
    show_log "$dir/origin.log" "$dir/error.log"
    bench_die "origin ($ORIGIN) did not answer 200 at http://$HOST:$ORIGIN_PORT/ within ${STARTUP_SECS} s (last status: $code)"
  fi
  check_body "origin ($ORIGIN)" "http://$HOST:$ORIGIN_PORT/" "$bytes"
}

# ---- proxies -------------------------------------------------------------------------------

# start_proxy NAME DIR: write the proxy's config, start it; sets PROXY_PID[NAME], PROXY_PORT[NAME].
declare -A PROXY_PID PROXY_PORT PROXY_LOGS
start_proxy() {
  local name=$1 dir=$2 port
  mkdir -p "$dir"
  bench_free_port port
  PROXY_PORT[$name]=$port
  case $name in
    floodgate)
      PROXY_LOGS[$name]="$dir/floodgate.log"
      bench_start "$dir/floodgate.log" "${PIN[@]}" env -C "$dir" "$FLOODGATE_BIN" run \
        --listen "$HOST:$port" --to "$HOST:$ORIGIN_PORT" --workers "$WORKERS"
      ;;
    nginx)
      PROXY_LOGS[$name]="$dir/nginx.log $dir/error.log"
      # nginx's documented reverse proxy with upstream keep-alive (ngx_http_upstream_module,
      # "keepalive"): HTTP/1.1 upstream and an empty Connection header. Everything else is default.
      cat > "$dir/nginx.conf" <<EOF
$(bench_nginx_main "$dir" "$WORKERS")
http {
  access_log off;
$(bench_nginx_temp_paths "$dir/tmp")
  upstream origin {
    server $HOST:$ORIGIN_PORT;
    keepalive 64;
  }
  server {
    listen $HOST:$port backlog=4096;
    location / {
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
EOF
      chmod -R a+rX "$dir"
      bench_start "$dir/nginx.log" "${PIN[@]}" "$NGINX_BIN" -p "$dir/" -e "$dir/error.log" \
        -c "$dir/nginx.conf"
      ;;
    haproxy)
      PROXY_LOGS[$name]="$dir/haproxy.log"
      bench_haproxy_cfg "$WORKERS" "$HOST:$port" "$HOST:$ORIGIN_PORT" > "$dir/haproxy.cfg"
      bench_start "$dir/haproxy.log" "${PIN[@]}" "$HAPROXY_BIN" -db -f "$dir/haproxy.cfg"
      ;;
  esac
  PROXY_PID[$name]=$BENCH_LAST_PID
  if ! bench_wait_http "http://$HOST:$port/" "${PROXY_PID[$name]}" "$STARTUP_SECS"; then
    local code state="still running"
    read -r code _ <<< "$(bench_http_probe "http://$HOST:$port/")"
    bench_alive "${PROXY_PID[$name]}" || state="exited"
    # shellcheck disable=SC2086
    show_log ${PROXY_LOGS[$name]}
    bench_die "$name did not answer 200 at http://$HOST:$port/ within ${STARTUP_SECS} s (last status: $code, process $state)"
  fi
}

# show_log FILE...: print the tail of each existing, non-empty log on stderr.
show_log() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 20 "$f" >&2
  done
}

# check_body WHO URL BYTES: die unless URL answers 200 with a body of exactly BYTES bytes.
check_body() {
  local code size
  read -r code size <<< "$(bench_http_probe "$2")"
  [[ $code == 200 ]] || bench_die "$1 answered $code instead of 200 at $2"
  [[ $size == "$3" ]] || bench_die "$1 answered a $size-byte body at $2, expected $3 bytes"
}

# ensure_up NAME: die with the proxy's log if it or the origin died or stopped answering 200.
ensure_up() {
  local name=$1 code
  bench_alive "$ORIGIN_PID" || { show_log "$SCEN_DIR/origin/origin.log"; bench_die "the origin exited during the $SCEN run"; }
  if ! bench_alive "${PROXY_PID[$name]}"; then
    # shellcheck disable=SC2086
    show_log ${PROXY_LOGS[$name]}
    bench_die "$name exited during the $SCEN run"
  fi
  read -r code _ <<< "$(bench_http_probe "http://$HOST:${PROXY_PORT[$name]}/")"
  [[ $code == 200 ]] || bench_die "$name answered $code instead of 200 before its $SCEN load"
}

# ---- measuring -----------------------------------------------------------------------------

declare -A R_RPS R_P50 R_P99 R_NON2XX R_SOCKERR R_REQS R_TICKS PEAK_KIB IDLE_KIB
WRK_ARGS=(-t"$THREADS" -c"$CONNS" --latency)

# load NAME SECONDS OUTFILE: one wrk run against NAME while sampling its RSS; prints nothing.
load() {
  local name=$1 secs=$2 out=$3 sampler t0 t1
  local -a pids
  mapfile -t pids < <(bench_pid_tree "${PROXY_PID[$name]}")
  ensure_up "$name"
  bench_sampler_start "$SCEN_DIR/$name/peak_kib" "${pids[@]}"
  sampler=$BENCH_LAST_PID
  t0=$(bench_cpu_ticks "${pids[@]}")
  bench_wrk "$out" "$secs" "${WRK_ARGS[@]}" "http://$HOST:${PROXY_PORT[$name]}/" || true
  t1=$(bench_cpu_ticks "${pids[@]}")
  bench_stop "$sampler"
  bench_forget "$sampler"
  LAST_TICKS=$((t1 - t0))
  ensure_up "$name"
}

for SCEN in "${SCENARIO_LIST[@]}"; do
  SCEN_DIR=$TMP/$SCEN
  mkdir -p "$SCEN_DIR"
  bench_log "[$SCEN] origin: $ORIGIN ($ORIGIN_WORKERS worker(s)), body ${BODY_BYTES[$SCEN]} bytes"
  start_origin "$SCEN" "$SCEN_DIR/origin"
  for p in "${PROXY_LIST[@]}"; do
    start_proxy "$p" "$SCEN_DIR/$p"
    check_body "$p" "http://$HOST:${PROXY_PORT[$p]}/" "${BODY_BYTES[$SCEN]}"
    bench_log "[$SCEN] $p is up on $HOST:${PROXY_PORT[$p]} (pid ${PROXY_PID[$p]}, $WORKERS worker(s))"
  done
  sleep 1
  for p in "${PROXY_LIST[@]}"; do
    mapfile -t pids < <(bench_pid_tree "${PROXY_PID[$p]}")
    IDLE_KIB[$SCEN.$p]=$(bench_rss_kib "${pids[@]}")
    echo "${IDLE_KIB[$SCEN.$p]}" > "$SCEN_DIR/$p/peak_kib"
  done
  if ((WARMUP > 0)); then
    for p in "${PROXY_LIST[@]}"; do
      bench_log "[$SCEN] warm-up $p (${WARMUP} s)"
      load "$p" "$WARMUP" "$SCEN_DIR/$p/warmup.wrk"
    done
  fi
  for ((r = 0; r < ROUNDS; r++)); do
    read -r -a order <<< "$(bench_rotate "$r" "${PROXY_LIST[@]}")"
    for p in "${order[@]}"; do
      out=$SCEN_DIR/$p/round$r.wrk
      load "$p" "$DURATION" "$out"
      if ! parsed=$(bench_wrk_parse "$out"); then
        show_log "$out"
        bench_die "could not read wrk's results for $p ($SCEN, round $((r + 1))); wrk output above"
      fi
      read -r rps p50 p99 non2xx sockerr reqs <<< "$parsed"
      R_RPS[$SCEN.$p]+="$rps "
      R_P50[$SCEN.$p]+="$p50 "
      R_P99[$SCEN.$p]+="$p99 "
      R_NON2XX[$SCEN.$p]=$((${R_NON2XX[$SCEN.$p]:-0} + non2xx))
      R_SOCKERR[$SCEN.$p]=$((${R_SOCKERR[$SCEN.$p]:-0} + sockerr))
      R_REQS[$SCEN.$p]=$((${R_REQS[$SCEN.$p]:-0} + reqs))
      R_TICKS[$SCEN.$p]=$((${R_TICKS[$SCEN.$p]:-0} + LAST_TICKS))
      bench_log "[$SCEN] round $((r + 1))/$ROUNDS $p: $rps req/s, p50 $p50 ms, p99 $p99 ms, non-2xx $non2xx, socket errors $sockerr"
    done
  done
  for p in "${PROXY_LIST[@]}"; do
    PEAK_KIB[$SCEN.$p]=$(cat "$SCEN_DIR/$p/peak_kib")
    [[ -s $SCEN_DIR/$p/error.log ]] && grep -q "buffered to a temporary file" "$SCEN_DIR/$p/error.log" &&
      bench_log "[$SCEN] note: nginx buffered some responses to temp files (see $SCEN_DIR/$p/error.log)"
    bench_stop "${PROXY_PID[$p]}"
    bench_forget "${PROXY_PID[$p]}"
  done
  bench_stop "$ORIGIN_PID"
  bench_forget "$ORIGIN_PID"
done

# ---- reporting -----------------------------------------------------------------------------

CLK_TCK=$(getconf CLK_TCK)

# row_values SCEN NAME: print "RPS|P50|P99|PEAK_MIB|IDLE_MIB|CPU_US_PER_REQ|ERRORS" for one row.
row_values() {
  local k=$1.$2 rps p50 p99 errs cpu
  # shellcheck disable=SC2086
  rps=$(bench_median ${R_RPS[$k]})
  # shellcheck disable=SC2086
  p50=$(bench_median ${R_P50[$k]})
  # shellcheck disable=SC2086
  p99=$(bench_median ${R_P99[$k]})
  cpu=$(awk -v t="${R_TICKS[$k]}" -v hz="$CLK_TCK" -v n="${R_REQS[$k]}" \
    'BEGIN { if (n > 0) printf "%.1f", t / hz * 1e6 / n; else print "n/a" }')
  errs=$((R_NON2XX[$k] + R_SOCKERR[$k]))
  ((errs == 0)) || errs="${R_NON2XX[$k]} non-2xx + ${R_SOCKERR[$k]} socket"
  printf '%.0f|%.2f|%.2f|%s|%s|%s|%s\n' "$rps" "$p50" "$p99" \
    "$(bench_kib_to_mib "${PEAK_KIB[$k]}")" "$(bench_kib_to_mib "${IDLE_KIB[$k]}")" "$cpu" "$errs"
}

# ratio_lines SCEN: print "floodgate/PEER: req/s xA, p99 xB" for each peer, or a reason why not.
ratio_lines() {
  local scen=$1 peer rf pf rp pp any=0
  if ! uses floodgate; then
    echo "ratios: n/a (floodgate not in PROXIES)"
    return
  fi
  IFS='|' read -r rf _ pf _ <<< "$(row_values "$scen" floodgate)"
  for peer in nginx haproxy; do
    uses "$peer" || continue
    IFS='|' read -r rp _ pp _ <<< "$(row_values "$scen" "$peer")"
    echo "floodgate/$peer: req/s x$(bench_ratio "$rf" "$rp"), p99 x$(bench_ratio "$pf" "$pp")"
    any=1
  done
  ((any)) || echo "ratios: n/a (no peer in PROXIES)"
}

scenario_title() {
  case $1 in
    small) echo "small: ${BODY_BYTES[small]}-byte body" ;;
    64k) echo "64k: ${BODY_BYTES[64k]}-byte body" ;;
  esac
}

DATE=$(date -u '+%Y-%m-%d %H:%M UTC')
MACHINE=$(bench_machine)
REV=$(git -C "$ROOT" describe --always --dirty 2>/dev/null || echo unknown)
NGINX_VER=$("$NGINX_BIN" -v 2>&1 | sed -n 's|.*nginx/||p' || true)
HAPROXY_VER=$("$HAPROXY_BIN" -v 2>/dev/null | awk 'NR == 1 { print $3 }' || true)
WRK_VER=$(wrk --version 2>&1 | awk 'NR == 1 { print $2 }' || true)
SETUP="origin: $ORIGIN ($ORIGIN_WORKERS worker(s)); each proxy: $WORKERS worker(s); \
wrk $WRK_VER -t$THREADS -c$CONNS keep-alive, ${WARMUP} s warm-up, $ROUNDS round(s) x ${DURATION} s, \
order rotated each round, medians"
[[ -n $WRK_TASKSET ]] && SETUP+="; wrk on CPUs $WRK_TASKSET"
[[ -n $SERVER_TASKSET ]] && SETUP+="; origin+proxies on CPUs $SERVER_TASKSET"

# Console tables.
echo
for SCEN in "${SCENARIO_LIST[@]}"; do
  echo "== $(scenario_title "$SCEN") =="
  printf '%-10s %10s %8s %8s %13s %13s %12s  %s\n' proxy req/s "p50 ms" "p99 ms" \
    "peak RSS MiB" "idle RSS MiB" "CPU us/req" errors
  for p in "${PROXY_LIST[@]}"; do
    IFS='|' read -r rps p50 p99 peak idle cpu errs <<< "$(row_values "$SCEN" "$p")"
    printf '%-10s %10s %8s %8s %13s %13s %12s  %s\n' "$p" "$rps" "$p50" "$p99" "$peak" "$idle" \
      "$cpu" "$errs"
  done
  ratio_lines "$SCEN"
  echo
done

# Markdown, for BENCHMARKS.md.
markdown() {
  echo "### proxy_vs_peers — $DATE"
  echo
  echo "- command: \`$CMDLINE\`"
  echo "- machine: $MACHINE; load average at start: $LOAD_AT_START"
  echo "- software: floodgate $REV, nginx $NGINX_VER, HAProxy $HAPROXY_VER"
  echo "- setup: $SETUP"
  echo "- RSS sums every process of a proxy (nginx master + workers); peak is the largest sum"
  echo "  sampled every 0.2 s under load, idle is measured after start-up before any load;"
  echo "  CPU us/req is the proxy's user+system CPU time over the measured rounds per request;"
  echo "  errors are wrk's non-2xx responses and socket errors over the measured rounds"
  for SCEN in "${SCENARIO_LIST[@]}"; do
    echo
    echo "#### $(scenario_title "$SCEN")"
    echo
    echo "| proxy | req/s | p50 ms | p99 ms | peak RSS MiB | idle RSS MiB | CPU us/req | errors |"
    echo "|---|---:|---:|---:|---:|---:|---:|---:|"
    for p in "${PROXY_LIST[@]}"; do
      IFS='|' read -r rps p50 p99 peak idle cpu errs <<< "$(row_values "$SCEN" "$p")"
      echo "| $p | $rps | $p50 | $p99 | $peak | $idle | $cpu | $errs |"
    done
    echo
    ratio_lines "$SCEN" | sed 's/^/- /'
  done
}

echo "---- Markdown (for BENCHMARKS.md) ----"
echo
markdown
if [[ -n $OUT ]]; then
  markdown > "$OUT"
  bench_log "report written to $OUT"
fi
