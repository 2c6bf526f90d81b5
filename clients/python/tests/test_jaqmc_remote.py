"""Unit tests of jaqmc_remote against a stand-in server (http.server). Run by the .NET suite
(tests/Jaqmc.Tests/Remote/PythonClientUnitTests.cs) with /usr/bin/python3 -m unittest."""

import http.server
import json
import math
import os
import socket
import sys
import threading
import time
import unittest

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
import jaqmc_remote  # noqa: E402
from jaqmc_remote import RemoteWriter, to_scalar  # noqa: E402


class FakeServer:
    """Acknowledges every batch at its last step and keeps what it received."""

    def __init__(self, port=0):
        received = self.received = []
        self.tokens = []
        self.opens = []

        class Handler(http.server.BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def do_POST(self):
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                server.tokens.append(self.headers.get("Authorization"))
                if self.path == "/v1/streams":
                    server.opens.append(body)
                    reply = {"stream": "s1", "durable_step": body["initial_step"] - 1}
                elif self.path.endswith("/records"):
                    received.append(body)
                    reply = {"durable_step": body["rows"][-1][0]}
                else:
                    reply = {"durable_step": received[-1]["rows"][-1][0] if received else -1}
                data = json.dumps(reply).encode()
                self.send_response(200)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        server = self
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
        self.port = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    def steps(self):
        return [row[0] for batch in self.received for row in batch["rows"]]

    def stop(self):
        self.httpd.shutdown()
        self.httpd.server_close()


def unused_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Scalar:
    def __init__(self, value):
        self.value = value

    def item(self):
        return self.value


class ToScalarTests(unittest.TestCase):
    def test_converts_jax_and_numpy_like_scalars_and_python_numbers(self):
        self.assertEqual(to_scalar(Scalar(1.5)), 1.5)
        self.assertEqual(to_scalar(3), 3.0)
        self.assertIs(type(to_scalar(3)), float)
        self.assertTrue(math.isnan(to_scalar(Scalar(float("nan")))))
        self.assertEqual(RemoteWriter.to_scalar(2.25), 2.25)


class SendingTests(unittest.TestCase):
    def setUp(self):
        self.server = FakeServer()

    def tearDown(self):
        self.server.stop()

    def test_every_step_arrives_once_in_order_with_nan_and_infinity_as_strings_and_the_token(self):
        writer = RemoteWriter(url=self.server.url, run="r", token="t0k", batch_size=7)
        with writer.open("/tmp/work", "train", 5):
            for step in range(5, 105):
                writer.write(step, {"e": Scalar(float(step)), "nan": float("nan"), "inf": -math.inf})
        self.assertEqual(self.server.steps(), list(range(5, 105)))
        self.assertEqual(self.server.opens[0]["initial_step"], 5)
        self.assertEqual(self.server.received[0]["keys"], ["e", "nan", "inf"])
        self.assertEqual(self.server.received[0]["rows"][0], [5, 5.0, "NaN", "-Infinity"])
        self.assertTrue(all(t == "Bearer t0k" for t in self.server.tokens))
        self.assertTrue(max(len(b["rows"]) for b in self.server.received) <= 7)

    def test_a_key_set_that_changes_starts_a_new_batch(self):
        writer = RemoteWriter(url=self.server.url, run="r")
        with writer.open("/tmp/work", "train", 0):
            writer.write(0, {"a": 1.0})
            writer.write(1, {"a": 2.0, "b": 3.0})
        self.assertEqual([b["keys"] for b in self.server.received], [["a"], ["a", "b"]])


class OutageTests(unittest.TestCase):
    def test_an_outage_is_logged_once_and_the_data_is_sent_when_the_server_is_back(self):
        port = unused_port()
        writer = RemoteWriter(url=f"http://127.0.0.1:{port}", run="r", retry_delay=0.02, max_retry_delay=0.1)
        with self.assertLogs("jaqmc_remote", "WARNING") as logs:
            with writer.open("/tmp/work", "train", 0):
                for step in range(50):
                    writer.write(step, {"e": float(step)})
                self.assertFalse(writer.flush(timeout=0.5))
                server = FakeServer(port)
                self.assertTrue(writer.flush(timeout=60))
        server.stop()
        unreachable = [line for line in logs.output if "unreachable" in line]
        self.assertEqual(len(unreachable), 1, logs.output)
        self.assertIn("keeping", unreachable[0])
        self.assertEqual(server.steps(), list(range(50)))

    def test_a_full_queue_drops_the_newest_and_counts_them_and_write_never_waits(self):
        writer = RemoteWriter(url=f"http://127.0.0.1:{unused_port()}", run="r", queue_size=10, close_timeout=0.2)
        with self.assertLogs("jaqmc_remote", "WARNING") as logs:
            with writer.open("/tmp/work", "train", 0):
                for step in range(100):
                    writer.write(step, {"e": float(step)})
        self.assertEqual(writer.dropped, 90)
        self.assertEqual(len([line for line in logs.output if "queue full" in line]), 1, logs.output)

    def test_close_gives_up_after_its_timeout_and_says_how_many_records_were_not_acknowledged(self):
        writer = RemoteWriter(url=f"http://127.0.0.1:{unused_port()}", run="r", close_timeout=0.3)
        with self.assertLogs("jaqmc_remote", "ERROR") as logs:
            with writer.open("/tmp/work", "train", 0):
                for step in range(20):
                    writer.write(step, {"e": float(step)})
        self.assertTrue(any("not closed within" in line and "20 records not acknowledged" in line for line in logs.output), logs.output)


class ValidationTests(unittest.TestCase):
    def test_bad_settings_are_refused_with_the_rule_and_the_value(self):
        with self.assertRaisesRegex(ValueError, r"full_policy must be one of .* \(got 'wait'\)"):
            RemoteWriter(full_policy="wait")
        with self.assertRaisesRegex(ValueError, r"url must be .* \(got 'ftp://x'\)"):
            RemoteWriter(url="ftp://x")


if __name__ == "__main__":
    unittest.main()
