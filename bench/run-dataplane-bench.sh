#!/usr/bin/env bash
# The dataplane's performance aims, measured in one go on this machine, per core:
#   1. machine facts and the load average;
#   2. `openssl speed -evp rc4` at 1400 octets (the reference: OpenSSL's single-stream RC4, its assembly);
#   3. BenchmarkDotNet: MppeBenchmarks, MppeBurstBenchmarks, Rc4InterleaveBenchmarks, WorkerBenchmarks and
#      WorkerPlainBaselineBenchmarks (out-of-process toolchain, the short job with 5 measured iterations);
#   4. `openssl speed` again (the two bracket the run: their spread shows how much the machine's load moved);
#   5. the tables (medians) and the ratios of each aim, in Markdown, on stdout.
#
#   bench/run-dataplane-bench.sh                 ~10-15 minutes on 2 cores
#   OPENSSL_SECONDS=3 (default)                  how long each `openssl speed` runs
#   BDN_JOB="--job short --iterationCount 5"     the BenchmarkDotNet job (default shown)
#   OUT=dir                                      keep the raw JSON reports and logs there (default: a temp dir, kept)
set -euo pipefail
cd "$(dirname "$0")/.."
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

SECS=${OPENSSL_SECONDS:-3}
BYTES=1400
read -r -a JOB <<< "${BDN_JOB:---job short --iterationCount 5}"
OUT=${OUT:-$(mktemp -d -t dataplane-bench.XXXXXX)}
mkdir -p "$OUT"

command -v openssl >/dev/null || { echo "openssl not found (apt-get install openssl)" >&2; exit 1; }
command -v python3 >/dev/null || { echo "python3 not found (reads the BenchmarkDotNet JSON)" >&2; exit 1; }

openssl_speed() {
  # The EVP RC4 cipher lives in OpenSSL 3's legacy provider. Output: "RC4   917710.71k" in 1000s of octets/s.
  local out kbps
  out=$(openssl speed -evp rc4 -provider legacy -provider default -bytes "$BYTES" -seconds "$SECS" 2>/dev/null)
  kbps=$(printf '%s\n' "$out" | awk '/^(RC4|rc4)[[:space:]]/ { v=$NF } END { sub(/k$/, "", v); print v }')
  [ -n "$kbps" ] || { echo "could not read openssl speed output:" >&2; printf '%s\n' "$out" >&2; exit 1; }
  echo "$kbps"
}

{
  echo "date: $(date -u +%Y-%m-%dT%H:%M:%SZ)"
  echo "cpu: $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -n1)"
  echo "cores: $(nproc) (lscpu: $(lscpu | sed -n 's/^CPU(s):[[:space:]]*//p' | head -n1) CPUs, $(lscpu | sed -n 's/^Thread(s) per core:[[:space:]]*//p') thread(s) per core)"
  echo "sha_ni: $(grep -qw sha_ni /proc/cpuinfo && echo yes || echo no)"
  echo "dotnet: $(dotnet --version)"
  echo "openssl: $(openssl version)"
  echo "uptime before: $(uptime)"
} > "$OUT/machine.txt"
cat "$OUT/machine.txt" >&2

echo "== openssl speed (before)" >&2
BEFORE=$(openssl_speed)

echo "== BenchmarkDotNet ${JOB[*]} (log: $OUT/bdn.log)" >&2
dotnet run -c Release --project bench/Bench.csproj -- \
  --filter '*MppeBenchmarks*' '*MppeBurstBenchmarks*' '*Rc4InterleaveBenchmarks*' '*WorkerBenchmarks*' '*WorkerPlainBaselineBenchmarks*' \
  --exporters json --artifacts "$OUT" "${JOB[@]}" > "$OUT/bdn.log" 2>&1 \
  || { tail -n 40 "$OUT/bdn.log" >&2; exit 1; }
echo "uptime during: $(uptime)" >> "$OUT/machine.txt"

echo "== openssl speed (after)" >&2
AFTER=$(openssl_speed)
echo "uptime after: $(uptime)" >> "$OUT/machine.txt"
echo "openssl speed 1400 B, kB/s: before $BEFORE, after $AFTER" >> "$OUT/machine.txt"

python3 - "$OUT" "$BEFORE" "$AFTER" <<'PY'
import glob, json, os, re, sys

