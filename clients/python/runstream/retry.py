"""When to try a failed request again (mirrors packages/sdk/src/retry-policy.ts).

Backoff is exponential with full jitter — a uniformly random delay in
[0, min(cap, base * 2^(attempt-1))) — so producers that failed together do
not retry together. A server's Retry-After is a floor, never shortened.
"""

import email.utils
import re
import time
from typing import Optional

DEFAULT_RETRY_BASE_S = 0.25
DEFAULT_RETRY_CAP_S = 30.0


def backoff_delay_s(
    attempt: int, random: float, base_s: float = DEFAULT_RETRY_BASE_S, cap_s: float = DEFAULT_RETRY_CAP_S
) -> float:
    """Backoff before retry number ``attempt`` (1 for the first), given ``random`` in [0, 1)."""
    # 2.0 ** large overflows; the exponent is capped well past any useful ceiling.
    ceiling = min(cap_s, base_s * 2.0 ** min(max(0, attempt - 1), 1000))
    return min(max(random, 0.0), 1.0) * ceiling


def retry_delay_s(
    attempt: int,
    random: float,
    retry_after_s: Optional[float],
    base_s: float = DEFAULT_RETRY_BASE_S,
    cap_s: float = DEFAULT_RETRY_CAP_S,
) -> float:
    return max(backoff_delay_s(attempt, random, base_s, cap_s), retry_after_s or 0.0)


def parse_retry_after_s(header: Optional[str], now: Optional[float] = None) -> Optional[float]:
    """A Retry-After header (delay-seconds or HTTP-date) in seconds from now; None if unreadable."""
    if header is None:
        return None
    value = header.strip()
    if value == "":
        return None
    if re.fullmatch(r"\d+", value):
        return float(value)
    if not re.search(r"[a-z]", value, re.IGNORECASE):
        return None
    try:
        at = email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError):
        return None
    return max(0.0, at - (time.time() if now is None else now))


def status_verdict(status: int) -> str:
    """``ok`` for 2xx, ``split`` for 413, ``retry`` for 408/429/5xx, else ``fail``."""
    if 200 <= status < 300:
        return "ok"
    if status == 413:
        return "split"
    if status in (408, 429) or status >= 500:
        return "retry"
    return "fail"
