"""The run store: `.yamlpipe/runs.db` (SQLite, WAL) beside the runs' files. The one module that
writes SQL; the CLI, `Client()` and `serve` all read runs through it.

The schema carries a version (SQLite's user_version) and grows by numbered migrations. Every
write is its own short transaction, so several runners (and a server) can share the store.
A run whose runner died (kill -9, a crash, a reboot) is marked failed the next time the store
is opened: runs record the host, pid and process start time of their runner.
"""

from __future__ import annotations

import getpass
import json
import os
import shutil
import socket
import sqlite3
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlpipe.run.model import FINISHED, Attempt, Node
from yamlpipe.run.processes import is_running, process_start, stop_orphans

STORE_FOLDER = ".yamlpipe"
DATABASE = "runs.db"
DEFAULT_EXPERIMENT = "Default"
RUNNING_STATES = ("Pending", "Running")

MIGRATIONS: tuple[tuple[str, ...], ...] = (
    (
        """CREATE TABLE experiments (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL)""",
        """CREATE TABLE runs (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL,
            experiment_id TEXT NOT NULL REFERENCES experiments(id),
            workflow_name TEXT NOT NULL,
            pipeline_file TEXT NOT NULL DEFAULT '',
            pipeline_digest TEXT NOT NULL DEFAULT '',
            workflow TEXT NOT NULL DEFAULT '{}',
            arguments TEXT NOT NULL DEFAULT '{}',
            backend TEXT NOT NULL,
            state TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            started_at REAL,
            finished_at REAL,
            user TEXT NOT NULL DEFAULT '',
            host TEXT NOT NULL DEFAULT '',
            pid INTEGER,
            pid_start TEXT NOT NULL DEFAULT '',
            owner TEXT NOT NULL DEFAULT 'runner',
            folder TEXT NOT NULL DEFAULT '')""",
        "CREATE INDEX runs_by_experiment ON runs(experiment_id, created_at)",
        """CREATE TABLE tasks (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            node_id INTEGER NOT NULL,
            name TEXT NOT NULL,
            parent INTEGER,
            kind TEXT NOT NULL,
            task TEXT NOT NULL DEFAULT '',
            template TEXT NOT NULL DEFAULT '',
            state TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            attempts INTEGER NOT NULL DEFAULT 0,
            exit_code INTEGER,
            cached INTEGER NOT NULL DEFAULT 0,
            started_at REAL,
            finished_at REAL,
            folder TEXT NOT NULL DEFAULT '',
            log_path TEXT NOT NULL DEFAULT '',
            source TEXT NOT NULL DEFAULT '',
            details TEXT NOT NULL DEFAULT '{}',
            outputs TEXT NOT NULL DEFAULT '{}',
            PRIMARY KEY (run_id, node_id))""",
        """CREATE TABLE attempts (
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            node_id INTEGER NOT NULL,
            number INTEGER NOT NULL,
            state TEXT NOT NULL,
            message TEXT NOT NULL DEFAULT '',
            exit_code INTEGER,
            started_at REAL,
            finished_at REAL,
            log_path TEXT NOT NULL DEFAULT '',
            PRIMARY KEY (run_id, node_id, number))""",
        """CREATE TABLE cache (
            key TEXT NOT NULL,
            run_id TEXT NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
            node_id INTEGER NOT NULL,
            outputs TEXT NOT NULL,
            created_at REAL NOT NULL,
            PRIMARY KEY (key, run_id, node_id))""",
        "CREATE INDEX cache_by_key ON cache(key, created_at)",
    ),
    (
        # Pipelines and their versions, as KFP's API models them (a pipeline's default version
        # is its latest upload); the Client uploads here and `serve` lists them.
        """CREATE TABLE pipelines (
            id TEXT PRIMARY KEY,
            name TEXT NOT NULL UNIQUE,
            description TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            default_version_id TEXT)""",
        """CREATE TABLE pipeline_versions (
            id TEXT PRIMARY KEY,
            pipeline_id TEXT NOT NULL REFERENCES pipelines(id) ON DELETE CASCADE,
            name TEXT NOT NULL,
            description TEXT NOT NULL DEFAULT '',
            created_at REAL NOT NULL,
            workflow TEXT NOT NULL,
            parameters TEXT NOT NULL DEFAULT '[]',
            code_source_url TEXT NOT NULL DEFAULT '',
            UNIQUE (pipeline_id, name))""",
        "CREATE INDEX versions_by_pipeline ON pipeline_versions(pipeline_id, created_at)",
        # A run started from an uploaded pipeline names it (no foreign key: deleting a
        # pipeline keeps its runs, as in KFP).
        "ALTER TABLE runs ADD COLUMN pipeline_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE runs ADD COLUMN pipeline_version_id TEXT NOT NULL DEFAULT ''",
        "ALTER TABLE runs ADD COLUMN description TEXT NOT NULL DEFAULT ''",
    ),
)
"""Migration N (1-based) brings the schema from version N-1 to N."""
SCHEMA_VERSION = len(MIGRATIONS)


