"""The component generator: Python functions -> KFP v1 components that validate, load in kfp
1.8.22, match kfp's own generator, and actually run.

The running tests execute each generated component's command and args as a local
subprocess, with placeholders replaced by temporary paths and values, and read the output
files, as a KFP pod would.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest

from yamlpipe.components import create_component_from_func, load_component_from_file
from yamlpipe.errors import YamlpipeError, YamlpipeErrors
from yamlpipe.generate import component_from_function
from yamlpipe.generate.image import build_context_for, write_build_context
from yamlpipe.load import load_text
from yamlpipe.load.yamltext import read_yaml

from helpers import KFP_VERSION, kfp_python, run_cli

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "generate"
sys.path.insert(0, str(FIXTURES))

import bad_functions  # noqa: E402
import functions  # noqa: E402

FUNCTION_NAMES = [
    "add",
    "repeat",
    "summarize",
    "count_lines",
    "transform",
    "scale_matrix",
    "no_output",
]


# ---- running a component the way a pod would ------------------------------------------------


Paths = tuple[Mapping[str, str], Mapping[str, str]]
"""(input paths, output paths) by name: inputs and outputs may share a name."""


def resolve_args(items: list[Any], values: Mapping[str, str], paths: Paths) -> list[str]:
    """Command-line items with placeholders replaced: values by text, inputs and outputs by
    file paths; `if isPresent` follows whether the input was given."""
    inputs, outputs = paths
    resolved: list[str] = []
    for item in items:
        if isinstance(item, str):
            resolved.append(item)
        elif "inputValue" in item:
            resolved.append(values[item["inputValue"]])
        elif "inputPath" in item:
            resolved.append(inputs[item["inputPath"]])
        elif "outputPath" in item:
            resolved.append(outputs[item["outputPath"]])
        elif "concat" in item:
            resolved.append("".join(resolve_args(item["concat"], values, paths)))
        elif "if" in item:
            branch = item["if"]
            name = branch["cond"]["isPresent"]
            chosen = branch["then"] if name in values or name in inputs else branch.get("else", [])
            chosen = chosen if isinstance(chosen, list) else [chosen]
            resolved.extend(resolve_args(chosen, values, paths))
        else:
            raise AssertionError(f"unexpected placeholder {item!r}")
    return resolved


def run_component(
    data: dict[str, Any],
    tmp_path: Path,
    values: Mapping[str, str] | None = None,
    files: Mapping[str, str | bytes] | None = None,
) -> tuple[dict[str, bytes], str]:
    """Run the component's container command locally; returns output file contents and stdout."""
    container = data["implementation"]["container"]
    inputs: dict[str, str] = {}
    for name, content in (files or {}).items():
        path = tmp_path / "inputs" / name / "data"
        path.parent.mkdir(parents=True)
        path.write_bytes(content if isinstance(content, bytes) else content.encode())
        inputs[name] = str(path)
    names = [o["name"] for o in data.get("outputs", [])]
    outputs = {name: str(tmp_path / "outputs" / name / "data") for name in names}
    argv = resolve_args(container["command"], values or {}, (inputs, outputs))
    argv += resolve_args(container.get("args", []), values or {}, (inputs, outputs))
    proc = subprocess.run(argv, capture_output=True, text=True, timeout=60, check=False)
    assert proc.returncode == 0, f"component failed:\n{proc.stderr}"
    return {name: Path(outputs[name]).read_bytes() for name in names}, proc.stdout


def generated(func: Callable[..., Any], **kwargs: Any) -> dict[str, Any]:
    component = component_from_function(func, **kwargs)
    return component.data


def text_of(outputs: dict[str, bytes]) -> dict[str, str]:
    return {k: v.decode() for k, v in outputs.items()}


def test_add_runs_with_and_without_the_optional_input(tmp_path: Path) -> None:
    data = generated(functions.add)
    given, _ = run_component(data, tmp_path / "1", {"a": "2", "b": "3.5"})
    assert text_of(given) == {"Output": "5.5"}
    default, _ = run_component(data, tmp_path / "2", {"a": "2"})
    assert text_of(default) == {"Output": "3.5"}


