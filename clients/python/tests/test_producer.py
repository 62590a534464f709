"""The producer against the real stack: the behaviours the TypeScript SDK is tested for."""

import math
import threading
import time

import pytest

import runstream
from helpers import history_problem
from stack import WRITE_TOKEN, wait_until

SPECIALS = [
    math.nan, math.inf, -math.inf, -0.0, 0.0, 5e-324, 1.7976931348623157e308, 0.1, -1e-300,
    2.0**53, 123456789.123456789, [1.0, math.nan, -0.0, math.inf, -math.inf], [], "NaN", "-0", "",
    True, False, None, 42,
]


@pytest.mark.parametrize("body_format", ["json", "binary"])
def test_special_values_round_trip_exactly(writer, reader, run_id, body_format):
    producer = writer.producer(run_id, min_interval_ms=0, body_format=body_format)
    for i, v in enumerate(SPECIALS):
        assert producer.log("special", i * 0.5, v) is True
    producer.flush()
    assert history_problem(reader, run_id, "special", [(i * 0.5, v) for i, v in enumerate(SPECIALS)]) == ""
    producer.close()


def test_requests_are_paced_by_the_interval(stack, proxy, reader, run_id):
    client = runstream.Client(proxy.url, WRITE_TOKEN)
    producer = client.producer(run_id, min_interval_ms=300)
    expected = []
    # A model logging steadily for a while: the producer batches it.
    end = time.monotonic() + 1.6
    i = 0
    while time.monotonic() < end:
        producer.log("x", i * 0.01, float(i))
        expected.append((i * 0.01, float(i)))
        i += 1
        time.sleep(0.001)
    producer.flush()
    posts = proxy.sample_posts()
    assert len(posts) >= 3
    gaps = [b["at"] - a["at"] for a, b in zip(posts, posts[1:])]
    assert min(gaps) >= 0.3, gaps
    assert producer.stats.batches == len(posts)
    assert history_problem(reader, run_id, "x", expected) == ""
    producer.close()


def test_env_interval_is_the_default(stack, monkeypatch):
    monkeypatch.setenv("RUNSTREAM_MIN_INTERVAL_MS", "250")
    producer = runstream.Client(stack.url, WRITE_TOKEN).producer("any-run")
    assert producer.min_interval_s == 0.25
    producer.close()
    monkeypatch.setenv("RUNSTREAM_BODY_FORMAT", "binary")
    producer = runstream.Client(stack.url, WRITE_TOKEN).producer("any-run")
    assert producer.body_format == "binary"
    producer.close()
    monkeypatch.setenv("RUNSTREAM_BODY_FORMAT", "msgpack")
    with pytest.raises(runstream.RunstreamConfigError, match="RUNSTREAM_BODY_FORMAT"):
        runstream.Client(stack.url, WRITE_TOKEN)
    monkeypatch.delenv("RUNSTREAM_BODY_FORMAT")
    monkeypatch.setenv("RUNSTREAM_MIN_INTERVAL_MS", "soon")
    with pytest.raises(runstream.RunstreamConfigError, match="RUNSTREAM_MIN_INTERVAL_MS"):
        runstream.Client(stack.url, WRITE_TOKEN)


def test_a_lost_answer_is_retried_with_the_same_batch_and_written_once(proxy, reader, run_id):
    proxy.mode = lambda i, path: "lose" if i == 0 else "pass"
    producer = runstream.Client(proxy.url, WRITE_TOKEN).producer(run_id, min_interval_ms=0, retry_base_s=0.05)
    expected = [(i * 1.0, i * 2.5) for i in range(500)]
    producer.log_many("y", [t for t, _ in expected], [v for _, v in expected])
    producer.flush()
    posts = proxy.sample_posts()
    assert len(posts) == 2 and posts[0]["body"] == posts[1]["body"]
    stats = producer.stats
    assert (stats.retries, stats.duplicates, stats.acknowledged) == (1, 1, 500)
    assert history_problem(reader, run_id, "y", expected) == ""
    producer.close()


def test_retry_after_is_honoured(proxy, reader, run_id):
    proxy.retry_after = "1"
    proxy.mode = lambda i, path: "refuse" if i < 2 else "pass"
    retries = []
    producer = runstream.Client(proxy.url, WRITE_TOKEN).producer(
        run_id, min_interval_ms=0, retry_base_s=0.01, on_retry=lambda e, n, d: retries.append((e.status, n, d))
    )
    producer.log("z", 0.0, 1.0)
    producer.flush()
    posts = proxy.sample_posts()
    assert len(posts) == 3
    assert all(b["at"] - a["at"] >= 1.0 for a, b in zip(posts, posts[1:]))
    assert [(s, n) for s, n, _ in retries] == [(503, 1), (503, 2)] and all(d >= 1.0 for _, _, d in retries)
    assert history_problem(reader, run_id, "z", [(0.0, 1.0)]) == ""
    producer.close()


