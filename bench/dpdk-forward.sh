#!/usr/bin/env bash
# C# forwarding through the gateway's DPDK shim against dpdk-testpmd on the same devices, in one run (issue 13):
# a net_memif pair in one process (net_memif0 server, net_memif1 client on one socket; --no-huge -m 512 --no-pci),
# 32 packets of 64 octets injected on each port first (testpmd --tx-first), then one forwarding thread moves them
# 0 -> 1 and 1 -> 0. Rounds alternate the programs so that the machine's load moves all of them alike:
#   testpmd io       dpdk-testpmd --forward-mode=io (rx_burst/tx_burst, nothing touched)
#   C# raw           Bench dpdk-forward --mode raw     (pgw_eth_rx_burst/tx_burst of mbuf pointers from C#)
#   C# port          Bench dpdk-forward --mode port    (the gateway's DpdkQueuePort: mbufs bound to slab descriptors)
#   testpmd macswap  dpdk-testpmd --forward-mode=macswap (every frame's Ethernet addresses swapped)
#   C# macswap       Bench dpdk-forward --mode macswap (DpdkQueuePort + the swap through each packet's span)
# Each figure is the median of 1-second samples after the first (packets forwarded, both directions), then the median
# over the rounds; ratios are C# / testpmd of the same mode.
#
#   bench/dpdk-forward.sh            ROUNDS=3 SECONDS_EACH=5 (about 2 minutes); needs root, dpdk-dev, ./build.sh build
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
ROUNDS=${ROUNDS:-3}
SECS=${SECONDS_EACH:-5}
SHIM="$ROOT/artifacts/native/libpgwdpdk.so"
BENCH="$ROOT/bench/bin/Release/net10.0/Bench"
command -v dpdk-testpmd >/dev/null || { echo "dpdk-testpmd not found (apt-get install dpdk-dev)" >&2; exit 1; }
[ -f "$SHIM" ] || { echo "$SHIM missing: ./build.sh build (needs libdpdk-dev)" >&2; exit 1; }
if [ ! -x "$BENCH" ]; then dotnet build bench/Bench.csproj -c Release -nologo -v q >/dev/null; fi
RUN=$(mktemp -d /tmp/pgw-dpdk-fwd.XXXXXX)
PREFIX="pgw-fwd-$$"
trap 'rm -rf "$RUN" "/var/run/dpdk/$PREFIX"' EXIT
SOCK="$RUN/memif.sock"
EAL=(--no-huge -m 512 --no-pci --no-telemetry --file-prefix "$PREFIX"
  --vdev "net_memif0,role=server,socket=$SOCK" --vdev "net_memif1,role=client,socket=$SOCK")
# Both programs: the main lcore and the forwarding lcore float over both CPUs (no pinning on a shared machine).
LCORES=(--lcores '0@(0-1),1@(0-1)')

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR == 0) print 0; else print v[int((NR + 1) / 2)] }'; }

# Each run prints "WALL PERCPU": WALL = median of the 1-second samples of packets forwarded (both directions); PERCPU =
# packets forwarded / CPU seconds of the forwarding thread (testpmd's rte-worker-1 from /proc, the C# thread's
# CLOCK_THREAD_CPUTIME_ID): the rate per unit of CPU it actually got, the figure that survives a loaded machine.
testpmd_run() {
  local mode=$1 log="$RUN/testpmd-$1.log" pid tid ticks
  # Every period it prints "Rx-pps: N" for port 0 then port 1: their sum is what it forwarded in that second. It needs
  # ~3 s to start (link checks): it runs longer; zero samples and the first non-zero one (partial) are left out.
  dpdk-testpmd "${EAL[@]}" "${LCORES[@]}" -- --forward-mode="$mode" --tx-first \
    --stats-period 1 --no-lsc-interrupt --total-num-mbufs 16384 >"$log" 2>&1 </dev/null &
  pid=$!
  sleep $((SECS + 4))
  ticks=0
  for t in /proc/"$pid"/task/*; do
    [ "$(cat "$t/comm" 2>/dev/null)" = rte-worker-1 ] && ticks=$(awk '{ print $14 + $15 }' "$t/stat")
  done
  kill -INT "$pid"; wait "$pid" || true
  local wall total
  wall=$(awk '/Rx-pps:/ { s += $2; if (++k % 2 == 0) { if (s > 0) print s; s = 0 } }' "$log" | awk 'NR > 1' | head -n "$SECS" | median)
  total=$(awk '/Forward statistics for port/ { getline; s += $2 } END { print s + 0 }' "$log")
  awk -v w="$wall" -v p="$total" -v t="$ticks" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%d %d\n", w, (t > 0 ? p / (t / hz) : 0) }'
}

csharp_run() {
  local mode=$1 out
  out=$(PPTPGW_DPDK_SHIM="$SHIM" "$BENCH" dpdk-forward --mode "$mode" --seconds "$SECS" -- "${EAL[@]}" 2>/dev/null)
  printf '%s\n' "$out" | sed -n 's/.* median_pps=\([0-9]*\) .* per_cpu_pps=\([0-9]*\).*/\1 \2/p'
}

echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1), $(nproc) CPUs"
echo "dpdk: $(pkg-config --modversion libdpdk 2>/dev/null || echo '?'); $(dotnet --version 2>/dev/null | sed 's/^/.NET SDK /')"
echo "uptime before: $(uptime)"
declare -A wall percpu
for r in $(seq 1 "$ROUNDS"); do
  for run in "testpmd io" "csharp raw" "csharp port" "testpmd macswap" "csharp macswap"; do
    set -- $run
    read -r w p < <("$1_run" "$2")
    wall["$1 $2"]+="$w "
    percpu["$1 $2"]+="$p "
    printf 'round %s: %-16s wall %10s pps   per CPU-second %10s pps\n' "$r" "$1 $2" "$w" "$p"
  done
done
echo "uptime after: $(uptime)"
mw() { printf '%s\n' ${wall["$1"]} | median; }
mp() { printf '%s\n' ${percpu["$1"]} | median; }
row() { # label key reference-key
  awk -v l="$1" -v w="$(mw "$2")" -v p="$(mp "$2")" -v rw="$(mw "$3")" -v rp="$(mp "$3")" \
    'BEGIN { printf "| %s | %.2f | %.2f | %.2f | %.2f |\n", l, w / 1e6, (rw > 0 ? w / rw : 0), p / 1e6, (rp > 0 ? p / rp : 0) }'
}
echo
echo "| forwarder (1 thread, memif pair in one process, 64 B) | wall Mpps | ratio | Mpps per CPU-second | ratio |"
echo "|---|---|---|---|---|"
row "dpdk-testpmd io" "testpmd io" "testpmd io"
row "C# raw (shim rx/tx burst of mbufs)" "csharp raw" "testpmd io"
row "C# DpdkQueuePort (mbufs bound to descriptors)" "csharp port" "testpmd io"
row "dpdk-testpmd macswap" "testpmd macswap" "testpmd macswap"
row "C# DpdkQueuePort + macswap" "csharp macswap" "testpmd macswap"
echo "(medians of $ROUNDS rounds; ratios are to testpmd in the same mode)"
