"""`yamlpipe run` and `yamlpipe runs ...`: run pipelines on this machine, and look at runs."""

from __future__ import annotations

import enum
import json
import os
import re
import signal
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from yamlpipe import api
from yamlpipe.cli import render
from yamlpipe.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    ArgumentOption,
    ArgumentsFileOption,
    FrozenOption,
    LazyModule,
    OfflineOption,
    print_problems,
    require_paths,
)
from yamlpipe.errors import YamlpipeError, YamlpipeErrors

if TYPE_CHECKING:
    from yamlpipe.api import run as run_api
    from yamlpipe.cli import progress as progress_module
    from yamlpipe.run import runner
    from yamlpipe.run import store as stores
    from yamlpipe.run.runner import RunOptions, RunResult
    from yamlpipe.run.store import RunRecord, RunStore, TaskRecord
else:
    run_api = LazyModule("yamlpipe.api.run")
    runner = LazyModule("yamlpipe.run.runner")
    stores = LazyModule("yamlpipe.run.store")
    progress_module = LazyModule("yamlpipe.cli.progress")

EXIT_INTERRUPTED = 130
LOG_TAIL = 20
RUN_ID = re.compile(r"[0-9a-f][0-9a-f-]{7,63}")


class BackendName(enum.StrEnum):
    subprocess = "subprocess"
    docker = "docker"


class ListFormat(enum.StrEnum):
    text = "text"
    json = "json"


runs_app = typer.Typer(
    help="Look at the runs recorded in this project's run store (.yamlpipe/runs.db).",
    short_help="Look at recorded runs: list, show, logs, delete.",
    no_args_is_help=True,
)


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command(name="run", short_help="Run a pipeline or package on this machine.")(run_command)
    app.add_typer(runs_app, name="runs")


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"yamlpipe: error: {message}", err=True)
    raise typer.Exit(code)


def _arguments(assignments: list[str], arguments_file: str | None) -> dict[str, str]:
    given = run_api.read_arguments_file(arguments_file) if arguments_file else {}
    given.update(run_api.parse_assignments(assignments))
    return given


def run_command(
    target: Annotated[
        str,
        typer.Argument(
            metavar="PIPELINE|PACKAGE",
            help="A pipeline file (validated and compiled first), or a compiled package "
            "(.yaml, .zip, .tar.gz; ours or KFP 1.8's).",
            show_default=False,
        ),
    ],
    argument: ArgumentOption = None,
    arguments_file: ArgumentsFileOption = None,
    backend: Annotated[
        BackendName,
        typer.Option(
            "--backend",
            metavar="BACKEND",
            help="subprocess: steps as processes here; docker: in containers of their images, "
            "volumes as folders of the run (DOCKER_HOST names the engine).",
        ),
    ] = BackendName.subprocess,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", min=0, metavar="N", help="Steps at once (default: the number of cores)."
        ),
    ] = 0,
    no_cache: Annotated[
        bool,
        typer.Option("--no-cache", help="Run every step, even when an earlier result matches."),
    ] = False,
    experiment: Annotated[
        str,
        typer.Option("--experiment", metavar="NAME", help="The experiment to file the run under."),
    ] = "Default",
    name: Annotated[
        str | None,
        typer.Option(
            "--name", metavar="NAME", help="A name for the run (default: the workflow name)."
        ),
    ] = None,
    secrets: Annotated[
        str | None,
        typer.Option(
            "--secrets",
            metavar="FILE",
            help="Values for secret references: {secret: {key: value}} (YAML or JSON). Also read "
            "from YAMLPIPE_SECRET_<NAME>_<KEY> variables.",
        ),
    ] = None,
    network: Annotated[
        str | None,
        typer.Option(
            "--network",
            metavar="NETWORK",
            help="docker backend: the network containers join (e.g. none; default: docker's).",
        ),
    ] = None,
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="Print only the summary.")] = False,
    offline: OfflineOption = False,
    frozen: FrozenOption = False,
    run_id: Annotated[
        str | None,
        typer.Option(
            "--run-id",
            metavar="ID",
            hidden=True,
            help="The run's id, chosen by the caller (yamlpipe.Client starts runs this way).",
        ),
    ] = None,
) -> None:
    """Run a pipeline on this machine and record it in the run store.

    A pipeline file is validated and compiled first; the runner then executes the compiled
    Argo Workflow, exactly what a cluster would run. Exit codes: 0 the run succeeded, 1 it
    failed (or the input is invalid), 2 usage error, 130 interrupted.
    """
    require_paths([target])
    if jobs < 0:
        _fail("--jobs must be at least 1")
    if run_id is not None and not RUN_ID.fullmatch(run_id):
        _fail(f"--run-id {run_id!r} is not a run id (lower-case hex digits and dashes)")
    prepared = run_api.prepare_run(target, api.ResolveOptions(offline=offline, frozen=frozen))
    problems = list(prepared.report.problems)
    if problems:
        print_problems(problems, dict(prepared.report.texts))
    if not prepared.ok or prepared.source is None:
        raise typer.Exit(EXIT_INVALID)
    try:
        given = _arguments(argument or [], arguments_file)
        bound = run_api.bind_arguments(prepared.source.workflow, given)
    except YamlpipeErrors as errors:
        _report_argument_problems(list(errors))
    except run_api.ArgumentError as error:
        _report_argument_problems([error])
    try:
        secret_values = run_api.read_secrets_file(secrets) if secrets else {}
    except YamlpipeError as error:
        print_problems([error], {})
        raise typer.Exit(EXIT_INVALID) from None
    options = runner.RunOptions(
        backend.value, jobs, not no_cache, experiment, name, secret_values, network, run_id=run_id
    )
    _execute(prepared, bound, options, quiet)


