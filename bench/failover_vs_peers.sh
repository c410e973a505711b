#!/usr/bin/env bash
# Upstream failover, side by side (issue 6): the same scenarios played with the storm lab
# through floodgate, nginx and HAProxy, each configured with its own failover tools —
# nginx: a `backup` server, max_fails/fail_timeout, proxy_next_upstream, max_conns;
# HAProxy: a `backup` server, `check` health checks, `observe layer7`, retries/redispatch,
# maxconn with a queue timeout; floodgate: priority levels with declared capacity, health
# checks, outlier detection, retry budget, slow start.
#
# Scenarios (one round each, legit load from `floodgate storm`):
#   kill       primary killed at KILL_AT s, brought back at BACK_AT s; alternate as big
#   fifth      primary killed; the alternate has a fifth of the primary's capacity
#   blackhole  one of three endpoints accepts connections and never answers
#   flaky      the only origin answers 500 to every second request for the whole run
#
# Usage: bench/failover_vs_peers.sh
# Environment (defaults in brackets):
#   SYSTEMS      ["floodgate nginx haproxy"]   SCENARIOS ["kill fifth blackhole flaky"]
#   DURATION     seconds of load per run [20]  RATE legit requests/s [400]
#   KILL_AT BACK_AT  seconds into the run [6, 13]
#   CAPACITY     the primary's requests/s [1000] (the fifth: CAPACITY/5)
#   FLOODGATE_BIN NGINX_BIN HAPROXY_BIN; OUT: also write the Markdown here; KEEP_TMP=1
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

CMDLINE=""
for v in SYSTEMS SCENARIOS DURATION RATE KILL_AT BACK_AT CAPACITY OUT; do
  [[ -n ${!v+x} ]] && CMDLINE+="$v=${!v} "
done
CMDLINE+="$0"

SYSTEMS=${SYSTEMS:-floodgate nginx haproxy}
SCENARIOS=${SCENARIOS:-kill fifth blackhole flaky}
DURATION=${DURATION:-20}
RATE=${RATE:-400}
KILL_AT=${KILL_AT:-6}
BACK_AT=${BACK_AT:-13}
CAPACITY=${CAPACITY:-1000}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
HAPROXY_BIN=${HAPROXY_BIN:-/usr/sbin/haproxy}
OUT=${OUT:-}
HOST=127.0.0.1
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)

for v in DURATION RATE KILL_AT BACK_AT CAPACITY; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || bench_die "$v must be a positive integer (got '${!v}')"
done
((KILL_AT < BACK_AT && BACK_AT < DURATION)) || bench_die "need KILL_AT < BACK_AT < DURATION"
read -r -a SYSTEM_LIST <<< "$SYSTEMS"
read -r -a SCENARIO_LIST <<< "$SCENARIOS"
for s in "${SYSTEM_LIST[@]}"; do
  [[ $s == floodgate || $s == nginx || $s == haproxy ]] || bench_die "unknown system '$s'"
done
for s in "${SCENARIO_LIST[@]}"; do
  [[ $s == kill || $s == fifth || $s == blackhole || $s == flaky ]] || bench_die "unknown scenario '$s'"
done
bench_require_cmd jq curl python3 timeout
bench_setup floodgate-failover "configs, logs and reports"

# start_origin LOG NAME PORT ARGS...: an origin on PORT; pid in BENCH_LAST_PID.
start_origin() {
  local log=$1 name=$2 port=$3; shift 3
  bench_start "$log" "$FLOODGATE_BIN" origin --listen "$HOST:$port" --name "$name" "$@"
  bench_wait_http "http://$HOST:$port/" "$BENCH_LAST_PID" 10 || bench_die "origin $name did not start"
}

# start_black_hole PORT: a socket that accepts connections and never answers.
start_black_hole() {
  bench_start "$1.log" python3 -c "
import socket, time
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('$HOST', $2)); s.listen(4096)
held = []
end = time.time() + $((DURATION + 30))
s.settimeout(1)
while time.time() < end:
    try: held.append(s.accept()[0])
    except socket.timeout: pass
"
}

origin_count() {  # origin_count PORT FIELD: a counter from the origin's stats, 0 if gone
  curl -s --max-time 2 "http://$HOST:$1/__origin/stats?summary=1" | jq -r ".$2 // 0" 2>/dev/null || echo 0
}

