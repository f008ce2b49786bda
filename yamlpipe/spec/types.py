"""KFP v1 type names: aliases, compatibility between an output and an input, literal checks."""

from __future__ import annotations

import json
from typing import Any

_ALIASES = {
    "String": "String",
    "str": "String",
    "Integer": "Integer",
    "int": "Integer",
    "Float": "Float",
    "float": "Float",
    "Boolean": "Boolean",
    "Bool": "Boolean",
    "bool": "Boolean",
    "JsonArray": "JsonArray",
    "List": "JsonArray",
    "list": "JsonArray",
    "JsonObject": "JsonObject",
    "Dictionary": "JsonObject",
    "Dict": "JsonObject",
    "dict": "JsonObject",
}
PARAMETER_TYPES = frozenset(_ALIASES.values())
_BOOLEAN_WORDS = {"true": True, "false": False}


def type_name(spec: Any) -> str | None:
    """The canonical name of a type spec: `int` -> `Integer`, `{GCSPath: {...}}` -> `GCSPath`."""
    if spec is None or spec == "":
        return None
    name = next(iter(spec)) if isinstance(spec, dict) and spec else spec
    return _ALIASES.get(str(name), str(name)) if name else None


def type_properties(spec: Any) -> dict[str, Any]:
    if isinstance(spec, dict) and spec:
        props = next(iter(spec.values()))
        return props if isinstance(props, dict) else {}
    return {}


def describe_type(spec: Any) -> str:
    return json.dumps(spec, sort_keys=True) if isinstance(spec, dict) else str(spec)


def is_parameter_type(spec: Any) -> bool:
    """True for the types KFP passes by value (String, Integer, ... and their aliases)."""
    return type_name(spec) in PARAMETER_TYPES


def is_compatible(produced: Any, expected: Any) -> bool:
    """KFP's rule: same canonical name (or either untyped); the producer's properties must
    appear, with the same values, in the consumer's. A generic `Artifact` on either side
    matches any artifact type."""
    given, wanted = type_name(produced), type_name(expected)
    if given is None or wanted is None:
        return True
    if given == wanted:
        return _properties_fit(produced, expected)
    if given.lower() == "artifact" and wanted not in PARAMETER_TYPES:
        return True
    return wanted.lower() == "artifact" and given not in PARAMETER_TYPES


def _properties_fit(produced: Any, expected: Any) -> bool:
    wanted = type_properties(expected)
    return all(k in wanted and wanted[k] == v for k, v in type_properties(produced).items())


def literal_problem(value: Any, spec: Any) -> str | None:
    """Why a constant does not parse as the type, or None when it does (or the type is opaque)."""
    name = type_name(spec)
    check = _LITERAL_CHECKS.get(name or "")
    return check(value) if check else None


def _integer_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | str):
        return "is not an integer"
    if isinstance(value, str):
        try:
            int(value.strip())
        except ValueError:
            return "is not an integer"
    return None


def _float_problem(value: Any) -> str | None:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        return "is not a number"
    if isinstance(value, str):
        try:
            float(value.strip())
        except ValueError:
            return "is not a number"
    return None


def _boolean_problem(value: Any) -> str | None:
    if isinstance(value, bool) or (isinstance(value, str) and value.lower() in _BOOLEAN_WORDS):
        return None
    return "is not a boolean (true or false)"


def _json_problem(kind: type, what: str) -> Any:
    def check(value: Any) -> str | None:
        if isinstance(value, kind):
            return None
        if isinstance(value, str):
            try:
                return None if isinstance(json.loads(value), kind) else f"is not {what}"
            except ValueError:
                return f"is not {what} (not valid JSON)"
        return f"is not {what}"

    return check


def _string_problem(value: Any) -> str | None:
    return "is not a string" if isinstance(value, list | dict) else None


_LITERAL_CHECKS = {
    "String": _string_problem,
    "Integer": _integer_problem,
    "Float": _float_problem,
    "Boolean": _boolean_problem,
    "JsonArray": _json_problem(list, "a JSON array"),
    "JsonObject": _json_problem(dict, "a JSON object"),
}
