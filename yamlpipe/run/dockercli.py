"""The `docker` command, as the docker backend drives it: asking whether an engine answers
(and where: DOCKER_HOST, the current context, else the default socket), whether it can hand
GPUs to containers, and the arguments of `docker create` for a step.

The command line rather than the engine's HTTP API: it already speaks every transport users
configure (unix sockets, ssh://, tcp:// with TLS, contexts) and pulls images with the user's
credentials.
"""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

DEFAULT_SOCKET = "unix:///var/run/docker.sock"
PROBE_TIMEOUT = 20.0
"""Seconds to wait for `docker info`: an engine that answers does so in well under one."""
CALL_TIMEOUT = 120.0
NVIDIA_HOOKS = ("nvidia-container-runtime-hook", "nvidia-container-toolkit")
"""What the engine looks for on its PATH before it accepts `--gpus`."""
_ENV_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_CLI_OWN = ("DOCKER_", "PATH", "HOME", "TMPDIR", "XDG_")
"""Environment variables the docker command reads itself, so never used to carry values."""
_DAEMON_PREFIXES = ("docker: ", "Error response from daemon: ", "Error: ")


class DockerError(Exception):
    """The docker command could not be run at all."""


@dataclass(frozen=True)
class DockerEngine:
    """An engine that answered: where it is, its version, whether it can hand out GPUs."""

    endpoint: str
    version: str
    gpus: bool


class EngineUnavailable(Exception):
    """No engine answered; what happened and what to do."""

    def __init__(self, what: str, hint: str) -> None:
        super().__init__(what)
        self.what = what
        self.hint = hint


def docker_message(stderr: str) -> str:
    """The docker command's error (the engine's own words when it gave some), without its
    prefixes, on one line."""
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    daemon = [line for line in lines if "Error response from daemon: " in line]
    text = (daemon or lines or ["no message"])[-1]
    changed = True
    while changed:
        changed = False
        for prefix in _DAEMON_PREFIXES:
            if text.startswith(prefix):
                text, changed = text[len(prefix) :], True
    _, runtime, reason = text.partition("unable to start container process: ")
    return reason.removesuffix(": unknown") if runtime else text


class DockerCli:
    """The docker command with the environment it runs in (DOCKER_HOST, DOCKER_CONTEXT...)."""

    def __init__(self, env: Mapping[str, str] | None = None) -> None:
        self.env = dict(os.environ if env is None else env)
        self.program = shutil.which("docker", path=self.env.get("PATH")) or "docker"

    def run(
        self,
        args: Sequence[str],
        timeout: float | None = CALL_TIMEOUT,
        extra_env: Mapping[str, str] | None = None,
    ) -> subprocess.CompletedProcess[str]:
        """Run `docker ARGS`; never raises for a non-zero exit."""
        env = {**self.env, **(extra_env or {})}
        try:
            return subprocess.run(
                [self.program, *args],
                capture_output=True,
                text=True,
                errors="replace",
                env=env,
                stdin=subprocess.DEVNULL,
                timeout=timeout,
            )
        except FileNotFoundError:
            raise DockerError("the docker command was not found on this machine") from None
        except subprocess.TimeoutExpired:
            raise DockerError(f"`docker {args[0]}` did not answer within {timeout:.0f} s") from None

    def popen(
        self, args: Sequence[str], extra_env: Mapping[str, str] | None = None
    ) -> subprocess.Popen[bytes]:
        """Start `docker ARGS` with its output (both streams) on one pipe."""
        try:
            return subprocess.Popen(
                [self.program, *args],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                env={**self.env, **(extra_env or {})},
            )
        except FileNotFoundError:
            raise DockerError("the docker command was not found on this machine") from None

    def endpoint(self) -> str:
        """Where the docker command talks to: DOCKER_HOST, the current context, the default."""
        if self.env.get("DOCKER_HOST"):
            return self.env["DOCKER_HOST"]
        try:
            found = self.run(["context", "inspect", "--format", "{{.Endpoints.docker.Host}}"], 10)
        except DockerError:
            return DEFAULT_SOCKET
        return found.stdout.strip() or DEFAULT_SOCKET

    def probe(self, network: str | None = None) -> DockerEngine:
        """The engine, if one answers (and has `network`); else EngineUnavailable."""
        try:
            answer = self.run(["info", "--format", "{{json .}}"], PROBE_TIMEOUT)
        except DockerError as exc:
            raise self._unavailable(str(exc)) from None
        info = _json(answer.stdout)
        if answer.returncode != 0 or not info.get("ServerVersion"):
            raise self._unavailable(docker_message(answer.stderr))
        endpoint = self.endpoint()
        if network:
            self._check_network(network, endpoint)
        return DockerEngine(endpoint, str(info["ServerVersion"]), _has_gpus(info, endpoint))

    def _unavailable(self, detail: str) -> EngineUnavailable:
        if "not found on this machine" in detail:
            return EngineUnavailable(
                "the docker backend needs the docker command, which is not installed",
                "install Docker (on Debian: apt-get install docker.io), or use --backend "
                "subprocess",
            )
        where = self.endpoint()
        if self.env.get("DOCKER_HOST"):
            source = "from DOCKER_HOST"
        else:
            source = "the default socket" if where == DEFAULT_SOCKET else "the docker context"
        hint = (
            "start the engine (dockerd, or `systemctl start docker`), point DOCKER_HOST at a "
            "running one, or use --backend subprocess"
        )
        if "permission denied" in detail:
            detail = "permission denied"
            hint = "join the docker group (usermod -aG docker $USER, then log in again)"
        elif where.startswith("unix://") and not os.path.exists(where[len("unix://") :]):
            detail = "the socket does not exist"
        elif "Cannot connect to the Docker daemon" in detail:
            detail = "nothing listens there"
        return EngineUnavailable(f"no Docker engine answers at {where} ({source}): {detail}", hint)

    def _check_network(self, network: str, endpoint: str) -> None:
        if network in ("none", "host", "bridge") or network.startswith("container:"):
            return
        found = self.run(["network", "inspect", "--format", "{{.Name}}", network], PROBE_TIMEOUT)
        if found.returncode != 0:
            raise EngineUnavailable(
                f"the Docker engine at {endpoint} has no network {network!r}",
                "create it (docker network create NAME), choose one of `docker network ls`, "
                "or leave out --network",
            )


