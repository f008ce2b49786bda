"""Values handed to templates: constants serialized as KFP serializes them, and expressions
rendered as Argo placeholders by whatever scope they are read in."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from yamlpipe.spec.expr import Ref, Template
from yamlpipe.spec.model import ArgValue, Literal
from yamlpipe.spec.types import type_name

WORKFLOW_FIELDS = {"name": "{{workflow.name}}", "uid": "{{workflow.uid}}"}
WORKFLOW_STATUS = "{{workflow.status}}"


@dataclass(frozen=True)
class Fixed:
    """A value known when compiling: a literal, a default, or text without expressions."""

    text: str


Value = Fixed | Template
"""What feeds a template input: a constant, or a string holding `${{ }}` references."""

RenderRef = Callable[[Ref], str]


def serialize(value: Any, spec_type: Any = None) -> str:
    """A constant as KFP 1.8.22 passes it: strings as they are, booleans `True`/`False`,
    JSON for lists and maps (keys sorted), numbers as Python prints them."""
    if isinstance(value, str):
        return value
    if isinstance(value, list | dict) or type_name(spec_type) in ("JsonObject", "JsonArray"):
        return json.dumps(value, sort_keys=True)
    return str(value)


def as_value(value: ArgValue, spec_type: Any = None) -> Value:
    """An argument as a Value; KFP's graph forms must have been turned into Templates."""
    if isinstance(value, Literal):
        return Fixed(serialize(value.value, spec_type))
    if isinstance(value, Template):
        return value if value.refs else Fixed(value.text)
    raise TypeError(f"unexpected argument value {value!r}")


def render(template: Template, render_ref: RenderRef) -> str:
    """The template's text with every reference replaced by its Argo placeholder."""
    return "".join(p if isinstance(p, str) else render_ref(p) for p in template.parts)


def render_value(value: Value, render_ref: RenderRef) -> str:
    return value.text if isinstance(value, Fixed) else render(value, render_ref)


def iter_refs(value: Value) -> Iterator[Ref]:
    if isinstance(value, Template):
        yield from value.refs


def ref_key(ref: Ref) -> tuple[str, str | None, str | None]:
    """What a reference points at, without where it was written."""
    return (ref.kind, ref.name, ref.output)


def single_ref(value: Value) -> Ref | None:
    """The reference when the value is exactly one expression."""
    return value.single_ref if isinstance(value, Template) else None
