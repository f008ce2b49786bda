"""The spec: frozen dataclasses for components and pipelines, expressions and types; no I/O."""

from yamlpipe.spec.expr import Condition, Ref, Template
from yamlpipe.spec.model import Component, Pipeline, Spec, Task

__all__ = ["Component", "Condition", "Pipeline", "Ref", "Spec", "Task", "Template"]
