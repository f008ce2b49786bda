"""A KFP graph component seen as a pipeline, so that one linker and compiler serve both."""

from __future__ import annotations

from yamlpipe.spec.expr import BoolOp, Compare, Condition, Const, Not, Operand, Ref, Template
from yamlpipe.spec.model import (
    Argument,
    ArgValue,
    Cache,
    Component,
    GraphInputArg,
    GraphSpec,
    GraphTask,
    Literal,
    OutputSpec,
    Pipeline,
    Predicate,
    Retry,
    Task,
    TaskOutputArg,
    TaskSettings,
)

COMPARISON_OPS = ("==", "!=", "<", "<=", ">", ">=")


def argument_template(value: ArgValue) -> ArgValue:
    """KFP's graphInput/taskOutput forms as the expressions a pipeline file would use."""
    if isinstance(value, GraphInputArg):
        ref = Ref(
            "inputs", value.input_name, None, value.loc, f"${{{{ inputs.{value.input_name} }}}}"
        )
        return Template((ref,), value.loc)
    if isinstance(value, TaskOutputArg):
        text = f"${{{{ tasks.{value.task_id}.outputs.{value.output_name} }}}}"
        return Template(
            (Ref("tasks", value.task_id, value.output_name, value.loc, text),), value.loc
        )
    return value


def _operand(value: object) -> Operand:
    converted = argument_template(value)  # type: ignore[arg-type]
    if isinstance(converted, Template):
        return converted
    if isinstance(converted, Literal) and isinstance(converted.value, str | int | float | bool):
        return Const(converted.value)
    return Const(str(getattr(converted, "value", converted)))


def predicate_condition(predicate: Predicate) -> Condition:
    """isEnabled -> a `when` condition; a bare value means `value == true`."""
    op, operands = predicate.op, predicate.operands
    if op in COMPARISON_OPS:
        return Compare(op, _operand(operands[0]), _operand(operands[1]), predicate.loc)
    if op in ("and", "or"):
        left, right = (predicate_condition(o) for o in operands)
        return BoolOp(op, left, right, predicate.loc)
    if op == "not":
        return Not(predicate_condition(operands[0]), predicate.loc)
    return Compare("==", _operand(operands[0]), Const(True), predicate.loc)


def _graph_task(task: GraphTask) -> Task:
    staleness = task.max_cache_staleness
    return Task(
        name=task.id,
        kind="component",
        component=task.component_ref.url or task.component_ref.name,
        arguments=tuple(
            Argument(a.name, argument_template(a.value), a.loc, a.key_loc)
            for a in task.arguments.values()
        ),
        when=predicate_condition(task.is_enabled) if task.is_enabled is not None else None,
        settings=TaskSettings(
            retry=Retry(task.max_retries) if task.max_retries is not None else None,
            cache=Cache(True, staleness) if staleness is not None else None,
        ),
        loc=task.loc,
        component_loc=task.component_ref.loc,
    )


def graph_pipeline(component: Component) -> Pipeline:
    """The pipeline a graph component describes: same interface, same tasks."""
    graph = component.implementation
    assert isinstance(graph, GraphSpec)
    outputs = []
    for output in component.outputs:
        arg = graph.output_values.get(output.name)
        source = argument_template(arg.value) if arg is not None else None
        outputs.append(
            OutputSpec(
                output.name,
                output.type,
                output.description,
                output.annotations,
                source if isinstance(source, Template) else None,
                output.loc,
            )
        )
    return Pipeline(
        name=component.name or "graph",
        tasks={task_id: _graph_task(task) for task_id, task in graph.tasks.items()},
        description=component.description,
        metadata=component.metadata,
        inputs=component.inputs,
        outputs=tuple(outputs),
        loc=component.loc,
    )
