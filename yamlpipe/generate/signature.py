"""A Python function's component interface, by KFP v1's rules: inputs, outputs, how each is
passed (by value, as a file path, as an open file, or as the return value), types, defaults."""

from __future__ import annotations

import ast
import dataclasses
import enum
import inspect
import json
import re
import types
import typing
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors
from yamlpipe.generate.docstring import Docstring, parse_docstring
from yamlpipe.generate.pysource import FunctionSource
from yamlpipe.spec.types import type_name

TypeSpec = str | dict[str, Any] | None
SINGLE_OUTPUT = "Output"
"""The name of the output a function's plain return value becomes (as in KFP)."""


class Passing(enum.Enum):
    """How the program hands a port to the function."""

    VALUE = "value"
    INPUT_PATH = "InputPath"
    INPUT_TEXT = "InputTextFile"
    INPUT_BINARY = "InputBinaryFile"
    OUTPUT_PATH = "OutputPath"
    OUTPUT_TEXT = "OutputTextFile"
    OUTPUT_BINARY = "OutputBinaryFile"
    RETURN = "return"

    @property
    def is_output(self) -> bool:
        return self.value.startswith("Output") or self is Passing.RETURN

    @property
    def is_file(self) -> bool:
        return self not in (Passing.VALUE, Passing.RETURN)


class FileAnnotation:
    """Base of the parameter annotations that pass a file instead of a value."""

    passing = Passing.VALUE

    def __init__(self, type: Any = None) -> None:
        self.type = type

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.type!r})"


class InputPath(FileAnnotation):
    """The parameter receives the path of a file holding the input's data."""

    passing = Passing.INPUT_PATH


class InputTextFile(FileAnnotation):
    """The parameter receives the input's file opened for reading text."""

    passing = Passing.INPUT_TEXT


class InputBinaryFile(FileAnnotation):
    """The parameter receives the input's file opened for reading bytes."""

    passing = Passing.INPUT_BINARY


class OutputPath(FileAnnotation):
    """The parameter receives a path; the function writes the output's data there."""

    passing = Passing.OUTPUT_PATH


class OutputTextFile(FileAnnotation):
    """The parameter receives a text file opened for writing the output."""

    passing = Passing.OUTPUT_TEXT


class OutputBinaryFile(FileAnnotation):
    """The parameter receives a binary file opened for writing the output."""

    passing = Passing.OUTPUT_BINARY


PYTHON_TYPES: dict[type, str] = {
    str: "String",
    int: "Integer",
    float: "Float",
    bool: "Boolean",
    list: "JsonArray",
    dict: "JsonObject",
}
_PASSING_BY_NAME = {p.value: p for p in Passing if p.is_file}
RETURN_TYPE_HINT = (
    "return str, int, float, bool, list or dict (or a NamedTuple of them); write a file of "
    "type T through an OutputPath('T') parameter"
)
VALUE_TYPE_HINT = (
    "annotate with str, int, float, bool, list or dict (or leave it out); for a file of "
    "type T use InputPath('T') / OutputPath('T')"
)


@dataclass(frozen=True)
class Port:
    """One input or output of the component and the function parameter behind it."""

    name: str
    parameter: str
    passing: Passing
    type: TypeSpec = None
    description: str | None = None
    optional: bool = False
    default: str | None = None


@dataclass(frozen=True)
class Interface:
    """What a function looks like from outside: a named component with typed ports."""

    name: str
    description: str | None
    inputs: tuple[Port, ...]
    outputs: tuple[Port, ...]
    returns_tuple: bool = False
    """True when the function returns a NamedTuple (one output per field)."""

    @property
    def returned(self) -> tuple[Port, ...]:
        return tuple(p for p in self.outputs if p.passing is Passing.RETURN)

    @property
    def file_outputs(self) -> tuple[Port, ...]:
        return tuple(p for p in self.outputs if p.passing is not Passing.RETURN)


def component_name_for(func_name: str) -> str:
    """KFP's name for a function's component: `add_two_numbers` -> `Add two numbers`."""
    words = re.sub(" +", " ", func_name.replace("_", " ")).strip(" ")
    return words[:1].upper() + words[1:]


def unique_name(name: str, taken: set[str], separator: str) -> str:
    """`name`, or `name<sep>2`, `name<sep>3`, ... whichever is free first (KFP's rule)."""
    candidate, index = name, 2
    while candidate in taken:
        candidate, index = f"{name}{separator}{index}", index + 1
    return candidate


