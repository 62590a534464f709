"""The producer's per-variable columnar buffer (packages/sdk/src/sample-buffer.ts).

Batches serve variables round-robin: a column cut by the batch limit goes to
the back of the line, so one chatty variable cannot starve the others.
Not thread-safe by itself: the producer holds its lock around every call.
"""

import json
from collections import deque
from typing import Any, Deque, Dict, List, Optional, Tuple

from .binary_body import CONTENT_TYPE as BINARY_CONTENT_TYPE
from .binary_body import MAGIC as BINARY_MAGIC
from .binary_body import decode_binary_body, encode_binary_body

JSON_CONTENT_TYPE = "application/json"
BODY_FORMATS = ("json", "binary")


class Column:
    __slots__ = ("name", "t", "v", "accepted", "acked", "spooled")

    def __init__(self, name: str) -> None:
        self.name = name
        self.t: List[float] = []
        self.v: List[Any] = []
        # A column is FIFO and batches are acknowledged in order: acked is a prefix count.
        self.accepted = 0
        self.acked = 0
        # Samples of this column written to the spool (batches are spooled in order: a prefix).
        self.spooled = 0


class BatchPart:
    """A slice of one column taken into a batch."""

    __slots__ = ("column", "t", "v")

    def __init__(self, column: Column, t: List[float], v: List[Any]) -> None:
        self.column = column
        self.t = t
        self.v = v


class SampleBuffer:
    def __init__(self) -> None:
        self.columns: Dict[str, Column] = {}
        self._ready: Deque[Column] = deque()
        self.size = 0

    def get_or_add(self, name: str) -> Column:
        column = self.columns.get(name)
        if column is None:
            column = self.columns[name] = Column(name)
        return column

    def append(self, column: Column, t: float, v: Any) -> None:
        if not column.t:
            self._ready.append(column)
        column.t.append(t)
        column.v.append(v)
        column.accepted += 1
        self.size += 1

    def extend(self, column: Column, t: List[float], v: List[Any]) -> None:
        if not t:
            return
        if not column.t:
            self._ready.append(column)
        column.t.extend(t)
        column.v.extend(v)
        column.accepted += len(t)
        self.size += len(t)

    def take(self, limit: int) -> List[BatchPart]:
        """Removes up to ``limit`` samples, oldest first within each variable."""
        parts: List[BatchPart] = []
        room = limit
        cut: List[Column] = []
        while room > 0 and self._ready:
            column = self._ready.popleft()
            n = len(column.t)
            if n <= room:
                parts.append(BatchPart(column, column.t, column.v))
                column.t, column.v = [], []
                room -= n
            else:
                parts.append(BatchPart(column, column.t[:room], column.v[:room]))
                column.t, column.v = column.t[room:], column.v[room:]
                room = 0
                cut.append(column)
        self._ready.extend(cut)
        self.size -= limit - room
        return parts

    def flush_targets(self) -> List[Tuple[Column, int]]:
        return [(c, c.accepted) for c in self.columns.values() if c.acked < c.accepted]

    def clear(self) -> int:
        dropped = self.size
        for column in self._ready:
            column.t, column.v = [], []
        self._ready.clear()
        self.size = 0
        return dropped


class OutgoingBatch:
    """A batch taken from the buffer and not yet acknowledged. Its body is
    encoded once: a retry sends exactly the same producer, batch number and
    samples, which is what lets the server recognise it as a repeat.

    With a spool, a batch waiting behind the one in flight may be held on
    disk only (``body`` and ``parts`` None, ``path`` set): ``columns`` keeps
    what acknowledging it needs."""

    __slots__ = ("number", "parts", "columns", "count", "body", "size", "path", "content_type")

    def __init__(self, producer: str, number: int, parts: List[BatchPart], body_format: str = "json") -> None:
        self.number = number
        self.parts: Optional[List[BatchPart]] = parts
        self.columns = [(p.column, len(p.t)) for p in parts]
        self.count = sum(n for _, n in self.columns)
        if body_format == "binary":
            self.content_type = BINARY_CONTENT_TYPE
            self.body: Optional[bytes] = encode_binary_body(
                producer, number, [(p.column.name, p.t, p.v) for p in parts]
            )
        else:
            self.content_type = JSON_CONTENT_TYPE
            variables = {p.column.name: {"t": p.t, "v": p.v} for p in parts}
            self.body = json.dumps(
                {"producer": producer, "batch": number, "variables": variables},
                allow_nan=False,
                ensure_ascii=False,
                separators=(",", ":"),
            ).encode("utf-8")
        self.size = len(self.body)
        self.path: Optional[str] = None

    @classmethod
    def from_body(cls, body: bytes, buffer: "SampleBuffer") -> "OutgoingBatch":
        """A spooled batch read back: its parts rebuilt from the body, sent as it is."""
        binary = body[: len(BINARY_MAGIC)] == BINARY_MAGIC
        parsed = decode_binary_body(body) if binary else json.loads(body)
        batch = cls.__new__(cls)
        batch.content_type = BINARY_CONTENT_TYPE if binary else JSON_CONTENT_TYPE
        batch.number = parsed["batch"]
        batch.parts = [
            BatchPart(buffer.get_or_add(name), series["t"], series["v"])
            for name, series in parsed["variables"].items()
        ]
        batch.columns = [(p.column, len(p.t)) for p in batch.parts]
        batch.count = sum(n for _, n in batch.columns)
        batch.body = body
        batch.size = len(body)
        batch.path = None
        return batch

    def spill(self) -> None:
        """Keeps the batch on disk only (it was written to the spool)."""
        self.parts = None
        self.body = None


def split_parts(parts: List[BatchPart]) -> Tuple[List[BatchPart], List[BatchPart]]:
    """Two halves (sizes differ by at most one); each variable keeps its order."""
    total = sum(len(p.t) for p in parts)
    room = (total + 1) // 2
    first: List[BatchPart] = []
    second: List[BatchPart] = []
    for part in parts:
        n = len(part.t)
        if room >= n:
            first.append(part)
            room -= n
        elif room > 0:
            first.append(BatchPart(part.column, part.t[:room], part.v[:room]))
            second.append(BatchPart(part.column, part.t[room:], part.v[room:]))
            room = 0
        else:
            second.append(part)
    return first, second
