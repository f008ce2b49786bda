"""A Python function's own source: its file, its syntax tree, and its text without hints."""

from __future__ import annotations

import ast
import inspect
import linecache
import os
import textwrap
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from yamlpipe.errors import Location, YamlpipeError

FunctionNode = ast.FunctionDef | ast.AsyncFunctionDef
DEF_HINT = "write the component as a plain `def` function in a .py file"


@dataclass(frozen=True)
class FunctionSource:
    """Where a function is written and its syntax tree, with positions in its file."""

    func: Callable[..., Any]
    file: str
    lines: tuple[str, ...]
    node: ast.FunctionDef

    @property
    def name(self) -> str:
        return self.node.name

    def loc(self, node: ast.AST) -> Location:
        """The file:line:col of a node of this function (columns counted in characters)."""
        line = getattr(node, "lineno", self.node.lineno)
        offset = getattr(node, "col_offset", 0)
        text = self.lines[line - 1] if 0 < line <= len(self.lines) else ""
        column = len(text.encode("utf-8")[:offset].decode("utf-8", errors="ignore")) + 1
        return Location(self.file, line, column)

    def text_without_hints(self) -> str:
        """The `def` and its body, dedented, without decorators or signature annotations.

        The annotations (InputPath('CSV'), NamedTuple(...)) name things that do not exist
        where the component runs; the body is kept exactly as written.
        """
        first, last = self.node.lineno, self.node.end_lineno or self.node.lineno
        raw = [line.encode("utf-8") for line in self.lines[first - 1 : last]]
        for start, end in sorted(_annotation_spans(self.node, raw, first), reverse=True):
            _cut(raw, start, end)
        text = b"".join(raw).decode("utf-8")
        return textwrap.dedent(text).rstrip() + "\n"


def _annotation_spans(
    node: ast.FunctionDef, raw: list[bytes], first: int
) -> Iterator[tuple[tuple[int, int], tuple[int, int]]]:
    """(line, byte) spans, relative to the `def` line, of `: hint` and `-> hint`."""
    for arg in _all_args(node.args):
        if arg.annotation is not None:
            start = (arg.lineno - first, arg.col_offset + len(arg.arg.encode("utf-8")))
            yield start, _end_of(arg.annotation, first)
    if node.returns is not None:
        line, col = node.returns.lineno - first, node.returns.col_offset
        yield _find_arrow(raw, line, col), _end_of(node.returns, first)


def _all_args(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _end_of(node: ast.expr, first: int) -> tuple[int, int]:
    return (node.end_lineno or node.lineno) - first, node.end_col_offset or 0


def _find_arrow(raw: list[bytes], line: int, col: int) -> tuple[int, int]:
    """The position of the `->` before a return annotation, searching backwards."""
    while line >= 0:
        found = raw[line].rfind(b"->", 0, col)
        if found >= 0:
            return line, found
        line -= 1
        col = len(raw[line]) if line >= 0 else 0
    return 0, 0


def _cut(raw: list[bytes], start: tuple[int, int], end: tuple[int, int]) -> None:
    """Delete the text between two (line, byte) positions, joining the lines around it."""
    (l1, c1), (l2, c2) = start, end
    tail = raw[l2][c2:]
    if tail.lstrip(b" ").startswith(b"=") and not tail.lstrip(b" ").startswith(b"=="):
        tail = b"=" + tail.lstrip(b" ")[1:].lstrip(b" ")  # `x: int = 1` -> `x=1`, as PEP 8 has it
    joined = raw[l1][:c1].rstrip(b" ") + tail
    raw[l1 : l2 + 1] = [joined, *([b""] * (l2 - l1))]


def shown_path(filename: str) -> str:
    """A source path as the user would write it: relative to the working folder when below it."""
    if not os.path.isabs(filename):
        return filename
    relative = os.path.relpath(filename)
    return filename if relative.startswith("..") else relative


def _function_location(func: Callable[..., Any]) -> Location:
    code = getattr(func, "__code__", None)
    if code is None:
        return Location("<python>")
    return Location(shown_path(code.co_filename), code.co_firstlineno, 1)


def read_function_source(func: Callable[..., Any]) -> FunctionSource:
    """Find a function's definition in its file, or say why it cannot be a component."""
    if not inspect.isfunction(func):
        raise YamlpipeError(
            Location("<python>"),
            f"expected a Python function, got {type(func).__name__} {func!r}",
            DEF_HINT,
        )
    where = _function_location(func)
    if func.__name__ == "<lambda>":
        raise YamlpipeError(where, "a lambda cannot become a component", DEF_HINT)
    lines = tuple(linecache.getlines(func.__code__.co_filename, func.__globals__))
    node = _find_node(lines, func) if lines else None
    if node is None:
        raise YamlpipeError(
            where, f"cannot read the source of function {func.__name__!r}", DEF_HINT
        )
    if isinstance(node, ast.AsyncFunctionDef):
        raise YamlpipeError(
            where, f"{func.__name__!r} is an async function; a component runs a plain one", DEF_HINT
        )
    return FunctionSource(func, where.file, lines, node)


def _find_node(lines: tuple[str, ...], func: Callable[..., Any]) -> FunctionNode | None:
    try:
        tree = ast.parse("".join(lines))
    except (SyntaxError, ValueError):
        return None
    first_line = func.__code__.co_firstlineno
    candidates = [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.FunctionDef | ast.AsyncFunctionDef) and n.name == func.__name__
    ]
    exact = [n for n in candidates if _first_line(n) == first_line]
    if exact:
        return exact[0]
    return candidates[0] if len(candidates) == 1 else None


def _first_line(node: FunctionNode) -> int:
    return min([node.lineno, *(d.lineno for d in node.decorator_list)])
