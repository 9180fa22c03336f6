# dpdk.sh - the interop scenario 'dpdk-mschapv2': the real pppd client through the DPDK dataplane (issue 13).
# Sourced by run-interop.sh (it uses that script's helpers: say, begin/ok/fail/end, client_start, client_wait,
# expect_log, expect_idle, start_gateway, stop_gateway, admin, in_ns, console_of, client_address).
#
# Lab, added to the suite's namespace for this scenario only and removed afterwards:
#
#   guest 198.18.0.2 -- tap0 -- br0 (its address 198.18.0.1 taken away for the scenario) -- dpo-br =veth= dpo
#     dpo: the gateway's outside DPDK port (net_af_packet0), no kernel address; the gateway answers ARP for 198.18.0.1
#     and hands TCP 1723 to its kernel through the exception TAP pptpgw-x0 (198.18.0.1/24)
#   dpi =veth= eth0 in netns $NS-dpin (198.19.1.2/24, route to the pool via 198.19.1.1)
#     dpi: the gateway's inside DPDK port (net_af_packet1); its inside exception TAP pptpgw-x1 has 198.19.1.1/24
#   pool 198.19.0.10-198.19.0.60, routed by the gateway into pptpgw-x1
#
# Skipped (with the reason) where DPDK cannot run: no libdpdk 22.11 or its net_af_packet PMD, no /dev/net/tun, no
# ethtool. Failed, not skipped, when libdpdk is there but the shim (artifacts/bin/libpgwdpdk.so) was not built: the
# same rule as tests/Integration/DpdkIntegrationTests.cs.

DPDK_INSIDE_IP=198.19.1.1      # the gateway's inside address (inside TAP); IPCP's remote address
DPDK_INSIDE_HOST=198.19.1.2    # a host on the inside LAN, behind the inside DPDK port
DPDK_INSIDE_NS="$NS-dpin"
DPDK_PREFIX="pgw-interop-$$"   # the EAL's --file-prefix (its runtime directory under /var/run/dpdk)
DPDK_LAB=0

