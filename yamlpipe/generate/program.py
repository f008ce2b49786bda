"""The program a function component runs: the function's source, a command-line parser for
its inputs, and code that writes its return value to the output files.

The command-line shape is KFP v1's (`--input-name VALUE`, `----output-paths P...`), so the
component reads like any KFP lightweight component; the code is yamlpipe's own and needs
nothing beyond the Python standard library (no distutils, so it runs on Python 3.12+).
"""

from __future__ import annotations

from yamlpipe.generate.signature import Interface, Passing, Port

OUTPUT_PATHS_FLAG = "----output-paths"

_PARSE_BOOL = """
def _parse_bool(text):
    value = str(text).strip().lower()
    if value in ("true", "t", "yes", "y", "on", "1"):
        return True
    if value in ("false", "f", "no", "n", "off", "0"):
        return False
    raise ValueError("not a boolean: " + repr(text))
"""

_OUTPUT_PATH = """
def _output_path(path):
    import os
    os.makedirs(os.path.dirname(path) or ".", exist_ok=True)
    return path
"""

_OUTPUT_FILE = """
def _output_file(mode):
    def open_output(path):
        return open(_output_path(path), mode)
    return open_output
"""

_WRITE_OUTPUTS = """
def _write_outputs(values, paths, types):
    import json
    if len(values) != len(paths):
        raise ValueError("expected %d return values, got %d" % (len(paths), len(values)))
    for value, path, type_name in zip(values, paths, types):
        if type_name in ("JsonArray", "JsonObject") and not isinstance(value, str):
            text = json.dumps(value, sort_keys=True)
        else:
            text = str(value)
        with open(_output_path(path), "w") as stream:
            stream.write(text)
"""

_VALUE_PARSERS = {
    "String": "str",
    "Integer": "int",
    "Float": "float",
    "Boolean": "_parse_bool",
    "JsonArray": "json.loads",
    "JsonObject": "json.loads",
}
_FILE_PARSERS = {
    Passing.INPUT_PATH: "str",
    Passing.INPUT_TEXT: "argparse.FileType('rt')",
    Passing.INPUT_BINARY: "argparse.FileType('rb')",
    Passing.OUTPUT_PATH: "_output_path",
    Passing.OUTPUT_TEXT: "_output_file('wt')",
    Passing.OUTPUT_BINARY: "_output_file('wb')",
}
_HELPERS_FOR = {
    "_parse_bool": (_PARSE_BOOL,),
    "_output_path": (_OUTPUT_PATH,),
    "_output_file('wt')": (_OUTPUT_PATH, _OUTPUT_FILE),
    "_output_file('wb')": (_OUTPUT_PATH, _OUTPUT_FILE),
}


def flag_for(port: Port) -> str:
    """The command-line flag of a port: `--` and the name with `_` as `-`."""
    return "--" + port.name.replace("_", "-")


def parser_for(port: Port) -> str:
    """The argparse `type=` of a port: how the text on the command line becomes a value."""
    if port.passing.is_file:
        return _FILE_PARSERS[port.passing]
    kind = port.type if isinstance(port.type, str) else None
    return _VALUE_PARSERS.get(kind or "", "str")


def build_program(interface: Interface, function_source: str, function_name: str) -> str:
    """The whole program text, deterministic for a given function."""
    ports = [*interface.inputs, *interface.file_outputs]
    parsers = [parser_for(p) for p in ports]
    needs_json = "json.loads" in parsers
    helpers = _helpers(parsers, bool(interface.returned))
    sections = [
        "import argparse" + ("\nimport json" if needs_json else ""),
        *helpers,
        function_source,
        _parser_code(interface, ports, parsers),
        _call_code(interface, function_name),
    ]
    return "\n\n".join(s.strip("\n") for s in sections if s.strip()) + "\n"


def _helpers(parsers: list[str], writes_returns: bool) -> list[str]:
    wanted: list[str] = []
    for parser in parsers:
        wanted.extend(_HELPERS_FOR.get(parser, ()))
    if writes_returns:
        wanted.extend((_OUTPUT_PATH, _WRITE_OUTPUTS))
    order = (_PARSE_BOOL, _OUTPUT_PATH, _OUTPUT_FILE, _WRITE_OUTPUTS)
    return [h for h in order if h in wanted]


def _parser_code(interface: Interface, ports: list[Port], parsers: list[str]) -> str:
    lines = [  # no -h/--help of its own: an input may be called `help`
        f"_parser = argparse.ArgumentParser(prog={interface.name!r}, "
        f"description={interface.description or ''!r}, add_help=False)"
    ]
    for port, parser in zip(ports, parsers, strict=True):
        required = port.passing.is_output or not port.optional
        lines.append(
            f'_parser.add_argument("{flag_for(port)}", dest="{port.parameter}", type={parser}, '
            f"required={required}, default=argparse.SUPPRESS)"
        )
    if interface.returned:
        lines.append(
            f'_parser.add_argument("{OUTPUT_PATHS_FLAG}", dest="_output_paths", type=str, '
            f"nargs={len(interface.returned)})"
        )
    lines.append("_parsed_args = vars(_parser.parse_args())")
    if interface.returned:
        lines.append('_output_paths = _parsed_args.pop("_output_paths")')
    return "\n".join(lines)


def _call_code(interface: Interface, function_name: str) -> str:
    call = f"{function_name}(**_parsed_args)"
    if not interface.returned:
        return call
    values = "_outputs" if interface.returns_tuple else "[_outputs]"
    types = [p.type if isinstance(p.type, str) else None for p in interface.returned]
    return f"_outputs = {call}\n_write_outputs({values}, _output_paths, {types!r})"
