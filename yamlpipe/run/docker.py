"""The docker backend: each container step runs in its template's real image, one container
per attempt; resource steps that make volumes and snapshots are emulated with folders of the
run (see volumes.py).

A container gets the step's command (as its entrypoint), args and env, the step's input files
bound at their declared paths, its volumes' folders at their mount paths, `--network` and
`--gpus`. Its output files are copied out of the stopped container (`docker cp`), as Argo's
executor reads them, so nothing is bound over a folder the image already fills. The log is
written as it comes; the container is removed when the attempt ends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import os
import re
import shutil
import subprocess
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import BinaryIO

from yamlpipe.run import volumes
from yamlpipe.run.dockercli import (
    Bind,
    Container,
    DockerCli,
    DockerEngine,
    DockerError,
    create_arguments,
    docker_message,
)
from yamlpipe.run.host import KILL_GRACE
from yamlpipe.run.leaf import GPU_RESOURCES, NodeError
from yamlpipe.run.model import Handle, Step, StepResult
from yamlpipe.run.workflow import Json, template_kind

RUN_LABEL, NODE_LABEL = "yamlpipe.run", "yamlpipe.node"
MAX_NAME = 120
GPU_HINT = (
    "install the NVIDIA Container Toolkit where the engine runs (then `docker info` lists an "
    "nvidia runtime), or run the pipeline on a cluster"
)
_NOT_NAME = re.compile(r"[^a-zA-Z0-9_.-]+")
_MISSING_FILE = ("Could not find the file", "No such container:path")
_EXEC = re.compile(r'^exec: "([^"]*)"')


def container_name(run_id: str, step: Step) -> str:
    """`yamlpipe-<run>-<node>-attempt-<n>`, in the characters docker allows."""
    raw = f"yamlpipe-{run_id[:8]}-{step.node}-{os.path.basename(step.folder)}"
    name = _NOT_NAME.sub("-", raw).strip("-._")
    if len(name) > MAX_NAME:
        name = f"{name[: MAX_NAME - 11]}-{hashlib.sha256(raw.encode()).hexdigest()[:10]}"
    return name


def _within(path: str, folder: str) -> bool:
    folder = folder.rstrip("/")
    return path == folder or path.startswith(folder + "/")


# ---- container steps -----------------------------------------------------------------------------


@dataclass(eq=False)
class ContainerHandle:
    """One attempt in one container: created and started in wait(), stopped by kill()."""

    step: Step
    cli: DockerCli
    container: Container
    forget: Callable[[str], None]
    binds: Callable[[Step], tuple[Bind, ...]] = lambda _step: ()
    """The step's folders to bind; prepared in wait(), since a seed may take a while to copy."""
    killed: str | None = None
    created: bool = False
    started: bool = False
    creating: subprocess.Popen[bytes] | None = None
    """`docker create` while it runs (it may be pulling the image, which a kill stops)."""
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def name(self) -> str:
        return self.container.name

    def wait(self) -> StepResult:
        try:
            with open(f"{self.step.folder}/log.txt", "wb") as log:
                return self._run(log)
        except OSError as exc:
            return StepResult(None, f"writing the log failed: {exc.strerror}", error=True)
        except DockerError as exc:
            return StepResult(None, str(exc), error=True)
        finally:
            self._remove()

    def kill(self, reason: str) -> None:
        with self.lock:
            self.killed = reason
            started, creating = self.started, self.creating
        if creating is not None:
            creating.terminate()
        if started:
            threading.Thread(target=self._stop, name=f"stop-{self.name}", daemon=True).start()

    def _run(self, log: BinaryIO) -> StepResult:
        for phase in (self._create, self._start):
            ended = phase(log)
            if ended is not None:
                return ended
        _pump(self.cli.popen(["logs", "--follow", self.name]), log, self.step.secret_values)
        code = self._exit_code()
        if self.killed:
            return StepResult(code, self.killed)
        if code != 0:
            return StepResult(code, self._failure(code))
        return self._copy_outputs() or StepResult(0)

    def _create(self, log: BinaryIO) -> StepResult | None:
        try:
            binds = self.binds(self.step)
        except NodeError as exc:
            return StepResult(None, str(exc), error=True)
        args, carried = create_arguments(dataclasses.replace(self.container, binds=binds))
        with self.lock:
            if self.killed:
                return StepResult(None, self.killed)
            self.created = True
            creating = self.creating = self.cli.popen(args, carried)
        output = creating.communicate()[0].decode(errors="replace")
        with self.lock:
            self.creating, killed = None, self.killed
        if killed:
            return StepResult(None, killed)
        if creating.returncode == 0:
            return None
        log.write(output.encode())
        return StepResult(None, self._create_failure(output), error=True)

    def _create_failure(self, output: str) -> str:
        detail = docker_message(output)
        if "Unable to find image" in output or "No such image" in output:
            return (
                f"image {self.container.image!r} is not on this machine and could not be "
                f"pulled: {detail}"
            )
        return f"the container could not be created: {detail}"

    def _start(self, log: BinaryIO) -> StepResult | None:
        with self.lock:
            if self.killed:
                return StepResult(None, self.killed)
        done = self.cli.run(["start", self.name])
        if done.returncode != 0:
            log.write(done.stderr.encode())
            return self._start_failure(docker_message(done.stderr))
        with self.lock:
            self.started = True
            killed = self.killed
        if killed:
            self._stop()
        return None

    def _start_failure(self, detail: str) -> StepResult:
        image = self.container.image
        program = _EXEC.match(detail)
        if program and ("not found" in detail or "no such file" in detail):
            return StepResult(127, f"command {program[1]!r} was not found in image {image!r}")
        if program and "permission denied" in detail:
            return StepResult(126, f"command {program[1]!r} is not executable in image {image!r}")
        if "device driver" in detail and "gpu" in detail:
            return StepResult(None, f"the engine cannot hand out GPUs: {detail}", error=True)
        return StepResult(None, f"the container could not start: {detail}", error=True)

    def _exit_code(self) -> int:
        done = self.cli.run(["wait", self.name], timeout=None)
        try:
            return int(done.stdout.strip())
        except ValueError:
            raise DockerError(f"`docker wait` failed: {docker_message(done.stderr)}") from None

    def _failure(self, code: int) -> str:
        state = self.cli.run(["inspect", "--format", "{{.State.OOMKilled}}", self.name])
        if state.stdout.strip() == "true":
            return f"OOMKilled: the container ran out of memory (exit code {code})"
        return f"exit code {code}"

    def _copy_outputs(self) -> StepResult | None:
        """Copy each declared output out of the stopped container (one under an input's path
        is already in place: inputs are bound)."""
        inputs = [declared for _, declared in self.step.inputs]
        for output in self.step.outputs:
            if any(_within(output.path, declared) for declared in inputs):
                continue
            target = self.step.local_path(output.path)
            _clear(target)
            done = self.cli.run(["cp", "--follow-link", f"{self.name}:{output.path}", target])
            if done.returncode != 0 and not any(m in done.stderr for m in _MISSING_FILE):
                detail = docker_message(done.stderr)
                message = f"copying output {output.name!r} out of the container failed: {detail}"
                return StepResult(0, message, error=True)
        return None

    def _stop(self) -> None:
        with contextlib.suppress(DockerError):
            self.cli.run(["stop", "--time", str(int(KILL_GRACE)), self.name], KILL_GRACE + 60)

    def _remove(self) -> None:
        if self.created:
            with contextlib.suppress(DockerError):
                self.cli.run(["rm", "--force", "--volumes", self.name])
        self.forget(self.name)


