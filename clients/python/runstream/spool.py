"""The producer's spool: unacknowledged batches kept on disk.

Every batch is written here (its exact body: producer id, batch number,
samples) before it is first sent, and removed once the server acknowledged
it. A producer started again on the same directory and run takes over the
spooled producer id and batch numbering and sends the spooled batches first,
with their ids: a batch the server had written before the process died is
answered as a duplicate and not written twice.

Layout, one folder per run: ``<spool_dir>/<run>/producer`` (the producer id),
``next-batch`` (the next batch number), ``<number>.batch`` (bodies).
The spool is bounded by ``max_bytes`` of bodies; when it is full, new
batches wait in memory as without a spool.
Files are replaced atomically (written aside, then renamed), so a kill
mid-write leaves the old file or the new one, never half of one.
"""

import os
import re
from typing import List, Optional, Tuple

# `<number>.batch`, or `<number>-from-<parent>.batch` for a half of a batch
# split after a 413: the halves are written before the parent is removed, and
# a parent found beside a half of it (a kill came between) is removed at load,
# so its samples are never sent twice under different numbers.
_BATCH_FILE = re.compile(r"^(\d{20})(?:-from-(\d{20}))?\.batch$")


class Spool:
    def __init__(self, spool_dir: str, run: str, max_bytes: int) -> None:
        self.dir = os.path.join(os.path.abspath(spool_dir), run)
        self.max_bytes = max_bytes
        os.makedirs(self.dir, exist_ok=True)
        self._recover()
        self.bytes = sum(size for _, _, size in self._batches())

    def _recover(self) -> None:
        """Removes what a kill mid-change left: half-written files, split parents."""
        parents = set()
        for name in os.listdir(self.dir):
            if name.endswith(".tmp"):
                os.unlink(os.path.join(self.dir, name))
            match = _BATCH_FILE.match(name)
            if match and match.group(2) is not None:
                parents.add(int(match.group(2)))
        for name in os.listdir(self.dir):
            match = _BATCH_FILE.match(name)
            if match and match.group(2) is None and int(match.group(1)) in parents:
                os.unlink(os.path.join(self.dir, name))

    def _batches(self) -> List[Tuple[int, str, int]]:
        out = []
        for name in os.listdir(self.dir):
            match = _BATCH_FILE.match(name)
            if match:
                path = os.path.join(self.dir, name)
                out.append((int(match.group(1)), path, os.path.getsize(path)))
        return sorted(out)

    def _replace(self, path: str, data: bytes) -> None:
        aside = path + ".tmp"
        with open(aside, "wb") as f:
            f.write(data)
        os.replace(aside, path)

    def _read_text(self, name: str) -> Optional[str]:
        try:
            with open(os.path.join(self.dir, name), "r", encoding="utf-8") as f:
                return f.read().strip() or None
        except FileNotFoundError:
            return None

    def producer_id(self) -> Optional[str]:
        """The id of the producer that spooled here before, if any."""
        return self._read_text("producer")

    def claim(self, producer_id: str) -> None:
        self._replace(os.path.join(self.dir, "producer"), producer_id.encode())

    def next_batch(self) -> int:
        """A batch number above every one used before (acknowledged ones included)."""
        recorded = int(self._read_text("next-batch") or 0)
        spooled = [n + 1 for n, _, _ in self._batches()]
        return max([recorded] + spooled)

    def record_next_batch(self, number: int) -> None:
        # Numbers must never repeat across restarts: the server would take a
        # new batch with an old number for a repeat and drop it.
        self._replace(os.path.join(self.dir, "next-batch"), str(number).encode())

    def pending(self) -> List[Tuple[int, str]]:
        """Spooled batches, oldest first: (number, path)."""
        return [(n, path) for n, path, _ in self._batches()]

    def has_room(self, size: int) -> bool:
        return self.bytes + size <= self.max_bytes

    def write(self, number: int, body: bytes, parent: Optional[int] = None) -> str:
        name = f"{number:020d}" + ("" if parent is None else f"-from-{parent:020d}") + ".batch"
        path = os.path.join(self.dir, name)
        self._replace(path, body)
        self.bytes += len(body)
        return path

    @staticmethod
    def read(path: str) -> bytes:
        with open(path, "rb") as f:
            return f.read()

    def remove(self, path: str, size: int) -> None:
        try:
            os.unlink(path)
            self.bytes -= size
        except FileNotFoundError:
            pass

    def clear(self) -> None:
        """Removes the run's folder: its run is completed, nothing can be sent any more."""
        for name in os.listdir(self.dir):
            os.unlink(os.path.join(self.dir, name))
        os.rmdir(self.dir)
