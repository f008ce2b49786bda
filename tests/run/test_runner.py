"""`yamlpipe run` and `yamlpipe runs` as a user meets them: caching, refusals, arguments,
interruption, a runner that dies, two runners at once, Python packages in their own
environment, a full disk, and the run store's commands."""

from __future__ import annotations

import base64
import hashlib
import os
import signal
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from yamlpipe.run.store import SCHEMA_VERSION, RunRecord, RunStore

from helpers import ROOT, run_cli

CASES = ROOT / "tests" / "run" / "cases"


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def only_run(project: Path) -> RunRecord:
    with RunStore(project) as store:
        (record,) = store.runs()
        return store.run(record.id)


def wait_for(condition: object, timeout: float = 30.0) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if condition():  # type: ignore[operator]
            return
        time.sleep(0.1)
    raise AssertionError("timed out waiting")


def start_run(project: Path, pipeline: Path, *args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "yamlpipe", "run", str(pipeline), *args],
        cwd=project,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "NO_COLOR": "1"},
    )


def finish(runner: subprocess.Popen[str], timeout: float = 60) -> int:
    """Wait for a runner started with start_run, closing its pipes."""
    runner.communicate(timeout=timeout)
    return runner.returncode


def running_task(project: Path, name: str) -> bool:
    if not (project / ".yamlpipe" / "runs.db").exists():
        return False
    with RunStore(project) as store:
        runs = store.runs()
        if not runs:
            return False
        task = store.run(runs[0].id).task(name)
        return task is not None and task.state == "Running"


SLOW = """\
name: slow
inputs:
  - {name: marker, type: String}
tasks:
  slow:
    container:
      image: alpine
      command: [sh, -c, 'echo $$ > "$0"; sleep 60', "${{ inputs.marker }}"]
"""


def process_gone(pid_file: Path) -> bool:
    pid = int(pid_file.read_text())
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    return False


# ---- caching ---------------------------------------------------------------------------------

CACHED = """\
name: cached
tasks:
  produce:
    container:
      image: alpine
      command: [sh, -c, 'echo run >> "$0"; echo 42 > /tmp/answer', "{log}"]
      outputs: {answer: /tmp/answer}
  consume:
    container:
      image: alpine
      command: [sh, -c, 'echo "got $0"', "${{ tasks.produce.outputs.answer }}"]
  never-cached:
    cache: false
    container: {image: alpine, command: [sh, -c, 'echo fresh >> "$0"', "{log}"]}
"""


def test_a_second_run_reuses_cached_outputs(tmp_path: Path) -> None:
    log = tmp_path / "executions.log"
    pipeline = write(tmp_path / "p.yaml", CACHED.replace("{log}", str(log)))
    assert run_cli("run", str(pipeline), cwd=tmp_path).returncode == 0
    second = run_cli("run", str(pipeline), cwd=tmp_path)
    assert second.returncode == 0, second.stderr
    assert "2 cached" in second.stdout, "the summary is the run's result: standard output"
    assert second.stdout.count("\n") == 1, "progress, notes and hints go to standard error"
    assert "details: yamlpipe runs show" in second.stderr
    assert sorted(log.read_text().splitlines()) == ["fresh", "fresh", "run"]
    with RunStore(tmp_path) as store:
        latest = store.run(store.runs()[0].id)
    produce = latest.task("produce")
    assert produce is not None and produce.cached
    assert Path(produce.outputs["artifacts"]["produce-answer"]).read_text() == "42\n"
    consume = latest.task("consume")
    assert consume is not None and consume.cached
    assert run_cli("run", str(pipeline), "--no-cache", cwd=tmp_path).returncode == 0
    assert log.read_text().splitlines().count("run") == 2


