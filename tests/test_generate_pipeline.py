"""The Python DSL: pipeline functions -> pipeline YAML that validates like a hand-written file;
bad pipeline code -> located errors, never tracebacks."""

from __future__ import annotations

import subprocess
import sys
import threading
import zipfile
from pathlib import Path
from typing import Any, ClassVar

import pytest

from yamlpipe import dsl
from yamlpipe.api.generate import Compiler, pipeline_from_function
from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.generate.dsl.context import current_builder
from yamlpipe.generate.dsl.k8s import env_entry, plain, toleration_entry
from yamlpipe.load.yamltext import read_yaml

from helpers import ROOT, run_cli

REPO = Path(__file__).resolve().parent.parent
FIXTURES = REPO / "tests" / "generate"


@pytest.fixture
def pipelines(monkeypatch: pytest.MonkeyPatch) -> Any:
    """tests/generate/pipelines.py, imported from its own folder (its paths are relative)."""
    monkeypatch.chdir(FIXTURES)
    monkeypatch.syspath_prepend(str(FIXTURES))
    sys.modules.pop("pipelines", None)
    import pipelines as module

    return module


def emit(func: Any, base: Path) -> dict[str, Any]:
    data: dict[str, Any] = read_yaml(pipeline_from_function(func, base).text, "<t>").data
    return data


def test_settings_inputs_and_component_references(pipelines: Any, tmp_path: Path) -> None:
    emitted = pipeline_from_function(pipelines.settings_pipeline, FIXTURES / "out")
    data = read_yaml(emitted.text, "<t>").data
    assert data["description"] == "Workflow settings and a loaded component."
    assert data["inputs"] == [
        {"name": "count", "type": "Integer", "description": "How many.", "default": 2},
        {"name": "label", "type": "String", "description": "What to call it.", "default": "run"},
    ]
    assert data["settings"] == {
        "parallelism": 4,
        "ttl": "1h",
        "timeout": "1d",
        "image_pull_secrets": ["regcred"],
    }
    assert data["tasks"]["double"] == {
        "component": "components/double.yaml",
        "arguments": {"x": "${{ inputs.count }}"},
    }
    printed = data["tasks"]["print-message"]
    assert printed["component"] == "../../../components/print-message/component.yaml"
    assert printed["arguments"]["message"] == (
        "${{ inputs.label }}: ${{ tasks.double.outputs.Output }} on ${{ workflow.uid }}"
    )
    assert list(emitted.components) == ["components/double.yaml"]


def line_of(text: str) -> int:
    """The line of tests/generate/pipelines.py holding `text` (errors point there)."""
    lines = (FIXTURES / "pipelines.py").read_text().splitlines()
    return next(i for i, line in enumerate(lines, 1) if text in line)


ERRORS = {
    "recursive": ("halve(half.output)", "graph component 'halve' calls itself"),
    "volume_in_condition": ("dsl.VolumeOp(", "a VolumeOp inside dsl.Condition"),
    "raises": ("raise ValueError", "pipeline function 'raises' raised ValueError: no good"),
    "unsupported": (
        "add_init_container",
        "ContainerOp.add_init_container is not supported by yamlpipe",
    ),
    "volume_value": ('vop.outputs["size"]', "the 'size' of volume 'vol' cannot be used"),
    "item_outside_loop": ("double_op(item)", "a ParallelFor item is used outside its loop"),
    "bad_argument": ("double_op(y=3)", "component 'Double': missing a required argument: 'x'"),
    "empty": ('@dsl.pipeline(name="empty")', "pipeline 'empty' creates no tasks"),
}


@pytest.mark.parametrize("name", sorted(ERRORS))
def test_bad_pipelines_get_located_errors(pipelines: Any, name: str) -> None:
    text, message = ERRORS[name]
    line = line_of(text)
    with pytest.raises(YamlpipeError) as caught:
        pipeline_from_function(getattr(pipelines, name), FIXTURES)
    assert message in caught.value.message
    assert (caught.value.location.file, caught.value.location.line) == ("pipelines.py", line)
    assert current_builder() is None


