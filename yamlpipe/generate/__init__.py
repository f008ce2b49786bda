"""Python -> YAML: components from functions, pipelines from KFP-style DSL code."""

from __future__ import annotations

from yamlpipe.generate.component import (
    DEFAULT_BASE_IMAGE,
    FunctionComponent,
    analyse_function,
    component_from_function,
)

__all__ = ["DEFAULT_BASE_IMAGE", "FunctionComponent", "analyse_function", "component_from_function"]
