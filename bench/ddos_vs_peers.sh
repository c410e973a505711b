#!/usr/bin/env bash
# DDoS scenarios, side by side: each storm scenario is played against floodgate, against nginx
# with limit_req/limit_conn per client address, and against HAProxy with a per-address stick
# table — each configured as its own documentation recommends for DDoS — in front of the same
# `floodgate origin` with a fixed capacity. Prints one table per scenario: legitimate success,
# legitimate p99, attack admitted to the origin, time to mitigate (and to recover, collateral),
# the amplification factor (upstream attempts per legitimate request, from the origin's per-source
# counts: whole run and worst 5 s), for floodgate the rules still live at the end, and what the
# defense cost the front: its CPU seconds over the storm (user+system of all its processes and
# threads, nginx's master and workers summed) and its peak RSS (VmHWM, summed likewise). Beside
# it, the same CPU split at the storm's phases within each run (sampled every 0.2 s): per
# legitimate request in the calm before the attack, and what the attack added per attack request
# offered, over the whole attack and from the time to mitigate on (attack_cost), so that a
# machine faster or slower from one run to the next does not move the cost of a storm.
#
# A scenario may script the origin with comment lines (see examples/storms/origin-slowdown.yaml):
#   # bench-origin: --concurrency 16           more `floodgate origin` options for its runs
#   # bench-origin-latency: 10s=20 30s=2       POST /__origin/latency/MS at those times (scaled)
#
# Usage: bench/ddos_vs_peers.sh SCENARIO.yaml [SCENARIO.yaml ...]
#        bench/ddos_vs_peers.sh examples/storms/*.yaml
# Environment (defaults in brackets):
#   SYSTEMS          systems to compare, in order ["floodgate floodgate-limits nginx haproxy"]:
#                    floodgate = the quick start with the shield's defaults (or FLOODGATE_CONFIG);
#                    floodgate-limits = floodgate given the peers' per-address budgets (a
#                    shield rate limit and connection cap, header/body timeouts) — like for like
#   ORIGIN_CAPACITY  requests/s the origin serves; beyond it, 503 [2000]
#   ORIGIN_LATENCY   the origin's service time, ms [2]
#   ORIGIN_WORKERS   origin worker threads [1]
#   WORKERS          workers of each front (nginx worker_processes, HAProxy nbthread,
#                    floodgate --workers) [1]
#   PER_IP_RATE      the per-address request budget given to nginx and HAProxy, requests/s [10]
#   PER_IP_CONNS     the per-address connection cap given to nginx and HAProxy [10]
#   FLOODGATE_CONFIG a `floodgate run -c` config for floodgate (its listener must be on
#                    127.0.0.1:FRONT_PORT and its cluster point at ORIGIN_PORT, both substituted);
#                    unset: the quick start (`floodgate run --listen --to`), the shield's defaults
#   TIME_SCALE       multiply every phase duration by this (0.5: half as long) [1]
#   STORM_TASKSET SERVER_TASKSET  optional CPU lists (taskset -c) for storm / for origin+front
#   FLOODGATE_BIN NGINX_BIN HAPROXY_BIN  binaries [build/release/floodgate, /usr/sbin/nginx,
#                    /usr/sbin/haproxy]
#   STORM_BIN        the `floodgate` that plays the storm and the origin [FLOODGATE_BIN]: fix it
#                    to compare two floodgate builds with the same load generator
#   AFTER_SECONDS    also print legit success and p99 for the first N seconds after the
#                    attack window, per system (attack end vs the calm baseline) [0: no]
#   PHASES=1         also print, per system, the median of the per-second legit p99 in each
#                    phase (calm, the attack's first 2 s, the rest of the attack, after), pooled
#                    over the rounds: where a p99 is lost [0: no]
#   OUT              also write the Markdown report to this file
#   ROUNDS           play each scenario this many times per system, the systems interleaved
#                    within each round (floodgate, nginx, haproxy, floodgate, ...) so drift
#                    hits all alike; every figure is then the median of the rounds, with the
#                    spread (min-max) of legit success and p99 beside it, and each system's
#                    p99 against the best of the others round by round [1]
#   KEEP_TMP=1       keep the temp dir (configs, logs, every report.json and chart.svg)
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

CMDLINE=""
for v in SYSTEMS ORIGIN_CAPACITY ORIGIN_LATENCY ORIGIN_WORKERS WORKERS PER_IP_RATE PER_IP_CONNS \
         FLOODGATE_CONFIG TIME_SCALE STORM_TASKSET SERVER_TASKSET FLOODGATE_BIN STORM_BIN AFTER_SECONDS ROUNDS PHASES OUT; do
  [[ -n ${!v+x} ]] && CMDLINE+="$v=${!v} "
done
CMDLINE+="$0"
for a in "$@"; do CMDLINE+=" ${a#"$ROOT"/}"; done

