"""Walks over a task: every string in it that may hold `${{ }}` expressions."""

from __future__ import annotations

from collections.abc import Iterator

from yamlpipe.spec.expr import Template, iter_operands
from yamlpipe.spec.model import Task


def iter_setting_templates(task: Task) -> Iterator[Template]:
    """Expressions outside the arguments: env, when, for_each, inline container, manifest."""
    for var in task.env:
        if isinstance(var.value, Template):
            yield var.value
    if task.when is not None:
        yield from (op for op in iter_operands(task.when) if isinstance(op, Template))
    if task.for_each is not None and task.for_each.source is not None:
        yield task.for_each.source
    if task.container is not None:
        yield from task.container.command
        yield from task.container.args
        yield from task.container.env.values()
    if task.resource is not None:
        yield from task.resource.templates


def iter_task_templates(task: Task) -> Iterator[Template]:
    """Every string of a task that may hold expressions: arguments first, then the rest."""
    for arg in task.arguments:
        if isinstance(arg.value, Template):
            yield arg.value
    yield from iter_setting_templates(task)