def test_a_changed_input_is_not_a_cache_hit(tmp_path: Path) -> None:
    pipeline = write(tmp_path / "p.yaml", (CASES / "params-and-files.yaml").read_text())
    write(
        tmp_path / "components/count-lines.yaml",
        (CASES / "components/count-lines.yaml").read_text(),
    )
    assert run_cli("run", str(pipeline), cwd=tmp_path).returncode == 0
    changed = run_cli("run", str(pipeline), "-a", "times=5", cwd=tmp_path)
    assert changed.returncode == 0
    assert "cached" not in changed.stdout


# ---- refusals and arguments ------------------------------------------------------------------


def test_volumes_are_refused_by_the_subprocess_backend_before_anything_runs(tmp_path: Path) -> None:
    result = run_cli("run", str(ROOT / "pipelines" / "volume-snapshot.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert "volume-snapshot.yaml:" in result.stderr
    assert "--backend docker" in result.stderr
    assert "nothing was run" in result.stderr
    assert not (tmp_path / ".yamlpipe" / "runs").exists()


def test_cluster_resources_are_refused_with_the_task_and_its_line(tmp_path: Path) -> None:
    result = run_cli(
        "run",
        str(ROOT / "pipelines" / "train-evaluate-deploy.yaml"),
        "-a",
        "data_url=x",
        cwd=tmp_path,
    )
    assert result.returncode == 1, result.stderr
    assert "needs a cluster" in result.stderr
    assert "train-evaluate-deploy.yaml:" in result.stderr


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["-a", "nn=1"], "the pipeline has no input 'nn' (did you mean 'n'?)"),
        (["-a", "n=ten"], "argument n='ten' is not an integer"),
        (["-a", "n"], "argument 'n' is not NAME=VALUE"),
    ],
)
def test_arguments_are_checked_before_the_run(
    tmp_path: Path, arguments: list[str], message: str
) -> None:
    pipeline = write(
        tmp_path / "p.yaml",
        "name: p\ninputs:\n  - {name: n, type: Integer}\ntasks:\n"
        "  t: {container: {image: alpine, command: [echo, '${{ inputs.n }}']}}\n",
    )
    result = run_cli("run", str(pipeline), *arguments, cwd=tmp_path)
    assert result.returncode == 2
    assert message in result.stderr


def test_a_required_input_must_be_given(tmp_path: Path) -> None:
    pipeline = write(
        tmp_path / "p.yaml",
        "name: p\ninputs:\n  - {name: n, type: Integer}\ntasks:\n"
        "  t: {container: {image: alpine, command: [echo, '${{ inputs.n }}']}}\n",
    )
    result = run_cli("run", str(pipeline), cwd=tmp_path)
    assert result.returncode == 2
    assert "the pipeline input 'n' has no default" in result.stderr
    file = write(tmp_path / "args.yaml", "n: 7\n")
    assert (
        run_cli("run", str(pipeline), "--arguments-file", str(file), cwd=tmp_path).returncode == 0
    )
    assert only_run(tmp_path).arguments == {"n": "7"}


def test_an_invalid_pipeline_is_reported_and_not_run(tmp_path: Path) -> None:
    pipeline = write(
        tmp_path / "p.yaml", "name: p\ntasks:\n  t: {container: {image: alpine}, after: [nope]}\n"
    )
    result = run_cli("run", str(pipeline), cwd=tmp_path)
    assert result.returncode == 1
    assert "p.yaml:3:" in result.stderr
    assert not (tmp_path / ".yamlpipe").exists()


# ---- stopping --------------------------------------------------------------------------------


def test_ctrl_c_stops_every_step_and_records_the_run_as_cancelled(tmp_path: Path) -> None:
    pipeline = write(tmp_path / "p.yaml", SLOW)
    marker = tmp_path / "pid"
    runner = start_run(tmp_path, pipeline, "-a", f"marker={marker}")
    wait_for(
        lambda: marker.exists() and marker.read_text().strip() and running_task(tmp_path, "slow")
    )
    runner.send_signal(signal.SIGINT)
    assert finish(runner, 30) == 130
    record = only_run(tmp_path)
    assert record.state == "Cancelled"
    slow = record.task("slow")
    assert slow is not None and slow.state == "Cancelled"
    wait_for(lambda: process_gone(marker), timeout=15)