def _report_argument_problems(problems: list[YamlpipeError]) -> NoReturn:
    for problem in problems:
        hint = f"\n      = hint: {problem.hint}" if problem.hint else ""
        typer.echo(f"yamlpipe: error: {problem.message}{hint}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _execute(
    prepared: run_api.Prepared, bound: dict[str, str], options: RunOptions, quiet: bool
) -> None:
    if options.run_id is not None:
        with _open() as store:
            _refuse_taken_id(store, options.run_id)
    progress = progress_module.make_progress(quiet)
    started = time.time()
    _stop_on_signals()
    try:
        with run_api.open_store() as store:
            result = run_api.run_prepared(prepared, bound, options, store=store, observer=progress)
    except runner.RunRefused as refused:
        progress.close()
        texts = dict(prepared.report.texts)
        print_problems(refused.problems, texts)
        count = len(refused.problems)
        plural = "s" if count > 1 else ""
        typer.echo(f"yamlpipe: nothing was run ({count} problem{plural})", err=True)
        raise typer.Exit(EXIT_INVALID) from None
    except stores.StoreError as error:
        progress.close()
        _fail(str(error), EXIT_INVALID)
    except KeyboardInterrupt:
        progress.close()
        typer.echo(
            "yamlpipe: interrupted; every step was stopped and the run recorded as cancelled",
            err=True,
        )
        raise typer.Exit(EXIT_INTERRUPTED) from None
    progress.close()
    _summary(result, time.time() - started)
    raise typer.Exit(EXIT_OK if result.phase == "Succeeded" else EXIT_INVALID)


def _refuse_taken_id(store: RunStore, run_id: str | None) -> None:
    try:
        taken = run_id is not None and store.resolve_run_id(run_id) == run_id
    except stores.StoreError:
        taken = False
    if taken:
        _fail(f"--run-id {run_id}: the run store already has a run with that id")


def _interrupt(number: int, _frame: object) -> None:
    raise KeyboardInterrupt(signal.Signals(number).name)


