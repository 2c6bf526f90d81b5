#!/usr/bin/env python3
"""A live HDF5-only run under `jaqmc dashboard`: the curve request after rows are appended (issue #16).

For each build given, alternating, 4 times: start `dotnet BUILD dashboard ROOT`, ask for run `long`'s curve twice,
then 5 times append 100 rows to ROOT/long/train_stats.h5 (every dataset, with h5py) and time the next curve request.
ROOT/long must hold only train_stats.h5 (a CSV beside it would be read instead). Prints medians.

    /usr/bin/python3 bench/dashboard_hdf5_refresh.py ROOT src/Cli/bin/Release/r2r/jaqmc.dll [OTHER/jaqmc.dll ...]
"""
import subprocess, time, urllib.request, statistics, sys, h5py, numpy as np
root, builds = sys.argv[1], sys.argv[2:]; res = {b: [] for b in builds}
def append(rows):
    with h5py.File(root + '/long/train_stats.h5','a') as f:
        n = f['step'].shape[0]
        for name in f:
            d = f[name]; d.resize((n+rows,))
            d[n:] = np.arange(n, n+rows) if name == 'step' else np.random.rand(rows)
for i in range(4):
    for b in (builds if i % 2 == 0 else builds[::-1]):
        port = 6600 + i*len(builds) + builds.index(b)
        p = subprocess.Popen(['dotnet', b, 'dashboard', root, '--urls', f'http://127.0.0.1:{port}'], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in p.stdout:
            if f'127.0.0.1:{port}' in line: break
        u = f'http://127.0.0.1:{port}/api/curve?run=dir:long'
        urllib.request.urlopen(u).read(); urllib.request.urlopen(u).read()
        times = []
        for k in range(5):
            append(100); time.sleep(0.05)
            t = time.perf_counter(); urllib.request.urlopen(u).read(); times.append((time.perf_counter()-t)*1000)
        p.terminate(); p.wait()
        res[b].append(statistics.median(times))
for b, r in res.items(): print(f'{b}: curve after 100 rows appended, median {statistics.median(r):.1f} ms ({[round(x,1) for x in r]})')
