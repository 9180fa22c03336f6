#!/usr/bin/env bash
# pptpgw demo: a PPTP client, the gateway and an inside host, each in its own network namespace; the client dials
# with MS-CHAPv2 + MPPE-128 and pings the inside host through the tunnel. Run as root, after ./build.sh build
# (./build.sh demo does both). Exits non-zero when the ping fails. Everything it creates is removed on exit.
#
#   client ns                     gateway ns                                 inside ns
#   ┌───────────────┐  outside    ┌──────────────────────────────────┐ inside ┌──────────────────┐
#   │ eth0          ├─────────────┤ outside 198.18.10.1/24           │        │                  │
#   │ 198.18.10.2/24│  TCP 1723   │ inside  198.18.20.1/24 ──────────┼────────┤ eth0 198.18.20.2 │
#   │ pptp0 (TUN)   │  + GRE      │ pptpgw0 (TUN) 198.18.20.1/32     │        │ default via .20.1│
#   │ 198.19.10.x   │             │   routes 198.19.10.10-50 (pool)  │        └──────────────────┘
#   └───────────────┘             └──────────────────────────────────┘
#
# Addresses (all in the 198.18.0.0/15 benchmarking range, RFC 2544/6815):
#   - 198.18.10.0/24 is the "Internet" between client and gateway: PPTP control (TCP 1723) and GRE.
#   - 198.18.20.0/24 is the inside LAN. The gateway's 'ip address inside' (198.18.20.1) is on its inside veth with the
#     LAN's /24, and the same address, as a /32, on the gateway's TUN device pptpgw0: the TUN is the tunnel side, a
#     point-to-multipoint link whose only routes are the pool's prefixes (the gateway installs them), so the /24 of the
#     LAN keeps pointing at the veth. The gateway gives 198.18.20.1 to clients in IPCP as its own PPP address.
#   - 198.19.10.10-198.19.10.50 is the client pool. The client's TUN pptp0 gets one of them, peer 198.18.20.1, and
#     a route to the inside LAN (dial --route 198.18.20.0/24). The inside host's default route is the gateway, which
#     forwards (net.ipv4.ip_forward=1 in the gateway's namespace only) between the veth and pptpgw0.
#
# With --dataplane dpdk (./build.sh demo --dataplane dpdk) the gateway runs on the DPDK dataplane instead: its two veths
# are DPDK ports (net_af_packet, --no-huge virtual devices) with no kernel addresses, the way a NIC bound to DPDK has
# none; the gateway answers ARP for 198.18.10.1 and 198.18.20.1 itself, and TCP 1723 reaches the control plane through
# the exception path (a net_tap interface pptpgw-x0 carrying 198.18.10.1, fed by the dataplane).
set -euo pipefail
cd "$(dirname "$0")/.."
DATAPLANE=kernel
while [ $# -gt 0 ]; do
  case "$1" in
    --dataplane) DATAPLANE=${2:-}; shift 2 || shift ;;
    --dataplane=*) DATAPLANE=${1#*=}; shift ;;
    *) echo "usage: $0 [--dataplane kernel|dpdk]" >&2; exit 2 ;;
  esac
done
case "$DATAPLANE" in kernel|dpdk) ;; *) echo "demo: unknown dataplane '$DATAPLANE' (kernel or dpdk)" >&2; exit 2 ;; esac
ROOT=$(pwd)
BIN="$ROOT/artifacts/bin/pptpgw"

