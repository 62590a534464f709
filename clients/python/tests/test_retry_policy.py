from runstream.retry import backoff_delay_s, parse_retry_after_s, retry_delay_s, status_verdict


def test_full_jitter_backoff_grows_to_its_cap():
    assert backoff_delay_s(1, 0.5) == 0.125
    assert backoff_delay_s(3, 1.0) == 1.0
    assert backoff_delay_s(10_000, 1.0) == 30.0
    assert backoff_delay_s(4, 0.0) == 0.0


def test_retry_after_is_a_floor():
    assert retry_delay_s(1, 0.0, 2.0) == 2.0
    assert retry_delay_s(8, 1.0, 2.0) == 30.0


def test_retry_after_header_forms():
    assert parse_retry_after_s("3") == 3.0
    assert parse_retry_after_s(" ") is None
    assert parse_retry_after_s("-5") is None
    assert parse_retry_after_s("1.5") is None
    assert parse_retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 - 10) == 10.0
    assert parse_retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT", now=1445412480.0 + 10) == 0.0
    assert parse_retry_after_s("soon") is None


def test_status_verdicts():
    assert [status_verdict(s) for s in (200, 202, 413, 408, 429, 500, 503, 400, 401, 403, 404, 409, 422)] == [
        "ok", "ok", "split", "retry", "retry", "retry", "retry", "fail", "fail", "fail", "fail", "fail", "fail",
    ]
