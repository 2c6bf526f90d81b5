"""Measures `jaqmc serve` on loopback: the Python client (batched vs one request per record), acknowledgement
latency at 100 records/s, 16 concurrent clients, and the .NET client (batched vs one request per record).

    nice -n 19 dotnet build Jaqmc.sln -c Release       # builds jaqmc and bench/Jaqmc.Benchmarks
    /usr/bin/python3 bench/remote/bench_remote.py      # ~3 minutes; prints a table of medians

It starts its own `jaqmc serve` (CSV only: --Writers:Hdf5:Enabled=false) on a free port with a temporary root.
"""

import argparse
import multiprocessing
import os
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, os.path.join(REPO, "clients", "python"))
from jaqmc_remote import RemoteWriter  # noqa: E402

KEYS = [f"key_{i:02d}_statistic" for i in range(20)]


def record(step):
    return {k: -2.9 + i * 0.01 + 1.0 / (step + 1) for i, k in enumerate(KEYS)}


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(dll, root, port, extra):
    url = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(["dotnet", dll, "serve", "--root", root, "--urls", url, "--Writers:Hdf5:Enabled=false", *extra],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    for _ in range(600):
        try:
            urllib.request.urlopen(url + "/healthz", timeout=1).read()
            return server, url
        except OSError:
            time.sleep(0.1)
    server.kill()
    raise SystemExit("jaqmc serve did not start")


def python_rate(url, run, records, batch_size):
    rows = [record(s) for s in range(records)]  # built before timing: the loop's own cost is not the client's
    writer = RemoteWriter(url=url, run=run, batch_size=batch_size, queue_size=records + 1)
    start = time.perf_counter()
    with writer.open("/tmp", "train", 0):
        for step, stats in enumerate(rows):
            writer.write(step, stats)
    elapsed = time.perf_counter() - start
    assert writer.dropped == 0 and writer.rejected == 0
    return records / elapsed


def ack_latency(url, run, records, rate):
    writer = RemoteWriter(url=url, run=run)
    latencies = []
    with writer.open("/tmp", "train", 0):
        next_at = time.perf_counter()
        for step in range(records):
            writer.write(step, record(step))
            t0 = time.perf_counter()
            writer.flush()
            latencies.append((time.perf_counter() - t0) * 1000)
            next_at += 1.0 / rate
            time.sleep(max(0.0, next_at - time.perf_counter()))
    latencies.sort()
    return latencies[len(latencies) // 2], latencies[int(len(latencies) * 0.99) - 1], latencies[-1]


def one_client(args):
    url, run, records, barrier_at = args
    rows = [record(s) for s in range(records)]
    time.sleep(max(0.0, barrier_at - time.time()))
    writer = RemoteWriter(url=url, run=run, queue_size=records + 1)
    start = time.time()
    with writer.open("/tmp", "train", 0):
        for step, stats in enumerate(rows):
            writer.write(step, stats)
    return start, time.time(), records


def concurrent(url, clients, records):
    barrier_at = time.time() + 3.0
    with multiprocessing.Pool(clients) as pool:
        results = pool.map(one_client, [(url, f"concurrent-{i}", records, barrier_at) for i in range(clients)])
    first = min(r[0] for r in results)
    last = max(r[1] for r in results)
    rates = sorted(r[2] / (r[1] - r[0]) for r in results)
    jain = sum(rates) ** 2 / (len(rates) * sum(r * r for r in rates))
    return clients * records / (last - first), rates[0], statistics.median(rates), rates[-1], jain


def dotnet_rate(bench_dll, url, records, rounds, batch, run):
    out = subprocess.run(["dotnet", bench_dll, "remote-client", "--url", url, "--records", str(records), "--rounds", str(rounds),
                          "--batch", str(batch), "--run", run], check=True, capture_output=True, text=True).stdout
    return float(out.strip().splitlines()[-1].split()[1])


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--jaqmc", default=os.path.join(REPO, "src", "Cli", "bin", "Release", "net10.0", "jaqmc.dll"))
    parser.add_argument("--bench", default=os.path.join(REPO, "bench", "Jaqmc.Benchmarks", "bin", "Release", "net10.0", "Jaqmc.Benchmarks.dll"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=200_000)
    parser.add_argument("--quick", action="store_true", help="fewer records and rounds")
    args = parser.parse_args()
    rounds, records = (3, 50_000) if args.quick else (args.rounds, args.records)
    root = tempfile.mkdtemp(prefix="jaqmc-bench-remote-")
    server, url = start_server(args.jaqmc, root, free_port(), [])
    try:
        batched = [python_rate(url, f"py-batched-{i}", records, 8192) for i in range(rounds)]
        single = [python_rate(url, f"py-single-{i}", records // 20, 1) for i in range(rounds)]
        print(f"Python client, 20 keys into CSV, batched (8192/request): median {statistics.median(batched):,.0f} records/s "
              f"(rounds: {', '.join(f'{r:,.0f}' for r in batched)})", flush=True)
        print(f"Python client, one request per record:                 median {statistics.median(single):,.0f} records/s "
              f"(rounds: {', '.join(f'{r:,.0f}' for r in single)})", flush=True)
        p50, p99, worst = ack_latency(url, "py-latency", 1000 if not args.quick else 300, 100.0)
        print(f"Acknowledgement latency at 100 records/s (write -> durable in every sink): p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms", flush=True)
        agg, low, mid, high, jain = concurrent(url, 16, records // 8)
        print(f"16 concurrent Python clients x {records // 8:,} records: aggregate {agg:,.0f} records/s; per client min {low:,.0f} / "
              f"median {mid:,.0f} / max {high:,.0f} records/s; Jain fairness {jain:.3f}", flush=True)
        if os.path.exists(args.bench):
            dn = dotnet_rate(args.bench, url, records * 2, rounds, 8192, "dn-batched")
            dn1 = dotnet_rate(args.bench, url, records // 20, rounds, 1, "dn-single")
            print(f".NET RemoteStatsRecorder, batched (8192/request): median {dn:,.0f} records/s", flush=True)
            print(f".NET RemoteStatsRecorder, one request per record: median {dn1:,.0f} records/s", flush=True)
        else:
            print(f"{args.bench} missing: build bench/Jaqmc.Benchmarks for the .NET figures", flush=True)
    finally:
        server.terminate()
        server.wait(60)


if __name__ == "__main__":
    main()
