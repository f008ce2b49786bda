"""A pipeline's DAG as text for people: Mermaid or Graphviz DOT, with conditions, loops,
groups and nested pipelines (as clusters) and the exit handler marked."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field

from yamlpipe.link import LinkedPipeline, LinkedTask
from yamlpipe.spec.expr import BoolOp, Compare, Condition, Const, Not, Template


@dataclass(frozen=True)
class Node:
    """A task drawn as a box, or (with children) a nested pipeline drawn as a group."""

    id: str
    label: str
    after: tuple[str, ...] = ()
    children: tuple[Node, ...] = ()
    exit_handler: bool = False
    shape: str = "task"


_RESERVED = frozenset(
    {
        "end",
        "graph",
        "subgraph",
        "class",
        "classdef",
        "style",
        "click",
        "linkstyle",
        "flowchart",
        "direction",
        "call",
        "href",
        "default",
        "node",
        "edge",
        "digraph",
        "strict",
    }
)
"""Words Mermaid or DOT would read as keywords rather than as a node's name."""


@dataclass
class _Ids:
    used: dict[str, int] = field(default_factory=dict)

    def make(self, path: str) -> str:
        base = "".join(c if c.isalnum() else "_" for c in path) or "task"
        if base.lower() in _RESERVED:
            base += "_"
        count = self.used.get(base, 0)
        self.used[base] = count + 1
        return base if count == 0 else f"{base}_{count + 1}"


def condition_text(cond: Condition) -> str:
    """A condition as a user writes it."""
    if isinstance(cond, Compare):
        return f"{_operand(cond.left)} {cond.op} {_operand(cond.right)}"
    if isinstance(cond, BoolOp):
        left, right = (_grouped(c) for c in (cond.left, cond.right))
        return f"{left} {cond.op} {right}"
    assert isinstance(cond, Not)
    return f"not {_grouped(cond.operand)}"


def _grouped(cond: Condition) -> str:
    text = condition_text(cond)
    return f"({text})" if isinstance(cond, BoolOp) else text


def _operand(operand: Template | Const) -> str:
    if isinstance(operand, Template):
        return " ".join(operand.text.replace("${{", "").replace("}}", "").split())
    value = operand.value
    return repr(value) if isinstance(value, str) else str(value).lower()


def _task_label(linked: LinkedTask) -> str:
    task = linked.task
    lines = [task.name]
    if task.display_name and task.display_name != task.name:
        lines.append(task.display_name)
    if task.when is not None:
        lines.append("when " + condition_text(task.when))
    loop = task.for_each
    if loop is not None:
        over = f"{len(loop.items)} items" if loop.items is not None else _operand(loop.source)  # type: ignore[arg-type]
        limit = f", {task.parallelism} at a time" if task.parallelism else ""
        lines.append(f"for each of {over}{limit}")
    return "\n".join(lines)


_SHAPES = {"resource": "resource", "snapshot": "resource"}


def build_nodes(graph: LinkedPipeline, ids: _Ids, prefix: str = "") -> tuple[Node, ...]:
    """The pipeline's tasks (groups and nested pipelines as clusters) and its exit handler."""
    nodes = list(_level_nodes(graph.tasks, ids, prefix))
    if graph.on_exit is not None:
        label = "on exit: " + _task_label(graph.on_exit).replace("on_exit\n", "", 1)
        nodes.append(Node(ids.make(prefix + "on_exit"), label, exit_handler=True))
    return tuple(nodes)


def _level_nodes(tasks: Mapping[str, LinkedTask], ids: _Ids, prefix: str) -> Iterator[Node]:
    local = {name: ids.make(prefix + name) for name in tasks}
    for name, linked in tasks.items():
        children: tuple[Node, ...] = ()
        label = _task_label(linked)
        if linked.pipeline is not None:
            children = build_nodes(linked.pipeline, ids, prefix + name + "/")
            label += f"\n(pipeline {linked.pipeline.pipeline.name})"
        elif linked.group is not None:
            children = tuple(_level_nodes(linked.group, ids, prefix + name + "/"))
            label += "\n(group)"
        after = tuple(local[d] for d in linked.dependencies if d in local)
        shape = "loop" if linked.task.for_each else _SHAPES.get(linked.task.kind, "task")
        yield Node(local[name], label, after, children, shape=shape)


