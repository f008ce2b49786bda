"""YAML 1.2 text -> plain data plus the line and column of every key and value.

The only module that imports ruamel.yaml. Nodes come from libyaml's C parser (fast) and
carry start marks, so no round-trip loader is needed for positions.
"""

from __future__ import annotations

import gc
import io
import math
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from ruamel.yaml import YAML
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.events import CollectionEndEvent, CollectionStartEvent
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.resolver import VersionedResolver
from ruamel.yaml.scalarstring import LiteralScalarString, SingleQuotedScalarString
from ruamel.yaml.tokens import (
    FlowMappingEndToken,
    FlowMappingStartToken,
    FlowSequenceEndToken,
    FlowSequenceStartToken,
)

from yamlpipe.errors import WARNING, Location, PathPart, YamlpipeError
from yamlpipe.load.indentation import explain_indentation
from yamlpipe.load.limits import (
    C_COMPOSER_SAFE_DEPTH,
    DIAGNOSE_MAX_BYTES,
    MAX_ALIAS_NODES,
    MAX_DEPTH,
    PURE_PARSER_MAX_BYTES,
)

Path = tuple[PathPart, ...]
RawYaml = Any
"""Plain data from YAML: dict, list, str, int, float, bool or None."""

_SCALAR_TAGS = {
    "tag:yaml.org,2002:int",
    "tag:yaml.org,2002:float",
    "tag:yaml.org,2002:bool",
    "tag:yaml.org,2002:null",
}
MERGE_TAG = "tag:yaml.org,2002:merge"
INT_TAG = "tag:yaml.org,2002:int"
STR_TAG = "tag:yaml.org,2002:str"
_YAML11_OCTAL = re.compile(r"^[-+]?0[0-7_]+$")
_YAML11_AMBIGUOUS = re.compile(
    r"^(?:[yY]|[nN]|[yY]es|YES|[nN]o|NO|[oO]n|ON|[oO]ff|OFF"
    r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?"
    r"|[-+]?(?:[0-9][0-9_]*)?\.?[0-9_]*(?:[eE][-+]?[0-9]+)?"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*)$"
)
"""Strings a YAML 1.1 reader (KFP's PyYAML) would take as booleans, numbers or dates."""
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_BLOCK_START = re.compile(r"^(?:---)?[ \t]*(?:(?:[-?:]|[&!]\S*)[ \t]+)*", re.MULTILINE)
"""A line's indentation with the indicators (`- `, `? `, `: `, anchors, tags) that may open
block collections on it: where the deepest block collection on the line can start."""


class Mark(NamedTuple):
    """Where a node starts (1-based), its scalar style, and its source text if not a string.

    A NamedTuple rather than a dataclass: a 10,000-task file makes 60,000 of them."""

    line: int
    column: int
    style: str | None = None
    raw: str | None = None
    """The source text of a plain scalar that is not a string (`3.20`, `yes`, `0755`)."""


@dataclass
class Document:
    """Loaded data with a position for every value (by path) and every mapping key."""

    file: str
    text: str
    data: RawYaml = None
    values: dict[Path, Mark] = field(default_factory=dict)
    keys: dict[Path, Mark] = field(default_factory=dict)
    notes: list[YamlpipeError] = field(default_factory=list)
    """Problems seen while reading that do not stop it (keys that are not strings, ...)."""

    def loc(self, path: Path, *, key: bool = False) -> Location:
        """The location of the value (or, with key=True, the key) at path, else its parent's."""
        table = self.keys if key else self.values
        probe = path
        while probe:
            mark = table.get(probe) or self.values.get(probe)
            if mark is not None:
                return Location(self.file, mark.line, mark.column, path)
            probe = probe[:-1]
        mark = self.values.get(())
        return Location(self.file, mark.line if mark else 1, mark.column if mark else 1, path)

    def style(self, path: Path) -> str | None:
        mark = self.values.get(path)
        return mark.style if mark else None

    def raw(self, path: Path) -> str | None:
        """How a non-string scalar was written in the file, for hints that quote it."""
        mark = self.values.get(path)
        return mark.raw if mark else None


