"""A compiled package (ours or KFP 1.8's) read into a Workflow the runner can execute, and the
check that it stays inside the Argo subset KFP v1 emits: anything else is refused before a
run starts, naming the template and the field, at its line in the package."""

from __future__ import annotations

import io
import json
import os
import tarfile
import zipfile
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from yamlpipe.compile import package_format
from yamlpipe.errors import Location, PathPart, YamlpipeError
from yamlpipe.load.yamltext import Document, read_yaml
from yamlpipe.run.shape import WORKFLOW, iter_shape_problems
from yamlpipe.run.template import SubstitutionError, iter_strings, iter_tags

Json = dict[str, Any]
MAX_PACKAGE_BYTES = 64 * 1024 * 1024
PIPELINE_SPEC = "pipelines.kubeflow.org/pipeline_spec"
COMPONENT_SPEC = "pipelines.kubeflow.org/component_spec"

SPEC_KEYS = {
    "entrypoint", "templates", "arguments", "onExit", "serviceAccountName", "parallelism",
    "activeDeadlineSeconds", "ttlStrategy", "ttlSecondsAfterFinished", "podGC",
    "imagePullSecrets", "volumes", "nodeSelector", "tolerations", "affinity",
    "securityContext", "priority", "podPriority", "podPriorityClassName", "podDisruptionBudget",
    "hostNetwork", "dnsPolicy", "dnsConfig", "metrics", "archiveLogs", "podMetadata",
    "schedulerName", "automountServiceAccountToken", "executor", "hostAliases",
    "podSpecPatch", "artifactRepositoryRef", "shutdown",
}  # fmt: skip
"""Workflow spec fields the runner honours or may ignore (scheduling, cleanup, metadata)."""
TEMPLATE_KEYS = {
    "name", "inputs", "outputs", "metadata", "retryStrategy", "activeDeadlineSeconds",
    "container", "dag", "resource", "parallelism", "volumes", "nodeSelector",
    "tolerations", "affinity", "serviceAccountName", "securityContext", "podSpecPatch",
    "priorityClassName", "priority", "schedulerName", "automountServiceAccountToken",
    "archiveLocation", "hostAliases", "metrics", "executor",
}  # fmt: skip
CONTAINER_KEYS = {
    "name", "image", "command", "args", "env", "resources", "volumeMounts", "imagePullPolicy",
    "workingDir", "securityContext", "ports", "lifecycle", "livenessProbe", "readinessProbe",
    "startupProbe", "terminationMessagePath", "terminationMessagePolicy", "tty", "stdin",
}  # fmt: skip
TASK_KEYS = {"name", "template", "arguments", "dependencies", "when", "withItems", "withParam"}
DAG_KEYS = {"tasks", "failFast"}
RESOURCE_KEYS = {
    "action", "manifest", "successCondition", "failureCondition", "setOwnerReference",
    "mergeStrategy", "flags",
}  # fmt: skip
ENV_SOURCES = {"secretKeyRef", "fieldRef", "resourceFieldRef"}
LEAF_ONLY = ("retryStrategy", "activeDeadlineSeconds")
"""Fields KFP v1 puts only on leaf templates; on a DAG template the runner would ignore them."""
PARAMETER_KEYS = {"name", "value", "default", "valueFrom", "description", "enum", "globalName"}
VALUE_SOURCES = {
    "container": {"path", "default"},
    "resource": {"jsonPath", "jqFilter", "default"},
    "dag": {"parameter", "default"},
}
"""Where an output parameter's value may come from, per template kind."""
ARTIFACT_KEYS = {"name", "path", "optional", "from", "raw", "mode", "archive", "globalName"}
KIND_KEYS = ("container", "dag", "resource")


class PackageError(YamlpipeError):
    """A package that cannot be read or run."""


