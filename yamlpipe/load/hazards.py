"""Warnings for YAML that parses but probably does not mean what its author meant."""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator
from typing import Any

from yamlpipe.errors import ERROR, WARNING, Location, YamlpipeError
from yamlpipe.load.schema import YAML11_BOOLEANS, schema_text
from yamlpipe.load.yamltext import Document, Path

_KEY_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*):(\s|$)")
_DATE = re.compile(  # exactly what PyYAML (YAML 1.1) resolves as a timestamp
    r"^(?:[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}(?:[Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(?:\.[0-9]*)?"
    r"(?:[ \t]*(?:Z|[-+][0-9]{1,2}(?::[0-9]{2})?))?)$"
)
_PYTHON = re.compile(
    r"^[ \t]*(?:def \w+[ \t]*\(|class \w+[ \t]*[:(]|import \w|from [\w.]+ import |"
    r"if __name__ ==)",
    re.MULTILINE,
)
"""Lines that only a Python program has."""
_SEXAGESIMAL = re.compile(r"^[-+]?\d[\d_]*(:[0-5]?\d)+(\.\d*)?$")
_PLACEHOLDER_TEXT = re.compile(r"\{\s*(inputValue|inputPath|outputPath|concat|if|isPresent)\s*:")
_OUR_EXPRESSION = re.compile(r"\$\{\{(?:.*?\}\}|.*)", re.DOTALL)
"""yamlpipe's `${{ ... }}` (an unclosed one, to the end: the loader reports that itself)."""
_ARGO_TAG = re.compile(r"\{\{(=?)\s*([^}]*?)\s*\}\}|\{\{")
_TOP_KEYS = frozenset(
    {"name", "description", "metadata", "inputs", "outputs", "implementation", "version"}
    | {"tasks", "volumes", "defaults", "settings", "on_exit"}
)
_TASK_KEYS = frozenset(
    {"component", "container", "resource", "snapshot", "arguments", "after", "when"}
    | {"for_each", "parallelism", "volumes", "resources", "node_selector", "tolerations"}
    | {"env", "retry", "timeout", "cache", "display_name", "annotations", "labels"}
)
_CONTAINER_KEYS = frozenset(("image", "command", "args", "env", "fileOutputs", "outputs"))
_ITEM_KEYS = frozenset(
    ("name", "type", "description", "default", "optional", "annotations", "from")
)


def _map_path(path: Path) -> Path:
    """The path of the map a value belongs to: list indices between are skipped."""
    while path and isinstance(path[-1], int):
        path = path[:-1]
    return path[:-1]


def _map_keys(parent: Path) -> frozenset[str]:
    """Keys allowed in the map at parent (recognised by the shape of the path)."""
    if not parent:
        return _TOP_KEYS
    if parent[-1] == "container":
        return _CONTAINER_KEYS
    if (len(parent) == 2 and parent[0] == "tasks") or parent == ("on_exit",):
        return _TASK_KEYS
    if len(parent) == 2 and parent[0] in ("inputs", "outputs"):
        return _ITEM_KEYS
    return frozenset()


def iter_hazards(doc: Document, kind: str) -> Iterator[YamlpipeError]:
    """Reading notes, then scalars that YAML 1.1 tools (KFP) or a reader would take otherwise."""
    yield from doc.notes
    yield from _walk(doc, doc.data, (), kind)


def _walk(doc: Document, node: Any, path: Path, kind: str) -> Iterator[YamlpipeError]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(doc, value, (*path, key), kind)
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(doc, value, (*path, i), kind)
    elif isinstance(node, str):
        yield from _scalar_hazards(doc, node, path, kind)


def _scalar_hazards(doc: Document, value: str, path: Path, kind: str) -> Iterator[YamlpipeError]:
    style = doc.style(path)
    if style == "":
        yield from _yaml11_hazards(doc, value, path, kind)
    elif style in ("|", ">"):
        yield from _swallowed_keys(doc, value, path)
    if "{{" in value:
        yield from _argo_syntax(doc, value, path)
    if _PLACEHOLDER_TEXT.search(value) and {"command", "args"} & set(map(str, path)):
        yield YamlpipeError(
            doc.loc(path),
            f"{value!r} holds placeholder text inside a string; it is passed on literally",
            "use {concat: ['--flag=', {inputValue: x}]} to build a string around a placeholder",
            WARNING,
        )


