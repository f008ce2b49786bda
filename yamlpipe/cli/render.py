"""Problems -> text (with source line and caret), JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from yamlpipe.errors import NOTE, YamlpipeError

if TYPE_CHECKING:
    from yamlpipe.api import FileReport

_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_UNSEEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
"""Characters a terminal acts on instead of showing (ESC starts escape sequences, BEL
rings), and the bidirectional overrides that make text read otherwise than it is."""
_UNSEEN_OR_NEWLINE = re.compile(f"{_UNSEEN.pattern[:-1]}\n]")


_NAMED = {"\n": "\\n", "\r": "\\r"}


def _escape(match: re.Match[str]) -> str:
    char = match.group(0)
    code = ord(char)
    return _NAMED.get(char) or (f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}")


def visible(text: str, *, lines: bool = False) -> str:
    """Text from files (names, lines, values) made safe to print: control characters and
    bidirectional overrides written as escapes; newlines too unless `lines`."""
    return (_UNSEEN if lines else _UNSEEN_OR_NEWLINE).sub(_escape, text)


def _source_line(text: str, line: int) -> str | None:
    lines = _LINE_BREAK.split(text)
    return lines[line - 1] if 0 < line <= len(lines) else None


def render_problem_text(problem: YamlpipeError, text: str) -> str:
    """`file:line:col: error: message`, the source line, a caret under the column, the hint."""
    loc = problem.location
    out = [f"{visible(str(loc))}: {problem.severity}: {visible(problem.message, lines=True)}"]
    source = _source_line(text, loc.line) if text else None
    if source is not None:
        gutter = f"{loc.line:>5}"
        out.append(f"{gutter} | {visible(source)}")
        out.append(f"{' ' * len(gutter)} | {_caret(source, loc.column, problem.span)}")
    if problem.hint:
        out.append(f"{' ' * 5} = hint: {visible(problem.hint, lines=True)}")
    return "\n".join(out)


def _caret(source: str, column: int, span: int) -> str:
    """`^~~` under the span, counted in the escaped text the line is shown as."""
    start = max(column, 1) - 1
    span = max(1, min(span, len(source) - start))
    before, under = visible(source[:start]), visible(source[start : start + span])
    return f"{' ' * len(before)}^{'~' * (max(len(under), 1) - 1)}"


def render_text(results: Sequence[FileReport], show_warnings: bool = True) -> str:
    blocks = [
        render_problem_text(p, r.texts.get(p.location.file, ""))
        for r in results
        for p in r.problems
        if show_warnings or p.is_error
    ]
    return "\n".join(blocks)


def problem_record(problem: YamlpipeError) -> dict[str, object]:
    loc = problem.location
    return {
        "file": loc.file,
        "line": loc.line,
        "column": loc.column,
        "severity": problem.severity,
        "message": problem.message,
        "hint": problem.hint,
        "path": "/".join(str(p) for p in loc.path),
    }


def render_json(results: Iterable[FileReport]) -> str:
    return json.dumps([problem_record(p) for r in results for p in r.problems], indent=2)


def _escape_github(text: str, *, prop: bool = False) -> str:
    text = visible(text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A"))
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


_GITHUB_COMMANDS = {NOTE: "notice"}
"""GitHub Actions has error, warning and notice annotations."""


def render_github(results: Iterable[FileReport]) -> str:
    lines = []
    for result in results:
        for p in result.problems:
            loc = p.location
            props = f"file={_escape_github(loc.file, prop=True)}"
            if loc.line > 0:
                props += f",line={loc.line},col={loc.column}"
            message = p.message + (f" (hint: {p.hint})" if p.hint else "")
            command = _GITHUB_COMMANDS.get(p.severity, p.severity)
            lines.append(f"::{command} {props},title=yamlpipe::{_escape_github(message)}")
    return "\n".join(lines)


def summary(results: Sequence[FileReport]) -> str:
    """`3 files valid`, or `3 files checked: 1 error, 0 warnings (1 invalid)`; and how many
    files were skipped (excluded, or not components or pipelines)."""
    checked = [r for r in results if not r.skipped]
    errors = sum(1 for r in checked for p in r.problems if p.is_error)
    warnings = sum(r.warnings for r in checked)
    bad = sum(1 for r in checked if not r.ok)
    files = f"{len(checked)} file{'s' if len(checked) != 1 else ''}"
    skipped = len(results) - len(checked)
    also = f", {skipped} skipped" if skipped else ""
    if not errors and not warnings:
        return f"{files} valid{also}"
    return (
        f"{files} checked: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''} ({bad} invalid){also}"
    )


def display(path: Path) -> str:
    """A path relative to the working folder when it is below it, safe to print."""
    try:
        return visible(str(path.resolve().relative_to(Path.cwd())))
    except ValueError:
        return visible(str(path))
