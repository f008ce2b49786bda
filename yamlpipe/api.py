"""The library's front door: what the CLI (and Python users) call."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator
from pathlib import Path

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.load import LoadResult, load_file, load_text, schema_text

__all__ = [
    "LoadResult",
    "discover_files",
    "load_file",
    "load_text",
    "schema_text",
    "validate_paths",
]

YAML_SUFFIXES = (".yaml", ".yml")
NOT_SPECS = frozenset({"yamlpipe.yaml", "yamlpipe.lock", "catalog.yaml", "catalog.yml"})


def discover_files(paths: Iterable[str]) -> Iterator[str]:
    """Files named directly, and every *.yaml/*.yml below named folders (sorted, no dotfiles)."""
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield raw
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if (
                    name.endswith(YAML_SUFFIXES)
                    and not name.startswith(".")
                    and name not in NOT_SPECS
                ):
                    yield os.path.join(root, name)


def validate_paths(paths: Iterable[str]) -> list[LoadResult]:
    """Load every file under the given paths; a missing path is a result with an error."""
    results = []
    for file in discover_files(paths):
        if not os.path.exists(file):
            problem = YamlpipeError(Location(file), "no such file or folder")
            results.append(LoadResult(file, None, None, (problem,)))
            continue
        results.append(load_file(file))
    return results
