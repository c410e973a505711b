#!/usr/bin/env bash
# CPU per refusal against CPU per proxied request: the "a rejected request costs less than a fifth
# of a proxied one" figure of issue 4, for each kind of refusal, in one run:
#   proxied   a keep-alive GET relayed to the origin (200)              wrk, /proxied
#   429       a keep-alive GET refused by a rate limit                  wrk, /limited
#   close     the same with Connection: close (a connection per 429)    wrk, /limited
#   tarpit    the 429 on a gateway with shield.tarpit_after: 8, so each  wrk, /limited
#             connection is left unread for its Retry-After (capped at a 1 s idle timeout here)
#             after 8 in a row; its CPU net of the same gateway's idle CPU
#   reset     a connection refused at accept (user-space blocklist)     bench/conn_attempts.py reset
#   kernel    a connection attempt dropped at the SYN (eBPF blocklist)  bench/conn_attempts.py syn
#   ladder    per attack request OFFERED, not per answer: an open-loop   floodgate storm,
#             keep-alive flood (storm's keepalive_flood, LADDER_RATE/s    keepalive_flood
#             due whether or not answered) on a gateway with the shield's defaults (detect,
#             tarpit_after, kernel drop with escalation) and a per-source rate limit, for
#             LADDER_DURATION s: 429s, then the tarpit, then the kernel drop once escalated.
#             The gateway's CPU + softirq over the whole run (idle CPU included) / requests due.
# CPU counted: the gateway's threads' CPU time (/proc/PID/task/*/schedstat) and, beside it, the machine's
# softirq time (/proc/stat) over the run, where the kernel's receive path (and so the eBPF
# filter) is charged; each divided by the requests (wrk) or attempts (the attacker's count,
# checked against the gateway's kernel drop counter). The attackers' own CPU is not counted.
# Four gateways: one with the kernel drop (proxied, 429, close, kernel rows), one with
# shield.kernel_drop.enabled: false (reset row), one with the tarpit (tarpit row), same origin;
# those three with the tarpit off unless said, so that each row measures its one refusal; and
# one with the shield's defaults (ladder row).
# The peers, side by side in the same run (PEERS): nginx (worker_processes 1) and HAProxy
# (nbthread 1) in front of the same origin, the same wrk command, each with two rows:
#   NAME: proxied  GET /proxied relayed to the origin (200) with upstream keep-alive (nginx:
#                  upstream keepalive 64, proxy_http_version 1.1, Connection ""; HAProxy:
#                  http-reuse always), no access log
#   NAME: 429      GET /limited refused by the peer's own rate limit, the connection kept (nginx:
#                  limit_req at 1r/m, no burst, limit_req_status 429; HAProxy: a stick table's
#                  http_req_rate over 1 m, deny_status 429 above 1) — checked before the run
#                  with two GETs on one connection, and by wrk's non-2xx count
# A peer's CPU is that of every thread of all its processes (nginx: master and workers). Its
# rows' "/ proxied" ratios are against ITS OWN proxied row; the last column puts every row's
# gateway CPU against floodgate's proxied row.
#
# Usage: bench/reject_cost.sh
# Environment (defaults in brackets): DURATION seconds per run [8], ROUNDS [3] (medians),
#   CONNS wrk -c [32], FLOODGATE_BIN [build/release/floodgate], KEEP_TMP=1 keeps the temp dir,
#   LADDER_DURATION seconds of the ladder row's flood [20] (escalation takes escalate_after, 10 s),
#   LADDER_RATE its requests per second [20000], LADDER_LIMIT its per-source limit per second [20],
#   LADDER_TARPIT_AFTER the ladder gateway's shield.tarpit_after [its default],
#   PEERS the peers measured beside floodgate ["nginx haproxy"; empty: none],
#   NGINX_BIN HAPROXY_BIN [/usr/sbin/nginx, /usr/sbin/haproxy].
# The kernel row needs root (CAP_BPF); without it the row says "unavailable". The tarpit row
# needs a build with shield.tarpit_after (so that older builds can be measured without it); the
# ladder row one where the tarpit is on by default (else it measures what the defaults were).
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

