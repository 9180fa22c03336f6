#!/usr/bin/env bash
# pptpgw's one entry point.
#   ./build.sh build   restore + publish the gateway: artifacts/bin/pptpgw
#   ./build.sh test    build, then every test (unit, integration, interop where the machine can)
#   ./build.sh demo    gateway + client in network namespaces, a ping through MPPE, show vpdn
#                      (--dataplane dpdk: the same on the DPDK dataplane, net_af_packet on the veths)
#   ./build.sh bench   BenchmarkDotNet micro-benchmarks (args after 'bench' go to BenchmarkDotNet)
#   ./build.sh fuzz [--seconds N] [TARGET...]   AFL++/SharpFuzz on every peer-facing parser (tests/Fuzz/run-fuzz.sh)
#   ./build.sh package  the .deb (self-contained single-file pptpgw, systemd unit, sample config, man page):
#                      artifacts/package/pptpgw_VERSION_amd64.deb (scripts/package-deb.sh; docs/DEPLOY.md)
#   ./build.sh loadtest [--radius] [LOAD ARGS]  pptpgw load against a gateway in network namespaces (scripts/loadtest.sh);
#                      JSON + PNG under artifacts/load/ (default: --sessions 200 --hold 5)
# With no argument: build + test.
set -euo pipefail
cd "$(dirname "$0")"
ROOT=$(pwd)
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 DOTNET_SKIP_FIRST_TIME_EXPERIENCE=1

log() { printf '\033[1m[build.sh]\033[0m %s\n' "$*" >&2; }

# Install Debian packages that are missing (only when root; otherwise say what is missing).
need_pkgs() {
  local missing=()
  for p in "$@"; do dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    log "apt-get install ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
      || { apt-get update >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends "${missing[@]}" >/dev/null; }
  else
    log "missing Debian packages (run as root to install): ${missing[*]}"
  fi
}

need_dotnet() {
  command -v dotnet >/dev/null 2>&1 || { log "the .NET 10 SDK is required (dotnet not on PATH)"; exit 1; }
}

# The DPDK dataplane (gateway dataplane dpdk): Debian's DPDK and the C shim over it (native/). Optional: without
# libdpdk-dev the shim is skipped and the gateway runs on the kernel port.
build_native() {
  need_pkgs dpdk dpdk-dev libdpdk-dev gcc pkg-config
  native/build.sh "$ROOT/artifacts/native"
}

cmd_build() {
  need_dotnet
  need_pkgs openssl libssl3
  build_native
  log "restore + build (Release)"
  dotnet restore Dataplane.sln
  dotnet build Dataplane.sln -c Release --no-restore -nologo -v q
  log "publish the gateway to artifacts/bin"
  dotnet publish src/Gateway/Gateway.csproj -c Release --no-restore --no-build -o artifacts/bin -nologo -v q
  if [ -f artifacts/native/libpgwdpdk.so ]; then cp artifacts/native/libpgwdpdk.so artifacts/bin/; else rm -f artifacts/bin/libpgwdpdk.so; fi
  log "artifacts/bin/pptpgw ready"
}

cmd_test() {
  cmd_build
  # ethtool: the DPDK end-to-end test (tests/Integration/DpdkIntegrationTests.cs) turns TX checksum offload off on its peers' veths.
  need_pkgs iproute2 iputils-ping ethtool
  # The RADIUS tests run a real FreeRADIUS (../shared/aaa/freeradius); installed before the suite so that a new
  # machine runs them instead of skipping them (the interop suite would install it only afterwards).
  need_pkgs freeradius freeradius-utils
  log "tests"
  mkdir -p artifacts/test
  # --blame-hang-timeout: a test that stalls (an await nothing completes) ends the run with its name instead of
  # holding CI until its deadline; 10 min is far above the longest test (about 2 min on a loaded machine).
  dotnet test tests/Tests.csproj -c Release --no-build --no-restore -nologo \
    --blame-hang-timeout 10m --blame-hang-dump-type none \
    --logger "console;verbosity=normal" --logger "trx;LogFileName=results.trx" \
    --results-directory artifacts/test "$@"
  # Every fuzz target briefly (docs/ROBUSTNESS.md "Fuzzing"): a crash or hang fails the build.
  log "fuzz (tests/Fuzz/run-fuzz.sh --seconds ${PPTPGW_FUZZ_SECONDS:-3})"
  need_pkgs afl++
  tests/Fuzz/run-fuzz.sh --seconds "${PPTPGW_FUZZ_SECONDS:-3}"
  # A real Linux client (pptp-linux + pppd in a QEMU guest) against the gateway; prints why when it skips.
  log "interop (tests/Interop/run-interop.sh; docs/INTEROP.md)"
  tests/Interop/run-interop.sh
}

cmd_bench() {
  need_dotnet
  need_pkgs openssl libssl3
  dotnet run -c Release --project bench/Bench.csproj -- "$@"
}

# ./build.sh fuzz [--seconds N] [--timeout MS] [TARGET...]: default 10 s per target; ends with 'fuzz: T targets, E execs, C crashes'.
cmd_fuzz() {
  need_dotnet
  need_pkgs afl++
  dotnet restore Dataplane.sln >/dev/null
  tests/Fuzz/run-fuzz.sh "$@"
}

cmd_demo() {
  cmd_build
  need_pkgs iproute2 iputils-ping
  case " $* " in *" dpdk "*|*"=dpdk "*) need_pkgs ethtool ;; esac
  if [ -x scripts/demo.sh ]; then exec scripts/demo.sh "$@"; fi
  log "the demo arrives with the control-plane issue (issue 4); built artifacts/bin/pptpgw"
}

cmd_package() {
  need_dotnet
  build_native
  dotnet restore Dataplane.sln >/dev/null
  scripts/package-deb.sh "$ROOT/artifacts/package"
}

# ./build.sh loadtest [--radius] [pptpgw load args]: e.g. --sessions 10000 --hold 30 --rate 2000/s (docs in scripts/loadtest.sh).
cmd_loadtest() {
  cmd_build
  need_pkgs iproute2
  exec scripts/loadtest.sh "$@"
}

sub=${1:-all}; shift || true
case "$sub" in
  build) cmd_build ;;
  test) cmd_test "$@" ;;
  bench) cmd_bench "$@" ;;
  fuzz) cmd_fuzz "$@" ;;
  demo) cmd_demo "$@" ;;
  loadtest) cmd_loadtest "$@" ;;
  package) cmd_package ;;
  all) cmd_test ;;
  *) echo "usage: $0 [build|test|demo|bench|fuzz|loadtest|package]" >&2; exit 2 ;;
esac