@dataclass(frozen=True)
class Workflow:
    """An Argo Workflow to run, with the positions of its fields in the package file."""

    document: Document
    data: Json
    templates: Mapping[str, Json]
    template_index: Mapping[str, int] = field(default_factory=dict)

    @property
    def file(self) -> str:
        return self.document.file

    @property
    def spec(self) -> Json:
        spec: Json = self.data["spec"]
        return spec

    @property
    def entrypoint(self) -> str:
        return str(self.spec["entrypoint"])

    @property
    def on_exit(self) -> str | None:
        value = self.spec.get("onExit")
        return str(value) if value else None

    @property
    def name(self) -> str:
        """The name a run starts from: `generateName` (a random suffix follows) or `name`."""
        metadata = self.data.get("metadata") or {}
        return str(metadata.get("generateName") or metadata.get("name") or "pipeline-")

    @property
    def annotations(self) -> Mapping[str, str]:
        return (self.data.get("metadata") or {}).get("annotations") or {}

    def arguments(self, kind: str) -> list[Json]:
        return list((self.spec.get("arguments") or {}).get(kind) or [])

    def loc(self, path: tuple[PathPart, ...], *, key: bool = False) -> Location:
        return self.document.loc(path, key=key)

    def template_loc(self, name: str, *rest: PathPart, key: bool = False) -> Location:
        index = self.template_index.get(name)
        if index is None:
            return self.loc(("spec",))
        return self.loc(("spec", "templates", index, *rest), key=key)

    def pipeline_inputs(self) -> list[Json]:
        """The pipeline's declared inputs (name, type, default) from KFP's pipeline_spec."""
        try:
            spec = json.loads(self.annotations.get(PIPELINE_SPEC) or "{}")
        except json.JSONDecodeError:
            return []
        inputs = spec.get("inputs") if isinstance(spec, dict) else None
        return [i for i in inputs or [] if isinstance(i, dict) and "name" in i]


def template_kind(template: Json) -> str:
    """`container`, `dag` or `resource` (what the KFP v1 subset has), else the unknown kind."""
    for kind in KIND_KEYS:
        if kind in template:
            return kind
    others = [k for k in template if k not in TEMPLATE_KEYS]
    return others[0] if others else "none"


# ---- reading ------------------------------------------------------------------------------


def _unsafe_member(name: str, is_link: bool) -> str | None:
    """Why an archive member may not be in a package: a link, or a name that would land
    outside the folder it is unpacked in. Packages are read in memory and never unpacked,
    but a member like that is a sign of a hostile archive, so it is refused by name."""
    if is_link:
        return f"the package holds a link ({name!r}); a package holds one plain YAML file"
    parts = name.replace("\\", "/").split("/")
    if name.startswith(("/", "\\")) or ".." in parts or (parts and ":" in parts[0]):
        return f"the package holds a member named {name!r}, outside the package's folder"
    return None


def _zip_text(data: bytes) -> tuple[str | None, list[str]]:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        infos = archive.infolist()
        # A zip member's high mode bits say a symbolic link (0o120000), as `zip -y` writes one.
        links = {i.filename for i in infos if (i.external_attr >> 16) & 0o170000 == 0o120000}
        unsafe = [_unsafe_member(i.filename, i.filename in links) for i in infos]
        names = [i.filename for i in infos if i.filename.endswith((".yaml", ".yml"))]
        if len(names) == 1 and archive.getinfo(names[0]).file_size <= MAX_PACKAGE_BYTES:
            return archive.read(names[0]).decode("utf-8"), [u for u in unsafe if u]
        return None, [u for u in unsafe if u]


def _tar_text(data: bytes) -> tuple[str | None, list[str]]:
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
        everything = archive.getmembers()
        unsafe = [_unsafe_member(m.name, m.issym() or m.islnk()) for m in everything]
        members = [m for m in everything if m.isfile() and m.name.endswith((".yaml", ".yml"))]
        text = None
        if len(members) == 1 and members[0].size <= MAX_PACKAGE_BYTES:
            stream = archive.extractfile(members[0])
            text = stream.read().decode("utf-8") if stream is not None else None
        return text, [u for u in unsafe if u]


def _archive_text(data: bytes, fmt: str, file: str) -> str:
    """The one YAML file inside a .zip or .tar.gz package."""
    try:
        text, unsafe = _zip_text(data) if fmt == "zip" else _tar_text(data)
    except (OSError, zipfile.BadZipFile, tarfile.TarError, UnicodeDecodeError) as exc:
        raise PackageError(Location(file), f"cannot read the package: {exc}") from None
    if unsafe:
        raise PackageError(Location(file), unsafe[0], "compile the pipeline again")
    if text is None:
        raise PackageError(
            Location(file),
            "the package must hold exactly one .yaml file (KFP names it pipeline.yaml)",
        )
    return text


