"""The library's front door: what the CLI (and Python users) call. One module per job."""

from __future__ import annotations

from yamlpipe.api.validate import (
    FileReport,
    LockReport,
    Workspace,
    discover_files,
    lock_paths,
    validate_paths,
)
from yamlpipe.load import LoadResult, load_file, load_text, schema_text
from yamlpipe.resolve import ResolveOptions

__all__ = [
    "FileReport",
    "LoadResult",
    "LockReport",
    "ResolveOptions",
    "Workspace",
    "discover_files",
    "load_file",
    "load_text",
    "lock_paths",
    "schema_text",
    "validate_paths",
]
