"""Python clients of the two protocols side by side: HTTP/1.1 with batched JSON (what `jaqmc serve` speaks, standard
library only) against the gRPC bidirectional-streaming prototype (bench/Jaqmc.Benchmarks/RemoteProtocols), both into
the same in-process server, same streams and same CSV writer. Bare loops of the same shape: cut 20-key records into
batches, encode, send, wait for the acknowledgement (durable in every sink). Rounds alternate the protocols.

    apt-get install -y python3-grpcio python3-protobuf protobuf-compiler   # the gRPC side only; not needed by the client
    nice -n 19 dotnet build bench/Jaqmc.Benchmarks -c Release
    /usr/bin/python3 bench/remote/bench_protocols.py                    # ~2 minutes; prints medians

The message classes are generated at start with Debian's protoc (protobuf-compiler 3.21, matching python3-protobuf)
into a temporary directory; the call goes through grpcio's generic `channel.stream_stream` with those classes'
(de)serialisers, so no generated service stub (python3-grpc-tools) is needed.
"""

import argparse
import http.client
import json
import os
import queue
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.parse
import uuid

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.dirname(os.path.dirname(HERE))
PROTO_DIR = os.path.join(REPO, "bench", "Jaqmc.Benchmarks", "RemoteProtocols")
KEYS = [f"key_{i:02d}_statistic" for i in range(20)]


def record(step):
    return {k: -2.9 + i * 0.01 + 1.0 / (step + 1) for i, k in enumerate(KEYS)}


def load_messages():
    try:
        import grpc  # noqa: F401
        from google import protobuf  # noqa: F401
    except ImportError as e:
        raise SystemExit(f"{e}: apt-get install -y python3-grpcio python3-protobuf protobuf-compiler (and run /usr/bin/python3)")
    out = tempfile.mkdtemp(prefix="jaqmc-bench-proto-")
    try:
        subprocess.run(["protoc", f"--proto_path={PROTO_DIR}", f"--python_out={out}", "records.proto"], check=True)
    except FileNotFoundError:
        raise SystemExit("protoc is missing: apt-get install -y protobuf-compiler")
    sys.path.insert(0, out)
    import records_pb2
    return records_pb2


class JsonSender:
    """The shipped protocol's request shape, as clients/python/jaqmc_remote.py sends it (one POST per batch)."""

    def __init__(self, url):
        parts = urllib.parse.urlsplit(url)
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=300)

    def _post(self, path, body):
        self.conn.request("POST", path, body, {"Content-Type": "application/json"})
        response = self.conn.getresponse()
        data = response.read()
        if response.status != 200:
            raise RuntimeError(f"{path}: {response.status} {data!r}")
        return json.loads(data)

    def open(self, run, stage, initial_step):
        self.stream = self._post("/v1/streams", json.dumps({"run": run, "stage": stage, "initial_step": initial_step,
                                                           "session": uuid.uuid4().hex}).encode())["stream"]

    def send(self, batch):
        keys = list(batch[0][1])
        rows = [[step, *(stats[k] for k in keys)] for step, stats in batch]
        body = ('{"keys":' + json.dumps(keys) + ',"rows":' + json.dumps(rows, separators=(",", ":")) + "}").encode()
        return self._post(f"/v1/streams/{self.stream}/records", body)["durable_step"]

    def close(self):
        self._post(f"/v1/streams/{self.stream}/close", b'{"outcome":"completed"}')
        self.conn.close()


