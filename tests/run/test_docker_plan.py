"""What the docker backend asks of the engine, and what it refuses before a run: no engine
needed (the one test of the CLI points DOCKER_HOST at a socket where none listens)."""

from __future__ import annotations

import itertools
import os
import shutil
import threading
import time
from pathlib import Path

import pytest

from yamlpipe.run.docker import (
    ContainerHandle,
    DockerBackend,
    container_name,
    docker_problems,
    gpu_problems,
)
from yamlpipe.run.dockercli import (
    Bind,
    Container,
    DockerCli,
    DockerEngine,
    EngineUnavailable,
    create_arguments,
    docker_message,
)
from yamlpipe.run.leaf import NodeError
from yamlpipe.run.model import Mount, Step, StepResult

from helpers import ROOT, run_cli

PVC = "apiVersion: v1\nkind: PersistentVolumeClaim\nmetadata: {name: c}\nspec: {}\n"


def _container(**fields: object) -> Container:
    base: dict[str, object] = {"name": "c1", "image": "img:1"}
    return Container(**{**base, **fields})  # type: ignore[arg-type]


def test_command_becomes_the_entrypoint_and_args_follow_the_image() -> None:
    args, _ = create_arguments(_container(command=("sh", "-c", "echo"), args=("a", "-b")))
    tail = args[args.index("--entrypoint") :]
    assert tail == ["--entrypoint", "sh", "img:1", "-c", "echo", "a", "-b"]


def test_without_a_command_the_image_entrypoint_gets_the_args() -> None:
    args, _ = create_arguments(_container(args=("x", "y")))
    assert "--entrypoint" not in args
    assert args[-3:] == ["img:1", "x", "y"]


def test_network_gpus_workdir_labels_and_binds() -> None:
    container = _container(
        network="none",
        gpus=2,
        working_dir="/work",
        labels=(("yamlpipe.run", "r1"),),
        binds=(Bind("/runs/a,b/fs/in", "/tmp/in"), Bind("/runs/v", "/mnt/v", read_only=True)),
    )
    args, _ = create_arguments(container)
    pairs = list(itertools.pairwise(args))
    for pair in [
        ("--network", "none"),
        ("--gpus", "2"),
        ("--workdir", "/work"),
        ("--label", "yamlpipe.run=r1"),
    ]:
        assert pair in pairs
    mounts = [b for a, b in pairs if a == "--mount"]
    assert mounts == [
        'type=bind,"source=/runs/a,b/fs/in",target=/tmp/in',
        "type=bind,source=/runs/v,target=/mnt/v,readonly",
    ]


def test_secret_values_travel_in_the_environment_not_the_arguments() -> None:
    container = _container(
        env=(("TOKEN", "s3cret"), ("MODE", "fast"), ("DOCKER_X", "s3cret")),
        secret_values=("s3cret",),
    )
    args, carried = create_arguments(container)
    assert carried == {"TOKEN": "s3cret"}
    assert "TOKEN" in args and "MODE=fast" in args
    assert "DOCKER_X=s3cret" in args  # a name the docker command reads itself stays an argument


def test_container_names_are_docker_names_and_stay_short() -> None:
    step = Step("wf-x1.sweep(0:a b).train", "t", "container", "/r/sweep/0/train/attempt-2")
    assert container_name("0123456789abcdef", step) == (
        "yamlpipe-01234567-wf-x1.sweep-0-a-b-.train-attempt-2"
    )
    long = Step("wf." + "t" * 300, "t", "container", "/r/attempt-1")
    assert len(container_name("run", long)) <= 120


RUNC = (
    "Error response from daemon: failed to create shim task: OCI runtime create failed: runc "
    "create failed: unable to start container process: exec: {why}: unknown\n"
    "Error: failed to start containers: c1\n"
)


def test_docker_messages_lose_their_prefixes() -> None:
    stderr = (
        "Unable to find image 'x:1' locally\ndocker: Error response from daemon: pull denied.\n"
    )
    assert docker_message(stderr) == "pull denied."
    missing = RUNC.format(why='"nosuch": executable file not found in $PATH')
    assert docker_message(missing) == 'exec: "nosuch": executable file not found in $PATH'


@pytest.mark.parametrize(
    ("why", "code", "message"),
    [
        ('"nosuch": executable file not found in $PATH', 127, "command 'nosuch' was not found"),
        ('"/opt/x": stat /opt/x: no such file or directory', 127, "command '/opt/x' was not found"),
        ('"/etc/passwd": permission denied', 126, "command '/etc/passwd' is not executable"),
    ],
)
def test_a_command_that_cannot_start_is_named(why: str, code: int, message: str) -> None:
    handle = ContainerHandle(Step("n", "t", "container", "/r"), DockerCli({}), _container(), print)
    result = handle._start_failure(docker_message(RUNC.format(why=why)))
    assert result.exit_code == code
    assert result.message == f"{message} in image 'img:1'"


