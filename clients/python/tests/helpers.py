import math
from typing import Any, List, Tuple


def same_value(a: Any, b: Any) -> bool:
    """Exact equality of sample values: NaN equals NaN, -0.0 differs from 0.0."""
    if isinstance(a, list) and isinstance(b, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool) or a is None or b is None or isinstance(a, str) or isinstance(b, str):
        return type(a) is type(b) and a == b
    a, b = float(a), float(b)
    if math.isnan(a) or math.isnan(b):
        return math.isnan(a) and math.isnan(b)
    return a == b and math.copysign(1.0, a) == math.copysign(1.0, b)


def history_problem(reader: Any, run: str, variable: str, expected: List[Tuple[float, Any]]) -> str:
    """'' when the variable's history is exactly ``expected`` as seqs 1..N, else what differs."""
    got = list(reader.history(run, variable, page_size=997))
    if [s for s, _, _ in got] != list(range(1, len(got) + 1)):
        return f"{variable}: seqs are not 1..{len(got)}"
    if len(got) != len(expected):
        return f"{variable}: {len(got)} samples, expected {len(expected)}"
    for (seq, t, v), (et, ev) in zip(got, expected):
        if t != et or not same_value(v, ev):
            return f"{variable} seq {seq}: got ({t!r}, {v!r}), expected ({et!r}, {ev!r})"
    return ""
