"""The language-neutral conformance cases (conformance/cases/*.json, format in
conformance/README.md), run with the Python client against the real stack
through the fault proxy. The TypeScript SDK runs the same files
(apps/ingest/src/conformance.int.test.ts)."""

import glob
import itertools
import json
import os

import pytest

from helpers import history_problem
from stack import ROOT, WRITE_TOKEN

import runstream
from runstream.wire import decode_value

CASES = sorted(glob.glob(os.path.join(ROOT, "conformance", "cases", "*.json")))
_runs = itertools.count(1)


def load(path):
    with open(path) as f:
        return json.load(f)


def test_there_are_cases():
    assert len(CASES) >= 6


@pytest.mark.parametrize("body_format", ["json", "binary"])
@pytest.mark.parametrize("path", CASES, ids=[os.path.basename(p)[:-5] for p in CASES])
def test_conformance_case(path, body_format, stack, proxy, reader):
    case = load(path)
    run = f"conf-py-{os.getpid()}-{next(_runs)}-{case['name']}-{body_format}"
    direct = runstream.Client(stack.url, WRITE_TOKEN)
    if case["createRun"]:
        direct.create_run(run)
    faults = {f["nth"]: f["action"] for f in case["faults"]}
    posts = itertools.count(1)

    def mode(index, request_path):
        return faults.get(next(posts), "pass") if request_path.endswith("/samples") else "pass"

    proxy.mode = mode
    producer = runstream.Client(proxy.url, WRITE_TOKEN).producer(
        run, min_interval_ms=10, body_format=body_format
    )
    error = None
    try:
        for step in case["steps"]:
            (kind, arg), = step.items()
            try:
                if kind == "log":
                    producer.log_many(arg["variable"], arg["t"], [decode_value(v) for v in arg["v"]])
                elif kind == "flush":
                    producer.flush(timeout=60)
                elif kind == "complete":
                    producer.complete(timeout=60)
                elif kind == "completeRun":
                    direct.complete_run(run)
                else:
                    raise AssertionError(f"unknown step {kind}")
            except runstream.RunstreamHttpError as err:
                error = {"step": kind, "status": err.status, "code": err.code}
                break
    finally:
        producer.close(force=True)

    expect = case["expect"]
    assert error == expect.get("error")
    posts_seen = proxy.sample_posts()
    assert len(posts_seen) == expect["samplePosts"]
    for i, j in expect["sameBody"]:
        if body_format == "json":
            assert json.loads(posts_seen[i - 1]["body"]) == json.loads(posts_seen[j - 1]["body"])
        else:  # a binary retry sends the same bytes
            assert posts_seen[i - 1]["body"] == posts_seen[j - 1]["body"]
    for variable, want in expect.get("history", {}).items():
        expected = list(zip([float(t) for t in want["t"]], [decode_value(v) for v in want["v"]]))
        assert history_problem(reader, run, variable, expected) == ""
    if "runStatus" in expect:
        assert reader.get_run(run)["run"]["status"] == expect["runStatus"]
