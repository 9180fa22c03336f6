#!/usr/bin/env bash
# run-fuzz.sh - every peer-facing parser under AFL++ with SharpFuzz instrumentation (docs/ROBUSTNESS.md "Fuzzing").
# Called by './build.sh fuzz' (and briefly by './build.sh test').
#
#   tests/Fuzz/run-fuzz.sh [--seconds N] [--timeout MS] [--out DIR] [TARGET ...]     default: every target, 10 s each
#
# Per target: the seed corpus (PptpGw.Fuzz seeds: RFC vectors, the reference guide's captures, frames built with the
# codecs) plus tests/Fuzz/Regressions/TARGET/* (every crash ever found) is replayed first, then afl-fuzz runs for N
# seconds on the instrumented assemblies. A crash is an exception escaping a parser; a hang is an input running longer
# than --timeout (default 5000 ms). Without afl-fuzz (not installed and not root) the targets get the replay plus a
# random-mutation loop of the same length, and the script says so.
# Output: one line per target, then exactly one line 'fuzz: T targets, E execs, C crashes' (hangs are counted as
# crashes). Exit status 1 when anything crashed or hung. Findings stay in OUT (default artifacts/fuzz): OUT/TARGET/
# is afl's output directory (fuzzer_stats, crashes/, hangs/, queue/).
set -uo pipefail
cd "$(dirname "$0")/../.."
ROOT=$(pwd)
SECONDS_PER_TARGET=10
TIMEOUT_MS=5000
OUT="$ROOT/artifacts/fuzz"
TARGETS=()
while [ $# -gt 0 ]; do
  case "$1" in
    --seconds) SECONDS_PER_TARGET="${2:?--seconds needs a value}"; shift ;;
    --timeout) TIMEOUT_MS="${2:?--timeout needs a value}"; shift ;;
    --out) OUT="${2:?--out needs a value}"; shift ;;
    -h|--help) sed -n '2,15p' "$0"; exit 0 ;;
    -*) echo "run-fuzz.sh: unknown option $1" >&2; exit 2 ;;
    *) TARGETS+=("$1") ;;
  esac
  shift
done
[[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]] && [ "$SECONDS_PER_TARGET" -ge 1 ] || { echo "run-fuzz.sh: --seconds must be a positive integer" >&2; exit 2; }

say() { printf '[fuzz %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
BIN="$OUT/bin"       # instrumented: only for afl-fuzz (the coverage callbacks need afl's shared memory)
PLAIN="$OUT/bin-plain" # the same build uninstrumented: seeds, replay, random mutation
rm -rf "$BIN" "$PLAIN" "$OUT/seeds"
mkdir -p "$OUT"
say "publish + instrument (SharpFuzz $(grep -o '"version": "[0-9.]*"' dotnet-tools.json | head -1 | grep -o '[0-9.]*'))"
dotnet tool restore >/dev/null || { say "FAIL: dotnet tool restore (SharpFuzz.CommandLine)"; exit 1; }
dotnet publish tests/Fuzz/Fuzz.csproj -c Release -o "$PLAIN" -nologo -v q >"$OUT/publish.log" 2>&1 \
  || { tail -20 "$OUT/publish.log"; say "FAIL: dotnet publish tests/Fuzz"; exit 1; }
cp -a "$PLAIN" "$BIN"
# Only our own assemblies get the coverage callbacks: the harness and the libraries (runtime, BouncyCastle) do not.
for dll in PptpGw.Dataplane PptpGw.ControlPlane PptpGw.Client; do
  dotnet tool run sharpfuzz "$BIN/$dll.dll" >>"$OUT/publish.log" 2>&1 || { tail -5 "$OUT/publish.log"; say "FAIL: sharpfuzz $dll.dll"; exit 1; }
done
FUZZ=(dotnet "$PLAIN/PptpGw.Fuzz.dll")
AFL_TARGET=(dotnet "$BIN/PptpGw.Fuzz.dll")
mapfile -t ALL < <("${FUZZ[@]}" list | cut -f1)
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL[@]}")
for t in "${TARGETS[@]}"; do
  printf '%s\n' "${ALL[@]}" | grep -qx "$t" || { say "unknown target '$t' (known: ${ALL[*]})"; exit 2; }
done
"${FUZZ[@]}" seeds "$OUT/seeds" "${TARGETS[@]}" || { say "FAIL: writing the seed corpus"; exit 1; }

ENGINE=afl
if ! command -v afl-fuzz >/dev/null 2>&1; then
  ENGINE=mutate
  say "afl-fuzz is not installed (Debian package afl++; './build.sh fuzz' installs it as root): replay + random mutation only"