@pytest.mark.parametrize(
    ("template", "expected"),
    [
        (
            {"name": "t", "resource": {"action": "delete", "manifest": PVC}},
            "asks to delete a Persistent",
        ),
        (
            {"name": "t", "resource": {"action": "patch", "manifest": PVC}},
            "asks to patch a Persistent",
        ),
        (
            {
                "name": "t",
                "resource": {"action": "create", "manifest": PVC},
                "outputs": {"parameters": [{"name": "n", "valueFrom": {"jqFilter": ".x"}}]},
            },
            "with jqFilter",
        ),
        (
            {
                "name": "t",
                "resource": {
                    "manifest": PVC.replace("spec: {}", "spec: {dataSource: {kind: Backup}}")
                },
            },
            "from a Backup",
        ),
        (
            {
                "name": "t",
                "container": {"image": "i", "volumeMounts": [{"name": "s", "mountPath": "/s"}]},
                "volumes": [{"name": "s", "emptyDir": {}}],
            },
            "mounts volume 's' (emptyDir) at /s",
        ),
        (
            {"name": "t", "container": {"image": "", "command": ["echo"]}},
            "has an empty image",  # a KFP-compiled package of a component not yet released
        ),
    ],
)
def test_what_the_docker_backend_refuses(template: dict[str, object], expected: str) -> None:
    problems = docker_problems(template)
    assert len(problems) == 1 and expected in problems[0][0], problems


def test_volume_ops_and_other_kinds_are_not_its_to_refuse() -> None:
    assert docker_problems({"name": "t", "resource": {"action": "create", "manifest": PVC}}) == []
    config_map = "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: x}\n"
    assert docker_problems({"name": "t", "resource": {"manifest": config_map}}) == []


def test_gpu_requests_are_checked_against_the_engine() -> None:
    template = {"name": "t", "container": {"resources": {"limits": {"nvidia.com/gpu": "1"}}}}
    without = DockerEngine("unix:///var/run/docker.sock", "27.0", gpus=False)
    assert "has no GPU support" in gpu_problems(template, without)[0][0]
    assert gpu_problems(template, DockerEngine("x", "27.0", gpus=True)) == []


def test_a_gpu_step_the_engine_cannot_serve_is_an_error_when_it_starts(tmp_path: Path) -> None:
    engine = DockerEngine("unix:///var/run/docker.sock", "27.0", gpus=False)
    backend = DockerBackend(str(tmp_path), "none", engine=engine)
    step = Step("wf.train", "train", "container", str(tmp_path / "a"), image="img", gpus=1)
    with pytest.raises(NodeError, match="requests 1 GPU"):
        backend.start(step)
    with pytest.raises(NodeError, match="names no image"):
        backend.start(Step("wf.t", "t", "container", str(tmp_path / "b")))


def test_without_the_docker_command_the_probe_says_so(tmp_path: Path) -> None:
    with pytest.raises(EngineUnavailable, match="needs the docker command") as caught:
        DockerCli({"PATH": str(tmp_path)}).probe()
    assert "apt-get install docker.io" in caught.value.hint


def test_no_engine_is_a_clear_refusal_naming_the_socket(tmp_path: Path) -> None:
    socket = tmp_path / "engine.sock"
    pipeline = ROOT / "tests" / "run" / "pipelines" / "failing.yaml"
    done = run_cli(
        "run", str(pipeline), "--backend", "docker", cwd=tmp_path,
        env={"DOCKER_HOST": f"unix://{socket}"},
    )  # fmt: skip
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "nothing was run" in done.stderr
    assert not (tmp_path / ".yamlpipe" / "runs").exists()
    if shutil.which("docker") is None:
        assert "error: the docker backend needs the docker command" in done.stderr
        return
    assert f"error: no Docker engine answers at unix://{socket} (from DOCKER_HOST)" in done.stderr
    assert "the socket does not exist" in done.stderr
    assert "hint: start the engine" in done.stderr


def test_a_kill_while_the_image_is_pulled_stops_docker_create(tmp_path: Path) -> None:
    fake = tmp_path / "bin" / "docker"
    fake.parent.mkdir()
    fake.write_text('#!/bin/sh\n[ "$1" = create ] && exec sleep 30\nexit 0\n')
    fake.chmod(0o755)
    step = Step("wf.t", "t", "container", str(tmp_path / "attempt-1"), image="img:1")
    os.makedirs(step.folder)
    cli = DockerCli({"PATH": f"{fake.parent}:/usr/bin:/bin"})
    handle = ContainerHandle(step, cli, _container(), print)
    results: list[StepResult] = []
    waiting = threading.Thread(target=lambda: results.append(handle.wait()))
    started = time.monotonic()
    waiting.start()
    while handle.creating is None and time.monotonic() - started < 10:
        time.sleep(0.01)
    handle.kill("Pod was active on the node longer than the specified deadline")
    waiting.join(10)
    assert results == [
        StepResult(None, "Pod was active on the node longer than the specified deadline")
    ]
    assert time.monotonic() - started < 10


def test_a_sub_path_leaving_its_volume_is_an_error_of_the_step(tmp_path: Path) -> None:
    mount = Mount("/data", "claim", "../../etc")
    step = Step("wf.t", "t", "container", str(tmp_path / "attempt-1"), image="i", mounts=(mount,))
    os.makedirs(step.folder)
    handle = DockerBackend(str(tmp_path), "none", cli=DockerCli({"PATH": ""})).start(step)
    result = handle.wait()
    assert result.error and "subPath '../../etc' must be a relative path" in result.message
