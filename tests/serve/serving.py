"""A real `yamlpipe serve` in a subprocess on 127.0.0.1, over a project folder holding the
bundled examples; stopped (SIGTERM) at the end of each test."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

import pytest
import requests

from helpers import ROOT

pytest.importorskip("starlette", reason="yamlpipe serve needs the serve extra")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    root: Path
    port: int
    args: tuple[str, ...] = ()
    process: subprocess.Popen[str] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        with open(self.root / "server.log", "a", encoding="utf-8") as log:
            self.process = self._spawn(log)
        return self._await_health()

    def _spawn(self, log: TextIO) -> subprocess.Popen[str]:
        return subprocess.Popen(
            [sys.executable, "-m", "yamlpipe", "serve", "--port", str(self.port), *self.args],
            cwd=self.root,
            stdout=log,
            stderr=log,
            text=True,
            env={**os.environ, "NO_COLOR": "1"},
        )

    def _await_health(self) -> Server:
        assert self.process is not None
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                if requests.get(f"{self.url}/apis/v1beta1/healthz", timeout=1).ok:
                    return self
            except requests.ConnectionError:
                assert self.process.poll() is None, self.log()
                time.sleep(0.1)
        raise AssertionError(f"the server did not answer in 30 s:\n{self.log()}")

    def stop(self, sig: int = signal.SIGTERM, timeout: float = 60) -> int:
        assert self.process is not None
        if self.process.poll() is None:
            self.process.send_signal(sig)
        return self.process.wait(timeout)

    def log(self) -> str:
        return (self.root / "server.log").read_text("utf-8", errors="replace")


def make_project(folder: Path) -> Path:
    """A project with the bundled example pipelines and components."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in ("pipelines", "components"):
        shutil.copytree(ROOT / name, folder / name)
    shutil.copy(ROOT / "yamlpipe.yaml", folder / "yamlpipe.yaml")
    return folder


def wait_for(check, timeout: float = 60.0, every: float = 0.2):  # type: ignore[no-untyped-def]
    """Poll `check` until it returns something true; that value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = check()
        if found:
            return found
        time.sleep(every)
    raise AssertionError("timed out waiting")


__all__ = ["Server", "free_port", "make_project", "wait_for"]
