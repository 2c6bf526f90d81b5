"""A training loop shaped like JaQMC's, recording through jaqmc_remote.RemoteWriter (used by the CI tests).

Each stage resumes at the step after its newest checkpoint (JaQMC's ``initial_step``), opens the writer as a
context manager, writes every step, and saves a checkpoint every ``--checkpoint-every`` steps after
``writer.flush()`` (so a checkpoint never claims a step the server has not acknowledged). The statistics are a
deterministic function of the stage and the step, so an interrupted run can be compared with an uninterrupted one.

    python3 jaqmc_like_loop.py --url http://127.0.0.1:5170 --run demo --workdir /tmp/demo --stages train:600,evaluation:200
"""

import argparse
import logging
import math
import os
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from jaqmc_remote import RemoteWriter  # noqa: E402


class Scalar:
    """Stands in for a JAX/NumPy 0-d array: it has .item(), like them."""

    def __init__(self, value):
        self._value = value

    def item(self):
        return self._value


def stats_for(stage, step):
    base = -2.9 + 1.0 / (step + 1) + (0.001 if stage == "evaluation" else 0.0)
    stats = {
        "total_energy": Scalar(base),
        "total_energy_var": Scalar(0.1 / (step + 1)),
        "energy:kinetic": Scalar(2.9 + math.sin(step)),
        "energy:potential": Scalar(-5.8 + math.cos(step)),
        "pmove": Scalar(0.5 + 0.01 * math.sin(step / 7)),
        "loss": base,
    }
    if step % 97 == 13:
        stats["energy:kinetic"] = Scalar(float("nan"))
    if step % 101 == 17:
        stats["energy:potential"] = Scalar(float("-inf"))
    return stats


def checkpoint_path(workdir, stage):
    return os.path.join(workdir, f"{stage}_ckpt")


def load_checkpoint(workdir, stage):
    try:
        with open(checkpoint_path(workdir, stage)) as f:
            return int(f.read())
    except FileNotFoundError:
        return -1


def save_checkpoint(workdir, stage, step):
    tmp = checkpoint_path(workdir, stage) + ".tmp"
    with open(tmp, "w") as f:
        f.write(str(step))
        f.flush()
        os.fsync(f.fileno())
    os.replace(tmp, checkpoint_path(workdir, stage))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--url", required=True)
    parser.add_argument("--run", required=True)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--stages", default="train:600,evaluation:200")
    parser.add_argument("--checkpoint-every", type=int, default=50)
    parser.add_argument("--step-delay", type=float, default=0.0)
    parser.add_argument("--ca-file", default=None, help="for https://: the PEM certificate(s) to trust")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(message)s", stream=sys.stderr)
    os.makedirs(args.workdir, exist_ok=True)
    writer = RemoteWriter(url=args.url, run=args.run, retry_delay=0.05, max_retry_delay=0.5, ca_file=args.ca_file)
    for spec in args.stages.split(","):
        stage, iterations = spec.split(":")
        iterations = int(iterations)
        initial_step = load_checkpoint(args.workdir, stage) + 1
        if initial_step >= iterations:
            continue
        with writer.open(args.workdir, stage, initial_step):
            for step in range(initial_step, iterations):
                writer.write(step, stats_for(stage, step))
                if args.step_delay:
                    time.sleep(args.step_delay)
                if (step + 1) % args.checkpoint_every == 0 and step < iterations - 1:
                    writer.flush()
                    save_checkpoint(args.workdir, stage, step)
                    print(f"checkpoint {stage} {step}", flush=True)
        # The last step's checkpoint makes the next run skip the stage, so it comes once the stage is closed as
        # completed: a kill in between repeats the last steps and closes the stage again, instead of leaving it open.
        save_checkpoint(args.workdir, stage, iterations - 1)
        print(f"checkpoint {stage} {iterations - 1}", flush=True)
    print(f"done dropped={writer.dropped} rejected={writer.rejected}", flush=True)
    return 0 if writer.dropped == 0 and writer.rejected == 0 else 1


if __name__ == "__main__":
    sys.exit(main())
