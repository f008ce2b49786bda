"""Warnings for YAML that parses but probably does not mean what its author meant."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

from yamlpipe.errors import WARNING, YamlpipeError
from yamlpipe.load.schema import YAML11_BOOLEANS
from yamlpipe.load.yamltext import Document, Path

_KEY_LINE = re.compile(r"^\s*([A-Za-z_][A-Za-z0-9_]*):(\s|$)")
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


def _sibling_keys(path: Path) -> frozenset[str]:
    """Keys allowed in the map that holds the value at path (by the shape of the path)."""
    parent = path[:-1]
    if not parent:
        return _TOP_KEYS
    if parent[-1] == "container":
        return _CONTAINER_KEYS
    if (len(parent) == 2 and parent[0] in ("tasks",)) or parent == ("on_exit",):
        return _TASK_KEYS
    if len(parent) == 2 and parent[0] in ("inputs", "outputs"):
        return _ITEM_KEYS
    return frozenset()


def iter_hazards(doc: Document) -> Iterator[YamlpipeError]:
    """YAML 1.1 boolean words left unquoted, and map keys swallowed by a block scalar."""
    yield from _walk(doc, doc.data, ())


def _walk(doc: Document, node: Any, path: Path) -> Iterator[YamlpipeError]:
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _walk(doc, value, (*path, key))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _walk(doc, value, (*path, i))
    elif isinstance(node, str):
        yield from _scalar_hazards(doc, node, path)


def _scalar_hazards(doc: Document, value: str, path: Path) -> Iterator[YamlpipeError]:
    style = doc.style(path)
    if style == "" and value in YAML11_BOOLEANS:
        yield YamlpipeError(
            doc.loc(path),
            f"unquoted {value!r} is the string {value!r} here (YAML 1.2) but a boolean in "
            "YAML 1.1 tools such as KFP's loader",
            f"quote it ('{value}') to keep the string, or write true/false for a boolean",
            WARNING,
            span=len(value),
        )
    elif style in ("|", ">") and path and isinstance(path[-1], str):
        yield from _swallowed_keys(doc, value, path)


def _swallowed_keys(doc: Document, value: str, path: Path) -> Iterator[YamlpipeError]:
    siblings = _sibling_keys(path)
    for offset, line in enumerate(value.splitlines()):
        match = _KEY_LINE.match(line)
        if match and match.group(1) in siblings and match.group(1) != path[-1]:
            loc = doc.loc(path)
            yield YamlpipeError(
                loc.__class__(loc.file, loc.line + 1 + offset, 1, path),
                f"the block scalar {path[-1]!r} contains the line {line.strip()!r}, "
                f"which looks like a key of the surrounding map",
                f"if {match.group(1)!r} is meant as a key, dedent it to the level of {path[-1]!r}",
                WARNING,
            )
            return
