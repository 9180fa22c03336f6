#!/usr/bin/env bash
# pptpgw loadtest: the load tool (pptpgw load) against a real gateway, each in its own network namespace; run as root
# after ./build.sh build (./build.sh loadtest does both). Everything it creates is removed on exit.
#
#   load ns pgwload-PID-cl                      gateway ns pgwload-PID-gw
#   ┌─────────────────────────────┐   veth     ┌──────────────────────────────────────┐
#   │ eth0 198.18.0.2/24          ├────────────┤ outside 198.18.0.1/24                │
#   │ local 198.18.8.0/21 dev lo  │ TCP 1723   │ route 198.18.8.0/21 via 198.18.0.2   │
#   │ (the PACs' source addresses)│ + GRE      │ pool 198.18.16.1-198.19.255.254      │
#   └─────────────────────────────┘            └──────────────────────────────────────┘
#
# Addresses (198.18.0.0/15 only): 198.18.0.0/24 the lab's hosts, 198.18.8.0/21 (2,046 usable) the PACs' sources (routed
# to the load namespace as local, so the tool binds any of them without configuring each), 198.18.16.1-198.19.255.254
# (126,974) the gateway's pool: the issue's 125,000 sessions fit.
#
# usage: scripts/loadtest.sh [--radius [--radius-accounting]] [--warmup N] [pptpgw load options...]   (defaults: --sessions 200 --hold 5)
# --warmup N: N sessions set up and torn down against the same gateway before the measured run (hold 0, its JSON next
#   to the run's): a gateway in service has its code compiled; a fresh one spends its first burst in the JIT (a profile
#   of a cold 20,000-session burst: 14 % of the gateway's CPU in libclrjit, more in the runtime's tiering).
# --radius: the gateway authenticates every call against a real FreeRADIUS (../shared/aaa/freeradius/start.sh, run
#   inside the gateway's namespace so that its 127.0.0.1 is the gateway's; FR_DEBUG=0: multi-threaded, short log),
#   user alice; the script holds /tmp/pptpgw-radius.lock for the run. --radius-accounting adds RADIUS accounting
#   (Start/Stop per session, through the gateway's durable accounting queue). The server's log is kept next to the JSON.
# LOADTEST_GATEWAY_LINES='gateway dataplane workers 2' adds configuration lines to the gateway's (issue 12's 2-worker figures).
# LOADTEST_PERF=FILE / LOADTEST_PERF_TOOL=FILE: perf profiles of the gateway / the tool over the measured run;
# LOADTEST_COUNTERS=PREFIX: dotnet-counters of both (PREFIX-gateway.csv, PREFIX-tool.csv; bench/load/sum-counters.py sums one);
# LOADTEST_TOOL_TIERED_COMPILATION=1: the tool with tiered compilation (default off for the tool, see TOOL_ENV below).
# Results: artifacts/load/load-UTCSTAMP.json and .png (and latest.json/latest.png), the gateway's log next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="${PPTPGW_BIN:-$ROOT/artifacts/bin/pptpgw}"
RADIUS=0
RADIUS_ACCT=0
WARMUP=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --radius) RADIUS=1; shift ;;
    --radius-accounting) RADIUS=1; RADIUS_ACCT=1; shift ;;
    --warmup) WARMUP="$2"; shift 2 ;;
    *) ARGS+=("$1"); shift ;;
  esac
