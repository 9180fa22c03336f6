#!/usr/bin/env bash
# Kernel-port throughput (issue 12): iperf3 through a PPTP tunnel between `pptpgw dial` and `pptpgw run` with
# `gateway dataplane kernel` (raw GRE socket + TUN), against plain kernel IP forwarding over the same veths and
# wireguard-go (Debian's user-space tunnel, TUN + UDP) in the same topology, all in ONE run so ratios mean something.
# Run as root after ./build.sh build. Everything it creates (namespaces kp-*-PID, processes) is removed on exit.
#
#   client ns kp-c-PID               gateway ns kp-g-PID                          inside ns kp-i-PID
#   eth0 198.18.110.2/24 ──veth── outside 198.18.110.1/24    inside 198.18.120.1/24 ──veth── eth0 198.18.120.2/24
#   pptp0 (dial, pool address)     pptpgw0 (TUN, 198.18.120.1/32)                         iperf3 -s
#   wg0 198.19.111.2/24            wg0 198.19.111.1/24 (wireguard-go)                      default via 198.18.120.1
#
# Every iperf3 client runs in the client namespace, the server in the inside namespace; addresses are all in
# 198.18.0.0/15 (RFC 2544/6815). TCP uses MSS 1300 (-M 1300) everywhere so a segment fits the 1400-byte tunnel MTU
# without fragmentation and every path carries the same segments.
#
# Per scenario it prints one line: Gbit/s (receiver side), and the CPU of the gateway and of the client over the
# run (process utime+stime from /proc/PID/stat, in % of one core), and the gateway's CPU per packet: CPU time over
# the packets its worker handled (show dataplane: outside_in + inside_in; each tunnelled packet is counted once).
#
# usage: bench/kernel-throughput.sh [--seconds N] [--only kernel|pptp|wg] [--label TEXT] [--strace] [--perf] [--base-bin PATH] [--base-last] [--udp-pps N] [--memory-port] [--workers N]
#   --strace   also runs one MPPE-128 upload under `strace -c -f` on the gateway and prints the syscall summary.
#   --perf     also samples the gateway (perf record -e cpu-clock: software event, no hardware counters needed; .NET
#              frames named through DOTNET_PerfMapEnabled=1) during one MPPE-128 upload and one download.
#   --udp-pps N       the 64-byte UDP tests offer N packets/s (iperf3 -b N*512; default 20000): a fixed rate, not a
#                     -b 0 flood, whose figure measured the sending iperf3's share of the CPU more than the tunnel.
#   --memory-port     also runs the memory-port full path (bench worker-probe: the worker's MPPE-128 stateless loop
#                     over in-memory ports) for CPU per packet against the kernel port's in the same run; needs
#                     `dotnet build bench/Bench.csproj -c Release` first.
#   --workers N       `gateway dataplane workers N` for the build under test (not for --base-bin, which may predate it).
#   --base-bin PATH   also runs the PPTP scenarios with another build first (e.g. a copy of artifacts/bin/pptpgw made
#                     before a change), tagged "base:", so before and after come from one run on one loaded machine.
#   --base-last       runs the --base-bin build after the build under test instead of before (the load of a shared box
#                     drifts within a run: one run in each order shows whether the order biased the comparison).
#   --account         accounts for the whole machine during the 1-stream MPPE-128 tests (build under test): CPU per thread
#                     of the gateway, the client and both iperf3 processes (/proc/PID/task/*/stat deltas, context switches),
#                     user/system/softirq/idle/steal per core (/proc/stat deltas), drops on every interface of the three
#                     namespaces, TCP retransmissions (nstat), and the sender's `ss -tin` (cwnd, rtt, rwnd/sndbuf limited)
#                     in mid-run; the report goes to artifacts/kernel-throughput/acct-NAME.txt and to stdout.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
BIN="$ROOT/artifacts/bin/pptpgw"
SECS=10
ONLY=""
LABEL=""
STRACE=0
BASE_BIN=""
PERF=0
UDP_PPS=20000
MEMORY_PORT=0
WORKERS=""
BASE_LAST=0
ACCOUNT=0
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECS=$2; shift 2 ;;
    --only) ONLY=$2; shift 2 ;;
    --label) LABEL=$2; shift 2 ;;
    --strace) STRACE=1; shift ;;
    --base-bin) BASE_BIN=$2; shift 2 ;;
    --perf) PERF=1; shift ;;
    --udp-pps) UDP_PPS=$2; shift 2 ;;
    --memory-port) MEMORY_PORT=1; shift ;;
    --workers) WORKERS=$2; shift 2 ;;
    --base-last) BASE_LAST=1; shift ;;
    --account) ACCOUNT=1; shift ;;
    *) echo "usage: $0 [--seconds N] [--only kernel|pptp|wg] [--label TEXT] [--strace] [--perf] [--base-bin PATH] [--udp-pps N] [--memory-port] [--workers N] [--base-last] [--account]" >&2; exit 2 ;;
  esac