# dpdk_missing: prints why DPDK cannot run here (and returns 0), or returns 1 when it can.
dpdk_missing() {
  local d found=""
  for d in /usr/lib/x86_64-linux-gnu /usr/lib/aarch64-linux-gnu /usr/lib64 /usr/lib /usr/local/lib; do
    [ -e "$d/librte_eal.so.23" ] && { found="$d"; break; }
  done
  [ -n "$found" ] || { echo "libdpdk 22.11 is not installed (librte_eal.so.23; Debian packages dpdk and libdpdk-dev: ./build.sh installs them as root)"; return 0; }
  ls "$found"/dpdk/*/librte_net_af_packet.so* >/dev/null 2>&1 || ls "$found"/librte_net_af_packet.so* >/dev/null 2>&1 \
    || { echo "DPDK's net_af_packet PMD is not installed (librte-net-af-packet23)"; return 0; }
  [ -c /dev/net/tun ] || { echo "/dev/net/tun is missing (the exception path is a net_tap device)"; return 0; }
  command -v ethtool >/dev/null 2>&1 || { echo "ethtool is not installed (the bridge's veth must compute the guest's TCP checksums)"; return 0; }
  return 1
}

dpdk_lab_up() {
  DPDK_LAB=1
  # br0 stops being the gateway: its address moves to the gateway's exception TAP (the kernel would otherwise answer
  # ARP and TCP 1723 itself, beside the DPDK port).
  in_ns ip addr del "$SERVER_IP/24" dev br0 || return 1
  in_ns ip link add dpo type veth peer name dpo-br || return 1
  in_ns ip link set dpo-br master br0 || return 1
  # The guest's virtio-net leaves TCP checksums to the "hardware" (CHECKSUM_PARTIAL through tap0 and the bridge);
  # net_af_packet reads frames raw, so the bridge's port towards it computes them in software (a NIC would on the wire).
  in_ns ethtool -K dpo-br tx off >/dev/null || return 1
  ip netns add "$DPDK_INSIDE_NS" || return 1
  in_ns ip link add dpi type veth peer name eth0 netns "$DPDK_INSIDE_NS" || return 1
  local dev
  for dev in dpo dpi; do
    # DPDK ports: the gateway namespace's kernel must not answer ARP on them or send IPv6 out of them, nor take in what
    # arrives on them (net_af_packet only copies frames: the kernel would also deliver the guest's GRE to its own
    # 198.18.0.1 and answer ICMP Protocol Unreachable, which ends pptp-linux). Strict reverse-path filtering drops it:
    # the route back to the guest is through the exception TAP, not this veth.
    in_ns sysctl -qw "net.ipv4.conf.$dev.arp_ignore=8" "net.ipv6.conf.$dev.disable_ipv6=1" "net.ipv4.conf.$dev.rp_filter=1" || return 1
    in_ns ip link set "$dev" up || return 1
  done
  in_ns ip link set dpo-br up || return 1
  ip -n "$DPDK_INSIDE_NS" addr add "$DPDK_INSIDE_HOST/24" dev eth0 || return 1
  ip -n "$DPDK_INSIDE_NS" link set eth0 up || return 1
  ip -n "$DPDK_INSIDE_NS" link set lo up || return 1
  ip -n "$DPDK_INSIDE_NS" route add 198.19.0.0/24 via "$DPDK_INSIDE_IP" || return 1
  ip netns exec "$DPDK_INSIDE_NS" ethtool -K eth0 tx off >/dev/null || return 1
}

dpdk_lab_down() {
  [ "$DPDK_LAB" = 1 ] || return 0
  DPDK_LAB=0
  ip netns del "$DPDK_INSIDE_NS" 2>/dev/null   # takes dpi with its peer
  in_ns ip link del dpo 2>/dev/null            # and dpo-br
  in_ns ip addr add "$SERVER_IP/24" dev br0 2>/dev/null
  rm -rf "/var/run/dpdk/$DPDK_PREFIX"
}

# inside_ping_client RUN-CLIENT-PID: once that client is up, ping it from the inside host (inside DPDK port -> GRE +
# MPPE on the outside DPDK port -> guest). Writes $OUT/insideping-dpdk.log.
inside_ping_client() {
  local pid="$1" console addr log="$OUT/insideping-dpdk.log"
  console=$(console_of "$pid") || { echo "INSIDEPING FAIL no console log for pid $pid" >"$log"; return; }
  addr=$(client_address "$console" 90) || { echo "INSIDEPING FAIL client got no address" >"$log"; return; }
  {
    echo "client address $addr"
    if ip netns exec "$DPDK_INSIDE_NS" ping -c 3 -i 0.3 -W 5 "$addr" && ip netns exec "$DPDK_INSIDE_NS" ping -c 2 -i 0.3 -W 5 -s 1372 "$addr"; then
      echo "INSIDEPING OK $addr (56 and 1372 bytes)"
    else
      echo "INSIDEPING FAIL $addr"
    fi
    # After the pings, still while up: taken before them, the inside port may not have sent a frame yet (a run at
    # load 10-15 showed tx_packets 0 there although every ping then passed).
    admin show dataplane >"$OUT/dpdk-show-dataplane-up.txt"
  } >"$log" 2>&1
}

sc_dpdk_mschapv2() {
  begin dpdk-mschapv2 "the gateway on the DPDK dataplane (net_af_packet outside and inside, net_tap exception paths): MS-CHAPv2 + MPPE-128, pings both ways, graceful hang-up"
  ensure_guest
  if ! dpdk_lab_up; then fail "could not build the DPDK lab (veths, inside namespace $DPDK_INSIDE_NS)"; dpdk_lab_down; end; return; fi
  local cfg
  cfg=$(INSIDE_IP=$DPDK_INSIDE_IP gateway_config dpdk "$POOL" 'ppp authentication mschapv2' 'ppp encryption mppe 128 required')
  # 'ip address inside' is the inside LAN's (198.19.1.1/24); the DPDK lines (docs/CONFIG.md).
  {
    echo "gateway dataplane dpdk"
    echo "gateway dpdk eal --no-huge -m 512 --no-pci --no-telemetry --file-prefix $DPDK_PREFIX"
    echo "gateway dpdk port outside net_af_packet0,iface=dpo"
    echo "gateway dpdk port inside net_af_packet1,iface=dpi"
  } >>"$cfg"
  start_gateway dpdk "$cfg"
  local line
  line=$(grep -m1 'dataplane dpdk: outside' "$GW_LOG")
  if [ -n "$line" ]; then ok "gateway: '${line#*: }'"; else fail "the gateway did not log its DPDK ports"; fi

  client_start dpdk-mschapv2 alice alice-pass --mppe 128 --ping "$DPDK_INSIDE_HOST" --seconds 6 --hangup graceful
  local pid=$BG_PID
  inside_ping_client "$pid"
  client_wait dpdk-mschapv2 "$pid" 0
  expect_log "$CUR_CONSOLE" 'rcvd \[LCP ConfReq .*<auth chap MS-v2>' "LCP: the gateway asks for MS-CHAPv2"
  expect_log "$CUR_CONSOLE" '^CHAP authentication succeeded' "MS-CHAPv2 (pppd checked the gateway's S= authenticator)"
  expect_log "$CUR_CONSOLE" '^MPPE 128-bit stateless compression enabled' "MPPE-128 stateless"
  expect_log "$CUR_CONSOLE" '^local +IP address 198\.19\.0\.' "address from the pool"
  expect_log "$CUR_CONSOLE" "^remote IP address $DPDK_INSIDE_IP" "the gateway's tunnel address"
  expect_log "$CUR_CONSOLE" "^PPTPLAB-PING: OK addr=$DPDK_INSIDE_HOST" "ping through the tunnel and the inside DPDK port to the inside host"
  expect_log "$CUR_CONSOLE" 'sent \[LCP TermReq' "graceful hang-up: the client sent LCP TermReq"
  expect_log "$CUR_CONSOLE" 'rcvd \[LCP TermAck' "graceful hang-up: the gateway answered TermAck"
  if grep -q '^INSIDEPING OK' "$OUT/insideping-dpdk.log" 2>/dev/null; then ok "inside host -> client: $(grep '^INSIDEPING OK' "$OUT/insideping-dpdk.log")"
  else fail "inside host -> client ping failed: $(tail -3 "$OUT/insideping-dpdk.log" 2>/dev/null | paste -sd' ' -)"; fi
  # While the tunnel was up: every DPDK device moved frames both ways, the outside port answered the guest's ARP.
  local show="$OUT/dpdk-show-dataplane-up.txt"
  if grep -q '^Dataplane dpdk' "$show" 2>/dev/null \
     && grep -A1 -E '^Port net_af_packet0 \(outside' "$show" | grep -qE 'rx_packets [1-9][0-9]* .*tx_packets [1-9]' \
     && grep -A1 -E '^Port net_af_packet1 \(inside' "$show" | grep -qE 'rx_packets [1-9][0-9]* .*tx_packets [1-9]' \
     && grep -A2 -E '^Port net_af_packet0 \(outside' "$show" | grep -qE 'arp_answered [1-9]'; then
    ok "show dataplane while up: both DPDK ports carried frames both ways, the outside port answered ARP"
  else fail "show dataplane while up ($show) lacks the DPDK ports' traffic"; fi
  expect_idle
  stop_gateway
  if grep -q 'pptpgw stopped' "$GW_LOG"; then ok "SIGTERM: 'pptpgw stopped' (EAL cleaned up)"; else fail "the gateway did not log 'pptpgw stopped' after SIGTERM"; fi
  dpdk_lab_down
  end
}
