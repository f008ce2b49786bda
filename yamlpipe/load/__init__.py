"""Text -> spec: YAML with positions, schema validation, in-file checks and hazard warnings."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yamlpipe.errors import Location, YamlpipeError, has_errors
from yamlpipe.load.build import Builder
from yamlpipe.load.checks import iter_component_problems, iter_pipeline_problems
from yamlpipe.load.files import describe_os_error, read_regular_file
from yamlpipe.load.hazards import iter_hazards, iter_misplaced_task_keys
from yamlpipe.load.schema import did_you_mean, iter_schema_errors, schema_text
from yamlpipe.load.yamltext import Document, dump_yaml, gc_paused, read_yaml
from yamlpipe.load.yamltext import Path as Path_
from yamlpipe.spec.model import Spec

__all__ = [
    "DataResult",
    "ForeignFile",
    "LoadResult",
    "config_excludes",
    "decode_text",
    "dump_yaml",
    "load_data_text",
    "load_file",
    "load_text",
    "read_text_file",
    "schema_text",
]

COMPONENT, PIPELINE = "component", "pipeline"


@dataclass(frozen=True)
class LoadResult:
    """A file's spec (None when it has errors) and every problem found in it."""

    file: str
    kind: str | None
    spec: Spec | None
    problems: tuple[YamlpipeError, ...]
    text: str = ""

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def detect_kind(doc: Document) -> str:
    """'component' for a top-level implementation:, 'pipeline' for tasks:, else an error."""
    data = doc.data
    if not isinstance(data, dict):
        what = "empty" if data is None else f"a {type(data).__name__.replace('str', 'string')}"
        raise YamlpipeError(
            doc.loc(()),
            f"expected a component or pipeline map, but the file is {what}",
            "a component has a top-level implementation:, a pipeline a top-level tasks:",
        )
    has_impl, has_tasks = "implementation" in data, "tasks" in data
    if has_impl and has_tasks:
        raise YamlpipeError(
            doc.loc(("tasks",), key=True),
            "a file cannot have both implementation: (component) and tasks: (pipeline)",
            "split it into a component file and a pipeline file",
            span=len("tasks"),
        )
    if not (has_impl or has_tasks):
        raise _foreign(doc, data) or _neither(doc, data)
    return COMPONENT if has_impl else PIPELINE


class ForeignFile(YamlpipeError):
    """A file that is clearly not a component or pipeline (a Kubernetes object such as a
    compiled package): an error where one was expected, skipped where files are searched."""


_ARGO_KINDS = frozenset({"Workflow", "WorkflowTemplate", "ClusterWorkflowTemplate", "CronWorkflow"})


def _foreign(doc: Document, data: dict[str, Any]) -> ForeignFile | None:
    """A Kubernetes object (apiVersion and kind at the top), named for what it is."""
    kind = data.get("kind")
    if "apiVersion" not in data or not isinstance(kind, str):
        return None
    what = f"a Kubernetes {kind} object"
    hint = "yamlpipe checks component and pipeline files"
    if kind in _ARGO_KINDS and str(data["apiVersion"]).startswith("argoproj.io/"):
        what = f"an Argo {kind} (a compiled package?)"
        hint = "`yamlpipe compile PIPELINE -o PACKAGE --check` checks a package against its source"
    return ForeignFile(
        doc.loc(("kind",), key=True),
        f"{what}, not a component or pipeline",
        hint,
        span=len("kind"),
    )


_KIND_KEYS = ("implementation", "tasks")
_IMPLEMENTATIONS = ("container", "graph")
_SHARED_KEYS = frozenset(
    {"name", "description", "metadata", "inputs", "outputs", "version", "volumes"}
    | {"defaults", "settings", "on_exit"}
)
_NEITHER = "neither a component (no implementation:) nor a pipeline (no tasks:)"
_NEITHER_HINT = "a component has a top-level implementation:, a pipeline a top-level tasks:"


def _neither(doc: Document, data: dict[str, Any]) -> YamlpipeError:
    """Neither kind: at a key that looks like the missing one (`task:`, a `container:` that
    belongs under implementation:), else at the top of the file."""
    for key in (str(k) for k in data if k not in _SHARED_KEYS):
        suggestion = did_you_mean(key, _KIND_KEYS)
        if suggestion is not None:
            return YamlpipeError(
                doc.loc((key,), key=True),
                f"unknown top-level key {key!r} ({suggestion})",
                "a pipeline has a top-level tasks:, a component a top-level implementation:; "
                "without either the file is neither",
                span=len(key),
            )
        if key in _IMPLEMENTATIONS:
            return YamlpipeError(
                doc.loc((key,), key=True),
                f"{key!r} belongs under implementation:",
                f"a component is implementation: {{{key}: ...}}; without implementation: "
                "the file is neither a component nor a pipeline",
                span=len(key),
            )
    return YamlpipeError(doc.loc(()), _NEITHER, _NEITHER_HINT)