def _json(text: str) -> dict[str, Any]:
    try:
        data = json.loads(text or "{}")
    except json.JSONDecodeError:
        return {}
    return data if isinstance(data, dict) else {}


def _has_gpus(info: dict[str, Any], endpoint: str) -> bool:
    """Whether the engine can honour `--gpus`: an nvidia runtime, NVIDIA devices it found
    through CDI, or (an engine on this machine) the NVIDIA hook on the PATH."""
    if "nvidia" in (info.get("Runtimes") or {}):
        return True
    devices = info.get("DiscoveredDevices") or []
    if any(str(d.get("ID", "")).startswith("nvidia.com/gpu") for d in devices):
        return True
    return endpoint.startswith("unix://") and any(shutil.which(h) for h in NVIDIA_HOOKS)


# ---- docker create -------------------------------------------------------------------------------


@dataclass(frozen=True)
class Bind:
    """A folder or file of this machine bound at a path of the container."""

    source: str
    target: str
    read_only: bool = False

    def option(self) -> str:
        """The `--mount` value (CSV: a path holding a comma is quoted)."""
        fields = ["type=bind", f"source={self.source}", f"target={self.target}"]
        if self.read_only:
            fields.append("readonly")
        out = io.StringIO()
        csv.writer(out, lineterminator="").writerow(fields)
        return out.getvalue()


@dataclass(frozen=True)
class Container:
    """What `docker create` gets for one step."""

    name: str
    image: str
    command: tuple[str, ...] = ()
    args: tuple[str, ...] = ()
    env: tuple[tuple[str, str], ...] = ()
    secret_values: tuple[str, ...] = ()
    binds: tuple[Bind, ...] = ()
    labels: tuple[tuple[str, str], ...] = ()
    network: str | None = None
    gpus: int = 0
    working_dir: str = ""


def _carried_by_environment(name: str, value: str, secrets: tuple[str, ...]) -> bool:
    """Secret values reach the container through the docker command's environment
    (`-e NAME`), so they never appear in a process list."""
    return value in secrets and bool(_ENV_NAME.match(name)) and not name.startswith(_CLI_OWN)


def create_arguments(container: Container) -> tuple[list[str], dict[str, str]]:
    """`docker create` arguments, and the environment variables that carry secret values."""
    args = ["create", "--name", container.name]
    for key, value in container.labels:
        args += ["--label", f"{key}={value}"]
    if container.network:
        args += ["--network", container.network]
    if container.gpus:
        args += ["--gpus", str(container.gpus)]
    if container.working_dir:
        args += ["--workdir", container.working_dir]
    carried: dict[str, str] = {}
    for name, value in container.env:
        if _carried_by_environment(name, value, container.secret_values):
            carried[name] = value
            args += ["--env", name]
        else:
            args += ["--env", f"{name}={value}"]
    for bind in container.binds:
        args += ["--mount", bind.option()]
    return args + _entrypoint(container), carried


def _entrypoint(container: Container) -> list[str]:
    """Kubernetes' rule: `command` replaces the image's entrypoint (and its CMD), `args`
    replace only the CMD."""
    if container.command:
        first, *rest = container.command
        return ["--entrypoint", first, container.image, *rest, *container.args]
    return [container.image, *container.args]
