# Shared helpers for the side-by-side benchmarks in bench/ (source it; do not run it).
# Used by every script in bench/. Every process started through
# bench_start is recorded and stopped, with its descendants, by bench_cleanup.
# shellcheck shell=bash

BENCH_PIDS=()          # pids started by bench_start / bench_sampler_start
BENCH_PORTS_TAKEN=" "  # ports already handed out by bench_free_port in this run
BENCH_LAST_PID=""      # pid of the last process bench_start / bench_sampler_start started

# bench_log MSG...: print a timestamped progress line on stderr.
bench_log() { printf '[%(%H:%M:%S)T] %s\n' -1 "$*" >&2; }

# bench_die MSG...: print an error on stderr and exit 1 (the EXIT trap cleans up).
bench_die() { printf 'error: %s\n' "$*" >&2; exit 1; }

# bench_require_cmd CMD...: die with a clear message if a command is missing.
bench_require_cmd() {
  local c
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || bench_die "'$c' is not installed (scripts/bootstrap installs it)"; done
}

# bench_require_loopback HOST: die unless HOST is in 127.0.0.0/8 (this lab talks to loopback only).
bench_require_loopback() { [[ $1 == 127.* ]] || bench_die "refusing non-loopback address '$1'"; }

# bench_free_port VAR: set VAR to a loopback TCP port nothing uses (any state) and not handed out before.
# Call it directly, not inside $(...), so the port is remembered as taken.
bench_free_port() {
  # Locals are prefixed so that printf -v reaches the caller's VAR even if it is named "port".
  local _bfp_var=$1 _bfp_used _bfp_port _bfp_hex _bfp_i
  # Every TCP socket in any state, as "ADDR:PORT" in hex. Read in one go: line-by-line reads of
  # /proc/net/tcp re-walk the socket table and take seconds when there are many sockets.
  _bfp_used=$(cat /proc/net/tcp /proc/net/tcp6 2>/dev/null || true)
  # Below the kernel's ephemeral range (ip_local_port_range, 32768-60999 on Debian), so the load
  # tools' own outgoing connections never take the port between this check and the bind.
  local _bfp_low _bfp_high
  read -r _bfp_low _bfp_high </proc/sys/net/ipv4/ip_local_port_range
  (( _bfp_low > 12000 )) || bench_die "ephemeral ports start at $_bfp_low: no room below them for the lab's ports"
  for ((_bfp_i = 0; _bfp_i < 200; _bfp_i++)); do
    _bfp_port=$((10000 + RANDOM % (_bfp_low - 10000)))
    printf -v _bfp_hex '%04X' "$_bfp_port"
    [[ $_bfp_used == *":$_bfp_hex "* || $BENCH_PORTS_TAKEN == *" $_bfp_port "* ]] && continue
    BENCH_PORTS_TAKEN+="$_bfp_port "
    printf -v "$_bfp_var" '%s' "$_bfp_port"
    return 0
  done
  bench_die "no free loopback port found"
}

# bench_start LOGFILE CMD...: start CMD in the background (stdout+stderr to LOGFILE); pid in BENCH_LAST_PID.
# Call it directly, never inside $(...), so the process is a child of this shell and gets recorded.
bench_start() {
  local log=$1; shift
  "$@" > "$log" 2>&1 &
  BENCH_LAST_PID=$!
  BENCH_PIDS+=("$BENCH_LAST_PID")
}

