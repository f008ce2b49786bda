"""The library's front door: what the CLI (and Python users) call. One module per job."""

from __future__ import annotations

from yamlpipe.api.catalog import (
    BuildResult,
    Catalog,
    CatalogEntry,
    CatalogSource,
    build_catalog_file,
    entry_record,
    locate_catalog,
    lookup_entries,
    open_catalog,
    problem_reports,
)
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
    "BuildResult",
    "Catalog",
    "CatalogEntry",
    "CatalogSource",
    "FileReport",
    "LoadResult",
    "LockReport",
    "ResolveOptions",
    "Workspace",
    "build_catalog_file",
    "discover_files",
    "entry_record",
    "load_file",
    "load_text",
    "locate_catalog",
    "lock_paths",
    "lookup_entries",
    "open_catalog",
    "problem_reports",
    "schema_text",
    "validate_paths",
]
