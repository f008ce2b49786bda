"""Indentation mistakes explained at the line that has them, saying what YAML made of it.

A YAML parser notices a mis-indented line only where the text stops making sense: a key
indented one space too many is reported on the line after it, and a key indented more than
the `key: value` above it is read as more of that value. Given where the parser gave up,
these functions read the lines above again to name the line to fix. (A task key indented
like the tasks parses, as a task of that name: hazards.py names that one.)
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.load.limits import DIAGNOSE_MAX_BYTES

_LINE = re.compile(r"^(?P<indent> *)(?P<dashes>(?:-(?: +|$))*)(?P<rest>.*)$")
_KEY = re.compile(
    r"""^(?P<key>[^\s:#'"\[\]{},&*!|>%@`][^:#]*?|'[^']*'|"[^"]*")\s*:(?:\s+(?P<value>.*))?$"""
)
_BLOCK_SCALAR = re.compile(r"^[|>][-+0-9]*\s*(?:#.*)?$")
DEFAULT_STEP = 2
LONGEST_KEY_LINE = 1000
"""Longer lines are not read for a key: no key is that long, and the key pattern should
never meet a hostile line of a million characters."""


@dataclass(frozen=True)
class _Line:
    """One line of YAML as indentation sees it (columns 0-based)."""

    number: int
    column: int
    """Where the line's content starts: its first dash, else its first character."""
    key_column: int | None
    """Where a `key:` starts on it (after any `- `), if it holds one."""
    key: str | None
    value: str | None
    item: bool = False
    """The line starts a list item (`- `)."""

    @property
    def plain_value(self) -> bool:
        """`key: value` with a plain scalar, which may run on over the next lines."""
        value = self.value or ""
        return bool(value) and value[0] not in "'\"[{|>&*!#"


def _parse_line(number: int, text: str) -> _Line | None:
    if not text.strip() or text.lstrip().startswith("#"):
        return None
    match = _LINE.match(text)
    assert match is not None  # every line matches
    column = len(match["indent"])
    dashes = match["dashes"]
    found = _KEY.match(match["rest"]) if len(text) <= LONGEST_KEY_LINE else None
    if found is None:
        return _Line(number, column, None, None, None, bool(dashes))
    key = found["key"].strip("'\"")
    value = (found["value"] or "").strip()
    return _Line(number, column, column + len(dashes), key, value, bool(dashes))


def _relevant_lines(lines: Sequence[str], before: int) -> list[_Line]:
    """The lines above line `before` (1-based) that carry structure: no blanks, comments or
    the insides of block scalars."""
    found: list[_Line] = []
    scalar_owner: int | None = None
    for number, text in enumerate(lines[: before - 1], start=1):
        line = _parse_line(number, text)
        if line is None:
            continue
        if scalar_owner is not None and line.column > scalar_owner:
            continue
        scalar_owner = None
        if line.value is not None and _BLOCK_SCALAR.match(line.value):
            scalar_owner = line.key_column if line.key_column is not None else line.column
        found.append(line)
    return found


@dataclass
class _Block:
    """An open block at one column: its first line, the line that opened it, its latest."""

    column: int
    first: _Line
    opener: _Line | None
    latest: _Line
    keys: list[_Line] = field(default_factory=list)


def _open_blocks(lines: list[_Line]) -> tuple[list[_Block], int]:
    """The blocks still open after the lines, outermost first, and the file's usual step
    (how far a block is indented under the key that opens it)."""
    stack: list[_Block] = []
    steps: Counter[int] = Counter()
    for line in lines:
        columns = [line.column]
        if line.key_column is not None and line.key_column != line.column:
            columns.append(line.key_column)
        for column in columns:
            while stack and stack[-1].column > column:
                stack.pop()
            if stack and stack[-1].column == column:
                stack[-1].latest = line
                continue
            opener = stack[-1].latest if stack else None
            if opener is not None and opener.number != line.number:
                steps[column - stack[-1].column] += 1
            stack.append(_Block(column, line, opener, line))
    step = steps.most_common(1)[0][0] if steps else DEFAULT_STEP
    return stack, step


def _name(line: _Line | None) -> str:
    if line is None:
        return "this line"
    if line.item and line.key is None:
        return "the list item"
    return repr(line.key) if line.key else "this line"


def explain_indentation(text: str, file: str, line_number: int) -> YamlpipeError | None:
    """A located error for a syntax error at line_number that an indentation mistake
    explains (at the line to fix), or None when it is something else."""
    if len(text) > DIAGNOSE_MAX_BYTES:
        return None
    lines = text.split("\n")
    if not 0 < line_number <= len(lines):
        return None
    here = _parse_line(line_number, lines[line_number - 1])
    above = _relevant_lines(lines, line_number)
    if here is None or not above:
        return None
    return _continued_value(file, here, above[-1]) or _between_blocks(file, here, above)


def _continued_value(file: str, here: _Line, previous: _Line) -> YamlpipeError | None:
    """`image: alpine` then ` command: [...]` one space deeper: YAML reads the second line as
    more of the value `alpine`, and a `: ` inside a plain value is an error."""
    if here.key is None or previous.key is None or not previous.plain_value:
        return None
    if previous.key_column is None or here.column <= previous.key_column:
        return None
    return YamlpipeError(
        Location(file, here.number, here.column + 1),
        f"{here.key!r} is indented more than {previous.key!r} on line {previous.number}, so "
        f"YAML reads this line as more of the value of {previous.key!r}, where ': ' is not "
        "allowed",
        f"indent {here.key!r} like {previous.key!r} (column {previous.key_column + 1}); if the "
        f"colon belongs to the value of {previous.key!r}, quote the value",
        span=len(here.key),
    )


def _between_blocks(file: str, here: _Line, above: list[_Line]) -> YamlpipeError | None:
    """A line whose indentation matches no block open above it: either it is mis-indented,
    or the block it should join started mis-indented (then that block's first line is the
    one to fix: the parser only noticed one line later)."""
    stack, step = _open_blocks(above)
    columns = [b.column for b in stack]
    if here.column in columns:
        return None
    lower = next((b for b in reversed(stack) if b.column < here.column), None)
    upper = next((b for b in stack if b.column > here.column), None)
    if lower is None or upper is None:
        return None
    if here.column - lower.column == step and upper.column - lower.column != step:
        return _over_indented_block(file, here, lower, upper)
    return YamlpipeError(
        Location(file, here.number, here.column + 1),
        f"{_name(here)} at column {here.column + 1} lines up with no key above it: the "
        f"nearest are {_name(lower.latest)} at column {lower.column + 1} (line "
        f"{lower.latest.number}) and {_name(upper.latest)} at column {upper.column + 1} (line "
        f"{upper.latest.number})",
        f"indent it to column {upper.column + 1} to go with {_name(upper.latest)}, or to "
        f"column {lower.column + 1} to go with {_name(lower.latest)}",
        span=len(here.key or "x"),
    )


def _over_indented_block(file: str, here: _Line, lower: _Block, upper: _Block) -> YamlpipeError:
    first, opener = upper.first, upper.opener
    deeper = upper.column - here.column
    under = f" under {_name(opener)} (line {opener.number})" if opener is not None else ""
    return YamlpipeError(
        Location(file, first.number, upper.column + 1),
        f"{_name(first)} is indented {deeper} space{'s' if deeper != 1 else ''} more than "
        f"{_name(here)} on line {here.number}: it opens a map at column {upper.column + 1}"
        f"{under}, where {_name(here)} then fits nowhere",
        f"indent {_name(first)} like {_name(here)}: column {here.column + 1}, "
        f"{here.column - lower.column} spaces under {_name(lower.latest)}, as elsewhere in "
        "this file",
        span=len(first.key or "x"),
    )
