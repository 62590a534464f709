import itertools
import os
import sys

import pytest

sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), "..")))

from stack import READ_TOKEN, WRITE_TOKEN, FaultProxy, Stack  # noqa: E402

import runstream  # noqa: E402

_runs = itertools.count(1)


@pytest.fixture(scope="session")
def stack():
    s = Stack()
    yield s
    s.close()


@pytest.fixture
def writer(stack):
    return runstream.Client(stack.url, WRITE_TOKEN)


@pytest.fixture
def reader(stack):
    return runstream.Client(stack.url, READ_TOKEN)


@pytest.fixture
def run_id(writer, request):
    """A fresh run for each test."""
    run = f"py-{os.getpid()}-{next(_runs)}"
    writer.create_run(run, meta={"test": request.node.name})
    return run


@pytest.fixture
def proxy(stack):
    p = FaultProxy(stack.url)
    yield p
    p.close()
