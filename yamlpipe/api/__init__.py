"""The library's front door: what the CLI (and Python users) call. One module per job.

Names load their module on first use, so that `yamlpipe validate` does not pay for the
compiler or the Python generator at start-up.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
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
    from yamlpipe.api.compile import (
        CheckResult,
        CompileReport,
        check_package,
        compile_file,
        graph_text,
        package_format,
        write_bytes,
        write_package,
    )
    from yamlpipe.api.discover import Discovery, discover, discover_files
    from yamlpipe.api.files import FileReport, validate_discovered, validate_paths
    from yamlpipe.api.validate import (
        LockReport,
        Workspace,
        lock_paths,
    )
    from yamlpipe.load import (
        LoadResult,
        load_file,
        load_text,
        schema_text,
    )
    from yamlpipe.resolve import (
        ResolveOptions,
    )

_EXPORTS = {
    "BuildResult": "yamlpipe.api.catalog",
    "Catalog": "yamlpipe.api.catalog",
    "CatalogEntry": "yamlpipe.api.catalog",
    "CatalogSource": "yamlpipe.api.catalog",
    "CheckResult": "yamlpipe.api.compile",
    "CompileReport": "yamlpipe.api.compile",
    "Discovery": "yamlpipe.api.discover",
    "FileReport": "yamlpipe.api.files",
    "LoadResult": "yamlpipe.load",
    "LockReport": "yamlpipe.api.validate",
    "ResolveOptions": "yamlpipe.resolve",
    "Workspace": "yamlpipe.api.validate",
    "build_catalog_file": "yamlpipe.api.catalog",
    "check_package": "yamlpipe.api.compile",
    "compile_file": "yamlpipe.api.compile",
    "discover": "yamlpipe.api.discover",
    "discover_files": "yamlpipe.api.discover",
    "entry_record": "yamlpipe.api.catalog",
    "graph_text": "yamlpipe.api.compile",
    "load_file": "yamlpipe.load",
    "load_text": "yamlpipe.load",
    "locate_catalog": "yamlpipe.api.catalog",
    "lock_paths": "yamlpipe.api.validate",
    "lookup_entries": "yamlpipe.api.catalog",
    "open_catalog": "yamlpipe.api.catalog",
    "package_format": "yamlpipe.api.compile",
    "problem_reports": "yamlpipe.api.catalog",
    "schema_text": "yamlpipe.load",
    "validate_discovered": "yamlpipe.api.files",
    "validate_paths": "yamlpipe.api.files",
    "write_bytes": "yamlpipe.api.compile",
    "write_package": "yamlpipe.api.compile",
}

__all__ = [
    "BuildResult",
    "Catalog",
    "CatalogEntry",
    "CatalogSource",
    "CheckResult",
    "CompileReport",
    "Discovery",
    "FileReport",
    "LoadResult",
    "LockReport",
    "ResolveOptions",
    "Workspace",
    "build_catalog_file",
    "check_package",
    "compile_file",
    "discover",
    "discover_files",
    "entry_record",
    "graph_text",
    "load_file",
    "load_text",
    "locate_catalog",
    "lock_paths",
    "lookup_entries",
    "open_catalog",
    "package_format",
    "problem_reports",
    "schema_text",
    "validate_discovered",
    "validate_paths",
    "write_bytes",
    "write_package",
]


def __getattr__(name: str) -> Any:
    """Import the module that defines `name` the first time it is asked for."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'yamlpipe.api' has no attribute {name!r}")
    return getattr(importlib.import_module(module), name)
