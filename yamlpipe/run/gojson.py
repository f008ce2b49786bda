"""JSON text as Argo's controller (Go's encoding/json) writes it, so that values a run
produces (fan-in lists, `{{item}}`) are the same bytes a cluster would hand to a container.

Go writes no spaces, escapes `<`, `>` and `&` as `\\u003c`-style escapes, escapes control
characters as `\\u00XX` except `\\n`, `\\r` and `\\t`, and prints float64 numbers in their
shortest form, switching to an exponent below 1e-6 and from 1e21 on.
"""

from __future__ import annotations

import json
import math
from decimal import Decimal
from typing import Any

_SHORT_ESCAPES = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}
_HTML = {"<": "\\u003c", ">": "\\u003e", "&": "\\u0026", "\u2028": "\\u2028", "\u2029": "\\u2029"}


class RawNumber(str):
    """A JSON number kept as the text it was written with (Go's json.RawMessage keeps it)."""


def quote(text: str, html: bool = True) -> str:
    """A JSON string literal as Go's json.Marshal writes it."""
    parts = ['"']
    for char in text:
        escaped = _SHORT_ESCAPES.get(char)
        if escaped is None and html:
            escaped = _HTML.get(char)
        if escaped is None and ord(char) < 0x20:
            escaped = f"\\u{ord(char):04x}"
        parts.append(escaped or char)
    parts.append('"')
    return "".join(parts)


def number(value: float | int) -> str:
    """A number as Go prints a float64 (or an integer as it is)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if math.isnan(value) or math.isinf(value):
        raise ValueError(f"JSON has no {value}")
    magnitude = abs(value)
    if magnitude != 0 and (magnitude < 1e-6 or magnitude >= 1e21):
        mantissa, exponent = repr(value).split("e")
        digits = exponent.lstrip("+-").lstrip("0")
        return f"{mantissa}e-{digits}" if exponent.startswith("-") else f"{mantissa}e+{digits}"
    text = format(Decimal(repr(value)), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def dumps(value: Any, html: bool = True) -> str:
    """Compact JSON in Go's spelling; maps with their keys sorted, as Go sorts map keys."""
    if isinstance(value, RawNumber):
        return str(value)
    if isinstance(value, str):
        return quote(value, html)
    if value is None:
        return "null"
    if isinstance(value, bool | int | float):
        return number(value)
    if isinstance(value, dict):
        items = (f"{quote(str(k), html)}:{dumps(v, html)}" for k, v in sorted(value.items()))
        return "{" + ",".join(items) + "}"
    if isinstance(value, list | tuple):
        return "[" + ",".join(dumps(v, html) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} as JSON")


def loads_raw(text: str) -> Any:
    """Parse JSON keeping every number as the text it was written with."""
    return json.loads(text, parse_int=RawNumber, parse_float=RawNumber, parse_constant=_refuse)


def _refuse(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def unhtml(text: str) -> str:
    """Argo's jsonutil.Fix: undo the escapes of `<`, `>` and `&` in text it shows."""
    return text.replace("\\u003c", "<").replace("\\u003e", ">").replace("\\u0026", "&")
