"""Catalogs: build an index from a folder of components, open one by path, URL or name."""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yamlpipe.api.files import FileReport
from yamlpipe.errors import YamlpipeError
from yamlpipe.load.files import read_regular_file, source_text, write_output
from yamlpipe.resolve.catalog import (
    Catalog,
    CatalogEntry,
    build_catalog_data,
    catalog_text,
    lookup_entries,
    read_catalog,
    resolve_location,
)
from yamlpipe.resolve.config import load_config

__all__ = [
    "BuildResult",
    "Catalog",
    "CatalogEntry",
    "CatalogSource",
    "build_catalog_file",
    "entry_record",
    "locate_catalog",
    "lookup_entries",
    "open_catalog",
    "problem_reports",
]


@dataclass(frozen=True)
class BuildResult:
    """What `catalog build` did: the index text, and whether the file on disk differed."""

    path: Path
    text: str
    entries: int
    changed: bool
    """The file was missing or held other bytes (before this build wrote it)."""
    written: bool


def build_catalog_file(
    folder: str | Path, out: str | Path, *, base_url: str | None = None, check: bool = False
) -> BuildResult:
    """Build the catalog of folder and write it to out atomically (with check: only compare).

    Component errors raise YamlpipeErrors, and out is left as it was.
    """
    path = Path(out)
    data = build_catalog_data(folder, base_url, index=path)
    text = catalog_text(data)
    content = text.encode("utf-8")
    changed = _read_bytes(path) != content
    if changed and not check:
        write_output(path, content)
    count = len(data["components"])
    return BuildResult(path, text, count, changed, written=changed and not check)


def _read_bytes(path: Path) -> bytes | None:
    try:
        return read_regular_file(path)
    except OSError:
        return None


@dataclass(frozen=True)
class CatalogSource:
    """Where a catalog index is (a path or URL) and how messages name it."""

    location: str
    display: str


def locate_catalog(source: str, start: Path | None = None) -> CatalogSource | None:
    """A URL, an existing file, a folder holding catalog.yaml, or a catalog named in the
    yamlpipe.yaml that applies to start (default: the working folder); else None."""
    if "://" in source or os.path.isfile(source):
        return CatalogSource(source, source)
    if os.path.isdir(source):
        index = os.path.join(source, "catalog.yaml")
        return CatalogSource(index, index) if os.path.isfile(index) else None
    if os.path.exists(source):
        return None
    config = load_config(start or Path.cwd())
    location = config.catalogs.get(source)
    if location is None:
        return None
    if "://" in location:
        return CatalogSource(location, location)
    base = config.file or config.root / "yamlpipe.yaml"
    absolute = resolve_location(str(base), location)
    return CatalogSource(absolute, _display(Path(absolute)))


def open_catalog(source: CatalogSource, start: Path | None = None) -> Catalog:
    """Read and check a catalog index; URLs are fetched with the project's fetch settings."""
    settings = load_config(start or Path.cwd()).fetch if "://" in source.location else None
    return read_catalog(source.location, settings, source.display)


def entry_record(entry: CatalogEntry) -> dict[str, Any]:
    """An entry as plain data (for JSON output)."""
    return {
        "name": entry.name,
        "version": entry.version,
        "url": entry.url,
        "sha256": entry.sha256,
        "title": entry.title,
        "description": entry.description,
        "inputs": list(entry.inputs),
        "outputs": list(entry.outputs),
    }


def problem_reports(problems: Iterable[YamlpipeError]) -> list[FileReport]:
    """Problems grouped per file, with the texts of local files so messages show lines."""
    by_file: dict[str, list[YamlpipeError]] = {}
    for problem in problems:
        by_file.setdefault(problem.location.file, []).append(problem)
    return [
        FileReport(name, tuple(found), _text_of(name)) for name, found in sorted(by_file.items())
    ]


def _text_of(name: str) -> dict[str, str]:
    text = source_text(name)
    return {} if text is None else {name: text}


def _display(path: Path) -> str:
    try:
        return os.path.relpath(path) if path.is_relative_to(Path.cwd()) else str(path)
    except ValueError:
        return str(path)