@pytest.mark.parametrize("body_format", ["json", "binary"])
def test_413_splits_the_batch_and_later_batches_stay_smaller(stack, reader, run_id, body_format):
    small, url = stack.extra_ingest({"INGEST_MAX_BODY_BYTES": "4096"})
    try:
        producer = runstream.Client(url, WRITE_TOKEN).producer(run_id, min_interval_ms=0, body_format=body_format)
        expected = [(i * 0.001, i + 0.25) for i in range(2000)]
        producer.log_many("big", [t for t, _ in expected], [v for _, v in expected])
        producer.flush()
        stats = producer.stats
        assert stats.splits >= 4 and stats.duplicates == 0 and stats.acknowledged == 2000
        # Once split, the limit sticks: a second burst needs no further 413 at the first size.
        splits = stats.splits
        more = [(2 + i * 0.001, -i - 0.5) for i in range(300)]
        producer.log_many("big", [t for t, _ in more], [v for _, v in more])
        producer.flush()
        assert producer.stats.splits - splits <= 1
        assert history_problem(reader, run_id, "big", expected + more) == ""
        producer.close()
    finally:
        small.stop()


def test_buffer_bound_drops_the_newest_and_keeps_the_rest(proxy, reader, run_id):
    proxy.retry_after = "0"
    proxy.mode = lambda i, path: "refuse"
    dropped = []
    producer = runstream.Client(proxy.url, WRITE_TOKEN).producer(
        run_id, min_interval_ms=20, retry_base_s=0.02, retry_cap_s=0.1, max_buffered_samples=100,
        on_drop=lambda variable, t: dropped.append(t),
    )
    kept = [producer.log("b", float(i), float(i)) for i in range(130)]
    assert kept == [True] * 100 + [False] * 30
    assert producer.stats.dropped == 30 and producer.stats.buffered == 100 and dropped == [float(i) for i in range(100, 130)]
    wait_until(lambda: producer.stats.retries >= 2, 10, "retries while the server refuses")
    proxy.mode = lambda i, path: "pass"
    producer.flush()
    assert history_problem(reader, run_id, "b", [(float(i), float(i)) for i in range(100)]) == ""
    producer.close()


def test_buffer_bound_can_raise_instead(proxy, reader, run_id):
    proxy.retry_after = "0"
    proxy.mode = lambda i, path: "refuse"
    producer = runstream.Client(proxy.url, WRITE_TOKEN).producer(
        run_id, min_interval_ms=20, retry_base_s=0.02, retry_cap_s=0.1, max_buffered_samples=10, on_full="raise"
    )
    for i in range(10):
        producer.log("r", float(i), i)
    with pytest.raises(runstream.BufferFullError, match="10 unacknowledged"):
        producer.log("r", 10.0, 10)
    with pytest.raises(runstream.BufferFullError):
        producer.log_many("r", [10.0, 11.0], [1, 2])
    proxy.mode = lambda i, path: "pass"
    producer.flush()
    assert history_problem(reader, run_id, "r", [(float(i), i) for i in range(10)]) == ""
    producer.close()


def test_a_4xx_it_cannot_fix_fails_the_producer_clearly(writer):
    errors = []
    producer = writer.producer("py-no-such-run", min_interval_ms=0, on_error=errors.append)
    producer.log("x", 0.0, 1.0)
    with pytest.raises(runstream.RunstreamHttpError) as caught:
        producer.flush()
    assert caught.value.status == 404 and caught.value.code == "run_not_found"
    assert errors == [caught.value] and producer.error is caught.value
    with pytest.raises(runstream.RunstreamHttpError):
        producer.log("x", 1.0, 2.0)
    assert producer.stats.discarded == 1


def test_complete_flushes_then_completes_and_the_run_reads_back_from_s3(writer, reader, run_id):
    producer = writer.producer(run_id, min_interval_ms=50)
    expected = {name: [(i * 0.1, math.sin(i) if i % 7 else math.nan) for i in range(3000)] for name in ("a", "b.c")}
    for name, samples in expected.items():
        for t, v in samples:
            producer.log(name, t, v)
    result = producer.complete()
    assert result["completed"] is True and result["run"]["run"]["status"] in ("completing", "completed")
    with pytest.raises(runstream.ProducerClosedError):
        producer.log("a", 1e9, 0.0)
    wait_until(lambda: reader.get_run(run_id)["run"]["status"] == "completed", 60, "the merge", 0.2)
    for name, samples in expected.items():
        assert history_problem(reader, run_id, name, samples) == ""
    late = writer.producer(run_id, min_interval_ms=0)
    late.log("a", 1e9, 1.0)
    with pytest.raises(runstream.RunstreamHttpError) as caught:
        late.flush()
    assert (caught.value.status, caught.value.code) == (409, "run_not_running")


