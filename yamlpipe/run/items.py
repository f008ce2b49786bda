"""`withItems` / `withParam` expansion, named and substituted as Argo v3 does it.

Each item is kept as its JSON text (numbers keep their spelling, as Go's RawMessage keeps
them). `{{item}}` is a string item without its quotes, a number or boolean as written, and
a map or list as compact JSON; `{{item.KEY}}` is a map item's value the same way. Iteration
nodes are named `task(INDEX:DESCRIPTION)`.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from yamlpipe.run import gojson


class ItemsError(ValueError):
    """The items cannot be expanded; Argo fails the task with this message."""


@dataclass(frozen=True)
class Item:
    """One loop item: its index, its JSON value, and what Argo substitutes for it."""

    index: int
    value: Any
    scope: dict[str, str]
    label: str
    """What Argo shows in the node name, `train(0:a)`."""


def _text(value: Any) -> str:
    """Argo's Item.String(): compact JSON, a string without its quotes, `<>&` unescaped."""
    if isinstance(value, str) and not isinstance(value, gojson.RawNumber):
        return gojson.unhtml(gojson.dumps(value)[1:-1])
    return gojson.unhtml(gojson.dumps(value))


def _label_text(value: Any) -> str:
    """How Go's `%v` prints an item inside a node name."""
    if isinstance(value, list):
        return "[" + " ".join(_label_text(v) for v in value) + "]"
    return _text(value)


def make_item(index: int, value: Any) -> Item:
    """The substitutions and the node label of one item."""
    if isinstance(value, dict):
        scope = {f"item.{k}": _text(v) for k, v in value.items()}
        scope["item"] = gojson.dumps(value)
        label = ",".join(sorted(f"{k}:{_text(v)}" for k, v in value.items()))
    elif isinstance(value, list):
        scope = {"item": gojson.dumps(value)}
        label = _label_text(value)
    elif value is None:
        raise ItemsError(
            f"withItems[{index}] expected string, number, list, or map. received: null"
        )
    else:
        scope = {"item": _text(value)}
        label = _text(value)
    return Item(index, value, scope, label.replace("(", "").replace(")", ""))


def from_yaml(values: list[Any]) -> Iterator[Item]:
    """Items of a `withItems` list (as YAML gave them; Go sees floats as float64)."""
    for index, value in enumerate(values):
        yield make_item(index, value)


def from_param(text: str) -> list[Item]:
    """Items of a `withParam` value, which must be a JSON list."""
    try:
        values = gojson.loads_raw(text)
    except (json.JSONDecodeError, ValueError) as exc:
        raise ItemsError(
            f"withParam value could not be parsed as a JSON list: {text.strip()[:200]}: {exc}"
        ) from None
    if not isinstance(values, list):
        raise ItemsError(
            f"withParam value could not be parsed as a JSON list: {text.strip()[:200]}: "
            f"it is a JSON {type(values).__name__}"
        )
    return [make_item(i, v) for i, v in enumerate(values)]


def node_name(task: str, item: Item) -> str:
    return f"{task}({item.index}:{item.label})"