out, before, after = sys.argv[1], float(sys.argv[2]), float(sys.argv[3])
ossl_mbps = (before + after) / 2 / 1000.0           # 10^6 octets/s, mean of the two runs
ossl_gbps = ossl_mbps * 8 / 1000.0

rows = {}
for path in glob.glob(os.path.join(out, "results", "*-report-full-compressed.json")):
    for b in json.load(open(path))["Benchmarks"]:
        stats = b.get("Statistics") or {}
        if not stats.get("Median"):
            continue
        params = dict(p.split("=", 1) for p in b.get("Parameters", "").split("&") if "=" in p)
        key = (b["Type"], b["Method"], tuple(sorted(params.items())))
        rows[key] = {"median": stats["Median"], "n": stats.get("N", 0),
                     "alloc": (b.get("Memory") or {}).get("BytesAllocatedPerOperation", "?")}

def get(t, m, **p):
    r = rows.get((t, m, tuple(sorted((k, str(v)) for k, v in p.items()))))
    return r["median"] if r else None

def fmt_ns(v):   return "n/a" if v is None else (f"{v:,.0f} ns" if v >= 100 else f"{v:.1f} ns")
def mpps(v):     return "n/a" if v is None else f"{1000 / v:.2f}"
def gbps(v, octets): return "n/a" if v is None else f"{octets * 8 / v:.2f}"
def ratio(a, b): return "n/a" if a is None or b is None else f"{a / b:.2f}"

sizes = [64, 512, 1400]
print(f"OpenSSL `speed -evp rc4` at 1400 B: before {before/1000:.0f} MB/s, after {after/1000:.0f} MB/s; "
      f"reference = mean {ossl_mbps:.0f} MB/s = {ossl_gbps:.2f} Gbit/s (single stream, one core).\n")
ns = sorted({r["n"] for r in rows.values()})
allocs = sorted({str(r["alloc"]) for r in rows.values()})
print(f"BenchmarkDotNet rows: {len(rows)}; measured iterations per row: {ns}; allocated bytes per operation seen: {allocs}. "
      "All times are medians per packet (per buffer for RC4).\n")

print("### MPPE-128, one session, per packet (MppeBenchmarks)\n")
print("| Size | Stateful enc | Stateless enc | Stateful dec (+copy) | Stateless dec (+copy) | Stateless plain (baseline) |")
print("|-----:|---|---|---|---|---|")
for s in sizes:
    cells = []
    for m in ["StatefulEncrypt", "StatelessEncrypt", "StatefulDecrypt", "StatelessDecrypt", "StatelessPlain"]:
        v = get("MppeBenchmarks", m, Size=s)
        cells.append(f"{fmt_ns(v)} · {mpps(v)} Mpps · {gbps(v, s)} Gbit/s")
    print(f"| {s} | " + " | ".join(cells) + " |")
print()

print("### MPPE-128, 32 sessions, burst of 32 (MppeBurstBenchmarks), per packet\n")
print("| Size | Stateless burst | Stateless one by one | Stateless plain | plain / burst | Stateful burst | Stateful one by one | one-by-one / burst |")
print("|-----:|---|---|---|---:|---|---|---:|")
for s in sizes:
    sb, so, sp = (get("MppeBurstBenchmarks", m, Size=s) for m in ["StatelessBurst", "StatelessOneByOne", "StatelessPlain"])
    fb, fo = (get("MppeBurstBenchmarks", m, Size=s) for m in ["StatefulBurst", "StatefulOneByOne"])
    c = lambda v: f"{fmt_ns(v)} · {gbps(v, s)} Gbit/s"
    print(f"| {s} | {c(sb)} | {c(so)} | {c(sp)} | {ratio(sp, sb)} | {c(fb)} | {c(fo)} | {ratio(fo, fb)} |")
print()

print("### RC4: two independent streams, sequential vs interleaved (Rc4InterleaveBenchmarks), per buffer\n")
print("| Size | sequential | interleaved (Transform2) | seq / interleaved | interleaved aggregate MB/s | ÷ OpenSSL |")
print("|-----:|---|---|---:|---:|---:|")
for s in sizes:
    q, i = get("Rc4InterleaveBenchmarks", "Sequential", Size=s), get("Rc4InterleaveBenchmarks", "Interleaved", Size=s)
    agg = None if i is None else s / i * 1000
    print(f"| {s} | {fmt_ns(q)} ({'n/a' if q is None else f'{s / q * 1000:.0f} MB/s'}) | {fmt_ns(i)} | {ratio(q, i)} | "
          f"{'n/a' if agg is None else f'{agg:.0f}'} | {'n/a' if agg is None else f'{agg / ossl_mbps:.2f}'} |")
