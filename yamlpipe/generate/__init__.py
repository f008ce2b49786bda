"""Python -> YAML: components from functions, pipelines from KFP-style DSL code."""

from __future__ import annotations