def test_repeat_parses_integers_and_booleans(tmp_path: Path) -> None:
    data = generated(functions.repeat)
    out, _ = run_component(data, tmp_path / "1", {"text": "ab", "times": "3", "shout": "True"})
    assert text_of(out) == {"Output": "ABABAB"}
    out, _ = run_component(data, tmp_path / "2", {"text": "ab", "shout": "false"})
    assert text_of(out) == {"Output": "abab"}


def test_summarize_writes_one_output_per_namedtuple_field(tmp_path: Path) -> None:
    data = generated(functions.summarize)
    values = {"numbers": "[3, 1, 2]", "weights": '{"0": 2}'}
    out = text_of(run_component(data, tmp_path, values)[0])
    assert out["total"] == "9.0"
    assert out["count"] == "3"
    assert json.loads(out["stats"]) == {"max": 6, "min": 1}
    assert json.loads(out["sorted"]) == [1, 2, 6]


def test_count_lines_reads_an_input_path_and_writes_an_output_path(tmp_path: Path) -> None:
    data = generated(functions.count_lines)
    csv = "name,size\na,1\nb,2\nc,3\n"
    out = text_of(run_component(data, tmp_path / "1", {}, {"data": csv})[0])
    assert out["Output"] == "3"
    assert json.loads(out["report"]) == {"header": True, "rows": 3}
    out = text_of(run_component(data, tmp_path / "2", {"header": "False"}, {"data": csv})[0])
    assert json.loads(out["report"]) == {"header": False, "rows": 4}


def test_transform_uses_open_files_and_an_optional_input_path(tmp_path: Path) -> None:
    data = generated(functions.transform)
    out, _ = run_component(data, tmp_path / "1", {"suffix": "!"}, {"source": "héllo"})
    assert out == {"blob": "héllo!".encode()}
    out, _ = run_component(data, tmp_path / "2", {}, {"source": "a", "notes": "+notes"})
    assert out == {"blob": b"a+notes"}


def test_scale_matrix_returns_json_and_booleans(tmp_path: Path) -> None:
    data = generated(functions.scale_matrix)
    out = text_of(run_component(data, tmp_path, {"matrix": "[[1, 2], [3, 4]]", "factor": "3"})[0])
    assert json.loads(out["matrix"]) == [[3, 6], [9, 12]]
    assert json.loads(out["meta"]) == {"factor": 3, "unit": "m"}
    assert out["ok"] == "True"


def test_function_without_outputs_runs(tmp_path: Path) -> None:
    _, stdout = run_component(generated(functions.no_output), tmp_path, {"message": "hi there"})
    assert stdout == "hi there\n"


# ---- what the generated files look like -------------------------------------------------------


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_generated_components_validate(name: str) -> None:
    component = component_from_function(getattr(functions, name))
    result = load_text(component.text, f"{name}.yaml")
    assert not result.problems, [str(p) for p in result.problems]


@pytest.mark.parametrize("name", FUNCTION_NAMES)
def test_output_is_byte_identical_for_the_same_function(name: str) -> None:
    first = component_from_function(getattr(functions, name), packages_to_install=["six==1.16"])
    second = component_from_function(getattr(functions, name), packages_to_install=["six==1.16"])
    assert first.text == second.text


def test_interface_follows_kfp_rules() -> None:
    data = generated(functions.count_lines)
    assert data["name"] == "Count lines"
    assert data["description"] == "Count the rows of a CSV file and write a JSON report."
    assert data["inputs"] == [
        {"name": "data", "type": "CSV"},
        {"name": "header", "type": "Boolean", "default": "True", "optional": True},
    ]
    assert data["outputs"] == [
        {"name": "report", "type": "JsonObject"},
        {"name": "Output", "type": "Integer"},
    ]
    args = data["implementation"]["container"]["args"]
    assert args[:2] == ["--data", {"inputPath": "data"}]
    assert args[2] == {
        "if": {"cond": {"isPresent": "header"}, "then": ["--header", {"inputValue": "header"}]}
    }
    assert args[3:] == [
        "--report",
        {"outputPath": "report"},
        "----output-paths",
        {"outputPath": "Output"},
    ]


def test_docstring_args_describe_inputs() -> None:
    data = generated(functions.add)
    assert [i.get("description") for i in data["inputs"]] == [
        "The first number.",
        "The second number.",
    ]


