"""The client's environment defaults, as the TypeScript SDK reads them
(packages/sdk/src/env-config.ts). Options passed in code always win."""

import os
import re
import urllib.parse
from typing import Mapping, Optional

from .errors import RunstreamConfigError


def _non_empty(value: Optional[str]) -> Optional[str]:
    value = None if value is None else value.strip()
    return value or None


def parse_base_url(value: str, variable: str) -> str:
    """An http(s) URL without a trailing slash (a path prefix is kept)."""
    parsed = urllib.parse.urlsplit(value)
    if parsed.scheme not in ("http", "https") or not parsed.netloc:
        raise RunstreamConfigError(variable, f"{value!r} must be an http:// or https:// URL")
    if parsed.query or parsed.fragment:
        raise RunstreamConfigError(variable, f"{value!r} must not have a query or fragment")
    return value.rstrip("/")


def env_url(env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    url = _non_empty((os.environ if env is None else env).get("RUNSTREAM_URL"))
    return None if url is None else parse_base_url(url, "RUNSTREAM_URL")


def env_token(env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    return _non_empty((os.environ if env is None else env).get("RUNSTREAM_TOKEN"))


def env_body_format(env: Optional[Mapping[str, str]] = None) -> Optional[str]:
    """RUNSTREAM_BODY_FORMAT: ``json`` or ``binary``, or None when unset or empty."""
    value = _non_empty((os.environ if env is None else env).get("RUNSTREAM_BODY_FORMAT"))
    if value is not None and value not in ("json", "binary"):
        raise RunstreamConfigError("RUNSTREAM_BODY_FORMAT", f"{value!r} must be json or binary")
    return value


def env_min_interval_ms(env: Optional[Mapping[str, str]] = None) -> Optional[int]:
    """RUNSTREAM_MIN_INTERVAL_MS: a non-negative integer, or None when unset or empty."""
    value = _non_empty((os.environ if env is None else env).get("RUNSTREAM_MIN_INTERVAL_MS"))
    if value is None:
        return None
    if not re.fullmatch(r"\d+", value):
        raise RunstreamConfigError(
            "RUNSTREAM_MIN_INTERVAL_MS", f"{value!r} must be a non-negative integer"
        )
    return int(value)
