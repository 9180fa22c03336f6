#!/usr/bin/env bash
# Builds libpgwdpdk.so (pgw_dpdk.c) into the directory given as $1 when libdpdk's development files are present;
# prints why and exits 0 otherwise (the gateway then runs on the kernel port, and `gateway dataplane dpdk` says
# which package is missing).
set -euo pipefail
cd "$(dirname "$0")"
OUT=${1:-../artifacts/native}
if ! command -v gcc >/dev/null 2>&1 || ! pkg-config --exists libdpdk 2>/dev/null; then
  echo "native: libdpdk-dev (pkg-config libdpdk) or gcc missing: the DPDK shim is not built" >&2
  rm -f "$OUT/libpgwdpdk.so"
  exit 0
fi
mkdir -p "$OUT"
# --no-as-needed keeps every librte_* the EAL, ethdev, mempool and ring set-up P/Invoke through this library.
# shellcheck disable=SC2046
gcc -O2 -fPIC -shared -Wall -Wextra -Werror $(pkg-config --cflags libdpdk) -DALLOW_EXPERIMENTAL_API \
  pgw_dpdk.c -o "$OUT/libpgwdpdk.so.tmp" \
  -Wl,--no-as-needed $(pkg-config --libs libdpdk | sed 's/-Wl,--as-needed//g')
mv "$OUT/libpgwdpdk.so.tmp" "$OUT/libpgwdpdk.so"
echo "native: $OUT/libpgwdpdk.so (DPDK $(pkg-config --modversion libdpdk))" >&2
