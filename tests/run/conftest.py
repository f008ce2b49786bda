"""Fixtures of the runner's tests: a Docker engine, and the images its tests build once."""

from __future__ import annotations

import os
import subprocess

import pytest

import images

REQUIRE_DOCKER = "YAMLPIPE_REQUIRE_DOCKER"


def _engine_missing() -> str | None:
    """Why the docker tests cannot run here, or None when an engine answers."""
    try:
        done = subprocess.run(
            ["docker", "info", "--format", "{{.ServerVersion}}"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
    except FileNotFoundError:
        return "the docker command is not installed"
    except subprocess.TimeoutExpired:
        return "the Docker engine did not answer within 30 s"
    if done.returncode != 0 or not done.stdout.strip():
        return f"no Docker engine answers: {done.stderr.strip() or done.stdout.strip()}"
    return None


def _unavailable(reason: str) -> None:
    message = f"{reason} ({REQUIRE_DOCKER}=1 turns this skip into a failure, as in CI)"
    if os.environ.get(REQUIRE_DOCKER) == "1":
        pytest.fail(message)
    pytest.skip(message)


@pytest.fixture(scope="session")
def docker_images() -> None:
    """An engine that answers, holding the test images (built here, never pulled)."""
    reason = _engine_missing()
    if reason is not None:
        _unavailable(reason)
    try:
        images.build_images()
    except (RuntimeError, subprocess.CalledProcessError) as exc:
        stderr = getattr(exc, "stderr", b"") or b""
        _unavailable(f"the test images could not be built: {exc} {stderr.decode()[-500:]}")