def test_inline_container_resource_and_exit_handler(tmp_path: Path) -> None:
    @dsl.pipeline(name="inline")
    def inline(n: int = 3) -> None:
        bye = dsl.ContainerOp(name="bye", image="alpine", command=["echo", "{{workflow.status}}"])
        with dsl.ExitHandler(bye):
            step = dsl.ContainerOp(
                name="Step One",
                image="alpine:3.20",
                command=["sh", "-c"],
                arguments=[f"echo {n} > /tmp/out", 5, True],
                file_outputs={"out": "/tmp/out"},
            )
            step.add_pod_label("team", "ml").add_pod_annotation("note", "x")
            step.execution_options.caching_strategy.max_cache_staleness = "P7D"
            res = dsl.ResourceOp(
                name="cm",
                k8s_resource={"apiVersion": "v1", "kind": "ConfigMap", "data": {"v": step.output}},
                action="apply",
            )
            with dsl.Condition(res.outputs["name"] != "it's"):
                dsl.ContainerOp(name="after", image="alpine").after(step)

    data = emit(inline, tmp_path)
    assert list(data["tasks"]) == ["exit-handler-1"]  # KFP's group around the handled tasks
    data = {**data, "tasks": data["tasks"]["exit-handler-1"]["tasks"]}
    assert data["tasks"]["step-one"] == {
        "container": {
            "image": "alpine:3.20",
            "command": ["sh", "-c"],
            "args": ["echo ${{ inputs.n }} > /tmp/out", "5", "True"],
            "outputs": {"out": "/tmp/out"},
        },
        "cache": {"max_staleness": "P7D"},
        "annotations": {"note": "x"},
        "labels": {"team": "ml"},
    }
    assert data["tasks"]["cm"]["resource"]["manifest"]["data"] == {
        "v": "${{ tasks.step-one.outputs.out }}"
    }
    assert data["tasks"]["after"]["when"] == '${{ tasks.cm.outputs.name }} != "it\'s"'
    assert data["tasks"]["after"]["after"] == "step-one"
    assert data["on_exit"]["container"]["command"] == ["echo", "${{ workflow.status }}"]
    assert "bye" not in data["tasks"]


def test_nested_loops_become_nested_groups(pipelines: Any, tmp_path: Path) -> None:
    data = emit(pipelines.nested_loops, tmp_path)
    outer = data["tasks"]["for-loop-2"]
    assert outer["for_each"] == [1, 2]
    inner = outer["tasks"]["for-loop-4"]
    assert inner["for_each"] == [3, 4]
    assert inner["tasks"]["double"]["arguments"] == {"x": "${{ loops.for-loop-2.item }}"}
    assert inner["tasks"]["double-2"]["arguments"] == {"x": "${{ item }}"}
    assert inner["tasks"]["double"]["after"] == "double-2"


