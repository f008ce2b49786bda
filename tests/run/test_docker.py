"""The docker backend for real: a Docker engine, images built on this machine (never pulled),
every container on `--network none`, each run through the CLI as a user runs it."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from yamlpipe.run.dockercli import DockerCli

import images
from helpers import kfp_python, run_cli

PIPELINES = Path(__file__).parent / "pipelines"
NO_NETWORK = ("--backend", "docker", "--network", "none")

pytestmark = pytest.mark.usefixtures("docker_images")


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project of its own (its run store in .yamlpipe/) holding the test pipelines."""
    shutil.copytree(PIPELINES, tmp_path / "pipelines")
    (tmp_path / "secrets.yaml").write_text("api: {token: s3cret-value}\n")
    return tmp_path


def run(project: Path, target: str, *extra: str) -> subprocess.CompletedProcess[str]:
    return run_cli("run", target, *NO_NETWORK, "--quiet", *extra, cwd=project)


def last_run(project: Path) -> dict[str, Any]:
    """The newest run as `yamlpipe runs show --format json` gives it."""
    runs = json.loads(run_cli("runs", "list", "--format", "json", cwd=project).stdout)
    shown = run_cli("runs", "show", runs[0]["id"], "--format", "json", cwd=project)
    record: dict[str, Any] = json.loads(shown.stdout)
    return record


