"""Argo's retryStrategy: whether a failed attempt runs again, and after how long.

`limit` N allows N retries (N + 1 attempts). The policy picks which failures retry:
OnFailure (the default) retries a non-zero exit but not an Error (the step could not run or
its outputs are missing); OnError the reverse; Always both. A backoff waits
`duration * factor^(retries so far)`, and gives up once `maxDuration` after the first attempt
has passed or would pass while waiting.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from yamlpipe.run.model import ERROR, FAILED

_UNITS = {"ns": 1e-9, "us": 1e-6, "µs": 1e-6, "ms": 1e-3, "s": 1.0, "m": 60.0, "h": 3600.0}
_PART = re.compile(r"(\d+(?:\.\d*)?|\.\d+)(ns|us|µs|ms|s|m|h)")


class RetryError(ValueError):
    """A retryStrategy Argo itself would reject."""


def parse_duration(text: Any) -> float:
    """Seconds from Argo's duration strings: an integer of seconds, or Go's `1h30m`, `500ms`."""
    value = str(text).strip()
    if re.fullmatch(r"-?\d+", value):
        return float(int(value))
    sign = -1.0 if value.startswith("-") else 1.0
    body = value.lstrip("+-")
    if not body or body == "0":
        return 0.0
    position, total = 0, 0.0
    for match in _PART.finditer(body):
        if match.start() != position:
            break
        total += float(match.group(1)) * _UNITS[match.group(2)]
        position = match.end()
    if position != len(body):
        raise RetryError(f"invalid duration {value!r}")
    return sign * total


def _int(value: Any, what: str) -> int | None:
    if value is None:
        return None
    try:
        return int(str(value))
    except ValueError:
        raise RetryError(f"retryStrategy.{what} {value!r} is not an integer") from None


@dataclass(frozen=True)
class Strategy:
    limit: int | None
    policy: str
    duration: float | None
    factor: int | None
    max_duration: float | None


POLICIES = {"Always": (True, True), "OnError": (False, True), "OnFailure": (True, False)}
"""Policy -> (retry a Failed attempt, retry an Error)."""


def parse_strategy(data: Any) -> Strategy | None:
    """The strategy of a template, or None when it has none."""
    if not isinstance(data, dict):
        return None
    policy = str(data.get("retryPolicy") or "OnFailure")
    if policy not in POLICIES and policy != "OnTransientError":
        raise RetryError(f"{policy} is not a valid RetryPolicy")
    backoff = data.get("backoff") or {}
    duration = backoff.get("duration")
    if backoff and not duration:
        raise RetryError("no base duration specified for retryStrategy")
    max_duration = backoff.get("maxDuration")
    return Strategy(
        _int(data.get("limit"), "limit"),
        policy,
        parse_duration(duration) if duration else None,
        _int(backoff.get("factor"), "backoff.factor"),
        parse_duration(max_duration) if max_duration else None,
    )


@dataclass(frozen=True)
class Decision:
    """Retry after `delay` seconds, or stop with `message` (None delay)."""

    delay: float | None
    message: str = ""


def decide(
    strategy: Strategy,
    attempts: int,
    phase: str,
    first_started: float,
    last_finished: float,
    now: float,
) -> Decision:
    """Argo's processNodeRetries for an attempt that ended Failed or Error."""
    retry_failed, retry_error = POLICIES.get(strategy.policy, (False, False))
    if (phase == FAILED and not retry_failed) or (phase == ERROR and not retry_error):
        return Decision(None)
    if strategy.limit is not None and attempts > strategy.limit:
        return Decision(None, "No more retries left")
    if strategy.duration is None:
        return Decision(0.0)
    deadline = first_started + strategy.max_duration if strategy.max_duration else None
    if deadline is not None and now > deadline:
        return Decision(None, "Max duration limit exceeded")
    wait = strategy.duration
    if strategy.factor and strategy.factor > 0:
        wait = strategy.duration * strategy.factor ** (attempts - 1)
    if deadline is not None and last_finished + wait > deadline:
        return Decision(None, "Backoff would exceed max duration limit")
    return Decision(max(0.0, last_finished + wait - now))
