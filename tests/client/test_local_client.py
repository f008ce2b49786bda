"""yamlpipe.Client() without a host: experiments, uploaded pipelines and runs in the project's
run store (real SQLite), each run driven by a real detached `yamlpipe run` process."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest

from yamlpipe import Client
from yamlpipe.api.client import InvalidPipeline, failed_steps
from yamlpipe.kfpapi.errors import AlreadyExists, ClientError, NotFound
from yamlpipe.run.store import MIGRATIONS, SCHEMA_VERSION, RunStore, is_running

from helpers import run_cli

SLOW = """\
name: slow
inputs:
  - {name: seconds, type: Integer, default: 30}
tasks:
  nap:
    container:
      image: alpine:3.20
      command: [sh, -c, 'echo napping; sleep "$0"; echo awake', "${{ inputs.seconds }}"]
"""
FAILING = """\
name: failing
tasks:
  train:
    container:
      image: alpine:3.20
      command: [sh, -c, 'echo "no data" >&2; exit 3']
"""
NEEDS_A_CLUSTER = """\
name: serving
tasks:
  deploy:
    resource:
      action: create
      manifest: {apiVersion: v1, kind: ConfigMap, metadata: {generateName: c-}, data: {a: b}}
"""


def local(project: Path) -> Client:
    return Client(root=project, poll_interval=0.1)


def write(project: Path, name: str, text: str) -> Path:
    path = project / name
    path.write_text(text, encoding="utf-8")
    return path


def wait_until(condition: object, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


# ---- experiments and pipelines ---------------------------------------------------------------


def test_experiments_live_in_the_run_store(project: Path) -> None:
    client = local(project)
    made = client.create_experiment("team", "ours")
    assert client.create_experiment("team").id == made.id
    assert client.get_experiment(experiment_name="team").description == "ours"
    for name in ("b", "a", "c"):
        client.create_experiment(name)
    first = client.list_experiments(page_size=2, sort_by="name")
    second = client.list_experiments(page_size=2, sort_by="name", page_token=first.next_page_token)
    assert [e.name for e in first.experiments + second.experiments] == ["a", "b", "c", "team"]
    assert (first.total_size, second.next_page_token) == (4, "")
    with RunStore(project) as store:
        assert {e["name"] for e in store.experiments()} == {"a", "b", "c", "team"}


def test_pipelines_and_versions_live_in_the_run_store(project: Path) -> None:
    client = local(project)
    pipeline = client.upload_pipeline(project / "pipeline.yaml", "greet", "says hello")
    assert pipeline.default_version is not None and pipeline.default_version.name == "greet"
    assert [(p.name, p.value) for p in pipeline.parameters] == [("who", None), ("times", "1")]
    version = client.upload_pipeline_version(project / "pipeline.yaml", "v2", pipeline_name="greet")
    assert version.pipeline_id == pipeline.id
    default = client.get_pipeline(pipeline.id).default_version
    assert default is not None and default.id == version.id
    names = [v.name for v in client.list_pipeline_versions(pipeline.id).versions]
    assert names == ["greet", "v2"]
    with pytest.raises(AlreadyExists, match="a pipeline named 'greet' already exists"):
        client.upload_pipeline(project / "pipeline.yaml", "greet")
    with pytest.raises(AlreadyExists, match="already has a version named 'v2'"):
        client.upload_pipeline_version(project / "pipeline.yaml", "v2", pipeline.id)
    client.delete_pipeline(pipeline.id)
    with pytest.raises(NotFound):
        client.get_pipeline(pipeline.id)
    assert client.list_pipelines().total_size == 0


def test_nothing_invalid_is_stored(project: Path) -> None:
    broken = write(project, "broken.yaml", "name: b\ntasks:\n  a: {component: nowhere.yaml}\n")
    with pytest.raises(InvalidPipeline):
        local(project).upload_pipeline(broken)
    assert local(project).list_pipelines().total_size == 0


def test_list_arguments_the_store_cannot_honour_are_refused(project: Path) -> None:
    client = local(project)
    with pytest.raises(ClientError, match="cannot sort by 'colour'"):
        client.list_pipelines(sort_by="colour")
    with pytest.raises(ClientError, match="is not one this store handed out"):
        client.list_experiments(page_token="garbage")
    with pytest.raises(ClientError, match="filters by name only"):
        client.list_pipelines(filter='{"predicates": [{"key": "id", "op": 1}]}')


# ---- runs ------------------------------------------------------------------------------------


def test_a_run_starts_at_once_goes_on_in_its_own_process_and_is_waited_for(
    project: Path,
) -> None:
    client = local(project)
    started = time.monotonic()
    result = client.create_run_from_pipeline_package(
        project / "pipeline.yaml", {"who": "world", "times": 2}, experiment_name="mine"
    )
    assert time.monotonic() - started < 20
    assert result.run_info.status in ("Running", "Succeeded")
    detail = result.wait_for_run_completion(60)
    assert detail.run.status == "Succeeded" and detail.run.finished_at is not None
    assert detail.run.experiment_id == client.get_experiment(experiment_name="mine").id
    with RunStore(project) as store:
        record = store.run(result.run_id)
        hello = record.task("hello")
        assert hello is not None and hello.state == "Succeeded"
        assert Path(hello.log_path).read_text("utf-8") == "hello world\nhello world\n"
        assert record.arguments == {"who": "world", "times": "2"}
    manifest = json.loads(detail.pipeline_runtime.workflow_manifest)
    phases = {n["displayName"]: n["phase"] for n in manifest["status"]["nodes"].values()}
    assert phases["hello"] == "Succeeded" and manifest["kind"] == "Workflow"
    listed = client.list_runs(experiment_id=detail.run.experiment_id)
    assert [r.id for r in listed.runs] == [result.run_id]


def test_a_run_outlives_the_program_that_started_it(project: Path) -> None:
    pipeline = write(project, "slow.yaml", SLOW)
    script = (
        "import sys\nfrom yamlpipe import Client\n"
        "r = Client(root=sys.argv[1]).create_run_from_pipeline_package("
        "sys.argv[2], {'seconds': 2})\nprint(r.run_id)\n"
    )
    started = subprocess.run(
        [sys.executable, "-c", script, str(project), str(pipeline)],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    run_id = started.stdout.strip()
    assert local(project).get_run(run_id).run.status == "Running"
    assert local(project).wait_for_run_completion(run_id, 60).run.status == "Succeeded"


def test_terminate_stops_every_step_and_the_run_ends_terminated(project: Path) -> None:
    client = local(project)
    result = client.create_run_from_pipeline_package(write(project, "slow.yaml", SLOW))

    def napping() -> bool:
        with RunStore(project) as store:
            task = store.run(result.run_id).task("nap")
            return task is not None and task.state == "Running"

    wait_until(napping)
    client.terminate_run(result.run_id)
    detail = client.wait_for_run_completion(result.run_id, 30)
    assert detail.run.status == "Terminated"
    with RunStore(project) as store:
        nap = store.run(result.run_id).task("nap")
        assert nap is not None and nap.state == "Cancelled"
        assert "awake" not in Path(nap.log_path).read_text("utf-8")
    client.terminate_run(result.run_id)  # a finished run stays as it is


def test_a_failed_run_names_its_failed_step(project: Path) -> None:
    client = local(project)
    result = client.create_run_from_pipeline_package(write(project, "failing.yaml", FAILING))
    detail = result.wait_for_run_completion(60)
    assert detail.run.status == "Failed" and "train" in detail.run.error
    [step] = failed_steps(detail)
    assert (step.name, step.phase) == ("train", "Failed")


def test_runs_of_an_uploaded_pipeline_and_of_a_function(project: Path) -> None:
    from yamlpipe import dsl

    client = local(project)
    pipeline = client.upload_pipeline(project / "pipeline.yaml", "greet")
    experiment = client.create_experiment("uploaded")
    run = client.run_pipeline(
        experiment.id, "from-upload", pipeline_id=pipeline.id, params={"who": "up"}
    )

    @dsl.pipeline(name="echo")
    def echo(text: str = "hi") -> None:
        dsl.ContainerOp(name="say", image="alpine:3.20", command=["echo", text])

    from_function = client.create_run_from_pipeline_func(echo, {"text": "from a function"})
    assert client.wait_for_run_completion(run.id, 60).run.status == "Succeeded"
    assert client.wait_for_run_completion(from_function.run_id, 60).run.status == "Succeeded"
    detail = client.get_run(run.id)
    assert detail.run.name == "from-upload" and detail.run.pipeline_spec.pipeline_id == pipeline.id
    assert detail.run.resource_references[-1].key.type == "PIPELINE_VERSION"
    with RunStore(project) as store:
        say = store.run(from_function.run_id).task("say")
        assert say is not None and Path(say.log_path).read_text("utf-8") == "from a function\n"


def test_a_run_this_machine_cannot_start_is_reported_with_the_runner_s_reason(
    project: Path,
) -> None:
    pipeline = write(project, "serving.yaml", NEEDS_A_CLUSTER)
    with pytest.raises(ClientError) as caught:
        local(project).create_run_from_pipeline_package(pipeline)
    assert caught.value.message.startswith("the local runner stopped before the run started:\n")
    assert "needs a cluster" in caught.value.message
    assert not list((project / ".yamlpipe" / "runs").iterdir())


def test_an_unknown_run_is_not_found(project: Path) -> None:
    with pytest.raises(NotFound, match="no run 'nope'"):
        local(project).get_run("nope")


# ---- the store's schema ------------------------------------------------------------------------


def test_a_store_of_the_first_schema_is_upgraded_with_its_runs_kept(tmp_path: Path) -> None:
    folder = tmp_path / ".yamlpipe"
    folder.mkdir()
    db = sqlite3.connect(folder / "runs.db")
    for statement in MIGRATIONS[0]:
        db.execute(statement)
    db.execute("INSERT INTO experiments VALUES ('e1', 'Default', '', 1.0)")
    db.execute(
        "INSERT INTO runs (id, name, experiment_id, workflow_name, backend, state, created_at) "
        "VALUES ('r1', 'old', 'e1', 'old-abcde', 'subprocess', 'Succeeded', 2.0)"
    )
    db.execute("PRAGMA user_version = 1")
    db.commit()
    db.close()
    with RunStore(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION == 2
        record = store.run("r1")
        assert (record.name, record.pipeline_id, record.experiment_id) == ("old", "", "e1")
    assert local(tmp_path).get_run("r1").run.status == "Succeeded"


def test_the_run_id_a_client_chooses_is_checked_by_the_runner(project: Path) -> None:
    bad = run_cli("run", "pipeline.yaml", "-a", "who=x", "--run-id", "Not/An/Id", cwd=project)
    assert bad.returncode == 2 and "is not a run id" in bad.stderr
    result = local(project).create_run_from_pipeline_package(
        project / "pipeline.yaml", {"who": "x"}
    )
    local(project).wait_for_run_completion(result.run_id, 60)
    taken = run_cli("run", "pipeline.yaml", "-a", "who=x", "--run-id", result.run_id, cwd=project)
    assert taken.returncode == 2 and "already has a run with that id" in taken.stderr


@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs Linux's /proc")
def test_a_runner_that_ended_but_was_not_collected_is_not_taken_for_a_live_one() -> None:
    """A zombie (ended, its parent has not waited for it yet) must not keep a run Running."""
    child = subprocess.Popen([sys.executable, "-c", "pass"])
    try:
        wait_until(
            lambda: Path(f"/proc/{child.pid}/stat").read_text().split(")")[1].split()[0] == "Z"
        )
        assert not is_running(child.pid)
    finally:
        child.wait()
    assert is_running(os.getpid())