def test_packages_are_installed_before_the_program() -> None:
    data = generated(functions.add, packages_to_install=["pandas==2.2.3", "scikit-learn>=1.5"])
    script = data["implementation"]["container"]["command"][2]
    assert (
        "python3 -m pip install --quiet --no-warn-script-location pandas==2.2.3 'scikit-learn>=1.5'"
        in script
    )
    assert script.index("pip install") < script.index("python3 -u")


def test_base_image_and_annotations() -> None:
    data = generated(functions.add, base_image="python:3.12-slim", annotations={"author": "me"})
    assert data["implementation"]["container"]["image"] == "python:3.12-slim"
    assert data["metadata"] == {"annotations": {"author": "me"}}


def test_program_has_no_type_hints_and_no_decorators() -> None:
    program = component_from_function(functions.transform).program
    assert (
        "def transform(\n    source_file,\n    blob_file,\n    suffix=None,\n"
        "    notes_path=None,\n):" in program
    )
    assert "InputTextFile" not in program


def test_create_component_from_func_writes_the_file_and_returns_a_factory(tmp_path: Path) -> None:
    target = tmp_path / "add.yaml"
    factory = create_component_from_func(functions.add, output_component_file=str(target))
    # KFP's default base image, so that a migrated program compiles to what KFP compiled.
    assert target.read_text() == component_from_function(functions.add, "python:3.7").text
    assert list(factory.__signature__.parameters) == ["a", "b"]
    loaded = load_component_from_file(target)
    assert loaded.component_spec.text == target.read_text()


# ---- kfp 1.8.22 agrees ------------------------------------------------------------------------


def run_kfp(script: str, *args: str) -> Any:
    python = kfp_python()
    proc = subprocess.run(
        [str(python), str(REPO / "tests" / "interop" / script), *args],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
        cwd=REPO,
    )
    assert proc.returncode == 0, proc.stderr
    assert f"kfp=={KFP_VERSION}" in proc.stderr
    return json.loads(proc.stdout)


def test_kfp_loads_every_generated_component(tmp_path: Path) -> None:
    files = []
    for name in FUNCTION_NAMES:
        path = tmp_path / f"{name}.yaml"
        path.write_text(
            component_from_function(getattr(functions, name), packages_to_install=["six"]).text
        )
        files.append(str(path))
    report = run_kfp("kfp_load.py", *files)
    assert {f: r["error"] for f, r in report.items() if not r["ok"]} == {}


def test_interfaces_match_kfps_own_generator() -> None:
    theirs = run_kfp("kfp_generate.py", str(FIXTURES / "functions.py"), *FUNCTION_NAMES)
    for name in FUNCTION_NAMES:
        ours = component_from_function(getattr(functions, name)).data
        for key in ("name", "description", "inputs", "outputs"):
            assert ours.get(key) == theirs[name].get(key), f"{name}: {key}"


# ---- bad input: our error, not a traceback ----------------------------------------------------

