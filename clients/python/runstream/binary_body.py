"""The binary columnar body of ``POST /v1/runs/:run/samples`` (docs/protocol.md,
"Binary bodies"; the reference is packages/domain/src/columnar-binary.ts).

Each variable's ``t`` and ``v`` travel as little-endian float64 columns;
values that are not numbers (strings, booleans, None, arrays) sit in a
sidecar after the columns. The columns are packed by the standard library's
``array`` module straight from the producer's lists (C speed, no per-sample
Python code when every value is a number). The producer also reads its own
bodies back (a spooled batch after a restart).
"""

import struct
import sys
from array import array
from typing import Any, Dict, List, Optional, Tuple

from .wire import decode_number, encode_number

CONTENT_TYPE = "application/vnd.runstream.columnar"
MAGIC = b"RSCB"
VERSION = 1
_FLAG_IDENTITY = 1
_NULL, _FALSE, _TRUE, _STRING, _ARRAY = range(5)
_SWAP = sys.byteorder != "little"


def _doubles(values: List[float]) -> bytes:
    packed = array("d", values)
    if _SWAP:
        packed.byteswap()
    return packed.tobytes()


def encode_binary_body(producer: Optional[str], batch: Optional[int], variables: List[Tuple[str, List[Any], List[Any]]]) -> bytes:
    """``variables``: (name, t, v) with values in their wire form (wire.py)."""
    out = [MAGIC, bytes((VERSION, _FLAG_IDENTITY if producer is not None else 0))]
    if producer is not None:
        p = producer.encode("utf-8")
        out.append(struct.pack("<B", len(p)) + p + struct.pack("<Q", batch))
    out.append(struct.pack("<I", len(variables)))
    for name, t, v in variables:
        n = name.encode("utf-8")
        out.append(struct.pack("<H", len(n)) + n + struct.pack("<I", len(t)))
        out.append(_doubles(t))
        sidecar: List[bytes] = []
        # Numbers only (the common case): the list is packed as it is.
        if all(type(x) is float or type(x) is int for x in v):
            column = v
        else:
            column = []
            for i, x in enumerate(v):
                if type(x) is float or type(x) is int:
                    column.append(x)
                    continue
                if isinstance(x, dict):  # a {"$num": ...} tag: the number it names
                    column.append(decode_number(x))
                    continue
                column.append(0.0)  # the slot of a sidecar value
                if x is None:
                    sidecar.append(struct.pack("<IB", i, _NULL))
                elif x is True or x is False:
                    sidecar.append(struct.pack("<IB", i, _TRUE if x else _FALSE))
                elif isinstance(x, str):
                    s = x.encode("utf-8")
                    sidecar.append(struct.pack("<IBI", i, _STRING, len(s)) + s)
                else:
                    numbers = [decode_number(e) for e in x]
                    sidecar.append(struct.pack("<IBI", i, _ARRAY, len(numbers)) + _doubles(numbers))
        out.append(_doubles(column))
        out.append(struct.pack("<I", len(sidecar)))
        out.extend(sidecar)
    return b"".join(out)


def decode_binary_body(body: bytes) -> Dict[str, Any]:
    """A body this module wrote, as its JSON form (``producer``, ``batch``,
    ``variables``: name -> ``{"t", "v"}``, values wire-encoded). ValueError
    when the framing does not add up."""
    view = memoryview(body)
    at = 0

    def take(n: int) -> memoryview:
        nonlocal at
        if at + n > len(view):
            raise ValueError(f"binary body truncated at byte {at}")
        part = view[at : at + n]
        at += n
        return part

    def doubles(n: int) -> List[float]:
        column = array("d")
        column.frombytes(take(8 * n))
        if _SWAP:
            column.byteswap()
        return column.tolist()

    if bytes(take(4)) != MAGIC:
        raise ValueError("not a binary columnar body")
    version, flags = take(2)
    if version != VERSION:
        raise ValueError(f"binary body version {version} is unknown")
    out: Dict[str, Any] = {}
    if flags & _FLAG_IDENTITY:
        (length,) = take(1)
        out["producer"] = bytes(take(length)).decode("utf-8")
        (out["batch"],) = struct.unpack("<Q", take(8))
    (count,) = struct.unpack("<I", take(4))
    variables: Dict[str, Any] = {}
    for _ in range(count):
        (length,) = struct.unpack("<H", take(2))
        name = bytes(take(length)).decode("utf-8")
        (n,) = struct.unpack("<I", take(4))
        t = doubles(n)
        v: List[Any] = [encode_number(x) for x in doubles(n)]
        (entries,) = struct.unpack("<I", take(4))
        for _ in range(entries):
            index, kind = struct.unpack("<IB", take(5))
            if kind == _NULL:
                v[index] = None
            elif kind in (_FALSE, _TRUE):
                v[index] = kind == _TRUE
            elif kind == _STRING:
                (size,) = struct.unpack("<I", take(4))
                v[index] = bytes(take(size)).decode("utf-8")
            elif kind == _ARRAY:
                (size,) = struct.unpack("<I", take(4))
                v[index] = [encode_number(x) for x in doubles(size)]
            else:
                raise ValueError(f"unknown sidecar kind {kind}")
        variables[name] = {"t": t, "v": v}
    if at != len(view):
        raise ValueError("binary body: bytes after the last variable")
    out["variables"] = variables
    return out
