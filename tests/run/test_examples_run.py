"""The bundled examples with `yamlpipe run`: the quickstart runs here and gives its answer;
the ones that need volumes or a cluster are refused, naming the task, before anything runs.
(train-and-evaluate and hyperparameter-sweep install PyPI packages and download data, so they
are not run by the tests, which never reach the internet.)"""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlpipe.run.store import RunStore

from helpers import ROOT, run_cli

PIPELINES = ROOT / "pipelines"


def test_the_quickstart_runs_and_reports_its_best_model(tmp_path: Path) -> None:
    result = run_cli("run", str(PIPELINES / "quickstart.yaml"), cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    with RunStore(tmp_path) as store:
        record = store.run(store.runs()[0].id)
    assert record.state == "Succeeded"
    report = record.task("report")
    assert report is not None and report.state == "Succeeded"
    assert "is the best: accuracy 0.9" in Path(report.log_path).read_text()
    done = record.task("onExit")
    assert done is not None
    assert Path(done.log_path).read_text().endswith("finished: Succeeded\n")
    trained = [t for t in record.tasks if t.name.startswith("train(")]
    assert len(trained) == 3


@pytest.mark.parametrize(
    ("pipeline", "arguments", "reason"),
    [
        ("volume-snapshot.yaml", [], "run it with --backend docker"),
        (
            "train-evaluate-deploy.yaml",
            ["-a", "data_url=https://example.com/d.csv"],
            "needs a cluster",
        ),
    ],
)
def test_what_needs_more_than_this_machine_is_refused(
    tmp_path: Path, pipeline: str, arguments: list[str], reason: str
) -> None:
    result = run_cli("run", str(PIPELINES / pipeline), *arguments, cwd=tmp_path)
    assert result.returncode == 1
    assert reason in result.stderr
    assert f"{pipeline}:" in result.stderr
    assert not (tmp_path / ".yamlpipe" / "runs").exists()


def test_a_run_is_drawn_coloured_by_state(tmp_path: Path) -> None:
    assert (
        run_cli("run", str(ROOT / "tests/run/cases/exit-handler.yaml"), cwd=tmp_path).returncode
        == 1
    )
    with RunStore(tmp_path) as store:
        run_id = store.runs()[0].id
    mermaid = run_cli("graph", "--run", run_id[:8], cwd=tmp_path)
    assert mermaid.returncode == 0, mermaid.stderr
    assert 't_fails["fails"]:::failed' in mermaid.stdout
    assert 't_onExit["on exit"]:::succeeded' in mermaid.stdout
    dot = run_cli("graph", "--run", run_id, "--format", "dot", cwd=tmp_path)
    assert 'fillcolor="#fbdada"' in dot.stdout
    assert run_cli("graph", "--run", "nope", cwd=tmp_path).returncode == 2  # no such run
    assert run_cli("graph", cwd=tmp_path).returncode == 2


def test_a_loop_is_one_box_counting_its_iterations(tmp_path: Path) -> None:
    assert run_cli("run", str(PIPELINES / "quickstart.yaml"), cwd=tmp_path).returncode == 0
    with RunStore(tmp_path) as store:
        run_id = store.runs()[0].id
    mermaid = run_cli("graph", "--run", run_id, cwd=tmp_path)
    assert 't_train["train<br/>loop<br/>3 succeeded"]:::succeeded' in mermaid.stdout
    assert "t_data --> t_train" in mermaid.stdout
