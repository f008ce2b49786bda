"""Reading fields of a Kubernetes object as a cluster would: kubectl's `-o jsonpath=` for a
resource step's output parameters (`{.metadata.name}`, `{}`), and Argo's success and failure
conditions (`status.readyToUse == true`), label selectors over gjson paths.

Both are small subsets: the paths KFP v1 packages write. kubectl prints nothing for a missing
field (it allows missing keys by default), maps and lists as JSON, scalars as text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from yamlpipe.run import gojson

_MISSING = object()
_KUBECTL_STEP = re.compile(r"\.([^.\[\]]+)|\[(\d+)\]|\['([^']*)'\]|\[\"([^\"]*)\"\]")


class PathError(ValueError):
    """A jsonPath or condition this module cannot read."""


# ---- kubectl jsonpath --------------------------------------------------------------------------


def _kubectl_steps(expression: str) -> list[str | int]:
    text = expression.strip()
    if not (text.startswith("{") and text.endswith("}")):
        raise PathError(f"jsonPath {expression!r} is not one {{...}} expression")
    inner = text[1:-1].strip().removeprefix("$")
    steps: list[str | int] = []
    position = 0
    while position < len(inner) and inner != ".":
        match = _KUBECTL_STEP.match(inner, position)
        if match is None:
            raise PathError(f"jsonPath {expression!r}: cannot read {inner[position:]!r}")
        key, index, single, double = match.groups()
        steps.append(int(index) if index is not None else (key or single or double or ""))
        position = match.end()
    return steps


def _has(value: Any, step: str | int) -> bool:
    if isinstance(step, int):
        return isinstance(value, list) and step < len(value)
    return isinstance(value, dict) and step in value


def _descend(value: Any, steps: list[str | int]) -> Any:
    for step in steps:
        if not _has(value, step):
            return _MISSING
        value = value[step]
    return value


def as_text(value: Any) -> str:
    """A value as kubectl and gjson print it: strings bare, the rest as Go's JSON."""
    if isinstance(value, str):
        return value
    return gojson.dumps(value)


def kubectl_jsonpath(obj: Any, expression: str) -> str:
    """What `kubectl get -o jsonpath=EXPRESSION` prints for the object ('' when missing)."""
    found = _descend(obj, _kubectl_steps(expression))
    return "" if found is _MISSING or found is None else as_text(found)


# ---- Argo resource conditions ------------------------------------------------------------------


def _gjson_steps(path: str) -> list[str]:
    """gjson's dotted path: `a.b.0`, with `\\.` for a dot inside a key."""
    parts, current, escaped = [], "", False
    for char in path:
        if escaped:
            current, escaped = current + char, False
        elif char == "\\":
            escaped = True
        elif char == ".":
            parts.append(current)
            current = ""
        else:
            current += char
    parts.append(current)
    return parts


def gjson_get(obj: Any, path: str) -> Any:
    """The value at a gjson path, or _MISSING."""
    value = obj
    for part in _gjson_steps(path):
        if isinstance(value, dict) and part in value:
            value = value[part]
        elif isinstance(value, list) and part.isdigit() and int(part) < len(value):
            value = value[int(part)]
        else:
            return _MISSING
    return value


@dataclass(frozen=True)
class Requirement:
    """One term of a label selector: `key op values` (Kubernetes' labels.Requirement)."""

    key: str
    operator: str
    values: tuple[str, ...] = ()

    def matches(self, obj: Any) -> bool:
        found = gjson_get(obj, self.key)
        present = found is not _MISSING
        text = "" if not present or found is None else as_text(found)
        return _MATCHERS[self.operator](present, text, self.values)

    def __str__(self) -> str:
        if self.operator in ("in", "notin"):
            return f"{self.key} {self.operator} ({','.join(self.values)})"
        if self.operator == "exists":
            return self.key
        if self.operator == "!":
            return f"!{self.key}"
        return f"{self.key}{self.operator}{self.values[0]}"


def _compare(text: str, bound: str, better: Callable[[int, int], bool]) -> bool:
    try:
        return better(int(text), int(bound))
    except ValueError:
        return False


_MATCHERS: dict[str, Callable[[bool, str, tuple[str, ...]], bool]] = {
    "=": lambda present, text, values: present and text in values,
    "==": lambda present, text, values: present and text in values,
    "in": lambda present, text, values: present and text in values,
    "!=": lambda present, text, values: not present or text not in values,
    "notin": lambda present, text, values: not present or text not in values,
    "exists": lambda present, _text, _values: present,
    "!": lambda present, _text, _values: not present,
    ">": lambda present, text, values: present and _compare(text, values[0], int.__gt__),
    "<": lambda present, text, values: present and _compare(text, values[0], int.__lt__),
}
_TERM = re.compile(
    r"^\s*(?:(?P<not>!)\s*(?P<absent>[^\s!=<>(),]+)"
    r"|(?P<key>[^\s!=<>(),]+)\s*(?:(?P<op>==|!=|=|>|<)\s*(?P<value>[^\s,()]*)"
    r"|\s(?P<set>in|notin)\s*\((?P<values>[^()]*)\))?)\s*$"
)


def _split_terms(selector: str) -> list[str]:
    """Commas separate terms, except inside the parentheses of `in (a, b)`."""
    terms, depth, current = [], 0, ""
    for char in selector:
        depth += {"(": 1, ")": -1}.get(char, 0)
        if char == "," and depth == 0:
            terms.append(current)
            current = ""
        else:
            current += char
    terms.append(current)
    return terms


def parse_selector(selector: str) -> list[Requirement]:
    """A success or failure condition: requirements that must all hold."""
    found = []
    for term in _split_terms(selector):
        match = _TERM.match(term)
        if match is None or not term.strip():
            raise PathError(f"condition {selector!r}: cannot read {term.strip()!r}")
        if match["absent"]:
            found.append(Requirement(match["absent"], "!"))
        elif match["op"]:
            found.append(Requirement(match["key"], match["op"], (match["value"],)))
        elif match["set"]:
            values = tuple(v.strip() for v in match["values"].split(",") if v.strip())
            found.append(Requirement(match["key"], match["set"], values))
        else:
            found.append(Requirement(match["key"], "exists"))
    return found


def failed_requirement(obj: Any, failure: str) -> Requirement | None:
    """Argo's rule: the object failed when any term of the failure condition holds."""
    return next((r for r in parse_selector(failure) if r.matches(obj)), None) if failure else None


def unmet_requirements(obj: Any, success: str) -> list[Requirement]:
    """The terms of the success condition the object does not meet (all must hold)."""
    return [r for r in parse_selector(success) if not r.matches(obj)] if success else []
