"""A JaQMC writer that sends training statistics to ``jaqmc serve`` (Jaqmc.NET).

Standard library only. Drop it into a JaQMC run as a user writer (see docs/remote.md)::

    writer = RemoteWriter(url="http://127.0.0.1:5170", run="h2-bond-1.4")
    with writer.open(working_dir, "train", initial_step):
        for step in range(initial_step, iterations):
            writer.write(step, stats)          # never blocks: a queue and a thread of its own
            if checkpoint_due:
                writer.flush(timeout=30)       # acknowledged = written and flushed by every sink
                save_checkpoint(step)

Guarantees: the server acknowledges a batch once every writer has flushed it; the client keeps every
unacknowledged batch and sends it again after a reconnect (the server skips steps it already holds), so every
sink ends with exactly one row per step. An outage is logged once; the data is kept (up to ``queue_size``
records) and sent when the server is back.
"""

from __future__ import annotations

import collections
import contextlib
import http.client
import json
import logging
import math
import os
import re
import ssl
import threading
import time
import urllib.parse
import uuid

try:  # Inside JaQMC, be a real Writer; without it, stand alone.
    from jaqmc.writer.base import Writer as _WriterBase  # type: ignore
except ImportError:  # pragma: no cover - depends on the environment
    _WriterBase = object

__all__ = ["RemoteWriter", "to_scalar"]

log = logging.getLogger("jaqmc_remote")

_NAME = re.compile(r"[^A-Za-z0-9._-]")
_FULL_POLICIES = ("drop_newest", "drop_oldest", "block")


def to_scalar(value):
    """Converts a JAX/NumPy scalar (anything with ``.item()``), a Python number or a 0-d array to a float."""
    if type(value) is float:
        return value
    item = getattr(value, "item", None)
    if item is not None:
        return float(item())
    return float(value)


class RemoteWriter(_WriterBase):
    """Sends each step's statistics to ``jaqmc serve``; see the module docstring.

    Args:
        url: the server, ``http://host:port`` or ``https://...``.
        run: the run's name on the server (files go to ``ROOT/<run>/``); default: the working directory's name.
        token: the server's token (default: ``$JAQMC_SERVE_TOKEN``).
        queue_size: records held (queued plus unacknowledged) before ``full_policy`` applies.
        full_policy: ``drop_newest`` (default: training never waits; drops are counted and logged),
            ``drop_oldest`` (drop the oldest record not yet sent) or ``block`` (wait for room).
        batch_size: most records per request.
        close_timeout: seconds ``open()``'s exit waits for the last acknowledgement.
        request_timeout: seconds one request may take.
        ca_file: for ``https://``, a PEM file of the certificates to trust (a self-signed server's); default: the
            system's trust store.
    """

    def __init__(self, url="http://127.0.0.1:5170", run=None, token=None, queue_size=200_000,
                 full_policy="drop_newest", batch_size=8192, close_timeout=60.0, request_timeout=60.0,
                 retry_delay=0.2, max_retry_delay=5.0, ca_file=None):
        if full_policy not in _FULL_POLICIES:
            raise ValueError(f"full_policy must be one of {', '.join(_FULL_POLICIES)} (got {full_policy!r})")
        if queue_size <= 0 or batch_size <= 0:
            raise ValueError(f"queue_size and batch_size must be greater than 0 (got {queue_size}, {batch_size})")
        parsed = urllib.parse.urlsplit(url)
        if parsed.scheme not in ("http", "https") or not parsed.hostname:
            raise ValueError(f"url must be http://host:port or https://host:port (got {url!r})")
        self.url = url
        self.run = run
        self.token = token if token is not None else os.environ.get("JAQMC_SERVE_TOKEN", "")
        self.queue_size = queue_size
        self.full_policy = full_policy
        self.batch_size = batch_size
        self.close_timeout = close_timeout
        self.request_timeout = request_timeout
        self.retry_delay = retry_delay
        self.max_retry_delay = max_retry_delay
        self._parsed = parsed
        self._tls = ssl.create_default_context(cafile=ca_file) if parsed.scheme == "https" else None
        self._stream = None
        self.dropped = 0
        self.rejected = 0

    to_scalar = staticmethod(to_scalar)

    # -- the writer interface -------------------------------------------------------------------------------------

    @contextlib.contextmanager
    def open(self, working_dir, stage_name, initial_step=0):
        run = self.run or _NAME.sub("_", os.path.basename(os.path.abspath(str(working_dir)))) or "default"
        stream = _Stream(self, run, stage_name, int(initial_step))
        self._stream = stream
        outcome = "interrupted"
        try:
            yield self
            outcome = "completed"
        finally:
            self._stream = None
            stream.close(outcome, self.close_timeout)
            self.dropped += stream.dropped
            self.rejected += stream.rejected

    def write(self, step, stats):
        """Queues one step; returns at once (unless ``full_policy='block'`` and the queue is full)."""
        stream = self._stream
        if stream is not None:
            stream.put(int(step), stats)

    def flush(self, timeout=None):
        """Waits until every step written so far is acknowledged (durable in every sink). Returns False on timeout."""
        stream = self._stream
        return True if stream is None else stream.wait_acknowledged(timeout)

    @property
    def acknowledged_step(self):
        """The last step the server acknowledged as durable in the open stage (None outside a stage)."""
        stream = self._stream
        return None if stream is None else stream.acked


