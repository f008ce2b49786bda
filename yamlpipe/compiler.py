"""`yamlpipe.compiler`: KFP v1's `Compiler().compile(pipeline_func, 'pipeline.zip')` and
`build_python_component`, both going through generated YAML."""

from __future__ import annotations

from yamlpipe.api.generate import Compiler, build_python_component

__all__ = ["Compiler", "build_python_component"]
