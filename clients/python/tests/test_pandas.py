import math

import pytest

from helpers import history_problem

pd = pytest.importorskip("pandas")
np = pytest.importorskip("numpy")


def test_send_dataframe_then_to_dataframe(writer, reader, run_id):
    n = 2500
    t = np.arange(n) * 0.01
    pressure = np.sin(t)
    pressure[7], pressure[8], pressure[9] = np.nan, np.inf, -0.0
    frame = pd.DataFrame({"time": t, "pressure": pressure, "count": np.arange(n, dtype=np.int64)})
    producer = writer.producer(run_id, min_interval_ms=0)
    assert producer.send_dataframe(frame, t="time", prefix="pump.") == 2 * n
    indexed = pd.DataFrame({"level": ["low", "high", "low"]}, index=pd.Index([0.0, 1.0, 2.0]))
    assert producer.send_dataframe(indexed) == 3
    producer.flush()
    producer.close()

    # Exact seqs 1..N and values, through the plain history first.
    assert history_problem(reader, run_id, "pump.pressure", list(zip(t.tolist(), pressure.tolist()))) == ""
    assert history_problem(reader, run_id, "pump.count", [(float(x), i) for i, x in enumerate(t.tolist())]) == ""

    got = reader.to_dataframe(run_id, "pump.pressure")
    assert got.index.name == "seq" and got.index.tolist() == list(range(1, n + 1))
    assert list(got.columns) == ["t", "v"] and got["v"].dtype == np.float64
    assert got["t"].tolist() == t.tolist()
    assert np.array_equal(got["v"].to_numpy(), pressure, equal_nan=True)
    assert np.signbit(got["v"].iloc[9]) and got["v"].iloc[8] == math.inf

    tail = reader.to_dataframe(run_id, "pump.pressure", from_seq=n - 9)
    assert tail.index.tolist() == list(range(n - 9, n + 1))

    levels = reader.to_dataframe(run_id, "level")
    assert levels["v"].dtype == object and levels["v"].tolist() == ["low", "high", "low"]
    assert levels["t"].tolist() == [0.0, 1.0, 2.0]