done
[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
[ -x "$BIN" ] || { echo "$BIN is missing: ./build.sh build" >&2; exit 1; }
command -v iperf3 >/dev/null || { echo "iperf3 is needed (apt-get install iperf3)" >&2; exit 1; }

SUF=$$
NC="kp-c-$SUF"; NG="kp-g-$SUF"; NI="kp-i-$SUF"
RUN=$(mktemp -d /tmp/kp-bench.XXXXXX)
OUT="$ROOT/artifacts/kernel-throughput"
mkdir -p "$OUT"
GW_PID=""; DIAL_PID=""; IPERF_PID=""; WG_PIDS=()
HZ=$(getconf CLK_TCK)

cleanup() {
  local code=$?
  set +e
  [ -n "$DIAL_PID" ] && kill -TERM "$DIAL_PID" 2>/dev/null && wait_gone "$DIAL_PID"
  [ -n "$GW_PID" ] && kill -TERM "$GW_PID" 2>/dev/null && wait_gone "$GW_PID"
  [ -n "$IPERF_PID" ] && kill -TERM "$IPERF_PID" 2>/dev/null && wait_gone "$IPERF_PID"
  for p in "${WG_PIDS[@]}"; do kill -TERM "$p" 2>/dev/null && wait_gone "$p"; done
  for ns in "$NC" "$NG" "$NI"; do ip netns del "$ns" 2>/dev/null; done
  rm -rf "$RUN"
  exit "$code"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

wait_gone() { local t=50; while kill -0 "$1" 2>/dev/null && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done; kill -KILL "$1" 2>/dev/null || true; wait "$1" 2>/dev/null || true; }
wait_for() { local t=$(($3 * 10)); while [ $t -gt 0 ]; do grep -qE "$2" "$1" && return 0; sleep 0.1; t=$((t - 1)); done; return 1; }
# Kernel-side losses around our ports: raw GRE socket drops (/proc/net/raw, last column: receive buffer full) in the
# gateway and client namespaces, and TUN tx drops (packets the kernel routed into the TUN that its reader did not take
# in time: the TUN queue, txqueuelen, overflowed) of pptpgw0 and pptp0.
drops() {
  rawdrops() { { ip netns exec "$1" cat /proc/net/raw 2>/dev/null || true; } | awk 'NR > 1 && $NF ~ /^[0-9]+$/ { s += $NF } END { print s + 0 }'; }
  tundrops() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/tx_dropped" 2>/dev/null || echo 0; }
  echo "$(rawdrops "$NG") $(rawdrops "$NC") $(tundrops "$NG" pptpgw0) $(tundrops "$NC" pptp0)"
}
ticks() { [ -n "${1:-}" ] && [ -r "/proc/$1/stat" ] && awk '{ print $14 + $15 }' "/proc/$1/stat" || echo 0; }
# Packets the gateway's worker took in (GRE from the outside + IPv4 from the TUN: show dataplane outside_in + inside_in),
# each one tunnelled packet; not the TUN's kernel counters, which count a coalesced super-packet once.
tun_packets() { { "$BIN" show dataplane --admin-socket "$RUN/admin.sock" 2>/dev/null || true; } | awk '/packets:/ { for (i = 1; i < NF; i++) if ($i == "outside_in" || $i == "inside_in") s += $(i + 1) } END { print s + 0 }'; }

echo "== kernel-throughput $(date -u +%FT%TZ) ${LABEL}"
echo "   host: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), kernel $(uname -r)"
echo "   uptime: $(uptime)"
echo "   commit: $(git rev-parse --short HEAD 2>/dev/null)  seconds per test: $SECS"

for ns in "$NC" "$NG" "$NI"; do ip netns add "$ns"; ip -n "$ns" link set lo up; done
ip -n "$NG" link add outside type veth peer name eth0 netns "$NC"
ip -n "$NG" link add inside type veth peer name eth0 netns "$NI"
ip -n "$NC" addr add 198.18.110.2/24 dev eth0
ip -n "$NG" addr add 198.18.110.1/24 dev outside
ip -n "$NG" addr add 198.18.120.1/24 dev inside
ip -n "$NI" addr add 198.18.120.2/24 dev eth0
for pair in "$NC eth0" "$NG outside" "$NG inside" "$NI eth0"; do set -- $pair; ip -n "$1" link set "$2" up; done
ip -n "$NI" route add default via 198.18.120.1
ip netns exec "$NG" sysctl -qw net.ipv4.ip_forward=1

PORT=5300

# start_server NAME: a one-shot iperf3 server on a fresh port (PORT) in the inside namespace, listening when this returns.
start_server() {
  PORT=$((PORT + 1))
  ip netns exec "$NI" iperf3 -s -1 -B 198.18.120.2 -p "$PORT" >"$RUN/$1.server.log" 2>&1 &
  IPERF_PID=$!
  local t=100; while ! ip netns exec "$NI" ss -ltn "sport = :$PORT" | grep -q LISTEN && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
}

# ---- whole-machine accounting (--account) ----
# acct_threads PID...: one line per thread: "PID TID utime stime voluntary nonvoluntary NAME" (ticks, context switches).
acct_threads() {
  local pid tid
  for pid in "$@"; do
    [ -d "/proc/$pid/task" ] || continue
    for tid in $(ls "/proc/$pid/task" 2>/dev/null); do
      local st vs
      st=$(cat "/proc/$pid/task/$tid/stat" 2>/dev/null) || continue
      vs=$(awk '/^voluntary_ctxt_switches/ { v = $2 } /^nonvoluntary_ctxt_switches/ { n = $2 } END { print v + 0, n + 0 }' "/proc/$pid/task/$tid/status" 2>/dev/null)
      local comm=${st#*(}; comm=${comm%)*}; comm=${comm// /_}
      local rest=${st##*) }
      echo "$pid $tid $(echo "$rest" | awk '{ print $12, $13 }') $vs $comm"
    done
  done
}
# acct_ifdrops: "NS/IF rx_packets tx_packets rx_dropped tx_dropped" for every interface of the three namespaces.
acct_ifdrops() {
  local ns d
  for ns in "$NC" "$NG" "$NI"; do
    for d in $(ip netns exec "$ns" ls /sys/class/net 2>/dev/null); do
      [ "$d" = lo ] && continue
      echo "$ns/$d $(ip netns exec "$ns" sh -c "cat /sys/class/net/$d/statistics/rx_packets /sys/class/net/$d/statistics/tx_packets /sys/class/net/$d/statistics/rx_dropped /sys/class/net/$d/statistics/tx_dropped" | tr '\n' ' ')"
    done
  done
}
acct_nstat() { ip netns exec "$1" nstat -asz 2>/dev/null | awk '$1 ~ /^(TcpRetransSegs|TcpExtTCPLostRetransmit|TcpExtTCPFastRetrans|TcpExtTCPSlowStartRetrans|TcpExtTCPTimeouts|TcpExtTCPSackRecovery|TcpOutSegs|TcpInSegs|TcpExtTCPOFOQueue|TcpExtTCPRcvQDrop|TcpExtTCPBacklogDrop|IpExtInNoECTPkts)$/ { print $1, $2 }'; }
acct_snap() { # acct_snap FILE PID...
  { echo "## stat"; grep '^cpu' /proc/stat; echo "## softirqs"; grep -E 'NET_RX|NET_TX' /proc/softirqs
    echo "## threads"; acct_threads "$@"; echo "## ifs"; acct_ifdrops
    echo "## nstat-c"; acct_nstat "$NC"; echo "## nstat-i"; acct_nstat "$NI"; echo "## raw"; drops; echo "## pkts $(tun_packets)"; } >"$1"
}
# acct_report A B SECONDS: the deltas between two snapshots, readable.
acct_report() {
  awk -v hz="$HZ" -v secs="$3" '
    FNR == 1 { f++ }
    /^## / { sec = $2; if (sec == "pkts") pk[f] = $3; next }
    sec == "stat" { for (i = 2; i <= NF; i++) cpu[f, $1, i] = $i; cpus[$1] = 1 }
    sec == "softirqs" { for (i = 2; i <= NF; i++) sirq[f, $1, i] = $i; sn[$1] = NF }
    sec == "threads" { k = $1 " " $2; ut[f, k] = $3; stt[f, k] = $4; vc[f, k] = $5; nv[f, k] = $6; nm[k] = $7; th[k] = 1 }
    sec == "ifs" { for (i = 2; i <= 5; i++) ifv[f, $1, i] = $i; ifs[$1] = 1 }
    sec ~ /^nstat/ { ns[f, sec, $1] = $2; nk[sec " " $1] = 1 }
    sec == "raw" { for (i = 1; i <= 4; i++) raw[f, i] = $i }
    END {
      pkts = pk[2] - pk[1]
      printf "   window %.1f s; gateway worker packets in the window: %d (%.0f/s)\n", secs, pkts, pkts / secs
      printf "   per core (%% of the window): %-6s %6s %6s %6s %6s %6s %6s %6s\n", "cpu", "user", "nice", "system", "irq", "softirq", "steal", "idle"
      for (c in cpus) {
        tot = 0; for (i = 2; i <= 11; i++) { d[i] = cpu[2, c, i] - cpu[1, c, i]; tot += d[i] }
        if (tot == 0) continue
        printf "   %33s %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f %6.1f\n", c, 100 * d[2] / tot, 100 * d[3] / tot, 100 * d[4] / tot, 100 * d[7] / tot, 100 * d[8] / tot, 100 * d[9] / tot, 100 * (d[5] + d[6]) / tot
      }
      for (s in sn) { line = "   softirqs " s ":"; for (i = 2; i <= sn[s]; i++) line = line " " (sirq[2, s, i] - sirq[1, s, i]); print line }
      printf "   threads with >= 0.5 %% of a core (pid tid name: user%% sys%% total%%, voluntary/involuntary switches per s):\n"
      tsum = 0
      for (k in th) {
        if (!((2, k) in ut) || !((1, k) in ut)) continue
        du = ut[2, k] - ut[1, k]; ds = stt[2, k] - stt[1, k]
        tot = 100 * (du + ds) / hz / secs; tsum += tot
        split(k, pt, " "); proc[pt[1]] += tot
        if (tot >= 0.5) printf "     %7s %7s %-18s %5.1f %5.1f %5.1f   %8.0f / %6.0f\n", pt[1], pt[2], nm[k], 100 * du / hz / secs, 100 * ds / hz / secs, tot, (vc[2, k] - vc[1, k]) / secs, (nv[2, k] - nv[1, k]) / secs
      }
      for (p in proc) printf "     process %s: %.1f %% of a core\n", p, proc[p]
      printf "     all accounted threads: %.1f %% (of 200 %%)\n", tsum
      printf "   interfaces (delta rx_packets tx_packets rx_dropped tx_dropped):\n"
      for (i in ifs) printf "     %-28s %9d %9d %6d %6d\n", i, ifv[2, i, 2] - ifv[1, i, 2], ifv[2, i, 3] - ifv[1, i, 3], ifv[2, i, 4] - ifv[1, i, 4], ifv[2, i, 5] - ifv[1, i, 5]
      printf "   raw socket drops gw/client, tun drops gw/client: %d/%d, %d/%d\n", raw[2, 1] - raw[1, 1], raw[2, 2] - raw[1, 2], raw[2, 3] - raw[1, 3], raw[2, 4] - raw[1, 4]
      line = "   nstat (client ns | inside ns):"
      for (k in nk) { split(k, q, " "); v = ns[2, q[1], q[2]] - ns[1, q[1], q[2]]; if (v != 0) line = line " " substr(q[1], 7) ":" q[2] "=" v }
      print line
    }' "$1" "$2"
}
# acct_sampler NAME GW CLIENT SENDER_NS: in the background of one measure: finds both iperf3 processes, snapshots after
# 1.5 s and 2 s before the end, samples the sender's ss -tin at mid-run, writes the report to $OUT/acct-NAME.txt.
acct_sampler() {
  local name=$1 gw=$2 cl=$3 sns=$4 ic="" is=$IPERF_PID t=50
  while [ -z "$ic" ] && [ $t -gt 0 ]; do ic=$(pgrep -f "^iperf3 -c 198.18.120.2 -p $PORT" | head -1); sleep 0.1; t=$((t - 1)); done
  sleep 1.4
  local win=$((SECS - 4)); [ "$win" -lt 2 ] && win=2
  acct_snap "$RUN/acct-$name.a" "$gw" "$cl" $ic $is
  local t0; t0=$(date +%s.%N)
  sleep $((win / 2))
  ip netns exec "$sns" ss -tin "dst 198.18.120.2 or src 198.18.120.2" >"$RUN/acct-$name.ss" 2>/dev/null || true
  sleep $((win - win / 2))
  acct_snap "$RUN/acct-$name.b" "$gw" "$cl" $ic $is
  local t1; t1=$(date +%s.%N)
  { echo "   accounting $name (pids: gateway $gw, client $cl, iperf3 client $ic, iperf3 server $is)"
    acct_report "$RUN/acct-$name.a" "$RUN/acct-$name.b" "$(awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }')"
    echo "   sender's sockets (ss -tin in $sns, mid-run):"; sed 's/^/     /' "$RUN/acct-$name.ss"; } >"$OUT/acct-$name.txt"
}

rxpkts() { ip netns exec "$1" cat "/sys/class/net/$2/statistics/rx_packets" 2>/dev/null || echo 0; }

# measure NAME GW_PID CLIENT_PID IPERF3-ARGS...: one iperf3 client run in the client namespace; prints one result line.
# UDP (-u): the packet rate is what arrived at the receiving interface (UDP_RX="NS DEV"), counted by the kernel, so a
# flood that starves iperf3's own control connection (it shares the tunnel) still gives a figure.
measure() {
  local name=$1 gw=$2 cl=$3; shift 3
  local u0=0 u1=0
  [ -n "${UDP_RX:-}" ] && u0=$(rxpkts $UDP_RX)
  local g0 c0 p0 g1 c1 p1 json="$RUN/$name.json"
  start_server "$name"
  g0=$(ticks "$gw"); c0=$(ticks "$cl"); p0=$(tun_packets); read -r rg0 rc0 tg0 tc0 < <(drops)
  local acct=""
  if [ "$ACCOUNT" -eq 1 ] && [[ "$name" == *mppe128-tcp1-* || "$name" == kfwd-tcp1-* || "$name" == wg-tcp1-* ]]; then
    local sns=$NC; [[ " $* " == *" -R "* ]] && sns=$NI
    rm -f "$OUT/acct-$name.txt"
    acct_sampler "$name" "$gw" "$cl" "$sns" & acct=$!
  fi
  if ! ip netns exec "$NC" timeout $((SECS + 20)) iperf3 -c 198.18.120.2 -p "$PORT" -t "$SECS" -J "$@" >"$json" 2>"$RUN/$name.err" && [ -z "${UDP_RX:-}" ]; then
    printf '   %-22s FAILED (%s)\n' "$name" "$(jq -r '.error // empty' "$json" 2>/dev/null | head -c 120)"
    kill -TERM "$IPERF_PID" 2>/dev/null || true; wait_gone "$IPERF_PID"; IPERF_PID=""
    return 0
  fi
  [ -n "${UDP_RX:-}" ] && u1=$(rxpkts $UDP_RX)
  kill -TERM "$IPERF_PID" 2>/dev/null || true; wait_gone "$IPERF_PID"; IPERF_PID=""
  g1=$(ticks "$gw"); c1=$(ticks "$cl"); p1=$(tun_packets); read -r rg1 rc1 tg1 tc1 < <(drops)
  cp "$json" "$OUT/$name.json"
  if [ -n "$acct" ]; then wait "$acct" 2>/dev/null || true; fi
  local gbps extra=""
  if [ -z "${UDP_RX:-}" ]; then
    gbps=$(jq -r '.end.sum_received.bits_per_second / 1e9' "$json")
    extra=$(jq -r '"retr=\(.end.sum_sent.retransmits // 0)"' "$json")
  else
    # UDP: packets that arrived at the receiving interface; 64-byte payloads (92-byte IPv4 packets).
    local sent
    sent=$(jq -r '.end.sum.packets // "?"' "$json" 2>/dev/null || echo "?")
    gbps=$(awk -v p=$((u1 - u0)) -v s="$SECS" 'BEGIN { printf "%.3f", p * 92 * 8 / s / 1e9 }')
    extra="offered_pps=$UDP_PPS rx_pps=$(( (u1 - u0) / SECS )) sent=$sent"
  fi
  local gcpu ccpu per=""
  gcpu=$(awk -v d=$((g1 - g0)) -v hz="$HZ" -v s="$SECS" 'BEGIN { printf "%.0f", 100 * d / hz / s }')
  ccpu=$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v s="$SECS" 'BEGIN { printf "%.0f", 100 * d / hz / s }')
  if [ "$((p1 - p0))" -gt 0 ] && [ -n "$gw" ]; then
    per=$(awk -v d=$((g1 - g0)) -v hz="$HZ" -v p=$((p1 - p0)) 'BEGIN { printf " gw_us_per_pkt=%.2f pkts=%d", 1e6 * d / hz / p, p }')
  fi
  printf '   %-22s %6.3f Gbit/s  %s  gw_cpu=%s%% client_cpu=%s%%%s drops(raw gw/client, tun gw/client)=%s/%s,%s/%s\n' "$name" "$gbps" "$extra" "$gcpu" "$ccpu" "$per" $((rg1 - rg0)) $((rc1 - rc0)) $((tg1 - tg0)) $((tc1 - tc0))
  if [ -n "$acct" ] && [ -f "$OUT/acct-$name.txt" ]; then cat "$OUT/acct-$name.txt"; fi
}

TCP="-M 1300"
UDP="-u -l 64 -b $((UDP_PPS * 64 * 8))"
if [ -z "$ONLY" ] || [ "$ONLY" = kernel ]; then
  echo "-- kernel IP forwarding (client eth0 -> gateway ns forwards -> inside), same veths"
  ip -n "$NC" route add 198.18.120.0/24 via 198.18.110.1
  measure kfwd-tcp1-up "" "" $TCP
  measure kfwd-tcp1-down "" "" $TCP -R
  measure kfwd-tcp8-up "" "" $TCP -P 8
  measure kfwd-tcp8-down "" "" $TCP -P 8 -R
  UDP_RX="$NI eth0" measure kfwd-udp64-up "" "" $UDP
  ip -n "$NC" route del 198.18.120.0/24 via 198.18.110.1
fi

# perf_env TAG: with --perf (build under test only) .NET writes /tmp/perf-PID.map, and W^X is off: its double mapping
# (memfd:doublemapper) hides the JIT-compiled frames from perf's map otherwise.
perf_env() { if [ "$PERF" -eq 1 ] && [ -z "$1" ]; then echo DOTNET_PerfMapEnabled=1 DOTNET_EnableWriteXorExecute=0; else echo DOTNET_PerfMapEnabled=0; fi; }

# run_pptp BIN TAG: the gateway and the client from BIN; every scenario name gets the TAG prefix (empty for the build under test).
run_pptp() {
  local BIN=$1 TAG=$2
  PASSWORD="kp-$(head -c 6 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  CONFIG="$RUN/gw.cfg"
  cat >"$CONFIG" <<EOF
nameif ethernet0 outside security0
nameif ethernet1 inside security100
ip address outside 198.18.110.1 255.255.255.0
ip address inside 198.18.120.1 255.255.255.0
ip local pool kp-pool 198.19.110.10-198.19.110.50
sysopt connection permit-pptp
vpdn group 1 accept dialin pptp
vpdn group 1 ppp authentication mschapv2
vpdn group 1 ppp encryption mppe auto
vpdn group 1 client configuration address local kp-pool
vpdn group 1 client authentication local
vpdn username bench password $PASSWORD
vpdn enable outside
gateway admin-socket $RUN/admin.sock
gateway dataplane kernel
EOF
  if [ -n "$WORKERS" ] && [ -z "$TAG" ]; then echo "gateway dataplane workers $WORKERS" >>"$CONFIG"; fi
  # Truncated here, not by the child's redirection: on a loaded host the child may open it after wait_for has read
  # the previous gateway's "PPTP on".
  : >"$OUT/gateway.log"
  ip netns exec "$NG" env $(perf_env "$TAG") "$BIN" run --config "$CONFIG" >"$OUT/gateway.log" 2>&1 &
  GW_PID=$!
  wait_for "$OUT/gateway.log" 'PPTP on' 20 || { tail "$OUT/gateway.log"; exit 1; }
  grep -E 'dataplane (kernel|rc4)' "$OUT/gateway.log" | sed 's/^/   gateway: /' || true

  dial() { # dial MPPE: brings the tunnel up (DIAL_PID)
    : >"$OUT/dial-$1.log"
    ip netns exec "$NC" env $(perf_env "$TAG") "$BIN" dial 198.18.110.1 --user bench --password "$PASSWORD" --auth mschapv2 --mppe "$1" \
      --tun pptp0 --route 198.18.120.0/24 --timeout 15 --quiet >"$OUT/dial-$1.log" 2>&1 &
    DIAL_PID=$!
    wait_for "$OUT/dial-$1.log" 'link up' 20 || { cat "$OUT/dial-$1.log"; exit 1; }
    sed -n '/link up/{s/^/   dial: /;p;q}' "$OUT/dial-$1.log" || true
  }
  hangup() { kill -TERM "$DIAL_PID" 2>/dev/null || true; wait_gone "$DIAL_PID"; DIAL_PID=""; sleep 0.5; }

  echo "-- pptpgw dial -> pptpgw run (gateway dataplane kernel), MPPE-128 stateless"
  dial 128
  measure "${TAG}mppe128-tcp1-up" "$GW_PID" "$DIAL_PID" $TCP
  measure "${TAG}mppe128-tcp1-down" "$GW_PID" "$DIAL_PID" $TCP -R
  measure "${TAG}mppe128-tcp8-up" "$GW_PID" "$DIAL_PID" $TCP -P 8
  measure "${TAG}mppe128-tcp8-down" "$GW_PID" "$DIAL_PID" $TCP -P 8 -R
  if [ "$STRACE" -eq 1 ] && [ -z "$TAG" ] && command -v strace >/dev/null; then
    for dir in up down; do
      echo "-- strace -c -f on the gateway and the client during one MPPE-128 $dir (slows both down: counts only)"
      start_server "strace-$dir"
      local rflag=""; [ "$dir" = down ] && rflag=-R
      p0=$(tun_packets)
      strace -c -f -p "$GW_PID" -o "$OUT/strace-$dir.txt" 2>/dev/null & ST=$!
      strace -c -f -p "$DIAL_PID" -o "$OUT/strace-client-$dir.txt" 2>/dev/null & STC=$!
      sleep 1
      ip netns exec "$NC" timeout $((SECS + 20)) iperf3 -c 198.18.120.2 -p "$PORT" -t "$SECS" $TCP $rflag 2>&1 | grep -E 'receiver' | sed 's/^/   traced: /' || true
      kill -INT "$ST" "$STC" 2>/dev/null || true; wait "$ST" 2>/dev/null || true; wait "$STC" 2>/dev/null || true
      kill -TERM "$IPERF_PID" 2>/dev/null || true; wait_gone "$IPERF_PID"; IPERF_PID=""
      echo "   gateway worker packets during the traced run: $(( $(tun_packets) - p0 ))"
      for f in strace-$dir strace-client-$dir; do echo "   $f:"; sed -n '1,14p' "$OUT/$f.txt" | sed 's/^/   /'; done
    done
  fi
  if [ "$PERF" -eq 1 ] && [ -z "$TAG" ]; then
    for dir in up down; do
      start_server "perf-$dir"
      local rflag=""; [ "$dir" = down ] && rflag=-R
      # The gateway and the client (pptpgw dial) sampled at once, each into its own file: which side limits.
      perf record -q -e cpu-clock -F 2999 -p "$GW_PID" -o "$OUT/perf-$dir.data" -- sleep "$SECS" >/dev/null 2>&1 & PR=$!
      perf record -q -e cpu-clock -F 2999 -p "$DIAL_PID" -o "$OUT/perf-client-$dir.data" -- sleep "$SECS" >/dev/null 2>&1 & PRC=$!
      ip netns exec "$NC" timeout $((SECS + 20)) iperf3 -c 198.18.120.2 -p "$PORT" -t "$SECS" $TCP $rflag 2>&1 | grep -E 'receiver' | sed "s/^/   perf $dir: /" || true
      wait "$PR" 2>/dev/null || true
      wait "$PRC" 2>/dev/null || true
      kill -TERM "$IPERF_PID" 2>/dev/null || true; wait_gone "$IPERF_PID"; IPERF_PID=""
      for side in gateway client; do
        local data="$OUT/perf-$dir.data"; [ "$side" = client ] && data="$OUT/perf-client-$dir.data"
        echo "   perf $dir ($side): share by thread and object (cpu-clock samples of the $side process)"
        perf report -i "$data" --stdio --no-children --sort comm,dso 2>/dev/null | grep -E '^ +[0-9]' | head -n 12 | sed 's/^/     /' || true
        echo "   perf $dir ($side): hottest symbols"
        perf report -i "$data" --stdio --no-children --sort sym 2>/dev/null | grep -E '^ +[0-9]' | head -n 30 | cut -c1-150 | sed 's/^/     /' || true
      done
    done
  fi
  # The 64-byte floods last: on a loaded host a flood sometimes leaves the session unusable for TCP until a redial
  # (seen in this script's runs, not reproduced by hand; bench/RESULTS.md, issue 12), so nothing measured after them.
  UDP_RX="$NI eth0" measure "${TAG}mppe128-udp64-up" "$GW_PID" "$DIAL_PID" $UDP
  UDP_RX="$NC pptp0" measure "${TAG}mppe128-udp64-down" "$GW_PID" "$DIAL_PID" $UDP -R
  "$BIN" show dataplane --admin-socket "$RUN/admin.sock" >"$OUT/show-dataplane.txt" 2>&1 || true
  hangup

  echo "-- the same without MPPE"
  dial none
  measure "${TAG}none-tcp1-up" "$GW_PID" "$DIAL_PID" $TCP
  measure "${TAG}none-tcp1-down" "$GW_PID" "$DIAL_PID" $TCP -R
  hangup
  kill -TERM "$GW_PID" 2>/dev/null || true; wait_gone "$GW_PID"; GW_PID=""
}

if [ -z "$ONLY" ] || [ "$ONLY" = pptp ]; then
  [ -n "$BASE_BIN" ] && [ "$BASE_LAST" -eq 0 ] && run_pptp "$BASE_BIN" "base:"
  run_pptp "$BIN" ""
  [ -n "$BASE_BIN" ] && [ "$BASE_LAST" -eq 1 ] && run_pptp "$BASE_BIN" "base:"
fi

if [ -z "$ONLY" ] || [ "$ONLY" = wg ]; then
  if ! command -v wireguard-go >/dev/null || ! command -v wg >/dev/null; then
    echo "-- wireguard-go: skipped (apt-get install wireguard-go wireguard-tools)"
  else
    echo "-- wireguard-go $(dpkg-query -W -f '${Version}' wireguard-go 2>/dev/null) (user space, TUN + UDP), same veths"
    (umask 077; wg genkey >"$RUN/g.key"; wg genkey >"$RUN/c.key")
    wg pubkey <"$RUN/g.key" >"$RUN/g.pub"
    wg pubkey <"$RUN/c.key" >"$RUN/c.pub"
    # Interface names unique to this run: wireguard-go's control socket /var/run/wireguard/NAME.sock is not per namespace.
    WGG="kpg$SUF"; WGC="kpc$SUF"
    ip netns exec "$NG" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$WGG" >"$RUN/wg-g.log" 2>&1 & WG_PIDS+=($!)
    ip netns exec "$NC" env WG_PROCESS_FOREGROUND=1 wireguard-go -f "$WGC" >"$RUN/wg-c.log" 2>&1 & WG_PIDS+=($!)
    t=100; while { [ ! -S "/var/run/wireguard/$WGG.sock" ] || [ ! -S "/var/run/wireguard/$WGC.sock" ]; } && [ $t -gt 0 ]; do sleep 0.1; t=$((t - 1)); done
    ip netns exec "$NG" wg set "$WGG" listen-port 51820 private-key "$RUN/g.key" peer "$(cat "$RUN/c.pub")" allowed-ips 198.19.111.2/32
    ip netns exec "$NC" wg set "$WGC" private-key "$RUN/c.key" peer "$(cat "$RUN/g.pub")" allowed-ips 198.19.111.0/24,198.18.120.0/24 endpoint 198.18.110.1:51820
    ip -n "$NG" addr add 198.19.111.1/24 dev "$WGG"; ip -n "$NG" link set "$WGG" mtu 1400 up
    ip -n "$NC" addr add 198.19.111.2/24 dev "$WGC"; ip -n "$NC" link set "$WGC" mtu 1400 up
    ip -n "$NC" route add 198.18.120.0/24 dev "$WGC"
    measure wg-tcp1-up "${WG_PIDS[0]}" "${WG_PIDS[1]}" $TCP
    measure wg-tcp1-down "${WG_PIDS[0]}" "${WG_PIDS[1]}" $TCP -R
    measure wg-tcp8-up "${WG_PIDS[0]}" "${WG_PIDS[1]}" $TCP -P 8
    measure wg-tcp8-down "${WG_PIDS[0]}" "${WG_PIDS[1]}" $TCP -P 8 -R
  fi
fi

if [ "$MEMORY_PORT" -eq 1 ]; then
  PROBE="$ROOT/bench/bin/Release/net10.0/Bench"
  if [ -x "$PROBE" ]; then
    echo "-- memory-port full path (bench worker-probe, same run)"
    "$PROBE" worker-probe 3 | sed 's/^/   /'
  else
    echo "-- memory-port full path: skipped ($PROBE missing: dotnet build bench/Bench.csproj -c Release)"
  fi
fi
echo "   uptime: $(uptime)"
echo "   results (iperf3 JSON, logs): ${OUT#"$ROOT"/}/"