class _MemoResolver(VersionedResolver):
    """Scalar tag resolution remembered per (value, implicit): ruamel's resolver is pure
    Python and was half the load time of a 10,000-task pipeline, whose keys repeat."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._memo: dict[tuple[str, Any], Any] = {}

    def resolve(self, kind: Any, value: Any, implicit: Any) -> Any:
        if kind is not ScalarNode:
            return super().resolve(kind, value, implicit)
        key = (value, implicit)
        tag = self._memo.get(key)
        if tag is None:
            tag = self._memo[key] = super().resolve(kind, value, implicit)
        return tag


def _make_yaml(*, pure: bool = False) -> YAML:
    yaml = YAML(typ="safe", pure=pure)
    yaml.Resolver = _MemoResolver
    yaml.version = (1, 2)
    return yaml


@contextmanager
def gc_paused() -> Iterator[None]:
    """Loading allocates many small objects and frees none; pausing the collector for the
    duration makes it 2-3x faster (it is restored, not forced, afterwards)."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _error_location(file: str, exc: YAMLError) -> Location:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is None:
        return Location(file, 1, 1)
    return Location(file, mark.line + 1, mark.column + 1)


def _char_at(text: str, line: int, column: int) -> str:
    """The character at a 0-based mark, quoted, or 'bracket' when it cannot be found."""
    lines = text.split("\n")
    if line < len(lines) and column < len(lines[line]):
        return repr(lines[line][column])
    return "bracket"


_FLOW_OPENERS = (FlowSequenceStartToken, FlowMappingStartToken)
_FLOW_CLOSERS = (FlowSequenceEndToken, FlowMappingEndToken)


class _Mark(NamedTuple):
    line: int
    column: int


def _unclosed_bracket(text: str, before: Any) -> _Mark | None:
    """The innermost `[` or `{` still open where the parser gave up (0-based), found by
    re-scanning the tokens; libyaml names the end of the file instead."""
    if before is None or len(text) > DIAGNOSE_MAX_BYTES:
        return None
    limit, opened = (before.line, before.column), []
    try:
        for token in _make_yaml().scan(text):
            mark = token.start_mark
            if (mark.line, mark.column) >= limit:
                break
            if isinstance(token, _FLOW_OPENERS):
                opened.append(_Mark(mark.line, mark.column))
            elif isinstance(token, _FLOW_CLOSERS) and opened:
                opened.pop()
    except YAMLError:
        pass
    return opened[-1] if opened else None


def _syntax_error(file: str, text: str, exc: YAMLError) -> YamlpipeError:
    problem = str(getattr(exc, "problem", None) or str(exc).splitlines()[0])
    context = str(getattr(exc, "context", None) or "")
    location = _error_location(file, exc)
    opened = getattr(exc, "context_mark", None)
    lines = text.split("\n")
    line_text = lines[location.line - 1] if 0 < location.line <= len(lines) else ""
    if opened is not None and "flow" in context:
        opened = _unclosed_bracket(text, getattr(exc, "problem_mark", None)) or opened
    if opened is not None and ("flow" in context or "quoted" in context):
        where = f"{opened.line + 1}:{opened.column + 1}"
        what = "quote" if "quoted" in context else _char_at(text, opened.line, opened.column)
        hint = "add the closing quote"
        if what != "quote":
            hint = "add the closing bracket, or quote a value that contains , [ ] { } or :"
        return YamlpipeError(
            Location(file, opened.line + 1, opened.column + 1),
            f"YAML syntax error: the {what} opened at {where} is never closed",
            hint,
        )
    tabbed = "\t" in line_text[: max(location.column, 1)] or "tab" in problem
    explained = None if tabbed else explain_indentation(text, file, location.line)
    if explained is not None:
        return explained
    hint = "check the indentation of this line against the lines above it"
    if tabbed:
        hint = "YAML does not allow tabs for indentation; use spaces"
    elif "mapping values are not allowed" in problem:
        hint += "; a value containing ': ' must be quoted"
    elif "found unexpected ':'" in problem:  # valid YAML 1.2 that only libyaml refuses
        hint = (
            "quote the value that holds ':' (files over "
            f"{PURE_PARSER_MAX_BYTES // 1024} KiB are read by libyaml alone, which refuses it)"
        )
    message = f"YAML syntax error: {problem}" + (f" ({context})" if context else "")
    if "'\\t'" in problem:
        message = "YAML syntax error: a tab character where indentation or a value should start"
    return YamlpipeError(location, message, hint)