SYSTEMS=${SYSTEMS:-floodgate floodgate-limits nginx haproxy}
ORIGIN_CAPACITY=${ORIGIN_CAPACITY:-2000}
ORIGIN_LATENCY=${ORIGIN_LATENCY:-2}
ORIGIN_WORKERS=${ORIGIN_WORKERS:-1}
WORKERS=${WORKERS:-1}
PER_IP_RATE=${PER_IP_RATE:-10}
PER_IP_CONNS=${PER_IP_CONNS:-10}
FLOODGATE_CONFIG=${FLOODGATE_CONFIG:-}
TIME_SCALE=${TIME_SCALE:-1}
STORM_TASKSET=${STORM_TASKSET:-}
SERVER_TASKSET=${SERVER_TASKSET:-}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
STORM_BIN=${STORM_BIN:-$FLOODGATE_BIN}
NGINX_BIN=${NGINX_BIN:-/usr/sbin/nginx}
HAPROXY_BIN=${HAPROXY_BIN:-/usr/sbin/haproxy}
AFTER_SECONDS=${AFTER_SECONDS:-0}
ROUNDS=${ROUNDS:-1}
PHASES=${PHASES:-0}
OUT=${OUT:-}
KEEP_TMP=${KEEP_TMP:-0}
HOST=127.0.0.1
STARTUP_SECS=10
LOAD_AT_START=$(cut -d' ' -f1-3 /proc/loadavg)
TICKS=$(getconf CLK_TCK)

# ---- input checks --------------------------------------------------------------------------

