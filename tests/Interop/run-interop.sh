#!/usr/bin/env bash
# run-interop.sh - pptpgw against a real Linux PPTP client (pptp-linux 1.10 + pppd 2.4.9 in a QEMU guest).
#
# Called by './build.sh test' after the unit tests. Needs the shared client-VM harness next to the repository
# (../shared/clientvm, or $PPTPGW_SHARED/clientvm, or $PPTPGW_CLIENTVM), root (netns, taps, raw GRE socket), and
# artifacts/bin/pptpgw. On a machine that never ran it (no guest image, no KVM probe result) the suite first builds the
# guest and probes the accelerator, with a time limit of their own, before any scenario starts its clock.
# It skips (exit 0, with a clear "SKIP:" line) when one of those is missing, or when PPTPGW_SKIP_INTEROP=1.
# Every scenario and what it proves is listed in docs/INTEROP.md.
#
#   tests/Interop/run-interop.sh [SCENARIO ...]     default: every scenario, in order
#
# Environment:
#   PPTPGW_SKIP_INTEROP=1     skip the suite
#   PPTPGW_SHARED=DIR         the shared harnesses' folder (default: ../shared next to the repository)
#   PPTPGW_CLIENTVM=DIR       the clientvm harness (default: $PPTPGW_SHARED/clientvm)
#   PPTPGW_FREERADIUS=DIR     the FreeRADIUS harness for radius-mschapv2 (default: $PPTPGW_SHARED/aaa/freeradius)
#   PPTPLAB_DIR=DIR           the client-VM cache (the harness's variable; default /var/tmp/clientvm)
#   PPTPGW_INTEROP_SETUP_TIMEOUT=S  first-run set-up limit: guest build + KVM probe (default 1200 s)
#   PPTPGW_INTEROP_NETNS=NAME lab namespace (default pptplab-interop, so a colleague's 'pptplab' is never touched)
#   PPTPGW_INTEROP_OUT=DIR    logs (default artifacts/interop)
#   PPTPGW_INTEROP_PCAP=1     also capture br0 and the gateway's TUN with tcpdump (OUT/*.pcap), for debugging
#
# Exit status: 0 all scenarios passed (or skipped), 1 a scenario failed.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
NS="${PPTPGW_INTEROP_NETNS:-pptplab-interop}"
OUT="${PPTPGW_INTEROP_OUT:-$ROOT/artifacts/interop}"
GW_BIN="$ROOT/artifacts/bin/pptpgw"
SERVER_IP=198.18.0.1          # br0 of the lab netns = the gateway's outside address
INSIDE_IP=198.19.0.1          # the gateway's inside address (its TUN device, its IPCP address)
POOL="198.19.0.10-198.19.0.60"

