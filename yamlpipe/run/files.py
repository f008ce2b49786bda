"""Files moving between tasks: input artifacts placed where a step declared it reads them,
outputs read back (parameters as text, artifacts as files or folders) and checked against the
types their component declares, and digests for the cache."""

from __future__ import annotations

import errno
import hashlib
import os
import shutil
from collections.abc import Mapping

from yamlpipe.run.leaf import NodeError
from yamlpipe.run.model import Artifact, Outputs, Step
from yamlpipe.spec.types import literal_problem

MAX_PARAMETER_BYTES = 1024 * 1024
"""Argo keeps parameters in the Workflow object, which Kubernetes caps near 1 MiB."""


def _disk_error(exc: OSError, doing: str) -> NodeError:
    if exc.errno == errno.ENOSPC:
        return NodeError(f"no space left on the device while {doing}")
    return NodeError(f"{doing} failed: {exc.strerror or exc}")


def copy_path(source: str, target: str) -> None:
    """Copy a file or a folder (its whole tree) to `target`, creating parents."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(source):
        shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
    else:
        shutil.copyfile(source, target)


def link_or_copy(source: str, target: str) -> None:
    """A second name for a file that never changes again (cached outputs), else a copy."""
    os.makedirs(os.path.dirname(target), exist_ok=True)
    if os.path.isdir(source):
        shutil.copytree(source, target, copy_function=_link_file, dirs_exist_ok=True)
        return
    _link_file(source, target)


def _link_file(source: str, target: str) -> None:
    try:
        os.link(source, target)
    except OSError:
        shutil.copyfile(source, target)


def stage_inputs(step: Step, artifacts: Mapping[str, Artifact]) -> None:
    """Place every input artifact at its declared path (under the attempt's fs/)."""
    try:
        for name, declared in step.inputs:
            artifact = artifacts[name]
            target = step.local_path(declared)
            if artifact.raw is not None:
                os.makedirs(os.path.dirname(target), exist_ok=True)
                with open(target, "w", encoding="utf-8") as stream:
                    stream.write(artifact.raw)
            elif artifact.path is not None:
                copy_path(artifact.path, target)
    except OSError as exc:
        raise _disk_error(exc, "placing the input files") from None


def make_folders(step: Step) -> None:
    """The folder a step starts in (the attempt's fs/) and its declared outputs' folders;
    made only when the step runs (a cached step needs none of them)."""
    try:
        os.makedirs(f"{step.folder}/fs", exist_ok=True)
        for output in step.outputs:
            os.makedirs(os.path.dirname(step.local_path(output.path)), exist_ok=True)
    except OSError as exc:
        raise _disk_error(exc, "creating the step's folders") from None


def _read_parameter(path: str, name: str, declared: str) -> str:
    if os.path.isdir(path):
        raise NodeError(f"output parameter {name!r}: {declared} is a folder, not a file")
    size = os.path.getsize(path)
    if size > MAX_PARAMETER_BYTES:
        raise NodeError(
            f"output parameter {name!r}: {declared} holds {size} bytes; parameters are kept "
            "in the Workflow, which takes at most 1 MiB (pass large data as a file)"
        )
    with open(path, "rb") as stream:
        text = stream.read().decode("utf-8", errors="replace")
    return text[:-1] if text.endswith("\n") else text


def collect_outputs(step: Step, types: Mapping[str, str]) -> Outputs:
    """Read what the step wrote; a missing or mistyped output is an Error, as on a cluster."""
    outputs = Outputs()
    for output in step.outputs:
        local = step.local_path(output.path)
        exists = os.path.exists(local)
        if output.parameter:
            if exists:
                value = _read_parameter(local, output.name, output.path)
            elif output.default is not None:
                value = output.default
            else:
                raise NodeError(
                    f"output parameter {output.name!r} was not written: "
                    f"{output.path} does not exist"
                )
            check_type(output.name, value, types.get(output.name))
            outputs.parameters[output.name] = value
        elif exists:
            if output.name in types and os.path.isfile(local):
                check_type(
                    output.name,
                    _read_parameter(local, output.name, output.path),
                    types[output.name],
                )
            outputs.artifacts[output.name] = Artifact(output.name, path=local)
        elif not output.optional:
            raise NodeError(
                f"output artifact {output.name!r} was not written: {output.path} does not exist"
            )
    return outputs


def check_type(name: str, value: str, kind: str | None) -> None:
    """Refuse an output whose text does not read as its declared KFP type."""
    problem = literal_problem(value, kind) if kind else None
    if problem is not None:
        shown = value if len(value) <= 60 else value[:57] + "..."
        raise NodeError(f"output {name!r} is {shown!r}, which {problem} ({kind})")


def digest(path: str) -> str:
    """sha256 of a file, or of a folder's names and contents."""
    hasher = hashlib.sha256()
    if os.path.isdir(path):
        for root, dirs, files in os.walk(path):
            dirs.sort()
            for name in sorted(files):
                full = os.path.join(root, name)
                hasher.update(os.path.relpath(full, path).encode() + b"\0")
                hasher.update(_file_digest(full).encode())
        return "tree:" + hasher.hexdigest()
    return _file_digest(path)


def _file_digest(path: str) -> str:
    hasher = hashlib.sha256()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            hasher.update(block)
    return hasher.hexdigest()


def artifact_digest(artifact: Artifact) -> str:
    if artifact.raw is not None:
        return "raw:" + hashlib.sha256(artifact.raw.encode()).hexdigest()
    return digest(artifact.path) if artifact.path else "absent"