def _stop_on_signals() -> None:
    """SIGTERM (a `kill`, a Client's terminate_run) stops the run as Ctrl-C does: every step
    is stopped and the run is recorded as cancelled, rather than left running unrecorded. A
    runner started detached may have inherited an ignored SIGINT: make Ctrl-C count again."""
    signal.signal(signal.SIGTERM, _interrupt)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _summary(result: RunResult, wall: float) -> None:
    record = result.record
    steps = [t for t in record.tasks if t.kind in ("Pod", "Skipped")]
    counts = {
        "succeeded": sum(t.state == "Succeeded" and not t.cached for t in steps),
        "cached": sum(t.cached for t in steps),
        "failed": sum(t.state in ("Failed", "Error") for t in steps),
        "skipped": sum(t.state in ("Skipped", "Omitted") for t in steps),
    }
    parts = ", ".join(f"{v} {k}" for k, v in counts.items() if v)
    typer.echo(
        f"run {record.id[:8]} ({record.name}): {record.state} in {wall:.1f}s: {parts or 'no steps'}"
    )
    for task in steps:
        if task.state in ("Failed", "Error"):
            _explain_failure(record, task)
    typer.echo(f"details: yamlpipe runs show {record.id[:8]}", err=True)


def _explain_failure(record: RunRecord, task: TaskRecord) -> None:
    where = f"{task.source}: " if task.source else ""
    typer.echo(f"{where}task {task.name!r} {task.state.lower()}: {task.message}", err=True)
    if not task.log_path or not os.path.exists(task.log_path):
        return
    lines = Path(task.log_path).read_text("utf-8", errors="replace").splitlines()
    if lines:
        typer.echo(f"  last {min(len(lines), LOG_TAIL)} log lines:", err=True)
        for line in lines[-LOG_TAIL:]:
            typer.echo(f"  | {line}", err=True)
    typer.echo(f"  log: {render.display(Path(task.log_path))}", err=True)


# ---- runs ... --------------------------------------------------------------------------------


def _open() -> RunStore:
    try:
        return run_api.open_store()
    except stores.StoreError as error:
        _fail(str(error), EXIT_INVALID)


def _store_failure(error: Exception) -> NoReturn:
    """A run asked for that is not there (or is ambiguous) is a usage mistake; a store that
    cannot be read is not."""
    _fail(str(error), EXIT_USAGE if isinstance(error, stores.RunNotFound) else EXIT_INVALID)


def _find(store: RunStore, run: str) -> RunRecord:
    try:
        return store.run(run)
    except stores.StoreError as error:
        _store_failure(error)


def _when(seconds: float | None) -> str:
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds)) if seconds else ""


def _took(seconds: float | None) -> str:
    return f"{seconds:.1f}s" if seconds is not None else ""


RunArgument = Annotated[
    str,
    typer.Argument(
        metavar="RUN", help="A run id (or a unique prefix of it) or name.", show_default=False
    ),
]


@runs_app.command("list", short_help="List runs, newest first.")
def runs_list(
    experiment: Annotated[
        str | None,
        typer.Option("--experiment", metavar="NAME", help="Only this experiment's runs."),
    ] = None,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")
    ] = ListFormat.text,
) -> None:
    """List runs, newest first."""
    with _open() as store:
        records = store.runs(experiment)
    if output_format is ListFormat.json:
        typer.echo(json.dumps([runner.describe_record(r) for r in records], indent=2))
        raise typer.Exit(EXIT_OK)
    if not records:
        typer.echo("no runs yet: start one with `yamlpipe run PIPELINE`", err=True)
        raise typer.Exit(EXIT_OK)
    typer.echo(f"{'RUN':<8}  {'STATE':<10} {'STARTED':<19}  {'TIME':>8}  {'EXPERIMENT':<12} NAME")
    for r in records:
        typer.echo(
            f"{r.id[:8]}  {r.state:<10} {_when(r.started_at):<19}  {_took(r.duration):>8}  "
            f"{r.experiment:<12} {r.name}"
        )
    raise typer.Exit(EXIT_OK)


@runs_app.command("show", short_help="Show a run: tasks, states, attempts, outputs.")
def runs_show(
    run: RunArgument,
    output_format: Annotated[
        ListFormat, typer.Option("--format", "-f", metavar="FORMAT", help="text or json.")
    ] = ListFormat.text,
) -> None:
    """Show a run: its arguments, state, and every task with its state, attempts and outputs."""
    with _open() as store:
        record = _find(store, run)
    if output_format is ListFormat.json:
        typer.echo(json.dumps(runner.describe_record(record), indent=2))
        raise typer.Exit(EXIT_OK)
    typer.echo(f"run {record.id}  {record.name}")
    typer.echo(f"  state:      {record.state}{': ' + record.message if record.message else ''}")
    typer.echo(f"  experiment: {record.experiment}")
    typer.echo(f"  pipeline:   {record.pipeline_file or '(package)'}  backend: {record.backend}")
    typer.echo(f"  started:    {_when(record.started_at)}  took {_took(record.duration)}")
    typer.echo(
        f"  arguments:  {json.dumps(record.arguments) if record.arguments else '(defaults)'}"
    )
    typer.echo(f"  files:      {render.display(Path(record.folder))}")
    typer.echo("")
    for task in record.tasks:
        if task.kind in ("DAG", "TaskGroup"):
            continue
        _show_task(task)
    raise typer.Exit(EXIT_OK)