# bench_pid_tree PID: print PID and all its live descendants (e.g. nginx master and workers), one per line.
bench_pid_tree() {
  local root=$1 stat rest pid ppid changed=1
  local -A inside=([$root]=1)
  [[ -d /proc/$root ]] || return 0
  local -a pairs=()
  for stat in /proc/[0-9]*/stat; do
    read -r rest 2>/dev/null < "$stat" || continue
    pid=${rest%% *}
    rest=${rest##*) }          # drop "pid (comm) " — comm may contain spaces
    rest=${rest#* }            # drop state
    ppid=${rest%% *}
    pairs+=("$pid:$ppid")
  done
  while ((changed)); do       # fixed point: a child of anything inside is inside
    changed=0
    for p in "${pairs[@]}"; do
      pid=${p%%:*}; ppid=${p##*:}
      if [[ -n ${inside[$ppid]:-} && -z ${inside[$pid]:-} ]]; then inside[$pid]=1; changed=1; fi
    done
  done
  printf '%s\n' "${!inside[@]}"
}

# bench_alive PID: succeed if PID is still running (and not a zombie).
bench_alive() {
  local s
  [[ -r /proc/$1/stat ]] || return 1
  read -r s 2>/dev/null < "/proc/$1/stat" || return 1
  s=${s##*) }
  [[ ${s:0:1} != Z ]]
}

# bench_stop PID: stop PID and its descendants (TERM, then KILL after 3 s) and reap it.
bench_stop() {
  local pid=$1 i p
  local -a tree
  mapfile -t tree < <(bench_pid_tree "$pid")
  ((${#tree[@]})) || { wait "$pid" 2>/dev/null || true; return 0; }
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 30; i++)); do
    bench_alive "$pid" || break
    sleep 0.1
  done
  for p in "${tree[@]}"; do bench_alive "$p" && kill -KILL "$p" 2>/dev/null; done
  wait "$pid" 2>/dev/null || true
}

# bench_cleanup: stop every process bench_start / bench_sampler_start started (for trap ... EXIT).
bench_cleanup() {
  local pid
  for pid in "${BENCH_PIDS[@]}"; do bench_stop "$pid"; done
  BENCH_PIDS=()
}

# bench_install_traps DIR WHAT: on exit, stop every started process and remove DIR — unless the
# run failed or KEEP_TMP=1, then say "WHAT kept in DIR"; INT and TERM exit 130 and 143.
bench_install_traps() {
  BENCH_TMP_DIR=$1
  BENCH_TMP_WHAT=$2
  trap bench_on_exit EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM
}

# bench_setup NAME WHAT: the opening the benches share once their settings are read:
# FLOODGATE_BIN must be executable (unless empty: a run without floodgate), TMP becomes a new
# /tmp/NAME.XXXXXX (readable by nginx's and HAProxy's workers), removed on exit unless the run
# fails or KEEP_TMP=1 (then "WHAT kept in").
bench_setup() {
  [[ -z $FLOODGATE_BIN || -x $FLOODGATE_BIN ]] ||
    bench_die "no floodgate binary at $FLOODGATE_BIN (build it: ninja -C build/release floodgate)"
  TMP=$(mktemp -d "/tmp/$1.XXXXXX")
  chmod 755 "$TMP"
  bench_install_traps "$TMP" "$2"
}

# bench_on_exit: the EXIT trap of bench_install_traps.
bench_on_exit() {
  local rc=$?
  trap - EXIT
  bench_cleanup
  if ((rc == 0)) && [[ ${KEEP_TMP:-0} != 1 ]]; then
    rm -rf "$BENCH_TMP_DIR"
  else
    echo "$BENCH_TMP_WHAT kept in $BENCH_TMP_DIR" >&2
  fi
  exit "$rc"
}

# bench_nginx_user_line: nginx's "user" line for its config: as root nginx would switch its
# workers to "nobody"; this keeps them as the invoking user instead (nothing when not root).
bench_nginx_user_line() { ((EUID == 0)) && echo "user $(id -un) $(id -gn);"; return 0; }

# bench_nginx_main DIR WORKERS [NOFILE CONNECTIONS]: print the main context of an nginx config
# for a benchmark front: WORKERS worker processes under a master in the foreground, its pid file
# and error log (warn) in DIR, NOFILE descriptors [16384] and CONNECTIONS connections [4096] per
# worker.
bench_nginx_main() {
  bench_nginx_user_line
  cat <<EOF
worker_processes $2;
daemon off;
master_process on;
pid $1/nginx.pid;
error_log $1/error.log warn;
worker_rlimit_nofile ${3:-16384};
events { worker_connections ${4:-4096}; }
EOF
}

# bench_nginx_temp_paths DIR: create DIR and print nginx http{} lines that keep every temp file
# in it (nginx's defaults point into its install prefix, which a benchmark must not touch).
bench_nginx_temp_paths() {
  mkdir -p "$1"
  local t
  for t in client_body proxy fastcgi uwsgi scgi; do
    printf '  %s_temp_path %s/%s;\n' "$t" "$1" "${t%_body}"
  done
}

# bench_haproxy_cfg THREADS LISTEN ORIGIN [LINE...]: print HAProxy's documented HTTP reverse
# proxy config: mode http, keep-alive on both sides, idle server connections shared between
# clients (http-reuse always), no logging; THREADS threads, one frontend bound to LISTEN
# (host:port) with the LINEs added to it, one server at ORIGIN (host:port).
bench_haproxy_cfg() {
  local threads=$1 listen=$2 origin=$3 line
  shift 3
  cat <<EOF
global
  nbthread $threads
  maxconn 4096

defaults
  mode http
  option http-keep-alive
  http-reuse always
  maxconn 4096
  timeout connect 5s
  timeout client 30s
  timeout server 30s
  timeout http-request 10s
  timeout http-keep-alive 30s

frontend fe
  bind $listen
EOF
  for line in "$@"; do echo "  $line"; done
  cat <<EOF
  default_backend origin

backend origin
  server o1 $origin
EOF
}

# bench_http_probe URL: print "CODE BYTES" of one GET (keep-alive off, 2 s timeout); "000 0" if no answer.
bench_http_probe() {
  curl -s -o /dev/null --max-time 2 -w '%{http_code} %{size_download}' "$1" 2>/dev/null || true
}

# bench_wait_http URL PID SECONDS: wait until URL answers 200 while PID lives; return 1 after SECONDS.
bench_wait_http() {
  local url=$1 pid=$2 secs=$3 code deadline
  deadline=$((${EPOCHREALTIME//[!0-9]/} + secs * 1000000))
  while ((${EPOCHREALTIME//[!0-9]/} < deadline)); do
    bench_alive "$pid" || return 1
    read -r code _ <<< "$(bench_http_probe "$url")"
    [[ $code == 200 ]] && return 0
    sleep 0.1
  done
  return 1
}

# bench_rss_kib PID...: print the sum of VmRSS (KiB) over the given pids (missing pids count 0).
bench_rss_kib() {
  local total=0 pid k v
  for pid in "$@"; do
    while read -r k v _; do
      [[ $k == VmRSS: ]] && { total=$((total + v)); break; }
    done 2>/dev/null < "/proc/$pid/status" || true
  done
  echo "$total"
}

# bench_hwm_kib PID...: print the sum of VmHWM (peak RSS since start, KiB) over the given pids.
bench_hwm_kib() {
  local total=0 pid k v
  for pid in "$@"; do
    while read -r k v _; do
      [[ $k == VmHWM: ]] && { total=$((total + v)); break; }
    done 2>/dev/null < "/proc/$pid/status" || true
  done
  echo "$total"
}

# bench_cpu_ticks PID...: print the summed user+system CPU time (clock ticks) of the given pids.
bench_cpu_ticks() {
  local total=0 pid rest
  local -a fields
  for pid in "$@"; do
    read -r rest 2>/dev/null < "/proc/$pid/stat" || continue
    read -r -a fields <<< "${rest##*) }"  # fields[0] is the state; [11] utime, [12] stime
    total=$((total + fields[11] + fields[12]))
  done
  echo "$total"
}

# bench_sampler_start OUTFILE PID...: sample the summed VmRSS of PIDs every 0.2 s, keep the max in OUTFILE.
# The sampler is recorded in BENCH_PIDS; stop it with bench_stop "$BENCH_LAST_PID".
bench_sampler_start() {
  local out=$1; shift
  (
    trap 'exit 0' TERM
    max=0
    [[ -s $out ]] && read -r max < "$out"
    while :; do
      cur=$(bench_rss_kib "$@")
      ((cur > max)) && { max=$cur; echo "$max" > "$out"; }
      sleep 0.2
    done
  ) &
  BENCH_LAST_PID=$!
  BENCH_PIDS+=("$BENCH_LAST_PID")
}

# bench_cpu_ns PID...: the CPU time of every thread of PIDs so far, in nanoseconds (schedstat).
bench_cpu_ns() {
  local p
  for p in "$@"; do cat /proc/"$p"/task/*/schedstat; done 2>/dev/null |
    awk '{ s += $1 } END { printf "%.0f\n", s }'
}

# bench_cpu_series_start OUTFILE PID...: append "UNIX_MS CPU_NS" (bench_cpu_ns of PIDs) to OUTFILE
# every 0.2 s, so a run's CPU can be split by phase. Stop it with bench_stop "$BENCH_LAST_PID".
bench_cpu_series_start() {
  local out=$1; shift
  (
    trap 'exit 0' TERM
    while :; do
      echo "$(date +%s%3N) $(bench_cpu_ns "$@")" >> "$out"
      sleep 0.2
    done
  ) &
  BENCH_LAST_PID=$!
  BENCH_PIDS+=("$BENCH_LAST_PID")
}

# bench_forget PID: drop PID from BENCH_PIDS after it was stopped by hand.
bench_forget() {
  local p
  local -a keep=()
  for p in "${BENCH_PIDS[@]}"; do [[ $p == "$1" ]] || keep+=("$p"); done
  BENCH_PIDS=("${keep[@]}")
}

# bench_wrk OUTFILE SECONDS WRK_ARGS...: run wrk for SECONDS (hard-capped by timeout) and save its output.
# wrk runs in the background and is waited for, so a signal to the script interrupts it at once.
bench_wrk() {
  local out=$1 secs=$2 pid rc=0; shift 2
  timeout -k 5 $((secs + 15)) ${WRK_TASKSET:+taskset -c "$WRK_TASKSET"} \
    wrk -d"${secs}s" "$@" > "$out" 2>&1 &
  pid=$!
  BENCH_PIDS+=("$pid")
  wait "$pid" || rc=$?
  bench_forget "$pid"
  return "$rc"
}

# bench_to_ms VALUE: convert a wrk duration such as 812.00us, 1.52ms, 2.01s or 1.10m to milliseconds.
bench_to_ms() {
  local v=$1
  case $v in
    *us) awk -v x="${v%us}" 'BEGIN { printf "%.3f\n", x / 1000 }' ;;
    *ms) awk -v x="${v%ms}" 'BEGIN { printf "%.3f\n", x }' ;;
    *s) awk -v x="${v%s}" 'BEGIN { printf "%.3f\n", x * 1000 }' ;;
    *m) awk -v x="${v%m}" 'BEGIN { printf "%.3f\n", x * 60000 }' ;;
    *h) awk -v x="${v%h}" 'BEGIN { printf "%.3f\n", x * 3600000 }' ;;
    *) echo "nan" ;;
  esac
}

# bench_wrk_parse FILE: print "RPS P50_MS P99_MS NON2XX SOCKET_ERRORS REQUESTS" from wrk --latency output.
bench_wrk_parse() {
  local f=$1 rps p50 p99 non2xx sockerr reqs
  rps=$(awk '/^Requests\/sec:/ { print $2 }' "$f")
  p50=$(awk '$1 == "50%" { print $2 }' "$f")
  p99=$(awk '$1 == "99%" { print $2 }' "$f")
  non2xx=$(awk '/Non-2xx or 3xx responses:/ { print $NF }' "$f")
  # "Socket errors: connect 0, read 0, write 0, timeout 0"
  sockerr=$(awk '/Socket errors:/ { gsub(",", ""); print $4 + $6 + $8 + $10 }' "$f")
  reqs=$(awk '/ requests in / { print $1 }' "$f")
  [[ -n $rps && -n $p50 && -n $p99 ]] || return 1
  echo "$rps $(bench_to_ms "$p50") $(bench_to_ms "$p99") ${non2xx:-0} ${sockerr:-0} ${reqs:-0}"
}

# bench_median NUMBER...: print the median (mean of the middle two for an even count).
bench_median() {
  printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END {
    if (NR == 0) { print "nan"; exit }
    if (NR % 2) printf "%.3f\n", a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'
}

# bench_ratio A B: print A/B with two decimals, or "n/a" when B is zero or missing.
bench_ratio() {
  awk -v a="$1" -v b="$2" 'BEGIN { if (b + 0 == 0 || a == "" || a == "nan") print "n/a"; else printf "%.2f\n", a / b }'
}

# bench_kib_to_mib KIB: print KIB as MiB with one decimal.
bench_kib_to_mib() { awk -v k="$1" 'BEGIN { printf "%.1f\n", k / 1024 }'; }

# bench_machine: print one line describing the machine (cores, CPU model, kernel).
bench_machine() {
  local model
  model=$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo 2>/dev/null)
  echo "$(nproc) cores (${model:-unknown CPU}), Linux $(uname -r), $(uname -m)"
}

# bench_rotate N WORD...: print WORD... rotated left by N positions (to alternate the run order per round).
bench_rotate() {
  local n=$1; shift
  local -a w=("$@")
  local c=${#w[@]} i
  for ((i = 0; i < c; i++)); do printf '%s ' "${w[(i + n) % c]}"; done
  echo
}
