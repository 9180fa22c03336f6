#!/usr/bin/env bash
# RC4 against OpenSSL in one run: `openssl speed -evp rc4` (OpenSSL's own assembly) before and after, and in between
# bench `rc4-race` (bench/Rc4Race.cs): every keystream schedule, OpenSslRc4 (P/Invoke to the same libcrypto), the old
# octet schedule, the two-stream loops, the burst stage's multi-session aggregate (MppeBurst, 32 stateful sessions),
# the key schedules (ours vs RC4_set_key) and stateless MPPE (burst vs the plain re-key), timed round-robin in one
# process (best and median of the rounds; a load burst hits every row alike). Ends with one line:
#   rc4: single S, aggregate A, setkey K
# single = our active single-stream loop / openssl speed at 1400 B; aggregate = MppeBurst 32 sessions / openssl speed;
# setkey = RC4_set_key time / Rc4.SetKey time. Higher is better in all three. Medians of the rounds; the line before it
# ("best of rounds") gives the same ratios from each row's best round, which load on the machine moves less.
#
#   bench/rc4-vs-openssl.sh            40 rounds, openssl speed 3 s each side
#   bench/rc4-vs-openssl.sh --short    10 rounds, openssl speed 1 s each side (prints the same table and line)
#   ROUNDS=N OPENSSL_SECONDS=S         override either; SLICE_MS=X: each timed slice (default 2 ms; shorter on a loaded machine)
#   BDN=1                              also BenchmarkDotNet's Rc4Benchmarks (short job, in process: the out-of-process build of its generated project timed out under load) between the two
#                                      openssl runs, as a cross-check of the race's single-stream and SetKey rows
# Other arguments go to rc4-race (e.g. --placement).
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

SHORT=0
if [ "${1:-}" = "--short" ]; then SHORT=1; shift; fi
if [ "$SHORT" = 1 ]; then ROUNDS=${ROUNDS:-10}; SECS=${OPENSSL_SECONDS:-1}; else ROUNDS=${ROUNDS:-40}; SECS=${OPENSSL_SECONDS:-3}; fi
BYTES=1400

command -v openssl >/dev/null || { echo "openssl not found (apt-get install openssl)" >&2; exit 1; }

speed() {
  # The EVP RC4 cipher lives in OpenSSL 3's legacy provider. Output: "RC4   917710.71k" in 1000s of octets/s.
  openssl speed -evp rc4 -provider legacy -provider default -bytes "$BYTES" -seconds "$SECS" 2>/dev/null \
    | awk '/^(RC4|rc4)[[:space:]]/ { v=$NF } END { sub(/k$/, "", v); printf "%.1f\n", v / 1000 }'
}

dotnet build -c Release bench/Bench.csproj >&2
echo "== uptime: $(uptime)" >&2
BEFORE=$(speed)
[ -n "$BEFORE" ] && [ "$BEFORE" != "0.0" ] || { echo "could not read openssl speed output" >&2; exit 1; }
echo "== openssl speed -evp rc4 -bytes $BYTES -seconds $SECS: $BEFORE MB/s (before)" >&2
RACE=$(dotnet bench/bin/Release/net10.0/Bench.dll rc4-race --rounds "$ROUNDS" --slice-ms "${SLICE_MS:-2}" --openssl-mbps "$BEFORE" "$@")

BDN_OUT=""
if [ "${BDN:-0}" = 1 ]; then
  command -v python3 >/dev/null || { echo "python3 not found (used to read the BenchmarkDotNet JSON)" >&2; exit 1; }
  ART=$(mktemp -d -t rc4bench.XXXXXX)
  trap 'rm -rf "$ART"' EXIT
  echo "== BenchmarkDotNet Rc4Benchmarks (short job)" >&2
  dotnet bench/bin/Release/net10.0/Bench.dll --filter "*Rc4Benchmarks*" --exporters json --artifacts "$ART" --job short --inProcess >&2
  REPORT=$(find "$ART/results" -name '*Rc4Benchmarks*report*.json' | head -n1)
  [ -n "$REPORT" ] || { echo "no BenchmarkDotNet JSON report in $ART/results" >&2; exit 1; }
  BDN_OUT=$(python3 - "$REPORT" <<'PY'
import json, sys
rows = {}
for b in json.load(open(sys.argv[1]))["Benchmarks"]:
    stats = b.get("Statistics") or {}
    params = b.get("Parameters", "")
    size = int(params.split("Size=")[1].split("&")[0]) if "Size=" in params else 0
    if stats.get("Median"):
        rows[(b["Method"], size)] = stats["Median"]
print("BenchmarkDotNet Rc4Benchmarks, short job, in process, medians:")
for size in (64, 512, 1400):
    m, o = rows.get(("Managed", size)), rows.get(("OpenSsl", size))
    if m and o:
        print(f"  {size:4d} B: Rc4 {size / m * 1000:6.0f} MB/s, OpenSslRc4 {size / o * 1000:6.0f} MB/s, Rc4 / OpenSslRc4 {o / m:.2f}")
ms, os_ = rows.get(("ManagedSetKey", 1400)), rows.get(("OpenSslSetKey", 1400))
if ms and os_:
    print(f"  SetKey (16 octets): Rc4 {ms:.0f} ns, RC4_set_key {os_:.0f} ns, RC4_set_key / Rc4 {os_ / ms:.2f}")
PY
)
fi

AFTER=$(speed)
echo "== openssl speed after: $AFTER MB/s; uptime: $(uptime)" >&2
REF=$(awk -v a="$BEFORE" -v b="$AFTER" 'BEGIN { printf "%.1f", (a + b) / 2 }')
# The race computed its ratios against the "before" figure; restate them against the mean of before and after.
printf '%s\n' "$RACE" | grep -v '^rc4:' | grep -v '^reference single stream' | grep -v '^best of rounds:'
[ -z "$BDN_OUT" ] || printf '%s\n' "$BDN_OUT"
echo "openssl speed -evp rc4 at $BYTES B: before $BEFORE, after $AFTER, reference = mean $REF MB/s"
printf '%s\n' "$RACE" | awk -v before="$BEFORE" -v ref="$REF" '
  /^best of rounds:/ { gsub(",", "", $0); printf "best of rounds: single %.2f, aggregate %.2f, setkey %s\n", $5 * before / ref, $7 * before / ref, $9 }
  /^rc4:/ { gsub(",", "", $0); line = sprintf("rc4: single %.2f, aggregate %.2f, setkey %s", $3 * before / ref, $5 * before / ref, $7) }
  END { print line }'
