"""The spool: batches survive a killed model process and an unreachable server."""

import json
import os
import signal
import subprocess
import sys

import pytest

from helpers import history_problem
from runstream.spool import Spool
from stack import WRITE_TOKEN, wait_until

MODEL = os.path.join(os.path.dirname(__file__), "spool_model.py")
sys.path.insert(0, os.path.dirname(__file__))
from spool_model import value  # noqa: E402


def start_model(url, run, spool_dir, phase, start, end, env=None):
    return subprocess.Popen(
        [sys.executable, MODEL, url, WRITE_TOKEN, run, spool_dir, phase, str(start), str(end)],
        stdout=subprocess.PIPE, text=True, env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1", **(env or {})},
    )


def expected(n):
    return [(i * 0.5, value(i)) for i in range(n)]


def kill_after_persisted(model):
    line = model.stdout.readline()
    assert line.startswith("persisted"), line
    model.send_signal(signal.SIGKILL)
    model.wait()
    return line.split()[1]


def finish(model):
    out, _ = model.communicate(timeout=120)
    assert model.returncode == 0, out
    return out


@pytest.mark.parametrize("body_format", ["json", "binary"])
def test_a_model_killed_while_the_server_is_down_loses_nothing_after_restart(
    proxy, reader, run_id, tmp_path, body_format
):
    spool = str(tmp_path / "spool")
    env = {"RUNSTREAM_BODY_FORMAT": body_format}
    proxy.retry_after = "0"
    proxy.mode = lambda i, path: "refuse"
    # 3000 samples while the server refuses: far more than the 400 the model may hold in memory.
    producer_id = kill_after_persisted(start_model(proxy.url, run_id, spool, "hang", 0, 3000, env))
    assert len(os.listdir(os.path.join(spool, run_id))) > 3
    proxy.mode = lambda i, path: "pass"
    out = finish(start_model(proxy.url, run_id, spool, "finish", 3000, 3500, env))
    assert "completed True" in out
    assert history_problem(reader, run_id, "x", expected(3500)) == ""
    # The restarted model went on as the same producer, and its spool is gone with the run.
    bodies = [r["body"] for r in proxy.sample_posts()]
    same = f'"producer":"{producer_id}"' if body_format == "json" else producer_id
    assert all(same.encode() in b for b in bodies)
    assert not os.path.exists(os.path.join(spool, run_id))


def test_batches_the_server_wrote_before_the_kill_are_replayed_as_duplicates(proxy, reader, run_id, tmp_path):
    spool = str(tmp_path / "spool")
    # Every answer lost: the server writes the batches, the model never hears.
    proxy.mode = lambda i, path: "lose" if path.endswith("/samples") else "pass"
    model = start_model(proxy.url, run_id, spool, "hang", 0, 1000)
    wait_until(lambda: len(proxy.sample_posts()) >= 3, 30, "the model's first sends")
    kill_after_persisted(model)
    proxy.mode = lambda i, path: "pass"
    out = finish(start_model(proxy.url, run_id, spool, "finish", 1000, 1200))
    assert "completed True" in out and "duplicates 0" not in out
    assert history_problem(reader, run_id, "x", expected(1200)) == ""


def test_the_spool_is_bounded_on_disk(proxy, reader, run_id, tmp_path):
    spool = str(tmp_path / "spool")
    proxy.retry_after = "0"
    proxy.mode = lambda i, path: "refuse"
    limit = 5_000
    model = start_model(proxy.url, run_id, spool, "finish", 0, 600, env={"SPOOL_MAX_BYTES": str(limit)})
    # A full spool leaves batches in memory: persist() then waits for the server.
    folder = os.path.join(spool, run_id)
    wait_until(lambda: os.path.isdir(folder) and any(n.endswith(".batch") for n in os.listdir(folder)), 30, "spooling")
    wait_until(lambda: len(proxy.sample_posts()) >= 5, 30, "retries")
    files = [os.path.join(folder, n) for n in os.listdir(folder) if n.endswith(".batch")]
    assert 0 < sum(os.path.getsize(f) for f in files) <= limit
    # About 12 bytes a sample: the spool holds some of the 600, the rest waits in memory.
    on_disk = sum(len(json.load(open(f))["variables"]["x"]["t"]) for f in files)
    assert 0 < on_disk < 600
    proxy.mode = lambda i, path: "pass"
    assert "completed True" in finish(model)
    assert history_problem(reader, run_id, "x", expected(600)) == ""


def test_a_split_interrupted_by_a_kill_sends_the_halves_not_the_parent(tmp_path):
    spool = Spool(str(tmp_path), "r1", 1 << 20)
    spool.write(7, b"parent")
    spool.write(9, b"half-a", parent=7)
    spool.write(10, b"half-b", parent=7)
    again = Spool(str(tmp_path), "r1", 1 << 20)
    assert [n for n, _ in again.pending()] == [9, 10] and again.bytes == 12
    assert again.next_batch() == 11
