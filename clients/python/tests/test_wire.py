import json
import math

import pytest

from runstream.wire import check_time, decode_value, encode_logged_value, variable_name_problem


def test_special_numbers_are_tagged_and_come_back():
    values = [math.nan, math.inf, -math.inf, -0.0, 0.0, 1.5, [1.0, math.nan, -0.0], "NaN", True, None, 7]
    wire = [encode_logged_value("x", v) for v in values]
    assert json.dumps(wire, allow_nan=False) == (
        '[{"$num": "NaN"}, {"$num": "Infinity"}, {"$num": "-Infinity"}, {"$num": "-0"}, 0.0, 1.5, '
        '[1.0, {"$num": "NaN"}, {"$num": "-0"}], "NaN", true, null, 7]'
    )
    back = [decode_value(w) for w in json.loads(json.dumps(wire))]
    assert math.isnan(back[0]) and back[1] == math.inf and back[2] == -math.inf
    assert math.copysign(1, back[3]) == -1 and back[4] == 0 and math.copysign(1, back[4]) == 1
    assert back[7:] == ["NaN", True, None, 7.0]


def test_unusable_values_and_times_raise_type_error():
    for bad in ({"a": 1}, [1, "x"], [True], object(), "x" * 65_537):
        with pytest.raises(TypeError):
            encode_logged_value("x", bad)
    for bad in (math.nan, math.inf, "1", None, True):
        with pytest.raises(TypeError):
            check_time("x", bad)


def test_variable_names_as_the_server_checks_them():
    assert variable_name_problem("pump.flow") is None
    assert variable_name_problem("é" * 128) is None
    assert variable_name_problem("é" * 129) is not None
    assert variable_name_problem("") is not None
    assert variable_name_problem("a\nb") is not None
    assert variable_name_problem("\ud800") is not None
