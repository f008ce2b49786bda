"""`yamlpipe compile` and `yamlpipe graph` as users run them, and the Python API."""

from __future__ import annotations

import io
import os
import shutil
import stat
import subprocess
import sys
import tarfile
import threading
import zipfile
from pathlib import Path

import pytest

import yamlpipe
from yamlpipe.api import compile_file
from yamlpipe.errors import YamlpipeErrors

from helpers import ROOT, run_cli

EXAMPLE = ROOT / "pipelines" / "train-evaluate-deploy.yaml"
GOLDEN = ROOT / "tests" / "golden"
SMALL = GOLDEN / "component-basics" / "pipeline.yaml"


def compile_to(
    output: Path, *extra: str, source: Path = EXAMPLE
) -> subprocess.CompletedProcess[str]:
    return run_cli("compile", str(source), "-o", str(output), *extra)


@pytest.mark.parametrize("name", ["p.yaml", "p.yml", "p.zip", "p.tar.gz", "p.tgz"])
def test_every_format_holds_the_same_workflow(tmp_path: Path, name: str) -> None:
    reference = tmp_path / "reference.yaml"
    assert compile_to(reference).returncode == 0
    output = tmp_path / name
    result = compile_to(output)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"{output}: " in result.stderr and "KiB" in result.stderr
    assert result.stdout == "", "with -o, standard output carries nothing"
    data = output.read_bytes()
    if name.endswith(".zip"):
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            assert archive.namelist() == ["pipeline.yaml"]
            assert archive.getinfo("pipeline.yaml").date_time == (1980, 1, 1, 0, 0, 0)
            data = archive.read("pipeline.yaml")
    elif name.endswith(("gz", "tgz")):
        with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
            assert archive.getnames() == ["pipeline.yaml"]
            assert archive.getmember("pipeline.yaml").mtime == 0
            member = archive.extractfile("pipeline.yaml")
            assert member is not None
            data = member.read()
    assert data == reference.read_bytes()


