"""Figures for the Python client, on the real stack (tests/stack.py), run by hand:

    npm run build && python3 clients/python/tests/producer_figures.py [--rounds 5] [--samples 200000] [--outage 1000000] [--model-kill 1000000]

1. Throughput: the Python producer vs the TypeScript SDK (packages/sdk/dist,
   in a node child) sending the same samples into the same local ingest,
   alternated round by round; medians and their ratio. A ratio, not an
   absolute: the machine is shared.
2. ``log()`` cost: microseconds per sample of ``log()`` and of ``log_many()``
   with numpy arrays (10 000 a call), the background thread told to wait
   (min interval 10 min), so the figure is the model's cost alone; medians
   of ``--rounds``.
4. Model killed (``--model-kill N``): the model process itself (tests/spool_model.py,
   ``spool_dir`` set) logs the first half, is SIGKILLed the moment it has
   persisted it (batches still in flight), and is started again on the same
   spool to log the rest and complete: the spooled batches are replayed with
   their ids, and the run reads back as exactly seqs 1..N with every value
   (NaN, ±inf, -0.0 among them). Exits non-zero when it does not.
3. Outage: a Python model logs ``--outage`` samples while ingest is SIGKILLed
   and restarted twice; the run must read back as exactly seqs 1..N with
   every value. Exits non-zero when it does not.
"""

import argparse
import os
import signal
import statistics
import subprocess
import sys
import threading
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))
sys.path.insert(0, os.path.dirname(__file__))

from stack import READ_TOKEN, ROOT, WRITE_TOKEN, FaultProxy, Stack, start_app  # noqa: E402

import runstream  # noqa: E402

TS_SENDER = r"""
const { RunstreamClient } = require(process.argv[1]);
(async () => {
  const [url, token, run, n] = process.argv.slice(2);
  const client = new RunstreamClient({ url, token });
  await client.createRun({ id: run });
  const producer = client.producer(run, { minIntervalMs: 0 });
  const start = process.hrtime.bigint();
  for (let i = 0; i < Number(n); i++) producer.log('x', i, i * 0.5);
  await producer.flush();
  console.log(Number(process.hrtime.bigint() - start) / 1e9);
  await producer.close();
})().catch((err) => { console.error(err); process.exit(1); });
"""


def python_round(url: str, run: str, n: int) -> float:
    client = runstream.Client(url, WRITE_TOKEN)
    client.create_run(run)
    producer = client.producer(run, min_interval_ms=0)
    start = time.perf_counter()
    for i in range(n):
        producer.log("x", float(i), i * 0.5)
    producer.flush()
    elapsed = time.perf_counter() - start
    producer.close()
    return elapsed


def ts_round(url: str, run: str, n: int) -> float:
    sdk = os.path.join(ROOT, "packages", "sdk", "dist", "index.js")
    out = subprocess.run(["node", "-e", TS_SENDER, sdk, url, WRITE_TOKEN, run, str(n)],
                         check=True, capture_output=True, text=True)
    return float(out.stdout.strip())


def throughput(stack: Stack, rounds: int, n: int) -> None:
    py, ts = [], []
    for r in range(rounds):
        # Alternated, and the first of each pair swapped every round, so drift in load hits both.
        order = [("py", python_round), ("ts", ts_round)]
        if r % 2:
            order.reverse()
        for name, fn in order:
            rate = n / fn(stack.url, f"fig-{name}-{os.getpid()}-{r}", n)
            (py if name == "py" else ts).append(rate)
            print(f"round {r + 1} {name}: {rate:,.0f} samples/s", flush=True)
    mp, mt = statistics.median(py), statistics.median(ts)
    print(f"median: Python {mp:,.0f} samples/s, TypeScript SDK {mt:,.0f} samples/s, Python/TS = {mp / mt:.2f}")


def log_cost(stack: Stack, rounds: int, n: int) -> None:
    import numpy  # the numpy figure needs it; the client never does

    client = runstream.Client(stack.url, WRITE_TOKEN)
    single, many = [], []
    for r in range(rounds):
        run = f"fig-cost-{os.getpid()}-{r}"
        client.create_run(run)
        producer = client.producer(run, min_interval_ms=600_000, max_buffered_samples=2 * n + 1)
        start = time.perf_counter()
        for i in range(n):
            producer.log("x", float(i), i * 0.5)
        single.append((time.perf_counter() - start) / n * 1e6)
        t = numpy.arange(n, dtype=numpy.float64)
        v = t * 0.5
        start = time.perf_counter()
        for i in range(0, n, 10_000):
            producer.log_many("y", t[i:i + 10_000], v[i:i + 10_000])
        many.append((time.perf_counter() - start) / n * 1e6)
        producer.close()
    print(f"log(): median {statistics.median(single):.2f} us/sample; "
          f"log_many(numpy, 10 000 a call): median {statistics.median(many):.2f} us/sample")


