#!/usr/bin/env python3
# Resolves a perf record of a .NET process whose JIT code sits in the W^X double mapping (memfd:doublemapper): each
# sample's file offset is mapped back to its virtual address through the mmap events, then named from /tmp/perf-PID.map
# (DOTNET_PerfMapEnabled=1). usage: resolve-perf.py PERF.DATA /tmp/perf-PID.map  (leaf symbols, first PptpGw frame, inclusive)
import sys, bisect, subprocess, collections, re
perf, mapfile = sys.argv[1], sys.argv[2]
syms=[]
for line in open(mapfile):
    a,sz,name=line.rstrip('\n').split(' ',2)
    syms.append((int(a,16),int(sz,16),name))
syms.sort(); starts=[s[0] for s in syms]
def res(ip):
    i=bisect.bisect_right(starts,ip)-1
    if i>=0 and ip < syms[i][0]+syms[i][1]: return syms[i][2]
    return None
mm=[]
for l in subprocess.run(['perf','script','-i',perf,'--show-mmap-events'],capture_output=True,text=True).stdout.split('\n'):
    if 'PERF_RECORD_MMAP' in l and 'doublemapper' in l:
        m=re.search(r'\[0x([0-9a-f]+)\(0x([0-9a-f]+)\) @ (0x[0-9a-f]+|0) ',l)
        if m: mm.append((int(m.group(3),16),int(m.group(2),16),int(m.group(1),16)))
mm.sort(); mstarts=[x[0] for x in mm]
def va(off):
    i=bisect.bisect_right(mstarts,off)-1
    if i>=0 and off<mm[i][0]+mm[i][1]: return mm[i][2]+off-mm[i][0]
    return None
out=subprocess.run(['perf','script','-i',perf,'-F','ip,sym,dso'],capture_output=True,text=True).stdout
leaf=collections.Counter(); incl=collections.Counter(); first_ours=collections.Counter(); n=0
for block in out.split('\n\n'):
    frames=[l.strip() for l in block.strip().split('\n') if l.strip()]
    if not frames: continue
    n+=1
    names=[]
    for f in frames:
        m=re.match(r'([0-9a-f]+)\s+(.*)\s+\((.*)\)$',f)
        if not m: continue
        ip=int(m.group(1),16); sym=m.group(2); dso=m.group(3)
        if 'doublemapper' in f:
            v=va(ip); r=res(v) if v is not None else None; names.append(r or '[jit?]')
        else:
            d=dso.split('/')[-1]
            names.append((sym if sym!='[unknown]' else '?')+' @'+d)
    if not names: continue
    leaf[names[0]]+=1
    for nm in set(names): incl[nm]+=1
    ours=next((x for x in names if 'PptpGw' in x), None)
    first_ours[ours or '(no PptpGw frame)']+=1
print('samples',n)
print('--- leaf top 40'); 
for k,v in leaf.most_common(40): print(f'{100*v/n:5.1f}% {k[:150]}')
print('--- first PptpGw frame on the stack (who caused it), top 40')
for k,v in first_ours.most_common(40): print(f'{100*v/n:5.1f}% {k[:150]}')
print('--- inclusive PptpGw frames top 50')
for k,v in [kv for kv in incl.most_common(400) if 'PptpGw' in kv[0]][:50]: print(f'{100*v/n:5.1f}% {k[:150]}')