def extract_interface(source: FunctionSource) -> Interface:
    """Inputs and outputs of a function, by KFP's rules; every problem is located."""
    func = source.func
    doc = parse_docstring(inspect.getdoc(func))
    problems: list[YamlpipeError] = []
    ports = list(_iter_parameter_ports(source, doc, problems))
    returned: list[Port] = []
    is_tuple = False
    try:
        returned, is_tuple = _return_ports(source, {p.name for p in ports if p.passing.is_output})
    except YamlpipeError as problem:
        problems.append(problem)
    if problems:
        raise YamlpipeErrors(problems)
    name = getattr(func, "_component_human_name", None) or component_name_for(func.__name__)
    description = getattr(func, "_component_description", None) or doc.summary
    return Interface(
        name=name,
        description=description.strip() if description else None,
        inputs=tuple(p for p in ports if not p.passing.is_output),
        outputs=(*(p for p in ports if p.passing.is_output), *returned),
        returns_tuple=is_tuple,
    )


def _arg_nodes(node: ast.FunctionDef) -> dict[str, ast.arg]:
    args = node.args
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return {a.arg: a for a in [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]}


def _iter_parameter_ports(
    source: FunctionSource, doc: Docstring, problems: list[YamlpipeError]
) -> Iterator[Port]:
    nodes = _arg_nodes(source.node)
    taken: dict[bool, set[str]] = {True: set(), False: set()}
    for parameter in inspect.signature(source.func).parameters.values():
        node = nodes.get(parameter.name, source.node)
        loc = source.loc(node)
        try:
            _check_parameter_kind(parameter, loc)
            annotation = _evaluate(parameter.annotation, source, loc)
            port = _parameter_port(parameter, annotation, loc, doc)
        except YamlpipeError as problem:
            problems.append(problem)
            continue
        names = taken[port.passing.is_output]
        port = _renamed(port, unique_name(port.name, names, "_"))
        names.add(port.name)
        yield port


def _renamed(port: Port, name: str) -> Port:
    return port if port.name == name else dataclasses.replace(port, name=name)


def _check_parameter_kind(parameter: inspect.Parameter, loc: Location) -> None:
    kind = parameter.kind
    if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
        stars = "*" if kind is inspect.Parameter.VAR_POSITIONAL else "**"
        raise YamlpipeError(
            loc,
            f"parameter {stars}{parameter.name}: a component has a fixed set of named inputs",
            "declare each input as its own parameter",
        )
    if kind is inspect.Parameter.POSITIONAL_ONLY:
        raise YamlpipeError(
            loc,
            f"parameter {parameter.name!r} is positional-only; the component passes "
            "arguments by name",
            "remove the `/` from the parameter list",
        )


def _evaluate(annotation: Any, source: FunctionSource, loc: Location) -> Any:
    """Annotations written as strings (`from __future__ import annotations`) are evaluated
    in the function's module, as Python itself would; one that names nothing there (KFP's
    `'UI_metadata'`, `'URI'`, ...) is a KFP type name, as KFP reads it."""
    if not isinstance(annotation, str):
        return annotation
    try:
        return eval(annotation, source.func.__globals__, {})
    except Exception:
        return KfpTypeName(annotation)


class KfpTypeName(str):
    """A type written as a string that is no Python name: KFP's type name, passed as text."""


def _file_passing(annotation: Any) -> Passing | None:
    """InputPath & co., also when they are KFP's own classes of the same names."""
    passing = getattr(annotation, "passing", None)
    if isinstance(passing, Passing):
        return passing
    if hasattr(annotation, "type") and not isinstance(annotation, type):
        return _PASSING_BY_NAME.get(type(annotation).__name__)
    return None


def _parameter_port(
    parameter: inspect.Parameter, annotation: Any, loc: Location, doc: Docstring
) -> Port:
    passing = _file_passing(annotation)
    description = doc.params.get(parameter.name)
    has_default = parameter.default is not inspect.Parameter.empty
    if passing is not None:
        if has_default and (passing is not Passing.INPUT_PATH or parameter.default is not None):
            raise YamlpipeError(
                loc,
                f"parameter {parameter.name!r}: a file input may only default to None, "
                "and an output has no default",
                "remove the default",
            )
        type_spec = _file_type(annotation.type, loc)
        name = _port_name(parameter.name, passing)
        return Port(name, parameter.name, passing, type_spec, description, optional=has_default)
    type_spec = value_type(annotation, loc, f"parameter {parameter.name!r}")
    default = _serialize_default(parameter, type_spec, loc) if has_default else None
    return Port(
        parameter.name, parameter.name, Passing.VALUE, type_spec, description, has_default, default
    )


def _port_name(parameter: str, passing: Passing) -> str:
    """KFP drops `_path` (InputPath/OutputPath only) and then `_file` from file port names."""
    name = parameter
    if passing in (Passing.INPUT_PATH, Passing.OUTPUT_PATH) and name.endswith("_path"):
        name = name[: -len("_path")]
    if name.endswith("_file"):
        name = name[: -len("_file")]
    return name


