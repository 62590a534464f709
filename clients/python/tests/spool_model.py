"""A model process for the spool tests: logs samples [start, end) of 'x' in
chunks, persisting each to the spool, then either waits to be killed
(``hang``) or completes its run (``finish``). Prints what it did, one line."""

import math
import os
import sys
import time

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

import runstream  # noqa: E402


def value(i: int) -> float:
    return [math.nan, math.inf, -0.0][i % 3] if i % 97 == 0 else i * 0.25


def main() -> None:
    url, token, run, spool_dir, phase, start, end = sys.argv[1:8]
    producer = runstream.Client(url, token).producer(
        run, spool_dir=spool_dir, min_interval_ms=50, retry_base_s=0.02, retry_cap_s=0.2,
        max_buffered_samples=400, on_full="raise", spool_max_bytes=int(os.environ.get("SPOOL_MAX_BYTES", 1 << 30)),
    )
    for chunk in range(int(start), int(end), 200):
        for i in range(chunk, min(chunk + 200, int(end))):
            producer.log("x", i * 0.5, value(i))
        producer.persist()
    print(f"persisted {producer.producer_id}", flush=True)
    if phase == "hang":
        while True:
            time.sleep(1)
    result = producer.complete()
    print(f"completed {result['completed']} duplicates {producer.stats.duplicates}", flush=True)


if __name__ == "__main__":
    main()
