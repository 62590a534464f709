"""The HTTP client: runs, history pages, and producers (README "HTTP API")."""

import json
from typing import Any, Dict, Iterator, Optional, Tuple

from .env import env_body_format, env_min_interval_ms, env_token, env_url, parse_base_url
from .errors import RunstreamConfigError
from .producer import Producer
from .transport import HttpTransport
from .wire import SampleValue, check_run_id, check_variable_name, decode_value


class Client:
    """Talks to one ingest server. ``url`` and ``token`` default to
    ``RUNSTREAM_URL`` and ``RUNSTREAM_TOKEN``; producers' pacing to
    ``RUNSTREAM_MIN_INTERVAL_MS`` (else 1000 ms). Every call here is one
    request without retries; producers retry."""

    def __init__(self, url: Optional[str] = None, token: Optional[str] = None, timeout_s: float = 10.0) -> None:
        base = parse_base_url(url, "url") if url is not None else env_url()
        if base is None:
            raise RunstreamConfigError("RUNSTREAM_URL", "no server URL: set it or pass url=")
        token = token if token is not None else env_token()
        if not token:
            raise RunstreamConfigError("RUNSTREAM_TOKEN", "no token: set it or pass token=")
        # Read now so a typo fails here, not at the first producer.
        self._env_min_interval_ms = env_min_interval_ms()
        self._env_body_format = env_body_format()
        self.transport = HttpTransport(base, token, timeout_s)

    def create_run(self, id: Optional[str] = None, meta: Optional[Dict[str, Any]] = None) -> Dict[str, Any]:
        """Creates a run (idempotent for an existing id); returns the server's answer ``{"run": ...}``."""
        body: Dict[str, Any] = {}
        if id is not None:
            body["id"] = check_run_id(id)
        if meta is not None:
            body["meta"] = meta
        return self.transport.request("POST", "/v1/runs", body=json.dumps(body).encode())

    def get_run(self, run: str) -> Dict[str, Any]:
        return self.transport.request("GET", f"/v1/runs/{check_run_id(run)}")

    def list_variables(self, run: str) -> Any:
        return self.transport.request("GET", f"/v1/runs/{check_run_id(run)}/variables")

    def complete_run(self, run: str) -> Any:
        return self.transport.request("POST", f"/v1/runs/{check_run_id(run)}/complete")

    def read_history(self, run: str, variable: str, from_seq: int = 1, limit: int = 10_000) -> Dict[str, Any]:
        """One page of history, wire values: ``{"first", "t", "v", "nextSeq", "more", ...}``."""
        return self.transport.request(
            "GET",
            f"/v1/runs/{check_run_id(run)}/samples",
            query={"variable": check_variable_name(variable), "fromSeq": from_seq, "limit": limit},
        )

    def history(
        self, run: str, variable: str, from_seq: int = 1, page_size: int = 10_000
    ) -> Iterator[Tuple[int, float, SampleValue]]:
        """Every sample from ``from_seq`` on as ``(seq, t, v)``, page by page,
        values decoded (NaN, ±inf and -0.0 as floats)."""
        seq = from_seq
        while True:
            page = self.read_history(run, variable, seq, page_size)
            first = page["first"]
            for i, (t, v) in enumerate(zip(page["t"], page["v"])):
                yield first + i, float(t), decode_value(v)
            if not page.get("more"):
                return
            seq = page["nextSeq"]

    def history_arrays(self, run: str, variable: str, from_seq: int = 1) -> Tuple[Any, Any, Any]:
        """The history as numpy arrays ``(seq, t, v)`` (numpy needed): ``v`` is
        float64 when every value is a number (NaN, ±inf, -0.0 kept), else an
        object array."""
        import numpy as np

        seqs, ts, vs = [], [], []
        for seq, t, v in self.history(run, variable, from_seq):
            seqs.append(seq)
            ts.append(t)
            vs.append(v)
        numeric = all(isinstance(v, float) for v in vs)
        values = np.array(vs, dtype=np.float64) if numeric else np.array(vs + [None], dtype=object)[:-1]
        return np.array(seqs, dtype=np.int64), np.array(ts, dtype=np.float64), values

    def to_dataframe(self, run: str, variable: str, from_seq: int = 1) -> Any:
        """The history as a pandas DataFrame (pandas needed): index ``seq``,
        columns ``t`` (float64) and ``v`` (float64 when every value is a number,
        NaN, ±inf and -0.0 kept; else object)."""
        import pandas as pd

        seq, t, v = self.history_arrays(run, variable, from_seq)
        return pd.DataFrame({"t": t, "v": v}, index=pd.Index(seq, name="seq"))

    def series(
        self,
        run: str,
        variable: str,
        from_seq: Optional[int] = None,
        to_seq: Optional[int] = None,
        points: int = 1000,
    ) -> Dict[str, Any]:
        """The range downsampled to at most ``points`` M4+ buckets, as the server
        answers it (README "Series"; wire values, columnar)."""
        return self.transport.request(
            "GET",
            f"/v1/runs/{check_run_id(run)}/series",
            query={"variable": check_variable_name(variable), "fromSeq": from_seq, "toSeq": to_seq, "points": points},
        )

    def producer(self, run: str, **options: Any) -> Producer:
        """A Producer for ``run``; options as Producer's (``min_interval_ms``, ``on_full``, ...)."""
        options.setdefault("env_min_interval_ms", self._env_min_interval_ms)
        options.setdefault("env_body_format", self._env_body_format)
        return Producer(self.transport, run, **options)