# write_front SYSTEM DIR: the front's config for the current scenario (P A B X set).
write_front() {
  local system=$1 dir=$2
  case $system in
    floodgate)
      {
        echo "listeners: [{ address: $HOST:$FRONT_PORT, workers: 1 }]"
        echo "shield: { enabled: false }"
        echo "logging: { level: warn }"
        echo "clusters:"
        echo "  - name: web"
        case $SCEN in
          kill|fifth)
            echo "    levels:"
            echo "      - endpoints: [$HOST:$P]"
            echo "      - endpoints: [$HOST:$A]"
            [[ $SCEN == fifth ]] && echo "        capacity: $((CAPACITY / 5 * 9 / 10))/s"
            ;;
          blackhole) echo "    endpoints: [$HOST:$P, $HOST:$X, $HOST:$A]" ;;
          flaky) echo "    endpoints: [$HOST:$P]" ;;
        esac
        echo "    health_check: { type: http, path: /, interval: 500ms, timeout: 250ms, unhealthy_threshold: 2, healthy_threshold: 2 }"
        echo "    outlier_detection: { consecutive_connect_failures: 3, base_ejection: 2s, max_ejected_percent: 50 }"
        echo "    slow_start: 5s"
        echo "    retry: { per_try_timeout: 500ms, on_status: [500, 502, 503, 504] }"
      } > "$dir/floodgate.yaml"
      ;;
    nginx)
      local servers
      case $SCEN in
        kill) servers="server $HOST:$P max_fails=1 fail_timeout=2s; server $HOST:$A backup;" ;;
        fifth) servers="server $HOST:$P max_fails=1 fail_timeout=2s; server $HOST:$A backup max_conns=$((CAPACITY / 5 / 50));" ;;
        blackhole) servers="server $HOST:$P max_fails=1 fail_timeout=2s; server $HOST:$X max_fails=1 fail_timeout=2s; server $HOST:$A max_fails=1 fail_timeout=2s;" ;;
        flaky) servers="server $HOST:$P;" ;;
      esac
      cat > "$dir/nginx.conf" <<EOF
$(bench_nginx_user_line)
worker_processes 1;
daemon off;
pid $dir/nginx.pid;
error_log $dir/error.log error;
events { worker_connections 8192; }
http {
  access_log off;
$(bench_nginx_temp_paths "$dir/tmp")
  upstream web { $servers keepalive 64; }
  server {
    listen $HOST:$FRONT_PORT backlog=4096;
    location / {
      proxy_pass http://web;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_connect_timeout 500ms;
      proxy_read_timeout 500ms;
      proxy_next_upstream error timeout http_500 http_502 http_503 http_504;
      proxy_next_upstream_tries 3;
    }
  }
}
EOF
      chmod -R a+rX "$dir"
      ;;
    haproxy)
      local check="check inter 500ms fall 2 rise 2 observe layer7 error-limit 3 on-error mark-down"
      local servers
      case $SCEN in
        kill) servers="  server p $HOST:$P $check
  server a $HOST:$A backup $check" ;;
        fifth) servers="  server p $HOST:$P $check
  server a $HOST:$A backup $check maxconn $((CAPACITY / 5 / 50))" ;;
        blackhole) servers="  server p $HOST:$P $check
  server x $HOST:$X $check
  server a $HOST:$A $check" ;;
        flaky) servers="  server p $HOST:$P check inter 500ms" ;;
      esac
      cat > "$dir/haproxy.cfg" <<EOF
global
  nbthread 1
  maxconn 8000
defaults
  mode http
  option http-keep-alive
  http-reuse always
  timeout connect 500ms
  timeout client 30s
  timeout server 500ms
  timeout queue 1s
  retries 2
  option redispatch 1
  retry-on conn-failure empty-response response-timeout 500 502 503 504
frontend fe
  bind $HOST:$FRONT_PORT
  default_backend web
backend web
$([[ $SCEN != flaky ]] && printf '  option httpchk GET /\n  http-check expect status 200-399')
$servers
EOF
      ;;
  esac
}

start_front() {
  local system=$1 dir=$2
  bench_free_port FRONT_PORT
  write_front "$system" "$dir"
  case $system in
    floodgate) bench_start "$dir/front.log" "$FLOODGATE_BIN" run -c "$dir/floodgate.yaml" ;;
    nginx) bench_start "$dir/front.log" "$NGINX_BIN" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf" ;;
    haproxy) bench_start "$dir/front.log" "$HAPROXY_BIN" -db -f "$dir/haproxy.cfg" ;;
  esac
  FRONT_PID=$BENCH_LAST_PID
  bench_wait_http "http://$HOST:$FRONT_PORT/" "$FRONT_PID" 10 || { tail "$dir/front.log" >&2; bench_die "$system did not start"; }
}

write_scenario() {
  cat > "$1" <<EOF
name: failover-$SCEN
target: http://$HOST:$FRONT_PORT
threads: 1
drain: 2s
phases:
  - { name: run, duration: ${DURATION}s }
clients:
  - name: users
    kind: legit
    sources: 127.10.0.0/24
    count: 50
    rate: $RATE
    paths: [/]
EOF
}

MD="### failover_vs_peers — $(date -u '+%Y-%m-%d %H:%M UTC')