def test_context_manager_flushes_on_exit(writer, reader, run_id):
    with writer.producer(run_id, min_interval_ms=0) as producer:
        for i in range(10):
            producer.log("cm", float(i), [i, -i])
    assert producer.stats.acknowledged == 10
    assert history_problem(reader, run_id, "cm", [(float(i), [i, -i]) for i in range(10)]) == ""
    with pytest.raises(runstream.ProducerClosedError):
        producer.log("cm", 11.0, 1)


def test_log_never_waits_for_the_network(proxy, run_id):
    """While every request hangs on a refused-forever server, log() still returns."""
    proxy.retry_after = "5"
    proxy.mode = lambda i, path: "refuse"
    producer = runstream.Client(proxy.url, WRITE_TOKEN).producer(run_id, min_interval_ms=0)
    producer.log("n", 0.0, 0.0)
    wait_until(lambda: len(proxy.sample_posts()) >= 1, 10, "the first request")
    done = threading.Event()

    def model():
        for i in range(1, 10_001):
            producer.log("n", float(i), float(i))
        done.set()

    threading.Thread(target=model, daemon=True).start()
    assert done.wait(30)
    # Still one request: every log() returned while the producer waited out the 5 s Retry-After.
    assert producer.stats.buffered == 10_001 and len(proxy.sample_posts()) == 1
    producer.close(force=True)


def test_log_many_takes_numpy_arrays(writer, reader, run_id):
    np = pytest.importorskip("numpy")
    t = np.arange(1000, dtype=np.float64) * 0.5
    v = np.sin(t)
    v[3], v[4], v[5] = np.nan, np.inf, -0.0
    state = np.stack([v, -v], axis=1)
    producer = writer.producer(run_id, min_interval_ms=0)
    assert producer.log_many("np.v", t, v) == 1000
    assert producer.log_many("np.state", t[:10], state[:10]) == 10
    # Finite float and int arrays take the no-check path: still exact.
    assert producer.log_many("np.finite", t[:100], np.cos(t[:100])) == 100
    assert producer.log_many("np.ints", np.arange(50), np.arange(50, dtype=np.int64) * -3) == 50
    producer.log("np.scalar", np.float32(1.5), np.float32(0.25))
    producer.log("np.int", np.int64(2), np.int64(7))
    producer.flush()
    assert history_problem(reader, run_id, "np.v", list(zip(t.tolist(), v.tolist()))) == ""
    assert history_problem(reader, run_id, "np.state", list(zip(t[:10].tolist(), state[:10].tolist()))) == ""
    assert history_problem(reader, run_id, "np.finite", list(zip(t[:100].tolist(), np.cos(t[:100]).tolist()))) == ""
    assert history_problem(reader, run_id, "np.ints", [(float(i), -3 * i) for i in range(50)]) == ""
    assert history_problem(reader, run_id, "np.scalar", [(1.5, 0.25)]) == ""
    assert history_problem(reader, run_id, "np.int", [(2.0, 7)]) == ""
    producer.close()


def test_history_arrays_and_series(writer, reader, run_id):
    np = pytest.importorskip("numpy")
    producer = writer.producer(run_id, min_interval_ms=0)
    values = [float(i) for i in range(1000)]
    values[10], values[20], values[30] = math.nan, -math.inf, -0.0
    producer.log_many("arr", [i * 0.5 for i in range(1000)], values)
    producer.log_many("mixed", [0.0, 1.0, 2.0], [1.5, "text", [1.0, 2.0]])
    producer.flush()
    seq, t, v = reader.history_arrays(run_id, "arr")
    assert seq.tolist() == list(range(1, 1001)) and t.tolist() == [i * 0.5 for i in range(1000)]
    assert v.dtype == np.float64 and np.isnan(v[10]) and v[20] == -np.inf and np.signbit(v[30])
    assert np.array_equal(np.delete(v, 10), np.delete(np.array(values), 10))
    _, _, mixed = reader.history_arrays(run_id, "mixed")
    assert mixed.dtype == object and mixed.tolist() == [1.5, "text", [1.0, 2.0]]
    series = reader.series(run_id, "arr", points=10)
    assert sum(series["n"]) == 1000 and series["components"][0]["nan"] == [1] + [0] * (len(series["n"]) - 1)
    producer.close()
