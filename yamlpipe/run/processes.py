"""Processes on this machine: whether one still runs (the same one, not a reused pid), and
stopping the steps a dead runner left behind."""

from __future__ import annotations

import contextlib
import os
import signal
from pathlib import Path

PID_FILE = "pid"
"""In an attempt's folder: the step's process id and start time, written when it starts."""


def _process_stat(pid: int) -> list[str]:
    """A process's fields from Linux /proc after its name (state first); [] elsewhere."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stream:
            return stream.read().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return []


def process_start(pid: int) -> str:
    """When a process started (Linux /proc), so a reused pid is not taken for our runner."""
    fields = _process_stat(pid)
    return fields[19] if len(fields) > 19 else ""


def is_running(pid: int, started: str = "") -> bool:
    """Whether the process runs (and, given its start time, is still that process). A zombie
    does not run: it has ended and waits for its parent to collect it, and taking it for a
    live runner would keep its run `Running` for as long as that parent lives."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    fields = _process_stat(pid)
    if fields and fields[0] == "Z":
        return False
    return not started or process_start(pid) in ("", started)


def signal_group(pid: int, number: int) -> None:
    """Signal a step's whole process group (its own session: the group is its pid)."""
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(pid, number)


def stop_orphans(run_folder: str) -> int:
    """Kill the process groups of steps a dead runner left running; how many."""
    stopped = 0
    for note in Path(run_folder).glob(f"**/attempt-*/{PID_FILE}"):
        try:
            pid_text, _, started = note.read_text(encoding="ascii").strip().partition(" ")
            pid = int(pid_text)
        except (OSError, ValueError):
            continue
        if started and is_running(pid, started):
            signal_group(pid, signal.SIGKILL)
            stopped += 1
    return stopped