DURATION=${DURATION:-8}
ROUNDS=${ROUNDS:-3}
CONNS=${CONNS:-32}
LADDER_DURATION=${LADDER_DURATION:-20}
LADDER_RATE=${LADDER_RATE:-20000}
LADDER_LIMIT=${LADDER_LIMIT:-20}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
PEERS=${PEERS-nginx haproxy}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
HAPROXY_BIN=${HAPROXY_BIN:-/usr/sbin/haproxy}
HOST=127.0.0.1
bench_require_cmd wrk curl awk python3
read -r -a PEER_LIST <<< "$PEERS"
for peer in "${PEER_LIST[@]}"; do
  case $peer in
    nginx) [[ -x $NGINX_BIN ]] || bench_die "nginx not found at $NGINX_BIN (set NGINX_BIN)" ;;
    haproxy) [[ -x $HAPROXY_BIN ]] || bench_die "haproxy not found at $HAPROXY_BIN (set HAPROXY_BIN)" ;;
    *) bench_die "unknown peer '$peer' in PEERS (known: nginx haproxy)" ;;
  esac
done
bench_setup reject_cost "reject_cost files"
TICKS=$(getconf CLK_TCK)

bench_free_port ORIGIN_PORT
bench_free_port GW_PORT
bench_free_port ADMIN_PORT
bench_free_port GW2_PORT
bench_free_port GW3_PORT
bench_free_port GW4_PORT
bench_start "$TMP/origin.log" "$FLOODGATE_BIN" origin --listen "$HOST:$ORIGIN_PORT" --workers 1
ORIGIN_PID=$BENCH_LAST_PID
# gateway_yaml PORT KERNEL_DROP BLOCKED TARPIT_AFTER: one worker, the two routes, a blocklisted
# /24.
gateway_yaml() {
  cat <<YAML
listeners: [{ address: $HOST:$1, workers: 1 }]
routes:
  - { name: limited, match: { path_prefix: /limited }, cluster: app }
  - { name: proxied, cluster: app }
clusters: [{ name: app, endpoints: [$HOST:$ORIGIN_PORT] }]
shield:
  detect: false   # one wrk source at full speed would otherwise be found heavy and blocked
  rate_limits: [{ key: route, rate: 1/h, burst: 1, routes: [limited] }]
  blocklist: [$3]
  kernel_drop: { enabled: $2, escalate: false }   # wrk's 429s must not escalate
  tarpit_after: $4
YAML
}
{ gateway_yaml "$GW_PORT" true 127.0.99.0/24 0; echo "admin: { listen: $HOST:$ADMIN_PORT }"; } \
  > "$TMP/gateway.yaml"
gateway_yaml "$GW2_PORT" false 127.0.98.0/24 0 > "$TMP/gateway2.yaml"
{ gateway_yaml "$GW3_PORT" false 127.0.97.0/24 8
  echo "limits: { client_idle_timeout: 1s }"; } > "$TMP/gateway3.yaml"
# The ladder's gateway: nothing but a rate limit set, the rest of the shield as it comes.
cat > "$TMP/gateway4.yaml" <<YAML
listeners: [{ address: $HOST:$GW4_PORT, workers: 1 }]
routes: [{ name: proxied, cluster: app }]
clusters: [{ name: app, endpoints: [$HOST:$ORIGIN_PORT] }]
shield:
  rate_limits: [{ key: source, rate: $LADDER_LIMIT/s }]