def test_a_runner_killed_with_sigkill_leaves_its_run_failed_and_no_step_running(
    tmp_path: Path,
) -> None:
    pipeline = write(tmp_path / "p.yaml", SLOW)
    marker = tmp_path / "pid"
    runner = start_run(tmp_path, pipeline, "-a", f"marker={marker}")
    wait_for(lambda: marker.exists() and running_task(tmp_path, "slow"))
    runner.kill()
    finish(runner, 10)
    record = only_run(tmp_path)
    assert record.state == "Failed"
    assert record.message == "runner stopped"
    slow = record.task("slow")
    assert slow is not None and slow.state == "Failed"
    # The first command after the runner died marked the run; the step it left running is
    # stopped there too.
    assert run_cli("runs", "list", cwd=tmp_path).returncode == 0
    wait_for(lambda: process_gone(marker), timeout=15)


def test_two_runners_at_once_are_both_recorded(tmp_path: Path) -> None:
    pipeline = write(tmp_path / "p.yaml", (CASES / "static-loop.yaml").read_text())
    runners = [start_run(tmp_path, pipeline, "-q", "--no-cache") for _ in range(2)]
    assert [finish(r, 120) for r in runners] == [0, 0]
    with RunStore(tmp_path) as store:
        records = [store.run(r.id) for r in store.runs()]
    assert [r.state for r in records] == ["Succeeded", "Succeeded"]
    for record in records:
        total = record.task("total")
        assert total is not None
        assert Path(total.outputs["artifacts"]["total-all"]).read_text() == '["4","9","16"]'


# ---- Python steps get their own environment --------------------------------------------------


def build_wheel(folder: Path, name: str, version: str, code: str) -> Path:
    """A pure-Python wheel written by hand, so tests install without an index."""
    dist = f"{name}-{version}"
    files = {
        f"{name}/__init__.py": code,
        f"{dist}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n",
        f"{dist}.dist-info/WHEEL": (
            "Wheel-Version: 1.0\nGenerator: tests\nRoot-Is-Purelib: true\nTag: py3-none-any\n"
        ),
    }
    record = []
    for path, text in files.items():
        digest = (
            base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=").decode()
        )
        record.append(f"{path},sha256={digest},{len(text.encode())}")
    record.append(f"{dist}.dist-info/RECORD,,")
    files[f"{dist}.dist-info/RECORD"] = "\n".join(record) + "\n"
    wheel = folder / f"{dist}-py3-none-any.whl"
    folder.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, text in files.items():
            archive.writestr(path, text)
    return wheel


PYTHON_STEP = """\
name: python-step
tasks:
  uses-package:
    container:
      image: python:3.11-slim
      command:
        - sh
        - -c
        - |
          python3 -m pip install --quiet --no-warn-script-location 'tinypkg==1.0' || exit 1
          python3 -c 'import tinypkg, sys; print(tinypkg.GREETING, sys.prefix)' > /tmp/out
      outputs: {out: /tmp/out}
"""


