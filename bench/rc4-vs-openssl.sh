#!/usr/bin/env bash
# RC4 against OpenSSL in one run: `openssl speed -evp rc4` (OpenSSL's own assembly) before and after, and in between
# bench `rc4-race` (bench/Rc4Race.cs): every keystream schedule, OpenSslRc4 (P/Invoke to the same libcrypto), the old
# octet schedule, the two-stream loops, the burst stage's multi-session aggregate (MppeBurst, 32 stateful sessions),
# the key schedules (ours vs RC4_set_key) and stateless MPPE (burst vs the plain re-key), timed round-robin in one
# process (best of the rounds; a load burst hits every row alike). Ends with one line:
#   rc4: single S, aggregate A, setkey K
# single = our active single-stream loop / openssl speed at 1400 B; aggregate = MppeBurst 32 sessions / openssl speed;
# setkey = RC4_set_key time / Rc4.SetKey time. Higher is better in all three.
#
#   bench/rc4-vs-openssl.sh            40 rounds, openssl speed 3 s each side
#   bench/rc4-vs-openssl.sh --short    10 rounds, openssl speed 1 s each side (prints the same table and line)
#   ROUNDS=N OPENSSL_SECONDS=S         override either
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

ROUNDS=${ROUNDS:-40}
SECS=${OPENSSL_SECONDS:-3}
if [ "${1:-}" = "--short" ]; then ROUNDS=${ROUNDS_SHORT:-10}; SECS=${OPENSSL_SECONDS:-1}; shift; fi
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
echo "== openssl speed -evp rc4 -bytes $BYTES -seconds $SECS: $BEFORE MB/s (before)" >&2
RACE=$(dotnet bench/bin/Release/net10.0/Bench.dll rc4-race --rounds "$ROUNDS" --openssl-mbps "$BEFORE" "$@")
AFTER=$(speed)
echo "== openssl speed after: $AFTER MB/s; uptime: $(uptime)" >&2
REF=$(awk -v a="$BEFORE" -v b="$AFTER" 'BEGIN { printf "%.1f", (a + b) / 2 }')
# The race computed its ratios against the "before" figure; restate them against the mean of before and after.
printf '%s\n' "$RACE" | grep -v '^rc4:' | grep -v '^reference single stream'
echo "openssl speed -evp rc4 at $BYTES B: before $BEFORE, after $AFTER, reference = mean $REF MB/s"
printf '%s\n' "$RACE" | awk -v before="$BEFORE" -v ref="$REF" '
  /^rc4:/ {
    gsub(",", "", $0)
    printf "rc4: single %.2f, aggregate %.2f, setkey %s\n", $3 * before / ref, $5 * before / ref, $7
  }'
