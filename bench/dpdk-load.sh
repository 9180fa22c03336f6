#!/usr/bin/env bash
# The full GRE + MPPE-128 path of the gateway's DPDK dataplane, driven by the load tool over memif (issue 13).
#
# Three processes, each with its own EAL (--no-huge -m 512 --no-pci, own --file-prefix):
#   pptpgw load (netns dp3b-ld-ID)   net_memif client on OUT.sock + net_tap pgwload0 198.18.30.65/24 (its TCP 1723)
#       sessions of MS-CHAPv2 + MPPE-128 (stateless), CALLS per control connection, the tunnels' PACs spread over
#       198.18.30.64/26 (routed local in the namespace, as for the kernel transport); each session's traffic generator
#       sends ICMP echo requests of SIZE octets to 198.18.31.2 through its tunnel, and checks every reply
#   pptpgw run (netns dp3b-gw-ID)    outside net_memif server on OUT.sock, inside net_memif server on IN.sock,
#       exception TAPs pptpgw-x0 198.18.30.1/24 (TCP 1723) and pptpgw-x1 198.18.31.1/24; one worker
#   dpdk-testpmd --forward-mode=icmpecho   net_memif client on IN.sock: the inside host, answers ARP and echoes
# Each echo crosses the gateway twice: decrypt + forward (outside -> inside), encrypt (inside -> outside). So the
# gateway's packet rate is 2 x the replies per second; Gbit/s counts IPv4 octets of both directions.
#
#   sudo bench/dpdk-load.sh [SIZE ...]          default: 64 1400
# Environment: SESSIONS (4), PPS: the offered echo rates per session to try, in turn (default "2500 5000 10000 20000":
# open loop, so the highest rate with a small loss is the path's rate; above it the queues shed: a lost packet costs the
# receiver only the coherency jump it causes, bench/RESULTS.md), HOLD seconds per rate (6), CALLS per tunnel (1). Needs artifacts/bin/pptpgw with libpgwdpdk.so (./build.sh build) and dpdk-testpmd (dpdk-dev).
# Quote the numbers with `uptime` before and after; run under `flock /tmp/pptpgw-bench.lock`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BIN="$ROOT/artifacts/bin/pptpgw"
[ "$(id -u)" = 0 ] || { echo "needs root (namespaces, TAP devices)" >&2; exit 1; }
[ -x "$BIN" ] && [ -f "$ROOT/artifacts/bin/libpgwdpdk.so" ] || { echo "build first: ./build.sh build (artifacts/bin/pptpgw + libpgwdpdk.so)" >&2; exit 1; }
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd not found (apt-get install dpdk-dev)" >&2; exit 1; }
SIZES=("$@"); [ ${#SIZES[@]} -gt 0 ] || SIZES=(64 1400)
SESSIONS=${SESSIONS:-4}; PPS=${PPS:-"2500 5000 10000 20000"}; HOLD=${HOLD:-6}; CALLS=${CALLS:-1}
ID=$(head -c3 /dev/urandom | od -An -tx1 | tr -d ' \n')
GW_NS="dp3b-gw-$ID"; LD_NS="dp3b-ld-$ID"
RUN=$(mktemp -d /tmp/dp3b.XXXXXX); OUT="$ROOT/artifacts/bench/dpdk-load"; mkdir -p "$OUT"
EAL=(--no-huge -m 512 --no-pci --no-telemetry)
GW_PID=""; TP_PID=""
cleanup() {
  [ -n "$GW_PID" ] && kill -TERM "$GW_PID" 2>/dev/null && wait "$GW_PID" 2>/dev/null
  [ -n "$TP_PID" ] && kill -TERM "$TP_PID" 2>/dev/null && wait "$TP_PID" 2>/dev/null
  ip netns del "$GW_NS" 2>/dev/null; ip netns del "$LD_NS" 2>/dev/null
  rm -rf "$RUN" "/var/run/dpdk/dp3b-gw-$ID" "/var/run/dpdk/dp3b-ld-$ID" "/var/run/dpdk/dp3b-tp-$ID"
  true
}
trap cleanup EXIT
ip netns add "$GW_NS"; ip netns add "$LD_NS"
ip -n "$GW_NS" link set lo up; ip -n "$LD_NS" link set lo up
# The PACs' addresses (AnyIP): every address of --sources is local to the load namespace, for the TCP connections.
ip -n "$LD_NS" route add local 198.18.30.64/26 dev lo

cat >"$RUN/gw.cfg" <<EOF
nameif ethernet0 outside security0
nameif ethernet1 inside security100
ip address outside 198.18.30.1 255.255.255.0
ip address inside 198.18.31.1 255.255.255.0
ip local pool bench 198.19.30.10-198.19.30.250
vpdn group 1 accept dialin pptp
vpdn group 1 ppp authentication mschapv2
vpdn group 1 ppp encryption mppe 128 required
vpdn group 1 client configuration address local bench
vpdn group 1 client authentication local
vpdn username load password load-pass
vpdn enable outside
gateway admin-socket $RUN/admin.sock
gateway dataplane dpdk
gateway dpdk eal ${EAL[*]} --file-prefix dp3b-gw-$ID --lcores 0@(0-1)
gateway dpdk port outside net_memif0,role=server,socket=$RUN/out.sock,socket-abstract=no,rsize=12,mac=02:00:00:d3:00:01
gateway dpdk port inside net_memif1,role=server,socket=$RUN/in.sock,socket-abstract=no,rsize=12
EOF
ip netns exec "$GW_NS" "$BIN" run --config "$RUN/gw.cfg" >"$OUT/gateway.log" 2>&1 &
GW_PID=$!
for _ in $(seq 1 300); do grep -q "PPTP on " "$OUT/gateway.log" && break; kill -0 "$GW_PID" || { cat "$OUT/gateway.log"; exit 1; }; sleep 0.1; done
grep -q "PPTP on " "$OUT/gateway.log" || { echo "gateway did not start"; tail "$OUT/gateway.log"; exit 1; }
# The inside host: testpmd's icmpecho answers ARP for any address and turns echo requests into replies (one
# forwarding lcore; its main lcore waits).
dpdk-testpmd "${EAL[@]}" --file-prefix "dp3b-tp-$ID" --lcores '0@(0-1),1@(0-1)' \
  --vdev "net_memif0,role=client,socket=$RUN/in.sock,socket-abstract=no,rsize=12" -- \
  --forward-mode=icmpecho --stats-period 5 --no-lsc-interrupt --total-num-mbufs 16384 >"$OUT/testpmd.log" 2>&1 </dev/null &
TP_PID=$!
sleep 2

cpu_ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }   # utime + stime, clock ticks
HZ=$(getconf CLK_TCK)
echo "uptime before: $(uptime)"
printf '| IPv4 size | sessions | offered echoes/s | echo replies/s | gateway Mpps (both directions) | gateway Gbit/s (IPv4, both directions) | gateway cores busy (traffic phase) | Mpps per gateway core | load tool cores busy (run) | testpmd cores busy (run) | loss |\n|---|---|---|---|---|---|---|---|---|---|---|\n'
for size in "${SIZES[@]}"; do
for pps in $PPS; do
  json="$OUT/load-$size-$pps.json"
  # Fixed MACs on the memif pair: each load run is a new process on the same link, and the gateway's neighbour
  # caches (its kernel's and its Ethernet layer's) must not keep a previous run's address.
  g0=$(cpu_ticks "$GW_PID"); t0=$(cpu_ticks "$TP_PID")
  ip netns exec "$LD_NS" "$BIN" load 198.18.30.1 --sessions "$SESSIONS" --calls-per-tunnel "$CALLS" --sources 198.18.30.64/26 \
    --user load --password load-pass --hold "$HOLD" --traffic-pps "$pps" --traffic-size "$size" --traffic-target 198.18.31.2 \
    --dpdk-port "net_memif0,role=client,socket=$RUN/out.sock,socket-abstract=no,rsize=12,mac=02:00:00:d3:00:02" \
    --dpdk-eal "${EAL[*]} --file-prefix dp3b-ld-$ID --lcores 0@(0-1)" --no-live --json "$json" --gateway-pid "$GW_PID" \
    >"$OUT/load-$size-$pps.log" 2>&1 || { echo "load run ($size B, $pps/s) failed:"; tail -20 "$OUT/load-$size-$pps.log"; exit 1; }
  g1=$(cpu_ticks "$GW_PID"); t1=$(cpu_ticks "$TP_PID")
  python3 - "$json" "$size" "$SESSIONS" "$((g1 - g0))" "$((t1 - t0))" "$HZ" "$pps" <<'PY'
import json, sys
path, size, sessions, gticks, tticks, hz, pps = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), int(sys.argv[5]), int(sys.argv[6]), float(sys.argv[7])
r = json.load(open(path))
t = r["traffic"]
secs, sent, recv = t["seconds"], t["packets_sent"], t["packets_received"]
gw_pps = 2 * recv / secs                      # each reply crossed the gateway twice (request up, reply down)
us = t.get("gateway_cpu_microseconds_per_packet")  # the gateway's CPU in the traffic phase / (requests + replies)
run = r["setup_seconds"] + r["hold_seconds"] + r["teardown"]["seconds"]
print(f"| {size} | {sessions} | {pps*sessions:,.0f} | {recv/secs:,.0f} | {gw_pps/1e6:.3f} | {gw_pps*size*8/1e9:.3f} | "
      f"{(us or 0)*(sent+recv)/secs/1e6:.2f} | {(1/us if us else float('nan')):.3f} | {r['tool']['cpu_seconds']/run:.2f} | {tticks/hz/run:.2f} | {t['loss']*100:.2f} % |")
PY
  "$BIN" show dataplane --admin-socket "$RUN/admin.sock" >"$OUT/show-dataplane-$size-$pps.txt" 2>&1 || true
done
done
echo "uptime after: $(uptime)"
echo "gateway show dataplane:"; "$BIN" show dataplane --admin-socket "$RUN/admin.sock" | head -30