class _Builder:
    """Turns composed nodes into plain data, recording marks and rejecting duplicates."""

    def __init__(self, doc: Document, yaml: YAML) -> None:
        self.doc = doc
        self.constructor = yaml.constructor
        self.active: set[int] = set()
        self.seen: set[int] = set()
        self.copies = 0
        """Values built a second time: what aliases (and merges) copied."""
        self.copy_at: Location | None = None

    def mark(self, node: Node, style: str | None = None) -> Mark:
        return Mark(node.start_mark.line + 1, node.start_mark.column + 1, style)

    def build(self, node: Node, path: Path) -> RawYaml:
        """Plain data for a node; a node built before is an alias's copy, and counted."""
        if len(path) > MAX_DEPTH:  # a copy is too deep where its alias is, not its anchor
            raise _too_deep(self.doc.file, node.start_mark, self.copy_at)
        if id(node) not in self.seen:
            self.seen.add(id(node))
        elif self.copy_at is None:  # where an alias starts copying: its key or its list
            self.copy_at = self.doc.loc(path, key=True)
            try:
                return self.copy(node, path)
            finally:
                self.copy_at = None
        else:
            return self.copy(node, path)
        return self.node(node, path)

    def copy(self, node: Node, path: Path) -> RawYaml:
        """Refuse aliases that copy more than MAX_ALIAS_NODES values: each alias is expanded
        into a copy, so aliases of aliases multiply (a "billion laughs")."""
        self.copies += 1
        if self.copies > MAX_ALIAS_NODES:
            raise YamlpipeError(
                self.copy_at or self.doc.loc(path),
                f"YAML aliases copy more than {MAX_ALIAS_NODES:,} values into this file",
                "each *alias is a copy of its &anchor's value, so aliases of aliases multiply; "
                "write the values out, or use fewer aliases",
            )
        return self.node(node, path)

    def node(self, node: Node, path: Path) -> RawYaml:
        if isinstance(node, ScalarNode):
            tag = node.tag
            if tag not in _SCALAR_TAGS:
                self.doc.values[path] = Mark(*_line_col(node), node.style or "")
                return self.text(node, path)
            self.doc.values[path] = Mark(*_line_col(node), node.style or "", node.value)
            return self.scalar(node, tag, path)
        if id(node) in self.active:
            raise YamlpipeError(self.doc.loc(path), "recursive YAML alias", "remove the alias")
        self.doc.values[path] = self.mark(node)
        self.active.add(id(node))
        try:
            if isinstance(node, MappingNode):
                return self.mapping(node, path)
            return [self.build(item, (*path, i)) for i, item in enumerate(node.value)]
        finally:
            self.active.discard(id(node))

    def text(self, node: ScalarNode, path: Path) -> str:
        """A string scalar; a lone surrogate (`"\\ud800"`) is no text other tools can write."""
        value = str(node.value)
        if not value.isascii() and _SURROGATE.search(value):
            raise YamlpipeError(
                Location(self.doc.file, *_line_col(node), path),
                "the string holds a lone surrogate escape (\\ud800-\\udfff), which is not text "
                "that other YAML and JSON readers accept",
                "write the character itself, or a \\U escape of its code point",
            )
        return value

    def scalar(self, node: ScalarNode, tag: str, path: Path) -> RawYaml:
        """A non-string scalar: int, float, bool or null, as YAML 1.2 reads it."""
        try:
            value = self.constructor.construct_object(node, deep=True)
        except ValueError:  # Python reads integers of up to 4,300 digits
            raise YamlpipeError(
                Location(self.doc.file, *_line_col(node), path),
                f"the number {node.value[:20]}... has {len(node.value):,} digits, more than "
                "yamlpipe reads",
                "quote it if it is text",
            ) from None
        if tag == INT_TAG and _YAML11_OCTAL.match(node.value):
            self.doc.notes.append(
                YamlpipeError(
                    self.doc.loc(path),
                    f"{node.value} is the number {value} here (YAML 1.2) but "
                    f"{int(node.value.replace('_', ''), 8)} (octal) in YAML 1.1 tools such as KFP",
                    f"quote it ('{node.value}') for a string, or drop the leading zero",
                    WARNING,
                    span=len(node.value),
                )
            )
        if isinstance(value, float) and not math.isfinite(value):
            raise YamlpipeError(
                self.doc.loc(path), f"{node.value!r} is not a finite number", "quote it"
            )
        return value

    def mapping(self, node: MappingNode, path: Path) -> dict[str, RawYaml]:
        result: dict[str, RawYaml] = {}
        merged: dict[str, RawYaml] = {}
        for key_node, value_node in node.value:
            key_tag = key_node.tag
            if key_tag == MERGE_TAG:
                self.merge(merged, value_node, path)
                continue
            key = self.text(key_node, path) if key_tag == STR_TAG else self.key(key_node, path)
            child = (*path, key)
            if key in result:
                raise YamlpipeError(
                    Location(self.doc.file, *_line_col(key_node), child),
                    f"duplicate key {key!r}",
                    f"{key!r} is already set at line {self.doc.keys[child].line}; keep one",
                    span=len(key),
                )
            self.doc.keys[child] = self.mark(key_node)
            result[key] = self.build(value_node, child)
        for key, value in merged.items():
            result.setdefault(key, value)
        return result

    def key(self, node: Node, path: Path) -> str:
        if not isinstance(node, ScalarNode):
            raise YamlpipeError(
                Location(self.doc.file, *_line_col(node), path),
                "a mapping key must be a plain value, not a list or map",
            )
        if node.tag == "tag:yaml.org,2002:null" and node.value in ("", "~"):
            raise YamlpipeError(
                Location(self.doc.file, *_line_col(node), path), "empty mapping key"
            )
        if node.tag in _SCALAR_TAGS and not node.style:
            self.doc.notes.append(
                YamlpipeError(
                    Location(self.doc.file, *_line_col(node), (*path, node.value)),
                    f"the key {node.value} is a {node.tag.rsplit(':', 1)[-1]}, not a string",
                    f"quote it: '{node.value}'",
                    span=len(node.value),
                )
            )
        return str(node.value)

    def merge(self, result: dict[str, RawYaml], node: Node, path: Path) -> None:
        sources = node.value if isinstance(node, SequenceNode) else [node]
        for source in sources:
            merged = self.build(source, path)
            if not isinstance(merged, dict):
                raise YamlpipeError(self.doc.loc(path), "'<<' merges only maps")
            for key, value in merged.items():
                result.setdefault(key, value)


