"""retryStrategy decisions and Argo's duration strings."""

from __future__ import annotations

import pytest

from yamlpipe.run.model import ERROR, FAILED
from yamlpipe.run.retry import RetryError, decide, parse_duration, parse_strategy


@pytest.mark.parametrize(
    ("text", "seconds"),
    [
        ("30", 30.0),
        ("30s", 30.0),
        ("1m", 60.0),
        ("1h30m", 5400.0),
        ("500ms", 0.5),
        ("1.5h", 5400.0),
    ],
)
def test_durations(text: str, seconds: float) -> None:
    assert parse_duration(text) == seconds


def test_a_bad_duration_is_refused() -> None:
    with pytest.raises(RetryError):
        parse_duration("ten minutes")


def test_limit_counts_retries_not_attempts() -> None:
    strategy = parse_strategy({"limit": 2})
    assert strategy is not None
    assert decide(strategy, 1, FAILED, 0, 0, 0).delay == 0
    assert decide(strategy, 2, FAILED, 0, 0, 0).delay == 0
    assert decide(strategy, 3, FAILED, 0, 0, 0).delay is None


def test_default_policy_retries_failures_not_errors() -> None:
    strategy = parse_strategy({"limit": "3"})
    assert strategy is not None
    assert decide(strategy, 1, ERROR, 0, 0, 0).delay is None
    on_error = parse_strategy({"limit": 3, "retryPolicy": "OnError"})
    assert on_error is not None
    assert decide(on_error, 1, ERROR, 0, 0, 0).delay == 0
    assert decide(on_error, 1, FAILED, 0, 0, 0).delay is None


def test_backoff_grows_by_factor_and_stops_at_max_duration() -> None:
    strategy = parse_strategy(
        {"limit": 10, "backoff": {"duration": "2s", "factor": 3, "maxDuration": "1m"}}
    )
    assert strategy is not None
    assert decide(strategy, 1, FAILED, 0, 10, 10).delay == 2
    assert decide(strategy, 2, FAILED, 0, 10, 10).delay == 6
    assert decide(strategy, 3, FAILED, 0, 10, 10).delay == 18
    late = decide(strategy, 4, FAILED, 0, 10, 10)
    assert late.delay is None and "max duration" in late.message


def test_an_unknown_policy_is_refused() -> None:
    with pytest.raises(RetryError, match="not a valid RetryPolicy"):
        parse_strategy({"retryPolicy": "Sometimes"})