def tasks(record: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {t["name"]: t for t in record["tasks"] if t["kind"] in ("Pod", "Skipped")}


def parameter(task: dict[str, Any], name: str) -> str:
    value: str = task["outputs"]["parameters"][name]
    return value


def artifact(task: dict[str, Any], name: str) -> Path:
    return Path(task["outputs"]["artifacts"][name])


def containers_of(record: dict[str, Any]) -> list[str]:
    listed = subprocess.run(
        ["docker", "ps", "--all", "--quiet", "--filter", f"label=yamlpipe.run={record['id']}"],
        capture_output=True,
        text=True,
        check=True,
    )
    return listed.stdout.split()


def test_files_and_parameters_pass_through_containers(project: Path) -> None:
    done = run(
        project, "pipelines/files-and-parameters.yaml", "--secrets", "secrets.yaml", "-a", "rows=4"
    )
    assert done.returncode == 0, done.stderr + done.stdout
    record = last_run(project)
    assert record["backend"] == "docker" and record["state"] == "Succeeded"
    steps = tasks(record)
    assert {n: t["state"] for n, t in steps.items()} == dict.fromkeys(
        ["make", "count", "total", "report", "entry"], "Succeeded"
    )
    data = artifact(steps["make"], "make-rows-data")
    assert data.read_text() == "1\n2\n3\n4\n"
    assert parameter(steps["count"], "count-rows-counted") == "4"
    assert parameter(steps["total"], "total-total") == "10"
    report_log = Path(steps["report"]["log"]).read_text()
    assert report_log == "hello total=10 token=***\n"
    assert artifact(steps["report"], "report-interfaces").read_text().split() == ["lo"]
    assert Path(steps["entry"]["log"]).read_text() == "entrypoint: counted 4\n"
    assert containers_of(record) == []


def test_volumes_snapshots_and_restores_from_a_pipeline_file(project: Path) -> None:
    seed = project / ".yamlpipe" / "claims" / "shared-datasets"
    seed.mkdir(parents=True)
    (seed / "events.csv").write_text("a,b\n")
    done = run(project, "pipelines/volumes.yaml")
    assert done.returncode == 0, done.stderr + done.stdout
    record = last_run(project)
    steps = tasks(record)
    folder = Path(record["folder"])
    name = record["name"]
    assert artifact(steps["verify"], "verify-seen").read_text() == "v1"
    assert (folder / "volumes" / f"{name}-work" / "data.txt").read_text() == "v2\n"
    assert (folder / "volumes" / f"{name}-work" / "logs" / "verify.txt").is_file()
    assert (folder / "snapshots" / f"{name}-snap" / "data.txt").read_text() == "v1\n"
    assert (folder / "volumes" / f"{name}-restored" / "data.txt").read_text() == "v1\n"
    assert artifact(steps["stage"], "stage-existing").read_text() == "1"
    assert (folder / "volumes" / "shared-datasets" / "events.csv").read_text() == "a,b\n"
    assert Path(steps["stage"]["log"]).read_text() == "datasets read-only\n"
    assert parameter(steps["snap"], "snap-name") == f"{name}-snap"
    assert parameter(steps["snap"], "snap-size") == "1Gi"
    assert parameter(steps["work"], "work-size") == "1Gi"


def test_volume_op_and_volume_snapshot_op_from_kfp(project: Path, tmp_path: Path) -> None:
    package = tmp_path / "kfp-volumes.yaml"
    compiled = subprocess.run(
        [str(kfp_python()), str(PIPELINES / "kfp_volumes.py"), str(package)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert compiled.returncode == 0, compiled.stderr
    done = run(project, str(package))
    assert done.returncode == 0, done.stderr + done.stdout
    record = last_run(project)
    steps = tasks(record)
    assert parameter(steps["count-words"], "count-words-Output") == "3"
    assert parameter(steps["restore"], "restore-size") == "1Gi"
    folder = Path(record["folder"]) / "volumes"
    assert (folder / "shared-claim" / "count.txt").read_text() == "3\n"
    assert (folder / f"{record['name']}-data" / "words.txt").read_text() == "changed\n"


def test_the_bundled_volume_example_is_refused_only_for_its_config_map(project: Path) -> None:
    example = Path(__file__).parents[2] / "pipelines" / "volume-snapshot.yaml"
    done = run(project, str(example))
    assert done.returncode == 1
    assert "task 'record' applies a Kubernetes ConfigMap (create), which needs a cluster" in (
        done.stderr
    )
    assert done.stderr.count("error:") == 1
    assert "nothing was run" in done.stderr
    assert not (project / ".yamlpipe" / "runs").exists()


def test_a_failing_container_reports_its_exit_code_and_log(project: Path) -> None:
    done = run(project, "pipelines/failing.yaml")
    assert done.returncode == 1
    assert "pipelines/failing.yaml:4:3: task 'fail' failed: exit code 3" in done.stderr
    # stdout and stderr reach the engine through two pipes: their lines may swap places
    assert "  | first line\n" in done.stderr and "  | something broke\n" in done.stderr
    record = last_run(project)
    steps = tasks(record)
    assert steps["fail"]["exit_code"] == 3
    assert steps["after-fail"]["state"] == "Omitted"
    assert containers_of(record) == []


def test_a_deadline_stops_the_container(project: Path) -> None:
    done = run(project, "pipelines/deadline.yaml")
    assert done.returncode == 1
    record = last_run(project)
    slow = tasks(record)["slow"]
    assert slow["state"] == "Failed"
    assert slow["message"] == "Pod was active on the node longer than the specified deadline"
    assert Path(slow["log"]).read_text() == "started\nstopping\n"
    assert slow["finished_at"] - slow["started_at"] < 10
    assert containers_of(record) == []


def test_a_gpu_request_on_an_engine_without_gpus_is_refused_before_the_run(
    project: Path,
) -> None:
    if DockerCli().probe().gpus:
        pytest.skip("this engine can hand out GPUs")
    done = run(project, "pipelines/gpu.yaml")
    assert done.returncode == 1
    assert "pipelines/gpu.yaml:8:3: error: task 'train' requests 1 GPU(s), but the Docker " in (
        done.stderr
    )
    assert "has no GPU support" in done.stderr and "NVIDIA Container Toolkit" in done.stderr
    assert not (project / ".yamlpipe" / "runs").exists()


REBUILT = "yamlpipe-test/rebuilt:1"
GREETING_PIPELINE = f"""\
name: greeting
tasks:
  greet:
    container:
      image: {REBUILT}
      command: [sh, -c, 'echo "$GREETING"']
"""


def _build_greeting_image(greeting: str) -> str:
    """The busybox image again under one tag, told apart by its environment; its id."""
    root = subprocess.run(
        ["docker", "create", images.BUSYBOX, "true"], capture_output=True, text=True, check=True
    ).stdout.strip()
    try:
        exported = subprocess.run(["docker", "export", root], capture_output=True, check=True)
    finally:
        subprocess.run(["docker", "rm", root], capture_output=True, check=False)
    subprocess.run(
        ["docker", "import", "--change", f"ENV PATH={images.PATH}",
         "--change", f"ENV GREETING={greeting}", "-", REBUILT],
        input=exported.stdout, capture_output=True, check=True,
    )  # fmt: skip
    return subprocess.run(
        ["docker", "image", "inspect", "--format", "{{.Id}}", REBUILT],
        capture_output=True, text=True, check=True,
    ).stdout.strip()  # fmt: skip


def test_a_rebuilt_image_under_the_same_tag_is_not_a_cache_hit(project: Path) -> None:
    """The step cache keys a docker step on its image's content id, not only its name: after
    a rebuild, the step runs again in the new image."""
    (project / "greeting.yaml").write_text(GREETING_PIPELINE)
    first_id = _build_greeting_image("one")
    try:
        logs = []
        for greeting in ("one", "one", "two"):
            if greeting == "two":
                assert _build_greeting_image("two") != first_id
            done = run(project, "greeting.yaml")
            assert done.returncode == 0, done.stderr + done.stdout
            (step,) = tasks(last_run(project)).values()
            logs.append(
                (step["cached"], Path(step["log"]).read_text() if not step["cached"] else "")
            )
        assert logs == [(False, "one\n"), (True, ""), (False, "two\n")]
    finally:
        subprocess.run(["docker", "rmi", "--force", REBUILT], capture_output=True, check=False)