done
has_opt() { local o; for o in "${ARGS[@]+"${ARGS[@]}"}"; do [ "$o" = "$1" ] && return 0; done; return 1; }
# The value after option $1 in ARGS (e.g. the caller's own --json FILE), and ARGS without that option.
opt_value() { local i; for ((i = 0; i < ${#ARGS[@]} - 1; i++)); do [ "${ARGS[i]}" = "$1" ] && { echo "${ARGS[i+1]}"; return 0; }; done; return 1; }
drop_opt() { local i out=(); for ((i = 0; i < ${#ARGS[@]}; i++)); do if [ "${ARGS[i]}" = "$1" ]; then i=$((i + 1)); else out+=("${ARGS[i]}"); fi; done; ARGS=("${out[@]+"${out[@]}"}"); }
has_opt --sessions || ARGS+=(--sessions 200)
has_opt --hold || ARGS+=(--hold 5)

fail() { printf '\033[1;31mLOADTEST FAILED: %s\033[0m\n' "$*" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || fail "run as root (network namespaces, raw GRE sockets)"
[ -x "$BIN" ] || fail "$BIN is missing: run ./build.sh build first"
command -v ip >/dev/null || fail "iproute2's ip is needed"
FR_SCRIPTS="${PPTPGW_FREERADIUS_DIR:-$ROOT/../shared/aaa/freeradius}"
if [ "$RADIUS" -eq 1 ]; then
  [ -x "$FR_SCRIPTS/start.sh" ] || [ -f "$FR_SCRIPTS/start.sh" ] || fail "--radius needs the FreeRADIUS harness at $FR_SCRIPTS (../shared/aaa/freeradius)"
  # One FreeRADIUS run at a time on this machine (the harness's rule), held until the script ends.
  exec 9>/tmp/pptpgw-radius.lock
  flock 9
fi

SUF="$$"
NS_CL="pgwload-$SUF-cl"
NS_GW="pgwload-$SUF-gw"
OUT="$ROOT/artifacts/load"
RUN="$(mktemp -d /tmp/pgwload.XXXXXX)"
STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
GW_LOG="$OUT/gateway-$STAMP.log"
JSON="$OUT/load-$STAMP.json"
PNG="$OUT/load-$STAMP.png"
# The caller's --json FILE / --png FILE (the tool's contract, also through ./build.sh loadtest) replace ours.
if USER_JSON=$(opt_value --json); then JSON=$(realpath -m "$USER_JSON"); drop_opt --json; fi
if USER_PNG=$(opt_value --png); then PNG=$(realpath -m "$USER_PNG"); drop_opt --png; fi
SOURCES=198.18.8.0/21
PASSWORD="load-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
LOAD_USER=load
# FreeRADIUS's test users (shared/aaa/freeradius/README.md): alice is accepted for every method, with MPPE keys.
[ "$RADIUS" -eq 1 ] && { LOAD_USER=alice; PASSWORD=alice-pass; }
FR_DIR="$RUN/radius"
FR_LOG="$OUT/radius-$STAMP.log"
GW_PID=""
mkdir -p "$OUT"

cleanup() {
  local code=$?
  set +e
  # Only the gateway this script started, by PID: SIGTERM (StopCCRQ to every peer), then SIGKILL after 10 s.
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID"
    for _ in $(seq 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
    kill -0 "$GW_PID" 2>/dev/null && kill -KILL "$GW_PID"
  fi
  # The FreeRADIUS this script started (stop.sh signals only the PID its start.sh recorded for this DIR).
  if [ "$RADIUS" -eq 1 ] && [ -f "$FR_DIR/freeradius.pid" ]; then
    [ -f "$FR_DIR/radius.log" ] && cp "$FR_DIR/radius.log" "$FR_LOG"
    bash "$FR_SCRIPTS/stop.sh" "$FR_DIR" --purge >/dev/null 2>&1
  fi
  ip netns del "$NS_CL" 2>/dev/null
  ip netns del "$NS_GW" 2>/dev/null
  rm -rf "$RUN"
  exit $code
}
trap cleanup EXIT INT TERM

ip netns add "$NS_GW"
ip netns add "$NS_CL"
ip -n "$NS_GW" link set lo up
ip -n "$NS_CL" link set lo up
ip -n "$NS_GW" link add outside type veth peer name eth0 netns "$NS_CL"
ip -n "$NS_GW" addr add 198.18.0.1/24 dev outside
ip -n "$NS_GW" link set outside up
ip -n "$NS_CL" addr add 198.18.0.2/24 dev eth0
ip -n "$NS_CL" link set eth0 up
# AnyIP: every address of the source prefix is local to the load namespace (bind() and delivery), none configured one by one.
ip -n "$NS_CL" route add local "$SOURCES" dev lo
ip -n "$NS_GW" route add "$SOURCES" via 198.18.0.2
# Many connections at once: a listen/accept backlog and neighbour table of lab size.
ip netns exec "$NS_GW" sysctl -qw net.core.somaxconn=65535 net.ipv4.tcp_max_syn_backlog=65535 || true

AAA_LINES=""
if [ "$RADIUS" -eq 1 ]; then
  FR_OUT=$(FR_DEBUG=0 FR_AUTH_PORT=18127 FR_ACCT_PORT=18137 ip netns exec "$NS_GW" bash "$FR_SCRIPTS/start.sh" "$FR_DIR" 2>&1) \
    || { echo "$FR_OUT" >&2; fail "FreeRADIUS did not start in $NS_GW"; }
  echo "FreeRADIUS in $NS_GW: $(echo "$FR_OUT" | grep -E '^FREERADIUS_(PID|STARTUP_MS)=' | tr '\n' ' ')"
  AAA_LINES="aaa-server RAD protocol radius
aaa-server RAD (inside) host 127.0.0.1 testing123 timeout 5 port 18127 acct-port 18137
vpdn group 1 client authentication aaa RAD"
  if [ "$RADIUS_ACCT" -eq 1 ]; then
    AAA_LINES="$AAA_LINES
vpdn group 1 client accounting RAD
accounting spool $RUN/spool"
  fi
fi

CONFIG="$RUN/pix.cfg"
cat >"$CONFIG" <<CFG
nameif ethernet0 outside security0
nameif ethernet1 inside security100
ip address outside 198.18.0.1 255.255.255.0
ip address inside 198.18.1.1 255.255.255.0
ip local pool load 198.18.16.1-198.19.255.254
vpdn group 1 accept dialin pptp
vpdn group 1 ppp authentication mschapv2
vpdn group 1 ppp authentication mschap
vpdn group 1 ppp authentication chap
vpdn group 1 ppp authentication pap
vpdn group 1 ppp encryption mppe auto
vpdn group 1 client configuration address local load
vpdn username load password $PASSWORD
vpdn enable outside
gateway max-sessions 1000000
gateway admin-socket $RUN/admin.sock
gateway dataplane kernel
${AAA_LINES}
${LOADTEST_GATEWAY_LINES:-}
CFG

# LOADTEST_PERF=FILE: the gateway's CPU profile over the load run (perf record -e cpu-clock -g: a software clock, as
# this machine has no hardware counters; the JIT's symbols through DOTNET_PerfMapEnabled's /tmp/perf-PID.map).
# LOADTEST_PERF_TOOL=FILE: the same profile of the load tool itself (it shares the cores with the gateway).
# LOADTEST_COUNTERS=PREFIX: dotnet-counters (System.Runtime: allocations, GC counts, JIT time) of both processes over the
#   measured run, PREFIX-gateway.csv and PREFIX-tool.csv (needs ~/.dotnet/tools/dotnet-counters or one on PATH).
PERF_PID=""
TOOL_PERF_PID=""
COUNTER_PIDS=()
if [ -n "${LOADTEST_PERF:-}${LOADTEST_PERF_TOOL:-}" ]; then export DOTNET_PerfMapEnabled=1; fi
COUNTERS_BIN=""
if [ -n "${LOADTEST_COUNTERS:-}" ]; then
  COUNTERS_BIN=$(command -v dotnet-counters || echo "$HOME/.dotnet/tools/dotnet-counters")
  [ -x "$COUNTERS_BIN" ] || fail "LOADTEST_COUNTERS needs dotnet-counters (dotnet tool install -g dotnet-counters)"
fi
# dotnet-counters on PID $1 into $2 (one-second samples of the runtime's counters), in the background.
start_counters() {
  "$COUNTERS_BIN" collect -p "$1" --refresh-interval 1 --format csv --counters System.Runtime -o "$2" >/dev/null 2>&1 &
  COUNTER_PIDS+=($!)
}
ip netns exec "$NS_GW" "$BIN" run --config "$CONFIG" >"$GW_LOG" 2>&1 &
GW_PID=$!
for _ in $(seq 200); do grep -q "PPTP on " "$GW_LOG" && break; kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
grep -q "PPTP on " "$GW_LOG" || { cat "$GW_LOG" >&2; fail "the gateway did not start"; }
echo "gateway pid $GW_PID in $NS_GW, log $GW_LOG; load tool in $NS_CL; $(uptime)"

# The load tool runs without tiered compilation (its ReadyToRun code as is, the rest optimised once): a run is one short
# process, and with tiering it re-compiled its hot methods during the measurement (JIT 2.3-5.9 s of 6.6-8.3 s of CPU
# for 20,000 sessions; without: 0.1-0.4 s of 5.6-6.6 s; bench/RESULTS.md, session 7). The gateway keeps tiering (PGO).
TOOL_ENV=(env "DOTNET_TieredCompilation=${LOADTEST_TOOL_TIERED_COMPILATION:-0}")
if [ "$WARMUP" -gt 0 ]; then
  ip netns exec "$NS_CL" "${TOOL_ENV[@]}" "$BIN" load 198.18.0.1 --user "$LOAD_USER" --password "$PASSWORD" --sources "$SOURCES" --sessions "$WARMUP" \
    --calls-per-tunnel 25 --hold 0 --no-live --json "$OUT/warmup-$STAMP.json" >/dev/null 2>&1 || echo "warm-up run: exit $? (see $OUT/warmup-$STAMP.json)"
  # Every warm-up call has gone (the gateway closes its dataplane sessions a little after the hang-up).
  for _ in $(seq 100); do
    ip netns exec "$NS_GW" "$BIN" show vpdn --admin-socket "$RUN/admin.sock" 2>/dev/null | grep -q "No active PPTP tunnels" && break
    sleep 0.1
  done
  echo "warm-up: $WARMUP sessions set up and torn down; $(uptime)"
fi
if [ -n "${LOADTEST_PERF:-}" ]; then
  perf record -q -e cpu-clock -F 999 -g -p "$GW_PID" -o "$LOADTEST_PERF" >/dev/null 2>&1 &
  PERF_PID=$!
  sleep 0.5
fi
[ -n "${LOADTEST_COUNTERS:-}" ] && start_counters "$GW_PID" "$LOADTEST_COUNTERS-gateway.csv"
set +e
# The tool runs in the background only to be profiled/counted by PID (ip netns exec and env exec it: $! is the tool itself).
ip netns exec "$NS_CL" "${TOOL_ENV[@]}" "$BIN" load 198.18.0.1 --user "$LOAD_USER" --password "$PASSWORD" --sources "$SOURCES" --gateway-pid "$GW_PID" \
  --json "$JSON" --png "$PNG" "${ARGS[@]}" &
TOOL_PID=$!
if [ -n "${LOADTEST_PERF_TOOL:-}" ]; then
  perf record -q -e cpu-clock -F 999 -g -p "$TOOL_PID" -o "$LOADTEST_PERF_TOOL" >/dev/null 2>&1 &
  TOOL_PERF_PID=$!
fi
[ -n "${LOADTEST_COUNTERS:-}" ] && start_counters "$TOOL_PID" "$LOADTEST_COUNTERS-tool.csv"
wait "$TOOL_PID"
CODE=$?
if [ -n "$PERF_PID" ]; then kill -INT "$PERF_PID" 2>/dev/null; wait "$PERF_PID" 2>/dev/null; echo "perf profile of the gateway: $LOADTEST_PERF"; fi
if [ -n "$TOOL_PERF_PID" ]; then wait "$TOOL_PERF_PID" 2>/dev/null; echo "perf profile of the load tool: $LOADTEST_PERF_TOOL (map /tmp/perf-$TOOL_PID.map)"; fi
if [ "${#COUNTER_PIDS[@]}" -gt 0 ]; then
  # The tool's collector ends with the tool; the gateway's is stopped here (SIGTERM: a background job of a
  # non-interactive shell ignores SIGINT, and dotnet-counters keeps that; it flushes its file on SIGTERM).
  for p in "${COUNTER_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  echo "runtime counters: $LOADTEST_COUNTERS-gateway.csv $LOADTEST_COUNTERS-tool.csv"
fi
# The gateway's dataplane counters after the run (drops by reason: where a lost frame went), next to its log.
ip netns exec "$NS_GW" "$BIN" show dataplane --admin-socket "$RUN/admin.sock" >"$OUT/dataplane-$STAMP.txt" 2>&1 || true
# Raw sockets' receive-queue drops (raw(7): /proc/net/raw, last column), gateway then tool: GRE the kernel lost before either read it.
{ echo "gateway /proc/net/raw:"; ip netns exec "$NS_GW" cat /proc/net/raw; echo "load tool /proc/net/raw:"; ip netns exec "$NS_CL" cat /proc/net/raw; } \
  >>"$OUT/dataplane-$STAMP.txt" 2>&1 || true
if [ "$RADIUS" -eq 1 ]; then
  # Where RADIUS packets were lost, if anywhere: the namespace's UDP receive-buffer errors (nstat, since the namespace
  # was made: FreeRADIUS's and the gateway's sockets are its only UDP ones) and each UDP socket's drops
  # (/proc/net/udp, last column; FreeRADIUS's auth port 18127 = 0x46CF, accounting 18137 = 0x46D9).
  { echo "gateway namespace UDP (nstat -az):"; ip netns exec "$NS_GW" nstat -az UdpInDatagrams UdpRcvbufErrors UdpInErrors UdpSndbufErrors 2>&1
    echo "gateway namespace /proc/net/udp:"; ip netns exec "$NS_GW" cat /proc/net/udp; } | tee -a "$OUT/dataplane-$STAMP.txt" | grep -E 'Udp|46CF|46D9' || true
  ip netns exec "$NS_GW" "$BIN" show aaa-server --admin-socket "$RUN/admin.sock" >>"$OUT/dataplane-$STAMP.txt" 2>&1 || true
  if [ "$RADIUS_ACCT" -eq 1 ]; then
    # The accounting records FreeRADIUS wrote (its detail file), once the hang-up's Stops have arrived (up to 30 s).
    DETAIL="$FR_DIR/log/radacct/detail"
    for _ in $(seq 300); do
      STARTS=$(grep -c 'Acct-Status-Type = Start' "$DETAIL" 2>/dev/null || true)
      STOPS=$(grep -c 'Acct-Status-Type = Stop' "$DETAIL" 2>/dev/null || true)
      [ "${STARTS:-0}" -gt 0 ] && [ "${STOPS:-0}" -ge "${STARTS:-0}" ] && break
      sleep 0.1
    done
    echo "RADIUS accounting at the server (detail file): ${STARTS:-0} Start, ${STOPS:-0} Stop" | tee -a "$OUT/dataplane-$STAMP.txt"
  fi
fi
set -e
[ -f "$JSON" ] && cp "$JSON" "$OUT/latest.json"
[ -f "$PNG" ] && cp "$PNG" "$OUT/latest.png"
echo "loadtest: exit $CODE; results $JSON; gateway dataplane counters $OUT/dataplane-$STAMP.txt"
exit $CODE
