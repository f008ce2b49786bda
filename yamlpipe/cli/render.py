"""Problems -> text (with source line and caret), JSON, or GitHub Actions annotations."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from yamlpipe.errors import YamlpipeError

if TYPE_CHECKING:
    from yamlpipe.api import FileReport

_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def _source_line(text: str, line: int) -> str | None:
    lines = _LINE_BREAK.split(text)
    return lines[line - 1] if 0 < line <= len(lines) else None


def render_problem_text(problem: YamlpipeError, text: str) -> str:
    """`file:line:col: error: message`, the source line, a caret under the column, the hint."""
    loc = problem.location
    out = [f"{loc}: {problem.severity}: {problem.message}"]
    source = _source_line(text, loc.line) if text else None
    if source is not None:
        gutter = f"{loc.line:>5}"
        out.append(f"{gutter} | {source}")
        column = max(loc.column, 1)
        span = max(1, min(problem.span, len(source) - column + 1))
        out.append(f"{' ' * len(gutter)} | {' ' * (column - 1)}^{'~' * (span - 1)}")
    if problem.hint:
        out.append(f"{' ' * 5} = hint: {problem.hint}")
    return "\n".join(out)


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
    text = text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")
    return text.replace(":", "%3A").replace(",", "%2C") if prop else text


def render_github(results: Iterable[FileReport]) -> str:
    lines = []
    for result in results:
        for p in result.problems:
            loc = p.location
            props = f"file={_escape_github(loc.file, prop=True)}"
            if loc.line > 0:
                props += f",line={loc.line},col={loc.column}"
            message = p.message + (f" (hint: {p.hint})" if p.hint else "")
            lines.append(f"::{p.severity} {props},title=yamlpipe::{_escape_github(message)}")
    return "\n".join(lines)


def summary(results: Sequence[FileReport]) -> str:
    errors = sum(1 for r in results for p in r.problems if p.is_error)
    warnings = sum(1 for r in results for p in r.problems if not p.is_error)
    bad = sum(1 for r in results if not r.ok)
    files = f"{len(results)} file{'s' if len(results) != 1 else ''}"
    if not errors and not warnings:
        return f"{files} valid"
    return (
        f"{files} checked: {errors} error{'s' if errors != 1 else ''}, "
        f"{warnings} warning{'s' if warnings != 1 else ''} ({bad} invalid)"
    )


def display(path: Path) -> str:
    """A path relative to the working folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)
