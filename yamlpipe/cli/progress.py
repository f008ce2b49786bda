"""What a person sees while a run goes: a live table on a terminal (rich), timestamped lines
when output is not a terminal (CI logs), nothing with --quiet; and the summary at the end."""

from __future__ import annotations

import sys
import time
from collections import Counter
from collections.abc import Iterable
from typing import TextIO

from rich.console import Console, Group
from rich.live import Live
from rich.table import Table
from rich.text import Text

from yamlpipe.run.model import POD, SKIP_NODE, Node

STYLES = {
    "Pending": "dim",
    "Running": "bold cyan",
    "Succeeded": "green",
    "Cached": "blue",
    "Failed": "bold red",
    "Error": "bold red",
    "Skipped": "dim",
    "Omitted": "dim",
    "Cancelled": "yellow",
}
LIVE_ROWS = 25


def shown_state(node: Node) -> str:
    if node.phase == "Succeeded" and node.cached_from:
        return "Cached"
    return node.phase


def _seconds(value: float | None) -> str:
    if value is None:
        return ""
    if value < 60:
        return f"{value:.1f}s"
    minutes, seconds = divmod(int(value), 60)
    return f"{minutes}m{seconds:02d}s" if minutes < 60 else f"{minutes // 60}h{minutes % 60:02d}m"


def duration(node: Node) -> float | None:
    if node.started_at is None:
        return None
    return (node.finished_at or time.time()) - node.started_at


def is_step(node: Node) -> bool:
    """Nodes a person tracks: tasks that run or were skipped (not DAGs or loop groups)."""
    return node.kind in (POD, SKIP_NODE)


class PlainProgress:
    """One timestamped line per change of a task's state."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.seen: dict[int, str] = {}

    def node_changed(self, node: Node) -> None:
        state = shown_state(node)
        key = f"{state}/{len(node.attempts)}"
        if not is_step(node) or self.seen.get(node.id) == key or state == "Pending":
            return
        self.seen[node.id] = key
        attempt = f" attempt {len(node.attempts)}" if len(node.attempts) > 1 else ""
        took = f" in {_seconds(duration(node))}" if node.fulfilled and node.started_at else ""
        why = f": {node.message}" if node.message and state not in ("Succeeded", "Cached") else ""
        stamp = time.strftime("%H:%M:%S")
        self.stream.write(f"{stamp} {node.display:<30} {state}{attempt}{took}{why}\n")
        self.stream.flush()

    def notice(self, text: str) -> None:
        self.stream.write(f"{time.strftime('%H:%M:%S')} note: {text}\n")
        self.stream.flush()

    def close(self) -> None:
        """Nothing to tear down."""


class LiveProgress:
    """A table of tasks redrawn in place, the running ones always shown."""

    def __init__(self, console: Console) -> None:
        self.console = console
        self.nodes: dict[int, Node] = {}
        self.notes: list[str] = []
        self.live = Live(
            console=console, refresh_per_second=4, transient=False, get_renderable=self.render
        )
        self.live.start()

    def node_changed(self, node: Node) -> None:
        if is_step(node):
            self.nodes[node.id] = node
        else:
            self.nodes.pop(node.id, None)

    def notice(self, text: str) -> None:
        self.console.print(Text(f"note: {text}", style="dim"))

    def render(self) -> Group:
        nodes = list(self.nodes.values())
        counts = Counter(shown_state(n) for n in nodes)
        table = Table(box=None, pad_edge=False, show_header=True, header_style="bold")
        for column in ("task", "state", "attempt", "time"):
            table.add_column(column)
        for node in _visible(nodes):
            state = shown_state(node)
            attempt = str(len(node.attempts)) if node.attempts else ""
            table.add_row(
                node.display,
                Text(state, style=STYLES.get(state, "")),
                attempt,
                _seconds(duration(node)),
            )
        summary = "  ".join(f"{k.lower()} {v}" for k, v in sorted(counts.items()))
        return Group(table, Text(summary, style="dim"))

    def close(self) -> None:
        self.live.stop()


def _visible(nodes: list[Node]) -> Iterable[Node]:
    """All tasks when they fit; else the running and failed ones and the latest others."""
    if len(nodes) <= LIVE_ROWS:
        return nodes
    urgent = [n for n in nodes if n.phase in ("Running", "Failed", "Error")]
    rest = [n for n in nodes if n not in urgent and n.phase != "Pending"]
    room = max(0, LIVE_ROWS - len(urgent))
    return (urgent + rest[-room:])[:LIVE_ROWS] if room else urgent[:LIVE_ROWS]


class QuietProgress:
    def node_changed(self, node: Node) -> None:
        """Say nothing while running."""

    def notice(self, text: str) -> None:
        """Say nothing while running."""

    def close(self) -> None:
        """Nothing to tear down."""


def make_progress(quiet: bool) -> PlainProgress | LiveProgress | QuietProgress:
    if quiet:
        return QuietProgress()
    if sys.stderr.isatty():
        return LiveProgress(Console(stderr=True))
    return PlainProgress()