# ---- Mermaid --------------------------------------------------------------------------------


def _mermaid_label(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("\n", "<br/>") + '"'


_MERMAID_SHAPES = {
    "task": ("[", "]"),
    "loop": ("[[", "]]"),
    "resource": ("[/", "/]"),
    "exit": ("([", "])"),
}


def _iter_mermaid(nodes: tuple[Node, ...], indent: str) -> Iterator[str]:
    for node in nodes:
        if node.children:
            yield f"{indent}subgraph {node.id} [{_mermaid_label(node.label)}]"
            yield from _iter_mermaid(node.children, indent + "  ")
            yield f"{indent}end"
            continue
        opening, closing = _MERMAID_SHAPES["exit" if node.exit_handler else node.shape]
        yield f"{indent}{node.id}{opening}{_mermaid_label(node.label)}{closing}"
    for node in nodes:
        yield from (f"{indent}{dep} --> {node.id}" for dep in node.after)


def render_mermaid(graph: LinkedPipeline) -> str:
    nodes = build_nodes(graph, _Ids())
    lines = ["flowchart TD", *_iter_mermaid(nodes, "  ")]
    exits = [n.id for n in nodes if n.exit_handler]
    if exits:
        lines.append("  classDef exitHandler stroke-dasharray: 5 5")
        lines.append(f"  class {','.join(exits)} exitHandler")
    return "\n".join(lines) + "\n"


# ---- DOT ------------------------------------------------------------------------------------


def dot_quote(text: str) -> str:
    """A DOT string literal."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


_DOT_SHAPES = {"task": "box", "loop": "box3d", "resource": "parallelogram"}


def _first_leaf(node: Node) -> str:
    return _first_leaf(node.children[0]) if node.children else node.id


def _iter_dot(nodes: tuple[Node, ...], indent: str) -> Iterator[str]:
    for node in nodes:
        if node.children:
            yield f"{indent}subgraph cluster_{node.id} {{"
            yield f"{indent}  label={dot_quote(node.label)};"
            yield from _iter_dot(node.children, indent + "  ")
            yield f"{indent}}}"
            continue
        style = "dashed" if node.exit_handler else "rounded"
        shape = "box" if node.exit_handler else _DOT_SHAPES[node.shape]
        yield f"{indent}{node.id} [label={dot_quote(node.label)}, shape={shape}, style={style}];"
    by_id = {n.id: n for n in nodes}
    for node in nodes:
        for dep in node.after:
            tail, head = by_id[dep], node
            attrs = []
            if tail.children:
                attrs.append(f"ltail=cluster_{tail.id}")
            if head.children:
                attrs.append(f"lhead=cluster_{head.id}")
            suffix = f" [{', '.join(attrs)}]" if attrs else ""
            yield f"{indent}{_first_leaf(tail)} -> {_first_leaf(head)}{suffix};"


def render_dot(graph: LinkedPipeline) -> str:
    nodes = build_nodes(graph, _Ids())
    lines = [
        f"digraph {dot_quote(graph.pipeline.name)} {{",
        "  compound=true;",
        "  rankdir=TB;",
        '  node [fontname="Helvetica"];',
        *_iter_dot(nodes, "  "),
        "}",
    ]
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[LinkedPipeline], str]] = {
    "mermaid": render_mermaid,
    "dot": render_dot,
}


def render_graph(graph: LinkedPipeline, kind: str) -> str:
    """The DAG as `mermaid` or `dot` text."""
    return RENDERERS[kind](graph)
