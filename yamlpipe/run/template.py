"""Argo's `{{...}}` substitution, as its controller does it (fasttemplate tags).

A tag is the text between `{{` and the next `}}`; its trimmed text is looked up in the scope.
A tag that is not found is written back unchanged when unresolved tags are allowed (Argo
allows them while resolving a DAG task, so a skipped task's output stays as literal
`{{tasks...}}` text), and is an error otherwise. A `{{` without a closing `}}` is an error.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

START, END = "{{", "}}"


class SubstitutionError(ValueError):
    """A tag could not be resolved (or closed); Argo fails the node with this message."""


def iter_tags(text: str) -> list[str]:
    """The raw text of every tag in `text`, in order."""
    tags: list[str] = []
    position = text.find(START)
    while position >= 0:
        end = text.find(END, position + 2)
        if end < 0:
            raise SubstitutionError(f"cannot find end tag '}}}}' in {text[position:][:80]!r}")
        tags.append(text[position + 2 : end])
        position = text.find(START, end + 2)
    return tags


def _replace_tag(tag: str, scope: Mapping[str, str], allow_unresolved: bool) -> str:
    value = scope.get(tag.strip())
    if value is not None:
        return value
    nested = tag.rfind(START)
    if nested > 0 and tag[nested + 2 :] in scope:
        return START + tag[:nested] + scope[tag[nested + 2 :]]
    if allow_unresolved:
        return START + tag + END
    raise SubstitutionError(f"failed to resolve {{{{{tag}}}}}")


def replace(text: str, scope: Mapping[str, str], allow_unresolved: bool = True) -> str:
    """`text` with every tag found in `scope` replaced by its value."""
    position = text.find(START)
    if position < 0:
        return text
    parts: list[str] = []
    done = 0
    while position >= 0:
        end = text.find(END, position + 2)
        if end < 0:
            raise SubstitutionError(f"cannot find end tag '}}}}' in {text[position:][:80]!r}")
        parts.append(text[done:position])
        parts.append(_replace_tag(text[position + 2 : end], scope, allow_unresolved))
        done = end + 2
        position = text.find(START, done)
    parts.append(text[done:])
    return "".join(parts)


def replace_all(value: Any, scope: Mapping[str, str], allow_unresolved: bool = True) -> Any:
    """A copy of JSON-like data with every string (keys too) substituted."""
    if isinstance(value, str):
        return replace(value, scope, allow_unresolved)
    if isinstance(value, dict):
        return {
            replace(k, scope, allow_unresolved): replace_all(v, scope, allow_unresolved)
            for k, v in value.items()
        }
    if isinstance(value, list):
        return [replace_all(v, scope, allow_unresolved) for v in value]
    return value


def iter_strings(value: Any, path: tuple[str | int, ...] = ()) -> Any:
    """Every string in JSON-like data (keys too), with its path."""
    if isinstance(value, str):
        yield path, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield (*path, key), str(key)
            yield from iter_strings(item, (*path, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from iter_strings(item, (*path, index))


def has_tags(value: Any) -> bool:
    """Whether any string in the data holds a `{{`."""
    return any(START in text for _, text in iter_strings(value))
