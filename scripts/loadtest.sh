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
# usage: scripts/loadtest.sh [--radius] [pptpgw load options...]   (defaults: --sessions 200 --hold 5)
# LOADTEST_GATEWAY_LINES='gateway dataplane workers 2' adds configuration lines to the gateway's (issue 12's 2-worker figures).
# Results: artifacts/load/load-UTCSTAMP.json and .png (and latest.json/latest.png), the gateway's log next to them.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="${PPTPGW_BIN:-$ROOT/artifacts/bin/pptpgw}"
RADIUS=0
ARGS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --radius) RADIUS=1; shift ;;
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
[ "$RADIUS" -eq 0 ] || fail "--radius (FreeRADIUS from ../shared/aaa/freeradius) is not wired yet: run with local users"

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
${LOADTEST_GATEWAY_LINES:-}
CFG

ip netns exec "$NS_GW" "$BIN" run --config "$CONFIG" >"$GW_LOG" 2>&1 &
GW_PID=$!
for _ in $(seq 200); do grep -q "PPTP on " "$GW_LOG" && break; kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
grep -q "PPTP on " "$GW_LOG" || { cat "$GW_LOG" >&2; fail "the gateway did not start"; }
echo "gateway pid $GW_PID in $NS_GW, log $GW_LOG; load tool in $NS_CL; $(uptime)"

set +e
ip netns exec "$NS_CL" "$BIN" load 198.18.0.1 --user load --password "$PASSWORD" --sources "$SOURCES" --gateway-pid "$GW_PID" \
  --json "$JSON" --png "$PNG" "${ARGS[@]}"
CODE=$?
# The gateway's dataplane counters after the run (drops by reason: where a lost frame went), next to its log.
ip netns exec "$NS_GW" "$BIN" show dataplane --admin-socket "$RUN/admin.sock" >"$OUT/dataplane-$STAMP.txt" 2>&1 || true
# Raw sockets' receive-queue drops (raw(7): /proc/net/raw, last column), gateway then tool: GRE the kernel lost before either read it.
{ echo "gateway /proc/net/raw:"; ip netns exec "$NS_GW" cat /proc/net/raw; echo "load tool /proc/net/raw:"; ip netns exec "$NS_CL" cat /proc/net/raw; } \
  >>"$OUT/dataplane-$STAMP.txt" 2>&1 || true
set -e
[ -f "$JSON" ] && cp "$JSON" "$OUT/latest.json"
[ -f "$PNG" ] && cp "$PNG" "$OUT/latest.png"
echo "loadtest: exit $CODE; results $JSON; gateway dataplane counters $OUT/dataplane-$STAMP.txt"
exit $CODE
