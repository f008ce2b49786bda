"""Runs driven by threads of this process, as `yamlpipe serve` drives them: start one (and
return once the store has it), stop one, stop them all when the process shuts down.

Each run's thread opens a store of its own and records the run with owner `server` and this
process's id. So when the process dies without stopping its runs (SIGKILL, a crash), the next
store opened anywhere finds their driver gone and marks them failed, "server stopped", while
every task that had finished keeps its outputs and logs. Runs driven by a `yamlpipe run`
process (owner `runner`) are stopped by signalling that process instead."""

from __future__ import annotations

import contextlib
import logging
import os
import signal
import socket
import threading
import time
import uuid
from dataclasses import replace
from pathlib import Path

from yamlpipe.errors import YamlpipeError
from yamlpipe.run.model import ERROR
from yamlpipe.run.runner import RunControl, RunOptions, RunSource, execute
from yamlpipe.run.store import RunRecord, RunStore, StoreError

logger = logging.getLogger(__name__)

SERVER = "server"
START_TIMEOUT = 60.0
"""Seconds a run may take to be recorded (probing Docker is the slow part)."""


class StopRefused(StoreError):
    """The run is driven from somewhere this process cannot stop it from."""


class BackgroundRuns:
    """The runs this process drives, each in a thread; safe to use from any thread."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self._lock = threading.Lock()
        self._runs: dict[str, tuple[RunControl, threading.Thread]] = {}

    def start(self, source: RunSource, parameters: dict[str, str], options: RunOptions) -> str:
        """Start a run; its id once it is recorded. Raises what stopped it before that
        (RunRefused when this machine cannot run it)."""
        run_id = options.run_id or str(uuid.uuid4())
        options = replace(options, run_id=run_id, owner=SERVER)
        control, failure = RunControl(), list[BaseException]()
        thread = threading.Thread(
            target=self._drive,
            args=(source, parameters, options, control, failure),
            name=f"run-{run_id[:8]}",
            daemon=True,
        )
        with self._lock:
            self._runs[run_id] = (control, thread)
        thread.start()
        deadline = time.monotonic() + START_TIMEOUT
        while not control.recorded.wait(0.02) and thread.is_alive():
            if time.monotonic() > deadline:
                control.stop("cancelled: it did not start in time")
                raise StoreError(f"run {run_id[:8]} was not recorded within {START_TIMEOUT:g} s")
        if failure and not control.recorded.is_set():
            raise failure[0]
        return run_id

    def _drive(
        self,
        source: RunSource,
        parameters: dict[str, str],
        options: RunOptions,
        control: RunControl,
        failure: list[BaseException],
    ) -> None:
        run_id = str(options.run_id)
        try:
            with RunStore(self.root) as store:
                try:
                    execute(source, parameters, options, store, control=control)
                except (YamlpipeError, StoreError) as exc:
                    failure.append(exc)
                except Exception as exc:  # a bug: the run must still end, and say so
                    logger.exception("run %s stopped by a bug", run_id)
                    failure.append(exc)
                    if control.recorded.is_set():
                        message = f"yamlpipe stopped the run by a bug: {exc}"
                        store.finish_run(run_id, ERROR, message, unfinished=ERROR)
        except StoreError as exc:
            failure.append(exc)
        finally:
            with self._lock:
                self._runs.pop(run_id, None)

    def is_driving(self, run_id: str) -> bool:
        with self._lock:
            return run_id in self._runs

    def stop(self, run_id: str, reason: str) -> bool:
        """Ask a run of this process to stop; False when it is not one of them."""
        with self._lock:
            found = self._runs.get(run_id)
        if found is None:
            return False
        found[0].stop(reason)
        return True

    def stop_all(self, reason: str, timeout: float = 30.0) -> None:
        """Stop every run and wait (up to `timeout` seconds in all) until each is recorded."""
        with self._lock:
            running = list(self._runs.values())
        for control, _ in running:
            control.stop(reason)
        deadline = time.monotonic() + timeout
        for _, thread in running:
            thread.join(max(0.0, deadline - time.monotonic()))


def stop_runner(store: RunStore, record: RunRecord) -> None:
    """Ask the `yamlpipe run` process driving a run to stop (SIGTERM: it stops every step and
    records the run as cancelled). A finished run stays as it is."""
    if record.finished:
        return
    if record.owner == SERVER:
        raise StopRefused(
            f"run {record.id[:8]} is driven by yamlpipe serve (process {record.pid} on "
            f"{record.host}); terminate it there: on its page, or through the server's API"
        )
    pid = store.runner_pid(record.id)
    if pid is None and record.host == socket.gethostname():
        return  # its runner just ended: the next read of the store records that
    if pid is None:
        raise StopRefused(
            f"run {record.id[:8]} is driven by a runner on {record.host}, not this machine; "
            f"terminate it on {record.host}"
        )
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)


__all__ = ["SERVER", "BackgroundRuns", "StopRefused", "stop_runner"]
