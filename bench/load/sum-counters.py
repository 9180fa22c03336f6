#!/usr/bin/env python3
# Sums a dotnet-counters CSV (--format csv, System.Runtime, 1 s samples; loadtest.sh LOADTEST_COUNTERS) over the run:
# bytes allocated, GC collections by generation, JIT time and methods, CPU time; per session with SESSIONS.
# usage: sum-counters.py FILE.csv [SESSIONS]
import csv, sys, collections
rows = list(csv.reader(open(sys.argv[1])))[1:]
n = int(sys.argv[2]) if len(sys.argv) > 2 else 0
tot = collections.Counter()
for r in rows:
    if len(r) < 5 or r[3] != 'Rate': continue
    try: tot[r[2]] += float(r[4])
    except ValueError: pass
def g(k): return sum(v for name, v in tot.items() if name.startswith(k))
alloc = g('dotnet.gc.heap.total_allocated'); cpu = g('dotnet.process.cpu.time'); jit = g('dotnet.jit.compilation.time')
print(f"allocated {alloc/1e6:,.1f} MB; gen0/1/2 collections {g('dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen0]'):.0f}/"
      f"{g('dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen1]'):.0f}/{g('dotnet.gc.collections ({collection} / 1 sec)[gc.heap.generation=gen2]'):.0f}; "
      f"GC pause {g('dotnet.gc.pause.time'):.2f} s; JIT {jit:.2f} s for {g('dotnet.jit.compiled_methods'):,.0f} methods; CPU {cpu:.2f} s"
      + (f" (JIT {100*jit/cpu:.1f} % of it)" if cpu else ""))
if n: print(f"per session ({n:,}): {alloc/n:,.0f} B allocated, {1e6*cpu/n:,.0f} us CPU, {1e6*jit/n:,.0f} us JIT")
