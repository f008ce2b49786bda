"""Walks over a task: every string in it that may hold `${{ }}` expressions, read or replaced."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from typing import Any

from yamlpipe.spec.expr import BoolOp, Compare, Condition, Template, iter_operands
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
    yield from task.resource_templates


def iter_task_templates(task: Task) -> Iterator[Template]:
    """Every string of a task that may hold expressions: arguments first, then the rest."""
    for arg in task.arguments:
        if isinstance(arg.value, Template):
            yield arg.value
    yield from iter_setting_templates(task)


MapTemplate = Callable[[Template], Template]


def map_condition(cond: Condition, fn: MapTemplate) -> Condition:
    """The condition with every expression operand replaced by fn(operand)."""
    if isinstance(cond, Compare):
        left = fn(cond.left) if isinstance(cond.left, Template) else cond.left
        right = fn(cond.right) if isinstance(cond.right, Template) else cond.right
        return replace(cond, left=left, right=right)
    if isinstance(cond, BoolOp):
        return replace(cond, left=map_condition(cond.left, fn), right=map_condition(cond.right, fn))
    return replace(cond, operand=map_condition(cond.operand, fn))


def map_task_templates(task: Task, fn: MapTemplate, source_fn: MapTemplate) -> Task:
    """The task with every expression of its own replaced: fn for all of them, source_fn for
    its for_each (read before the loop starts). A group's body is left as it is."""
    changes: dict[str, Any] = {
        "arguments": tuple(
            replace(a, value=fn(a.value)) if isinstance(a.value, Template) else a
            for a in task.arguments
        ),
        "env": tuple(
            replace(v, value=fn(v.value)) if isinstance(v.value, Template) else v for v in task.env
        ),
    }
    if task.when is not None:
        changes["when"] = map_condition(task.when, fn)
    if task.for_each is not None and task.for_each.source is not None:
        changes["for_each"] = replace(task.for_each, source=source_fn(task.for_each.source))
    if task.container is not None:
        container = task.container
        changes["container"] = replace(
            container,
            command=tuple(fn(t) for t in container.command),
            args=tuple(fn(t) for t in container.args),
            env={k: fn(v) for k, v in container.env.items()},
        )
    if task.resource is not None:
        changes["resource"] = replace(
            task.resource, templates=tuple(fn(t) for t in task.resource.templates)
        )
    changes["resource_templates"] = tuple(fn(t) for t in task.resource_templates)
    return replace(task, **changes)