fi
# afl++ settings for a shared machine and a managed target: the dotnet host is not afl-instrumented (SharpFuzz
# reports coverage), no CPU binding (other jobs share the cores), no UI, no core-pattern or governor demands.
export AFL_SKIP_BIN_CHECK=1 AFL_NO_UI=1 AFL_NO_AFFINITY=1 AFL_SKIP_CPUFREQ=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
export AFL_FORKSRV_INIT_TMOUT=120000  # the runtime's start-up under load

stat_of() { awk -F' *: *' -v k="$1" '$1 == k { print $2 }' "$2" 2>/dev/null; }
TOTAL_EXECS=0; TOTAL_CRASHES=0; N=0
for t in "${TARGETS[@]}"; do
  N=$((N + 1))
  seeds="$OUT/seeds/$t"
  if [ -d "tests/Fuzz/Regressions/$t" ]; then cp tests/Fuzz/Regressions/"$t"/* "$seeds"/ 2>/dev/null; fi
  rm -rf "${OUT:?}/$t"; mkdir -p "$OUT/$t"
  # 1. Replay: a seed or a past crash that throws now is a crash (afl would refuse to start on it anyway).
  if ! "${FUZZ[@]}" replay "$t" "$seeds" >"$OUT/$t/replay.log" 2>&1; then
    grep -E '^(CRASH|SLOW)' "$OUT/$t/replay.log" | head -5 | cut -c1-400
    crashes=$(grep -c '^CRASH' "$OUT/$t/replay.log"); [ "$crashes" -gt 0 ] || crashes=1
    say "$t: replay of $(ls "$seeds" | wc -l) seeds/regressions: $crashes crash(es); not fuzzed"
    TOTAL_CRASHES=$((TOTAL_CRASHES + crashes)); continue
  fi
  # 2. Fuzz.
  if [ "$ENGINE" = afl ]; then
    nice -n 10 afl-fuzz -i "$seeds" -o "$OUT/$t" -t "$TIMEOUT_MS" -m none -V "$SECONDS_PER_TARGET" \
      -- "${AFL_TARGET[@]}" afl "$t" >"$OUT/$t/afl.log" 2>&1
    rc=$?
    st="$OUT/$t/default/fuzzer_stats"
    if [ ! -f "$st" ]; then
      tail -15 "$OUT/$t/afl.log" | sed 's/\x1b\[[0-9;?]*[a-zA-Z]//g'
      say "$t: afl-fuzz failed to start (status $rc, log $OUT/$t/afl.log): counted as a crash"
      TOTAL_CRASHES=$((TOTAL_CRASHES + 1)); continue
    fi
    execs=$(stat_of execs_done "$st"); crashes=$(stat_of saved_crashes "$st"); hangs=$(stat_of saved_hangs "$st")
    [ -n "$crashes" ] || crashes=$(stat_of unique_crashes "$st"); [ -n "$hangs" ] || hangs=$(stat_of unique_hangs "$st")
    say "$t: $execs execs ($(stat_of execs_per_sec "$st")/s), edges $(stat_of edges_found "$st")/$(stat_of total_edges "$st") (bitmap $(stat_of bitmap_cvg "$st")), corpus $(stat_of corpus_count "$st"), stability $(stat_of stability "$st"), crashes ${crashes:-?}, hangs ${hangs:-?}"
    for f in "$OUT/$t"/default/crashes/id:* "$OUT/$t"/default/hangs/id:*; do
      [ -f "$f" ] || continue
      say "  finding $f:"; timeout 60 "${FUZZ[@]}" replay "$t" "$f" | grep -E '^(CRASH|SLOW)' | head -3 | cut -c1-600
    done
    [ "$rc" = 0 ] || { say "$t: afl-fuzz exited $rc (log $OUT/$t/afl.log)"; crashes=$((${crashes:-0} + 1)); }
  else
    out=$(nice -n 10 "${FUZZ[@]}" mutate "$t" "$SECONDS_PER_TARGET" "$seeds")
    printf '%s\n' "$out" | grep '^CRASH' | head -5
    execs=$(printf '%s\n' "$out" | awk '/^execs/ {print $2}'); crashes=$(printf '%s\n' "$out" | awk '/^execs/ {print $4}'); hangs=0
    say "$t: $execs execs (random mutation, no coverage feedback), crashes $crashes"
  fi
  TOTAL_EXECS=$((TOTAL_EXECS + ${execs:-0})); TOTAL_CRASHES=$((TOTAL_CRASHES + ${crashes:-0} + ${hangs:-0}))
done
echo "fuzz: $N targets, $TOTAL_EXECS execs, $TOTAL_CRASHES crashes"
[ "$TOTAL_CRASHES" = 0 ]
