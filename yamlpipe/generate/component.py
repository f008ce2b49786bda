"""Python function -> KFP v1 component: the interface, the program, the container command."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from yamlpipe.errors import YamlpipeErrors
from yamlpipe.generate.program import OUTPUT_PATHS_FLAG, build_program, flag_for
from yamlpipe.generate.pysource import read_function_source
from yamlpipe.generate.selfcontained import iter_outside_names
from yamlpipe.generate.signature import Interface, Passing, Port, extract_interface
from yamlpipe.load import dump_yaml

DEFAULT_BASE_IMAGE = "python:3.11"
BAKED_PROGRAM = "/yamlpipe/program.py"
"""Where an image built from Python code keeps the program."""

_RUN_PROGRAM = """\
program_path=$(mktemp)
printf "%s" "$0" > "$program_path"
exec python3 -u "$program_path" "$@"
"""
_PIP = "python3 -m pip install --quiet --no-warn-script-location"

ComponentData = dict[str, Any]


@dataclass(frozen=True)
class FunctionComponent:
    """A generated component: its data (as written to YAML), the program, and its parts."""

    data: ComponentData
    program: str
    interface: Interface
    packages: tuple[str, ...]
    base_image: str

    @property
    def text(self) -> str:
        return dump_yaml(self.data)


def analyse_function(func: Callable[..., Any]) -> tuple[Interface, str]:
    """The interface and the program of a function; every problem found is raised at once."""
    source = read_function_source(func)
    problems = list(iter_outside_names(source))
    try:
        interface = extract_interface(source)
    except YamlpipeErrors as found:
        problems.extend(found)
    if problems:
        raise YamlpipeErrors(problems)
    return interface, build_program(interface, source.text_without_hints(), source.name)


def component_from_function(
    func: Callable[..., Any],
    base_image: str | None = None,
    packages_to_install: Sequence[str] = (),
    annotations: Mapping[str, str] | None = None,
    image: str | None = None,
) -> FunctionComponent:
    """A lightweight component running the function's source (KFP's create_component_from_func),
    or, with `image`, one whose program is baked into that image."""
    interface, program = analyse_function(func)
    base = base_image or getattr(func, "_component_base_image", None) or DEFAULT_BASE_IMAGE
    packages = tuple(str(p) for p in packages_to_install)
    if image is None:
        container = {
            "image": base,
            "command": lightweight_command(program, packages),
            "args": command_args(interface),
        }
    else:
        container = {
            "image": image,
            "command": ["python3", "-u", BAKED_PROGRAM],
            "args": command_args(interface),
        }
    data = _component_data(interface, annotations, container)
    return FunctionComponent(data, program, interface, packages, base)


def lightweight_command(program: str, packages: Sequence[str]) -> list[str]:
    """`sh -ec SCRIPT PROGRAM`: install the packages (if any), then run the program."""
    script = _RUN_PROGRAM
    if packages:
        quoted = " ".join(shlex.quote(p) for p in packages)
        script = (
            "export PIP_DISABLE_PIP_VERSION_CHECK=1\n"
            f"{_PIP} {quoted} || {_PIP} --user {quoted}\n" + script
        )
    return ["sh", "-ec", script, program]


def command_args(interface: Interface) -> list[Any]:
    """KFP's argument list: each input and file output as `--flag placeholder` (inside
    `if isPresent` when optional), then `----output-paths` and one path per returned value."""
    args: list[Any] = []
    for port in (*interface.inputs, *interface.file_outputs):
        pair = [flag_for(port), _placeholder(port)]
        if port.passing.is_output or not port.optional:
            args.extend(pair)
        else:
            args.append({"if": {"cond": {"isPresent": port.name}, "then": pair}})
    if interface.returned:
        args.append(OUTPUT_PATHS_FLAG)
        args.extend({"outputPath": p.name} for p in interface.returned)
    return args


def _placeholder(port: Port) -> dict[str, str]:
    if port.passing.is_output:
        return {"outputPath": port.name}
    if port.passing is Passing.VALUE:
        return {"inputValue": port.name}
    return {"inputPath": port.name}


def _component_data(
    interface: Interface, annotations: Mapping[str, str] | None, container: dict[str, Any]
) -> ComponentData:
    data: ComponentData = {"name": interface.name}
    if interface.description:
        data["description"] = interface.description
    if annotations:
        data["metadata"] = {"annotations": {str(k): str(v) for k, v in annotations.items()}}
    if interface.inputs:
        data["inputs"] = [_port_data(p) for p in interface.inputs]
    if interface.outputs:
        data["outputs"] = [_port_data(p) for p in interface.outputs]
    data["implementation"] = {"container": container}
    return data


def _port_data(port: Port) -> dict[str, Any]:
    entries: Iterable[tuple[str, Any]] = (
        ("name", port.name),
        ("type", port.type),
        ("description", port.description),
        ("default", port.default),
        ("optional", True if port.optional and not port.passing.is_output else None),
    )
    return {key: value for key, value in entries if value is not None}