YAML
# LADDER_TARPIT_AFTER=0: the ladder as it was before the tarpit was on by default.
[[ -n ${LADDER_TARPIT_AFTER:-} ]] && echo "  tarpit_after: $LADDER_TARPIT_AFTER" >> "$TMP/gateway4.yaml"
bench_start "$TMP/gateway.log" "$FLOODGATE_BIN" run -c "$TMP/gateway.yaml"
GW_PID=$BENCH_LAST_PID
bench_start "$TMP/gateway2.log" "$FLOODGATE_BIN" run -c "$TMP/gateway2.yaml"
GW2_PID=$BENCH_LAST_PID
bench_start "$TMP/gateway3.log" "$FLOODGATE_BIN" run -c "$TMP/gateway3.yaml"
GW3_PID=$BENCH_LAST_PID
bench_start "$TMP/gateway4.log" "$FLOODGATE_BIN" run -c "$TMP/gateway4.yaml"
GW4_PID=$BENCH_LAST_PID
bench_wait_http "http://$HOST:$ORIGIN_PORT/" "$ORIGIN_PID" 10 || bench_die "origin did not start"
bench_wait_http "http://$HOST:$GW_PORT/proxied" "$GW_PID" 10 || bench_die "gateway did not start"
bench_wait_http "http://$HOST:$GW2_PORT/proxied" "$GW2_PID" 10 || bench_die "gateway 2 did not start"
bench_wait_http "http://$HOST:$GW4_PORT/proxied" "$GW4_PID" 10 || bench_die "gateway 4 did not start"
TARPIT=1
bench_wait_http "http://$HOST:$GW3_PORT/proxied" "$GW3_PID" 10 ||
  { TARPIT=0; bench_log "tarpit row unavailable: $(head -c 300 "$TMP/gateway3.log")"; }
for port in "$GW_PORT" $( ((TARPIT)) && echo "$GW3_PORT"); do
  [[ $(bench_http_probe "http://$HOST:$port/limited") == 429* ]] ||
    curl -s -o /dev/null "http://$HOST:$port/limited"  # spend the one-request burst
done
KERNEL=1
grep -q "eBPF socket filter loaded" "$TMP/gateway.log" || KERNEL=0
((KERNEL)) || bench_log "kernel drop unavailable: $(grep -o 'kernel drop unavailable.*' "$TMP/gateway.log" | head -1)"

# start_peer NAME: nginx or HAProxy, one worker, in front of the origin with the two paths;
# sets PEER_PID[NAME] and PEER_PORT[NAME].
declare -A PEER_PID PEER_PORT
start_peer() {
  local name=$1 dir=$TMP/$1 port
  mkdir -p "$dir"
  bench_free_port port
  case $name in
    nginx)
      # keepalive_requests: nginx's default (1000) would reconnect every wrk connection and
      # upstream connection now and then; floodgate and HAProxy keep them. Refusals are logged
      # at info, below error_log's level: no log write per 429.
      cat > "$dir/nginx.conf" <<EOF
$(bench_nginx_main "$dir" 1)
http {
  access_log off;
  keepalive_requests 1000000;
$(bench_nginx_temp_paths "$dir/tmp")
  limit_req_zone \$binary_remote_addr zone=limited:1m rate=1r/m;
  limit_req_status 429;
  limit_req_log_level info;
  upstream origin {
    server $HOST:$ORIGIN_PORT;
    keepalive 64;
    keepalive_requests 1000000;
  }
  server {
    listen $HOST:$port backlog=4096;
    proxy_http_version 1.1;
    proxy_set_header Connection "";
    location / { proxy_pass http://origin; }
    location /limited { limit_req zone=limited; proxy_pass http://origin; }
  }
}
EOF
      chmod -R a+rX "$dir"
      bench_start "$dir/nginx.log" "$NGINX_BIN" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf"
      ;;
    haproxy)
      bench_haproxy_cfg 1 "$HOST:$port" "$HOST:$ORIGIN_PORT" \
        "stick-table type ip size 1k expire 10m store http_req_rate(1m)" \
        "http-request track-sc0 src if { path_beg /limited }" \
        "http-request deny deny_status 429 if { path_beg /limited } { sc_http_req_rate(0) gt 1 }" \
        > "$dir/haproxy.cfg"
      bench_start "$dir/haproxy.log" "$HAPROXY_BIN" -db -f "$dir/haproxy.cfg"
      ;;
  esac
  PEER_PID[$name]=$BENCH_LAST_PID
  PEER_PORT[$name]=$port
  bench_wait_http "http://$HOST:$port/proxied" "$BENCH_LAST_PID" 10 ||
    bench_die "$name did not start: $(tail -c 300 "$dir"/*.log)"
}

