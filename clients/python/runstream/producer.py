"""The producer: buffers ``log()`` calls and sends them from a background thread
(mirrors packages/sdk/src/producer.ts; the wire contract is README "HTTP API")."""

import atexit
import base64
import os
import random as _random
import threading
import time
from typing import Any, Callable, Dict, List, Optional, Tuple

from .errors import (
    BufferFullError,
    ProducerClosedError,
    RunstreamConfigError,
    RunstreamHttpError,
    RunstreamNetworkError,
)
from .retry import DEFAULT_RETRY_BASE_S, DEFAULT_RETRY_CAP_S, retry_delay_s, status_verdict
from .sample_buffer import BODY_FORMATS, Column, OutgoingBatch, SampleBuffer, split_parts
from .spool import Spool
from .wire import RUN_ID_PATTERN, check_run_id, check_time, check_variable_name, encode_logged_value

DEFAULT_MIN_INTERVAL_MS = 1000
DEFAULT_MAX_BATCH_SAMPLES = 100_000
DEFAULT_MAX_BUFFERED_SAMPLES = 1_000_000
DEFAULT_SPOOL_MAX_BYTES = 1 << 30
ON_FULL_POLICIES = ("drop-newest", "raise")


class ProducerStats:
    """Counters of one producer, in samples unless said otherwise."""

    __slots__ = (
        "buffered", "sent", "acknowledged", "dropped", "discarded",
        "retries", "batches", "duplicates", "splits",
    )

    def __init__(self) -> None:
        self.buffered = 0  # held and not yet acknowledged (buffer + in flight)
        self.sent = 0  # taken into a batch and handed to the network
        self.acknowledged = 0  # acknowledged by the server: safe
        self.dropped = 0  # refused by log() because the buffer was full (drop-newest)
        self.discarded = 0  # thrown away unsent by close() or a failure
        self.retries = 0  # requests sent again (network error, 408, 429, 5xx)
        self.batches = 0  # batches acknowledged
        self.duplicates = 0  # batches the server acknowledged as repeats
        self.splits = 0  # batches split in two after a 413

    def copy(self) -> "ProducerStats":
        out = ProducerStats()
        for name in self.__slots__:
            setattr(out, name, getattr(self, name))
        return out

    def __repr__(self) -> str:
        return "ProducerStats(" + ", ".join(f"{n}={getattr(self, n)}" for n in self.__slots__) + ")"


