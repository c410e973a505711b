#!/usr/bin/env bash
# The status page under a flood: floodgate (quick start, shield defaults) with its status page
# in front of `floodgate origin`, a storm scenario played against the gateway, and a visitor
# fetching the status page (`/` and `/api/v2/summary.json`, a new connection each time, every
# 100 ms) throughout. Prints the page's response time per phase (calm, attack, after).
#
# Usage: bench/status_under_storm.sh [SCENARIO.yaml ...]   [examples/storms/keepalive-flood.yaml
#                                                           examples/storms/connection-flood.yaml]
# Environment: WORKERS [1], ORIGIN_CAPACITY [2000], TIME_SCALE [1], FLOODGATE_BIN, OUT, KEEP_TMP=1
set -euo pipefail

HERE=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$HERE/.." && pwd)
# shellcheck source=bench/lib.sh
source "$HERE/lib.sh"

WORKERS=${WORKERS:-1}
ORIGIN_CAPACITY=${ORIGIN_CAPACITY:-2000}
TIME_SCALE=${TIME_SCALE:-1}
FLOODGATE_BIN=${FLOODGATE_BIN:-$ROOT/build/release/floodgate}
OUT=${OUT:-}
[[ $TIME_SCALE =~ ^[0-9]*\.?[0-9]+$ ]] || bench_die "TIME_SCALE must be a positive number"
bench_require_cmd python3 curl
if (($# == 0)); then
  set -- "$ROOT/examples/storms/keepalive-flood.yaml" "$ROOT/examples/storms/connection-flood.yaml"
fi
bench_setup floodgate-status-bench "logs"

# probe URL... : fetches each URL in turn every 100 ms until the file $TMP/stop exists (at most
# 10 minutes); prints "unix_seconds url status milliseconds" per fetch.
probe() {
  python3 - "$TMP/stop" "$@" <<'PY'
import http.client, os, sys, time, urllib.parse
stop, urls = sys.argv[1], sys.argv[2:]
end = time.time() + 600
while not os.path.exists(stop) and time.time() < end:
    for url in urls:
        u = urllib.parse.urlsplit(url)
        t0 = time.perf_counter()
        try:
            c = http.client.HTTPConnection(u.hostname, u.port, timeout=2)
            c.request("GET", u.path)
            r = c.getresponse(); r.read(); status = r.status; c.close()
        except Exception:
            status = 0
        print(f"{time.time():.3f} {u.path} {status} {(time.perf_counter() - t0) * 1000:.2f}", flush=True)
    time.sleep(0.1)
PY
}

# report SCENARIO SAMPLES START: per phase of the scenario, the page's p50/p99/max and failures.
report() {
  python3 - "$1" "$2" "$3" "$TIME_SCALE" <<'PY'
import re, sys
scenario, samples, start, scale = sys.argv[1], sys.argv[2], float(sys.argv[3]), float(sys.argv[4])
unit = {"ms": 0.001, "s": 1, "m": 60, None: 1}
phases, t = [], start
for m in re.finditer(r"\{\s*name:\s*([\w-]+),\s*duration:\s*([0-9.]+)(ms|s|m)?", open(scenario).read()):
    d = float(m.group(2)) * unit[m.group(3)] * scale
    phases.append((m.group(1), t, t + d)); t += d
rows = [l.split() for l in open(samples) if l.strip()]
def pct(v, q):
    v = sorted(v); return v[min(len(v) - 1, int(q * len(v)))] if v else float("nan")
print("| phase | fetches | failed | p50 ms | p99 ms | max ms |")
print("|---|---:|---:|---:|---:|---:|")
for name, a, b in phases:
    got = [r for r in rows if a <= float(r[0]) < b]
    ok = [float(r[3]) for r in got if r[2] == "200"]
    print(f"| {name} | {len(got)} | {len(got) - len(ok)} | {pct(ok, .5):.1f} | {pct(ok, .99):.1f} | {max(ok) if ok else float('nan'):.1f} |")
PY
}

args=""
for a in "$@"; do args+=" ${a#"$ROOT"/}"; done
{
  echo "### status_under_storm — $(date -u '+%Y-%m-%d %H:%M') UTC"
  echo
  echo "\`WORKERS=$WORKERS ORIGIN_CAPACITY=$ORIGIN_CAPACITY TIME_SCALE=$TIME_SCALE bench/status_under_storm.sh$args\`"
  echo "on $(bench_machine 2>/dev/null || uname -m)"
} > "$TMP/report.md"

for scenario in "$@"; do
  name=$(basename "$scenario" .yaml)
  bench_free_port origin_port
  bench_free_port front_port
  bench_free_port status_port
  python3 - "$scenario" "$TMP/$name.yaml" "$TIME_SCALE" <<'PY'
import re, sys
src, dst, k = sys.argv[1], sys.argv[2], float(sys.argv[3])
def scale(m):
    v = float(m.group(2)) * k
    return f"{m.group(1)}{v:g}{m.group(3) or 's'}"
open(dst, "w").write(re.sub(r"(\bduration:\s*)([0-9.]+)(ms|s|m)?\b", scale, open(src).read()))
PY
  bench_start "$TMP/$name-origin.log" "$FLOODGATE_BIN" origin --listen "127.0.0.1:$origin_port" \
    --capacity "$ORIGIN_CAPACITY" --latency 2
  bench_start "$TMP/$name-floodgate.log" "$FLOODGATE_BIN" run --listen "127.0.0.1:$front_port" \
    --to "127.0.0.1:$origin_port" --workers "$WORKERS" --status "127.0.0.1:$status_port" \
    --status-db "$TMP/$name-status.db"
  gateway=$BENCH_LAST_PID
  bench_wait_http "http://127.0.0.1:$status_port/" "$gateway" 10 || bench_die "the status page did not come up"
  rm -f "$TMP/stop"
  probe "http://127.0.0.1:$status_port/" "http://127.0.0.1:$status_port/api/v2/summary.json" \
    > "$TMP/$name-samples.txt" &
  prober=$!
  start=$(date +%s.%N)
  bench_log "$name: storm against 127.0.0.1:$front_port, status page on :$status_port"
  "$FLOODGATE_BIN" storm "$TMP/$name.yaml" --target "http://127.0.0.1:$front_port" \
    --origin-stats "http://127.0.0.1:$origin_port/__origin/stats" > "$TMP/$name-storm.log" 2>&1 || true
  touch "$TMP/stop"
  wait "$prober" || true
  {
    echo
    echo "#### $name"
    echo
    report "$TMP/$name.yaml" "$TMP/$name-samples.txt" "$start"
    echo
    echo "Gateway during the storm: $(grep -m1 -E 'legit.*success|legitimate' "$TMP/$name-storm.log" | sed 's/^ *//' || true)"
  } >> "$TMP/report.md"
  bench_cleanup
done

cat "$TMP/report.md"
[[ -n $OUT ]] && cp "$TMP/report.md" "$OUT"
exit 0
