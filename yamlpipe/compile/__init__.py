"""Linked graph -> Argo Workflow (KFP v1-compatible) -> package file. Pure and deterministic."""

from __future__ import annotations

from yamlpipe.compile.graph import render_graph
from yamlpipe.compile.package import (
    SIZE_LIMIT,
    SIZE_WARNING,
    Package,
    build_package,
    iter_diff_summary,
    largest_templates,
    package_format,
    package_stem,
    read_package_text,
)
from yamlpipe.compile.workflow import CompileResult, compile_workflow

__all__ = [
    "SIZE_LIMIT",
    "SIZE_WARNING",
    "CompileResult",
    "Package",
    "build_package",
    "compile_workflow",
    "iter_diff_summary",
    "largest_templates",
    "package_format",
    "package_stem",
    "read_package_text",
    "render_graph",
]