say() { printf '[interop %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
skip() { say "SKIP: $* -- the interop suite did not run"; exit 0; }

# ------------------------------------------------------------------------------------------------ preconditions
[ "${PPTPGW_SKIP_INTEROP:-0}" = 1 ] && skip "PPTPGW_SKIP_INTEROP=1"
# The shared harnesses are found by the repository layout (../shared next to the checkout) or by the environment,
# never by a path of one particular machine.
SHARED="${PPTPGW_SHARED:-$ROOT/../shared}"
[ -d "$SHARED" ] && SHARED="$(cd "$SHARED" && pwd)"
CVM="${PPTPGW_CLIENTVM:-$SHARED/clientvm}"
FREERADIUS="${PPTPGW_FREERADIUS:-$SHARED/aaa/freeradius}"
CVM_CACHE="${PPTPLAB_DIR:-/var/tmp/clientvm}"   # where the harness keeps the guest image and its run directories
SETUP_TIMEOUT="${PPTPGW_INTEROP_SETUP_TIMEOUT:-1200}"
[ -x "$CVM/run-client.sh" ] || skip "the client-VM harness is missing ($CVM/run-client.sh not found; set PPTPGW_SHARED or PPTPGW_CLIENTVM)"
[ "$(id -u)" = 0 ] || skip "not root (the suite needs network namespaces, taps and a raw GRE socket)"
[ -x "$GW_BIN" ] || { say "FAIL: $GW_BIN is missing (run './build.sh build' first)"; exit 1; }
for tool in ip ping ss; do command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed (iproute2, iputils-ping)"; done

mkdir -p "$OUT"
rm -f "$OUT"/*.log "$OUT"/*.cfg "$OUT"/summary.txt
SUITE_START=$(date +%s)
say "client VM harness: $CVM (cache $CVM_CACHE); netns $NS; logs in $OUT"

# ensure_guest: the first-run set-up, once per suite and before any scenario: builds the guest kernel + initramfs
# (cached under $CVM_CACHE: ~5 s when cached; on a fresh machine apt installs qemu, pppd, iperf3 and the kernel
# package is unpacked, a minute or more) and picks the accelerator the way run-client.sh does (lib.sh pick_accel: on
# a host with /dev/kvm a stock kernel must boot under it, a probe of up to 2 x 30 s, cached in $CVM_CACHE/accel.cache).
# Left to the first run-client.sh, that probe would run inside a scenario whose gateway-side waits expect a guest
# that is already booting ("HOSTPING FAIL no console log" on a new machine). Its own limit: $SETUP_TIMEOUT s.
GUEST_READY=0
ensure_guest() {
  [ "$GUEST_READY" = 1 ] && return 0
  local t0=$SECONDS
  say "first-run set-up: client guest image (cache $CVM_CACHE) and accelerator probe, up to $SETUP_TIMEOUT s"
  if ! timeout "$SETUP_TIMEOUT" "$CVM/build.sh" --no-probe >"$OUT/clientvm-build.log" 2>&1; then
    tail -20 "$OUT/clientvm-build.log"
    say "FAIL: $CVM/build.sh failed or exceeded $SETUP_TIMEOUT s (log: $OUT/clientvm-build.log)"; exit 1
  fi
  # pick_accel from the harness's own lib.sh: probes only when accel.cache is missing or from another host kernel.
  if ! timeout "$SETUP_TIMEOUT" bash -c '. "$1/lib.sh" && pick_accel' _ "$CVM" >"$OUT/clientvm-accel.log" 2>&1; then
    tail -5 "$OUT/clientvm-accel.log"
    say "FAIL: the accelerator probe failed or exceeded $SETUP_TIMEOUT s (log: $OUT/clientvm-accel.log)"; exit 1
  fi
  say "client guest ready in $((SECONDS - t0)) s (accelerator: $(tail -1 "$OUT/clientvm-accel.log"))"
  GUEST_READY=1
}

# ------------------------------------------------------------------------------------------------ lab + gateway
GW_PID=""; IPERF_PID=""; NS_CREATED=0; GW_LOG=""; ADMIN=""; CLIENT_PIDS=(); RADIUS_DIR=""
cleanup() {
  # Guests still running (an interrupted scenario): SIGTERM makes run-client.sh stop its qemu and remove its tap.
  local p
  for p in "${CLIENT_PIDS[@]}"; do kill -0 "$p" 2>/dev/null && { kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null; }; done
  CLIENT_PIDS=()
  stop_gateway
  declare -F dpdk_lab_down >/dev/null && dpdk_lab_down   # the DPDK scenario's veths and inside namespace (dpdk.sh)
  if [ -n "$IPERF_PID" ]; then kill "$IPERF_PID" 2>/dev/null; wait "$IPERF_PID" 2>/dev/null; IPERF_PID=""; fi
  stop_freeradius
  [ "$NS_CREATED" = 1 ] && "$CVM/netns.sh" down "$NS" >/dev/null 2>&1
  NS_CREATED=0
}
trap cleanup EXIT
trap 'exit 130' INT TERM

if ip netns list | awk '{print $1}' | grep -qx "$NS"; then
  say "netns $NS already exists: reusing it (and leaving it in place)"
else
  "$CVM/netns.sh" up "$NS" >/dev/null || { say "FAIL: cannot create netns $NS"; exit 1; }
  NS_CREATED=1
fi
in_ns() { ip netns exec "$NS" "$@"; }

# gateway_config NAME POOL PPP-LINES...  -> writes $OUT/NAME.cfg (PIX 6.3 style, docs/CONFIG.md)
# GW_AAA_LINES (array): lines put before the vpdn lines (aaa-server ...); GW_AUTH: the 'client authentication' line
# (default 'client authentication local'), GW_ACCT: an optional 'client accounting' line.
GW_AAA_LINES=(); GW_AUTH="client authentication local"; GW_ACCT=""
gateway_config() {
  local name="$1" pool="$2"; shift 2
  local f="$OUT/$name.cfg"
  {
    echo "! generated by tests/Interop/run-interop.sh ($name)"
    [ ${#GW_AAA_LINES[@]} -gt 0 ] && printf '%s\n' "${GW_AAA_LINES[@]}"
    echo "nameif ethernet0 outside security0"
    echo "nameif ethernet1 inside security100"
    echo "ip address outside $SERVER_IP 255.255.255.0"
    echo "ip address inside $INSIDE_IP 255.255.255.0"
    echo "ip local pool interop-pool $pool"
    echo "sysopt connection permit-pptp"
    echo "vpdn group 1 accept dialin pptp"
    printf 'vpdn group 1 %s\n' "$@"
    echo "vpdn group 1 client configuration address local interop-pool"
    echo "vpdn group 1 client configuration dns $INSIDE_IP"
    echo "vpdn group 1 $GW_AUTH"
    # The durable accounting spool of this run only (the default /var/lib/pptpgw/accounting would carry one run's
    # unacknowledged records into the next, and the lab runs as root): docs/ACCOUNTING.md.
    [ -n "$GW_ACCT" ] && echo "vpdn group 1 $GW_ACCT" && echo "accounting spool $(realpath -m "$OUT")/acct-spool-$name"
    # 10 s keepalive (PIX default 60): a guest that powers off abruptly can lose its Call-Clear-Request and FIN in
    # QEMU's tap queue (seen once in CI, two-guests); the gateway must then find the dead peer itself (RFC 2637
    # §4.1 Echo-Request), within expect_idle's 30 s. It also exercises pptp-linux's Echo-Reply in every scenario.
    echo "vpdn group 1 pptp echo 10"
    local u
    for u in alice bob carol dave erin frank grace heidi; do
      echo "vpdn username $u password $u-pass"
    done
    echo "vpdn enable outside"
  } >"$f"
  echo "$f"
}

# start_gateway NAME CONFIG
start_gateway() {
  local name="$1" cfg="$2"
  GW_LOG="$OUT/gateway-$name.log"; ADMIN="/tmp/pptpgw-interop.$$.$name.sock"  # short: sun_path is 108 bytes
  rm -f "$ADMIN"
  say "gateway '$name': $(grep -E '^vpdn group 1 ppp|^ip local pool' "$cfg" | sed 's/^vpdn group 1 //' | paste -sd';' -)"
  ip netns exec "$NS" "$GW_BIN" run --config "$cfg" --admin-socket "$ADMIN" >"$GW_LOG" 2>&1 &
  GW_PID=$!
  local end=$((SECONDS + 60))  # a loaded machine's first JIT of the gateway; it is up in ~1 s when quiet
  while [ $SECONDS -lt $end ]; do
    if ! kill -0 "$GW_PID" 2>/dev/null; then
      wait "$GW_PID" 2>/dev/null; local rc=$?; GW_PID=""
      sed 's/^/    gateway: /' "$GW_LOG" | tail -20
      if grep -q 'not part of this build' "$GW_LOG"; then
        skip "this build of pptpgw has no kernel dataplane yet ('pptpgw run' refused to start)"
      fi
      say "FAIL: the gateway exited at start-up (status $rc)"; exit 1
    fi
    if in_ns ss -Hltn "sport = :1723" 2>/dev/null | grep -q . && [ -S "$ADMIN" ]; then
      start_capture "$name"
      return 0
    fi
    sleep 0.1
  done
  say "FAIL: the gateway is not listening on $SERVER_IP:1723 after 60 s"; sed 's/^/    gateway: /' "$GW_LOG" | tail -20
  exit 1
}

CAPTURE_PIDS=()
start_capture() {
  [ "${PPTPGW_INTEROP_PCAP:-0}" = 1 ] && command -v tcpdump >/dev/null 2>&1 || return 0
  local dev
  for dev in br0 $(ip -n "$NS" -o link show type tun 2>/dev/null | awk -F': ' '{print $2}' | cut -d@ -f1); do
    ip netns exec "$NS" tcpdump -i "$dev" -s 200 -U -w "$OUT/$1-$dev.pcap" 2>/dev/null &
    CAPTURE_PIDS+=("$!")
  done
}
stop_gateway() {
  local p
  for p in "${CAPTURE_PIDS[@]}"; do kill "$p" 2>/dev/null; wait "$p" 2>/dev/null; done
  CAPTURE_PIDS=()
  [ -n "$GW_PID" ] || return 0
  # The namespace's IP/ICMP counters (InUnknownProtos, OutDestUnreachs, ReasmOKs, ...) for the record.
  ip netns exec "$NS" cat /proc/net/snmp >"${GW_LOG%.log}.snmp" 2>/dev/null
  kill -TERM "$GW_PID" 2>/dev/null
  local i
  for i in $(seq 1 100); do kill -0 "$GW_PID" 2>/dev/null || break; sleep 0.1; done
  if kill -0 "$GW_PID" 2>/dev/null; then
    say "gateway (pid $GW_PID) still running 10 s after SIGTERM: SIGKILL"; kill -KILL "$GW_PID" 2>/dev/null
  fi
  wait "$GW_PID" 2>/dev/null
  GW_PID=""
  rm -f "$ADMIN"
}

admin() { "$GW_BIN" "$@" --admin-socket "$ADMIN" 2>&1; }

# ------------------------------------------------------------------------------------------------ checks
FAILED=(); PASSED=(); SKIPPED=()
CUR=""; CUR_OK=1; CUR_LOG=""; CUR_CONSOLE=""
begin() { CUR="$1"; CUR_OK=1; say "=== $CUR: $2"; }
fail() { CUR_OK=0; say "  FAIL: $*"; }
ok() { say "  ok   $*"; }
end() {
  if [ "$CUR_OK" = 1 ]; then PASSED+=("$CUR"); say "=== $CUR: PASS"
  else
    FAILED+=("$CUR"); say "=== $CUR: FAIL (client output: ${CUR_LOG:-none}; gateway log: $GW_LOG)"
    [ -n "$GW_LOG" ] && tail -25 "$GW_LOG" | sed 's/^/    gateway: /'
  fi
  echo "$CUR $([ "$CUR_OK" = 1 ] && echo PASS || echo FAIL)" >>"$OUT/summary.txt"
}

# client_start NAME USER PASSWORD [run-client.sh options]: boots a guest in the background; BG_PID = run-client.sh.
client_start() {
  local name="$1" user="$2" pass="$3"; shift 3
  ensure_guest
  "$CVM/run-client.sh" "$SERVER_IP" "$user" "$pass" --netns "$NS" --quiet "$@" >"$OUT/client-$name.log" 2>&1 &
  BG_PID=$!
  CLIENT_PIDS+=("$BG_PID")
}
# client_wait NAME PID EXPECTED-EXIT: waits for that guest; checks run-client.sh's exit status (README: 0 up and
# ping/iperf OK, 2 tunnel not up, 3 ping failed, 4 iperf3 failed, 5 guest hung). Sets CUR_LOG and CUR_CONSOLE.
client_wait() {
  local name="$1" pid="$2" want="$3" rc
  wait "$pid"; rc=$?
  CUR_LOG="$OUT/client-$name.log"
  CUR_CONSOLE=$(grep -a '^console log:' "$CUR_LOG" | awk '{print $3}' | tail -1)
  [ -n "$CUR_CONSOLE" ] || CUR_CONSOLE="$CUR_LOG"
  if [ "$rc" = "$want" ]; then ok "run-client.sh $name exited $rc ($(grep -a -E '^(qemu start -> tunnel up|total run)' "$CUR_LOG" | awk -F: '{gsub(/ +/," ",$2); printf "%s:%s; ", $1, $2}'))"
  else
    fail "run-client.sh $name exited $rc, expected $want"
    grep -a -E '^(  PPTPLAB-|result:)' "$CUR_LOG" | sed 's/^/    /'
    sed -n '/^----- BEGIN pppd log/,/^----- END pppd log/p' "$CUR_CONSOLE" | tr -d '\r' \
      | grep -a -E 'rcvd|sent|fail|refus|MPPE|CHAP|PAP|LCP|IP address|Connection|Modem' | tail -40 | sed 's/^/    pppd: /'
  fi
}
# client NAME EXPECTED-EXIT USER PASSWORD [options]: one guest, in the foreground.
client() {
  local name="$1" want="$2"; shift 2
  client_start "$name" "$@"
  client_wait "$name" "$BG_PID" "$want"
}

# expect_log FILE REGEX WHAT: the client's pppd logged the line that proves WHAT.
expect_log() {
  local file="$1" re="$2" what="$3" line
  line=$(grep -a -m1 -E "$re" "$file" 2>/dev/null | tr -d '\r')
  if [ -n "$line" ]; then ok "$what: '$line'"; else fail "$what: no line matching /$re/ in $file"; fi
}

# expect_idle: show vpdn lists nothing (every tunnel and session torn down, the pool address released).
expect_idle() {
  local out end=$((SECONDS + 30))
  while :; do
    out=$(admin show vpdn)
    grep -q 'No active PPTP tunnels' <<<"$out" && { ok "show vpdn afterwards: '% No active PPTP tunnels'"; return 0; }
    [ $SECONDS -lt $end ] || break
    sleep 0.2
  done
  fail "show vpdn still lists state 30 s after the client left:"; sed 's/^/    /' <<<"$out"
}

expect_gateway_alive() {
  if [ -n "$GW_PID" ] && kill -0 "$GW_PID" 2>/dev/null; then ok "gateway still running"; else fail "the gateway died"; fi
}

# client_address CONSOLE-LOG TIMEOUT -> the client's tunnel address, as soon as the guest reports the tunnel up
# ("PPTPLAB-TUNNEL-UP iface=ppp0 local=A.B.C.D ..."; the pppd log itself is printed only after hang-up).
client_address() {
  local log="$1" a end=$((SECONDS + $2))
  while [ $SECONDS -lt $end ]; do
    a=$(grep -a -m1 '^PPTPLAB-TUNNEL-UP' "$log" 2>/dev/null | grep -o 'local=[0-9.]*' | cut -d= -f2)
    [ -n "$a" ] && { echo "$a"; return 0; }
    grep -a -q '^PPTPLAB-RESULT' "$log" 2>/dev/null && return 1
    sleep 0.2
  done
  return 1
}

# console_of PID: console.log of the run-client.sh with that pid (its run directory, $CVM_CACHE/runs/client-*-PID).
# run-client.sh creates it only after its own set-up (checks, the accelerator choice), so this waits as long as that
# run-client.sh is alive (bounded by SETUP_TIMEOUT), not for a fixed time.
console_of() {
  local pid="$1" d end=$((SECONDS + SETUP_TIMEOUT))
  while [ $SECONDS -lt $end ]; do
    d=$(ls -d "$CVM_CACHE"/runs/client-*-"$pid" 2>/dev/null | tail -1)
    [ -n "$d" ] && { echo "$d/console.log"; return 0; }
    kill -0 "$pid" 2>/dev/null || return 1
    sleep 0.2
  done
  return 1
}

# host_ping_client RUN-CLIENT-PID NAME: once that client is up, ping it from the gateway's namespace (downstream
# direction: TUN -> gateway -> GRE -> guest), small and full-size (1468 bytes of ICMP data = 1496-byte IP packets,
# pppd's default MTU). Writes $OUT/hostping-NAME.log and prints its verdict line.
host_ping_client() {
  local pid="$1" name="$2" console addr log="$OUT/hostping-$2.log"
  console=$(console_of "$pid") || { echo "HOSTPING FAIL no console log for pid $pid under $CVM_CACHE/runs" >"$log"; return; }
  addr=$(client_address "$console" 90) || { echo "HOSTPING FAIL client got no address" >"$log"; return; }
  {
    echo "client address $addr"
    if in_ns ping -c 3 -i 0.3 -W 5 "$addr" && in_ns ping -c 3 -i 0.3 -W 5 -s 1468 "$addr"; then
      echo "HOSTPING OK $addr (56 and 1468 bytes)"
    else
      echo "HOSTPING FAIL $addr"
    fi
  } >"$log" 2>&1
}
expect_host_ping() {
  local name="$1" log="$OUT/hostping-$1.log"
  if grep -q '^HOSTPING OK' "$log" 2>/dev/null; then ok "gateway-side ping to the client: $(grep '^HOSTPING OK' "$log")"
  else fail "gateway-side ping to the client failed: $(tail -3 "$log" 2>/dev/null | paste -sd' ' -)"; fi
}

# ------------------------------------------------------------------------------------------------ scenarios
# Each scenario boots one guest (two for 'two-guests'); they are ordered so that one gateway configuration serves a
# run of them. A scenario relies on nothing but the gateway started before it.


sc_mschapv2_stateless() {
  begin mschapv2-stateless "MS-CHAPv2 + MPPE-128 stateless (pppd's default); ping + iperf3 both ways with full-size packets; gateway-side ping; graceful hang-up"
  ensure_iperf_server
  client_start mschapv2-stateless alice alice-pass --mppe 128 --ping "$INSIDE_IP" \
    --iperf "$INSIDE_IP" --iperf-seconds 5 --seconds 3 --hangup graceful
  local pid=$BG_PID
  host_ping_client "$pid" mschapv2-stateless
  client_wait mschapv2-stateless "$pid" 0
  expect_log "$CUR_CONSOLE" 'rcvd \[LCP ConfReq .*<auth chap MS-v2>' "LCP: the gateway asks for MS-CHAPv2"
  expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "MS-CHAPv2 (pppd checked the gateway's S= authenticator)"
  expect_log "$CUR_CONSOLE" '^MPPE 128-bit stateless compression enabled' "MPPE-128 stateless"
  expect_log "$CUR_CONSOLE" '^local +IP address 198\.19\.0\.' "address from the pool"
  expect_log "$CUR_CONSOLE" "^remote IP address $INSIDE_IP" "the gateway's tunnel address"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-PING: OK' "ping through the tunnel"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-IPERF: dir=up .*mbps=[0-9]' "iperf3 client -> gateway (1496-byte IP packets: the GRE arrives fragmented)"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-IPERF: dir=down .*mbps=[0-9]' "iperf3 gateway -> client (-R)"
  expect_log "$CUR_CONSOLE" 'sent \[LCP TermReq' "graceful hang-up: the client sent LCP TermReq"
  expect_log "$CUR_CONSOLE" 'rcvd \[LCP TermAck' "graceful hang-up: the gateway answered TermAck"
  expect_host_ping mschapv2-stateless
  expect_idle
  end
}

sc_wrong_password() {
  begin wrong-password "MS-CHAPv2 with a wrong password: the client fails cleanly (exit 2), the gateway keeps serving"
  client wrong-password 2 bob not-bobs-password --mppe 128 --timeout 20
  expect_log "$CUR_CONSOLE" 'rcvd \[CHAP Failure .*E=691' "CHAP Failure E=691 (authentication failure)"
  expect_log "$CUR_CONSOLE" '^CHAP authentication failed' "pppd: CHAP authentication failed"
  expect_gateway_alive
  expect_idle
  end
}

# expect_no_log FILE REGEX WHAT: the client's pppd never logged such a line (and its log is there: it has a 'sent [LCP').
expect_no_log() {
  local file="$1" re="$2" what="$3" line
  if ! grep -a -q 'sent \[LCP ConfReq' "$file" 2>/dev/null; then fail "$what: no pppd log in $file"; return; fi
  line=$(grep -a -m1 -E "$re" "$file" 2>/dev/null | tr -d '\r')
  if [ -z "$line" ]; then ok "$what: no line matching /$re/"; else fail "$what: '$line'"; fi
}

# Issue 9 item 5: under 'mppe ... required' the gateway starts IPCP only once CCP is Opened with MPPE (pppd's
# start_networks -> continue_networks from ccp_up). A client refusing MPPE (pppd nomppe: CCP without MPPE; noccp: CCP
# Protocol-Rejected) must never hear IPCP from the gateway: no address, no ip-up, no cleartext window.
sc_mppe_refused() {
  begin mppe-refused "MPPE required, clients refusing it (pppd nomppe; pppd noccp): LCP TermReq 'mppe required but not active', and not one IPCP packet from the gateway"
  local variant
  for variant in nomppe noccp; do
    if [ "$variant" = nomppe ]; then
      client mppe-refused-nomppe 2 alice alice-pass --mppe none --timeout 20
    else
      client mppe-refused-noccp 2 alice alice-pass --mppe none --pppd-opt noccp --timeout 20
    fi
    expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "$variant: MS-CHAPv2 (the session reached the network phase)"
    expect_log "$CUR_CONSOLE" 'sent \[IPCP ConfReq' "$variant: the client asked for IPCP"
    expect_no_log "$CUR_CONSOLE" 'rcvd \[IPCP' "$variant: the gateway sent no IPCP packet"
    expect_no_log "$CUR_CONSOLE" '^local +IP address' "$variant: the client got no address"
    expect_log "$CUR_CONSOLE" 'rcvd \[LCP TermReq .*mppe required but not active' "$variant: LCP TermReq with the reference's reason"
  done
  expect_gateway_alive
  expect_idle
  end
}

# iperf3 server in the gateway's namespace: the clients reach it at the gateway's inside address (its TUN's).
ensure_iperf_server() {
  [ -n "$IPERF_PID" ] && kill -0 "$IPERF_PID" 2>/dev/null && return 0
  ip netns exec "$NS" iperf3 -s >"$OUT/iperf3-server.log" 2>&1 &
  IPERF_PID=$!
  local end=$((SECONDS + 30))
  until in_ns ss -Hltn "sport = :5201" 2>/dev/null | grep -q . || [ $SECONDS -ge $end ]; do sleep 0.1; done
}

sc_mschapv2_stateful() {
  begin mschapv2-stateful "MS-CHAPv2 + MPPE-128 stateful (gateway prefers stateful, client allows it); iperf3 both ways; abrupt hang-up (poff)"
  ensure_iperf_server
  client mschapv2-stateful 0 bob bob-pass --mppe stateful --ping "$INSIDE_IP" --iperf "$INSIDE_IP" --iperf-seconds 3 --hangup abrupt
  expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "MS-CHAPv2"
  expect_log "$CUR_CONSOLE" '^MPPE 128-bit stateful compression enabled' "MPPE-128 stateful"
  expect_log "$CUR_CONSOLE" '^local +IP address 198\.19\.0\.' "address from the pool"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-PING: OK' "ping through the tunnel"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-IPERF: dir=up .*mbps=[0-9]' "iperf3 up (stateful)"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-IPERF: dir=down .*mbps=[0-9]' "iperf3 down (stateful)"
  expect_idle
  end
}

sc_mschapv2_mppe40() {
  begin mschapv2-mppe40 "MS-CHAPv2 + MPPE-40 (require-mppe-40)"
  client mschapv2-mppe40 0 carol carol-pass --mppe 40 --ping "$INSIDE_IP"
  expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "MS-CHAPv2"
  expect_log "$CUR_CONSOLE" '^MPPE 40-bit stateless compression enabled' "MPPE-40 stateless"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-PING: OK' "ping through the tunnel"
  expect_idle
  end
}

sc_mschapv1() {
  begin mschapv1-mppe128 "MS-CHAP v1 + MPPE-128 (the client refuses MS-CHAPv2: LCP falls back to the next method)"
  client mschapv1-mppe128 0 dave dave-pass --auth mschap --mppe 128 --ping "$INSIDE_IP"
  expect_log "$CUR_CONSOLE" 'sent \[LCP ConfAck .*<auth chap MS>' "LCP: MS-CHAP v1 agreed"
  expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "MS-CHAP v1"
  expect_log "$CUR_CONSOLE" '^MPPE 128-bit stateless compression enabled' "MPPE-128 stateless from MS-CHAP v1 keys"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-PING: OK' "ping through the tunnel"
  expect_idle
  end
}

sc_two_guests() {
  begin two-guests "two clients at once (tap0 198.18.0.2 and tap1 198.18.0.3)"
  client_start two-guests-a erin erin-pass --ping "$INSIDE_IP" --ping-count 8 --seconds 8
  local pa=$BG_PID
  client_start two-guests-b frank frank-pass --tap tap1 --guest-ip 198.18.0.3 --ping "$INSIDE_IP" --ping-count 8 --seconds 8
  local pb=$BG_PID i seen=""
  for i in $(seq 1 600); do
    local view; view=$(admin show vpdn)
    # Both sessions up: two tunnels and two sessions with their pool addresses.
    if grep -q 'Total tunnels=2 sessions=2' <<<"$view" && [ "$(grep -c 'Client address 198\.19\.' <<<"$view")" = 2 ]; then
      seen=1; printf '%s\n' "$view" >"$OUT/two-guests-show-vpdn.txt"; break
    fi
    kill -0 "$pa" 2>/dev/null || kill -0 "$pb" 2>/dev/null || break
    sleep 0.2
  done
  if [ -n "$seen" ]; then ok "show vpdn: 'Total tunnels=2 sessions=2', both with a client address, while both were up"
  else fail "show vpdn never listed two tunnels at once"; fi
  client_wait two-guests-a "$pa" 0; local ca="$CUR_CONSOLE"
  client_wait two-guests-b "$pb" 0; local cb="$CUR_CONSOLE"
  expect_log "$ca" '^MPPE 128-bit stateless compression enabled' "guest A: MPPE-128"
  expect_log "$cb" '^MPPE 128-bit stateless compression enabled' "guest B: MPPE-128"
  expect_log "$ca" '^PPTPLAB-PING: OK' "guest A: ping"
  expect_log "$cb" '^PPTPLAB-PING: OK' "guest B: ping"
  local aa ab
  aa=$(grep -a -m1 -E '^local +IP address' "$ca" | awk '{print $4}' | tr -d '\r')
  ab=$(grep -a -m1 -E '^local +IP address' "$cb" | awk '{print $4}' | tr -d '\r')
  if [ -n "$aa" ] && [ -n "$ab" ] && [ "$aa" != "$ab" ]; then ok "distinct addresses: $aa and $ab"
  else fail "the two guests' addresses: '$aa' and '$ab'"; fi
  expect_idle
  end
}

sc_chap_clear() {
  begin chap-clear "CHAP (MD5) without MPPE; graceful hang-up; single-address pool"
  client chap-clear 0 grace grace-pass --auth chap --mppe none --ping "$INSIDE_IP" --hangup graceful
  expect_log "$CUR_CONSOLE" 'sent \[LCP ConfAck .*<auth chap MD5>' "LCP: CHAP-MD5 agreed"
  expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "CHAP-MD5"
  expect_log "$CUR_CONSOLE" '^local +IP address 198\.19\.0\.10' "the pool's only address"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-PING: OK' "ping through the tunnel (clear)"
  if grep -a -q 'compression enabled' "$CUR_CONSOLE"; then fail "a compression/encryption method was enabled"; else ok "no MPPE"; fi
  expect_idle
  end
}

sc_pap_clear() {
  begin pap-clear "PAP without MPPE (the client refuses CHAP: LCP falls back to PAP); the single pool address is free again"
  client pap-clear 0 heidi heidi-pass --auth pap --mppe none --ping "$INSIDE_IP"
  expect_log "$CUR_CONSOLE" 'sent \[LCP ConfAck .*<auth pap>' "LCP: PAP agreed"
  expect_log "$CUR_CONSOLE" '^PAP authentication succeeded' "PAP"
  expect_log "$CUR_CONSOLE" '^local +IP address 198\.19\.0\.10' "the address the previous client released"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-PING: OK' "ping through the tunnel (clear)"
  expect_idle
  end
}

# ------------------------------------------------------------------------------------------------ FreeRADIUS
# The shared harness (../shared/aaa/freeradius, README there) runs a throw-away FreeRADIUS 3.2 inside the lab
# namespace, on its loopback: the gateway reaches it at 127.0.0.1 as an 'aaa-server ... (inside) host'. Ports of their
# own (not the harness's 18120/18130 defaults, nor the integration tests' 18126/18136), a DIR of our own.
RADIUS_AUTH_PORT=18127
RADIUS_ACCT_PORT=18137
RADIUS_SKIP=""
radius_env() { env FR_AUTH_PORT=$RADIUS_AUTH_PORT FR_ACCT_PORT=$RADIUS_ACCT_PORT FR_DEBUG=0 FR_REJECT_DELAY=0 "$@"; }
# start_freeradius: 0 = up (RADIUS_DIR set); 1 = cannot run here, with the reason in RADIUS_SKIP.
start_freeradius() {
  if [ ! -x "$FREERADIUS/start.sh" ] || [ ! -x "$FREERADIUS/stop.sh" ]; then
    RADIUS_SKIP="the FreeRADIUS harness is missing ($FREERADIUS/start.sh not found; set PPTPGW_FREERADIUS)"; return 1
  fi
  RADIUS_DIR=$(mktemp -d /tmp/pptpgw-interop-radius.XXXXXX)
  say "starting FreeRADIUS in $NS (auth $RADIUS_AUTH_PORT, acct $RADIUS_ACCT_PORT, DIR $RADIUS_DIR)"
  # start.sh installs freeradius with apt-get when it is missing (we are root); that and the start itself are the
  # 'cannot run here' cases: this scenario is skipped, not failed.
  if ! radius_env ip netns exec "$NS" "$FREERADIUS/start.sh" "$RADIUS_DIR" >"$OUT/freeradius-start.log" 2>&1 \
     || ! grep -q '^FREERADIUS_PID=' "$OUT/freeradius-start.log"; then
    tail -5 "$OUT/freeradius-start.log" | sed 's/^/    freeradius: /'
    RADIUS_SKIP="FreeRADIUS could not be installed or started (log: $OUT/freeradius-start.log)"
    stop_freeradius; return 1
  fi
  return 0
}
stop_freeradius() {
  [ -n "$RADIUS_DIR" ] || return 0
  # Keep the server's records with the other logs before --purge deletes DIR.
  cp -f "$RADIUS_DIR/log/radacct/detail" "$OUT/freeradius-detail.txt" 2>/dev/null
  cp -f "$RADIUS_DIR/radius.log" "$OUT/freeradius.log" 2>/dev/null
  "$FREERADIUS/stop.sh" "$RADIUS_DIR" --purge >/dev/null 2>&1
  rm -rf "$RADIUS_DIR"  # --purge removes DIR only once raddb was laid out
  RADIUS_DIR=""
}
# radius_record STATUS USER: the first block of the detail file with that Acct-Status-Type and User-Name, if any.
radius_record() {
  awk -v st="$1" -v user="$2" 'BEGIN { RS = "" }
    $0 ~ ("\tAcct-Status-Type = " st "\n") && $0 ~ ("\tUser-Name = \"" user "\"") { print; exit }' \
    "$RADIUS_DIR/log/radacct/detail" 2>/dev/null
}
expect_radius_record() {
  local st="$1" user="$2" rec end=$((SECONDS + 30))
  while :; do
    rec=$(radius_record "$st" "$user")
    [ -n "$rec" ] || [ $SECONDS -ge $end ] && break
    sleep 0.2
  done
  if [ -n "$rec" ]; then
    ok "FreeRADIUS detail: Accounting $st for $user ($(grep -E 'Acct-Session-Id|Framed-IP-Address|Acct-Session-Time|Acct-Terminate-Cause' <<<"$rec" | tr -d '\t"' | paste -sd',' - | sed 's/ = /=/g'))"
  else
    fail "no Acct-Status-Type = $st for $user in $RADIUS_DIR/log/radacct/detail within 30 s"
  fi
}

sc_radius_mschapv2() {
  begin radius-mschapv2 "MS-CHAPv2 + MPPE-128 with 'client authentication aaa' against FreeRADIUS: the MPPE keys come from RADIUS (MS-MPPE-Send/Recv-Key); accounting Start and Stop"
  client_start radius-mschapv2 alice alice-pass --auth mschapv2 --mppe 128 --ping "$INSIDE_IP" --seconds 4 --hangup graceful
  local pid=$BG_PID i view seen=""
  for i in $(seq 1 600); do
    view=$(admin show vpdn)
    # The call is 'estabd' before PPP authentication ends ("Not authenticated"): wait for the authenticator line.
    if grep -q 'Session username is alice, state is estabd' <<<"$view" && grep -q 'Authenticated by' <<<"$view"; then
      seen=1; printf '%s\n' "$view" >"$OUT/radius-mschapv2-show-vpdn.txt"; break
    fi
    kill -0 "$pid" 2>/dev/null || break
    sleep 0.2
  done
  if [ -n "$seen" ] && grep -q "Authenticated by RAD 127\.0\.0\.1:$RADIUS_AUTH_PORT" <<<"$view"; then
    ok "show vpdn while up: '$(grep -o "Authenticated by RAD [0-9.:]*" <<<"$view")'"
  elif [ -n "$seen" ]; then fail "show vpdn while up does not name the RADIUS server:"; sed 's/^/    /' <<<"$view"
  else fail "show vpdn never listed alice's session as estabd and authenticated"; fi
  client_wait radius-mschapv2 "$pid" 0
  expect_log "$CUR_CONSOLE" 'rcvd \[LCP ConfReq .*<auth chap MS-v2>' "LCP: the gateway asks for MS-CHAPv2"
  expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "MS-CHAPv2 (pppd checked FreeRADIUS's S= authenticator)"
  expect_log "$CUR_CONSOLE" '^MPPE 128-bit stateless compression enabled' "MPPE-128 stateless, gateway keys from RADIUS"
  expect_log "$CUR_CONSOLE" '^local +IP address 198\.19\.0\.' "address from the pool"
  expect_log "$CUR_CONSOLE" '^PPTPLAB-PING: OK' "ping through the tunnel (the RADIUS keys and pppd's agree)"
  expect_log "$GW_LOG" '603103: .*user: alice aaa authentication succeed' "gateway: RADIUS authentication"
  expect_radius_record Start alice
  expect_radius_record Stop alice
  local sid_start sid_stop
  sid_start=$(radius_record Start alice | awk -F' = ' '/Acct-Session-Id/ {gsub(/"/, "", $2); print $2}')
  sid_stop=$(radius_record Stop alice | awk -F' = ' '/Acct-Session-Id/ {gsub(/"/, "", $2); print $2}')
  if [ -n "$sid_start" ] && [ "$sid_start" = "$sid_stop" ]; then ok "Start and Stop carry the same Acct-Session-Id $sid_start"
  else fail "Acct-Session-Id of Start '$sid_start' and of Stop '$sid_stop' differ"; fi
  expect_idle
  end
}

# ------------------------------------------------------------------------------------------------ DPDK
# dpdk-mschapv2: the gateway on the DPDK dataplane (issue 13); its lab and checks are in dpdk.sh.
# shellcheck source=dpdk.sh
. "$ROOT/tests/Interop/dpdk.sh"

# ------------------------------------------------------------------------------------------------ main
ALL=(mschapv2-stateless wrong-password mppe-refused mschapv2-mppe40 mschapv1-mppe128 two-guests mschapv2-stateful chap-clear pap-clear
     radius-mschapv2 dpdk-mschapv2)
WANT=("$@"); [ ${#WANT[@]} -eq 0 ] && WANT=("${ALL[@]}")
wants() { local w; for w in "${WANT[@]}"; do [ "$w" = "$1" ] && return 0; done; return 1; }
for w in "${WANT[@]}"; do
  printf '%s\n' "${ALL[@]}" | grep -qx "$w" || { say "unknown scenario '$w' (known: ${ALL[*]})"; exit 1; }
done

# The first-run set-up before any scenario (and before any gateway): a new machine builds the guest here.
ensure_guest

# Gateway 1: MS-CHAPv2 then MS-CHAP v1, MPPE of any strength, required.
if wants mschapv2-stateless || wants wrong-password || wants mppe-refused || wants mschapv2-mppe40 \
   || wants mschapv1-mppe128 || wants two-guests; then
  start_gateway mppe "$(gateway_config mppe "$POOL" 'ppp authentication mschapv2' 'ppp authentication mschap' \
    'ppp encryption mppe auto required')"
  wants mschapv2-stateless && sc_mschapv2_stateless
  wants wrong-password && sc_wrong_password
  wants mppe-refused && sc_mppe_refused
  wants mschapv2-mppe40 && sc_mschapv2_mppe40
  wants mschapv1-mppe128 && sc_mschapv1
  wants two-guests && sc_two_guests
  stop_gateway
fi

# Gateway 2: MS-CHAPv2, MPPE-128 required, stateful mode preferred (extension line).
if wants mschapv2-stateful; then
  start_gateway stateful "$(gateway_config stateful "$POOL" 'ppp authentication mschapv2' \
    'ppp encryption mppe 128 required' 'ppp encryption mppe stateful')"
  sc_mschapv2_stateful
  stop_gateway
fi

# Gateway 3: CHAP then PAP, no MPPE; one pool address, so the second client proves the first one's was released.
if wants chap-clear || wants pap-clear; then
  start_gateway clear "$(gateway_config clear 198.19.0.10 'ppp authentication chap' 'ppp authentication pap')"
  wants chap-clear && sc_chap_clear
  wants pap-clear && sc_pap_clear
  stop_gateway
fi

# Gateway 4: MS-CHAPv2 + MPPE-128 required, users authenticated (and accounted) by FreeRADIUS in the lab namespace.
if wants radius-mschapv2; then
  if start_freeradius; then
    GW_AAA_LINES=("aaa-server RAD protocol radius"
                  "aaa-server RAD (inside) host 127.0.0.1 testing123 timeout 2 port $RADIUS_AUTH_PORT acct-port $RADIUS_ACCT_PORT")
    GW_AUTH="client authentication aaa RAD"; GW_ACCT="client accounting RAD"
    start_gateway radius "$(gateway_config radius "$POOL" 'ppp authentication mschapv2' 'ppp encryption mppe 128 required')"
    GW_AAA_LINES=(); GW_AUTH="client authentication local"; GW_ACCT=""
    sc_radius_mschapv2
    stop_gateway
    stop_freeradius
  else
    say "SKIP: radius-mschapv2: $RADIUS_SKIP"
    SKIPPED+=(radius-mschapv2); echo "radius-mschapv2 SKIP" >>"$OUT/summary.txt"
  fi
fi

# Gateway 5: MS-CHAPv2 + MPPE-128 on the DPDK dataplane. Skipped where DPDK cannot run; a failure when libdpdk is
# installed but the shim was not built (./build.sh build builds native/ and copies libpgwdpdk.so next to the binary).
if wants dpdk-mschapv2; then
  if DPDK_SKIP=$(dpdk_missing); then
    say "SKIP: dpdk-mschapv2: $DPDK_SKIP"
    SKIPPED+=(dpdk-mschapv2); echo "dpdk-mschapv2 SKIP" >>"$OUT/summary.txt"
  elif [ ! -f "$(dirname "$GW_BIN")/libpgwdpdk.so" ]; then
    begin dpdk-mschapv2 "the gateway on the DPDK dataplane"
    fail "libdpdk is installed but the DPDK shim $(dirname "$GW_BIN")/libpgwdpdk.so was not built (./build.sh build runs native/build.sh and copies it)"
    end
  else
    sc_dpdk_mschapv2
  fi
fi

cleanup
ELAPSED=$(( $(date +%s) - SUITE_START ))
say "passed: ${#PASSED[@]} (${PASSED[*]:-none}); failed: ${#FAILED[@]} (${FAILED[*]:-none}); skipped: ${#SKIPPED[@]} (${SKIPPED[*]:-none}); ${ELAPSED} s"
[ ${#FAILED[@]} -eq 0 ] || { say "INTEROP: FAIL"; exit 1; }
say "INTEROP: PASS"
