#!/usr/bin/env python3
"""First view from a freshly started `jaqmc dashboard`, as a user meets it (issue #16).

For each build given (a jaqmc.dll), alternating, N times: start `dotnet BUILD dashboard ROOT`, time until it prints
its address line (`Dashboard: http://...`, after any warm-up), then at once time the page's first two requests: the
runs list and the whole-run `total_energy` curve of run `long`. Prints medians of both, and of their sum: what a user
who opens the page as soon as the address appears waits from the command's start to the data. Makes ROOT/long/train_stats.csv (1,000,000 steps) when
neither it nor ROOT/long/train_stats.h5 exists (an HDF5-only run is measured as it is).

    /usr/bin/python3 bench/dashboard_first_view.py /tmp/fv src/Cli/bin/Release/r2r/jaqmc.dll [OTHER/jaqmc.dll ...]
"""
import math, os, statistics, subprocess, sys, time, urllib.request

root, builds = sys.argv[1], sys.argv[2:]
n = int(os.environ.get("N", "7"))
csv = os.path.join(root, "long", "train_stats.csv")
if not os.path.exists(csv) and not os.path.exists(csv[:-4] + ".h5"):
    os.makedirs(os.path.dirname(csv), exist_ok=True)
    with open(csv, "w", newline="") as f:
        f.write("step,pmove,total_energy,total_energy_var\r\n")
        for s in range(1_000_000):
            f.write(f"{s},0.52,{-2.9 + math.exp(-s / 3e4) + 0.01 * math.sin(s * 0.37)!r},0.1\r\n")

results = {b: [] for b in builds}
for i in range(n):
    for b in builds if i % 2 == 0 else builds[::-1]:
        port = 6100 + i * len(builds) + builds.index(b)
        started = time.perf_counter()
        p = subprocess.Popen(["dotnet", b, "dashboard", root, "--urls", f"http://127.0.0.1:{port}"],
                             stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
        for line in p.stdout:
            # The address line, not the log line naming the same address before the warm-up.
            if line.startswith("Dashboard: "):
                break
        ready = time.perf_counter()
        t0 = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/runs").read()
        t1 = time.perf_counter()
        urllib.request.urlopen(f"http://127.0.0.1:{port}/api/curve?run=dir:long").read()
        t2 = time.perf_counter()
        p.terminate()
        p.wait()
        results[b].append(((ready - started) * 1000, (t1 - t0) * 1000, (t2 - t0) * 1000))

for b, r in results.items():
    print(f"{b}: start to address {statistics.median(x[0] for x in r):.0f} ms; then runs list "
          f"{statistics.median(x[1] for x in r):.0f} ms, runs list + curve {statistics.median(x[2] for x in r):.0f} ms; "
          f"start to the curve {statistics.median(x[0] + x[2] for x in r):.0f} ms "
          f"(medians of {len(r)}; each start to curve: {[round(x[0] + x[2]) for x in r]})")
