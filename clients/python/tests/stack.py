"""The real stack for the Python client's tests: redis-server, s3rver (the
testkit's runner), the built ingest and worker, each a child process on a
free loopback port — as packages/testkit and apps/ingest/src/testing do for
the TypeScript tests. Nothing is mocked; ``FaultProxy`` only stands between
a producer and a real ingest to lose answers or refuse requests."""

import http.client
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import threading
import time
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Callable, Dict, List, Optional

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", ".."))
WRITE_TOKEN = "test-write-token-0123456789"
READ_TOKEN = "test-read-token-0123456789"
BUCKET = "runstream-test"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until(check: Callable[[], bool], timeout: float, what: str, interval: float = 0.05) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what}: not within {timeout} s")
        time.sleep(interval)


class Child:
    """A child process in its own process group, its output kept in a file."""

    def __init__(self, name: str, args: List[str], env: Dict[str, str], cwd: str = ROOT) -> None:
        self.name = name
        self.log = tempfile.NamedTemporaryFile(prefix=f"rs-py-{name}-", suffix=".log", delete=False)
        self.process = subprocess.Popen(
            args, cwd=cwd, env=env, stdin=subprocess.PIPE, stdout=self.log, stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def output(self) -> str:
        with open(self.log.name, "r", errors="replace") as f:
            return f.read()

    def alive(self) -> bool:
        return self.process.poll() is None

    def stop(self, sig: int = signal.SIGTERM, grace: float = 10.0) -> None:
        if self.alive():
            os.killpg(self.process.pid, sig)
            try:
                self.process.wait(grace)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()
        if self.process.stdin is not None:
            self.process.stdin.close()
        os.unlink(self.log.name)


def _base_env() -> Dict[str, str]:
    # A developer's RUNSTREAM_*, S3_* or PORT must not decide what a test sees.
    keep = ("PATH", "HOME", "LANG", "TMPDIR", "NODE_OPTIONS")
    return {k: v for k, v in os.environ.items() if k in keep}


def start_redis() -> "tuple[Child, str, str]":
    directory = tempfile.mkdtemp(prefix="rs-py-redis-")
    port = free_port()
    redis = Child(
        "redis",
        [os.environ.get("REDIS_SERVER_BIN", "redis-server"), "--port", str(port), "--bind", "127.0.0.1",
         "--dir", directory, "--save", "", "--appendonly", "no", "--maxmemory-policy", "noeviction"],
        _base_env(),
    )
    wait_until(lambda: "Ready to accept connections" in redis.output() or not redis.alive(), 10, "redis-server")
    if not redis.alive():
        raise RuntimeError(f"redis-server exited:\n{redis.output()}")
    return redis, f"redis://127.0.0.1:{port}", directory


def start_s3() -> "tuple[Child, str, str]":
    directory = tempfile.mkdtemp(prefix="rs-py-s3-")
    port = free_port()
    env = _base_env()
    # s3rver's listing tokens need the legacy provider on Node 20 (packages/testkit/bin/s3rver.cjs).
    env["NODE_OPTIONS"] = (env.get("NODE_OPTIONS", "") + " --openssl-legacy-provider").strip()
    s3 = Child(
        "s3rver",
        ["node", "packages/testkit/bin/s3rver.cjs", "--port", str(port), "--address", "127.0.0.1",
         "--directory", directory, "--bucket", BUCKET, "--exit-with-stdin"],
        env,
    )
    wait_until(lambda: "s3rver listening on" in s3.output() or not s3.alive(), 20, "s3rver")
    if not s3.alive():
        raise RuntimeError(f"s3rver exited:\n{s3.output()}")
    return s3, f"http://127.0.0.1:{port}", directory


def s3_env(endpoint: str) -> Dict[str, str]:
    return {
        "S3_BUCKET": BUCKET, "S3_REGION": "us-east-1", "S3_FORCE_PATH_STYLE": "1", "S3_ENDPOINT": endpoint,
        "S3_ACCESS_KEY_ID": "S3RVER", "S3_SECRET_ACCESS_KEY": "S3RVER",
    }


def start_app(name: str, redis_url: str, s3_endpoint: str, extra: Optional[Dict[str, str]] = None) -> "tuple[Child, str]":
    """The built app (``node apps/<name>/dist/main.js``) on a free port; returns it and its base URL."""
    main = os.path.join(ROOT, "apps", name, "dist", "main.js")
    if not os.path.exists(main):
        raise RuntimeError(f"{main} is missing: run `npm run build` first")
    port = free_port()
    env = {**_base_env(), "PORT": str(port), "HOST": "127.0.0.1", "REDIS_URL": redis_url,
           "LOG_LEVEL": "warn", **s3_env(s3_endpoint), **(extra or {})}
    if name == "ingest":
        env.update(RUNSTREAM_WRITE_TOKENS=WRITE_TOKEN, RUNSTREAM_READ_TOKENS=READ_TOKEN)
    app = Child(name, ["node", main], env)
    base = f"http://127.0.0.1:{port}"

    def healthy() -> bool:
        if not app.alive():
            raise RuntimeError(f"{name} exited:\n{app.output()}")
        try:
            with urllib.request.urlopen(base + "/healthz", timeout=1) as r:
                return r.status == 200
        except OSError:
            return False

    wait_until(healthy, 30, f"{name} /healthz", 0.1)
    return app, base


class Stack:
    def __init__(self) -> None:
        self.children: List[Child] = []
        self.dirs: List[str] = []
        redis, self.redis_url, d1 = start_redis()
        s3, self.s3_endpoint, d2 = start_s3()
        self.children += [redis, s3]
        self.dirs += [d1, d2]
        self.ingest, self.url = start_app("ingest", self.redis_url, self.s3_endpoint)
        self.worker, _ = start_app("worker", self.redis_url, self.s3_endpoint)
        self.children += [self.ingest, self.worker]

    def extra_ingest(self, env: Dict[str, str]) -> "tuple[Child, str]":
        """Another ingest on the same Redis and S3 (e.g. a small body limit); stop it yourself."""
        return start_app("ingest", self.redis_url, self.s3_endpoint, env)

    def close(self) -> None:
        for child in reversed(self.children):
            child.stop()
        for d in self.dirs:
            shutil.rmtree(d, ignore_errors=True)


class FaultProxy:
    """An HTTP proxy in front of a real ingest. ``mode`` decides, per request,
    what reaches the producer: ``pass``; ``lose`` (forward, then drop the
    answer: the server wrote the batch, the producer never heard); or
    ``refuse`` (503 with ``Retry-After``, nothing forwarded). Every request's
    arrival time, path and body are recorded."""

    def __init__(self, target: str) -> None:
        self.target = target.replace("http://", "")
        self.mode: Callable[[int, str], str] = lambda i, path: "pass"
        self.retry_after = "1"
        self.requests: List[Dict[str, object]] = []
        self._lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:
                self._handle()

            def do_POST(self) -> None:
                self._handle()

            def _handle(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length") or 0))
                with proxy._lock:
                    index = len(proxy.requests)
                    proxy.requests.append({"at": time.monotonic(), "path": self.path, "body": body})
                action = proxy.mode(index, self.path)
                if action == "refuse":
                    payload = b'{"error":{"code":"unavailable","message":"test proxy refuses"}}'
                    self.send_response(503)
                    self.send_header("retry-after", proxy.retry_after)
                    self.send_header("content-type", "application/json")
                    self.send_header("content-length", str(len(payload)))
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                conn = http.client.HTTPConnection(proxy.target, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("authorization", "content-type", "accept")}
                conn.request(self.command, self.path, body=body or None, headers=headers)
                answer = conn.getresponse()
                data = answer.read()
                conn.close()
                if action == "lose":
                    self.close_connection = True
                    self.connection.shutdown(socket.SHUT_RDWR)
                    return
                self.send_response(answer.status)
                for k, v in answer.getheaders():
                    if k.lower() in ("content-type", "retry-after"):
                        self.send_header(k, v)
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def sample_posts(self) -> List[Dict[str, object]]:
        with self._lock:
            return [r for r in self.requests if str(r["path"]).endswith("/samples")]

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