def _line_col(node: Node) -> tuple[int, int]:
    return node.start_mark.line + 1, node.start_mark.column + 1


def read_yaml(text: str, file: str) -> Document:
    """Parse YAML text into a Document, or raise a located YamlpipeError.

    libyaml's C parser is fast but speaks YAML 1.1 syntax, and rejects some valid YAML 1.2
    (a ':' inside a plain scalar in a flow list, as in `[--url, http://x]`). When it fails,
    the pure-Python YAML 1.2 parser gets the final word.
    """
    try:
        return _read_with(text, file, pure=False)
    except MarkedYAMLError as exc:
        if len(text) > PURE_PARSER_MAX_BYTES:  # the pure parser would take seconds
            raise _syntax_error(file, text, exc) from None
    try:
        return _read_with(text, file, pure=True)
    except MarkedYAMLError as exc:
        raise _syntax_error(file, text, exc) from None


def _too_deep(file: str, mark: Any, at: Location | None = None) -> YamlpipeError:
    return YamlpipeError(
        at or Location(file, mark.line + 1, mark.column + 1),
        f"the YAML nests more than {MAX_DEPTH} levels deep",
        "no component or pipeline needs this; flatten the data",
    )


def _bad_character(file: str, text: str, exc: ReaderError) -> YamlpipeError:
    """A character YAML does not allow (a control character such as ESC), where it is."""
    position = exc.position if isinstance(exc.position, int) else 0
    line = text.count("\n", 0, position) + 1
    column = position - (text.rfind("\n", 0, position) + 1) + 1
    code = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
    return YamlpipeError(
        Location(file, line, column),
        f"the character U+{code:04X} is not allowed in YAML",
        "remove it; inside a double-quoted string an escape (such as \\x1b) writes it",
    )


