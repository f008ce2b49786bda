"""An image from Python code (KFP's build_python_component): a Docker build context with the
function's program and its packages baked in, and `docker build` when an engine answers."""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.generate.component import BAKED_PROGRAM, FunctionComponent

PROGRAM_FILE = "program.py"
REQUIREMENTS_FILE = "requirements.txt"
DOCKERFILE = "Dockerfile"
ENGINE_TIMEOUT_SECONDS = 15


@dataclass(frozen=True)
class BuildContext:
    """The files of a build context, by name relative to its folder."""

    files: dict[str, str]


def build_context_for(component: FunctionComponent) -> BuildContext:
    """Dockerfile, program and requirements for a component generated with an image tag."""
    files = {PROGRAM_FILE: component.program}
    lines = [f"FROM {component.base_image}", "ENV PYTHONUNBUFFERED=1"]
    if component.packages:
        files[REQUIREMENTS_FILE] = "".join(f"{p}\n" for p in component.packages)
        lines += [
            f"COPY {REQUIREMENTS_FILE} /yamlpipe/{REQUIREMENTS_FILE}",
            "RUN PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --no-cache-dir "
            f"--quiet -r /yamlpipe/{REQUIREMENTS_FILE}",
        ]
    lines += [
        f"COPY {PROGRAM_FILE} {BAKED_PROGRAM}",
        f'ENTRYPOINT ["python3", "-u", "{BAKED_PROGRAM}"]',
    ]
    files[DOCKERFILE] = "\n".join(lines) + "\n"
    return BuildContext(dict(sorted(files.items())))


def write_build_context(context: BuildContext, folder: Path) -> list[Path]:
    """Write the files (creating the folder); returns the paths written, sorted."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        written = []
        for name, text in context.files.items():
            path = folder / name
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as exc:
        raise YamlpipeError(
            Location(str(folder)), f"cannot write the build context: {exc.strerror}"
        ) from None
    return written


@dataclass(frozen=True)
class EngineCheck:
    """Whether a Docker engine answered, and what was seen when it did not."""

    available: bool
    detail: str


def check_docker_engine() -> EngineCheck:
    """Ask the Docker CLI for the server's version: the engine answers, or it does not."""
    cli = shutil.which("docker")
    if cli is None:
        return EngineCheck(False, "the docker command is not installed")
    try:
        proc = subprocess.run(
            [cli, "version", "--format", "{{.Server.Version}}"],
            capture_output=True,
            text=True,
            timeout=ENGINE_TIMEOUT_SECONDS,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as exc:
        return EngineCheck(False, f"`docker version` failed: {exc}")
    if proc.returncode != 0 or not proc.stdout.strip():
        reason = (proc.stderr.strip().splitlines() or ["no server version"])[-1]
        return EngineCheck(False, f"`docker version` says: {reason}")
    return EngineCheck(True, proc.stdout.strip())


def no_engine_error(folder: Path, tag: str, check: EngineCheck) -> YamlpipeError:
    """The plain message for --build when no engine answers."""
    return YamlpipeError(
        Location(str(folder)),
        f"no Docker engine found ({check.detail}); the image {tag!r} was not built",
        f"the build context is ready: build it where Docker runs with "
        f"`docker build -t {tag} {folder}`, then push it",
    )


def docker_build(folder: Path, tag: str) -> subprocess.CompletedProcess[str]:
    """Run `docker build -t TAG FOLDER`, capturing its output for the caller to show."""
    return subprocess.run(
        ["docker", "build", "-t", tag, str(folder)],
        capture_output=True,
        text=True,
        check=False,
    )
