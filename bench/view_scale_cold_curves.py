#!/usr/bin/env python3
"""Cold 2,000-point curves over the longest range curve() reads value by value (16,384 steps), two view-scale
schemas side by side: before each pair the OS page cache is dropped (needs root), each pair reads the same random
run, key and range in both schemas, and the order alternates. Prints the median, minimum and maximum per schema.

Usage (psql's PG* environment variables name the server):
    /usr/bin/python3 bench/view_scale_cold_curves.py [--pairs 11] SCHEMA_A SCHEMA_B
For example, rows step by step against key by key: build with `view-scale --build-only --batch-records 0`, then
`ALTER SCHEMA scale RENAME TO scale_stepwise`, build again with the default, and run this with scale_stepwise scale.
"""
import argparse
import random
import re
import statistics
import subprocess

parser = argparse.ArgumentParser()
parser.add_argument("--pairs", type=int, default=11)
parser.add_argument("--seed", type=int, default=11)
parser.add_argument("schemas", nargs=2)
args = parser.parse_args()

rnd = random.Random(args.seed)
keys = ["pmove", "total_energy", "energy:kinetic", "loss", "extra_05", "extra_09"]
times = {s: [] for s in args.schemas}
for i in range(args.pairs):
    run, key, lo = rnd.randint(1, 40), rnd.choice(keys), rnd.randint(0, 100_000 - 16_384)
    subprocess.run(["sync"], check=True)
    with open("/proc/sys/vm/drop_caches", "w") as caches:
        caches.write("3\n")
    pair = args.schemas if i % 2 == 0 else args.schemas[::-1]
    sql = "\\timing on\n" + "\n".join(
        f"SELECT count(*) FROM {s}.curve('run-{run:03d}', 'train', '{key}', {lo}, {lo + 16383}, 2000);" for s in pair)
    out = subprocess.run(["psql", "-X", "-q", "-t", "-v", "ON_ERROR_STOP=1"], input=sql, capture_output=True, text=True, check=True).stdout
    for schema, ms in zip(pair, re.findall(r"Time: ([0-9.]+) ms", out)):
        times[schema].append(float(ms))

for schema, ts in times.items():
    print(f"{schema}: median {statistics.median(ts):.1f} ms, min {min(ts):.1f}, max {max(ts):.1f} ({len(ts)} cold curves)")