def _format_of(file: str) -> str:
    fmt = package_format(file)
    if fmt is None:
        raise PackageError(
            Location(file),
            "a package ends in .yaml, .yml, .zip, .tar.gz or .tgz",
            "give a compiled package or a pipeline file",
        )
    return fmt


def read_package_file(path: str | os.PathLike[str]) -> Workflow:
    """Read a package (.yaml, .zip or .tar.gz) into a Workflow, or raise a PackageError."""
    file = os.fspath(path)
    _format_of(file)
    try:
        with open(file, "rb") as stream:
            data = stream.read(MAX_PACKAGE_BYTES + 1)
    except OSError as exc:
        raise PackageError(Location(file), f"cannot read {file}: {exc.strerror}") from None
    return read_package_data(data, file)


def read_package_data(data: bytes, file: str) -> Workflow:
    """A package's bytes (its format from `file`'s extension) into a Workflow, or PackageError."""
    fmt = _format_of(file)
    if len(data) > MAX_PACKAGE_BYTES:
        raise PackageError(Location(file), "the package is larger than 64 MiB")
    if fmt == "yaml":
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise PackageError(Location(file), f"the package is not UTF-8 text: {exc}") from None
    else:
        text = _archive_text(data, fmt, file)
    return read_workflow_text(text, file)


def read_workflow_text(text: str, file: str) -> Workflow:
    """Parse Workflow YAML; refuse what is not an Argo Workflow."""
    document = read_yaml(text, file)
    return workflow_from_document(document)


def workflow_from_document(document: Document) -> Workflow:
    data = document.data
    file = document.file
    if not isinstance(data, dict) or data.get("kind") != "Workflow":
        raise PackageError(
            Location(file, 1, 1),
            "this is not an Argo Workflow (kind: Workflow)",
            "run a pipeline file, or a package written by `yamlpipe compile` or KFP's compiler",
        )
    spec = data.get("spec")
    if not isinstance(spec, dict) or not isinstance(spec.get("templates"), list):
        raise PackageError(document.loc(("spec",)), "the Workflow has no spec.templates list")
    templates: dict[str, Json] = {}
    index: dict[str, int] = {}
    for position, template in enumerate(spec["templates"]):
        if not isinstance(template, dict) or not isinstance(template.get("name"), str):
            raise PackageError(
                document.loc(("spec", "templates", position)), "a template without a name"
            )
        templates[template["name"]] = template
        index[template["name"]] = position
    return Workflow(document, data, templates, index)


def workflow_from_dict(data: Json, file: str) -> Workflow:
    """A Workflow compiled in memory (no package file): positions are the file's."""
    return workflow_from_document(Document(file, "", data))


# ---- the supported subset -----------------------------------------------------------------


def _unsupported(
    workflow: Workflow, template: str | None, path: tuple[PathPart, ...], field_name: str
) -> YamlpipeError:
    where = f"template {template!r}" if template else "the Workflow spec"
    if template:
        loc = workflow.template_loc(template, *path, key=True)
    else:
        loc = workflow.loc(("spec", *path), key=True)
    return PackageError(
        loc,
        f"{where} uses {field_name!r}, which is outside the Argo subset KFP v1 emits",
        "yamlpipe runs what KFP v1 compiles (container, DAG and resource templates); "
        "submit this Workflow to an Argo cluster instead",
    )


def _extra_keys(data: Any, allowed: set[str]) -> list[str]:
    return sorted(k for k in data if k not in allowed) if isinstance(data, dict) else []


def iter_unsupported(workflow: Workflow) -> Iterator[YamlpipeError]:
    """Every field outside the KFP v1 subset, or of the wrong shape, located in the package."""
    shaped = list(iter_shape_problems(workflow.data, WORKFLOW))
    for path, expected in shaped:
        yield PackageError(workflow.loc(path), f"{_dotted(path)} must be {expected}")
    if shaped:
        return
    for key in _extra_keys(workflow.spec, SPEC_KEYS):
        yield _unsupported(workflow, None, (key,), key)
    if workflow.entrypoint not in workflow.templates:
        yield PackageError(
            workflow.loc(("spec", "entrypoint")),
            f"the entrypoint {workflow.entrypoint!r} is not a template of this Workflow",
        )
    if workflow.on_exit and workflow.on_exit not in workflow.templates:
        yield PackageError(
            workflow.loc(("spec", "onExit")),
            f"onExit names {workflow.on_exit!r}, which is not a template of this Workflow",
        )
    for name, template in workflow.templates.items():
        yield from _template_problems(workflow, name, template)