class _Stream:
    """One open stage: the queue the training loop fills and the thread that batches, sends and resends."""

    def __init__(self, owner, run, stage, initial_step):
        self.owner = owner
        self.run = run
        self.stage = stage
        self.initial_step = initial_step
        self.session = uuid.uuid4().hex
        self.pending = collections.deque()  # (step, stats) not yet in a batch
        self.unacked = collections.deque()  # (last_step, count, body) sent or to send, not acknowledged
        self.unacked_records = 0
        self.last_put = initial_step - 1
        self.acked = initial_step - 1
        self.dropped = 0
        self.rejected = 0
        self.cond = threading.Condition()
        self.closing = False
        self.stop_now = False
        self.stream_id = None
        self.conn = None
        self.outage_since = None
        self.drop_burst = 0
        self.thread = threading.Thread(target=self._run, name=f"jaqmc_remote {run}/{stage}", daemon=True)
        self.thread.start()

    # -- training-loop side ---------------------------------------------------------------------------------------

    def put(self, step, stats):
        cond = self.cond
        with cond:
            if len(self.pending) + self.unacked_records >= self.owner.queue_size:
                policy = self.owner.full_policy
                if policy == "block":
                    while len(self.pending) + self.unacked_records >= self.owner.queue_size and not self.stop_now:
                        cond.wait(1.0)
                elif policy == "drop_oldest" and self.pending:
                    self.pending.popleft()
                    self._count_drop()
                else:
                    self._count_drop()
                    return
            self.pending.append((step, stats))
            self.last_put = step
            if len(self.pending) == 1:
                cond.notify_all()

    def _count_drop(self):
        self.dropped += 1
        self.drop_burst += 1
        if self.drop_burst == 1:
            log.warning("jaqmc_remote: queue full (%d records, policy %s): dropping records of %s/%s until there is room",
                        self.owner.queue_size, self.owner.full_policy, self.run, self.stage)

    def wait_acknowledged(self, timeout):
        deadline = None if timeout is None else time.monotonic() + timeout
        with self.cond:
            target = self.last_put
            self.cond.notify_all()
            while self.acked < target and not self.stop_now:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self.cond.wait(remaining if remaining is not None else 1.0)
        return True

    def close(self, outcome, timeout):
        with self.cond:
            self.closing = outcome
            self.cond.notify_all()
        self.thread.join(timeout)
        if self.thread.is_alive():
            with self.cond:
                left = len(self.pending) + self.unacked_records
                self.stop_now = True
                self.cond.notify_all()
            log.error("jaqmc_remote: %s/%s not closed within %.0f s: %d records not acknowledged (resume from the last "
                      "checkpoint to send them again)", self.run, self.stage, timeout, left)
        if self.dropped:
            log.warning("jaqmc_remote: %s/%s: %d records dropped because the queue was full", self.run, self.stage,
                        self.dropped)

    # -- sender thread --------------------------------------------------------------------------------------------

    def _run(self):
        delay = self.owner.retry_delay
        while not self.stop_now:
            with self.cond:
                while not self.pending and not self.unacked and not self.closing and not self.stop_now:
                    self.cond.wait()
                if self.stop_now:
                    break
                self._cut_batches()
                done = self.closing and not self.pending and not self.unacked
            try:
                if self.stream_id is None:
                    self._open()
                if done:
                    self._request("POST", f"/v1/streams/{self.stream_id}/close",
                                  json.dumps({"outcome": self.closing}).encode())
                    break
                self._send_unacked()
                if self.outage_since is not None:
                    log.warning("jaqmc_remote: %s reachable again after %.1f s; unacknowledged records were sent again",
                                self.owner.url, time.monotonic() - self.outage_since)
                    self.outage_since = None
                delay = self.owner.retry_delay
            except _Reopen:
                self.stream_id = None
            except _Rejected as error:  # the stream itself is refused (a bad run or stage name): nothing can be sent
                log.error("jaqmc_remote: the server refused stream %s/%s: %s; its records are discarded", self.run,
                          self.stage, error)
                with self.cond:
                    self.rejected += len(self.pending) + self.unacked_records
                    self.pending.clear()
                    self.unacked.clear()
                    self.unacked_records = 0
                    self.stop_now = True
                    self.cond.notify_all()
                break
            except (OSError, http.client.HTTPException, _Unavailable) as error:
                self._drop_connection()
                if self.outage_since is None:
                    self.outage_since = time.monotonic()
                    log.warning("jaqmc_remote: %s unreachable (%s): keeping %d records and retrying", self.owner.url,
                                error, len(self.pending) + self.unacked_records)
                with self.cond:
                    self.cond.wait(delay)
                delay = min(delay * 2, self.owner.max_retry_delay)
        self._drop_connection()

    def _cut_batches(self):
        """Moves pending records into request bodies (under the lock; cheap enough: a join per batch)."""
        while self.pending and len(self.unacked) < 4:
            rows = []
            first_step, stats = self.pending[0]
            keys = list(stats)
            size = self.owner.batch_size
            while self.pending and len(rows) < size:
                step, stats = self.pending[0]
                if len(stats) != len(keys) or (rows and list(stats) != keys):
                    if rows:
                        break
                    keys = list(stats)
                self.pending.popleft()
                row = [step]
                row.extend(to_scalar(stats[k]) for k in keys)
                rows.append(row)
            text = json.dumps(rows, separators=(",", ":"))
            if "N" in text or "I" in text:  # NaN, Infinity, -Infinity: strings, as JSON has no literal for them
                text = re.sub(r"(-?Infinity|NaN)", r'"\1"', text)
            body = ('{"keys":' + json.dumps(keys) + ',"rows":' + text + "}").encode()
            self.unacked.append((rows[-1][0], len(rows), body))
            self.unacked_records += len(rows)

    def _open(self):
        start = self.initial_step if self.acked < self.initial_step else self.acked + 1
        reply = self._request("POST", "/v1/streams", json.dumps(
            {"run": self.run, "stage": self.stage, "initial_step": start, "session": self.session}).encode())
        self.stream_id = reply["stream"]
        self._acknowledge(reply["durable_step"])

    def _send_unacked(self):
        while True:
            with self.cond:
                if not self.unacked:
                    self._cut_batches()
                    if not self.unacked:
                        return
                last_step, count, body = self.unacked[0]
            try:
                reply = self._request("POST", f"/v1/streams/{self.stream_id}/records", body)
            except _Rejected as error:
                with self.cond:
                    self.unacked.popleft()
                    self.unacked_records -= count
                    self.rejected += count
                log.error("jaqmc_remote: the server refused %d records up to step %d of %s/%s: %s", count, last_step,
                          self.run, self.stage, error)
                continue
            self._acknowledge(reply["durable_step"])

    def _acknowledge(self, durable):
        with self.cond:
            if durable > self.acked:
                self.acked = durable
            while self.unacked and self.unacked[0][0] <= self.acked:
                _, count, _ = self.unacked.popleft()
                self.unacked_records -= count
            self.drop_burst = 0
            self.cond.notify_all()

    def _request(self, method, path, body):
        if self.conn is None:
            parsed = self.owner._parsed
            if self.owner._tls is not None:
                self.conn = http.client.HTTPSConnection(parsed.hostname, parsed.port, timeout=self.owner.request_timeout,
                                                        context=self.owner._tls)
            else:
                self.conn = http.client.HTTPConnection(parsed.hostname, parsed.port, timeout=self.owner.request_timeout)
        headers = {"Content-Type": "application/json"}
        if self.owner.token:
            headers["Authorization"] = "Bearer " + self.owner.token
        try:
            self.conn.request(method, path, body, headers)
            response = self.conn.getresponse()
            data = response.read()
        except Exception:
            self._drop_connection()
            raise
        if response.status == 200:
            return json.loads(data)
        message = _error(data)
        if response.status == 404:
            raise _Reopen(message)
        if response.status in (401, 403) or response.status >= 500:
            raise _Unavailable(f"{response.status}: {message}")
        raise _Rejected(f"{response.status}: {message}")

    def _drop_connection(self):
        if self.conn is not None:
            with contextlib.suppress(Exception):
                self.conn.close()
            self.conn = None


def _error(data):
    try:
        return json.loads(data)["error"]
    except Exception:  # noqa: BLE001 - any body is shown as it is
        return data[:200].decode("utf-8", "replace")


class _Reopen(Exception):
    """The stream is gone on the server (it restarted): open it again, resend what is unacknowledged."""


class _Unavailable(Exception):
    """The server cannot take the batch now (5xx, token): keep it and retry."""


class _Rejected(Exception):
    """The server refuses the batch for good (4xx): retrying would not help."""