# check_keepalive_429 NAME URL: two GETs of URL on one connection (after one to spend a
# burst) must both answer 429 and the second reuse the connection.
check_keepalive_429() {
  local answers
  curl -s -o /dev/null --max-time 2 "$2" || true
  answers=$(curl -s --max-time 4 -w '%{http_code}:%{num_connects} ' -o /dev/null "$2" -o /dev/null "$2") || true
  [[ $answers == "429:"?" 429:0 " ]] ||
    bench_die "$1 at $2: expected two 429s on one connection, got (status:connects) $answers"
  bench_log "$1: 429 with the connection kept ($answers)"
}
for peer in "${PEER_LIST[@]}"; do
  start_peer "$peer"
  check_keepalive_429 "$peer" "http://$HOST:${PEER_PORT[$peer]}/limited"
done
check_keepalive_429 floodgate "http://$HOST:$GW_PORT/limited"

# softirq_ticks: the machine's softirq time so far (clock ticks, all CPUs).
softirq_ticks() {
  local softirq  # "cpu user nice system idle iowait irq softirq ..."
  read -r _ _ _ _ _ _ _ softirq _ < /proc/stat
  echo "$softirq"
}

# kernel_drops: the gateway's floodgate_rejections_total{stage="kernel",reason="blocklist"}.
kernel_drops() {
  curl -s "http://$HOST:$ADMIN_PORT/metrics" |
    awk '/^floodgate_rejections_total\{stage="kernel",reason="blocklist"\}/ { print $2; found = 1 }
         END { if (!found) print 0 }'
}

# cpu_ns PID: the CPU time of every thread of PID and of its descendants (nginx's workers) so
# far, in nanoseconds (schedstat: clock ticks would be too coarse for the tarpit row's few
# hundred answers).
cpu_ns() {
  # shellcheck disable=SC2046  # one PID per word
  bench_cpu_ns $(bench_pid_tree "$1")
}

# counters PID: prints "CPU SOFTIRQ", the gateway's CPU (ns) and the machine's softirq time
# (ticks).
counters() { echo "$(cpu_ns "$1") $(softirq_ticks)"; }

# per_op BEFORE AFTER COUNT SECONDS [IDLE]: prints "GATEWAY_US SOFTIRQ_US RATE COUNT" per
# operation, the gateway's CPU less IDLE ns.
per_op() {
  local c0 s0 c1 s1
  read -r c0 s0 <<< "$1"
  read -r c1 s1 <<< "$2"
  awk -v c=$((c1 - c0 - ${5:-0})) -v s=$((s1 - s0)) -v hz="$TICKS" -v n="$3" -v d="$4" \
    'BEGIN { if (n + 0 == 0) { print "nan nan 0 0"; exit }
             printf "%.2f %.2f %.0f %d\n", c / 1e3 / n, s * 1e6 / hz / n, n / d, n }'
}

# idle_ns PID: the gateway's CPU time (ns) over DURATION seconds without load (its own timers).
idle_ns() {
  local before
  before=$(cpu_ns "$1")
  sleep "$DURATION"
  echo $(($(cpu_ns "$1") - before))
}