(($# > 0)) || bench_die "usage: $0 SCENARIO.yaml [SCENARIO.yaml ...] (e.g. examples/storms/*.yaml)"
for f in "$@"; do [[ -r $f ]] || bench_die "cannot read scenario $f"; done
for v in ORIGIN_CAPACITY ORIGIN_WORKERS WORKERS PER_IP_RATE PER_IP_CONNS ROUNDS; do
  [[ ${!v} =~ ^[1-9][0-9]*$ ]] || bench_die "$v must be a positive integer (got '${!v}')"
done
[[ $ORIGIN_LATENCY =~ ^[0-9]+$ ]] || bench_die "ORIGIN_LATENCY must be whole milliseconds"
[[ $TIME_SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || bench_die "TIME_SCALE must be a positive number"
[[ $AFTER_SECONDS =~ ^[0-9]+$ ]] || bench_die "AFTER_SECONDS must be a whole number of seconds"
[[ $PHASES == 0 || $PHASES == 1 ]] || bench_die "PHASES must be 0 or 1"
read -r -a SYSTEM_LIST <<< "$SYSTEMS"
((${#SYSTEM_LIST[@]})) || bench_die "SYSTEMS is empty"
for s in "${SYSTEM_LIST[@]}"; do
  [[ $s == floodgate || $s == floodgate-limits || $s == nginx || $s == haproxy ]] ||
    bench_die "unknown system '$s' in SYSTEMS (known: floodgate floodgate-limits nginx haproxy)"
done
bench_require_cmd jq curl python3 timeout
[[ -n $STORM_TASKSET || -n $SERVER_TASKSET ]] && bench_require_cmd taskset
[[ -x $FLOODGATE_BIN ]] || bench_die "$FLOODGATE_BIN does not exist; build it:
  cd $ROOT && cmake --preset release && cmake --build --preset release"
[[ -x $STORM_BIN ]] || bench_die "STORM_BIN $STORM_BIN does not exist (storm and the origin need it)"
uses() { [[ " ${SYSTEM_LIST[*]} " == *" $1 "* ]]; }
uses nginx && { [[ -x $NGINX_BIN ]] || bench_die "nginx not found at $NGINX_BIN (set NGINX_BIN)"; }
uses haproxy && { [[ -x $HAPROXY_BIN ]] || bench_die "haproxy not found at $HAPROXY_BIN (set HAPROXY_BIN)"; }
[[ -z $FLOODGATE_CONFIG || -r $FLOODGATE_CONFIG ]] || bench_die "cannot read FLOODGATE_CONFIG $FLOODGATE_CONFIG"
# ---- temp dir and cleanup ------------------------------------------------------------------

TMP=$(mktemp -d /tmp/floodgate-ddos.XXXXXX)
chmod 755 "$TMP"
bench_install_traps "$TMP" "configs, logs and reports"

PIN=()
[[ -n $SERVER_TASKSET ]] && PIN=(taskset -c "$SERVER_TASKSET")
STORM_PIN=()
[[ -n $STORM_TASKSET ]] && STORM_PIN=(taskset -c "$STORM_TASKSET")

show_log() {
  local f
  for f in "$@"; do
    [[ -s $f ]] || continue
    echo "---- last lines of $f" >&2
    tail -n 20 "$f" >&2
  done
}

# scale_scenario IN OUT: copy a scenario with every phase duration multiplied by TIME_SCALE.
scale_scenario() {
  python3 - "$1" "$2" "$TIME_SCALE" <<'PY'
import re, sys
src, dst, k = sys.argv[1], sys.argv[2], float(sys.argv[3])
def scale(m):
    v, unit = float(m.group(2)), m.group(3) or "s"
    ms = v * {"ms": 1, "s": 1000, "m": 60000}[unit] * k
    return f"{m.group(1)}{max(100, round(ms))}ms"
text = open(src).read()
open(dst, "w").write(re.sub(r"(\bduration:\s*)([0-9.]+)(ms|s|m)?\b", scale, text))
PY
}

# ---- origin and fronts ---------------------------------------------------------------------

# port_taken_in LOG...: succeed if a log says the port was taken meanwhile (another process on
# this machine won the race for the "free" port): then the caller retries with another port.
port_taken_in() { cat "$@" 2>/dev/null | grep -qiE "already in use|cannot bind"; }

# start_origin DIR: a fresh origin for one run (clean counts); sets ORIGIN_PID, ORIGIN_PORT.
start_origin() {
  local dir=$1
  for _ in 1 2 3 4 5; do
    bench_free_port ORIGIN_PORT
    bench_start "$dir/origin.log" "${PIN[@]}" "$STORM_BIN" origin --listen "$HOST:$ORIGIN_PORT" \
      --capacity "$ORIGIN_CAPACITY" --latency "$ORIGIN_LATENCY" --workers "$ORIGIN_WORKERS" \
      "${ORIGIN_EXTRA[@]}"
    ORIGIN_PID=$BENCH_LAST_PID
    bench_wait_http "http://$HOST:$ORIGIN_PORT/" "$ORIGIN_PID" "$STARTUP_SECS" && return 0
    bench_stop "$ORIGIN_PID"; bench_forget "$ORIGIN_PID"
    port_taken_in "$dir/origin.log" || break
    bench_log "origin port $ORIGIN_PORT was taken meanwhile; trying another"
  done
  show_log "$dir/origin.log"
  bench_die "the origin did not answer at $HOST:$ORIGIN_PORT"
}

# start_front NAME DIR: the system under test in front of the origin; sets FRONT_PID, FRONT_PORT.
start_front() {
  local name=$1 dir=$2
  for _ in 1 2 3 4 5; do
    start_front_once "$name" "$dir" && return 0
    port_taken_in "$dir/front.log" "$dir/error.log" || break
    bench_log "$name's port $FRONT_PORT was taken meanwhile; trying another"
    rm -f "$dir/front.log" "$dir/error.log"
  done
  show_log "$dir/front.log" "$dir/error.log"
  bench_die "$name did not answer 200 at $HOST:$FRONT_PORT"
}

# start_front_once NAME DIR: one attempt; on failure the front is stopped and 1 returned.
start_front_once() {
  local name=$1 dir=$2
  bench_free_port FRONT_PORT
  bench_free_port ADMIN_PORT  # floodgate's admin API (the rules left at the end)
  case $name in
    floodgate)
      if [[ -n $FLOODGATE_CONFIG ]]; then
        sed -e "s/FRONT_PORT/$FRONT_PORT/g; s/ORIGIN_PORT/$ORIGIN_PORT/g; s/ADMIN_PORT/$ADMIN_PORT/g" \
          "$FLOODGATE_CONFIG" > "$dir/floodgate.yaml"
        bench_start "$dir/front.log" "${PIN[@]}" "$FLOODGATE_BIN" run -c "$dir/floodgate.yaml"
      else
        bench_start "$dir/front.log" "${PIN[@]}" "$FLOODGATE_BIN" run \
          --listen "$HOST:$FRONT_PORT" --to "$HOST:$ORIGIN_PORT" --workers "$WORKERS" \
          --admin "$HOST:$ADMIN_PORT"
      fi
      ;;
    floodgate-limits)
      # The same per-address budgets as nginx and HAProxy get below, in floodgate's shield.
      cat > "$dir/floodgate.yaml" <<EOF
listeners:
  - address: $HOST:$FRONT_PORT
    workers: $WORKERS
clusters:
  - name: origin
    endpoints: [$HOST:$ORIGIN_PORT]
limits:
  header_read_timeout: 5s
  client_body_timeout: 5s
shield:
  max_connections_per_source: $PER_IP_CONNS
  rate_limits:
    - name: per-client
      key: source
      rate: $PER_IP_RATE/s
      burst: $((PER_IP_RATE * 2))
admin:
  listen: $HOST:$ADMIN_PORT
logging:
  level: warn
EOF
      bench_start "$dir/front.log" "${PIN[@]}" "$FLOODGATE_BIN" run -c "$dir/floodgate.yaml"
      ;;
    nginx)
      # As "Mitigating DDoS Attacks with NGINX and NGINX Plus" (nginx.com blog) recommends:
      # limit the request rate and the connections per client address (limit_req, limit_conn),
      # and close slow connections (client_body_timeout, client_header_timeout). Blocks answer
      # 429 so they can be told from the origin's 503s. Clients connect directly: the client
      # address is the TCP peer, no real_ip module.
      cat > "$dir/nginx.conf" <<EOF
$(bench_nginx_main "$dir" "$WORKERS" 20000 8192)
http {
  access_log off;
$(bench_nginx_temp_paths "$dir/tmp")
  limit_req_zone \$binary_remote_addr zone=perip:10m rate=${PER_IP_RATE}r/s;
  limit_conn_zone \$binary_remote_addr zone=peraddr:10m;
  limit_req_status 429;
  limit_conn_status 429;
  client_body_timeout 5s;
  client_header_timeout 5s;
  upstream origin {
    server $HOST:$ORIGIN_PORT;
    keepalive 64;
  }
  server {
    listen $HOST:$FRONT_PORT backlog=4096;
    location / {
      limit_req zone=perip burst=$((PER_IP_RATE * 2)) nodelay;
      limit_conn peraddr $PER_IP_CONNS;
      proxy_pass http://origin;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header X-Forwarded-For \$proxy_add_x_forwarded_for;
    }
  }
}
EOF
      chmod -R a+rX "$dir"
      bench_start "$dir/front.log" "${PIN[@]}" "$NGINX_BIN" -p "$dir/" -e "$dir/error.log" -c "$dir/nginx.conf"
      ;;
    haproxy)
      # As HAProxy's "Application-Layer DDoS Attack Protection with HAProxy" (haproxy.com blog)
      # recommends: track each client address in a stick table with its HTTP request rate and
      # concurrent connections, deny (429) above a request rate, reject above a connection count,
      # `timeout http-request` against slowloris and `option http-buffer-request` against slow
      # POST. The per-address budgets match nginx's (PER_IP_RATE over 10 s, PER_IP_CONNS).
      cat > "$dir/haproxy.cfg" <<EOF
global
  nbthread $WORKERS
  maxconn 8000

defaults
  mode http
  option http-keep-alive
  option http-buffer-request
  http-reuse always
  maxconn 8000
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout http-request 5s
  timeout http-keep-alive 10s

frontend fe
  bind $HOST:$FRONT_PORT
  stick-table type ip size 1m expire 30s store http_req_rate(10s),conn_cur
  tcp-request connection track-sc0 src
  tcp-request connection reject if { sc_conn_cur(0) gt $PER_IP_CONNS }
  http-request deny deny_status 429 if { sc_http_req_rate(0) gt $((PER_IP_RATE * 10)) }
  default_backend origin

backend origin
  option forwardfor
  server o1 $HOST:$ORIGIN_PORT
EOF
      bench_start "$dir/front.log" "${PIN[@]}" "$HAPROXY_BIN" -db -f "$dir/haproxy.cfg"
      ;;
  esac
  FRONT_PID=$BENCH_LAST_PID
  if ! bench_wait_http "http://$HOST:$FRONT_PORT/" "$FRONT_PID" "$STARTUP_SECS"; then
    bench_stop "$FRONT_PID"; bench_forget "$FRONT_PID"
    return 1
  fi
  # The probes above count against the front's per-address budget from 127.0.0.1 only, and
  # against the origin: zero the origin's counts so the run starts clean.
  curl -s -X POST "http://$HOST:$ORIGIN_PORT/__origin/reset" > /dev/null || true
}

# ---- runs ----------------------------------------------------------------------------------

# scenario_directive FILE NAME: the text after "# NAME:" in a scenario's comments ("" if none).
scenario_directive() { sed -n "s/^# $2: *//p" "$1" | head -n 1; }

# start_origin_timer DIR TIMELINE: in the background, POST /__origin/latency/MS at each "Ts=MS"
# of TIMELINE (seconds from now, scaled by TIME_SCALE); sets TIMER_PID ("" without a timeline).
start_origin_timer() {
  local dir=$1 timeline=$2 script="" prev=0 at ms step
  TIMER_PID=""
  [[ -n $timeline ]] || return 0
  for step in $timeline; do
    [[ $step =~ ^([0-9.]+)s=([0-9]+)$ ]] || bench_die "bench-origin-latency: '$step' is not Ns=MS"
    at=$(awk -v t="${BASH_REMATCH[1]}" -v k="$TIME_SCALE" 'BEGIN { printf "%.3f", t * k }')
    ms=${BASH_REMATCH[2]}
    script+="sleep $(awk -v a="$at" -v p="$prev" 'BEGIN { printf "%.3f", a - p }'); "
    script+="echo \"\$(date +%T.%N) latency $ms ms\"; "
    script+="curl -s -X POST http://$HOST:$ORIGIN_PORT/__origin/latency/$ms; "
    prev=$at
  done
  bench_start "$dir/origin-timer.log" bash -c "$script"
  TIMER_PID=$BENCH_LAST_PID
}

# amplification REPORT: "OVERALL WORST5" — origin requests from the legitimate ranges per
# legitimate request sent, over the run and over the worst 5 s (seconds with traffic).
amplification() {
  jq -r '
    [.source_ranges | to_entries[] | select(.value.attack | not) | .key] as $legit
    | [.series[] | {sent: .legit.sent, origin: ([.origin_by_range[$legit[]] // 0] | add // 0)}] as $s
    | def ratio(a): if (a | map(.sent) | add) > 0 then (a | map(.origin) | add) / (a | map(.sent) | add) else null end;
      [range(0; ($s | length) - 4) as $i | $s[$i:$i + 5] | select((map(.sent) | add) >= 50) | ratio(.)] as $w
    | "\(ratio($s) // "-" | if type == "number" then (. * 100 | round / 100) else . end) \($w | max // "-" | if type == "number" then (. * 100 | round / 100) else . end)"
  ' "$1"
}

# rules_left ADMIN_PORT: floodgate's rules still shadow/canary/enforced/relaxing ("-" if unknown).
rules_left() {
  curl -s --max-time 5 "http://$HOST:$1/api/v1/rules" 2>/dev/null |
    jq -r '[.rules[] | select(.stage == "shadow" or .stage == "canary" or .stage == "enforced" or .stage == "relaxing")] | length' 2>/dev/null ||
    echo "-"
}

# after_attack REPORT N: legit success and p99 for the first N seconds after the attack window.
after_attack() {
  jq -r --argjson n "$2" '
    (.derived.attack_window_s // [0, 0])[1] as $stop
    | [.series[] | select(.t >= $stop and .t < $stop + $n)
       | "\(.legit.success // 0 | . * 1000 | round / 10)% \(.legit.p99_ms // "-")ms"] | join(" · ")
  ' "$1"
}

# Attack admitted ÷ offered from the time to mitigate until the attack ended, by the report's
# per-second series: issue 4's "once mitigated" share (null when never mitigated).
# shellcheck disable=SC2016  # a jq program: its $ are jq's
ADMITTED_ONCE_MITIGATED='.derived.time_to_mitigate_s as $m | .derived.attack_window_s as $w
  | if $m == null then null else
      [.series[($w[0] + $m | floor):($w[1] | floor)][].attack] as $s
      | ([$s[].offered] | add // 0) as $o
      | if $o == 0 then null else ([$s[].admitted] | add) / $o end
    end'

# attack_cost REPORT CPU_SERIES: prints "CALM_US ATTACK_US MITIGATED_US" from the front's CPU
# series of one run (bench_cpu_series_start), split at the storm's phases: the CPU per
# legitimate request in the calm before the attack (its first 2 s left out: the users connect
# then), and the CPU the attack added, from its start to the end of the run (the after phase
# included: penalties that run out, recovery), over what the calm's rate would have cost, per
# attack request offered. MITIGATED_US is the same from the time to mitigate on, per attack
# request offered from then: what a refused request costs, without the requests proxied before
# the defense acted (null when never mitigated). All come from the same run, so a machine that
# is faster or slower from one run to the next does not move them. "null null null" without an
# attack or a series.
attack_cost() {
  [[ -s $2 ]] || { echo "null null null"; return; }
  jq -r -n --slurpfile r "$1" --rawfile cpu "$2" '
    $r[0] as $rep
    | [$cpu | split("\n")[] | select(length > 0) | split(" ") | map(tonumber)] as $s
    # The CPU (ns) at unix ms $t, between the samples either side of it.
    | def at($t): ([$s[] | select(.[0] <= $t)] | last) as $a | ([$s[] | select(.[0] > $t)] | first) as $b
        | if $a == null or $b == null then null
          else $a[1] + ($b[1] - $a[1]) * ($t - $a[0]) / ($b[0] - $a[0]) end;
    ($rep.started_unix_ms + 150) as $t0   # the storm starts its first second 150 ms in
    | ($rep.derived.attack_window_s // null) as $w
    | if $w == null or $rep.attack.offered == 0 then "null null null" else
        ($t0 + 2000) as $c0 | ($t0 + $w[0] * 1000) as $c1 | ($t0 + $rep.duration_s * 1000) as $a1
        | (at($c0)) as $x0 | (at($c1)) as $x1 | (at($a1)) as $x2
        | if $x0 == null or $x1 == null or $x2 == null then "null null null" else
            (($x1 - $x0) / ($c1 - $c0)) as $calm_rate   # ns per ms
            | def added($from; $x; $offered): (($x2 - $x) - $calm_rate * ($a1 - $from)) / $offered / 1000;
            ([$rep.series[] | select(.t >= 2 and .t < $w[0]) | .legit.requests // 0] | add) as $legit
            | ($rep.derived.time_to_mitigate_s // null) as $ttm
            | (if $ttm == null then null else
                 ($w[0] + $ttm) as $m | ($t0 + $m * 1000) as $m1 | at($m1) as $xm
                 | ([$rep.series[] | select(.t >= $m) | .attack.offered // 0] | add // 0) as $after
                 | if $xm == null or $after == 0 then null else added($m1; $xm; $after) end
               end) as $mitigated
            | "\(($x1 - $x0) / $legit / 1000) \(added($c1; $x1; $rep.attack.offered)) \($mitigated)"
          end
      end' 2>/dev/null || echo "null null null"
}

# figures REPORT LEFT CPU_TICKS RSS_KIB [CALM_US ATTACK_US MITIGATED_US]: one run's figures as a one-line JSON
# object (null where there is none).
figures() {
  local amp amp5
  read -r amp amp5 <<< "$(amplification "$1")"
  jq -c --arg amp "$amp" --arg amp5 "$amp5" --arg left "$2" \
    --argjson cpu "$(awk -v t="$3" -v hz="$TICKS" 'BEGIN { print t / hz }')" --argjson rss "$4" \
    --argjson calm_us "${5:-null}" --argjson attack_us "${6:-null}" --argjson mitigated_us "${7:-null}" "
    def num(s): if s == \"-\" or s == \"\" then null else s | tonumber end;
    {success: .legit.success, p99: .legit.latency.p99_ms, admitted: .attack.admitted_share,
     once: ($ADMITTED_ONCE_MITIGATED), ttm: .derived.time_to_mitigate_s,
     ttr: .derived.time_to_recover_s, collateral: .derived.collateral_users,
     users: .derived.legit_users, offered: .attack.offered_rps,
     amp: num(\$amp), amp5: num(\$amp5), left: num(\$left),
     cpu: \$cpu, rss: (\$rss / 1024), calm_us: \$calm_us, attack_us: \$attack_us,
     mitigated_us: \$mitigated_us}" "$1"
}

# The jq helpers of the tables below: the median of the non-null figures (null when none), and
# a figure to two decimals ("-" when null).
# shellcheck disable=SC2016  # a jq program: its $ are jq's
JQ_HELPERS='
  def median: map(select(. != null)) | sort | length as $n
    | if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2] else (.[$n / 2 - 1] + .[$n / 2]) / 2 end;
  def two: if . == null then "-" else . * 100 | round / 100 | tostring end;
'

# cost_row SYSTEM FIGURES.jsonl: the system's Markdown row of CPU by phase (attack_cost), the
# medians of its rounds: the whole attack's, and from the time to mitigate on.
cost_row() {
  jq -r -s --arg system "$1" "$JQ_HELPERS"'
    def one: if . == null then "-" else . * 10 | round / 10 | tostring end;
    def us: if . == null then "-" else one + " us" end;
    def ratio($a; $b): if $a == null or $b == null then "-" else $a / $b | two end;
    (map(.calm_us) | median) as $calm | (map(.attack_us) | median) as $attack
    | (map(.mitigated_us) | median) as $mitigated
    | "| \($system) | \($calm | us) | \($attack | us) | \(ratio($attack; $calm))"
      + " | \($mitigated | us) | \(ratio($mitigated; $calm))"
      + " | \(map(.attack_us | one) | join(", ")) | \(map(.mitigated_us | one) | join(", ")) |"
  ' "$2"
}

# paired_p99 SYSTEM...: each front's legit p99 round by round against the best of the others in
# the same round (the rounds interleave the fronts, so round k of each ran within minutes), and
# the median of the differences: a p99 compared where the machine's drift hit all alike.
paired_p99() {
  local obj="{}" s
  for s in "$@"; do
    obj=$(jq -c --arg s "$s" --slurpfile f "$SCEN_DIR/$s.figures.jsonl" '. + {($s): ($f | map(.p99))}' <<< "$obj")
  done
  jq -r "$JQ_HELPERS"'
    def ms: two;
    def signed: if . == null then "-" elif . > 0 then "+" + (. | ms) else . | ms end;
    to_entries as $all
    | $all[] | .key as $me | .value as $mine
    | [range(0; $mine | length) as $i
        | [$all[] | select(.key != $me) | .value[$i] | select(. != null)] | min] as $best
    | [range(0; $mine | length) as $i
        | if $mine[$i] == null or $best[$i] == null then null else $mine[$i] - $best[$i] end] as $diff
    | "| \($me) | \($mine | map(ms) | join(", ")) | \($best | map(ms) | join(", "))"
      + " | \($diff | map(signed) | join(", ")) | \($diff | median | signed) ms |"' <<< "$obj"
}

# table_row SYSTEM FIGURES.jsonl: the system's Markdown row from its rounds' figures: each the
# median (a missing one — never mitigated — counts as the largest), and with more than one
# round the spread (min–max) of legit success and p99 beside their medians.
table_row() {
  jq -r -s --arg system "$1" "$JQ_HELPERS"'
    # Here a missing figure (never mitigated) counts as the largest, not left out.
    def median: (map(select(. != null)) | sort) + map(select(. == null)) | length as $n
      | if $n == 0 then null elif $n % 2 == 1 then .[($n - 1) / 2]
        else .[$n / 2 - 1] as $a | .[$n / 2] as $b
          | if $a == null or $b == null then null else ($a + $b) / 2 end end;
    def pct: if . == null then "-" else (. * 10000 | round / 100 | tostring) + "%" end;
    def ms: if . == null then "-" else two + " ms" end;
    def secs: if . == null then "never" else tostring + " s" end;
    def amp: two;
    def med(f): map(f) | median;
    def spread(f; fmt): [.[] | f | select(. != null)]
      | if length == 0 then "-" else "\(min | fmt)–\(max | fmt)" end;
    (length > 1) as $rounds
    | "| \($system) | \(med(.success) | pct) |"
      + (if $rounds then " \(spread(.success; pct)) |" else "" end)
      + " \(med(.p99) | ms) |"
      + (if $rounds then " \(spread(.p99; ms)) |" else "" end)
      + " \(med(.admitted) | pct) | \(med(.once) | pct) | \(med(.ttm) | secs) | \(med(.ttr) | secs)"
      + " | \(med(.collateral)) of \(med(.users)) | \(med(.offered) | round)/s"
      + " | \(med(.amp) | amp) (worst 5 s: \(med(.amp5) | amp)) | \(med(.left) | amp)"
      + " | \(med(.cpu) | . * 100 | round / 100) s | \(med(.rss) | round) MiB |"
  ' "$2"
}

# phase_p99 SYSTEM REPORT...: a Markdown row: the median per-second legit p99 by phase, over
# every second with legit requests of every report (calm, the attack's first 2 s, its rest, after).
phase_p99() {
  local system=$1; shift
  jq -s -r --arg system "$system" '
    def med: sort | if length == 0 then "-" else .[(length - 1) / 2 | floor] * 10 | round / 10 | tostring + " ms" end;
    [.[] | (.derived.attack_window_s // [0, 0]) as $w | .series[] | select(.legit.requests > 0)
     | {t, p99: .legit.p99_ms, w: $w}] as $s
    | [[$s[] | select(.t < .w[0])], [$s[] | select(.t >= .w[0] and .t < .w[0] + 2)],
       [$s[] | select(.t >= .w[0] + 2 and .t < .w[1])], [$s[] | select(.t >= .w[1])]]
    | map(map(.p99) | med) | "| \($system) | " + join(" | ") + " |"' "$@"
}

MD="Command: \`$CMDLINE\`
Machine: $(bench_machine); load average at start: $LOAD_AT_START.
Origin: \`floodgate origin --capacity $ORIGIN_CAPACITY --latency $ORIGIN_LATENCY --workers $ORIGIN_WORKERS\`, fresh for every run.
Fronts: $WORKERS worker(s) each; nginx and HAProxy allow $PER_IP_RATE requests/s and $PER_IP_CONNS connections per address.
floodgate: $([[ -n $FLOODGATE_CONFIG ]] && echo "\`floodgate run -c $FLOODGATE_CONFIG\`" || echo "the quick start, \`floodgate run --listen --to\`, with the shield's defaults (no rate limit configured)").
floodgate-limits: floodgate with the peers' budgets in its shield: a per-source rate limit of $PER_IP_RATE/s (burst $((PER_IP_RATE * 2))), $PER_IP_CONNS connections per source, 5 s header and body timeouts.
Phase durations scaled by $TIME_SCALE.
Front CPU: the front's user+system CPU seconds from the storm's start to its end (all its processes and threads); CPU by phase: the same sampled every 0.2 s (schedstat) and split at the storm's phases (see attack_cost); front peak RSS: the largest resident set it reached (VmHWM, start-up included), summed over its processes.
"
((ROUNDS > 1)) && MD+="Rounds: $ROUNDS per scenario, the systems interleaved within each round; every figure is the median of the $ROUNDS runs (a missing one, e.g. never mitigated, counts as the largest), with the spread (min–max) of legit success and p99.
"
# if_rounds TEXT: TEXT when each scenario is played more than once, else nothing (and success:
# an assignment's status is its last substitution's, which set -e would otherwise trip on).
if_rounds() { ((ROUNDS > 1)) && printf '%s' "$1"; return 0; }

for scenario in "$@"; do
  name=$(basename "$scenario" .yaml)
  SCEN_DIR="$TMP/$name"
  mkdir -p "$SCEN_DIR"
  scale_scenario "$scenario" "$SCEN_DIR/scenario.yaml"
  read -r -a ORIGIN_EXTRA <<< "$(scenario_directive "$scenario" bench-origin)"
  LATENCY_TIMELINE=$(scenario_directive "$scenario" bench-origin-latency)
  declare -A AFTER=() REPORTS=()
  for ((round = 1; round <= ROUNDS; round++)); do
    for system in "${SYSTEM_LIST[@]}"; do
      dir="$SCEN_DIR/$system"
      ((ROUNDS > 1)) && dir+="/round-$round"
      mkdir -p "$dir"
      bench_log "$name: $system$(if_rounds " (round $round of $ROUNDS)")"
      start_origin "$dir"
      start_front "$system" "$dir"
      rc=0
      mapfile -t front_pids < <(bench_pid_tree "$FRONT_PID")
      cpu0=$(bench_cpu_ticks "${front_pids[@]}")
      bench_cpu_series_start "$dir/cpu.tsv" "${front_pids[@]}"
      CPU_SERIES_PID=$BENCH_LAST_PID
      start_origin_timer "$dir" "$LATENCY_TIMELINE"
      "${STORM_PIN[@]}" "$STORM_BIN" storm "$SCEN_DIR/scenario.yaml" \
        --target "http://$HOST:$FRONT_PORT" --origin-stats "http://$HOST:$ORIGIN_PORT/__origin/stats" \
        --report "$dir/report" > "$dir/storm.log" 2>&1 || rc=$?
      bench_alive "$FRONT_PID" || bench_log "warning: $system exited during $name"
      mapfile -t front_pids < <(bench_pid_tree "$FRONT_PID")  # workers started meanwhile count too
      cpu=$(($(bench_cpu_ticks "${front_pids[@]}") - cpu0))
      bench_stop "$CPU_SERIES_PID"; bench_forget "$CPU_SERIES_PID"
      rss=$(bench_hwm_kib "${front_pids[@]}")
      [[ -n $TIMER_PID ]] && { bench_stop "$TIMER_PID"; bench_forget "$TIMER_PID"; }
      left="-"
      [[ $system == floodgate* ]] && left=$(rules_left "$ADMIN_PORT")
      bench_stop "$FRONT_PID"; bench_forget "$FRONT_PID"
      bench_stop "$ORIGIN_PID"; bench_forget "$ORIGIN_PID"
      report="$dir/report/report.json"
      # Exit 1 only says the scenario's expectations did not hold: that is a result, not a failure.
      if ((rc > 1)) || [[ ! -s $report ]]; then
        tail -n 20 "$dir/storm.log" >&2
        bench_die "storm failed on $name against $system (exit $rc)"
      fi
      figures "$report" "$left" "$cpu" "$rss" $(attack_cost "$report" "$dir/cpu.tsv") > "$dir/figures.json"
      cat "$dir/figures.json" >> "$SCEN_DIR/$system.figures.jsonl"
      REPORTS[$system]+=" $report"
      if ((AFTER_SECONDS > 0)); then
        AFTER[$system]+=$'\n'"- $system$(if_rounds " (round $round)"): $(after_attack "$report" "$AFTER_SECONDS")"
      fi
      bench_log "  $(table_row "$system" "$dir/figures.json" | sed 's/ *| */ | /g')"
    done
  done
  table="| system | legit success |$(if_rounds " success min–max |") legit p99 |$(if_rounds " p99 min–max |") attack admitted | admitted once mitigated | time to mitigate | time to recover | collateral | attack offered | amplification | rules left | front CPU | front peak RSS |
|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|$(if_rounds "---:|---:|")"
  for system in "${SYSTEM_LIST[@]}"; do table+=$'\n'"$(table_row "$system" "$SCEN_DIR/$system.figures.jsonl")"; done
  if ((AFTER_SECONDS > 0)); then
    table+=$'\n\n'"Legit success and p99 in each of the first $AFTER_SECONDS s after the attack window:"
    for system in "${SYSTEM_LIST[@]}"; do table+="${AFTER[$system]}"; done
  fi
  if [[ $(jq -s 'map(.attack_us) | any(. != null)' "$SCEN_DIR/${SYSTEM_LIST[0]}.figures.jsonl") == true ]]; then
    table+=$'\n\n'"Front CPU by phase, within each run: per legitimate request in the calm before the attack, and what the attack added (from its start to the run's end, over the calm's rate) per attack request offered; the same from the time to mitigate on, per attack request offered from then (the refusals, without what was proxied before the defense acted)$(if_rounds "; medians of $ROUNDS rounds, and each round's"):"$'\n\n'
    table+="| system | CPU per legit request, calm | CPU per attack request offered | ÷ legit request | once mitigated | ÷ legit request | rounds | rounds, once mitigated |"$'\n'"|---|---:|---:|---:|---:|---:|---|---|"
    for system in "${SYSTEM_LIST[@]}"; do table+=$'\n'"$(cost_row "$system" "$SCEN_DIR/$system.figures.jsonl")"; done
  fi
  if ((ROUNDS > 1 && ${#SYSTEM_LIST[@]} > 1)); then
    table+=$'\n\n'"Legit p99 round by round against the best of the other fronts in the same round (ms):"$'\n\n'
    table+="| system | p99 by round | best other, by round | difference, by round | median difference |"$'\n'"|---|---|---|---|---:|"
    table+=$'\n'"$(paired_p99 "${SYSTEM_LIST[@]}")"
  fi
  if ((PHASES)); then
    table+=$'\n\n'"Legit p99 by phase: the median of the per-second p99s$(if_rounds " of all $ROUNDS rounds"):"$'\n\n'
    table+="| system | calm | attack, first 2 s | attack, rest | after |"$'\n'"|---|---:|---:|---:|---:|"
    for system in "${SYSTEM_LIST[@]}"; do
      read -r -a reports <<< "${REPORTS[$system]}"
      table+=$'\n'"$(phase_p99 "$system" "${reports[@]}")"
    done
  fi
  echo
  echo "== $name"
  echo "$table"
  MD+="
### $name

$(sed -n 's/^# \{0,1\}//p' "$scenario" | sed -n '1,/^Run:/p' | grep -v '^Run:' | tr '\n' ' ')
$( ((${#ORIGIN_EXTRA[@]} == 0)) || echo "Origin options for this scenario: \`${ORIGIN_EXTRA[*]}\`." )$( [[ -z $LATENCY_TIMELINE ]] || echo " Origin latency timeline (s=ms): \`$LATENCY_TIMELINE\`." )

$table
"
  unset AFTER REPORTS
done

echo
echo "$MD"
[[ -n $OUT ]] && echo "$MD" > "$OUT"
exit 0