class StoreError(Exception):
    """The store cannot be opened or a run cannot be found."""


class NotFoundError(StoreError):
    """No run, experiment, pipeline or version with that id."""


class RunNotFound(NotFoundError):
    """No run, or more than one, answers to the id, prefix or name given: a usage mistake."""


class ConflictError(StoreError):
    """A name that must be unique is taken."""


SORT_COLUMNS = {"id": "id", "name": "name", "created_at": "created_at"}
"""What lists may be sorted by (KFP's `sort_by` field names)."""


@dataclass
class NodeChange:
    """A node to write as it is now, with the attempts that changed since it was written."""

    node: Node
    attempts: dict[int, Attempt] = field(default_factory=dict)


@dataclass(frozen=True)
class Page:
    """A slice of a list: `limit` rows (0: all) from `offset`, in `order`."""

    offset: int = 0
    limit: int = 0
    order: str = "created_at"
    descending: bool = False

    def clause(self, table: str) -> str:
        """ORDER BY, LIMIT and OFFSET for a query over `table` (the order is whitelisted)."""
        column = SORT_COLUMNS.get(self.order, "created_at")
        direction = "DESC" if self.descending else "ASC"
        text = f" ORDER BY {table}.{column} {direction}, {table}.id {direction}"
        if self.limit:
            text += f" LIMIT {int(self.limit)} OFFSET {int(self.offset)}"
        return text


@dataclass(frozen=True)
class ExperimentRecord:
    id: str
    name: str
    description: str
    created_at: float


@dataclass(frozen=True)
class NewVersion:
    """A pipeline version to record: the package's Workflow and its parameters."""

    name: str
    workflow: Mapping[str, Any]
    parameters: tuple[tuple[str, str | None], ...] = ()
    """(name, default) of each pipeline parameter; None: no default."""
    description: str = ""
    code_source_url: str = ""


@dataclass(frozen=True)
class PipelineVersionRecord:
    id: str
    pipeline_id: str
    name: str
    description: str
    created_at: float
    parameters: tuple[tuple[str, str | None], ...]
    code_source_url: str


@dataclass(frozen=True)
class PipelineRecord:
    id: str
    name: str
    description: str
    created_at: float
    default_version: PipelineVersionRecord | None


@dataclass(frozen=True)
class TaskRecord:
    node_id: int
    name: str
    parent: int | None
    kind: str
    task: str
    template: str
    state: str
    message: str
    attempts: int
    exit_code: int | None
    cached: bool
    started_at: float | None
    finished_at: float | None
    folder: str
    log_path: str
    source: str
    details: dict[str, Any]
    outputs: dict[str, Any]

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at


@dataclass(frozen=True)
class RunRecord:
    id: str
    name: str
    experiment: str
    workflow_name: str
    pipeline_file: str
    pipeline_digest: str
    arguments: dict[str, str]
    backend: str
    state: str
    message: str
    created_at: float
    started_at: float | None
    finished_at: float | None
    user: str
    host: str
    folder: str
    tasks: tuple[TaskRecord, ...] = field(default=())
    experiment_id: str = ""
    pipeline_id: str = ""
    pipeline_version_id: str = ""
    description: str = ""
    owner: str = "runner"
    """Who drives the run: a `yamlpipe run` process (`runner`) or `yamlpipe serve` (`server`)."""
    pid: int | None = None

    @property
    def finished(self) -> bool:
        return self.state not in RUNNING_STATES

    @property
    def duration(self) -> float | None:
        if self.started_at is None:
            return None
        return (self.finished_at or time.time()) - self.started_at

    def task(self, name: str) -> TaskRecord | None:
        """A task by its display name (`train`, `sweep(0:a).train`) or its node id."""
        for record in self.tasks:
            if record.name == name or str(record.node_id) == name:
                return record
        return None