@pytest.mark.parametrize("name", ["p.yaml", "p.zip", "p.tar.gz"])
def test_output_is_byte_identical_across_runs_and_hash_seeds(tmp_path: Path, name: str) -> None:
    outputs = []
    for seed in ("1", "2"):
        output = tmp_path / seed / name
        result = subprocess.run(
            [sys.executable, "-m", "yamlpipe", "compile", str(EXAMPLE), "-o", str(output)],
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        outputs.append(output.read_bytes())
    assert outputs[0] == outputs[1]


def test_without_output_the_workflow_goes_to_stdout(tmp_path: Path) -> None:
    file_output = tmp_path / "p.yaml"
    assert compile_to(file_output).returncode == 0
    result = run_cli("compile", str(EXAMPLE))
    assert result.returncode == 0
    assert result.stdout == file_output.read_text(encoding="utf-8")


def test_warnings_never_reach_the_package_on_stdout(tmp_path: Path) -> None:
    """`compile p.yaml > out.yaml` with an unquoted `yes` wrote the warning into out.yaml."""
    (tmp_path / "c.yaml").write_text(
        "name: c\ninputs:\n- {name: flag, type: String}\nimplementation:\n  container:\n"
        "    image: alpine:3.20\n    command: [echo, {inputValue: flag}]\n"
    )
    (tmp_path / "p.yaml").write_text(
        "name: p\ntasks:\n  t:\n    component: c.yaml\n    arguments:\n      flag: yes\n"
    )
    result = run_cli("compile", "p.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert "p.yaml:6:13: warning: unquoted 'yes'" in result.stderr
    assert "warning" not in result.stdout
    assert result.stdout.startswith("apiVersion: argoproj.io/v1alpha1\n")
    strict = run_cli("compile", "p.yaml", "--strict", cwd=tmp_path)
    assert strict.returncode == 1 and strict.stdout == "", "--strict: a warning fails, no package"
    assert "unquoted 'yes'" in strict.stderr


def test_check_passes_on_a_current_package(tmp_path: Path) -> None:
    output = tmp_path / "p.zip"
    assert compile_to(output).returncode == 0
    before = output.stat().st_mtime_ns
    result = compile_to(output, "--check")
    assert result.returncode == 0
    assert "up to date" in result.stderr
    assert output.stat().st_mtime_ns == before


def test_check_fails_on_a_stale_package_with_a_short_summary(tmp_path: Path) -> None:
    output = tmp_path / "p.yaml"
    assert compile_to(output).returncode == 0
    text = output.read_text(encoding="utf-8").replace("--seed", "--random-seed", 1)
    output.write_text(text, encoding="utf-8")
    result = compile_to(output, "--check")
    assert result.returncode == 1
    assert "stale" in result.stderr and "regenerate with: yamlpipe compile" in result.stderr
    assert "templates changed: csv-split" in result.stderr
    assert "+1 -1 lines" in result.stderr
    assert output.read_text(encoding="utf-8") == text, "--check must not write"


def test_check_fails_when_the_package_is_missing(tmp_path: Path) -> None:
    result = compile_to(tmp_path / "absent.tar.gz", "--check")
    assert result.returncode == 1
    assert "missing" in result.stderr
    assert not (tmp_path / "absent.tar.gz").exists()


def test_check_reads_zip_packages(tmp_path: Path) -> None:
    output = tmp_path / "p.zip"
    assert compile_to(output).returncode == 0
    assert compile_to(output, "--check", source=SMALL).returncode == 1


def test_an_error_leaves_the_existing_package_untouched(tmp_path: Path) -> None:
    output = tmp_path / "p.zip"
    assert compile_to(output).returncode == 0
    before = output.read_bytes()
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        EXAMPLE.read_text()
        .replace("../components/", str(ROOT / "components") + "/")
        .replace("${{ tasks.split.outputs.train }}", "${{ tasks.split.outputs.trian }}")
    )
    (tmp_path / "yamlpipe.yaml").write_text(f"allowed_roots: ['{ROOT / 'components'}']\n")
    result = compile_to(output, source=broken)
    assert result.returncode == 1
    assert "has no output 'trian'" in result.stderr
    assert output.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.yaml", "p.zip", "yamlpipe.yaml"]


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    bad_extension = compile_to(tmp_path / "p.json")
    assert bad_extension.returncode == 2
    assert ".zip, .tar.gz" in bad_extension.stderr
    check_without_output = run_cli("compile", str(EXAMPLE), "--check")
    assert check_without_output.returncode == 2
    missing_input = run_cli("compile", str(tmp_path / "nope.yaml"), "-o", str(tmp_path / "p.zip"))
    assert missing_input.returncode == 2


def test_a_component_is_not_a_pipeline(tmp_path: Path) -> None:
    component = ROOT / "components" / "download" / "component.yaml"
    result = compile_to(tmp_path / "p.yaml", source=component)
    assert result.returncode == 1
    assert "compile takes a pipeline" in result.stderr


def _big_pipeline(folder: Path, tasks: int) -> Path:
    """Tasks with distinct display names: no template is shared, so the Workflow grows."""
    component = folder / "step.yaml"
    component.write_text(
        "name: Step\ninputs:\n- {name: text, type: String}\nimplementation:\n  container:\n"
        "    image: alpine:3.20\n    command: [sh, -c, " + repr("echo " + "x" * 900) + ", "
        "{inputValue: text}]\n"
    )
    lines = ["name: big", "tasks:"]
    for i in range(tasks):
        lines += [
            f"  t{i}:",
            "    component: step.yaml",
            f"    display_name: Step number {i}",
            f"    arguments: {{text: '{i}'}}",
        ]
    pipeline = folder / "pipeline.yaml"
    pipeline.write_text("\n".join(lines) + "\n")
    return pipeline


def test_large_workflows_warn_then_fail_unless_allowed(tmp_path: Path) -> None:
    warned = compile_file(_big_pipeline(tmp_path, 300))
    assert warned.package is not None
    (warning,) = [p for p in warned.problems if "Kubernetes allows" in p.message]
    assert warning.severity == "warning" and "near the 1 MiB" in warning.message
    pipeline = _big_pipeline(tmp_path, 420)
    output = tmp_path / "big.yaml"
    refused = compile_to(output, source=pipeline)
    assert refused.returncode == 1
    assert "over the 1 MiB" in refused.stderr and "largest templates: " in refused.stderr
    assert "--allow-large" in refused.stderr
    assert not output.exists()
    allowed = compile_to(output, "--allow-large", source=pipeline)
    assert allowed.returncode == 0
    assert output.stat().st_size > 1024 * 1024


def test_package_files_are_readable_by_everyone(tmp_path: Path) -> None:
    output = tmp_path / "p.yaml"
    assert compile_to(output).returncode == 0
    assert stat.S_IMODE(output.stat().st_mode) == 0o644


def test_python_api_writes_and_raises(tmp_path: Path) -> None:
    package = yamlpipe.compile(EXAMPLE, tmp_path / "p.tar.gz")
    assert package.format == "tar.gz"
    assert (tmp_path / "p.tar.gz").read_bytes() == package.data
    broken = tmp_path / "broken.yaml"
    broken.write_text("name: broken\ntasks:\n  a:\n    component: missing.yaml\n")
    with pytest.raises(YamlpipeErrors) as raised:
        yamlpipe.compile(broken, tmp_path / "broken.zip")
    assert "missing.yaml" in str(raised.value)
    assert not (tmp_path / "broken.zip").exists()


def test_compiling_in_threads_gives_the_same_bytes() -> None:
    cases = sorted(p for p in GOLDEN.glob("*/pipeline.yaml") if "error-" not in str(p))
    expected = {case: compile_file(case).package for case in cases}
    results: dict[tuple[Path, int], bytes] = {}

    def work(index: int) -> None:
        for case in cases:
            package = compile_file(case).package
            assert package is not None
            results[(case, index)] = package.data

    threads = [threading.Thread(target=work, args=(i,)) for i in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for (case, _), data in results.items():
        package = expected[case]
        assert package is not None and data == package.data


# ---- graph --------------------------------------------------------------------------------


def test_graph_mermaid_shows_conditions_loops_nesting_and_exit() -> None:
    result = run_cli("graph", str(ROOT / "pipelines" / "hyperparameter-sweep.yaml"))
    assert result.returncode == 0, result.stderr
    text = result.stdout
    assert text.startswith("flowchart TD\n")
    assert "subgraph baselines" in text and "baselines_train --> baselines_evaluate" in text
    assert "for each of tasks.grid.outputs.grid, 2 at a time" in text
    assert "on_exit([" in text and "class on_exit exitHandler" in text
    conditional = run_cli("graph", str(EXAMPLE))
    assert (
        "when tasks.evaluate.outputs.accuracy &gt;= inputs.min_accuracy"
        in conditional.stdout.replace(">", "&gt;")
    )


def test_graph_dot(tmp_path: Path) -> None:
    output = tmp_path / "g.dot"
    result = run_cli(
        "graph", str(ROOT / "pipelines" / "volume-snapshot.yaml"), "-f", "dot", "-o", str(output)
    )
    assert result.returncode == 0, result.stderr
    text = output.read_text()
    assert text.startswith('digraph "volume-snapshot" {')
    assert "shard [label=" in text and "box3d" in text and "stage -> shard;" in text


def test_graph_svg_needs_graphviz(tmp_path: Path) -> None:
    env = {**os.environ, "PATH": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "yamlpipe", "graph", str(EXAMPLE), "-f", "svg"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert "Graphviz" in result.stderr and "--format dot" in result.stderr


def test_graph_svg_runs_dot(tmp_path: Path) -> None:
    fake_dot = tmp_path / "dot"
    fake_dot.write_text('#!/bin/sh\n[ "$1" = "-Tsvg" ] || exit 9\necho "<svg>$(wc -l)</svg>"\n')
    fake_dot.chmod(0o755)
    env = {**os.environ, "PATH": f"{tmp_path}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        [sys.executable, "-m", "yamlpipe", "graph", str(EXAMPLE), "-f", "svg"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("<svg>")


def test_graph_node_names_that_are_keywords(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        "name: words\ntasks:\n"
        "  end: {container: {image: alpine, command: [echo]}}\n"
        "  node: {container: {image: alpine, command: [echo]}, after: end}\n"
    )
    mermaid = run_cli("graph", str(pipeline))
    assert 'end_["end"]' in mermaid.stdout and "end_ --> node_" in mermaid.stdout
    dot = run_cli("graph", str(pipeline), "-f", "dot")
    assert "end_ -> node_;" in dot.stdout


def test_an_empty_image_validates_with_a_warning_but_does_not_compile_or_run(
    tmp_path: Path,
) -> None:
    """KFP publishes components with `image: ''` and fills it in at release: validate warns
    (KFP loads them), compile and run refuse a pipeline that uses one."""
    shutil.copy(
        ROOT / "tests" / "errors" / "component-warning-empty-image.yaml", tmp_path / "c.yaml"
    )
    (tmp_path / "p.yaml").write_text(
        "name: p\ninputs:\n- {name: data, type: CSV}\n"
        "tasks:\n  train: {component: c.yaml, arguments: {data: '${{ inputs.data }}'}}\n"
    )
    validated = run_cli("validate", "c.yaml", "p.yaml", cwd=tmp_path)
    assert validated.returncode == 0, validated.stdout
    assert "c.yaml:9:12: warning: the image is empty" in validated.stdout
    compiled = run_cli("compile", "p.yaml", cwd=tmp_path)
    assert compiled.returncode == 1 and compiled.stdout == ""
    assert "c.yaml:9:12: error: task 'train' runs 'Train', whose image is empty" in compiled.stderr
    ran = run_cli("run", "p.yaml", "-a", "data=x", cwd=tmp_path)
    assert ran.returncode == 1
    assert "whose image is empty" in ran.stderr
    inline = tmp_path / "inline.yaml"
    inline.write_text("name: i\ntasks:\n  a: {container: {image: '', command: [echo, hi]}}\n")
    assert run_cli("validate", "inline.yaml", cwd=tmp_path).returncode == 1, (
        "an inline container is the pipeline author's own: an empty image is an error"
    )


def test_graph_prints_only_the_picture_and_takes_offline_and_frozen(tmp_path: Path) -> None:
    pipeline = tmp_path / "pipeline.yaml"
    pipeline.write_text(
        "name: g\ntasks:\n  a: {container: {image: alpine, command: [echo, yes]}}\n"
        "  b: {component: https://example.invalid/c.yaml, after: a}\n"
    )
    frozen = run_cli("graph", "pipeline.yaml", "--frozen", cwd=tmp_path)
    assert frozen.returncode == 1 and frozen.stdout == ""
    assert "--frozen needs a yamlpipe.lock" in frozen.stderr
    offline = run_cli("graph", "pipeline.yaml", "--offline", cwd=tmp_path)
    assert offline.returncode == 1 and "not in the cache, and --offline" in offline.stderr
    pipeline.write_text(
        "name: g\ntasks:\n  a: {container: {image: alpine, command: [echo, yes]}}\n"
    )
    warned = run_cli("graph", "pipeline.yaml", cwd=tmp_path)
    assert warned.returncode == 0, warned.stderr
    assert warned.stdout.startswith("flowchart TD\n") and "warning" not in warned.stdout
    assert "pipeline.yaml:3:50: warning: unquoted 'yes'" in warned.stderr


def test_outputs_that_argo_would_confuse_are_not_compiled(tmp_path: Path) -> None:
    """`o 1` and `o-1` both compiled to the Argo output `<template>-o-1`, so a downstream
    task silently got one value for both."""
    (tmp_path / "c.yaml").write_text(
        "name: Two\noutputs:\n- {name: o 1}\n- {name: o-1}\nimplementation:\n  container:\n"
        "    image: alpine:3.20\n    command: [sh, -c, 'echo a > $0; echo b > $1',\n"
        "      {outputPath: o 1}, {outputPath: o-1}]\n"
    )
    (tmp_path / "p.yaml").write_text("name: p\ntasks:\n  two: {component: c.yaml}\n")
    result = run_cli("compile", "p.yaml", "-o", "p.zip", cwd=tmp_path)
    assert result.returncode == 1, result.stdout + result.stderr
    assert "c.yaml:4:10: error: outputs 'o 1' and 'o-1' both become the Argo output name" in (
        result.stderr
    )
    assert not (tmp_path / "p.zip").exists()


@pytest.fixture
def odd_places(tmp_path: Path) -> dict[str, Path]:
    """Paths that cannot take an output file: each was an internal error (exit 3) or a hang."""
    (tmp_path / "folder.yaml").mkdir()
    (tmp_path / "file").write_text("x\n")
    os.mkfifo(tmp_path / "fifo.yaml")
    return {
        "folder": tmp_path / "folder.yaml",
        "below-a-file": tmp_path / "file" / "p.yaml",
        "proc": Path("/proc/p.yaml"),
        "fifo": tmp_path / "fifo.yaml",
    }


PLACES = ["folder", "below-a-file", "proc", "fifo"]


@pytest.mark.parametrize("place", PLACES)
@pytest.mark.parametrize(
    "command",
    [
        ["compile", str(SMALL)],
        ["compile", str(SMALL), "--check"],
        ["graph", str(SMALL), "-f", "dot"],
        ["catalog", "build", str(ROOT / "components")],
    ],
    ids=["compile", "compile-check", "graph", "catalog-build"],
)
def test_an_output_that_cannot_be_written_is_a_located_error(
    odd_places: dict[str, Path], place: str, command: list[str]
) -> None:
    target = odd_places[place]
    result = run_cli(*command, "-o", str(target))
    if command[-1] == "--check" and place == "proc":  # nothing there: the package is missing
        assert result.returncode == 1 and "missing" in result.stderr
        return
    assert result.returncode == 1, result.stdout + result.stderr
    assert result.stderr.startswith(f"{target}: error: cannot "), result.stderr
    assert result.stdout == ""
    assert "internal error" not in result.stderr
    assert not [p for p in target.parent.glob(".*.tmp")]