BAD = {
    "square": "a lambda cannot become a component",
    "with_args": "parameter *args: a component has a fixed set of named inputs",
    "with_kwargs": "parameter **options: a component has a fixed set of named inputs",
    "unsupported": "parameter 'values': unsupported annotation set",
    "unsupported_union": "parameter 'value': unsupported annotation Union[int, str]",
    "unsupported_return": "the return value: unsupported annotation tuple",
    "uses_module_import": "uses 'json', a module imported outside the function",
    "uses_global": "uses 'THRESHOLD', a global variable defined outside the function",
    "uses_closure": "uses 'offset', a variable of the enclosing function",
    "path_with_default": "a file input may only default to None",
    "wrong_default": "the default 'three' of parameter 'count' does not fit type Integer",
    "asynchronous": "is an async function",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_functions_get_a_located_error(name: str) -> None:
    with pytest.raises(YamlpipeError) as caught:
        component_from_function(getattr(bad_functions, name))
    problems = list(caught.value) if isinstance(caught.value, YamlpipeErrors) else [caught.value]
    assert any(BAD[name] in p.message for p in problems), [p.message for p in problems]
    assert all(
        p.location.file.endswith("bad_functions.py") and p.location.line > 0 for p in problems
    )


def test_outside_name_points_at_the_use_with_the_hint() -> None:
    with pytest.raises(YamlpipeError) as caught:
        component_from_function(bad_functions.uses_module_import)
    problem = next(iter(caught.value))
    source = (FIXTURES / "bad_functions.py").read_text().splitlines()
    line = source[problem.location.line - 1]
    assert line[problem.location.column - 1 :].startswith("json.loads")
    assert problem.hint is not None and problem.hint.startswith("import it inside the function")


# ---- the CLI --------------------------------------------------------------------------------


def test_cli_writes_the_same_bytes_twice(tmp_path: Path) -> None:
    for out in ("a.yaml", "b.yaml"):
        proc = run_cli(
            "generate", "component", "tests/generate/functions.py:summarize",
            "-o", str(tmp_path / out), "--packages", "numpy==2.1.0", "--base-image", "python:3.12",
        )  # fmt: skip
        assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    assert "numpy==2.1.0" in (tmp_path / "a.yaml").read_text()
    check = run_cli("validate", "--strict", str(tmp_path / "a.yaml"))
    assert check.returncode == 0, check.stdout


def test_cli_prints_to_stdout() -> None:
    proc = run_cli("generate", "component", "tests/generate/functions.py:add")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == component_from_function(functions.add).text


def test_cli_reports_a_non_self_contained_function() -> None:
    proc = run_cli("generate", "component", "tests/generate/bad_functions.py:uses_global")
    assert proc.returncode == 1
    assert (
        "tests/generate/bad_functions.py:38:20: error: function 'uses_global' uses 'THRESHOLD'"
        in proc.stderr
    )
    assert "hint: import it inside the function" in proc.stderr
    assert proc.stdout == ""
    assert "Traceback" not in proc.stdout + proc.stderr


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("tests/generate/functions.py:nope", "has no function 'nope'"),
        ("tests/generate/functions.py", "which function?"),
        ("tests/generate/missing.py:f", "no such Python file"),
    ],
)
def test_cli_bad_targets(target: str, message: str) -> None:
    proc = run_cli("generate", "component", target)
    assert proc.returncode == 2, "a target that names no function is a usage mistake"
    assert message in proc.stderr


# ---- a module that misbehaves while it is imported -------------------------------------------


def write_module(folder: Path, text: str) -> Path:
    path = folder / "steps.py"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_print_at_import_does_not_corrupt_the_yaml_on_stdout(tmp_path: Path) -> None:
    """yamlpipe imports the module, as KFP does: its top-level code runs, and its output
    used to land in the YAML that stdout carries."""
    path = write_module(
        tmp_path, 'print("hello from import")\n\ndef f(a: int) -> int:\n    return a\n'
    )
    proc = run_cli("generate", "component", f"{path}:f")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("name: F\n")
    assert "hello from import" in proc.stderr and "hello" not in proc.stdout


@pytest.mark.parametrize(
    ("top", "call", "line"),
    [("import os\nos._exit(0)\n", "os._exit(0)", 2), ("raise SystemExit(0)\n", "sys.exit(0)", 1)],
)
def test_ending_the_process_at_import_is_an_error_not_a_silent_exit_0(
    tmp_path: Path, top: str, call: str, line: int
) -> None:
    path = write_module(tmp_path, top + "\ndef f(a: int) -> int:\n    return a\n")
    proc = run_cli("generate", "component", f"{path}:f")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    expected = f"{path}:{line}:1: error: importing {path} calls {call}, which would end yamlpipe"
    assert expected in proc.stderr


def test_ending_the_process_in_a_pipeline_function_is_an_error(tmp_path: Path) -> None:
    path = write_module(
        tmp_path,
        "import sys\nfrom yamlpipe import dsl\n\n@dsl.pipeline(name='p')\ndef p():\n"
        "    sys.exit(0)\n",
    )
    proc = run_cli("generate", "pipeline", f"{path}:p")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{path}:6:5: error: pipeline function 'p' calls sys.exit(0)" in proc.stderr