def load_text(text: str, file: str) -> LoadResult:
    """Load one component or pipeline from text; never raises for bad input."""
    with gc_paused():
        return _load_text(text, file)


def _load_text(text: str, file: str) -> LoadResult:
    try:
        doc = read_yaml(text, file)
        kind = detect_kind(doc)
    except YamlpipeError as problem:
        return LoadResult(file, None, None, (problem,), text)
    problems = list(iter_schema_errors(doc, kind))
    misplaced = _misplaced_keys(doc, problems) if kind == PIPELINE else {}
    if misplaced:  # what YAML made of a mis-indented key, instead of its consequences
        problems = [p for p in problems if not _below_any(p.location.path, misplaced)]
        problems.extend(misplaced.values())
    shape_ok = not has_errors(problems)
    spec, semantic = _build_and_check(doc, kind, best_effort=not shape_ok)
    problems.extend(semantic)
    errors_at = {str(p.location) for p in problems if p.is_error}
    problems.extend(h for h in iter_hazards(doc, kind) if str(h.location) not in errors_at)
    ok = shape_ok and not has_errors(problems)
    return LoadResult(file, kind, spec if ok else None, _sorted(problems), text)


def _misplaced_keys(doc: Document, problems: list[YamlpipeError]) -> dict[Path_, YamlpipeError]:
    """Tasks named like a task key (`arguments:` indented like the tasks) whose body is not a
    valid task: a task may well be called `after`, but then its body says so."""
    return {
        path: error
        for path, error in iter_misplaced_task_keys(doc)
        if any(p.is_error and _below_any(p.location.path, {path: error}) for p in problems)
    }


def _below_any(path: tuple[object, ...], prefixes: dict[Path_, YamlpipeError]) -> bool:
    return any(path[: len(prefix)] == prefix for prefix in prefixes)


def _build_and_check(
    doc: Document, kind: str, *, best_effort: bool
) -> tuple[Spec | None, list[YamlpipeError]]:
    """Build the spec and run in-file checks.

    With best_effort (the file has shape errors) the same checks still run so that one run
    shows every problem, but a part too malformed to build silently yields no extra findings.
    """
    builder = Builder(doc)
    try:
        spec: Spec = (
            builder.component(doc.data) if kind == COMPONENT else builder.pipeline(doc.data)
        )
        checks = iter_component_problems if kind == COMPONENT else iter_pipeline_problems
        problems = [*builder.problems, *checks(spec)]  # type: ignore[arg-type]
    except Exception:
        if not best_effort:
            raise
        return None, []
    return spec, problems


def decode_text(raw: bytes, name: str) -> str:
    """Bytes of a YAML file -> text, or a located error when they are not UTF-8."""
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise YamlpipeError(
            Location(name, 1, 1),
            f"the file is not UTF-8 text (byte {exc.start})",
            "save it as UTF-8",
        ) from None


def read_text_file(path: str | Path, display: str | None = None) -> str:
    """Read a UTF-8 regular file (size-capped), or raise a located error saying why not."""
    name = display or str(path)
    try:
        raw = read_regular_file(path)
    except OSError as exc:
        raise YamlpipeError(
            Location(name), f"cannot read the file: {describe_os_error(exc)}"
        ) from None
    return decode_text(raw, name)


def load_file(path: str | Path, display: str | None = None) -> LoadResult:
    """Read and load one file; unreadable files become located errors too."""
    name = display or str(path)
    try:
        text = read_text_file(path, name)
    except YamlpipeError as problem:
        return LoadResult(name, None, None, (problem,))
    return load_text(text, name)


@dataclass(frozen=True)
class DataResult:
    """A data file (project config, catalog, lock) checked against its schema."""

    file: str
    data: Any
    problems: tuple[YamlpipeError, ...]
    doc: Document | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def load_data_text(text: str, file: str, kind: str) -> DataResult:
    """Parse YAML and validate it against the named schema ('config', 'catalog', 'lock')."""
    try:
        doc = read_yaml(text, file)
    except YamlpipeError as problem:
        return DataResult(file, None, (problem,))
    problems = _sorted(list(iter_schema_errors(doc, kind)))
    return DataResult(file, doc.data, problems, doc)


def config_excludes(path: Path) -> tuple[str, ...]:
    """The `exclude:` globs of the yamlpipe.yaml at path; none when it cannot be read or has
    errors (checking a file of the project reports those). Read here rather than by the
    resolver's configuration loader: finding files (`validate --no-resolve`) needs only this."""
    try:
        result = load_data_text(read_text_file(path), str(path), "config")
    except YamlpipeError:
        return ()
    data = result.data if result.ok and isinstance(result.data, dict) else {}
    return tuple(str(glob) for glob in data.get("exclude") or ())


def _sorted(problems: list[YamlpipeError]) -> tuple[YamlpipeError, ...]:
    unique = {(str(p.location), p.message): p for p in problems}
    return tuple(sorted(unique.values(), key=YamlpipeError.sort_key))
