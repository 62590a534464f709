"""Sample values on the wire (packages/domain/src/sample-value.ts).

JSON has no NaN, Infinity or -0: those travel as ``{"$num": "NaN"}``,
``{"$num": "Infinity"}``, ``{"$num": "-Infinity"}`` and ``{"$num": "-0"}``,
and come back the same way. A string ``"NaN"`` stays a string.
"""

import math
import re
import unicodedata
from typing import Any, List, Union

MAX_STRING_VALUE_LENGTH = 65_536
MAX_ARRAY_VALUE_LENGTH = 65_536
MAX_VARIABLE_NAME_BYTES = 256
RUN_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,128}$")

# Shared, never mutated: the encoder only reads them.
_NAN = {"$num": "NaN"}
_POS_INF = {"$num": "Infinity"}
_NEG_INF = {"$num": "-Infinity"}
_NEG_ZERO = {"$num": "-0"}
_DECODED = {"NaN": math.nan, "Infinity": math.inf, "-Infinity": -math.inf, "-0": -0.0}

# JavaScript numbers are doubles: an int beyond 2^53 would come back changed.
_MAX_SAFE_INTEGER = 2**53 - 1

SampleValue = Union[float, int, List[float], str, bool, None]


def encode_number(x: float) -> Any:
    if x != x:
        return _NAN
    if x == math.inf:
        return _POS_INF
    if x == -math.inf:
        return _NEG_INF
    if x == 0 and math.copysign(1.0, x) < 0:
        return _NEG_ZERO
    return x


def decode_number(w: Any) -> float:
    if isinstance(w, dict):
        return _DECODED[w["$num"]]
    return float(w)


def decode_value(w: Any) -> SampleValue:
    """A wire value as Python: numbers as float, arrays as lists of float."""
    if w is None or isinstance(w, (str, bool)):
        return w
    if isinstance(w, list):
        return [decode_number(x) for x in w]
    return decode_number(w)


def _number(variable: str, x: Any, where: str) -> Any:
    if isinstance(x, bool):
        raise TypeError(f"{where} of {variable!r} must be a number, got a bool")
    if isinstance(x, float):
        return encode_number(x)
    if isinstance(x, int):
        # Beyond 2^53 the server would store it rounded: send the double it becomes.
        return x if -_MAX_SAFE_INTEGER <= x <= _MAX_SAFE_INTEGER else float(x)
    item = getattr(x, "item", None)  # numpy scalars (float32, int64, ...)
    if item is not None and getattr(x, "ndim", None) == 0:
        return _number(variable, item(), where)
    raise TypeError(f"{where} of {variable!r} must be a number, got {type(x).__name__}")


def encode_logged_value(variable: str, v: Any) -> Any:
    """Validates a sample value and returns its wire form; TypeError when unusable.

    Sequences are copied, so a model may reuse and mutate its state array
    after logging it.
    """
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, (int, float)):
        return _number(variable, v, "value")
    if isinstance(v, str):
        if len(v) > MAX_STRING_VALUE_LENGTH:
            raise TypeError(
                f"string value of {variable!r} is {len(v)} characters, "
                f"at most {MAX_STRING_VALUE_LENGTH}"
            )
        return v
    tolist = getattr(v, "tolist", None)  # numpy arrays and scalars
    if tolist is not None:
        return encode_logged_value(variable, tolist())
    if isinstance(v, (list, tuple)):
        if len(v) > MAX_ARRAY_VALUE_LENGTH:
            raise TypeError(
                f"array value of {variable!r} has {len(v)} elements, "
                f"at most {MAX_ARRAY_VALUE_LENGTH}"
            )
        return [_number(variable, x, f"array element [{i}]") for i, x in enumerate(v)]
    raise TypeError(
        f"value of {variable!r} must be a number, a sequence of numbers, a string, "
        f"a bool or None, got {type(v).__name__}"
    )


def check_time(variable: str, t: Any) -> float:
    """``t`` as a finite float; TypeError otherwise (the server would refuse the batch)."""
    if isinstance(t, bool) or not isinstance(t, (int, float)):
        item = getattr(t, "item", None)
        if item is None or getattr(t, "ndim", None) != 0:
            raise TypeError(f"t of {variable!r} must be a finite number, got {type(t).__name__}")
        t = item()
        if isinstance(t, bool):
            raise TypeError(f"t of {variable!r} must be a finite number, got a bool")
    if not math.isfinite(t):
        raise TypeError(f"t of {variable!r} must be a finite number, got {t!r}")
    return t


def variable_name_problem(name: Any) -> Union[str, None]:
    """Why a variable name is unacceptable (as the server says), or None."""
    if not isinstance(name, str):
        return f"variable name must be a string, got {type(name).__name__}"
    if name == "":
        return "variable name must not be empty"
    try:
        size = len(name.encode("utf-8"))
    except UnicodeEncodeError:
        return "variable name must be valid UTF-8 (no lone surrogates)"
    if any(unicodedata.category(ch) == "Cc" for ch in name):
        return "variable name must not contain control characters"
    if size > MAX_VARIABLE_NAME_BYTES:
        return f"variable name must be at most {MAX_VARIABLE_NAME_BYTES} bytes of UTF-8"
    return None


def check_variable_name(name: Any) -> str:
    problem = variable_name_problem(name)
    if problem is not None:
        raise TypeError(f"{name!r}: {problem}")
    return name


def check_run_id(run: Any) -> str:
    """Run ids go into URL paths: ``../x`` must not reach another route."""
    if not isinstance(run, str) or not RUN_ID_PATTERN.match(run):
        raise TypeError(f"invalid run id {run!r}: 1-128 characters of A-Z a-z 0-9 . _ -")
    return run