def _clear(path: str) -> None:
    if os.path.isdir(path) and not os.path.islink(path):
        shutil.rmtree(path)
    elif os.path.lexists(path):
        os.unlink(path)


def _pump(process: subprocess.Popen[bytes], log: BinaryIO, secrets: tuple[str, ...]) -> None:
    """Copy the container's output to the log as it comes, secret values masked."""
    masks = [s.encode() for s in secrets if s]
    if process.stdout is not None:
        for line in process.stdout:
            for secret in masks:
                line = line.replace(secret, b"***")
            log.write(line)
            log.flush()
    process.wait()


# ---- resource steps ------------------------------------------------------------------------------


@dataclass(eq=False)
class ResourceHandle:
    """A volume or snapshot made in wait(); quick, so kill() only stops one not yet begun."""

    step: Step
    volumes: volumes.Volumes
    killed: str | None = None

    def wait(self) -> StepResult:
        if self.killed:
            return StepResult(None, self.killed)
        try:
            outputs, line = volumes.run_resource(self.volumes, self.step.resource)
            message, result = line, StepResult(0, outputs=outputs)
        except volumes.ResourceError as exc:
            message, result = str(exc), StepResult(1, str(exc))
        try:
            with open(f"{self.step.folder}/log.txt", "w", encoding="utf-8") as log:
                log.write(message + "\n")
        except OSError as exc:
            return StepResult(None, f"writing the log failed: {exc.strerror}", error=True)
        return result

    def kill(self, reason: str) -> None:
        self.killed = reason