def _dotted(path: tuple[PathPart, ...]) -> str:
    return "".join(f"[{p}]" if isinstance(p, int) else f".{p}" for p in path).lstrip(".")


def _template_problems(workflow: Workflow, name: str, template: Json) -> Iterator[YamlpipeError]:
    for key in _extra_keys(template, TEMPLATE_KEYS):
        yield _unsupported(workflow, name, (key,), key)
    kinds = [k for k in KIND_KEYS if k in template]
    if len(kinds) != 1:
        yield PackageError(
            workflow.template_loc(name),
            f"template {name!r} must have exactly one of container, dag or resource",
        )
        return
    kind = kinds[0]
    allowed = {"container": CONTAINER_KEYS, "dag": DAG_KEYS, "resource": RESOURCE_KEYS}[kind]
    for key in _extra_keys(template[kind], allowed):
        yield _unsupported(workflow, name, (kind, key), f"{kind}.{key}")
    if kind == "dag":
        yield from _dag_problems(workflow, name, template)
        for key in LEAF_ONLY:
            if key in template:
                yield _unsupported(workflow, name, (key,), f"{key} on a DAG template")
    if kind == "container":
        yield from _env_problems(workflow, name, template)
    yield from _io_problems(workflow, name, template, kind)
    yield from _tag_problems(workflow, name, template)


def _io_problems(
    workflow: Workflow, name: str, template: Json, kind: str
) -> Iterator[YamlpipeError]:
    """Parameters and artifacts the runner can pass: values, files, inline data."""
    for side in ("inputs", "outputs"):
        for section, allowed in (("parameters", PARAMETER_KEYS), ("artifacts", ARTIFACT_KEYS)):
            for index, item in enumerate((template.get(side) or {}).get(section) or []):
                path = (side, section, index)
                for key in _extra_keys(item, allowed):
                    yield _unsupported(workflow, name, (*path, key), f"{side}.{section}[].{key}")
                source = item.get("valueFrom") if isinstance(item, dict) else None
                for key in _extra_keys(source, VALUE_SOURCES[kind] if side == "outputs" else set()):
                    where = (*path, "valueFrom", key)
                    yield _unsupported(workflow, name, where, f"{side}.{section}[].valueFrom.{key}")


def _dag_problems(workflow: Workflow, name: str, template: Json) -> Iterator[YamlpipeError]:
    tasks = template["dag"].get("tasks") or []
    names = {t.get("name") for t in tasks if isinstance(t, dict)}
    for position, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        for key in _extra_keys(task, TASK_KEYS):
            yield _unsupported(workflow, name, ("dag", "tasks", position, key), f"tasks[].{key}")
        if task.get("template") not in workflow.templates:
            yield PackageError(
                workflow.template_loc(name, "dag", "tasks", position, "template"),
                f"task {task.get('name')!r} of template {name!r} runs template "
                f"{task.get('template')!r}, which this Workflow does not have",
            )
        for dependency in task.get("dependencies") or []:
            if dependency not in names:
                yield PackageError(
                    workflow.template_loc(name, "dag", "tasks", position, "dependencies"),
                    f"task {task.get('name')!r} depends on {dependency!r}, which is not a task "
                    f"of template {name!r}",
                )
    yield from _argument_dependencies(workflow, name, tasks)