def test_packages_install_into_a_cached_environment_never_the_users(tmp_path: Path) -> None:
    wheels = tmp_path / "wheels"
    build_wheel(wheels, "tinypkg", "1.0", 'GREETING = "hello from tinypkg"\n')
    pipeline = write(tmp_path / "p.yaml", PYTHON_STEP)
    env = {
        **os.environ,
        "PIP_NO_INDEX": "1",
        "PIP_FIND_LINKS": str(wheels),
        "XDG_CACHE_HOME": str(tmp_path / "cache"),
    }
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-m", "yamlpipe", "run", str(pipeline), "--no-cache", "-q"],
            cwd=tmp_path,
            env=env,
            capture_output=True,
            text=True,
            timeout=300,
            check=False,
        )
        assert result.returncode == 0, result.stderr
    with RunStore(tmp_path) as store:
        task = store.run(store.runs()[0].id).task("uses-package")
    assert task is not None
    text = Path(task.outputs["artifacts"]["uses-package-out"]).read_text().strip()
    assert text.startswith("hello from tinypkg ")
    prefix = text.rsplit(" ", 1)[1]
    assert prefix.startswith(str(tmp_path / "cache" / "yamlpipe" / "venvs"))
    assert len(list((tmp_path / "cache" / "yamlpipe" / "venvs").glob("py*"))) == 1
    mine = subprocess.run(
        [sys.executable, "-c", "import tinypkg"], capture_output=True, check=False
    )
    assert mine.returncode != 0, "the package must not reach the user's environment"


# ---- a full disk -----------------------------------------------------------------------------

BIG_FILE = """\
name: big-file
tasks:
  produce:
    component: ./produce.yaml
  consume:
    component: ./consume.yaml
    arguments: {data: "${{ tasks.produce.outputs.data }}"}
"""
PRODUCE = """\
name: produce
outputs: [{name: data}]
implementation:
  container:
    image: alpine
    command:
      - sh
      - -c
      - 'mkdir -p "$(dirname "$0")"; head -c 700000 /dev/zero > "$0"'
      - {outputPath: data}
"""
CONSUME = """\
name: consume
inputs: [{name: data}]
implementation:
  container:
    image: alpine
    command: [sh, -c, 'wc -c < "$0"', {inputPath: data}]
"""


def test_a_full_disk_is_a_clear_task_failure(tmp_path: Path) -> None:
    runs = tmp_path / ".yamlpipe" / "runs"
    runs.mkdir(parents=True)
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(runs)],
        capture_output=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip("a small tmpfs cannot be mounted here (needs root)")
    try:
        pipeline = write(tmp_path / "p.yaml", BIG_FILE)
        write(tmp_path / "produce.yaml", PRODUCE)
        write(tmp_path / "consume.yaml", CONSUME)
        result = run_cli("run", str(pipeline), cwd=tmp_path)
        assert result.returncode == 1
        consume = only_run(tmp_path).task("consume")
        assert consume is not None and consume.state == "Error"
        assert "no space left on the device" in consume.message
        assert "Traceback" not in result.stderr
    finally:
        subprocess.run(["umount", str(runs)], check=False)


# ---- the run store's commands ----------------------------------------------------------------


def test_runs_commands_list_show_logs_and_delete(tmp_path: Path) -> None:
    pipeline = write(tmp_path / "p.yaml", (CASES / "static-loop.yaml").read_text())
    assert (
        run_cli(
            "run", str(pipeline), "--name", "first", "--experiment", "demo", cwd=tmp_path
        ).returncode
        == 0
    )
    listed = run_cli("runs", "list", "--experiment", "demo", cwd=tmp_path)
    assert "first" in listed.stdout and "Succeeded" in listed.stdout
    none = run_cli("runs", "list", "--experiment", "other", cwd=tmp_path)
    assert none.stdout == "" and none.stderr.startswith("no runs"), "a note, not a listing"
    shown = run_cli("runs", "show", "first", cwd=tmp_path)
    assert "square(1:n:3,name:b)" in shown.stdout and "total-all" in shown.stdout
    as_json = run_cli("runs", "show", "first", "--format", "json", cwd=tmp_path)
    assert '"state": "Succeeded"' in as_json.stdout
    record = only_run(tmp_path)
    logs = run_cli("runs", "logs", record.id[:8], cwd=tmp_path)
    assert "==> total (Succeeded) <==" in logs.stdout
    missing = run_cli("runs", "logs", record.id[:8], "nope", cwd=tmp_path)
    assert missing.returncode == 2 and "has no task 'nope'" in missing.stderr
    deleted = run_cli("runs", "delete", record.id, cwd=tmp_path)
    assert deleted.returncode == 0 and deleted.stdout == ""
    assert f"deleted run {record.id}" in deleted.stderr
    assert not Path(record.folder).exists()
    gone = run_cli("runs", "show", record.id, cwd=tmp_path)
    assert gone.returncode == 2, "a run that is not there is a usage mistake, like a missing file"
    assert "no run" in gone.stderr and gone.stdout == ""
    assert run_cli("runs", "delete", "nothing-like-it", cwd=tmp_path).returncode == 2
    assert run_cli("graph", "--run", "nothing-like-it", cwd=tmp_path).returncode == 2


