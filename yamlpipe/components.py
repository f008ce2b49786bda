"""`yamlpipe.components`: KFP v1's component functions. A Python function becomes a KFP v1
component file; a component file (or URL, or text) becomes a task factory for the DSL."""

from __future__ import annotations

from yamlpipe.api.generate import load_component, load_component_from_url
from yamlpipe.generate.functions import (
    create_component_from_func,
    func_to_component_text,
    func_to_container_op,
    load_component_from_file,
    load_component_from_text,
)
from yamlpipe.generate.signature import (
    InputBinaryFile,
    InputPath,
    InputTextFile,
    OutputBinaryFile,
    OutputPath,
    OutputTextFile,
)

__all__ = [
    "InputBinaryFile",
    "InputPath",
    "InputTextFile",
    "OutputBinaryFile",
    "OutputPath",
    "OutputTextFile",
    "create_component_from_func",
    "func_to_component_text",
    "func_to_container_op",
    "load_component",
    "load_component_from_file",
    "load_component_from_text",
    "load_component_from_url",
]
