"""The subprocess backend: each container step runs as a process on this machine, in its own
process group, with the paths its template declares (input artifacts, output files) mapped
into the attempt's folder. The image is not used."""

from __future__ import annotations

import contextlib
import os
import re
import signal
import subprocess
import threading
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO

from yamlpipe.run import pyenv
from yamlpipe.run.leaf import NodeError
from yamlpipe.run.model import Step, StepResult
from yamlpipe.run.processes import PID_FILE, process_start, signal_group

KILL_GRACE = 5.0
"""Seconds between SIGTERM and SIGKILL when a step is stopped (Kubernetes gives 30)."""


def _path_pattern(paths: list[str]) -> re.Pattern[str] | None:
    """Declared paths where they stand whole: not inside a longer path or word."""
    if not paths:
        return None
    alternatives = "|".join(re.escape(p) for p in sorted(set(paths), key=len, reverse=True))
    return re.compile(rf"(?<![\w.\-/])({alternatives})(?![\w.\-])")


def rewrite_paths(step: Step) -> tuple[list[str], list[tuple[str, str]]]:
    """The argv and env of a step with every declared path replaced by its local file."""
    declared = [p for _, p in step.inputs] + [o.path for o in step.outputs]
    pattern = _path_pattern(declared)

    def local(text: str) -> str:
        if pattern is None:
            return text
        return pattern.sub(lambda m: step.local_path(m.group(1)), text)

    argv = [local(a) for a in (*step.command, *step.args)]
    env = [(name, local(value)) for name, value in step.env]
    return argv, env


def signal_name(number: int) -> str:
    try:
        return signal.Signals(number).name
    except ValueError:
        return f"signal {number}"


@dataclass(eq=False)
class HostHandle:
    """A step being run: the environment is prepared and the process started in wait()."""

    step: Step
    base_env: Mapping[str, str]
    process: subprocess.Popen[bytes] | None = None
    killed: str | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def _environment(self, env: list[tuple[str, str]], argv: list[str]) -> dict[str, str]:
        merged = dict(self.base_env)
        merged.update(env)
        packages = pyenv.requested_packages(argv)
        if packages:
            folder = pyenv.environment_for(packages, dict(self.base_env))
            merged["PATH"] = f"{folder}/bin{os.pathsep}{merged.get('PATH', '')}"
            merged["VIRTUAL_ENV"] = str(folder)
            merged.pop("PYTHONHOME", None)
        return merged

    def wait(self) -> StepResult:
        step = self.step
        argv, env = rewrite_paths(step)
        try:
            environment = self._environment(env, argv)
        except pyenv.InstallError as exc:
            return StepResult(None, str(exc), error=True)
        try:
            with open(f"{step.folder}/log.txt", "wb") as log:
                return self._run(argv, environment, log)
        except OSError as exc:
            return StepResult(None, f"writing the log failed: {exc.strerror}", error=True)

    def _run(self, argv: list[str], environment: dict[str, str], log: BinaryIO) -> StepResult:
        with self.lock:
            if self.killed:
                return StepResult(None, self.killed)
            try:
                self.process = _spawn(argv, environment, f"{self.step.folder}/fs", log, self.step)
            except NodeError as exc:
                return StepResult(127, str(exc))
            _note_pid(self.step.folder, self.process.pid)
        code = _pump_log(self.process, log, self.step.secret_values)
        return _result(code, self.killed)

    def kill(self, reason: str) -> None:
        with self.lock:
            self.killed = reason
            process = self.process
        if process is None or process.poll() is not None:
            return
        signal_group(process.pid, signal.SIGTERM)
        timer = threading.Timer(KILL_GRACE, signal_group, (process.pid, signal.SIGKILL))
        timer.daemon = True
        timer.start()


def _spawn(
    argv: list[str], env: dict[str, str], cwd: str, log: BinaryIO, step: Step
) -> subprocess.Popen[bytes]:
    os.makedirs(cwd, exist_ok=True)
    piped = bool(step.secret_values)
    try:
        return subprocess.Popen(
            argv,
            env=env,
            cwd=cwd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE if piped else log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    except FileNotFoundError:
        raise NodeError(f"command {argv[0]!r} was not found on this machine") from None
    except PermissionError:
        raise NodeError(f"command {argv[0]!r} is not executable") from None
    except OSError as exc:
        raise NodeError(f"command {argv[0]!r} could not start: {exc.strerror}") from None


def _pump_log(process: subprocess.Popen[bytes], log: BinaryIO, secrets: tuple[str, ...]) -> int:
    """Wait for the process; when it may print secrets, copy its output with them masked."""
    if process.stdout is not None:
        masks = [s.encode() for s in secrets if s]
        for line in process.stdout:
            for secret in masks:
                line = line.replace(secret, b"***")
            log.write(line)
            log.flush()
    return process.wait()


def _note_pid(folder: str, pid: int) -> None:
    """Leave the step's process id (and start time) in its folder, so that the steps of a
    runner that was killed can be stopped the next time the run store is opened."""
    with contextlib.suppress(OSError):
        Path(folder, PID_FILE).write_text(f"{pid} {process_start(pid)}\n", encoding="ascii")


def _result(code: int, killed: str | None) -> StepResult:
    if killed:
        return StepResult(code, killed)
    if code < 0:
        return StepResult(code, f"killed by {signal_name(-code)}")
    if code != 0:
        return StepResult(code, f"exit code {code}")
    return StepResult(0)


class HostBackend:
    """Steps as processes on this machine."""

    name = "subprocess"

    def __init__(self, base_env: Mapping[str, str] | None = None) -> None:
        self.base_env = dict(os.environ if base_env is None else base_env)

    def start(self, step: Step) -> HostHandle:
        if step.kind != "container":
            raise NodeError(f"the subprocess backend cannot run a {step.kind} template")
        if not step.command and not step.args:
            raise NodeError(
                "the template has neither command nor args: it runs its image's entrypoint",
            )
        return HostHandle(step, self.base_env)

    def close(self) -> None:
        """Nothing to release: every process was waited for."""
