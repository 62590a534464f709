"""The errors the client raises; each names what went wrong and where."""

from typing import Any, Optional


class RunstreamError(Exception):
    """Base of every error this package raises on purpose."""


class RunstreamHttpError(RunstreamError):
    """The server answered with a non-2xx status.

    ``code``, ``message`` and ``details`` come from the server's error body
    (``{"error": {"code", "message", "details"}}``); ``retry_after_s`` from
    its ``Retry-After`` header (503 and 429 carry one).
    """

    def __init__(
        self,
        status: int,
        code: str,
        message: str,
        details: Any,
        retry_after_s: Optional[float],
        request: str,
    ) -> None:
        super().__init__(f"{request}: {status} {code}: {message}")
        self.status = status
        self.code = code
        self.message = message
        self.details = details
        self.retry_after_s = retry_after_s
        self.request = request


class RunstreamNetworkError(RunstreamError):
    """The request got no HTTP answer: refused, reset, timed out, unreadable."""

    def __init__(self, message: str, request: str, timed_out: bool = False) -> None:
        super().__init__(message)
        self.request = request
        self.timed_out = timed_out


class RunstreamConfigError(RunstreamError, ValueError):
    """A ``RUNSTREAM_*`` environment variable or an option is unusable."""

    def __init__(self, variable: str, message: str) -> None:
        super().__init__(f"{variable}: {message}")
        self.variable = variable


class BufferFullError(RunstreamError):
    """``log()`` under ``on_full="raise"`` when the buffer holds ``max_buffered_samples``."""

    def __init__(self, max_buffered_samples: int, variable: str) -> None:
        super().__init__(
            f"producer buffer is full ({max_buffered_samples} unacknowledged samples): "
            f"sample of {variable!r} not logged"
        )
        self.max_buffered_samples = max_buffered_samples
        self.variable = variable


class ProducerClosedError(RunstreamError):
    """``log()``/``flush()`` on a producer after ``close()`` or ``complete()``."""

    def __init__(self, run: str) -> None:
        super().__init__(f"producer for run {run!r} is closed")
        self.run = run