FOLLOWED = """\
name: followed
tasks:
  talk:
    container:
      image: alpine
      command: [sh, -c, 'for i in 1 2 3 4; do echo "line $i"; sleep 0.3; done']
"""


def test_logs_follow_a_running_task_to_its_end(tmp_path: Path) -> None:
    pipeline = write(tmp_path / "p.yaml", FOLLOWED)
    runner = start_run(tmp_path, pipeline, "-q")
    wait_for(lambda: running_task(tmp_path, "talk"))
    follow = run_cli("runs", "logs", only_run(tmp_path).id[:8], "talk", "--follow", cwd=tmp_path)
    assert finish(runner) == 0
    assert follow.stdout.splitlines() == ["line 1", "line 2", "line 3", "line 4"]


def test_the_store_carries_its_schema_version(tmp_path: Path) -> None:
    with RunStore(tmp_path) as store:
        assert store.schema_version == SCHEMA_VERSION
    with RunStore(tmp_path) as store:  # opening again migrates nothing
        assert store.schema_version == SCHEMA_VERSION


def test_a_store_from_a_newer_yamlpipe_is_refused(tmp_path: Path) -> None:
    import sqlite3

    (tmp_path / ".yamlpipe").mkdir()
    with sqlite3.connect(tmp_path / ".yamlpipe" / "runs.db") as db:
        db.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    result = run_cli("runs", "list", cwd=tmp_path)
    assert result.returncode == 1
    assert "newer than this yamlpipe knows" in result.stderr


# ---- outside the KFP v1 subset, failures named, the Python API, the live view ---------------

STEPS_WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: steps-}
spec:
  entrypoint: main
  templates:
  - name: main
    steps:
    - - {name: hello, template: hello}
  - name: hello
    container: {image: alpine, command: [echo, hi]}
    sidecars: [{name: db, image: postgres}]
"""


def test_a_package_outside_the_kfp_subset_is_refused_at_its_lines(tmp_path: Path) -> None:
    package = write(tmp_path / "wf.yaml", STEPS_WORKFLOW)
    result = run_cli("run", str(package), cwd=tmp_path)
    assert result.returncode == 1
    assert "wf.yaml:8:5: error: template 'main' uses 'steps'" in result.stderr
    assert "wf.yaml:12:5: error: template 'hello' uses 'sidecars'" in result.stderr


UNRESOLVED_WORKFLOW = """\
apiVersion: argoproj.io/v1alpha1
kind: Workflow
metadata: {generateName: refs-}
spec:
  entrypoint: main
  templates:
  - name: main
    dag:
      tasks:
      - {name: a, template: echo, arguments: {parameters: [{name: x, value: "1"}]}}
      - name: b
        template: echo
        arguments: {parameters: [{name: x, value: "{{tasks.a.outputs.parameters.out}}"}]}
      - name: c
        template: echo
        dependencies: [a]
        arguments: {parameters: [{name: x, value: "{{tasks.a.outputs.parameters.nope}}"}]}
      - name: d
        template: echo
        dependencies: [a]
        arguments: {parameters: [{name: x, value: "{{tasks.ghost.outputs.parameters.out}}"}]}
  - name: echo
    inputs: {parameters: [{name: x}]}
    outputs: {parameters: [{name: out, valueFrom: {path: /tmp/out}}]}
    container: {image: alpine, command: [sh, -c, "echo {{inputs.parameters.y}} > /tmp/out"]}