def _file_type(spec: Any, loc: Location) -> TypeSpec:
    if spec is None or isinstance(spec, str | dict):
        return spec or None
    if isinstance(spec, type):
        return PYTHON_TYPES.get(spec, spec.__name__)
    raise YamlpipeError(
        loc,
        f"a file's type is a name or a one-key map, not {spec!r}",
        "write e.g. InputPath('CSV') or OutputPath({'GCSPath': {'data_type': 'CSV'}})",
    )


def _strip_optional(annotation: Any) -> Any:
    """`Optional[int]` and `int | None` -> `int`."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        members = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(members) == 1:
            return members[0]
    return annotation


def value_type(annotation: Any, loc: Location, what: str, hint: str = VALUE_TYPE_HINT) -> TypeSpec:
    """The KFP type of a value passed by value; anything else is an unsupported annotation."""
    if annotation is inspect.Parameter.empty:
        return None
    if isinstance(annotation, KfpTypeName):
        return type_name(str(annotation))
    plain = _strip_optional(annotation)
    origin = typing.get_origin(plain)
    candidate = origin if origin in (list, dict) else plain
    if isinstance(candidate, type) and candidate in PYTHON_TYPES:
        return PYTHON_TYPES[candidate]
    raise YamlpipeError(loc, f"{what}: unsupported annotation {_show(annotation)}", hint)


def _show(annotation: Any) -> str:
    if isinstance(annotation, type):
        return annotation.__qualname__
    return repr(annotation).replace("typing.", "")


def _serialize_default(
    parameter: inspect.Parameter, type_spec: TypeSpec, loc: Location
) -> str | None:
    """A default as the command-line text KFP would pass (None: optional, no default)."""
    value = parameter.default
    if value is None:
        return None
    kind = type_spec if isinstance(type_spec, str) else _kind_of_value(value)
    try:
        text = serialize_value(value, kind)
    except ValueError:  # Python writes integers of up to 4,300 digits
        raise YamlpipeError(
            loc,
            f"the default of parameter {parameter.name!r} is too large to write as text",
            "give a smaller default, or None and compute the value in the function",
        ) from None
    if text is None:
        raise YamlpipeError(
            loc,
            f"the default {_short_repr(value)} of parameter {parameter.name!r} does not fit "
            f"type {kind}",
            "give a default of the annotated type, or None",
        )
    return text


def _short_repr(value: Any, width: int = 60) -> str:
    """repr() for a message: cut to `width` characters, and never failing."""
    try:
        text = repr(value)
    except ValueError:
        return f"<a {type(value).__name__} too large to show>"
    return text if len(text) <= width else text[: width - 3] + "..."


def _kind_of_value(value: Any) -> str:
    return PYTHON_TYPES.get(type(value), "String")


def serialize_value(value: Any, kind: str | None) -> str | None:
    """A Python value as command-line text for a KFP type; None when it does not fit."""
    check = _SERIALIZERS.get(kind or "String")
    if check is None and isinstance(value, str):
        return value  # an opaque KFP type: text is taken as it is, as KFP does
    return check(value) if check else None


def _exact(*kinds: type) -> Callable[[Any], str | None]:
    def serialize(value: Any) -> str | None:
        if isinstance(value, bool) and bool not in kinds:
            return None
        return str(value) if isinstance(value, kinds) else None

    return serialize


def _json(kind: type) -> Callable[[Any], str | None]:
    def serialize(value: Any) -> str | None:
        return json.dumps(value, sort_keys=True) if isinstance(value, kind) else None

    return serialize


_SERIALIZERS: dict[str, Callable[[Any], str | None]] = {
    "String": _exact(str),
    "Integer": _exact(int),
    "Float": _exact(int, float),
    "Boolean": _exact(bool),
    "JsonArray": _json(list),
    "JsonObject": _json(dict),
}


def _return_ports(source: FunctionSource, taken: set[str]) -> tuple[list[Port], bool]:
    """Outputs from the return annotation: one `Output`, or one per NamedTuple field."""
    func = source.func
    node = source.node.returns or source.node
    loc = source.loc(node)
    annotation = _evaluate(inspect.signature(func).return_annotation, source, loc)
    if annotation in (inspect.Signature.empty, None, type(None)):
        return [], False
    fields = getattr(annotation, "_fields", None)
    if fields is None:
        spec = value_type(annotation, loc, "the return value", RETURN_TYPE_HINT)
        name = unique_name(SINGLE_OUTPUT, taken, "_")
        return [Port(name, SINGLE_OUTPUT, Passing.RETURN, spec)], False
    hints = getattr(annotation, "__annotations__", {})
    ports = []
    for field in fields:
        hint = hints.get(field, inspect.Parameter.empty)
        spec = value_type(hint, loc, f"returned field {field!r}", RETURN_TYPE_HINT)
        name = unique_name(field, taken, "_")
        taken.add(name)
        ports.append(Port(name, field, Passing.RETURN, spec))
    return ports, True