def _argo_syntax(doc: Document, value: str, path: Path) -> Iterator[YamlpipeError]:
    """`{{...}}` outside yamlpipe's own `${{ ... }}` reaches the Workflow as written, where
    Argo substitutes it (`{{workflow.name}}`) or evaluates it (`{{=sprig.date()}}`)."""
    match = _ARGO_TAG.search(_OUR_EXPRESSION.sub("", value))
    if match is None:
        return
    tag = match.group(0)
    what = "evaluate" if match.group(1) else "substitute"
    hint = "yamlpipe's own expressions are ${{ ... }}"
    if match.group(2) in ("workflow.name", "workflow.uid", "workflow.status"):
        hint = f"write ${{{{ {match.group(2)} }}}} for the same value"
    yield YamlpipeError(
        doc.loc(path),
        f"{tag!r} is Argo template syntax: Argo will {what} it when the workflow runs",
        hint + "; Argo has no escape for a literal '{{' (see docs/formats.md, 'Literal {{')",
        WARNING,
    )


def _yaml11_hazards(doc: Document, value: str, path: Path, kind: str) -> Iterator[YamlpipeError]:
    loc = doc.loc(path)
    tools = "YAML 1.1 tools such as KFP's loader" if kind == "component" else "YAML 1.1 tools"
    if value in YAML11_BOOLEANS:
        yield YamlpipeError(
            loc,
            f"unquoted {value!r} is the string {value!r} here (YAML 1.2) but a boolean in {tools}",
            f"quote it ('{value}') to keep the string, or write true/false for a boolean",
            WARNING,
            span=len(value),
        )
    elif _DATE.match(value):
        yield YamlpipeError(
            loc,
            f"unquoted {value!r} is a date, not a string, for {tools}",
            f"quote it: '{value}'",
            ERROR if kind == "component" else WARNING,
            span=len(value),
        )
    elif _SEXAGESIMAL.match(value):
        yield YamlpipeError(
            loc,
            f"unquoted {value!r} is a string here (YAML 1.2) but a base-60 number in {tools}",
            f"quote it: '{value}'",
            WARNING,
            span=len(value),
        )


def is_python_program(text: str) -> bool:
    """A block scalar holding a Python program (KFP's inline programs made from functions):
    its docstrings say `args:` and `outputs:` and mean nothing to the YAML around them."""
    first = text.lstrip().split("\n", 1)[0]
    return (first.startswith("#!") and "python" in first) or _PYTHON.search(text) is not None


def _swallowed_keys(doc: Document, value: str, path: Path) -> Iterator[YamlpipeError]:
    if is_python_program(value):
        return
    owner = _map_path(path)
    field = path[len(owner)]
    siblings = _map_keys(owner) - {field}
    for offset, line in enumerate(value.splitlines()):
        match = _KEY_LINE.match(line)
        if match and match.group(1) in siblings:
            loc = doc.loc(path)
            line_no = loc.line + 1 + offset
            source = (
                doc.text.splitlines()[line_no - 1] if line_no <= doc.text.count("\n") + 1 else ""
            )
            column = len(source) - len(source.lstrip()) + 1
            yield YamlpipeError(
                Location(loc.file, line_no, column, path),
                f"the block scalar in {field!r} contains the line {line.strip()!r}, "
                "which looks like a key of the surrounding map",
                f"if {match.group(1)!r} is meant as a key, dedent it to the level of {field!r}",
                WARNING,
                span=len(match.group(1)) + 1,
            )
            return


# ---- keys indented like the map around them ---------------------------------------------


@functools.cache
def task_keys() -> frozenset[str]:
    """The keys a pipeline task may have, from the shipped schema."""
    schema = json.loads(schema_text("pipeline"))
    return frozenset(schema["$defs"]["Task"]["properties"])


def iter_misplaced_task_keys(doc: Document) -> Iterator[tuple[Path, YamlpipeError]]:
    """A task key (`arguments:`) indented like the tasks is read as a task of that name;
    yields its path and an error saying so at its line."""
    yield from _in_tasks(doc, doc.data, ())


def _in_tasks(doc: Document, data: Any, path: Path) -> Iterator[tuple[Path, YamlpipeError]]:
    tasks = data.get("tasks") if isinstance(data, dict) else None
    if not isinstance(tasks, dict):
        return
    previous: str | None = None
    for name, body in tasks.items():
        here = (*path, "tasks", name)
        if name in task_keys() and previous is not None:
            yield here, _task_key_as_task(doc, here, name, (*path, "tasks", previous))
        else:
            yield from _in_tasks(doc, body, here)
        previous = name


def _task_key_as_task(doc: Document, path: Path, name: str, task: Path) -> YamlpipeError:
    owner = str(task[-1])
    body = doc.data
    for part in task:
        body = body[part]
    first = next(iter(body), None) if isinstance(body, dict) else None
    column = doc.loc((*task, first), key=True).column if first is not None else None
    where = f" (column {column}, like {first!r})" if column is not None else ""
    return YamlpipeError(
        doc.loc(path, key=True),
        f"{name!r} is indented like the tasks, so it is read as a task named {name!r}, not "
        f"as a key of task {owner!r} above it",
        f"indent it under {owner!r}{where}",
        span=len(name),
    )
