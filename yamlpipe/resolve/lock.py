"""The lock file `yamlpipe.lock`: every remote reference pinned to a final URL and sha256."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from yamlpipe.errors import YamlpipeErrors
from yamlpipe.load import dump_yaml, load_data_text, read_text_file
from yamlpipe.load.files import read_regular_file, write_output

LOCK_HEADER = (
    "# yamlpipe.lock: remote components pinned by sha256. Written by `yamlpipe lock`;\n"
    "# commit it. Refresh with `yamlpipe lock --upgrade [REF]`.\n"
)


@dataclass(frozen=True)
class LockEntry:
    """What one reference resolved to: the final URL, its sha256, a catalog entry's version."""

    url: str
    sha256: str
    version: str | None = None


def read_lock(path: Path, display: str | None = None) -> dict[str, LockEntry] | None:
    """The entries of a lock file, or None when there is none; problems name it as display."""
    if not path.is_file():
        return None
    display = display or str(path)
    result = load_data_text(read_text_file(path, display), display, "lock")
    if not result.ok:
        raise YamlpipeErrors(result.problems)
    return {
        ref: LockEntry(body["url"], body["sha256"], body.get("version"))
        for ref, body in result.data["references"].items()
    }


def render_lock(entries: Mapping[str, LockEntry]) -> str:
    """Sorted, no timestamps: the same references always give the same bytes."""
    references = {}
    for ref in sorted(entries):
        entry = entries[ref]
        body: dict[str, str] = {"url": entry.url, "sha256": entry.sha256}
        if entry.version is not None:
            body["version"] = entry.version
        references[ref] = body
    return LOCK_HEADER + dump_yaml({"version": 1, "references": references})


def is_lock_current(path: Path, entries: Mapping[str, LockEntry]) -> bool:
    """True when the lock file exists and says exactly this, byte for byte."""
    try:
        text = read_regular_file(path).decode("utf-8")
    except (OSError, UnicodeDecodeError):
        return False
    return text.replace("\r\n", "\n") == render_lock(entries)  # a checkout may add \r


def write_lock(path: Path, entries: Mapping[str, LockEntry], display: str | None = None) -> bool:
    """Write the lock atomically; return False when it already says exactly this. A path
    that cannot take it is a located error."""
    if is_lock_current(path, entries):
        return False
    write_output(path, render_lock(entries).encode("utf-8"), display)
    return True