def _possible_depth(text: str) -> int:
    """A cheap upper bound on nesting: each flow collection opens with `[` or `{`, and each
    two levels of block collections start at least one column further right."""
    flow = text.count("[") + text.count("{")
    column = max(map(len, _BLOCK_START.findall(text)), default=0)
    return flow + 2 * column + 4


def _check_depth(text: str, file: str) -> None:
    """Refuse deep nesting before libyaml's composer, which recurses in C without a limit
    and crashes the process (SIGSEGV) at some 30,000 levels; events come from a loop."""
    if _possible_depth(text) <= C_COMPOSER_SAFE_DEPTH:
        return  # the builder enforces MAX_DEPTH
    depth = 0
    try:
        for event in _make_yaml().parse(text):
            if isinstance(event, CollectionStartEvent):
                depth += 1
                if depth > MAX_DEPTH:
                    raise _too_deep(file, event.start_mark)
            elif isinstance(event, CollectionEndEvent):
                depth -= 1
    except YAMLError:
        return  # composing reports it, with its location


def _read_with(text: str, file: str, *, pure: bool) -> Document:
    """Compose with libyaml (or the pure-Python parser, whose recursion Python bounds)."""
    doc = Document(file, text)
    yaml = _make_yaml(pure=pure)
    try:
        with gc_paused():
            if not pure:
                _check_depth(text, file)
            nodes = list(yaml.compose_all(text))
            if len(nodes) > 1:
                raise YamlpipeError(
                    Location(file, *_line_col(nodes[1])),
                    "a file holds one component or pipeline, found several YAML documents",
                    "split the documents at '---' into separate files",
                )
            if nodes and nodes[0] is not None:
                doc.data = _Builder(doc, yaml).build(nodes[0], ())
    except MarkedYAMLError:
        raise
    except ReaderError as exc:
        raise _bad_character(file, text, exc) from None
    except YAMLError as exc:
        raise YamlpipeError(Location(file, 1, 1), f"YAML error: {exc}") from None
    except RecursionError:
        raise YamlpipeError(
            Location(file, 1, 1),
            f"the YAML nests more than {MAX_DEPTH} levels deep",
            "no component or pipeline needs this; flatten the data",
        ) from None
    return doc


def dump_yaml(data: Any) -> str:
    """Data -> block-style YAML 1.2 text, keys in the given order; multi-line strings as `|`."""
    yaml = YAML(typ="rt")
    yaml.width = 4096
    yaml.indent(mapping=2, sequence=4, offset=2)
    stream = io.StringIO()
    yaml.dump(_literal_blocks(data), stream)
    return stream.getvalue()


def _literal_blocks(data: Any) -> Any:
    if isinstance(data, dict):
        return {k: _literal_blocks(v) for k, v in data.items()}
    if isinstance(data, list):
        return [_literal_blocks(v) for v in data]
    if isinstance(data, str) and "\n" in data.rstrip("\n"):
        return LiteralScalarString(data)
    if isinstance(data, str) and _YAML11_AMBIGUOUS.match(data):
        return SingleQuotedScalarString(data)
    return data
