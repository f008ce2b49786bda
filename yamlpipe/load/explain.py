"""Schema errors explained: each jsonschema error mapped back to file:line:col with a hint.

Only imported when a file is invalid (see schema.py), so valid files never pay for jsonschema.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Iterator, Sequence
from typing import Any

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from yamlpipe.errors import YamlpipeError
from yamlpipe.load.schema import YAML11_BOOLEANS, did_you_mean, schema_text
from yamlpipe.load.yamltext import Document

_TYPE_NAMES = {
    "string": "a string",
    "integer": "an integer",
    "number": "a number",
    "boolean": "a boolean",
    "object": "a map",
    "array": "a list",
    "null": "null",
}


@functools.cache
def validator_for(kind: str) -> Draft202012Validator:
    """One validator per schema per process (building it is the expensive part)."""
    return Draft202012Validator(json.loads(schema_text(kind)))


def iter_explained_errors(doc: Document, kind: str) -> Iterator[YamlpipeError]:
    """Every schema violation of the document, located and explained."""
    validator = validator_for(kind)
    explainer = _Explainer(doc, validator.schema)
    seen: set[tuple[str, str]] = set()
    errors = sorted(validator.iter_errors(doc.data), key=lambda e: [str(p) for p in e.path])
    for error in errors:
        for problem in explainer.explain(error):
            key = (str(problem.location), problem.message)
            if key not in seen:
                seen.add(key)
                yield problem


def _describe(value: Any) -> str:
    kinds = {bool: "boolean", int: "integer", float: "number", str: "string", list: "list"}
    if isinstance(value, dict):
        return "a map"
    if value is None:
        return "null"
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    if len(text) > 40:
        text = text[:37] + "..."
    return f"{kinds.get(type(value), type(value).__name__)} {text}"


def _show(value: Any) -> str:
    text = repr(value) if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= 40 else text[:37] + "..."


def _expected_types(schema: Any) -> list[str]:
    types = schema.get("type") if isinstance(schema, dict) else None
    if isinstance(types, str):
        return [types]
    return list(types or [])


def _unknown_key_message(key: str, allowed: Sequence[str]) -> str:
    suggestion = did_you_mean(key, allowed)
    return f"unknown key {key!r}" + (f" ({suggestion})" if suggestion else "")


def _subject(path: tuple[Any, ...]) -> str:
    """How a message names the value at path: 'image', or item 2 of 'args'."""
    if not path:
        return "the file"
    if isinstance(path[-1], int):
        owner = next((p for p in reversed(path) if isinstance(p, str)), None)
        return f"item {path[-1] + 1} of {owner!r}" if owner else f"item {path[-1] + 1}"
    return repr(path[-1])


def _plain(description: Any) -> str | None:
    """A schema description as a hint: markdown backticks dropped."""
    return description.replace("`", "") if isinstance(description, str) else None


def _path_text(path: tuple[Any, ...]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def _branch_errors(error: ValidationError) -> dict[int, list[ValidationError]]:
    branches: dict[int, list[ValidationError]] = {}
    for sub in error.context or ():
        branches.setdefault(int(sub.relative_schema_path[0]), []).append(sub)
    return branches


def _is_shallow_mismatch(sub: ValidationError, depth: int) -> bool:
    """A branch error saying the value is simply of another form (type or key set)."""
    shallow = len(sub.absolute_path) == depth
    return shallow and sub.validator in (
        "type",
        "required",
        "additionalProperties",
        "const",
        "enum",
    )


def _deepest(branches: dict[int, list[ValidationError]]) -> int:
    return max(branches, key=lambda i: max(len(s.absolute_path) for s in branches[i]))


class _Explainer:
    """Turns jsonschema errors into located problems, choosing the branch the user meant."""

    def __init__(self, doc: Document, root: dict[str, Any]) -> None:
        self.doc = doc
        self.root = root

    def explain(self, error: ValidationError) -> Iterator[YamlpipeError]:
        method = getattr(self, f"explain_{error.validator}", self.explain_generic)
        yield from method(error)

    def resolve(self, schema: Any) -> dict[str, Any]:
        """Follow a local '$ref' to the schema it names."""
        if not isinstance(schema, dict):
            return {}
        ref = schema.get("$ref")
        if not isinstance(ref, str) or not ref.startswith("#"):
            return schema
        node: Any = self.root
        for part in ref[2:].split("/") if len(ref) > 1 else []:
            node = node.get(part, {}) if isinstance(node, dict) else {}
        return self.resolve(node)

    def explain_additionalProperties(self, error: ValidationError) -> Iterator[YamlpipeError]:
        allowed = sorted(error.schema.get("properties", {}))
        patterns = list(error.schema.get("patternProperties", {}))
        instance = error.instance if isinstance(error.instance, dict) else {}
        for key in instance:
            if key in allowed or any(re.search(p, key) for p in patterns):
                continue
            yield YamlpipeError(
                self.doc.loc((*error.absolute_path, key), key=True),
                _unknown_key_message(key, allowed),
                "allowed here: " + ", ".join(allowed) if allowed else None,
                span=len(key),
            )

    explain_unevaluatedProperties = explain_additionalProperties

    def explain_required(self, error: ValidationError) -> Iterator[YamlpipeError]:
        present = error.instance if isinstance(error.instance, dict) else {}
        path = tuple(error.absolute_path)
        where = _path_text(path)
        for key in error.validator_value:
            if key in present:
                continue
            prop = self.resolve(error.schema.get("properties", {}).get(key, {}))
            description = prop.get("description")
            yield YamlpipeError(
                self.doc.loc(path, key=True),
                f"missing required key {key!r}" + (f" in {where}" if where else ""),
                f"{key}: {_plain(description)}" if description else None,
            )

    def explain_type(self, error: ValidationError) -> Iterator[YamlpipeError]:
        types = [t for t in _expected_types(error.schema) if t != "null"]
        wanted = " or ".join(_TYPE_NAMES.get(t, t) for t in types)
        yield self.type_problem(error, wanted or "another type")

    def type_problem(self, error: ValidationError, wanted: str) -> YamlpipeError:
        path = tuple(error.absolute_path)
        value = error.instance
        hint = _plain(error.schema.get("description")) if isinstance(error.schema, dict) else None
        if isinstance(value, str) and value in YAML11_BOOLEANS and "boolean" in wanted:
            hint = f"YAML 1.2 reads {value} as a string; write true or false"
        elif isinstance(value, bool | int | float) and "string" in wanted:
            hint = f"quote it: '{self.doc.raw(path) or json.dumps(value)}'"
        elif value is None and "string" in wanted:
            hint = "the value is empty; write one, or '' for an empty string"
        message = f"{_subject(path)} must be {wanted}, got {_describe(value)}"
        return YamlpipeError(self.doc.loc(path), message, hint)

    def explain_anyOf(self, error: ValidationError) -> Iterator[YamlpipeError]:
        branches = _branch_errors(error)
        if not branches:
            yield from self.explain_exclusive(error)
            return
        depth = len(error.absolute_path)
        fitting = {
            i: subs
            for i, subs in branches.items()
            if not any(_is_shallow_mismatch(s, depth) for s in subs)
        }
        chosen = self.keyed_branch(error, fitting or branches)
        if chosen is None and fitting:
            chosen = _deepest(fitting)
        if chosen is None:
            yield self.no_alternative_fits(error)
            return
        for sub in branches[chosen]:
            yield from self.explain(sub)

    explain_oneOf = explain_anyOf

    def branch_keys(self, error: ValidationError, index: int) -> set[str]:
        branch = self.resolve(error.validator_value[index])
        return set(branch.get("properties", {})) | set(branch.get("required", []))

    def keyed_branch(
        self, error: ValidationError, branches: dict[int, list[ValidationError]]
    ) -> int | None:
        """The one branch whose keys the given map uses, if exactly one does."""
        if not isinstance(error.instance, dict) or not error.instance:
            return None
        keys = set(error.instance)
        matching = [i for i in branches if keys & self.branch_keys(error, i)]
        return matching[0] if len(matching) == 1 else None

    def no_alternative_fits(self, error: ValidationError) -> YamlpipeError:
        path = tuple(error.absolute_path)
        resolved = [self.resolve(option) for option in error.validator_value]
        if isinstance(error.instance, dict):
            names = sorted({k for branch in resolved for k in branch.get("properties", {})})
            unknown = [k for k in error.instance if k not in names]
            if unknown:
                return YamlpipeError(
                    self.doc.loc((*path, unknown[0]), key=True),
                    _unknown_key_message(unknown[0], names),
                    "allowed here: " + ", ".join(names) if names else None,
                    span=len(unknown[0]),
                )
        if resolved and all(set(b) == {"required"} for b in resolved):
            keys = [k for b in resolved for k in b["required"]]
            return YamlpipeError(
                self.doc.loc(path, key=True),
                f"{_subject(path)} needs exactly one of: " + ", ".join(keys),
                _plain(error.schema.get("description")),
            )
        kinds: list[str] = []
        for branch in resolved:
            required = branch.get("required", [])
            if len(required) == 1 and "object" in _expected_types(branch):
                kinds.append(f"{{{required[0]}: ...}}")
            else:
                kinds.extend(_TYPE_NAMES.get(t, t) for t in _expected_types(branch))
        wanted = " or ".join(dict.fromkeys(kinds)) or "one of the allowed forms"
        problem = self.type_problem(error, wanted)
        if problem.hint is None:
            problem.hint = (
                error.schema.get("description") if isinstance(error.schema, dict) else None
            )
        return problem

    def explain_exclusive(self, error: ValidationError) -> Iterator[YamlpipeError]:
        """oneOf matched several branches: for key sets, say which keys clash."""
        options = [self.resolve(o) for o in error.validator_value]
        keys = [k for o in options for k in o.get("required", [])]
        present = [k for k in keys if isinstance(error.instance, dict) and k in error.instance]
        path = tuple(error.absolute_path)
        if len(present) > 1:
            yield YamlpipeError(
                self.doc.loc((*path, present[1]), key=True),
                f"{' and '.join(repr(k) for k in present)} cannot be used together",
                "use exactly one of: " + ", ".join(keys),
            )
            return
        yield YamlpipeError(self.doc.loc(path), error.message)

    def explain_enum(self, error: ValidationError) -> Iterator[YamlpipeError]:
        choices = [str(c) for c in error.validator_value]
        value = error.instance
        suggestion = did_you_mean(value, choices) if isinstance(value, str) else None
        message = f"{_subject(tuple(error.absolute_path))} cannot be {_show(value)}"
        message += f" ({suggestion})" if suggestion else ""
        yield YamlpipeError(
            self.doc.loc(tuple(error.absolute_path)), message, "one of: " + ", ".join(choices)
        )

    def explain_dependentRequired(self, error: ValidationError) -> Iterator[YamlpipeError]:
        present = error.instance if isinstance(error.instance, dict) else {}
        path = tuple(error.absolute_path)
        for key, needs in error.validator_value.items():
            missing = [n for n in needs if key in present and n not in present]
            if missing:
                yield YamlpipeError(
                    self.doc.loc((*path, key), key=True),
                    f"{key!r} needs {' and '.join(map(repr, missing))} beside it",
                    _plain(
                        self.resolve(error.schema.get("properties", {}).get(key)).get("description")
                    ),
                    span=len(key),
                )

    def explain_generic(self, error: ValidationError) -> Iterator[YamlpipeError]:
        path = tuple(error.absolute_path)
        description = (
            _plain(error.schema.get("description")) if isinstance(error.schema, dict) else None
        )
        message = error.message
        if error.validator in ("pattern", "format"):
            message = f"{_subject(path)} cannot be {_show(error.instance)}"
        elif error.validator == "not":
            message = f"{_describe(error.instance)} is not allowed here"
        elif error.validator in ("minimum", "maximum", "exclusiveMinimum", "minLength"):
            message = f"{_subject(path)}: {error.message}"
        yield YamlpipeError(self.doc.loc(path), message, description)