def _show_task(task: TaskRecord) -> None:
    state = "Cached" if task.cached else task.state
    attempts = f" attempts {task.attempts}" if task.attempts > 1 else ""
    message = f"  {task.message}" if task.message and state != "Succeeded" else ""
    typer.echo(f"  {task.name:<32} {state:<10} {_took(task.duration):>8}{attempts}{message}")
    for name, value in (task.outputs.get("parameters") or {}).items():
        shown = value if len(value) <= 70 else value[:67] + "..."
        typer.echo(f"      {name} = {shown}")
    for name, path in (task.outputs.get("artifacts") or {}).items():
        typer.echo(f"      {name} -> {render.display(Path(path))}")


@runs_app.command("logs", short_help="Print the logs of a run's tasks.")
def runs_logs(
    run: RunArgument,
    task: Annotated[
        str | None,
        typer.Argument(
            metavar="[TASK]",
            help="One task (as `runs show` names it); default: all.",
            show_default=False,
        ),
    ] = None,
    follow: Annotated[
        bool, typer.Option("--follow", "-f", help="Keep printing until the task or run ends.")
    ] = False,
) -> None:
    """Print the logs of a run's tasks (the latest attempt of each)."""
    with _open() as store:
        record = _find(store, run)
        chosen = _chosen_tasks(record, task)
        if follow:
            _follow(store, record, chosen[0].name if task else None)
            raise typer.Exit(EXIT_OK)
    for item in chosen:
        if len(chosen) > 1:
            typer.echo(f"==> {item.name} ({item.state}) <==")
        if item.log_path and os.path.exists(item.log_path):
            typer.echo(Path(item.log_path).read_text("utf-8", errors="replace"), nl=False)
    raise typer.Exit(EXIT_OK)


def _chosen_tasks(record: RunRecord, task: str | None) -> list[TaskRecord]:
    if task is None:
        return [t for t in record.tasks if t.log_path]
    found = record.task(task)
    if found is None:
        names = ", ".join(t.name for t in record.tasks if t.kind == "Pod")
        _fail(f"run {record.id[:8]} has no task {task!r} (its tasks: {names})", EXIT_USAGE)
    return [found]


def _follow(store: RunStore, record: RunRecord, task: str | None) -> None:
    """Print new log text as it is written, until the task (or the whole run) is finished."""
    offsets: dict[str, int] = {}
    while True:
        current = store.run(record.id)
        chosen = [current.task(task)] if task else [t for t in current.tasks if t.log_path]
        for item in chosen:
            if item is None or not item.log_path or not os.path.exists(item.log_path):
                continue
            with open(item.log_path, "rb") as stream:
                stream.seek(offsets.get(item.log_path, 0))
                data = stream.read()
            if data:
                offsets[item.log_path] = offsets.get(item.log_path, 0) + len(data)
                typer.echo(data.decode("utf-8", errors="replace"), nl=False)
        done = (
            current.finished
            if task is None
            else (chosen[0] is not None and chosen[0].state not in ("Pending", "Running"))
        )
        if done:
            return
        time.sleep(0.5)


@runs_app.command("delete", short_help="Delete a finished run and its files.")
def runs_delete(
    run: RunArgument,
) -> None:
    """Delete a finished run: its record, its tasks and its files."""
    with _open() as store:
        try:
            deleted = store.delete_run(run)
        except stores.StoreError as error:
            _store_failure(error)
    typer.echo(f"deleted run {deleted}", err=True)
    raise typer.Exit(EXIT_OK)


__all__ = ["register"]