def read_back(url: str, run: str):
    """The whole history as arrays; reads are not retried by the client, and a
    loaded machine's Redis may answer 503 for a while: ask again."""
    for attempt in range(10):
        try:
            return runstream.Client(url, READ_TOKEN, timeout_s=60).history_arrays(run, "x")
        except runstream.RunstreamHttpError as err:
            if err.status != 503 or attempt == 9:
                raise
            time.sleep(2)


def outage(stack: Stack, n: int) -> bool:
    run = f"fig-outage-{os.getpid()}"
    runstream.Client(stack.url, WRITE_TOKEN).create_run(run)
    proxy = FaultProxy(stack.url)  # a fixed address for the producer while ingest moves ports
    proxy.server.handle_error = lambda *args: None  # ingest away: the producer sees the closed connection
    producer = runstream.Client(proxy.url, WRITE_TOKEN).producer(run, min_interval_ms=100)
    kills = []

    def killer() -> None:
        for fraction in (0.3, 0.6):
            while producer.stats.acknowledged < fraction * n:
                time.sleep(0.05)
            stack.ingest.stop(signal.SIGKILL)
            stack.children.remove(stack.ingest)
            time.sleep(1.0)  # down for a while: the producer retries into nothing
            stack.ingest, stack.url = start_app("ingest", stack.redis_url, stack.s3_endpoint)
            stack.children.append(stack.ingest)
            proxy.target = stack.url.replace("http://", "")
            kills.append(producer.stats.acknowledged)

    thread = threading.Thread(target=killer)
    thread.start()
    start = time.perf_counter()
    step = 10_000
    for i in range(0, n, step):
        ts = [float(k) for k in range(i, min(n, i + step))]
        producer.log_many("x", ts, [t * 0.5 for t in ts])
        time.sleep(0.01)  # a model that computes between steps
    producer.flush()
    thread.join()
    elapsed = time.perf_counter() - start
    producer.close()
    proxy.close()
    seq, t, v = read_back(stack.url, run)
    exact = seq.tolist() == list(range(1, n + 1)) and t.tolist() == [float(k) for k in range(n)] \
        and v.tolist() == [k * 0.5 for k in range(n)]
    print(f"outage: {n:,} samples in {elapsed:.1f} s, ingest SIGKILLed at {kills} acknowledged; "
          f"read back {len(seq):,} samples, exactly 1..{n}: {exact}")
    return exact


def model_kill(stack: Stack, n: int) -> bool:
    import tempfile

    from spool_model import value

    model = os.path.join(os.path.dirname(__file__), "spool_model.py")
    run = f"fig-model-kill-{os.getpid()}"
    runstream.Client(stack.url, WRITE_TOKEN).create_run(run)
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as spool:
        def start_model(phase: str, first: int, end: int) -> subprocess.Popen:
            return subprocess.Popen([sys.executable, model, stack.url, WRITE_TOKEN, run, spool, phase,
                                     str(first), str(end)], stdout=subprocess.PIPE, text=True, env=env)

        first = start_model("hang", 0, n // 2)
        line = first.stdout.readline()
        first.send_signal(signal.SIGKILL)  # at once: batches persisted, some still unacknowledged
        first.wait()
        spooled = sum(len(files) for _, _, files in os.walk(spool))
        second = start_model("finish", n // 2, n)
        out, _ = second.communicate(timeout=3600)
    elapsed = time.perf_counter() - start
    seq, t, v = read_back(stack.url, run)
    exact = seq.tolist() == list(range(1, n + 1)) and t.tolist() == [i * 0.5 for i in range(n)] \
        and [repr(x) for x in v.tolist()] == [repr(value(i)) for i in range(n)]
    print(f"model killed: {n:,} samples in {elapsed:.1f} s; killed after '{line.strip()}' with "
          f"{spooled} files spooled; restart: '{out.strip()}'; read back {len(seq):,} samples, "
          f"exactly 1..{n}: {exact}")
    return exact and second.returncode == 0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--samples", type=int, default=200_000)
    parser.add_argument("--outage", type=int, default=1_000_000)
    parser.add_argument("--model-kill", type=int, default=1_000_000)
    args = parser.parse_args()
    stack = Stack()
    try:
        if args.rounds > 0:
            log_cost(stack, args.rounds, args.samples)
            throughput(stack, args.rounds, args.samples)
        ok = outage(stack, args.outage) if args.outage > 0 else True
        if args.model_kill > 0:
            ok = model_kill(stack, args.model_kill) and ok
    finally:
        stack.close()
    sys.exit(0 if ok else 1)


if __name__ == "__main__":
    main()
