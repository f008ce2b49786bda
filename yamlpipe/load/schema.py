"""Schema checks: a fast compiled validator for the common case of a valid file; the full
explanation (jsonschema, with file:line:col and hints) only when something is wrong."""

from __future__ import annotations

import difflib
import functools
import json
from collections.abc import Iterator, Sequence
from importlib import resources
from typing import Any

import jsonschema_rs

from yamlpipe.errors import YamlpipeError
from yamlpipe.load.yamltext import Document

YAML11_BOOLEANS = frozenset(
    w for word in ("yes", "no", "on", "off") for w in (word, word.capitalize(), word.upper())
)
"""Words PyYAML (YAML 1.1, as used by KFP) reads as booleans but YAML 1.2 reads as strings."""


def schema_text(kind: str) -> str:
    """A shipped JSON Schema: 'component', 'pipeline', 'catalog', 'config' or 'lock'."""
    return resources.files("yamlpipe.schemas").joinpath(f"{kind}.schema.json").read_text("utf-8")


@functools.cache
def _fast_validator(kind: str) -> Any:
    """Built once per process: jsonschema-rs checks a 10,000-task pipeline in milliseconds."""
    return jsonschema_rs.validator_for(json.loads(schema_text(kind)))


def iter_schema_errors(doc: Document, kind: str) -> Iterator[YamlpipeError]:
    """Every schema violation of the document, located and explained."""
    if _fast_validator(kind).is_valid(doc.data):
        return
    # Imported here, not at the top: jsonschema costs ~0.1 s to import, and only a file with
    # errors needs its detailed, per-branch error reports.
    from yamlpipe.load.explain import iter_explained_errors

    yield from iter_explained_errors(doc, kind)


def did_you_mean(word: str, choices: Sequence[str]) -> str | None:
    """'did you mean 'x'?' when a choice is close to word, else None."""
    close = difflib.get_close_matches(word, list(choices), n=1, cutoff=0.6)
    return f"did you mean {close[0]!r}?" if close else None
