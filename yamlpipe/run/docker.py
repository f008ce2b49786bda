"""The docker backend (being written): steps in containers of their real image."""

from __future__ import annotations

from yamlpipe.run.leaf import NodeError
from yamlpipe.run.model import Handle, Step
from yamlpipe.run.workflow import Json


class DockerBackend:
    name = "docker"

    def __init__(self, run_folder: str, network: str | None) -> None:
        self.run_folder = run_folder
        self.network = network

    def start(self, step: Step) -> Handle:
        raise NodeError("the docker backend is not available yet")

    def close(self) -> None:
        """Nothing to release."""


def docker_problems(template: Json) -> list[tuple[str, str]]:
    return []