# ---- the backend ---------------------------------------------------------------------------------


class DockerBackend:
    """Steps in containers of their images, volumes as folders of the run."""

    name = "docker"

    def __init__(
        self,
        run_folder: str,
        network: str | None,
        *,
        namespace: str = "default",
        engine: DockerEngine | None = None,
        cli: DockerCli | None = None,
        claims: str | None = None,
    ) -> None:
        self.run_folder = run_folder
        self.network = network
        self.engine = engine
        self.cli = cli or DockerCli()
        self.volumes = volumes.Volumes(run_folder, namespace, claims)
        self.run_id = os.path.basename(run_folder.rstrip("/"))
        self.live: set[str] = set()
        self.image_ids: dict[str, str] = {}
        self.lock = threading.Lock()

    def image_id(self, image: str) -> str | None:
        """The content id of an image on this machine (for the step cache: a rebuilt image
        with the same tag is a different image); None when it is not here yet."""
        with self.lock:
            known = self.image_ids.get(image)
        if known:
            return known
        try:
            found = self.cli.run(["image", "inspect", "--format", "{{.Id}}", image])
        except DockerError:
            return None
        ident = found.stdout.strip() if found.returncode == 0 else ""
        if not ident:
            return None
        with self.lock:
            self.image_ids[image] = ident
        return ident

    def start(self, step: Step) -> Handle:
        if step.kind == "resource":
            return ResourceHandle(step, self.volumes)
        if step.kind != "container":
            raise NodeError(f"the docker backend cannot run a {step.kind} template")
        if step.gpus and self.engine is not None and not self.engine.gpus:
            raise NodeError(
                f"the step requests {step.gpus} GPU(s), but the Docker engine at "
                f"{self.engine.endpoint} has no GPU support ({GPU_HINT})"
            )
        container = self._container(step)
        with self.lock:
            self.live.add(container.name)
        return ContainerHandle(step, self.cli, container, self._forget, self._binds)

    def _container(self, step: Step) -> Container:
        if not step.image:
            raise NodeError("the template names no image")
        return Container(
            name=container_name(self.run_id, step),
            image=step.image,
            command=step.command,
            args=step.args,
            env=step.env,
            secret_values=step.secret_values,
            labels=((RUN_LABEL, self.run_id), (NODE_LABEL, step.node)),
            network=self.network,
            gpus=step.gpus,
            working_dir=step.working_dir,
        )

    def _binds(self, step: Step) -> tuple[Bind, ...]:
        binds = [Bind(step.local_path(declared), declared) for _, declared in step.inputs]
        try:
            for mount in step.mounts:
                source = self.volumes.mount_source(mount)
                binds.append(Bind(source, mount.path, mount.read_only))
        except volumes.ResourceError as exc:
            raise NodeError(str(exc)) from None
        except OSError as exc:
            raise NodeError(f"preparing the volume folders failed: {exc.strerror}") from None
        return tuple(binds)

    def _forget(self, name: str) -> None:
        with self.lock:
            self.live.discard(name)

    def close(self) -> None:
        """Remove any container an interrupted run left behind."""
        with self.lock:
            names = sorted(self.live)
            self.live.clear()
        if names:
            with contextlib.suppress(DockerError):
                self.cli.run(["rm", "--force", "--volumes", *names])