step() { printf '\n\033[1;34m==> %s\033[0m\n' "$*"; }
info() { printf '    %s\n' "$*"; }
fail() { printf '\033[1;31mDEMO FAILED: %s\033[0m\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "run as root (network namespaces, raw GRE sockets, TUN devices)"
[ -x "$BIN" ] || fail "$BIN is missing: run ./build.sh build first"
command -v ip >/dev/null || fail "iproute2's ip is needed"
command -v ping >/dev/null || fail "ping (iputils-ping) is needed"
[ -e /dev/net/tun ] || fail "/dev/net/tun is missing (no TUN driver)"
if [ "$DATAPLANE" = dpdk ]; then
  [ -f "$ROOT/artifacts/bin/libpgwdpdk.so" ] || fail "the DPDK shim artifacts/bin/libpgwdpdk.so is missing: install dpdk libdpdk-dev and run ./build.sh build"
  command -v ethtool >/dev/null || fail "ethtool is needed (apt-get install ethtool)"
fi

SUF="$$"
NS_CLIENT="pgw-demo-client-$SUF"
NS_GW="pgw-demo-gw-$SUF"
NS_INSIDE="pgw-demo-inside-$SUF"
OUT="$ROOT/artifacts/demo"
RUN="$(mktemp -d /tmp/pptpgw-demo.XXXXXX)"
CONFIG="$OUT/pix-demo.cfg"
GW_LOG="$OUT/gateway.log"
DIAL_LOG="$OUT/dial.log"
ADMIN="$RUN/admin.sock"
PASSWORD="demo-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
GW_PID=""
DIAL_PID=""
mkdir -p "$OUT"
: >"$GW_LOG"
: >"$DIAL_LOG"

cleanup() {
  local code=$?
  set +e
  step "teardown"
  # Only the processes this script started, by PID: the client first (it hangs up), then the gateway.
  if [ -n "$DIAL_PID" ] && kill -0 "$DIAL_PID" 2>/dev/null; then
    kill -TERM "$DIAL_PID"; wait_exit "$DIAL_PID" 5 || kill -KILL "$DIAL_PID" 2>/dev/null
  fi
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then
    kill -TERM "$GW_PID"; wait_exit "$GW_PID" 5 || kill -KILL "$GW_PID" 2>/dev/null
  fi
  for ns in "$NS_CLIENT" "$NS_GW" "$NS_INSIDE"; do
    ip netns del "$ns" 2>/dev/null && info "deleted namespace $ns"
  done
  # DPDK leaves its runtime directory behind even after rte_eal_cleanup; this run's prefix is unique.
  [ "$DATAPLANE" = dpdk ] && rm -rf "/var/run/dpdk/pgw-demo-$SUF"
  rm -rf "$RUN"
  info "logs kept in ${OUT#"$ROOT"/}/ (gateway.log, dial.log, pix-demo.cfg)"
  if [ "$code" -eq 0 ]; then
    printf '\n\033[1;32mDEMO OK\033[0m (%ss)\n' "$SECONDS"
  else
    printf '\n\033[1;31mDEMO FAILED (exit %s)\033[0m; last gateway log lines:\n' "$code"
    tail -n 15 "$GW_LOG" | sed 's/^/    /'
  fi
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# wait_exit PID SECONDS: true once PID is gone (a child of this shell: wait reaps it).
wait_exit() {
  local pid=$1 tries=$(($2 * 10))
  while kill -0 "$pid" 2>/dev/null && [ $tries -gt 0 ]; do sleep 0.1; tries=$((tries - 1)); done
  ! kill -0 "$pid" 2>/dev/null
}

# wait_for FILE PATTERN SECONDS [PID]: true once FILE has a line matching PATTERN; false at the timeout or when PID died.
wait_for() {
  local file=$1 pattern=$2 tries=$(($3 * 10)) pid=${4:-}
  while [ $tries -gt 0 ]; do
    grep -qE "$pattern" "$file" && return 0
    [ -n "$pid" ] && ! kill -0 "$pid" 2>/dev/null && return 1
    sleep 0.1; tries=$((tries - 1))
  done
  return 1
}

step "network namespaces $NS_CLIENT, $NS_GW, $NS_INSIDE"
for ns in "$NS_CLIENT" "$NS_GW" "$NS_INSIDE"; do
  ip netns add "$ns"
  ip -n "$ns" link set lo up
done
# veth pairs are created inside the namespaces (no names in the host's namespace to collide with).
ip -n "$NS_GW" link add outside type veth peer name eth0 netns "$NS_CLIENT"
ip -n "$NS_GW" link add inside type veth peer name eth0 netns "$NS_INSIDE"
ip -n "$NS_CLIENT" addr add 198.18.10.2/24 dev eth0
ip -n "$NS_INSIDE" addr add 198.18.20.2/24 dev eth0
if [ "$DATAPLANE" = kernel ]; then
  ip -n "$NS_GW" addr add 198.18.10.1/24 dev outside
  ip -n "$NS_GW" addr add 198.18.20.1/24 dev inside
fi
for pair in "$NS_CLIENT eth0" "$NS_GW outside" "$NS_GW inside" "$NS_INSIDE eth0"; do
  set -- $pair; ip -n "$1" link set "$2" up
done
ip -n "$NS_INSIDE" route add default via 198.18.20.1
info "client  eth0    198.18.10.2/24"
if [ "$DATAPLANE" = kernel ]; then
  ip netns exec "$NS_GW" sysctl -qw net.ipv4.ip_forward=1
  info "gateway outside 198.18.10.1/24, inside 198.18.20.1/24, ip_forward=1 (this namespace only)"
else
  # The veths are the DPDK ports: the gateway's kernel must not answer on them (it owns 198.18.10.1 on the TAP and
  # would otherwise take ARP and TCP 1723 from the veth directly, around the exception path).
  for dev in outside inside; do
    ip netns exec "$NS_GW" sysctl -qw "net.ipv4.conf.$dev.arp_ignore=8" "net.ipv4.conf.$dev.rp_filter=1" "net.ipv6.conf.$dev.disable_ipv6=1"
  done
  ip netns exec "$NS_GW" sysctl -qw net.ipv4.conf.all.rp_filter=1
  # veths leave TCP checksums to "hardware"; a DPDK port reads frames raw, so the peers must compute them.
  ip netns exec "$NS_CLIENT" ethtool -K eth0 tx off >/dev/null
  ip netns exec "$NS_INSIDE" ethtool -K eth0 tx off >/dev/null
  info "gateway outside, inside: DPDK ports (net_af_packet), no kernel addresses; 198.18.10.1/24 on the exception TAP pptpgw-x0"
fi
info "inside  eth0    198.18.20.2/24, default via 198.18.20.1"

step "gateway configuration (PIX syntax) -> ${CONFIG#"$ROOT"/}"
cat >"$CONFIG" <<EOF
! pptpgw demo configuration: Cisco PIX 6.3 vpdn syntax
nameif ethernet0 outside security0
nameif ethernet1 inside security100
ip address outside 198.18.10.1 255.255.255.0
ip address inside 198.18.20.1 255.255.255.0
ip local pool pptp-pool 198.19.10.10-198.19.10.50
sysopt connection permit-pptp
vpdn group 1 accept dialin pptp
vpdn group 1 ppp authentication mschapv2
vpdn group 1 ppp authentication mschap
vpdn group 1 ppp encryption mppe 128 required
vpdn group 1 client configuration address local pptp-pool
vpdn group 1 client authentication local
vpdn group 1 pptp echo 60
vpdn username demo password $PASSWORD
vpdn enable outside
gateway admin-socket $ADMIN
EOF
if [ "$DATAPLANE" = kernel ]; then
  echo "gateway dataplane kernel" >>"$CONFIG"
else
  cat >>"$CONFIG" <<EOF
gateway dataplane dpdk
gateway dpdk eal --no-huge -m 512 --no-pci --no-telemetry --file-prefix pgw-demo-$SUF
gateway dpdk port outside net_af_packet0,iface=outside
gateway dpdk port inside net_af_packet1,iface=inside
EOF
fi
sed 's/^/    /' "$CONFIG"
"$BIN" check --config "$CONFIG" | sed 's/^/    /'

step "start the gateway in $NS_GW: pptpgw run --config ${CONFIG#"$ROOT"/} (log: ${GW_LOG#"$ROOT"/})"
ip netns exec "$NS_GW" "$BIN" run --config "$CONFIG" >"$GW_LOG" 2>&1 &
GW_PID=$!
wait_for "$GW_LOG" 'PPTP on' 15 "$GW_PID" || fail "the gateway did not start"
grep -E 'dataplane|PPTP on|warning|Warning' "$GW_LOG" | sed 's/^/    /'
info "pool routes: $(ip -n "$NS_GW" route show | grep pptpgw | tr '\n' ';')"

step "dial from $NS_CLIENT: pptpgw dial 198.18.10.1 --user demo --auth mschapv2 --mppe 128 --route 198.18.20.0/24"
ip netns exec "$NS_CLIENT" "$BIN" dial 198.18.10.1 --user demo --password "$PASSWORD" --auth mschapv2 --mppe 128 \
  --tun pptp0 --route 198.18.20.0/24 --timeout 15 >"$DIAL_LOG" 2>&1 &
DIAL_PID=$!
wait_for "$DIAL_LOG" 'DIAL: link up' 20 "$DIAL_PID" || { sed 's/^/    /' "$DIAL_LOG"; fail "the tunnel did not come up"; }
sed 's/^/    /' "$DIAL_LOG"
info "client routes: $(ip -n "$NS_CLIENT" route show dev pptp0 | tr '\n' ';')"

step "ping the inside host 198.18.20.2 from $NS_CLIENT through the tunnel (GRE + MPPE-128)"
PING_OK=0
ip netns exec "$NS_CLIENT" ping -c 3 -i 0.3 -W 2 198.18.20.2 | sed 's/^/    /' && PING_OK=1
ip netns exec "$NS_CLIENT" ping -c 1 -W 2 198.18.20.1 >/dev/null && info "the gateway's tunnel address 198.18.20.1 answers too"

step "pptpgw show vpdn (admin socket $ADMIN)"
"$BIN" show vpdn --admin-socket "$ADMIN" | sed 's/^/    /'

step "gateway log: the PIX messages of this call"
grep -E '%PIX-|603|109011|PPTP on|dataplane' "$GW_LOG" | grep -v 'debug' | sed 's/^/    /' || true

step "hang up (SIGTERM to the client: Call-Clear-Request, Stop-Control-Connection-Request)"
kill -TERM "$DIAL_PID"
wait_exit "$DIAL_PID" 10 || fail "the client did not hang up"
DIAL_CODE=0; wait "$DIAL_PID" || DIAL_CODE=$?
DIAL_PID=""
tail -n 2 "$DIAL_LOG" | sed 's/^/    /'
info "client exit code $DIAL_CODE"
wait_for "$GW_LOG" '603105' 5 || true
grep -E '603105' "$GW_LOG" | sed 's/^/    /'
"$BIN" show vpdn --admin-socket "$ADMIN" | sed 's/^/    /'

step "stop the gateway (SIGTERM)"
kill -TERM "$GW_PID"
wait_exit "$GW_PID" 10 || fail "the gateway did not stop"
GW_CODE=0; wait "$GW_PID" || GW_CODE=$?
GW_PID=""
tail -n 1 "$GW_LOG" | sed 's/^/    /'
info "gateway exit code $GW_CODE"

[ "$PING_OK" -eq 1 ] || fail "no reply from 198.18.20.2 through the tunnel"
[ "$DIAL_CODE" -eq 0 ] || fail "the client exited with $DIAL_CODE"
[ "$GW_CODE" -eq 0 ] || fail "the gateway exited with $GW_CODE"
