"""A server killed with SIGKILL mid-run: restarted, the run is failed ("server stopped"), the
tasks that had finished keep their outputs and logs, and new runs work. SIGTERM stops the
runs and records them before the server exits."""

from __future__ import annotations

import json
import shutil
import signal
import socket
from pathlib import Path

import requests
from serving import Server, free_port, wait_for

from yamlpipe import Client
from yamlpipe.run.store import RunStore

from helpers import run_cli

SLOW = """\
name: slow
tasks:
  first:
    container:
      image: python:3.12
      command: [sh, -c, 'echo first-done; echo 42 > /tmp/outputs/n/data']
      outputs: {n: /tmp/outputs/n/data}
  second:
    after: [first]
    container:
      image: python:3.12
      command: [sh, -c, 'echo second-started; sleep 60']
"""


def _start_slow(server: Server, project: Path) -> str:
    (project / "slow.yaml").write_text(SLOW, encoding="utf-8")
    client = Client(host=server.url)
    run = client.create_run_from_pipeline_package(project / "slow.yaml", {}).run_id

    def second_running() -> bool:
        with RunStore(project) as store:
            record = store.run(run)
        first, second = record.task("first"), record.task("second")
        return (
            first is not None
            and first.state == "Succeeded"
            and second is not None
            and second.state == "Running"
        )

    wait_for(second_running, 60)
    return run


def _nodes(manifest: str) -> list[dict[str, str]]:
    return list(json.loads(manifest)["status"]["nodes"].values())


def test_sigkill_mid_run_then_restart(project: Path) -> None:
    server = Server(project, free_port()).start()
    run_id = _start_slow(server, project)
    server.stop(signal.SIGKILL)
    restarted = Server(project, free_port()).start()
    try:
        client = Client(host=restarted.url)
        detail = client.get_run(run_id)
        assert detail.run.status == "Failed"
        assert detail.run.error == "server stopped"
        with RunStore(project) as store:
            record = store.run(run_id)
            first = record.task("first")
            assert first is not None and first.state == "Succeeded"
            log = Path(record.folder) / first.log_path
            assert log.read_text().strip() == "first-done"
            assert any(first.outputs.values()), first.outputs
            second = record.task("second")
            assert second is not None and second.state == "Failed"
        again = client.create_run_from_pipeline_package(
            project / "pipelines" / "quickstart.yaml", {"rows": 100}
        )
        assert again.wait_for_run_completion(180).run.status == "Succeeded"
    finally:
        restarted.stop()


def test_sigterm_stops_runs_and_records_them(project: Path) -> None:
    server = Server(project, free_port()).start()
    run_id = _start_slow(server, project)
    # uvicorn shuts down gracefully, then ends by the signal it caught, as a process should.
    assert server.stop(signal.SIGTERM, timeout=60) in (0, -signal.SIGTERM)
    assert "Traceback" not in server.log()
    with RunStore(project) as store:
        record = store.run(run_id)
    assert record.state == "Cancelled"
    assert record.message == "cancelled: the server stopped"
    second = record.task("second")
    assert second is not None and second.state == "Cancelled"


def test_terminate_through_the_api(server: Server, project: Path) -> None:
    run_id = _start_slow(server, project)
    answer = requests.post(f"{server.url}/apis/v1beta1/runs/{run_id}/terminate", timeout=10)
    assert answer.status_code == 200
    client = Client(host=server.url)
    detail = client.wait_for_run_completion(run_id, 60)
    assert detail.run.status == "Terminated"
    assert detail.run.error == "terminated: stopped by request"


def test_a_port_in_use_or_an_unusable_store_stops_the_start_with_a_message(project: Path) -> None:
    """Exit 1 and what to do, never uvicorn's own exit code or a traceback."""
    with socket.create_server(("127.0.0.1", 0)) as taken:
        port = str(taken.getsockname()[1])
        done = run_cli("serve", "--port", port, cwd=project)
    assert done.returncode == 1, done.stderr
    assert f"cannot serve on 127.0.0.1:{port}: Address already in use" in done.stderr
    assert "hint: choose another --port" in done.stderr
    shutil.rmtree(project / ".yamlpipe", ignore_errors=True)
    (project / ".yamlpipe").write_text("not a folder\n")
    done = run_cli("serve", "--port", "0", cwd=project)
    assert done.returncode == 1, done.stderr
    assert "cannot open the run store" in done.stderr and "Traceback" not in done.stderr