def test_a_module_importing_a_missing_package_says_what_to_install(tmp_path: Path) -> None:
    """The hint spoke of pipelines ("the function runs once, with placeholders") for a
    component's module that imports a package not installed here."""
    path = write_module(
        tmp_path, "import pandas_not_here.io\n\ndef f(a: int) -> int:\n    return a\n"
    )
    proc = run_cli("generate", "component", f"{path}:f")
    assert proc.returncode == 1, proc.stderr
    assert f"{path}:1:1: error: running {path} raised ModuleNotFoundError" in proc.stderr
    assert "install 'pandas_not_here', or import it inside the function" in proc.stderr
    assert "placeholders" not in proc.stderr
    broken = write_module(tmp_path, "X = 1 / 0\n\ndef f(a: int) -> int:\n    return a\n")
    proc = run_cli("generate", "component", f"{broken}:f")
    assert "yamlpipe imports" in proc.stderr and "top-level code" in proc.stderr
    assert "placeholders" not in proc.stderr


def test_a_parameter_named_help_runs(tmp_path: Path) -> None:
    """argparse's own --help clashed with it: the program crashed before the function ran."""
    path = write_module(
        tmp_path, "def shout(help: str, times: int = 1) -> str:\n    return help.upper() * times\n"
    )
    proc = run_cli("generate", "component", f"{path}:shout")
    assert proc.returncode == 0, proc.stderr
    assert load_text(proc.stdout, "c.yaml").ok
    data = read_yaml(proc.stdout, "c.yaml").data
    out, _ = run_component(data, tmp_path, {"help": "hi", "times": "2"})
    assert text_of(out) == {"Output": "HIHI"}


def test_a_default_too_large_to_write_is_a_located_error(tmp_path: Path) -> None:
    path = write_module(tmp_path, "def f(x: int = 10**5000) -> int:\n    return x\n")
    proc = run_cli("generate", "component", f"{path}:f")
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert f"{path}:1:7: error: the default of parameter 'x' is too large to write" in (proc.stderr)


# ---- image from Python code -------------------------------------------------------------------


def test_build_context_is_complete_and_its_program_runs(tmp_path: Path) -> None:
    component = component_from_function(
        functions.count_lines, packages_to_install=["six==1.16.0"], image="registry.example/count:1"
    )
    folder = tmp_path / "context"
    write_build_context(build_context_for(component), folder)
    dockerfile = (folder / "Dockerfile").read_text()
    copied = [line.split()[1] for line in dockerfile.splitlines() if line.startswith("COPY")]
    assert sorted(copied) == ["program.py", "requirements.txt"]
    assert all((folder / name).is_file() for name in copied)
    assert (folder / "requirements.txt").read_text() == "six==1.16.0\n"
    assert dockerfile.startswith("FROM python:3.11\n")
    container = component.data["implementation"]["container"]
    assert container["image"] == "registry.example/count:1"
    assert container["command"] == ["python3", "-u", "/yamlpipe/program.py"]
    data_file = tmp_path / "data.csv"
    data_file.write_text("h\n1\n2\n")
    outputs = {"report": str(tmp_path / "r/data"), "Output": str(tmp_path / "o/data")}
    args = resolve_args(container["args"], {}, ({"data": str(data_file)}, outputs))
    proc = subprocess.run(
        ["python3", str(folder / "program.py"), *args], capture_output=True, text=True, check=False
    )
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / "o/data").read_text() == "2"
    assert json.loads((tmp_path / "r/data").read_text()) == {"header": True, "rows": 2}


def test_cli_build_says_plainly_when_no_docker_engine_answers(tmp_path: Path) -> None:
    # DOCKER_HOST names a socket where nothing listens, so an engine running here is not asked
    proc = run_cli(
        "generate", "component", "tests/generate/functions.py:add",
        "-o", str(tmp_path / "add.yaml"), "--dockerfile", str(tmp_path / "ctx"),
        "--image", "example/add:1", "--build",
        env={"DOCKER_HOST": f"unix://{tmp_path / 'no-engine.sock'}"},
    )  # fmt: skip
    assert proc.returncode == 1
    assert "error: no Docker engine found" in proc.stderr
    assert "the image 'example/add:1' was not built" in proc.stderr
    assert f"docker build -t example/add:1 {tmp_path / 'ctx'}" in proc.stderr
    assert (tmp_path / "ctx" / "Dockerfile").is_file()


def test_cli_dockerfile_needs_an_image() -> None:
    proc = run_cli("generate", "component", "tests/generate/functions.py:add", "--dockerfile", "x")
    assert proc.returncode == 2
    assert "--dockerfile and --image go together" in proc.stderr
