#!/usr/bin/env bash
# Verification cost (issue 9): the worker's receive loop (WorkerRig.Loop of bench/Dataplane/WorkerBenchmarks.cs: a
# burst of 32 packets decapsulated + decrypted and 32 encrypted + encapsulated, MPPE-128) with the dataplane of a
# revision BEFORE verify-before-commit and of this tree, alternated A B A B in one go. Per configuration it reports
# the MINIMUM over many short samples (4 loop turns each) per packet: on a machine loaded by other work, the
# minimum is a sample that ran unpreempted, so the ratio stays meaningful where BenchmarkDotNet's medians do not.
#
#   bench/verify-cost.sh [BEFORE_REV]        default BEFORE_REV: 1dd9332 (main before the verification landed)
#   SECONDS_PER_CONFIG=4 (default)           sampling time per configuration and run
#   BEFORE_DLL=... AFTER_DLL=...             use these PptpGw.Dataplane.dll builds instead of building them
#   LOCK=/tmp/pptpgw-bench.lock              hold this flock for the timed runs only (not the builds)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
REV=${1:-1dd9332}
SECS=${SECONDS_PER_CONFIG:-4}
WORK=$(mktemp -d -t verify-cost.XXXXXX)

if [ -z "${BEFORE_DLL:-}" ]; then
  mkdir -p "$WORK/src-before"
  git archive "$REV" | tar -x -C "$WORK/src-before"
  dotnet build "$WORK/src-before/src/Dataplane/Dataplane.csproj" -c Release -nologo -v q >&2
  BEFORE_DLL="$WORK/src-before/src/Dataplane/bin/Release/net10.0/PptpGw.Dataplane.dll"
fi
if [ -z "${AFTER_DLL:-}" ]; then
  dotnet build src/Dataplane/Dataplane.csproj -c Release -nologo -v q >&2
  mkdir -p "$WORK/dll-after"
  cp src/Dataplane/bin/Release/net10.0/PptpGw.Dataplane.dll "$WORK/dll-after/"
  AFTER_DLL="$WORK/dll-after/PptpGw.Dataplane.dll"
fi

for v in before after; do
  dll=$BEFORE_DLL; [ "$v" = after ] && dll=$AFTER_DLL
  mkdir -p "$WORK/$v"
  cat > "$WORK/$v/vcost.csproj" <<EOF
<Project Sdk="Microsoft.NET.Sdk">
  <PropertyGroup><OutputType>Exe</OutputType><TargetFramework>net10.0</TargetFramework><Nullable>enable</Nullable>
  <AllowUnsafeBlocks>true</AllowUnsafeBlocks><ImplicitUsings>enable</ImplicitUsings></PropertyGroup>
  <ItemGroup><Reference Include="PptpGw.Dataplane"><HintPath>$dll</HintPath></Reference></ItemGroup>
</Project>
EOF
  { echo 'using PptpGw.Dataplane.Buffers; using PptpGw.Dataplane.Control; using PptpGw.Dataplane.Mppe; using PptpGw.Dataplane.Packets; using PptpGw.Dataplane.Ports; using PptpGw.Dataplane.Sessions; using PptpGw.Dataplane.Workers;'
    sed -n '/^internal sealed class WorkerRig/,$p' bench/Dataplane/WorkerBenchmarks.cs | sed '1i /// <summary>Copied from bench/Dataplane/WorkerBenchmarks.cs.</summary>'; } > "$WORK/$v/WorkerRig.cs"
  cat > "$WORK/$v/Program.cs" <<'EOF'
using System.Diagnostics;
double seconds = double.Parse(args[0], System.Globalization.CultureInfo.InvariantCulture);
foreach (int size in new[] { 64, 512, 1400 })
foreach (bool stateless in new[] { false, true })
foreach (int sessions in new[] { 1, 32 })
{
    using var rig = new WorkerRig(size, sessions, mppe: true, stateless);
    rig.PrimeLoop();
    for (int i = 0; i < 20000; i++) rig.Loop(); // tiered JIT up to the optimised code
    long best = long.MaxValue;
    var total = Stopwatch.StartNew();
    while (total.Elapsed.TotalSeconds < seconds)
    {
        long t0 = Stopwatch.GetTimestamp();
        for (int i = 0; i < 4; i++) rig.Loop();
        best = Math.Min(best, Stopwatch.GetTimestamp() - t0);
    }
    Console.WriteLine($"{size} {stateless} {sessions} {best * 1e9 / Stopwatch.Frequency / (4 * 32):F1}");
}
EOF
  dotnet build "$WORK/$v/vcost.csproj" -c Release -nologo -v q >&2
done

RESULTS="$WORK/results.txt"
measure() {
  for r in 1 2; do
    for v in before after; do
      echo "== $v$r $(uptime)" >> "$RESULTS"
      dotnet "$WORK/$v/bin/Release/net10.0/vcost.dll" "$SECS" >> "$RESULTS"
    done
  done
  echo "== end $(uptime)" >> "$RESULTS"
}
if [ -n "${LOCK:-}" ]; then
  exec 9>"$LOCK"
  flock 9
  measure
  flock -u 9
else
  measure
fi
echo "raw: $RESULTS" >&2
python3 - "$RESULTS" <<'EOF'
import re, statistics, sys
runs, cur = {}, None
for line in open(sys.argv[1]):
    if line.startswith('== end '):
        print(f"end: {line[7:].strip()}"); continue
    m = re.match(r'== (before|after)(\d) (.*)', line)
    if m:
        cur = (m.group(1), int(m.group(2))); runs[cur] = {}; print(f"{cur[0]} run {cur[1]}: {m.group(3).strip()}"); continue
    p = line.split()
    if len(p) == 4:
        runs[cur][(int(p[0]), p[1] == 'True', int(p[2]))] = float(p[3])
print()
print("| Size | MPPE | Sessions | before, ns/packet (run 1 / 2) | after (run 1 / 2) | after ÷ before (mean of the 2 pairs) |")
print("|---:|---|---:|---|---|---:|")
for k in runs[('before', 1)]:
    b1, b2 = runs[('before', 1)][k], runs[('before', 2)][k]
    a1, a2 = runs[('after', 1)][k], runs[('after', 2)][k]
    print(f"| {k[0]} | {'stateless' if k[1] else 'stateful'} | {k[2]} | {b1:,.0f} / {b2:,.0f} | {a1:,.0f} / {a2:,.0f} | {statistics.mean([a1 / b1, a2 / b2]):.3f} |")
EOF