print()

print("### Worker full paths, MPPE-128, per packet (WorkerBenchmarks; plain baseline: WorkerPlainBaselineBenchmarks)\n")
print("Encrypt = inside → lookup → PPP → MPPE encrypt → GRE → outside. Loop = one packet decapsulated + decrypted "
      "and one encrypted + encapsulated (2 RC4 passes); its Gbit/s counts both passes (2 × Size).\n")
print("| Path | Size | Sessions | Stateful | Stateless | Plain stateless baseline | plain / stateless |")
print("|---|-----:|---:|---|---|---|---:|")
for method, plain, octets in [("EncryptEncapsulate", "EncryptEncapsulatePlain", 1), ("DecapsulateDecryptAndBack", "DecapsulateDecryptAndBackPlain", 2)]:
    for s in sizes:
        for n in [1, 32]:
            f = get("WorkerBenchmarks", method, Size=s, Stateless="False", Sessions=n)
            l = get("WorkerBenchmarks", method, Size=s, Stateless="True", Sessions=n)
            p = get("WorkerPlainBaselineBenchmarks", plain, Size=s, Sessions=n)
            c = lambda v: f"{fmt_ns(v)} · {mpps(v)} Mpps · {gbps(v, octets * s)} Gbit/s"
            name = "encrypt" if octets == 1 else "loop"
            print(f"| {name} | {s} | {n} | {c(f)} | {c(l)} | {c(p)} | {ratio(p, l)} |")
print()

print("### Aims (ratios within this run)\n")
print("| Aim | Measured | Ratio | Target | Met |")
print("|---|---|---:|---:|:---:|")
def aim(label, measured, value, target):
    met = "n/a" if value is None else ("yes" if value >= target else "no")
    print(f"| {label} | {measured} | {'n/a' if value is None else f'{value:.2f}'} | ≥ {target} | {met} |")
for n in [1, 32]:
    f = get("WorkerBenchmarks", "EncryptEncapsulate", Size=1400, Stateless="False", Sessions=n)
    g = None if f is None else 1400 * 8 / f
    aim(f"Stateful encrypt+encap full path, 1400 B, {n} session(s) ÷ OpenSSL RC4", f"{g:.2f} vs {ossl_gbps:.2f} Gbit/s" if g else "n/a", None if g is None else g / ossl_gbps, 0.8)
    f = get("WorkerBenchmarks", "DecapsulateDecryptAndBack", Size=1400, Stateless="False", Sessions=n)
    g = None if f is None else 2 * 1400 * 8 / f
    aim(f"Stateful decap+decrypt and encrypt+encap loop, 1400 B, {n} session(s) (2 RC4 passes) ÷ OpenSSL RC4", f"{g:.2f} vs {ossl_gbps:.2f} Gbit/s" if g else "n/a", None if g is None else g / ossl_gbps, 0.8)
for method, plain in [("EncryptEncapsulate", "EncryptEncapsulatePlain"), ("DecapsulateDecryptAndBack", "DecapsulateDecryptAndBackPlain")]:
    for n in [1, 32]:
        for s in sizes:
            l = get("WorkerBenchmarks", method, Size=s, Stateless="True", Sessions=n)
            p = get("WorkerPlainBaselineBenchmarks", plain, Size=s, Sessions=n)
            aim(f"Stateless {'encrypt+encap' if method.startswith('Enc') else 'loop'} full path, {s} B, {n} session(s): plain ÷ ours",
                f"{fmt_ns(p)} vs {fmt_ns(l)}", None if p is None or l is None else p / l, 2)
i = get("Rc4InterleaveBenchmarks", "Interleaved", Size=1400)
agg = None if i is None else 1400 / i * 1000
aim("Interleaved RC4 aggregate (2 streams), 1400 B ÷ OpenSSL RC4 (stretch)", f"{agg:.0f} vs {ossl_mbps:.0f} MB/s" if agg else "n/a", None if agg is None else agg / ossl_mbps, 1.5)
PY
echo >&2
cat "$OUT/machine.txt" >&2
echo "raw reports and logs: $OUT" >&2