class RunStore:
    """One connection to a project's run store; use it from one thread."""

    def __init__(self, root: str | os.PathLike[str]) -> None:
        self.root = Path(root).resolve()
        self.folder = self.root / STORE_FOLDER
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            self.db = sqlite3.connect(self.folder / DATABASE, timeout=30, isolation_level=None)
            self.db.row_factory = sqlite3.Row
            self.db.execute("PRAGMA journal_mode=WAL")
            self.db.execute("PRAGMA synchronous=NORMAL")
            self.db.execute("PRAGMA foreign_keys=ON")
            self._migrate()
        except (OSError, sqlite3.Error) as exc:
            raise StoreError(f"cannot open the run store in {self.folder}: {exc}") from None
        self.reap()

    def close(self) -> None:
        self.db.close()

    def __enter__(self) -> RunStore:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    # ---- schema ------------------------------------------------------------------------------

    def _migrate(self) -> None:
        version = int(self.db.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"the run store has schema version {version}, newer than this yamlpipe "
                f"knows ({SCHEMA_VERSION}); upgrade yamlpipe"
            )
        for number in range(version + 1, SCHEMA_VERSION + 1):
            self.db.execute("BEGIN IMMEDIATE")
            try:
                current = int(self.db.execute("PRAGMA user_version").fetchone()[0])
                if current < number:
                    for statement in MIGRATIONS[number - 1]:
                        self.db.execute(statement)
                    self.db.execute(f"PRAGMA user_version = {number}")
                self.db.execute("COMMIT")
            except BaseException:
                self.db.execute("ROLLBACK")
                raise

    @property
    def schema_version(self) -> int:
        return int(self.db.execute("PRAGMA user_version").fetchone()[0])

    # ---- runners that died -------------------------------------------------------------------

    def reap(self) -> list[str]:
        """Mark runs whose runner process is gone as failed; their ids."""
        host = socket.gethostname()
        rows = self.db.execute(
            "SELECT id, pid, pid_start, owner FROM runs WHERE host = ? AND state IN (?, ?)",
            (host, *RUNNING_STATES),
        ).fetchall()
        dead = [r for r in rows if r["pid"] is None or not is_running(r["pid"], r["pid_start"])]
        for row in dead:
            self.finish_run(row["id"], "Failed", f"{row['owner']} stopped", unfinished="Failed")
            folder = self.db.execute(
                "SELECT folder FROM runs WHERE id = ?", (row["id"],)
            ).fetchone()
            if folder is not None and folder["folder"]:
                stop_orphans(folder["folder"])
        return [r["id"] for r in dead]

    # ---- experiments -------------------------------------------------------------------------

    def experiment_id(self, name: str, description: str = "") -> str:
        """The id of the named experiment, created when it does not exist yet."""
        row = self.db.execute("SELECT id FROM experiments WHERE name = ?", (name,)).fetchone()
        if row is not None:
            return str(row["id"])
        new_id = str(uuid.uuid4())
        self.db.execute(
            "INSERT OR IGNORE INTO experiments (id, name, description, created_at) "
            "VALUES (?, ?, ?, ?)",
            (new_id, name, description, time.time()),
        )
        row = self.db.execute("SELECT id FROM experiments WHERE name = ?", (name,)).fetchone()
        return str(row["id"])

    def experiments(self) -> list[dict[str, Any]]:
        rows = self.db.execute("SELECT * FROM experiments ORDER BY created_at").fetchall()
        return [dict(r) for r in rows]

    def create_experiment(self, name: str, description: str = "") -> ExperimentRecord:
        """A new experiment; ConflictError when the name is taken."""
        new_id = str(uuid.uuid4())
        try:
            self.db.execute(
                "INSERT INTO experiments (id, name, description, created_at) VALUES (?, ?, ?, ?)",
                (new_id, name, description, time.time()),
            )
        except sqlite3.IntegrityError:
            raise ConflictError(f"an experiment named {name!r} already exists") from None
        return self.experiment(new_id)

    def experiment(self, experiment_id: str) -> ExperimentRecord:
        row = self.db.execute("SELECT * FROM experiments WHERE id = ?", (experiment_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no experiment with id {experiment_id!r}")
        return _experiment_record(row)

    def list_experiments(
        self, page: Page, name: str | None = None
    ) -> tuple[list[ExperimentRecord], int]:
        """One page of experiments (only the one called `name`, when given) and the total."""
        where, params = _name_filter("experiments", name)
        rows = self._select("experiments", where, params, page)
        return [_experiment_record(r) for r in rows], self._count("experiments", where, params)

    # ---- pipelines and their versions --------------------------------------------------------

    def create_pipeline(self, name: str, description: str, version: NewVersion) -> PipelineRecord:
        """A pipeline with its first version, in one transaction (both or neither)."""
        pipeline_id = str(uuid.uuid4())
        with self._transaction(f"a pipeline named {name!r} already exists"):
            self.db.execute(
                "INSERT INTO pipelines (id, name, description, created_at) VALUES (?, ?, ?, ?)",
                (pipeline_id, name, description, time.time()),
            )
            self._insert_version(pipeline_id, version)
        return self.pipeline(pipeline_id)

    def add_pipeline_version(self, pipeline_id: str, version: NewVersion) -> PipelineVersionRecord:
        """A new version of a pipeline, which becomes its default (as in KFP)."""
        pipeline = self.pipeline(pipeline_id)
        taken = f"pipeline {pipeline.name!r} already has a version named {version.name!r}"
        with self._transaction(taken):
            version_id = self._insert_version(pipeline_id, version)
        return self.pipeline_version(version_id)

    @contextmanager
    def _transaction(self, conflict: str) -> Iterator[None]:
        """One write transaction; a unique name already taken is a ConflictError saying
        `conflict`."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield
            self.db.execute("COMMIT")
        except sqlite3.IntegrityError:
            self.db.execute("ROLLBACK")
            raise ConflictError(conflict) from None
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _insert_version(self, pipeline_id: str, version: NewVersion) -> str:
        version_id = str(uuid.uuid4())
        self.db.execute(
            """INSERT INTO pipeline_versions (id, pipeline_id, name, description, created_at,
                workflow, parameters, code_source_url) VALUES (?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                version_id,
                pipeline_id,
                version.name,
                version.description,
                time.time(),
                json.dumps(version.workflow),
                json.dumps([list(p) for p in version.parameters]),
                version.code_source_url,
            ),
        )
        self.db.execute(
            "UPDATE pipelines SET default_version_id = ? WHERE id = ?", (version_id, pipeline_id)
        )
        return version_id

    def pipeline(self, pipeline_id: str) -> PipelineRecord:
        row = self.db.execute("SELECT * FROM pipelines WHERE id = ?", (pipeline_id,)).fetchone()
        if row is None:
            raise NotFoundError(f"no pipeline with id {pipeline_id!r}")
        return self._pipeline_record(row)

    def list_pipelines(
        self, page: Page, name: str | None = None
    ) -> tuple[list[PipelineRecord], int]:
        """One page of pipelines (only the one called `name`, when given) and the total."""
        where, params = _name_filter("pipelines", name)
        rows = self._select("pipelines", where, params, page)
        return [self._pipeline_record(r) for r in rows], self._count("pipelines", where, params)

    def delete_pipeline(self, pipeline_id: str) -> None:
        """Remove a pipeline and its versions; runs started from it stay."""
        cursor = self.db.execute("DELETE FROM pipelines WHERE id = ?", (pipeline_id,))
        if cursor.rowcount == 0:
            raise NotFoundError(f"no pipeline with id {pipeline_id!r}")

    def pipeline_version(self, version_id: str) -> PipelineVersionRecord:
        row = self.db.execute(
            "SELECT * FROM pipeline_versions WHERE id = ?", (version_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no pipeline version with id {version_id!r}")
        return _version_record(row)

    def list_pipeline_versions(
        self, pipeline_id: str, page: Page
    ) -> tuple[list[PipelineVersionRecord], int]:
        self.pipeline(pipeline_id)
        where, params = " WHERE pipeline_versions.pipeline_id = ?", (pipeline_id,)
        rows = self._select("pipeline_versions", where, params, page)
        return [_version_record(r) for r in rows], self._count("pipeline_versions", where, params)

    def version_workflow(self, version_id: str) -> dict[str, Any]:
        """A version's Workflow (read on its own: it can be large)."""
        row = self.db.execute(
            "SELECT workflow FROM pipeline_versions WHERE id = ?", (version_id,)
        ).fetchone()
        if row is None:
            raise NotFoundError(f"no pipeline version with id {version_id!r}")
        return dict(json.loads(row["workflow"]))

    def _pipeline_record(self, row: sqlite3.Row) -> PipelineRecord:
        version = row["default_version_id"]
        return PipelineRecord(
            id=row["id"],
            name=row["name"],
            description=row["description"],
            created_at=row["created_at"],
            default_version=self.pipeline_version(version) if version else None,
        )

    # ---- pages -------------------------------------------------------------------------------

    def _select(
        self, table: str, where: str, params: tuple[Any, ...], page: Page
    ) -> list[sqlite3.Row]:
        # `table` and the page's clause come from this module, never from the caller's text.
        query = f"SELECT * FROM {table}{where}{page.clause(table)}"
        return list(self.db.execute(query, params).fetchall())

    def _count(self, table: str, where: str, params: tuple[Any, ...]) -> int:
        row = self.db.execute(f"SELECT COUNT(*) FROM {table}{where}", params).fetchone()
        return int(row[0])

    # ---- runs --------------------------------------------------------------------------------

    def create_run(
        self,
        *,
        run_id: str,
        name: str,
        experiment: str,
        workflow_name: str,
        workflow: Mapping[str, Any],
        arguments: Mapping[str, str],
        backend: str,
        folder: str,
        pipeline_file: str = "",
        pipeline_digest: str = "",
        owner: str = "runner",
    ) -> None:
        pid = os.getpid()
        if self.db.execute("SELECT 1 FROM runs WHERE id = ?", (run_id,)).fetchone():
            raise StoreError(f"a run with id {run_id!r} is already in the run store")
        self.db.execute(
            """INSERT INTO runs (id, name, experiment_id, workflow_name, pipeline_file,
                pipeline_digest, workflow, arguments, backend, state, created_at, started_at,
                user, host, pid, pid_start, owner, folder)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'Running', ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                run_id,
                name,
                self.experiment_id(experiment),
                workflow_name,
                pipeline_file,
                pipeline_digest,
                json.dumps(workflow),
                json.dumps(dict(arguments)),
                backend,
                time.time(),
                time.time(),
                _user(),
                socket.gethostname(),
                pid,
                process_start(pid),
                owner,
                folder,
            ),
        )

    def finish_run(self, run_id: str, state: str, message: str = "", unfinished: str = "") -> None:
        """Record a run's end; with `unfinished`, tasks still running get that state too."""
        now = time.time()
        self.db.execute("BEGIN IMMEDIATE")
        try:
            self.db.execute(
                "UPDATE runs SET state = ?, message = ?, finished_at = ? WHERE id = ?",
                (state, message, now, run_id),
            )
            if unfinished:
                self.db.execute(
                    """UPDATE tasks SET state = ?, message = ?, finished_at = ?
                       WHERE run_id = ? AND state IN ('Pending', 'Running')""",
                    (unfinished, message, now, run_id),
                )
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def record_nodes(self, run_id: str, changes: Iterable[NodeChange]) -> None:
        """Write nodes' current states and the attempts that changed, in one transaction."""
        self.db.execute("BEGIN")
        try:
            for change in changes:
                self._write_node(run_id, change)
            self.db.execute("COMMIT")
        except BaseException:
            self.db.execute("ROLLBACK")
            raise

    def _write_node(self, run_id: str, change: NodeChange) -> None:
        node = change.node
        last = node.attempts[-1] if node.attempts else None
        outputs = {}
        if node.outputs is not None:
            outputs = {
                "parameters": node.outputs.parameters,
                "artifacts": {n: a.path for n, a in node.outputs.artifacts.items() if a.path},
            }
        self.db.execute(
            """INSERT OR REPLACE INTO tasks (run_id, node_id, name, parent, kind, task,
                template, state, message, attempts, exit_code, cached, started_at,
                finished_at, folder, log_path, source, details, outputs)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            (
                run_id,
                node.id,
                node.display,
                node.parent.id if node.parent else None,
                node.kind,
                node.task,
                node.template,
                node.phase,
                node.message,
                len(node.attempts),
                last.exit_code if last else None,
                int(node.cached_from is not None),
                node.started_at,
                node.finished_at,
                node.folder,
                last.log_path if last else "",
                str(node.source) if node.source else "",
                json.dumps(node.details),
                json.dumps(outputs),
            ),
        )
        self.db.executemany(
            """INSERT OR REPLACE INTO attempts (run_id, node_id, number, state, message,
                exit_code, started_at, finished_at, log_path)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
            [
                (
                    run_id,
                    node.id,
                    attempt.number,
                    attempt.phase,
                    attempt.message,
                    attempt.exit_code,
                    attempt.started_at,
                    attempt.finished_at,
                    attempt.log_path,
                )
                for attempt in change.attempts.values()
            ],
        )

    def resolve_run_id(self, text: str) -> str:
        """A run id from the whole id, a unique prefix of it, or a unique run name."""
        rows = self.db.execute(
            "SELECT id FROM runs WHERE substr(id, 1, ?) = ? OR name = ?",
            (len(text), text, text),
        ).fetchall()
        ids = sorted({r["id"] for r in rows})
        if text in ids:
            return text
        if not ids:
            raise RunNotFound(f"no run {text!r} in this project's run store")
        if len(ids) > 1:
            raise RunNotFound(
                f"{text!r} matches {len(ids)} runs: {', '.join(i[:8] for i in ids[:5])}"
            )
        return str(ids[0])

    def run(self, text: str, with_tasks: bool = True) -> RunRecord:
        run_id = self.resolve_run_id(text)
        row = self.db.execute(
            """SELECT runs.*, experiments.name AS experiment FROM runs
               JOIN experiments ON experiments.id = runs.experiment_id WHERE runs.id = ?""",
            (run_id,),
        ).fetchone()
        tasks = tuple(self.tasks(run_id)) if with_tasks else ()
        return _run_record(row, tasks)

    def runs(self, experiment: str | None = None, limit: int = 0) -> list[RunRecord]:
        query = """SELECT runs.*, experiments.name AS experiment FROM runs
                   JOIN experiments ON experiments.id = runs.experiment_id"""
        params: tuple[Any, ...] = ()
        if experiment is not None:
            query += " WHERE experiments.name = ?"
            params = (experiment,)
        query += " ORDER BY runs.created_at DESC"
        if limit:
            query += f" LIMIT {int(limit)}"
        return [_run_record(r, ()) for r in self.db.execute(query, params).fetchall()]

    def list_runs(
        self, page: Page, experiment_id: str | None = None
    ) -> tuple[list[RunRecord], int]:
        """One page of runs (of one experiment, when given) and the total."""
        where, params = "", tuple[Any, ...]()
        if experiment_id is not None:
            where, params = " WHERE runs.experiment_id = ?", (experiment_id,)
        query = f"""SELECT runs.*, experiments.name AS experiment FROM runs
                    JOIN experiments ON experiments.id = runs.experiment_id{where}"""
        rows = self.db.execute(query + page.clause("runs"), params).fetchall()
        return [_run_record(r, ()) for r in rows], self._count("runs", where, params)

    def link_run(
        self, run_id: str, pipeline_id: str, pipeline_version_id: str, description: str
    ) -> None:
        """Record which uploaded pipeline (and version) a run was started from."""
        self.db.execute(
            """UPDATE runs SET pipeline_id = ?, pipeline_version_id = ?, description = ?
               WHERE id = ?""",
            (pipeline_id, pipeline_version_id, description, run_id),
        )

    def runner_pid(self, run_id: str) -> int | None:
        """The process id of the run's runner while it is alive on this machine, else None."""
        row = self.db.execute(
            "SELECT host, pid, pid_start FROM runs WHERE id = ?", (run_id,)
        ).fetchone()
        if row is None or row["pid"] is None or row["host"] != socket.gethostname():
            return None
        return int(row["pid"]) if is_running(row["pid"], row["pid_start"]) else None

    def tasks(self, run_id: str) -> Iterator[TaskRecord]:
        rows = self.db.execute(
            "SELECT * FROM tasks WHERE run_id = ? ORDER BY node_id", (run_id,)
        ).fetchall()
        for row in rows:
            yield TaskRecord(
                node_id=row["node_id"],
                name=row["name"],
                parent=row["parent"],
                kind=row["kind"],
                task=row["task"],
                template=row["template"],
                state=row["state"],
                message=row["message"],
                attempts=row["attempts"],
                exit_code=row["exit_code"],
                cached=bool(row["cached"]),
                started_at=row["started_at"],
                finished_at=row["finished_at"],
                folder=row["folder"],
                log_path=row["log_path"],
                source=row["source"],
                details=json.loads(row["details"]),
                outputs=json.loads(row["outputs"]),
            )

    def attempts(self, run_id: str, node_id: int) -> list[dict[str, Any]]:
        rows = self.db.execute(
            "SELECT * FROM attempts WHERE run_id = ? AND node_id = ? ORDER BY number",
            (run_id, node_id),
        ).fetchall()
        return [dict(r) for r in rows]

    def workflow(self, run_id: str) -> dict[str, Any]:
        row = self.db.execute("SELECT workflow FROM runs WHERE id = ?", (run_id,)).fetchone()
        return dict(json.loads(row["workflow"])) if row else {}

    def delete_run(self, text: str) -> str:
        """Remove a run, its tasks and its files; refuses a run that is still running."""
        record = self.run(text, with_tasks=False)
        if not record.finished:
            raise StoreError(f"run {record.id[:8]} is still {record.state.lower()}")
        self.db.execute("DELETE FROM runs WHERE id = ?", (record.id,))
        if record.folder and Path(record.folder).resolve().is_relative_to(self.folder.resolve()):
            shutil.rmtree(record.folder, ignore_errors=True)
        return record.id

    # ---- the step cache ----------------------------------------------------------------------

    def cached(self, key: str, max_age: float | None) -> list[tuple[str, int, dict[str, Any]]]:
        """Earlier results for a cache key, newest first (within max_age seconds)."""
        query = """SELECT cache.run_id, cache.node_id, cache.outputs FROM cache
                   JOIN runs ON runs.id = cache.run_id WHERE key = ?"""
        params: tuple[Any, ...] = (key,)
        if max_age is not None:
            query += " AND cache.created_at >= ?"
            params = (key, time.time() - max_age)
        query += " ORDER BY cache.created_at DESC LIMIT 5"
        rows = self.db.execute(query, params).fetchall()
        return [(r["run_id"], r["node_id"], json.loads(r["outputs"])) for r in rows]

    def remember(self, key: str, run_id: str, node_id: int, outputs: Mapping[str, Any]) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO cache (key, run_id, node_id, outputs, created_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (key, run_id, node_id, json.dumps(outputs), time.time()),
        )


def _user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return ""


def _run_record(row: sqlite3.Row, tasks: tuple[TaskRecord, ...]) -> RunRecord:
    return RunRecord(
        id=row["id"],
        name=row["name"],
        experiment=row["experiment"],
        workflow_name=row["workflow_name"],
        pipeline_file=row["pipeline_file"],
        pipeline_digest=row["pipeline_digest"],
        arguments=json.loads(row["arguments"]),
        backend=row["backend"],
        state=row["state"],
        message=row["message"],
        created_at=row["created_at"],
        started_at=row["started_at"],
        finished_at=row["finished_at"],
        user=row["user"],
        host=row["host"],
        folder=row["folder"],
        tasks=tasks,
        experiment_id=row["experiment_id"],
        pipeline_id=row["pipeline_id"],
        pipeline_version_id=row["pipeline_version_id"],
        description=row["description"],
        owner=row["owner"],
        pid=row["pid"],
    )


def _experiment_record(row: sqlite3.Row) -> ExperimentRecord:
    return ExperimentRecord(row["id"], row["name"], row["description"], row["created_at"])


def _version_record(row: sqlite3.Row) -> PipelineVersionRecord:
    return PipelineVersionRecord(
        id=row["id"],
        pipeline_id=row["pipeline_id"],
        name=row["name"],
        description=row["description"],
        created_at=row["created_at"],
        parameters=tuple((str(n), v) for n, v in json.loads(row["parameters"])),
        code_source_url=row["code_source_url"],
    )


def _name_filter(table: str, name: str | None) -> tuple[str, tuple[Any, ...]]:
    if name is None:
        return "", ()
    return f" WHERE {table}.name = ?", (name,)


def is_finished(state: str) -> bool:
    return state in FINISHED
