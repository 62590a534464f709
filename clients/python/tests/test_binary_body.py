"""The binary body as docs/protocol.md lays it out, byte for byte the same as
the TypeScript reference writes (packages/domain/src/columnar-binary.test.ts)."""

import math

from runstream.binary_body import decode_binary_body, encode_binary_body
from runstream.wire import encode_logged_value

# producer "p-1", batch 7, one variable "é": t [0, 0.5, 1], v [1.5, "hi", -0.0]
DOCUMENTED = bytes.fromhex(
    "5253434201"  # "RSCB", version 1
    "01"  # flags: identity follows
    "03702d31" "0700000000000000"  # producer "p-1", batch 7 (u64)
    "01000000"  # one variable
    "0200c3a9" "03000000"  # name "é" (2 bytes), 3 samples
    "0000000000000000" "000000000000e03f" "000000000000f03f"  # t
    "000000000000f83f" "0000000000000000" "0000000000000080"  # v (slot 1 is the sidecar's)
    "01000000" "01000000" "03" "02000000" "6869"  # sidecar: at 1, a string of 2 bytes, "hi"
)


def test_writes_the_documented_layout():
    v = [encode_logged_value("é", x) for x in [1.5, "hi", -0.0]]
    assert encode_binary_body("p-1", 7, [("é", [0, 0.5, 1], v)]) == DOCUMENTED


def test_every_kind_of_value_round_trips():
    values = [math.nan, math.inf, -math.inf, -0.0, 2.5, 7, [1.0, math.nan, -0.0], [], "NaN", "", True, False, None]
    wire = [encode_logged_value("x", x) for x in values]
    body = encode_binary_body(None, None, [("x", list(range(len(values))), wire), ("y", [1.5], [3.0])])
    back = decode_binary_body(body)
    assert "producer" not in back
    assert back["variables"]["x"]["t"] == list(range(len(values)))
    assert repr(back["variables"]["x"]["v"]) == repr([float(x) if type(x) is int else x for x in wire])
    assert back["variables"]["y"] == {"t": [1.5], "v": [3.0]}
