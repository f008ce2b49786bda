"""One error type for every problem yamlpipe reports, located at file:line:col."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

ERROR = "error"
WARNING = "warning"
NOTE = "note"
"""Not a problem: what a check did instead of checking (a file skipped, and why)."""

PathPart = str | int


@dataclass(frozen=True, order=True)
class Location:
    """Where a problem is: a file, a 1-based line and column, and the key path inside it."""

    file: str
    line: int = 0
    column: int = 0
    path: tuple[PathPart, ...] = field(default=(), compare=False)

    def __str__(self) -> str:
        if self.line <= 0:
            return self.file
        return f"{self.file}:{self.line}:{self.column}"


NOWHERE = Location("<generated>")
"""The location of things yamlpipe made itself rather than read from a file."""


class YamlpipeError(Exception):
    """A user-facing problem: where, what (quoting the user's values) and how to fix it."""

    def __init__(
        self,
        location: Location,
        message: str,
        hint: str | None = None,
        severity: str = ERROR,
        span: int = 1,
    ) -> None:
        super().__init__(f"{location}: {severity}: {message}")
        self.location = location
        self.message = message
        self.hint = hint
        self.severity = severity
        self.span = max(1, span)

    @property
    def is_error(self) -> bool:
        return self.severity == ERROR

    @property
    def is_warning(self) -> bool:
        return self.severity == WARNING

    def sort_key(self) -> tuple[str, int, int, str]:
        loc = self.location
        return (loc.file, loc.line, loc.column, self.message)


class UsageError(YamlpipeError):
    """A problem with what a command was asked to do rather than with what a file holds: a
    file that is not there, a function that is not in it. Commands exit 2 for it."""


class YamlpipeErrors(YamlpipeError):
    """Several problems found in one pass; raised when a check cannot produce a result."""

    def __init__(self, problems: Iterable[YamlpipeError]) -> None:
        self.problems = sorted(problems, key=YamlpipeError.sort_key)
        first = self.problems[0] if self.problems else None
        super().__init__(
            first.location if first else Location("<unknown>"),
            first.message if first else "unknown problem",
            first.hint if first else None,
        )

    def __iter__(self) -> Iterator[YamlpipeError]:
        return iter(self.problems)


def has_errors(problems: Iterable[YamlpipeError]) -> bool:
    """True when any of the problems is an error rather than a warning."""
    return any(p.is_error for p in problems)
