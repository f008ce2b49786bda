"""JSON-like data -> YAML text, fast and byte-stable.

Strings that could be misread (numbers, booleans, `{{...}}`, anything with spaces or colons)
are written as JSON strings, which are valid YAML double-quoted scalars; multi-line text
becomes a literal block so that scripts stay readable in review; collections holding only
short scalars are written in flow style (`{name: x, value: y}`). The output reads the same
under YAML 1.1 (Argo, Kubernetes) and YAML 1.2.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

FLOW_WIDTH = 100
"""A collection of scalars is written on one line when that line is at most this long."""

_PLAIN = re.compile(r"(?:[A-Za-z_/]|--?[A-Za-z])[A-Za-z0-9_./=-]*\Z")
_RESERVED = frozenset({"y", "n", "yes", "no", "on", "off", "true", "false", "null"})
_NOT_PRINTABLE = re.compile(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff\ufeff\ufffe\uffff]"
)
"""Characters YAML cannot hold as they are (control codes, NEL and the Unicode line breaks)."""
_BREAKS = re.compile("[\r\n\t]")


def dump_yaml(data: dict[str, Any]) -> str:
    """A mapping as a YAML document."""
    writer = _Writer()
    writer.mapping(data, 0)
    return "".join(writer.out)


def dump_workflow(workflow: dict[str, Any]) -> tuple[str, dict[str, int]]:
    """A Workflow as YAML, and the bytes each of its templates takes in it."""
    writer = _Writer()
    sizes: dict[str, int] = {}
    for key, value in workflow.items():
        if key != "spec":
            writer.value_after(writer.scalar(key) + ":", value, 0)
            continue
        writer.out.append("spec:\n")
        for spec_key, spec_value in value.items():
            if spec_key != "templates":
                writer.value_after(writer.scalar(spec_key) + ":", spec_value, 2)
                continue
            writer.out.append("  templates:\n")
            for template in spec_value:
                start = len(writer.out)
                writer.value_after("-", template, 2)
                sizes[template["name"]] = len("".join(writer.out[start:]).encode("utf-8"))
    return "".join(writer.out), sizes


def _quote(text: str) -> str:
    """JSON's double quotes; YAML's single quotes for one-line text holding `"` or `\\`
    (JSON annotations read better without a backslash before every quote)."""
    if _NOT_PRINTABLE.search(text):
        quoted = json.dumps(text, ensure_ascii=False)
        return _NOT_PRINTABLE.sub(lambda m: f"\\u{ord(m.group()):04x}", quoted)
    if ('"' in text or "\\" in text) and not _BREAKS.search(text):
        return "'" + text.replace("'", "''") + "'"
    return json.dumps(text, ensure_ascii=False)


def _string_text(value: str) -> str:
    if _PLAIN.match(value) and value.lower() not in _RESERVED:
        return value
    return _quote(value)


def scalar_text(value: Any) -> str:
    """One scalar on one line: plain when that is unambiguous, else quoted."""
    if isinstance(value, str):
        return _string_text(value)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return _float_text(value)
    return str(value)


def _float_text(value: float) -> str:
    if math.isnan(value):
        return ".nan"
    if math.isinf(value):
        return ".inf" if value > 0 else "-.inf"
    text = repr(value)
    mantissa, _, exponent = text.partition("e")
    if exponent and "." not in mantissa:  # YAML 1.1 needs a dot: 1e-05 -> 1.0e-05
        return f"{mantissa}.0e{exponent if exponent[0] in '+-' else '+' + exponent}"
    return text


def _block_header(text: str) -> str | None:
    """`|`, `|-` or `|+` when text can be a literal block, else None."""
    if "\n" not in text or "\r" in text or _NOT_PRINTABLE.search(text):
        return None
    first = next((line for line in text.split("\n") if line), None)
    if first is None or first[0] in " \t":
        return None
    body = text.rstrip("\n")
    trailing = len(text) - len(body)
    return "|-" if trailing == 0 else "|" if trailing == 1 else "|+"


class _Writer:
    """Appends lines to `out`; remembers how each string was written (keys repeat a lot)."""

    def __init__(self) -> None:
        self.out: list[str] = []
        self.strings: dict[str, str] = {}

    def scalar(self, value: Any) -> str:
        if type(value) is str:
            text = self.strings.get(value)
            if text is None:
                text = self.strings[value] = _string_text(value)
            return text
        return scalar_text(value)

    def value_after(self, prefix: str, value: Any, indent: int) -> None:
        """`prefix` (`key:` or `-`) at column `indent`; the value on the same line or below."""
        kind = type(value)
        if kind is dict or kind is list:
            self.collection(prefix, value, indent)
        elif kind is str and "\n" in value and (header := _block_header(value)) is not None:
            self.block(prefix, header, value, indent)
        else:
            self.out.append(f"{' ' * indent}{prefix} {self.scalar(value)}\n")

    def block(self, prefix: str, header: str, value: str, indent: int) -> None:
        pad = " " * indent
        self.out.append(f"{pad}{prefix} {header}\n")
        inner = pad + "  "
        lines = value.split("\n")
        if header != "|-":
            lines.pop()  # the text ends with a newline: nothing follows the last one
        self.out.extend(f"{inner}{line}\n" if line else "\n" for line in lines)

    def collection(self, prefix: str, value: Any, indent: int) -> None:
        pad = " " * indent
        flow = self.flow(value)
        if flow is not None and (not value or indent + len(prefix) + len(flow) < FLOW_WIDTH):
            self.out.append(f"{pad}{prefix} {flow}\n")
        elif type(value) is dict and prefix == "-":
            start = len(self.out)
            self.mapping(value, indent + 2)
            self.out[start] = pad + "- " + self.out[start][indent + 2 :]
        elif type(value) is dict:
            self.out.append(f"{pad}{prefix}\n")
            self.mapping(value, indent + 2)
        else:
            self.out.append(f"{pad}{prefix}\n")
            for item in value:
                self.value_after("-", item, indent + 2 if prefix == "-" else indent)

    def flow(self, value: dict[str, Any] | list[Any]) -> str | None:
        """The collection on one line, when it holds only one-line scalars."""
        if not value:
            return "{}" if type(value) is dict else "[]"
        items = value.values() if type(value) is dict else value
        for item in items:
            kind = type(item)
            if kind is dict or kind is list or (kind is str and "\n" in item):
                return None
        scalar = self.scalar
        if type(value) is dict:
            return "{" + ", ".join(f"{scalar(k)}: {scalar(v)}" for k, v in value.items()) + "}"
        return "[" + ", ".join(scalar(v) for v in value) + "]"

    def mapping(self, data: dict[str, Any], indent: int) -> None:
        for key, value in data.items():
            self.value_after(self.scalar(key) + ":", value, indent)
