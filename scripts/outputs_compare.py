#!/usr/bin/env python3
"""Compares two folders written by scripts/outputs_snapshot.sh, file by file.

A file is identical when its bytes are; otherwise, for the outputs that record how long a run took, when it
is after masking what varies from run to run and nothing else: manifest.json without timings, `created`,
`*_secs`, `peak_rss_mb` and the hashes of the workbook and report (which hold timings); in the report, workbook and printed summaries, timestamps, durations ("1.2s"),
floats with six or more decimals (timings listed from the manifest; every table value has four) and the
peak memory cell of the workbook's Run sheet. Exit status 1 when any file differs or is missing.
"""
import sys, os, re, zipfile, json
A,B=sys.argv[1],sys.argv[2]
TS=re.compile(rb'\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z?')
SECS=re.compile(rb'\d+(\.\d+)? ?s\b')
LONGF=re.compile(rb'\d+\.\d{6,}(e-?\d+)?')
# the manifest's hash of a workbook or report (both hold timings), as the report lists it
HX=re.compile(rb'((?:framelens|report)[a-z_]*\.(?:xlsx|html)<[^0-9]{0,60}?>)[0-9a-f]{64}')
RSS=re.compile(rb'(peak_rss_mb\D{0,40}?)\d+')
def norm(path):
    if path.endswith('manifest.json'):
        def strip(o):
            if isinstance(o,dict): return {k:strip(v) for k,v in o.items() if not re.search(r'time|created|secs|seconds|elapsed|rss|timings',k)}
            if isinstance(o,list): return [strip(x) for x in o]
            return o
        m=json.load(open(path))
        # the hashes of the workbook and report, which hold timings, vary with them
        for k in list(m.get('outputs',{})):
            if k.endswith(('.xlsx','.html')): m['outputs'][k]='H'
        return json.dumps(strip(m),sort_keys=True).encode()
    data=open(path,'rb').read()
    if path.endswith('.xlsx'):
        # the Run sheet shows manifest counts.peak_rss_mb (process memory, varies by a few MB run to run)
        root=os.path.dirname(path); mf=os.path.join(root,'manifest.json')
        if not os.path.exists(mf): mf=os.path.join(os.path.dirname(root),'run','manifest.json')
        peak=json.load(open(mf))['counts'].get('peak_rss_mb') if os.path.exists(mf) else None
        z=zipfile.ZipFile(path); parts=[]
        m=re.search(rb'<sheet name="Run" sheetId="(\d+)"',z.read('xl/workbook.xml'))
        run_sheet='xl/worksheets/sheet%s.xml'%m.group(1).decode() if m else None
        for n in sorted(z.namelist()):
            d=z.read(n)
            if peak is not None and n==run_sheet: d=re.sub(rb'(<c r="[A-Z]+\d+"(?: s="\d+")?>)<v>%d</v>'%peak,rb'\1<v>RSS</v>',d)
            parts.append(n.encode()+b'\n'+d)
        data=b'\n'.join(parts)
    if path.endswith(('.xlsx','.html','.stdout','.stderr')):
        data=HX.sub(rb'\1H',data); data=TS.sub(b'T',data); data=RSS.sub(rb'\1N',data); data=LONGF.sub(b'F',data); data=SECS.sub(b'Xs',data)
    return data
files=set()
for root in (A,B):
    for d,_,fs in os.walk(root):
        for f in fs:
            if not f.endswith('.stripped'): files.add(os.path.relpath(os.path.join(d,f),root))
bad=0; same=0; exact=0
for f in sorted(files):
    pa,pb=os.path.join(A,f),os.path.join(B,f)
    if not (os.path.exists(pa) and os.path.exists(pb)): print('MISSING',f); bad+=1; continue
    if f.endswith('.sqlite') or 'sqlite' in f: continue
    ra,rb_=open(pa,'rb').read(),open(pb,'rb').read()
    if ra==rb_: exact+=1; continue
    na,nb=norm(pa),norm(pb)
    if na is None: continue
    if f.endswith('manifest.json') and na==nb: same+=1; continue
    if na==nb: same+=1; print('same-after-masking',f)
    else: bad+=1; print('DIFFERS',f)
print(f'{exact} byte-identical, {same} identical after masking timings/timestamps, {bad} differ')
sys.exit(1 if bad else 0)