"""


def test_references_argo_would_refuse_at_submission_are_refused_before_the_run(
    tmp_path: Path,
) -> None:
    """Argo validates a Workflow when it is submitted; what it refuses never runs here either
    (it would otherwise run with the tag's text as its value)."""
    write(tmp_path / "wf.yaml", UNRESOLVED_WORKFLOW)
    result = run_cli("run", "wf.yaml", cwd=tmp_path)
    assert result.returncode == 1
    errors = [line for line in result.stderr.splitlines() if ": error: " in line]
    assert errors == [
        "wf.yaml:13:51: error: task 'b' of template 'main' takes parameter 'x' from task 'a' "
        "without depending on it; Argo refuses this Workflow (missing dependency)",
        "wf.yaml:17:51: error: template 'main' refers to {{tasks.a.outputs.parameters.nope}}, "
        "but task 'a' (template 'echo') has no output parameter 'nope'; Argo refuses this "
        "Workflow (failed to resolve)",
        "wf.yaml:21:51: error: template 'main' refers to {{tasks.ghost.outputs.parameters.out}}, "
        "but it has no task 'ghost'; Argo refuses this Workflow (failed to resolve)",
        "wf.yaml:25:50: error: template 'echo' refers to {{inputs.parameters.y}}, but it has no "
        "input parameter 'y'; Argo refuses this Workflow (failed to resolve)",
    ]
    assert "hint: add 'a' to the task's dependencies" in result.stderr
    assert not (tmp_path / ".yamlpipe" / "runs").exists() or not any(
        (tmp_path / ".yamlpipe" / "runs").iterdir()
    )


def test_a_failed_task_is_named_at_its_line_with_its_log(tmp_path: Path) -> None:
    result = run_cli("run", str(CASES / "exit-handler.yaml"), cwd=tmp_path)
    assert result.returncode == 1
    assert "exit-handler.yaml:4:3: task 'fails' failed: exit code 4" in result.stderr
    assert "  | failing" in result.stderr
    assert "log: .yamlpipe/runs/" in result.stderr


def test_run_pipeline_from_python_returns_the_recorded_run(tmp_path: Path) -> None:
    from yamlpipe.api.run import run_pipeline
    from yamlpipe.errors import YamlpipeErrors

    record = run_pipeline(CASES / "static-loop.yaml", root=tmp_path, jobs=2)
    assert record.state == "Succeeded"
    assert {t.name for t in record.tasks} >= {"square(0:n:2,name:a)", "total"}
    with pytest.raises(YamlpipeErrors, match="no input 'nope'"):
        run_pipeline(CASES / "static-loop.yaml", {"nope": 1}, root=tmp_path)


def test_a_terminal_gets_a_live_table(tmp_path: Path) -> None:
    import pty

    pipeline = CASES / "static-loop.yaml"
    parent, child = pty.openpty()
    proc = subprocess.Popen(
        [sys.executable, "-m", "yamlpipe", "run", str(pipeline)],
        cwd=tmp_path,
        stdin=child,
        stdout=child,
        stderr=child,
        env={**os.environ, "TERM": "xterm", "COLUMNS": "120"},
    )
    os.close(child)
    output = b""
    while True:
        try:
            chunk = os.read(parent, 65536)
        except OSError:
            break
        if not chunk:
            break
        output += chunk
    assert proc.wait(timeout=60) == 0
    os.close(parent)
    text = output.decode("utf-8", errors="replace")
    assert "task" in text and "state" in text and "attempt" in text
    assert "square(2:n:4,name:c)" in text
    assert "Succeeded" in text