class Producer:
    """Batches ``log()`` calls of one run and sends them to the ingest server.

    One request in flight, at least ``min_interval_ms`` from the end of one
    request to the start of the next (retries included), batches in order,
    each retried with jittered backoff until acknowledged. ``log()`` takes a
    lock for a few microseconds and never waits for the network. Build it
    with ``Client.producer(run, ...)``.

    The sender is a daemon thread: it never keeps the process alive, but an
    ``atexit`` hook flushes what was logged (for at most
    ``atexit_timeout_s``) when the interpreter exits normally.

    With ``spool_dir``, every batch is written to disk before it is first
    sent and removed once acknowledged (see ``spool.py``); batches wait
    there, not in memory, while the server is away, and a producer started
    again on the same folder and run sends them first, with their ids. A
    batch is formed from what was logged at least every ``min_interval_ms``,
    so a killed process loses at most the last interval's samples
    (``persist()`` spools them at once).

    ``body_format="binary"`` (default: RUNSTREAM_BODY_FORMAT, else ``"json"``)
    sends each batch as little-endian float64 columns (docs/protocol.md,
    "Binary bodies"): the same samples and errors, fewer bytes, and a server
    that parses it several times faster.
    """

    def __init__(
        self,
        transport: Any,
        run: str,
        *,
        min_interval_ms: Optional[float] = None,
        env_min_interval_ms: Optional[int] = None,
        max_batch_samples: int = DEFAULT_MAX_BATCH_SAMPLES,
        max_buffered_samples: int = DEFAULT_MAX_BUFFERED_SAMPLES,
        on_full: str = "drop-newest",
        on_drop: Optional[Callable[[str, float], None]] = None,
        on_error: Optional[Callable[[Exception], None]] = None,
        on_retry: Optional[Callable[[Exception, int, float], None]] = None,
        retry_base_s: float = DEFAULT_RETRY_BASE_S,
        retry_cap_s: float = DEFAULT_RETRY_CAP_S,
        random: Callable[[], float] = _random.random,
        request_timeout_s: float = 10.0,
        producer_id: Optional[str] = None,
        atexit_timeout_s: float = 30.0,
        spool_dir: Optional[str] = None,
        spool_max_bytes: int = DEFAULT_SPOOL_MAX_BYTES,
        body_format: Optional[str] = None,
        env_body_format: Optional[str] = None,
    ) -> None:
        self.run = check_run_id(run)
        self.producer_id = producer_id or base64.urlsafe_b64encode(os.urandom(12)).decode()
        if not RUN_ID_PATTERN.match(self.producer_id):
            raise RunstreamConfigError("producer_id", "must be 1-128 characters of A-Z a-z 0-9 . _ -")
        interval = min_interval_ms
        if interval is None:
            interval = DEFAULT_MIN_INTERVAL_MS if env_min_interval_ms is None else env_min_interval_ms
        self.min_interval_s = _number_option("min_interval_ms", interval, 0) / 1000.0
        self.max_batch_samples = int(_number_option("max_batch_samples", max_batch_samples, 1))
        self.max_buffered_samples = int(_number_option("max_buffered_samples", max_buffered_samples, 1))
        if on_full not in ON_FULL_POLICIES:
            raise RunstreamConfigError("on_full", "must be 'drop-newest' or 'raise'")
        self.on_full = on_full
        # "binary": little-endian float64 columns (docs/protocol.md, "Binary bodies").
        self.body_format = body_format or env_body_format or "json"
        if self.body_format not in BODY_FORMATS:
            raise RunstreamConfigError("body_format", "must be 'json' or 'binary'")
        self._transport = transport
        self._on_drop = on_drop
        self._on_error = on_error
        self._on_retry = on_retry
        self._retry_base_s = retry_base_s
        self._retry_cap_s = retry_cap_s
        self._random = random
        self._timeout_s = request_timeout_s
        self._atexit_timeout_s = atexit_timeout_s

        self._cond = threading.Condition()
        self._buffer = SampleBuffer()
        self._outbox: List[OutgoingBatch] = []
        self._outbox_samples = 0
        # Of those, the samples held in memory (a spooled batch may be on disk only).
        self._outbox_in_memory = 0
        self._next_batch = 0
        self._next_form_at = 0.0
        self._persisting = 0
        # Outbox batches a spool could not take (it was full). While there are
        # any, later batches stay out of it too, so `column.spooled` remains a
        # prefix count and persist() never returns early.
        self._unspooled = 0
        # Shrinks after a 413 so later batches do not hit the same limit again.
        self._batch_limit = self.max_batch_samples
        self._stats = ProducerStats()
        self._waiters: List[List[Tuple[Column, int]]] = []
        self._next_attempt_at = 0.0
        self._attempt = 0
        self._failure: Optional[Exception] = None
        self._closed = False
        self._forced = False
        self._completing = False
        self._spool: Optional[Spool] = None
        if spool_dir is not None:
            self._open_spool(spool_dir, producer_id, int(_number_option("spool_max_bytes", spool_max_bytes, 1)))
        self._thread = threading.Thread(
            target=self._send_loop, name=f"runstream-producer-{self.run}", daemon=True
        )
        self._thread.start()
        atexit.register(self._at_exit)

    # -- the model's side ---------------------------------------------------

    @property
    def stats(self) -> ProducerStats:
        with self._cond:
            out = self._stats.copy()
            out.buffered = self._buffer.size + self._outbox_samples
            return out

    @property
    def _held(self) -> int:
        """Samples held in memory, what ``max_buffered_samples`` bounds."""
        return self._buffer.size + self._outbox_in_memory

    @property
    def _spill_at(self) -> int:
        return min(self._batch_limit, max(1, self.max_buffered_samples // 2))

    @property
    def error(self) -> Optional[Exception]:
        """The error that stopped this producer, if any."""
        return self._failure

    def log(self, variable: str, t: float, v: Any) -> bool:
        """Buffers one sample; returns False when it was dropped (buffer full, ``drop-newest``).

        Raises TypeError for a bad name, a non-finite ``t`` or an unusable
        value; BufferFullError when full under ``raise``; the producer's
        error once it failed; ProducerClosedError after close.
        """
        with self._cond:
            self._check_open()
            column = self._buffer.columns.get(variable)
            if column is None:
                check_variable_name(variable)  # once per name: a known column is a valid name
                column = self._buffer.get_or_add(variable)
            t = check_time(variable, t)
            wire = encode_logged_value(variable, v)
            if self._held >= self.max_buffered_samples:
                return self._refuse(variable, t, 1) == 0
            self._buffer.append(column, t, wire)
            # Wake the sender only when it has something new to do, not per sample.
            if self._buffer.size == 1 or (self._spool is not None and self._buffer.size == self._spill_at):
                self._cond.notify_all()
            return True

    def log_many(self, variable: str, t: Any, v: Any) -> int:
        """Buffers ``t[i], v[i]`` for every i (lists, tuples or numpy arrays); returns how
        many were kept. A 2-D ``v`` gives one array value per row. When the buffer
        fills part-way, the rest is dropped (``drop-newest``) or BufferFullError
        raised (``raise``) with the samples before it kept."""
        t_list = t.tolist() if hasattr(t, "tolist") else list(t)
        v_list = v.tolist() if hasattr(v, "tolist") else list(v)
        if len(t_list) != len(v_list):
            raise ValueError(f"log_many({variable!r}): {len(t_list)} times but {len(v_list)} values")
        check_variable_name(variable)
        ts = t_list if _plain_numbers(t, finite=True) else [check_time(variable, x) for x in t_list]
        vs = v_list if _plain_numbers(v, finite=True) else [encode_logged_value(variable, x) for x in v_list]
        with self._cond:
            self._check_open()
            room = max(0, self.max_buffered_samples - self._held)
            kept = min(room, len(ts))
            self._buffer.extend(self._buffer.get_or_add(variable), ts[:kept], vs[:kept])
            if kept:
                self._cond.notify_all()
            if kept < len(ts):
                self._refuse(variable, ts[kept], len(ts) - kept)
            return kept

    def send_dataframe(self, frame: Any, t: Optional[str] = None, prefix: str = "") -> int:
        """Logs a pandas DataFrame: each column but ``t`` is a variable (named
        ``prefix + column``) with the times of column ``t`` (the index when
        ``t`` is None). Columns go one after another, each through
        ``log_many``; returns how many samples were kept."""
        times = frame.index.to_numpy() if t is None else frame[t].to_numpy()
        kept = 0
        for column in frame.columns:
            if column != t:
                kept += self.log_many(f"{prefix}{column}", times, frame[column].to_numpy())
        return kept

    def flush(self, timeout: Optional[float] = None) -> None:
        """Returns when every sample logged before this call is acknowledged.

        It does not hurry the producer: requests stay ``min_interval_ms``
        apart. Raises the producer's error if it fails, TimeoutError after
        ``timeout`` seconds (the samples stay queued).
        """
        with self._cond:
            self._check_open()
            self._wait_for(self._buffer.flush_targets(), timeout)

    def persist(self, timeout: Optional[float] = None) -> None:
        """Returns when every sample logged before this call is in the spool (or
        acknowledged): a kill from then on loses none of them. Without a spool
        (or with a full one) this is ``flush()``."""
        with self._cond:
            self._check_open()
            targets = self._buffer.flush_targets()
            if self._spool is None:
                self._wait_for(targets, timeout)
                return
            self._persisting += 1
            try:
                self._wait_for(targets, timeout, spooled=True)
            finally:
                self._persisting -= 1

    def complete(self, timeout: Optional[float] = None) -> Dict[str, Any]:
        """Stops taking samples, waits until everything is acknowledged, then
        asks the server to complete the run (paced and retried like a batch)
        and closes. Returns ``{"completed": True, "run": {...}}``; ``completed``
        is False when the server has no complete route (404 ``not_found``)."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            self._check_open()
            self._completing = True
            targets = self._buffer.flush_targets()
            self._closed = True
            try:
                self._wait_for(targets, timeout)
                self._attempt = 0
                while True:
                    self._sleep_until(self._next_attempt_at, deadline)
                    if self._forced:
                        raise ProducerClosedError(self.run)
                    self._cond.release()
                    try:
                        run = self._transport.request(
                            "POST", f"/v1/runs/{self.run}/complete", timeout_s=self._timeout_s
                        )
                        error = None
                    except (RunstreamHttpError, RunstreamNetworkError) as err:
                        error = err
                    finally:
                        self._cond.acquire()
                    self._pace_from_now()
                    if error is None:
                        if self._spool is not None:
                            self._spool.clear()  # a completed run takes no more samples
                        return {"completed": True, "run": run}
                    if isinstance(error, RunstreamHttpError) and error.status == 404 and error.code == "not_found":
                        return {"completed": False}
                    if _verdict(error) != "retry":
                        raise error
                    self._schedule_retry(error)
            finally:
                self._completing = False
                self._discard_unsent()
                self._cond.notify_all()
                atexit.unregister(self._at_exit)

    def close(self, force: bool = False) -> None:
        """Stops the producer: ``log()`` raises from now on. A ``flush()`` pending
        in another thread still finishes; samples no pending call covers are
        discarded (``stats.discarded``): to keep them, ``flush()`` first.
        ``force=True`` also abandons pending flushes (they raise
        ProducerClosedError) — for shutting down while the server is away."""
        with self._cond:
            self._closed = True
            if force:
                self._forced = True
            self._cond.notify_all()
        if force or not self._waiters:
            self._thread.join(timeout=self._timeout_s + 1)
        with self._cond:
            if not self._waiters and not self._completing:
                self._discard_unsent()
        atexit.unregister(self._at_exit)

    def __enter__(self) -> "Producer":
        return self

    def __exit__(self, exc_type: Any, exc: Any, tb: Any) -> None:
        # Whether the block ended well or not, what it logged is worth keeping.
        try:
            if not self._closed and self._failure is None:
                self.flush()
        finally:
            self.close()

    # -- the sender's side --------------------------------------------------

    def _check_open(self) -> None:
        if self._failure is not None:
            raise self._failure
        if self._closed:
            raise ProducerClosedError(self.run)

    def _refuse(self, variable: str, t: float, n: int) -> int:
        if self.on_full == "raise":
            raise BufferFullError(self.max_buffered_samples, variable)
        self._stats.dropped += n
        if self._on_drop is not None:
            for _ in range(n):
                self._on_drop(variable, t)
        return n

    def _wait_for(self, targets: List[Tuple[Column, int]], timeout: Optional[float], spooled: bool = False) -> None:
        """Blocks (lock held, released while waiting) until every target is
        acknowledged (or, ``spooled``, at least written to the spool)."""
        if not targets:
            return
        self._waiters.append(targets)
        self._cond.notify_all()
        deadline = None if timeout is None else time.monotonic() + timeout
        try:
            while any(c.acked < until and not (spooled and c.spooled >= until) for c, until in targets):
                if self._failure is not None:
                    raise self._failure
                if self._forced:
                    raise ProducerClosedError(self.run)
                left = None if deadline is None else deadline - time.monotonic()
                if left is not None and left <= 0:
                    raise TimeoutError(f"run {self.run!r}: samples not acknowledged within {timeout} s")
                self._cond.wait(left)
        finally:
            self._waiters.remove(targets)

    @property
    def _stopping(self) -> bool:
        return self._failure is not None or self._forced or (
            self._closed and not self._waiters and not self._completing
        )

    def _sleep_until(self, at: float, deadline: Optional[float] = None) -> None:
        while not self._forced and self._failure is None:
            now = time.monotonic()
            if now >= at:
                return
            if deadline is not None and now >= deadline:
                raise TimeoutError(f"run {self.run!r}: not done in time")
            wake = at if deadline is None else min(at, deadline)
            self._cond.wait(wake - now)

    def _send_loop(self) -> None:
        try:
            with self._cond:
                while True:
                    while not self._stopping and not self._outbox and self._buffer.size == 0:
                        self._cond.wait()
                    if self._stopping:
                        return
                    now = time.monotonic()
                    if self._should_spool_now(now):
                        self._form_batch()
                        continue
                    # The interval is waited before the batch is formed, so it
                    # takes everything logged meanwhile.
                    wake_at = self._next_attempt_at
                    if self._can_spool and self._buffer.size > 0 and self._outbox:
                        wake_at = min(wake_at, self._next_form_at)
                    if now < wake_at:
                        self._cond.wait(wake_at - now)
                        continue
                    if now < self._next_attempt_at:
                        continue
                    if not self._outbox:
                        self._form_batch()
                        if not self._outbox:
                            continue
                    head = self._outbox[0]
                    if head.body is None:
                        self._load(head)
                        if self._stopping:
                            return
                    self._attempt_batch(head)
        except BaseException as err:  # only a bug gets here: fail loudly rather than stall
            with self._cond:
                self._fail(err if isinstance(err, Exception) else RuntimeError(repr(err)))

    def _should_spool_now(self, now: float) -> bool:
        """With a spool, batches are formed (and written) while the head waits:
        a full batch's worth at once, anything after an interval or on persist()."""
        if not self._can_spool or self._buffer.size == 0:
            return False
        if self._persisting > 0:
            return True
        return bool(self._outbox) and (self._buffer.size >= self._spill_at or now >= self._next_form_at)

    @property
    def _can_spool(self) -> bool:
        return self._spool is not None and not self._unspooled and self._spool.has_room(0)

    def _form_batch(self) -> None:
        """Takes a batch from the buffer into the outbox; with a spool, writes it
        there first (lock released: disk I/O must not hold up log())."""
        parts = self._buffer.take(self._batch_limit)
        if not parts:
            return
        batch = OutgoingBatch(self.producer_id, self._next_batch, parts, self.body_format)
        self._next_batch += 1
        self._outbox.append(batch)
        self._outbox_samples += batch.count
        self._outbox_in_memory += batch.count
        self._stats.sent += batch.count
        spool = self._spool
        if spool is None:
            return
        self._next_form_at = time.monotonic() + self.min_interval_s
        if self._unspooled or not spool.has_room(batch.size):
            self._unspooled += 1  # the spool is full: this batch waits in memory, as without one
            return
        self._cond.release()
        try:
            spool.record_next_batch(self._next_batch)
            path = spool.write(batch.number, batch.body)
        finally:
            self._cond.acquire()
        batch.path = path
        for column, n in batch.columns:
            column.spooled += n
        self._cond.notify_all()
        if batch in self._outbox and batch is not self._outbox[0]:
            batch.spill()
            self._outbox_in_memory -= batch.count

    def _load(self, batch: OutgoingBatch) -> None:
        """Reads a batch held on disk only back into memory, to send it."""
        self._cond.release()
        try:
            body = Spool.read(batch.path)
        finally:
            self._cond.acquire()
        if batch in self._outbox:  # not discarded meanwhile (close with force)
            batch.body = body
            self._outbox_in_memory += batch.count

    def _open_spool(self, spool_dir: str, producer_id: Optional[str], max_bytes: int) -> None:
        """Takes over what a previous producer of this run left in the spool."""
        spool = Spool(spool_dir, self.run, max_bytes)
        previous = spool.producer_id()
        if previous is not None:
            if producer_id is not None and producer_id != previous:
                raise RunstreamConfigError(
                    "producer_id", f"{spool.dir} holds batches of producer {previous!r}, not {producer_id!r}"
                )
            self.producer_id = previous
        spool.claim(self.producer_id)
        self._next_batch = spool.next_batch()
        for number, path in spool.pending():
            batch = OutgoingBatch.from_body(Spool.read(path), self._buffer)
            batch.path = path
            for column, n in batch.columns:
                column.accepted += n
                column.spooled = column.accepted
            self._outbox.append(batch)
            self._outbox_samples += batch.count
            if self._outbox_in_memory == 0:
                self._outbox_in_memory = batch.count  # the head stays in memory
            else:
                batch.spill()
        self._spool = spool

    def _attempt_batch(self, batch: OutgoingBatch) -> None:
        """Sends the head batch with the lock released; handles the answer under it."""
        self._cond.release()
        try:
            ack = self._transport.request(
                "POST",
                f"/v1/runs/{self.run}/samples",
                body=batch.body,
                timeout_s=self._timeout_s,
                content_type=batch.content_type,
            )
            error: Optional[Exception] = None
        except (RunstreamHttpError, RunstreamNetworkError) as err:
            ack, error = None, err
        finally:
            self._cond.acquire()
        if self._forced:
            return
        self._pace_from_now()
        if error is None:
            self._acknowledge(batch, ack)
            return
        verdict = _verdict(error)
        if verdict == "retry":
            self._schedule_retry(error)
        elif verdict == "split" and batch.count > 1:
            self._split(batch)
        else:
            self._fail(error)

    def _pace_from_now(self) -> None:
        # From the end of a request to the start of the next: whatever the
        # network delays, the server never sees two closer than the interval.
        self._next_attempt_at = time.monotonic() + self.min_interval_s

    def _schedule_retry(self, error: Exception) -> None:
        self._attempt += 1
        self._stats.retries += 1
        retry_after = error.retry_after_s if isinstance(error, RunstreamHttpError) else None
        delay = retry_delay_s(self._attempt, self._random(), retry_after, self._retry_base_s, self._retry_cap_s)
        self._next_attempt_at = max(self._next_attempt_at, time.monotonic() + delay)
        if self._on_retry is not None:
            self._on_retry(error, self._attempt, delay)

    def _split(self, batch: OutgoingBatch) -> None:
        """413: the halves go out as two new batches (the server wrote nothing of this one)."""
        parts = batch.parts if batch.parts is not None else OutgoingBatch.from_body(batch.body, self._buffer).parts
        a, b = split_parts(parts)
        first = OutgoingBatch(self.producer_id, self._next_batch, a, self.body_format)
        second = OutgoingBatch(self.producer_id, self._next_batch + 1, b, self.body_format)
        self._next_batch += 2
        if self._spool is not None and batch.path is None:
            self._unspooled += 1  # two halves in memory where one batch was
        if self._spool is not None and batch.path is not None:
            # Halves first, then the parent: a kill between leaves both, and the
            # spool's recovery removes the parent (spool.py).
            self._spool.record_next_batch(self._next_batch)
            first.path = self._spool.write(first.number, first.body, parent=batch.number)
            second.path = self._spool.write(second.number, second.body, parent=batch.number)
            self._spool.remove(batch.path, batch.size)
        self._outbox[0:1] = [first, second]
        self._batch_limit = min(self._batch_limit, first.count)
        self._stats.splits += 1
        self._attempt = 0

    def _acknowledge(self, batch: OutgoingBatch, ack: Any) -> None:
        self._outbox.pop(0)
        self._outbox_samples -= batch.count
        self._outbox_in_memory -= batch.count
        self._attempt = 0
        self._stats.acknowledged += batch.count
        self._stats.batches += 1
        if isinstance(ack, dict) and ack.get("duplicate") is True:
            self._stats.duplicates += 1
        for column, n in batch.columns:
            column.acked += n
        if self._spool is not None:
            if batch.path is not None:
                self._spool.remove(batch.path, batch.size)
            else:
                self._unspooled -= 1
        self._cond.notify_all()

    def _fail(self, error: Exception) -> None:
        if self._failure is not None:
            return
        self._failure = error
        self._discard_unsent()
        self._cond.notify_all()
        if self._on_error is not None:
            self._on_error(error)

    def _discard_unsent(self) -> None:
        """Forgets what is unsent; spooled batches stay on disk for the next start."""
        self._stats.discarded += self._buffer.clear() + self._outbox_samples
        self._outbox.clear()
        self._outbox_samples = 0
        self._outbox_in_memory = 0
        self._unspooled = 0

    def _at_exit(self) -> None:
        try:
            if not self._closed and self._failure is None:
                if self._spool is not None:
                    self.persist(timeout=self._atexit_timeout_s)
                self.flush(timeout=self._atexit_timeout_s)
        except Exception:  # the interpreter is going away: nothing left to tell
            pass


def _plain_numbers(a: Any, finite: bool) -> bool:
    """True for a 1-D numpy array of finite floats (no -0.0) or ints: its
    ``tolist()`` is already its wire form, no per-element check needed."""
    kind = getattr(getattr(a, "dtype", None), "kind", None)
    if getattr(a, "ndim", None) != 1 or kind not in ("f", "i", "u"):
        return False
    if kind != "f":
        return not len(a) or (int(a.max()) < 2**53 and int(a.min()) > -(2**53))
    import numpy as np  # there is a numpy array: numpy is installed

    return bool(np.isfinite(a).all()) and not bool((np.signbit(a) & (a == 0)).any())


def _verdict(error: Exception) -> str:
    if isinstance(error, RunstreamHttpError):
        return status_verdict(error.status)
    if isinstance(error, RunstreamNetworkError):
        return "retry"
    return "fail"


def _number_option(name: str, value: Any, minimum: float) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not (value >= minimum) or value == float("inf"):
        raise RunstreamConfigError(name, f"must be a finite number >= {minimum}, got {value!r}")
    return value
