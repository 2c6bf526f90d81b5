#!/usr/bin/python3
"""Rows/s of JaQMC's HDF5 writing approach, for comparison with Jaqmc.NET's Hdf5WriterBenchmarks.

JaQMC (bytedance/jaqmc) writes every step: one root dataset per key, created on first use with an unlimited first
dimension and h5py's automatic chunking, resized by one row and assigned, with no explicit flush. This script does
the same for 20 keys and reports the median rows (steps) per second over several repeats.

Run with the system interpreter, which has python3-h5py: /usr/bin/python3 bench/h5py_jaqmc_style.py
"""
import argparse
import math
import os
import statistics
import tempfile
import time

import h5py


def run_once(path, steps, keys, cached):
    start = time.perf_counter()
    with h5py.File(path, "w") as f:
        handles = {}
        for step in range(steps):
            for i, key in enumerate(keys):
                value = math.sin(step + i)
                if cached:
                    # The variant of JaQMC issue #80: dataset objects kept instead of looked up every step.
                    d = handles.get(key)
                    if d is None:
                        d = handles[key] = f.create_dataset(key, shape=(0,), maxshape=(None,), dtype="f8", chunks=True)
                else:
                    if key not in f:
                        f.create_dataset(key, shape=(0,), maxshape=(None,), dtype="f8", chunks=True)
                    d = f[key]
                d.resize((d.shape[0] + 1,))
                d[-1] = value
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=5000, help="rows per repeat (default 5000)")
    parser.add_argument("--keys", type=int, default=20, help="stats keys per row (default 20)")
    parser.add_argument("--repeats", type=int, default=5, help="repeats; the median is reported (default 5)")
    parser.add_argument("--cached-handles", action="store_true", help="keep dataset objects between steps")
    args = parser.parse_args()
    keys = ["energy:kinetic"] + [f"stat_{i:02d}" for i in range(1, args.keys)]
    with tempfile.TemporaryDirectory() as directory:
        path = os.path.join(directory, "train_stats.h5")
        seconds = [run_once(path, args.steps, keys, args.cached_handles) for _ in range(args.repeats)]
    median = statistics.median(seconds)
    variant = "cached handles" if args.cached_handles else "lookup per step"
    print(f"h5py {h5py.version.version}, HDF5 {h5py.version.hdf5_version}, {variant}: {args.steps} rows x {args.keys} keys, "
          f"{args.repeats} repeats, median {median:.3f} s -> {args.steps / median:,.0f} rows/s "
          f"(min {args.steps / max(seconds):,.0f}, max {args.steps / min(seconds):,.0f})")


if __name__ == "__main__":
    main()