# ---- what the docker backend cannot run --------------------------------------------------------


def _gpu_request(container: Json) -> int:
    limits = (container.get("resources") or {}).get("limits") or {}
    total = 0
    for resource in GPU_RESOURCES:
        with contextlib.suppress(ValueError):
            total += int(str(limits.get(resource, 0)))
    return total


def _container_problems(template: Json) -> list[tuple[str, str]]:
    container = template.get("container") or {}
    found = []
    if not container.get("image"):
        found.append(
            (
                "has an empty image: no container can run it",
                "compile the pipeline with a released version of the component (KFP fills "
                "the image in when it releases one)",
            )
        )
    own = {str(v.get("name")): v for v in template.get("volumes") or []}
    for mount in container.get("volumeMounts") or []:
        volume = own.get(str(mount.get("name")))
        if volume is not None and "persistentVolumeClaim" not in volume:
            kind = next((k for k in volume if k != "name"), "unknown")
            found.append(
                (
                    f"mounts volume {mount.get('name')!r} ({kind}) at {mount.get('mountPath')}; "
                    "the docker backend provides PersistentVolumeClaims only",
                    "use a volume (a claim) instead, or run the pipeline on a cluster",
                )
            )
    return found


def _resource_problems(template: Json) -> list[tuple[str, str]]:
    resource = template.get("resource") or {}
    try:
        manifest = volumes.parse_manifest(resource.get("manifest"))
    except volumes.ResourceError:
        return []
    kind = str(manifest.get("kind", ""))
    if kind not in volumes.KINDS:
        return []
    hint = "submit the pipeline to a cluster: compile it and upload the package to KFP"
    found = []
    action = str(resource.get("action") or "create")
    if action not in volumes.ACTIONS:
        what = f"asks to {action} a {kind}; the docker backend only creates volumes and snapshots"
        found.append((what, hint))
    for param in (template.get("outputs") or {}).get("parameters") or []:
        if "jqFilter" in (param.get("valueFrom") or {}):
            found.append((f"reads output {param.get('name')!r} of a {kind} with jqFilter", hint))
    source = volumes.data_source(manifest.get("spec") or {}) if kind == volumes.CLAIM else None
    if source is not None and source.get("kind") not in volumes.SOURCE_KINDS:
        found.append((f"makes a claim from a {source.get('kind')}, which needs a cluster", hint))
    return found


_PROBLEMS: dict[str, Callable[[Json], list[tuple[str, str]]]] = {
    "container": _container_problems,
    "resource": _resource_problems,
}


def docker_problems(template: Json) -> list[tuple[str, str]]:
    """What the docker backend cannot do for a template, whatever the engine: (what, hint)."""
    check = _PROBLEMS.get(template_kind(template))
    return check(template) if check is not None else []


def gpu_problems(template: Json, engine: DockerEngine) -> list[tuple[str, str]]:
    """A GPU request the engine that answered cannot honour."""
    gpus = _gpu_request(template.get("container") or {})
    if not gpus or engine.gpus:
        return []
    what = f"requests {gpus} GPU(s), but the Docker engine at {engine.endpoint} has no GPU support"
    return [(what, GPU_HINT)]