def test_generated_pipeline_validates_through_the_cli(tmp_path: Path) -> None:
    out = tmp_path / "pipeline.yaml"
    # the fixture uses a component of this repository, outside tmp_path: allow that root
    (tmp_path / "yamlpipe.yaml").write_text(f"allowed_roots: ['{ROOT / 'components'}']\n")
    # the fixture loads its component relative to tests/generate: run from there
    proc = run_cli(
        "generate", "pipeline", "pipelines.py:settings_pipeline", "-o", str(out), cwd=FIXTURES
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert (tmp_path / "components" / "double.yaml").is_file()
    check = run_cli("validate", "--strict", str(out))
    assert check.returncode == 0, check.stdout


def test_cli_pipeline_that_raises() -> None:
    proc = run_cli("generate", "pipeline", "pipelines.py:raises", cwd=FIXTURES)
    assert proc.returncode == 1
    expected = f"pipelines.py:{line_of('raise ValueError')}:5: error: pipeline function 'raises'"
    assert expected in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_cli_needs_a_name_when_a_file_has_several_pipelines() -> None:
    proc = run_cli("generate", "pipeline", "pipelines.py", cwd=FIXTURES)
    assert proc.returncode == 2, "a target that names no one function is a usage mistake"
    assert "has several @dsl.pipeline functions" in proc.stderr
    assert "hint: name one: pipelines.py:FUNCTION" in proc.stderr
    assert "--function" not in proc.stderr, "generate pipeline has no --function option"


def test_cli_generated_components_need_an_output_file() -> None:
    proc = run_cli("generate", "pipeline", "pipelines.py:settings_pipeline", cwd=FIXTURES)
    assert proc.returncode == 2
    assert "give -o PIPELINE.yaml" in proc.stderr


@pytest.mark.parametrize(
    ("source", "message"),
    [
        ("def broken(:\n", "bad.py:1:"),
        ("import not_a_module_anywhere\n", "raised ModuleNotFoundError"),
        ("import kfp.v2\n", "raised ModuleNotFoundError"),
    ],
)
def test_cli_bad_python_files(tmp_path: Path, source: str, message: str) -> None:
    (tmp_path / "bad.py").write_text(source)
    proc = run_cli("generate", "pipeline", "bad.py", cwd=tmp_path)
    assert proc.returncode == 1
    assert message in proc.stderr
    assert "Traceback" not in proc.stdout + proc.stderr


def test_recording_is_per_thread() -> None:
    results: dict[int, list[str]] = {}

    def record(index: int) -> None:
        @dsl.pipeline(name=f"p{index}")
        def pipe() -> None:
            for step in range(20):
                dsl.ContainerOp(name=f"t{index}-{step}", image="alpine")

        data = emit(pipe, Path.cwd())
        results[index] = list(data["tasks"])

    threads = [threading.Thread(target=record, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert results == {i: [f"t{i}-{s}" for s in range(20)] for i in range(4)}


class FakeModel:
    """Looks like a kubernetes client model: attributes named by `attribute_map`."""

    attribute_map: ClassVar[dict[str, str]] = {
        "key": "key",
        "operator": "operator",
        "toleration_seconds": "tolerationSeconds",
    }

    def __init__(self, **fields: Any) -> None:
        for name in self.attribute_map:
            setattr(self, name, fields.get(name))


def test_kubernetes_models_are_read_by_attribute_map() -> None:
    model = FakeModel(key="gpu", operator="Exists", toleration_seconds=30)
    assert plain(model) == {"key": "gpu", "operator": "Exists", "tolerationSeconds": 30}
    loc = Location("x.py", 1, 1)
    assert toleration_entry(model, loc) == {
        "key": "gpu",
        "operator": "Exists",
        "toleration_seconds": 30,
    }
    secret = {"name": "T", "value_from": {"secret_key_ref": {"name": "s", "key": "k"}}}
    assert env_entry(secret, loc) == ("T", {"secret": "s", "key": "k"})


def test_compiler_goes_through_the_pipeline_yaml(tmp_path: Path) -> None:
    @dsl.pipeline(name="tiny")
    def tiny() -> None:
        dsl.ContainerOp(name="hello", image="alpine", command=["echo", "hi"])

    written = Compiler().write_pipeline_yaml(tiny, tmp_path / "tiny.yaml")
    assert read_yaml(written.read_text(), "<t>").data["tasks"] == {
        "hello": {"container": {"image": "alpine", "command": ["echo", "hi"]}}
    }
    Compiler().compile(tiny, tmp_path / "tiny.zip")
    with zipfile.ZipFile(tmp_path / "tiny.zip") as package:
        workflow = read_yaml(package.read(package.namelist()[0]).decode(), "<zip>").data
    assert workflow["kind"] == "Workflow"
    assert workflow["metadata"]["generateName"] == "tiny-"


DSL_COMPILE = [
    sys.executable,
    "-c",
    "from yamlpipe.cli.generate import dsl_compile; dsl_compile()",
]
"""The `dsl-compile` console script, without needing it installed."""


def test_dsl_compile_runs_kfp_files_unchanged(tmp_path: Path) -> None:
    output = tmp_path / "loops.tar.gz"
    proc = subprocess.run(
        [*DSL_COMPILE, "--py", "tests/migration/loops.py", "--output", str(output)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert output.stat().st_size > 0


def test_yamlpipe_dsl_compile_is_the_same_command(tmp_path: Path) -> None:
    """With kfp installed too, one `dsl-compile` script replaces the other; `yamlpipe
    dsl-compile` always names ours, and writes the same package."""
    args = ["--py", "tests/migration/loops.py", "--output"]
    script = subprocess.run(
        [*DSL_COMPILE, *args, str(tmp_path / "a.yaml")], cwd=REPO, capture_output=True, check=False
    )
    assert script.returncode == 0, script.stderr
    ours = run_cli("dsl-compile", *args, str(tmp_path / "b.yaml"), cwd=REPO)
    assert ours.returncode == 0, ours.stderr
    assert (tmp_path / "a.yaml").read_bytes() == (tmp_path / "b.yaml").read_bytes()
    assert "dsl-compile" in run_cli("--help").stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--py", "missing.py"], "missing.py: error: no such Python file"),
        (["--py", "pipelines.py"], "hint: name one with --function NAME"),
        (["--py", "pipelines.py", "--function", "nope"], "has no function 'nope'"),
    ],
)
def test_dsl_compile_usage_mistakes_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    """A missing file or function was exit 1 here and 2 in validate and compile."""
    for command in (DSL_COMPILE, [sys.executable, "-m", "yamlpipe", "dsl-compile"]):
        proc = subprocess.run(
            [*command, *args, "--output", str(tmp_path / "x.yaml")],
            cwd=FIXTURES,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 2, proc.stderr
        assert message in proc.stderr and proc.stdout == ""


def test_dsl_compile_reports_errors_at_the_line(tmp_path: Path) -> None:
    proc = subprocess.run(
        [
            *DSL_COMPILE,
            "--py",
            "pipelines.py",
            "--function",
            "raises",
            "--output",
            str(tmp_path / "x.zip"),
        ],
        cwd=FIXTURES,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 1
    expected = f"pipelines.py:{line_of('raise ValueError')}:5: error: pipeline function 'raises'"
    assert expected in proc.stderr


def test_dsl_outside_a_pipeline_function() -> None:
    with pytest.raises(YamlpipeError, match="outside a pipeline function"):
        dsl.Condition(dsl.PipelineParam("x") == "y").__enter__()


def test_a_hand_written_file_is_not_replaced_without_force(tmp_path: Path) -> None:
    """`generate pipeline -o` replaced a hand-written component beside the pipeline."""
    (tmp_path / "yamlpipe.yaml").write_text(f"allowed_roots: ['{ROOT / 'components'}']\n")
    mine = tmp_path / "components" / "double.yaml"
    mine.parent.mkdir()
    mine.write_text("# mine, by hand\n", encoding="utf-8")
    out = tmp_path / "pipeline.yaml"
    args = ("generate", "pipeline", "pipelines.py:settings_pipeline", "-o", str(out))
    refused = run_cli(*args, cwd=FIXTURES)
    assert refused.returncode == 1, refused.stdout + refused.stderr
    assert f"{mine}: error: the file exists and was not written by `yamlpipe generate`" in (
        refused.stderr
    )
    assert mine.read_text(encoding="utf-8") == "# mine, by hand\n"
    assert not out.exists()  # nothing is written when any file is refused
    forced = run_cli(*args, "--force", cwd=FIXTURES)
    assert forced.returncode == 0, forced.stdout + forced.stderr
    assert mine.read_text(encoding="utf-8").startswith("# Written by `yamlpipe generate`")
    again = run_cli(*args, cwd=FIXTURES)  # its own files it replaces without asking
    assert again.returncode == 0, again.stdout + again.stderr


def test_generate_component_does_not_replace_a_hand_written_file(tmp_path: Path) -> None:
    mine = tmp_path / "add.yaml"
    mine.write_text("name: by hand\n", encoding="utf-8")
    args = ("generate", "component", "functions.py:add", "-o", str(mine))
    assert run_cli(*args, cwd=FIXTURES).returncode == 1
    assert mine.read_text(encoding="utf-8") == "name: by hand\n"
    assert run_cli(*args, "--force", cwd=FIXTURES).returncode == 0
    assert run_cli(*args, cwd=FIXTURES).returncode == 0


def _dsl_compile(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [*DSL_COMPILE, *args],
        cwd=folder,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_dsl_compile_takes_an_undecorated_function(tmp_path: Path) -> None:
    (tmp_path / "plain.py").write_text(
        "from kfp import dsl\n\n\ndef plain(msg: str = 'hi'):\n"
        "    dsl.ContainerOp(name='echo', image='alpine:3.20', command=['echo', msg])\n"
    )
    proc = _dsl_compile(tmp_path, "--py", "plain.py", "--function", "plain", "--output", "p.yaml")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    workflow = read_yaml((tmp_path / "p.yaml").read_text(), "<p>").data
    assert workflow["metadata"]["generateName"] == "plain-"


GUARDED_OUTSIDE = (
    "from kfp import dsl\n\n\n@dsl.pipeline(name='guard')\ndef guard():\n"
    "    a = dsl.ContainerOp(name='a', image='alpine', file_outputs={'o': '/tmp/o'})\n"
    "    with dsl.Condition(a.outputs['o'] == 'x'):\n"
    "        b = dsl.ContainerOp(name='b', image='alpine', file_outputs={'o': '/tmp/o'})\n"
    "        dsl.ContainerOp(name='c', image='alpine', command=['echo', b.outputs['o']])\n"
    "    dsl.ContainerOp(name='d', image='alpine', command=['echo', b.outputs['o']])\n"
)
"""Task d, outside the Condition, reads b's output (line 10): an error of the generated YAML."""


def test_dsl_compile_errors_point_at_the_python_line(tmp_path: Path) -> None:
    (tmp_path / "guard.py").write_text(GUARDED_OUTSIDE)
    proc = _dsl_compile(tmp_path, "--py", "guard.py", "--output", "g.yaml")
    assert proc.returncode == 1
    assert proc.stderr.startswith("guard.py:10:5: error: task 'd' uses"), proc.stderr
    assert "pipeline.yaml" not in proc.stderr
    assert not (tmp_path / "g.yaml").exists()


def test_yamlpipe_imported_as_kfp(tmp_path: Path) -> None:
    (tmp_path / "as_kfp.py").write_text(
        "import yamlpipe as kfp\n\n\ndef add(a: int, b: int) -> int:\n    return a + b\n\n\n"
        "add_op = kfp.components.create_component_from_func(add)\n\n\n"
        "@kfp.dsl.pipeline(name='as-kfp')\ndef p(x: int = 1):\n    add_op(x, 2)\n\n\n"
        "kfp.compiler.Compiler().compile(p, 'out.yaml')\n"
    )
    proc = subprocess.run(
        [sys.executable, "as_kfp.py"], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    workflow = read_yaml((tmp_path / "out.yaml").read_text(), "<p>").data
    images = {t["container"]["image"] for t in workflow["spec"]["templates"] if "container" in t}
    assert images == {"python:3.7"}  # KFP's default base image, as KFP would compile it


def test_generate_pipeline_reports_problems_at_the_python_line(tmp_path: Path) -> None:
    (tmp_path / "guard.py").write_text(GUARDED_OUTSIDE)
    proc = run_cli("generate", "pipeline", "guard.py", "-o", "out/p.yaml", cwd=tmp_path)
    assert proc.returncode == 1
    assert proc.stderr.startswith("out/p.yaml: written\nguard.py:10:5: error: task 'd' uses")
    assert "in the pipeline YAML at out/p.yaml:" in proc.stderr
