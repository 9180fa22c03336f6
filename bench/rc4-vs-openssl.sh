#!/usr/bin/env bash
# RC4 throughput on 1400-octet buffers: `openssl speed` (OpenSSL's own RC4, its assembly where it has one)
# against our managed Rc4 and OpenSslRc4 (P/Invoke to the same libcrypto), measured in the same run.
#
#   bench/rc4-vs-openssl.sh            full BenchmarkDotNet job (a few minutes; use an idle machine)
#   bench/rc4-vs-openssl.sh --short    BenchmarkDotNet's short job (a smoke run, noisier)
#   OPENSSL_SECONDS=3 (default)        how long `openssl speed` runs
#
# Prints MB/s (10^6 octets/s) for each and the ratios managed / openssl-speed and managed / OpenSslRc4.
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

JOB_ARGS=()
if [ "${1:-}" = "--short" ]; then JOB_ARGS=(--job short); shift; fi
SECS=${OPENSSL_SECONDS:-3}
BYTES=1400
ART=$(mktemp -d -t rc4bench.XXXXXX)
trap 'rm -rf "$ART"' EXIT

command -v openssl >/dev/null || { echo "openssl not found (apt-get install openssl)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found (used to read the BenchmarkDotNet JSON)" >&2; exit 1; }

echo "== openssl speed -evp rc4 -bytes $BYTES -seconds $SECS" >&2
# The EVP RC4 cipher lives in OpenSSL 3's legacy provider. Output: "RC4   917710.71k" in 1000s of octets/s.
SPEED_OUT=$(openssl speed -evp rc4 -provider legacy -provider default -bytes "$BYTES" -seconds "$SECS" 2>/dev/null)
OPENSSL_KBPS=$(printf '%s\n' "$SPEED_OUT" | awk '/^(RC4|rc4)[[:space:]]/ { v=$NF } END { sub(/k$/, "", v); print v }')
[ -n "$OPENSSL_KBPS" ] || { echo "could not read openssl speed output:" >&2; printf '%s\n' "$SPEED_OUT" >&2; exit 1; }

echo "== BenchmarkDotNet Rc4Benchmarks ${JOB_ARGS[*]:-}" >&2
dotnet run -c Release --project bench/Bench.csproj -- \
  --filter '*Rc4Benchmarks*' --exporters json --artifacts "$ART" "${JOB_ARGS[@]}" "$@" >&2

REPORT=$(find "$ART/results" -name '*Rc4Benchmarks*report*.json' | head -n1)
[ -n "$REPORT" ] || { echo "no BenchmarkDotNet JSON report in $ART/results" >&2; exit 1; }

python3 - "$REPORT" "$OPENSSL_KBPS" "$BYTES" <<'PY'
import json, sys
report, openssl_kbps, size = sys.argv[1], float(sys.argv[2]), int(sys.argv[3])
openssl = openssl_kbps / 1000.0  # 1000s of octets/s -> 10^6 octets/s
rows = {}
for b in json.load(open(report))["Benchmarks"]:
    params = b.get("Parameters", "")
    stats = b.get("Statistics") or {}
    if f"Size={size}" in params and stats.get("Mean"):
        rows[b["Method"]] = size / stats["Mean"] * 1000.0  # octets/ns -> MB/s
managed, pinvoke = rows.get("Managed"), rows.get("OpenSsl")
print(f"RC4, {size}-octet buffers, MB/s (10^6 octets/s)")
print(f"  openssl speed -evp rc4      {openssl:10.0f}")
print(f"  OpenSslRc4 (P/Invoke)       {pinvoke:10.0f}" if pinvoke else "  OpenSslRc4 (P/Invoke)       n/a")
print(f"  Rc4 (managed)               {managed:10.0f}" if managed else "  Rc4 (managed)               n/a")
if managed:
    print(f"  ratio managed / openssl speed   {managed / openssl:.2f}")
    if pinvoke:
        print(f"  ratio managed / OpenSslRc4      {managed / pinvoke:.2f}")
PY