- command: \`$CMDLINE\`
- machine: $(bench_machine); load average at start: $LOAD_AT_START
- software: floodgate $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?'), nginx $("$NGINX_BIN" -v 2>&1 | sed 's|.*/||'), HAProxy $("$HAPROXY_BIN" -v | awk 'NR==1 {print $3}')
- load: \`floodgate storm\`, $RATE legit requests/s from 50 addresses for $DURATION s, one round; primary
  origin capacity $CAPACITY/s; each front 1 worker; the primary is killed at ${KILL_AT} s and restarted at ${BACK_AT} s (kill, fifth)
- columns: legit success over the run; legit errors (non-2xx or no answer) in total and in the
  seconds from the kill to one second after it; the seconds with any error after the kill;
  what the alternate (or the other endpoints) served, and the 503s the alternate gave itself
  (over its capacity); for flaky, the origin's requests per legit request (amplification; the
  origin's count includes the front's health checks, 2/s for floodgate and HAProxy)
"
for SCEN in "${SCENARIO_LIST[@]}"; do
  MD+="
#### $SCEN

| system | legit success | legit errors | errors kill..+1 s | seconds with errors | p99 ms | alternate served | alternate 503s | amplification |
|---|---:|---:|---:|---:|---:|---:|---:|---:|
"
  for system in "${SYSTEM_LIST[@]}"; do
    dir="$TMP/$SCEN/$system"
    mkdir -p "$dir"
    bench_log "$SCEN: $system"
    bench_free_port P; bench_free_port A; bench_free_port X
    case $SCEN in
      flaky) start_origin "$dir/p.log" primary "$P" --fail-every 2; P_PID=$BENCH_LAST_PID ;;
      fifth) start_origin "$dir/p.log" primary "$P" --capacity "$CAPACITY" --latency 20; P_PID=$BENCH_LAST_PID ;;
      *) start_origin "$dir/p.log" primary "$P" --capacity "$CAPACITY"; P_PID=$BENCH_LAST_PID ;;
    esac
    A_PID=""
    if [[ $SCEN != flaky ]]; then
      alt_capacity=$CAPACITY
      [[ $SCEN == fifth ]] && alt_capacity=$((CAPACITY / 5))
      # In fifth, 20 ms of service time makes the peers' connection caps (max_conns, maxconn:
      # capacity x 20 ms) mean the same as floodgate's rate.
      start_origin "$dir/a.log" alternate "$A" --capacity "$alt_capacity" \
        $([[ $SCEN == fifth ]] && echo "--latency 20"); A_PID=$BENCH_LAST_PID
    fi
    [[ $SCEN == blackhole ]] && start_black_hole "$dir/x" "$X"
    start_front "$system" "$dir"
    for port in $P $A; do curl -s -X POST "http://$HOST:$port/__origin/reset" > /dev/null || true; done
    write_scenario "$dir/scenario.yaml"
    timeout -k 5 $((DURATION + 30)) "$FLOODGATE_BIN" storm "$dir/scenario.yaml" --report "$dir/report" --quiet \
      > "$dir/storm.log" 2>&1 &
    STORM_PID=$!
    BENCH_PIDS+=("$STORM_PID")
    if [[ $SCEN == kill || $SCEN == fifth ]]; then
      sleep "$KILL_AT"
      kill -KILL "$P_PID" 2>/dev/null || true
      wait "$P_PID" 2>/dev/null || true
      bench_forget "$P_PID"
      if [[ $SCEN == kill ]]; then
        sleep $((BACK_AT - KILL_AT))
        bench_start "$dir/p2.log" "$FLOODGATE_BIN" origin --listen "$HOST:$P" --name primary --capacity "$CAPACITY"
      fi
    fi
    wait "$STORM_PID" || true
    bench_forget "$STORM_PID"
    alt_served=$( [[ -n $A_PID ]] && origin_count "$A" served || echo "-")
    alt_503=$( [[ -n $A_PID ]] && origin_count "$A" rejected || echo "-")
    upstream=$( [[ $SCEN == flaky ]] && origin_count "$P" requests || echo 0)
    bench_stop "$FRONT_PID"; bench_forget "$FRONT_PID"
    report="$dir/report/report.json"
    [[ -s $report ]] || { tail "$dir/storm.log" >&2; bench_die "storm failed for $system/$SCEN"; }
    row=$(jq -r --argjson kill "$KILL_AT" --argjson up "$upstream" --arg scen "$SCEN" '
      def errs: (.legit.requests // 0) - (.legit.ok // 0);
      [ (.legit.success * 10000 | round / 100 | tostring) + "%",
        ([.series[] | errs] | add),
        (if ($scen == "kill" or $scen == "fifth") then ([.series[] | select(.t >= $kill and .t <= $kill + 1) | errs] | add | tostring) else "-" end),
        ([.series[] | select(.t >= (if ($scen == "kill" or $scen == "fifth") then $kill else 0 end)) | select(errs > 0)] | length),
        (.legit.latency.p99_ms * 10 | round / 10),
        (if $scen == "flaky" then ($up / ([.series[] | .legit.requests] | add) * 1000 | round / 1000 | tostring) else "-" end)
      ] | @tsv' "$report")
    IFS=$'\t' read -r success errors kill_errors err_secs p99 amp <<< "$row"
    MD+="| $system | $success | $errors | $kill_errors | $err_secs | $p99 | $alt_served | $alt_503 | $amp |
"
    # Stop what is left of this run's origins and black hole.
    bench_cleanup
  done
done
printf '%s' "$MD"
[[ -n $OUT ]] && printf '%s' "$MD" > "$OUT"
exit 0