# run_wrk PATH [PID PORT IDLE [WRK_ARGS...]]: one wrk run against a gateway (the kernel-drop one
# by default), checking the answers (all 2xx for /proxied, >= 99% non-2xx for /limited);
# prints per_op's line, less IDLE ns of the gateway's CPU.
run_wrk() {
  local path=$1 pid=${2:-$GW_PID} port=${3:-$GW_PORT} idle=${4:-0} before after parsed rps reqs non2xx
  shift $(($# < 4 ? $# : 4))
  before=$(counters "$pid")
  bench_wrk "$TMP/wrk.out" "$DURATION" -t1 -c"$CONNS" --latency "$@" "http://$HOST:$port$path"
  after=$(counters "$pid")
  parsed=$(bench_wrk_parse "$TMP/wrk.out") || bench_die "cannot parse wrk output: $(cat "$TMP/wrk.out")"
  read -r rps _ _ non2xx _ reqs <<< "$parsed"
  if [[ $path == /limited ]]; then
    ((non2xx * 100 >= reqs * 99)) || bench_die "the limited path answered fewer than 99% non-2xx"
  else
    ((non2xx == 0)) || bench_die "the proxied path answered $non2xx non-2xx"
  fi
  per_op "$before" "$after" "$reqs" "$DURATION" "$idle"
}

# run_attempts MODE PID PORT PREFIX: one attacker run (bench/conn_attempts.py, bounded by
# DURATION); prints per_op's line over its attempts.
run_attempts() {
  local mode=$1 pid=$2 port=$3 prefix=$4 before after attempts refused
  before=$(counters "$pid")
  read -r attempts refused < <(timeout -k 5 $((DURATION + 15)) \
    python3 "$HERE/conn_attempts.py" "$mode" "$port" "$prefix" "$DURATION")
  after=$(counters "$pid")
  if [[ $mode == reset ]]; then
    ((refused * 100 >= attempts * 99)) || bench_die "only $refused of $attempts attempts were reset"
  fi
  per_op "$before" "$after" "$attempts" "$DURATION"
}

# run_ladder: one storm keep-alive flood on the ladder's gateway from a /24 of its own (an
# escalated source stays penalised for the next round); prints per_op's line over the requests
# due, and logs what storm sent and got and what the gateway escalated.
run_ladder() {
  local dir=$TMP/ladder$round before after due answers escalated
  mkdir -p "$dir"
  cat > "$dir/scenario.yaml" <<YAML
name: ladder
target: http://$HOST:$GW4_PORT
threads: 1
phases: [{ name: flood, duration: ${LADDER_DURATION}s, attack: true }]
clients:
  - { name: flood, kind: keepalive_flood, sources: 127.66.$round.0/24, count: 4, connections: 32,
      rate: $LADDER_RATE, paths: [/proxied] }
YAML
  before=$(counters "$GW4_PID")
  timeout -k 5 $((LADDER_DURATION + 30)) "$FLOODGATE_BIN" storm "$dir/scenario.yaml" \
    --report "$dir" > "$dir/storm.out" 2>&1 || bench_die "storm failed: $(tail -5 "$dir/storm.out")"
  after=$(counters "$GW4_PID")
  read -r due answers < <(python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["attack"]
c = a["counts"]
keys = ["sent", "responses", "status_2xx", "status_3xx", "status_403", "status_429", "connects",
        "unsent", "stalled", "reset", "closed", "timeout"]
print(a["scheduled"], " ".join(f"{k}={c.get(k, 0)}" for k in keys))' "$dir/report.json")
  escalated=$(grep -c "escalation: 127\.66\.$round\." "$TMP/gateway4.log" || true)
  bench_log "round $round ladder: $due due; $answers; $escalated of 4 sources escalated;" \
    "$(grep -c "rule #" "$TMP/gateway4.log" || true) rule lines in the gateway's log"
  per_op "$before" "$after" "$due" "$LADDER_DURATION"
}

declare -A gw sq rate
record() {  # record ROW LINE: appends the round's figures for ROW
  local g s r n
  read -r g s r n <<< "$2"
  gw[$1]+="$g "; sq[$1]+="$s "; rate[$1]+="$r "
  bench_log "round $round $1: $g us gateway CPU + $s us softirq per op, $r/s, $n ops"
}
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)
for ((round = 1; round <= ROUNDS; round++)); do
  record proxied "$(run_wrk /proxied)"
  record limited "$(run_wrk /limited)"
  for peer in "${PEER_LIST[@]}"; do
    record "$peer:proxied" "$(run_wrk /proxied "${PEER_PID[$peer]}" "${PEER_PORT[$peer]}")"
    record "$peer:limited" "$(run_wrk /limited "${PEER_PID[$peer]}" "${PEER_PORT[$peer]}")"
  done
  record close "$(run_wrk /limited "$GW_PID" "$GW_PORT" 0 -H "Connection: close")"
  ((TARPIT)) && record tarpit "$(run_wrk /limited "$GW3_PID" "$GW3_PORT" "$(idle_ns "$GW3_PID")")"
  record reset "$(run_attempts reset "$GW2_PID" "$GW2_PORT" 127.0.98)"
  if ((KERNEL)); then
    drops0=$(kernel_drops)
    line=$(run_attempts syn "$GW_PID" "$GW_PORT" 127.0.99)
    sleep 1.2  # the kernel counter is read on the defense tick
    drops=$(awk -v a="$(kernel_drops)" -v b="$drops0" 'BEGIN { printf "%d", a - b }')
    read -r _ _ _ attempts <<< "$line"
    bench_log "round $round kernel: the gateway counted $drops drops for $attempts attempts"
    ((drops * 100 >= attempts * 99)) || bench_die "the kernel dropped $drops of $attempts SYNs"
    record kernel "$line"
  fi
  record ladder "$(run_ladder)"
done

median() { read -r -a v <<< "$1"; bench_median "${v[@]}"; }
# total KEY: the median gateway CPU + softirq per op of KEY's rounds.
total() { awk -v a="$(median "${gw[$1]}")" -v b="$(median "${sq[$1]}")" 'BEGIN { printf "%.2f\n", a + b }'; }
P_GW=$(median "${gw[proxied]}")
# row KEY NAME...: KEY's medians; its "/ proxied" ratios against its own front's proxied row
# (KEY "nginx:limited" against "nginx:proxied", floodgate's keys against "proxied"), the last
# column against floodgate's.
row() {
  local key=$1 name="${*:2}" base=proxied g s t
  [[ $key == *:* ]] && base=${key%%:*}:proxied
  if [[ -z ${gw[$key]:-} ]]; then
    echo "| $name | unavailable (see the log) | | | | | | |"
    return
  fi
  g=$(median "${gw[$key]}") s=$(median "${sq[$key]}") t=$(total "$key")
  echo "| $name | $(printf %.2f "$g") | $(printf %.2f "$s") | $t |" \
    "$(bench_ratio "$g" "$(median "${gw[$base]}")") |" \
    "**$(bench_ratio "$t" "$(total "$base")")** |" \
    "$(printf %.0f "$(median "${rate[$key]}")") | $(bench_ratio "$g" "$P_GW") |"
}
echo
echo "| per request or attempt | gateway CPU us | machine softirq us | total us |" \
  "gateway / proxied | total / proxied | per second | gateway / floodgate's proxied |"
echo "|---|---:|---:|---:|---:|---:|---:|---:|"
row proxied "proxied to the origin (200, keep-alive, wrk -c$CONNS)"
row limited "refused at the edge (429 rate limit, keep-alive, wrk -c$CONNS)"
row close "refused at the edge (429, Connection: close, a connection each, wrk -c$CONNS)"
row tarpit "refused at the edge (429, tarpitted after 8 in a row, wrk -c$CONNS; net of idle)"
row reset "refused at accept (user-space blocklist, reset)"
row kernel "dropped at the SYN (eBPF blocklist)"
row ladder "**per attack request offered**: an open-loop keep-alive flood, $LADDER_RATE/s due" \
  "(storm, 4 sources x 32 connections, ${LADDER_DURATION}s) on the default shield: 429 → tarpit →" \
  "kernel drop; CPU over the whole run / requests due"
versions=""
for peer in "${PEER_LIST[@]}"; do
  case $peer in
    nginx) how="limit_req 1r/m, limit_req_status 429"
      versions+=", nginx $("$NGINX_BIN" -v 2>&1 | sed 's|.*/||')" ;;
    haproxy) how="stick-table http_req_rate deny, deny_status 429"
      versions+=", HAProxy $("$HAPROXY_BIN" -v | awk 'NR == 1 { print $3 }')" ;;
  esac
  row "$peer:proxied" "$peer: proxied to the origin (200, keep-alive, upstream keep-alive, wrk -c$CONNS)"
  row "$peer:limited" "$peer: refused (429, $how, keep-alive, wrk -c$CONNS)"
done
echo
echo "medians of $ROUNDS rounds x ${DURATION}s, 1 worker per gateway; load at start:" \
  "$LOAD_START; softirq is the whole machine's (other load counts too)"
if ((${#PEER_LIST[@]})); then
  echo "rows without a name are floodgate's; gateway CPU is all of a front's threads" \
    "(nginx: master and worker); gateway / proxied and total / proxied are against the same" \
    "front's own proxied row, the last column against floodgate's proxied row${versions}"
fi
