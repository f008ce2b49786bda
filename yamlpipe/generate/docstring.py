"""Docstrings -> a component's description and its inputs' descriptions (Google and reST)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_SECTION = re.compile(r"^(Args|Arguments|Parameters|Params|Returns|Raises|Yields|Examples?):\s*$")
_GOOGLE_PARAM = re.compile(r"^(\*{0,2}\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$")
_REST_PARAM = re.compile(r"^:param\s+(?:[^:]*\s)?(\w+):\s*(.*)$")


@dataclass(frozen=True)
class Docstring:
    """The summary paragraph and each documented parameter's description."""

    summary: str | None = None
    params: dict[str, str] = field(default_factory=dict)


def parse_docstring(text: str | None) -> Docstring:
    """Parse a cleaned docstring (`inspect.getdoc`); unknown layouts give just the summary."""
    if not text:
        return Docstring()
    lines = text.splitlines()
    return Docstring(_summary(lines), {**_google_params(lines), **_rest_params(lines)})


def _summary(lines: list[str]) -> str | None:
    """The first paragraph, joined into one line (KFP uses the docstring's short summary)."""
    paragraph: list[str] = []
    for line in lines:
        stripped = line.strip()
        if not stripped or _SECTION.match(stripped) or stripped.startswith(":"):
            break
        paragraph.append(stripped)
    return " ".join(paragraph) or None


def _google_params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    current: str | None = None
    indent = -1
    in_args = False
    for line in lines:
        stripped = line.strip()
        section = _SECTION.match(stripped)
        if section:
            in_args, current = (
                section.group(1) in ("Args", "Arguments", "Parameters", "Params"),
                None,
            )
            indent = -1
            continue
        if not in_args or not stripped:
            continue
        depth = len(line) - len(line.lstrip())
        match = _GOOGLE_PARAM.match(stripped)
        if match and (indent < 0 or depth <= indent):
            indent, current = depth, match.group(1).lstrip("*")
            params[current] = match.group(2).strip()
        elif current is not None and depth > indent:
            params[current] = f"{params[current]} {stripped}".strip()
        else:
            in_args = False
    return params


def _rest_params(lines: list[str]) -> dict[str, str]:
    params: dict[str, str] = {}
    for line in lines:
        match = _REST_PARAM.match(line.strip())
        if match:
            params[match.group(1)] = match.group(2).strip()
    return params
