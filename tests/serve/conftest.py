"""A real `yamlpipe serve` in a subprocess on 127.0.0.1, over a project folder holding the
bundled examples; stopped (SIGTERM) at the end of each test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from serving import Server, free_port, make_project


@pytest.fixture
def project(tmp_path: Path) -> Path:
    return make_project(tmp_path / "project")


@pytest.fixture
def server(project: Path) -> Iterator[Server]:
    running = Server(project, free_port()).start()
    yield running
    running.stop()
