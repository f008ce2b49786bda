"""What a run is made of while it runs: nodes (Argo's: a task, an iteration, a DAG, the exit
handler), their attempts and outputs, and the steps a backend executes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from yamlpipe.errors import Location

PENDING, RUNNING, SUCCEEDED, FAILED, ERROR = "Pending", "Running", "Succeeded", "Failed", "Error"
SKIPPED, OMITTED, CANCELLED = "Skipped", "Omitted", "Cancelled"
FINISHED = frozenset({SUCCEEDED, FAILED, ERROR, SKIPPED, OMITTED, CANCELLED})
UNSUCCESSFUL = frozenset({FAILED, ERROR})

POD, DAG, TASK_GROUP, SKIP_NODE = "Pod", "DAG", "TaskGroup", "Skipped"
"""Node types, as Argo names them (a leaf task runs in a Pod)."""


@dataclass(frozen=True)
class Artifact:
    """An artifact handed to a task: a file or folder on this machine, or inline text."""

    name: str
    path: str | None = None
    raw: str | None = None
    optional: bool = False


@dataclass
class Outputs:
    parameters: dict[str, str] = field(default_factory=dict)
    artifacts: dict[str, Artifact] = field(default_factory=dict)
    exit_code: int | None = None


@dataclass
class Attempt:
    """One execution of a leaf node (retries make more)."""

    number: int
    folder: str
    started_at: float
    finished_at: float | None = None
    phase: str = RUNNING
    message: str = ""
    exit_code: int | None = None

    @property
    def log_path(self) -> str:
        return f"{self.folder}/log.txt"


@dataclass(eq=False)
class Node:
    """One node of the run, mutated by the engine only."""

    id: int
    name: str
    """Argo's node name: `<workflow>.<task>(<index>:<item>).<task>`."""
    display: str
    """The name without the workflow: `train`, `sweep(0:a).train`, `onExit`."""
    folder: str
    """Where its files live, relative to the run's folder."""
    kind: str
    template: str
    task: str
    parent: Node | None = None
    phase: str = PENDING
    message: str = ""
    started_at: float | None = None
    finished_at: float | None = None
    outputs: Outputs | None = None
    attempts: list[Attempt] = field(default_factory=list)
    cached_from: str | None = None
    source: Location | None = None
    index: int | None = None
    details: dict[str, Any] = field(default_factory=dict)
    """What the task ran (image, command, args, env names, inputs), for the store."""
    children: list[Node] = field(default_factory=list)

    @property
    def fulfilled(self) -> bool:
        return self.phase in FINISHED

    @property
    def failed(self) -> bool:
        return self.phase in UNSUCCESSFUL


@dataclass(frozen=True)
class OutputFile:
    """A file a step declares it writes."""

    name: str
    path: str
    parameter: bool
    """An output parameter (read as text), else an artifact (kept as a file or folder)."""
    default: str | None = None
    optional: bool = False


@dataclass(frozen=True)
class Mount:
    """A volume mounted into a step: a claim (a folder of the run) at a path."""

    path: str
    claim: str
    sub_path: str = ""
    read_only: bool = False


@dataclass(frozen=True)
class Step:
    """One attempt of a leaf template, fully substituted, as a backend executes it."""

    node: str
    template: str
    kind: str
    """`container` or `resource`."""
    folder: str
    """The attempt's folder: `log.txt`, and `fs/` holding every declared path."""
    image: str = ""
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    secret_values: tuple[str, ...] = ()
    """Values taken from secrets, to mask in logs."""
    inputs: tuple[tuple[str, str], ...] = ()
    """Declared input artifact paths (name, path), already placed under fs/."""
    outputs: tuple[OutputFile, ...] = ()
    mounts: tuple[Mount, ...] = ()
    gpus: int = 0
    working_dir: str = ""
    resource: dict[str, Any] = field(default_factory=dict)
    """For resource templates: action, manifest, conditions."""

    def local_path(self, declared: str) -> str:
        """Where a declared path of the container lives on this machine."""
        return f"{self.folder}/fs/{declared.lstrip('/')}"


@dataclass(frozen=True)
class StepResult:
    """How a step ended: its exit code (None if it never started) and why it failed."""

    exit_code: int | None
    message: str = ""
    error: bool = False
    """True for Argo's Error phase (could not run, outputs missing), False for Failed."""
    outputs: dict[str, str] = field(default_factory=dict)
    """Output parameters a resource step produced."""


class Handle(Protocol):
    """A started step: wait for it, or stop it."""

    def wait(self) -> StepResult: ...

    def kill(self, reason: str) -> None: ...


class Backend(Protocol):
    """Where steps run: host processes or containers."""

    name: str

    def start(self, step: Step) -> Handle: ...

    def close(self) -> None: ...


class Observer(Protocol):
    """Who hears about the run as it goes: the run store, the progress display."""

    def node_changed(self, node: Node) -> None: ...

    def notice(self, text: str) -> None: ...


class Recorder(Observer, Protocol):
    """The observer the engine tells: it may keep changes until the engine waits."""

    def flush(self) -> None:
        """The engine is about to wait (or has ended): write what was kept."""