class GrpcSender:
    """One bidirectional call per stream; each batch waits for its acknowledgement (one in flight, as JSON)."""

    def __init__(self, url, pb):
        import grpc
        self.pb = pb
        self.channel = grpc.insecure_channel(urllib.parse.urlsplit(url).netloc,
                                             options=[("grpc.max_send_message_length", 64 * 1024 * 1024)])
        self.call = self.channel.stream_stream("/jaqmc.bench.RecordStreams/Append",
                                               request_serializer=pb.ClientMessage.SerializeToString,
                                               response_deserializer=pb.Ack.FromString)
        self.outgoing = queue.Queue()

    def _requests(self):
        while (message := self.outgoing.get()) is not None:
            yield message

    def open(self, run, stage, initial_step):
        self.acks = self.call(self._requests())
        self.outgoing.put(self.pb.ClientMessage(open=self.pb.Open(run=run, stage=stage, initial_step=initial_step,
                                                                  session=uuid.uuid4().hex)))
        next(self.acks)

    def send(self, batch):
        keys = list(batch[0][1])
        message = self.pb.ClientMessage()
        b = message.batch
        b.keys.extend(keys)
        b.steps.extend(step for step, _ in batch)
        b.values.extend(stats[k] for _, stats in batch for k in keys)
        self.outgoing.put(message)
        return next(self.acks).durable_step

    def close(self):
        self.outgoing.put(None)
        for _ in self.acks:
            pass
        self.channel.close()


def rate(sender, run, rows, batch_size):
    start = time.perf_counter()
    sender.open(run, "train", 0)
    for i in range(0, len(rows), batch_size):
        sender.send(rows[i:i + batch_size])
    sender.close()
    return len(rows) / (time.perf_counter() - start)


def latency(sender, run, samples, per_second):
    sender.open(run, "train", 0)
    result = []
    begin = time.perf_counter()
    for step in range(samples):
        t0 = time.perf_counter()
        sender.send([(step, record(step))])
        result.append((time.perf_counter() - t0) * 1000)
        time.sleep(max(0.0, begin + (step + 1) / per_second - time.perf_counter()))
    sender.close()
    result.sort()
    return result[len(result) // 2], result[int(len(result) * 0.99) - 1], result[-1]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", default=os.path.join(REPO, "bench", "Jaqmc.Benchmarks", "bin", "Release", "net10.0", "Jaqmc.Benchmarks.dll"))
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--batch", type=int, default=8192)
    parser.add_argument("--latency", type=int, default=1000)
    args = parser.parse_args()
    pb = load_messages()
    server = subprocess.Popen(["dotnet", args.bench, "remote-protocols", "--serve"], stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        urls = dict(server.stdout.readline().split() for _ in range(3))
        rows = [(s, record(s)) for s in range(args.records)]  # built before timing: the loop's own cost is not the client's
        contenders = [("HTTP/1.1 + batched JSON (http.client)", lambda: JsonSender(urls["json"])),
                      ("gRPC bidi stream + protobuf (grpcio)", lambda: GrpcSender(urls["grpc"], pb))]
        rates = [[] for _ in contenders]
        print(f"{args.records:,} records of {len(KEYS)} keys per round, {args.batch} per batch, CSV only, loopback; "
              f"{args.rounds} rounds (+1 warm-up), protocols alternating", flush=True)
        for r in range(args.rounds + 1):
            for i, (_, make) in enumerate(contenders):
                value = rate(make(), f"py{i}-r{r}", rows, args.batch)
                if r > 0:
                    rates[i].append(value)
            if r > 0:
                print(f"round {r}: " + " | ".join(f"{x[-1]:,.0f}" for x in rates), flush=True)
        for (name, _), values in zip(contenders, rates):
            print(f"{name:<40} median {statistics.median(values):>9,.0f} records/s  (rounds {', '.join(f'{v:,.0f}' for v in values)})")
        print(f"acknowledgement latency, one record per batch at 100 records/s, {args.latency} records each:")
        for i, (name, make) in enumerate(contenders):
            p50, p99, worst = latency(make(), f"py-latency-{i}", args.latency, 100.0)
            print(f"{name:<40} p50 {p50:.2f} ms, p99 {p99:.2f} ms, max {worst:.2f} ms", flush=True)
    finally:
        server.stdin.close()
        server.wait(120)


if __name__ == "__main__":
    main()
