"""One HTTP attempt against the ingest API (urllib): bearer auth, JSON in and
out, a per-attempt timeout, every failure turned into RunstreamHttpError (an
answer) or RunstreamNetworkError (no answer). It never retries: retrying is
the caller's policy."""

import http.client
import json
import socket
import urllib.error
import urllib.parse
import urllib.request
from typing import Any, Mapping, Optional, Union

from .errors import RunstreamHttpError, RunstreamNetworkError
from .retry import parse_retry_after_s


class HttpTransport:
    def __init__(self, base_url: str, token: str, timeout_s: float = 10.0) -> None:
        self.base_url = base_url
        self.token = token
        self.timeout_s = timeout_s

    def request(
        self,
        method: str,
        path: str,
        query: Optional[Mapping[str, Any]] = None,
        body: Union[bytes, None] = None,
        timeout_s: Optional[float] = None,
        content_type: str = "application/json",
    ) -> Any:
        """Sends ``body`` (bytes already encoded, JSON unless ``content_type`` says
        otherwise) and returns the parsed 2xx answer."""
        label = f"{method} {path}"
        url = self.base_url + path
        if query:
            pairs = {k: v for k, v in query.items() if v is not None}
            if pairs:
                url += "?" + urllib.parse.urlencode(pairs)
        headers = {"authorization": f"Bearer {self.token}", "accept": "application/json"}
        if body is not None:
            headers["content-type"] = content_type
        req = urllib.request.Request(url, data=body, method=method, headers=headers)
        timeout = self.timeout_s if timeout_s is None else timeout_s
        try:
            with urllib.request.urlopen(req, timeout=timeout) as response:
                text = response.read()
        except urllib.error.HTTPError as err:
            raise _http_error(err, label) from None
        except socket.timeout:
            raise RunstreamNetworkError(
                f"{label} failed: no answer within {timeout} s", label, timed_out=True
            ) from None
        except (urllib.error.URLError, http.client.HTTPException, OSError) as err:
            reason = getattr(err, "reason", err)
            timed_out = isinstance(reason, socket.timeout)
            raise RunstreamNetworkError(f"{label} failed: {reason}", label, timed_out) from None
        try:
            return json.loads(text) if text else None
        except ValueError:
            raise RunstreamNetworkError(f"{label}: unreadable answer body", label) from None


def _http_error(err: urllib.error.HTTPError, label: str) -> RunstreamHttpError:
    code, message, details = f"http_{err.code}", err.reason or "", None
    try:
        raw = err.read()
        parsed = json.loads(raw) if raw else None
        if isinstance(parsed, dict) and isinstance(parsed.get("error"), dict):
            code = str(parsed["error"].get("code", code))
            message = str(parsed["error"].get("message", message))
            details = parsed["error"].get("details")
    except (ValueError, OSError, http.client.HTTPException):
        pass  # a body that is not our error shape (a proxy's page): status and reason say enough
    retry_after = parse_retry_after_s(err.headers.get("retry-after") if err.headers else None)
    return RunstreamHttpError(err.code, code, message, details, retry_after, label)