def _argument_dependencies(
    workflow: Workflow, name: str, tasks: list[Any]
) -> Iterator[YamlpipeError]:
    """Argo refuses a task argument whose value starts with `{{tasks.X` when X is not among
    the task's dependencies (transitively): the value could be read before X has run."""
    depends = {
        t.get("name"): [str(d) for d in t.get("dependencies") or []]
        for t in tasks
        if isinstance(t, dict)
    }
    for position, task in enumerate(tasks):
        if not isinstance(task, dict):
            continue
        ancestors = _ancestors(str(task.get("name")), depends)
        arguments = task.get("arguments") or {}
        for kind, field_name in (("parameters", "value"), ("artifacts", "from")):
            for index, argument in enumerate(arguments.get(kind) or []):
                value = argument.get(field_name) if isinstance(argument, dict) else None
                if not isinstance(value, str) or not value.startswith("{{tasks."):
                    continue
                source = value.split(".")[1]
                if source in ancestors or source not in depends:
                    continue  # a task the DAG does not have is reported with its tag
                path = ("dag", "tasks", position, "arguments", kind, index, field_name)
                yield PackageError(
                    workflow.template_loc(name, *path),
                    f"task {task.get('name')!r} of template {name!r} takes "
                    f"{kind[:-1]} {argument.get('name')!r} from task {source!r} without "
                    "depending on it; Argo refuses this Workflow (missing dependency)",
                    f"add {source!r} to the task's dependencies",
                )


def _ancestors(task: str, depends: Mapping[Any, list[str]]) -> set[str]:
    found: set[str] = set()
    todo = list(depends.get(task) or [])
    while todo:
        other = todo.pop()
        if other not in found:
            found.add(other)
            todo.extend(depends.get(other) or [])
    return found


def _env_problems(workflow: Workflow, name: str, template: Json) -> Iterator[YamlpipeError]:
    for position, variable in enumerate(template["container"].get("env") or []):
        source = variable.get("valueFrom") if isinstance(variable, dict) else None
        for key in _extra_keys(source, ENV_SOURCES):
            path = ("container", "env", position, "valueFrom", key)
            yield _unsupported(workflow, name, path, f"env[].valueFrom.{key}")


def _tag_problems(workflow: Workflow, name: str, template: Json) -> Iterator[YamlpipeError]:
    for path, text in iter_strings(template):
        try:
            tags = iter_tags(text)
        except SubstitutionError as exc:
            yield PackageError(workflow.template_loc(name, *path), str(exc))
            continue
        for tag in tags:
            unresolved = _unresolved(workflow, template, tag)
            if unresolved:
                yield PackageError(
                    workflow.template_loc(name, *path),
                    f"template {name!r} refers to {{{{{tag.strip()}}}}}, but {unresolved}; "
                    "Argo refuses this Workflow (failed to resolve)",
                    "correct the name, or declare what it refers to",
                )
            if tag.strip().startswith("="):
                yield PackageError(
                    workflow.template_loc(name, *path),
                    f"template {name!r} uses an Argo expression tag {{{{{tag}}}}}, which KFP v1 "
                    "never emits",
                    "submit this Workflow to an Argo cluster instead",
                )


def _unresolved(workflow: Workflow, template: Json, tag: str) -> str:
    """Why a template's `{{inputs...}}` or `{{tasks...}}` tag names nothing, as Argo's
    submit-time validation finds it; "" when it resolves (or is not one of these)."""
    parts = tag.strip().split(".")
    if len(parts) < 3:
        return ""
    if parts[0] == "inputs" and parts[1] in ("parameters", "artifacts"):
        if parts[1] == "parameters" and len(parts) != 3:
            return ""
        if parts[2] not in _declared(template, "inputs", parts[1]):
            return f"it has no input {parts[1][:-1]} {parts[2]!r}"
    if parts[0] == "tasks" and "dag" in template:
        tasks = {
            t.get("name"): t for t in template["dag"].get("tasks") or [] if isinstance(t, dict)
        }
        task = tasks.get(parts[1])
        if task is None:
            return f"it has no task {parts[1]!r}"
        if len(parts) >= 5 and parts[2] == "outputs" and parts[3] in ("parameters", "artifacts"):
            runs = workflow.templates.get(str(task.get("template"))) or {}
            if parts[4] not in _declared(runs, "outputs", parts[3]):
                return (
                    f"task {parts[1]!r} (template {task.get('template')!r}) has no output "
                    f"{parts[3][:-1]} {parts[4]!r}"
                )
    return ""


def _declared(template: Json, side: str, kind: str) -> set[str]:
    items = (template.get(side) or {}).get(kind) or []
    return {str(item.get("name")) for item in items if isinstance(item, dict)}
