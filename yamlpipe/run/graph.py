"""A recorded run's DAG as Mermaid or DOT text, every task coloured by its state.

Drawn from the Workflow that ran (so KFP's packages draw too): each DAG template is a group,
each task a box; a looped task is one box that counts its iterations' states, and takes the
colour of the worst of them.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from yamlpipe.compile.graph import dot_quote

Json = dict[str, Any]
SEVERITY = (
    "Failed",
    "Error",
    "Cancelled",
    "Running",
    "Pending",
    "Succeeded",
    "Cached",
    "Skipped",
    "Omitted",
)
"""The state a box shows when its iterations differ: the first of these that occurs."""
COLOURS = {
    "Succeeded": ("#d9f2dd", "#2e7d32"),
    "Cached": ("#dbe9fb", "#1565c0"),
    "Failed": ("#fbdada", "#c62828"),
    "Error": ("#fbdada", "#c62828"),
    "Running": ("#fff4c2", "#b28704"),
    "Pending": ("#ffffff", "#777777"),
    "Skipped": ("#eeeeee", "#999999"),
    "Omitted": ("#eeeeee", "#999999"),
    "Cancelled": ("#ffe5cc", "#e65100"),
}
_ITERATION = re.compile(r"\(\d+:[^()]*\)")


@dataclass(frozen=True)
class Box:
    id: str
    label: str
    state: str
    after: tuple[str, ...] = ()
    children: tuple[Box, ...] = ()


def task_path(display: str) -> str:
    """`sweep(0:a).train(2:x)` -> `sweep.train`: the task a node is an iteration of."""
    return _ITERATION.sub("", display)


def states_by_task(nodes: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """(display name, state) of every node -> the states of each task path."""
    found: dict[str, list[str]] = {}
    for display, state in nodes:
        found.setdefault(task_path(display), []).append(state)
    return found


def _summary(states: list[str]) -> tuple[str, str]:
    if not states:
        return "Pending", ""
    worst = next(s for s in SEVERITY if s in states) if set(states) & set(SEVERITY) else states[0]
    if len(states) == 1:
        return worst, ""
    counts = Counter(states)
    return worst, ", ".join(f"{n} {s.lower()}" for s, n in sorted(counts.items()))


def _ident(path: str) -> str:
    return "t_" + "".join(c if c.isalnum() else "_" for c in path)


def build_boxes(workflow: Json, states: Mapping[str, list[str]]) -> tuple[Box, ...]:
    spec = workflow.get("spec") or {}
    templates = {t["name"]: t for t in spec.get("templates") or []}
    boxes = list(_dag_boxes(templates, templates.get(spec.get("entrypoint"), {}), "", states))
    if spec.get("onExit"):
        state, counts = _summary(states.get("onExit", []))
        label = "on exit" + (f"\n{counts}" if counts else "")
        boxes.append(Box(_ident("onExit"), label, state))
    return tuple(boxes)


def _dag_boxes(
    templates: Mapping[str, Json], template: Json, prefix: str, states: Mapping[str, list[str]]
) -> Iterator[Box]:
    for task in (template.get("dag") or {}).get("tasks") or []:
        path = prefix + str(task["name"])
        called = templates.get(str(task.get("template")), {})
        children: tuple[Box, ...] = ()
        if "dag" in called:
            children = tuple(_dag_boxes(templates, called, path + ".", states))
        state, counts = _summary(states.get(path, []))
        lines = [str(task["name"])]
        if task.get("when"):
            lines.append(f"when {task['when']}")
        if "withItems" in task or "withParam" in task:
            lines.append("loop")
        if counts:
            lines.append(counts)
        after = tuple(_ident(prefix + str(d)) for d in task.get("dependencies") or ())
        yield Box(_ident(path), "\n".join(lines), state, after, children)


# ---- Mermaid ---------------------------------------------------------------------------------


def _mermaid_text(text: str) -> str:
    return '"' + text.replace('"', "#quot;").replace("\n", "<br/>") + '"'


def _iter_mermaid(boxes: tuple[Box, ...], indent: str) -> Iterator[str]:
    for box in boxes:
        if box.children:
            yield f"{indent}subgraph {box.id} [{_mermaid_text(box.label)}]"
            yield from _iter_mermaid(box.children, indent + "  ")
            yield f"{indent}end"
        else:
            yield f"{indent}{box.id}[{_mermaid_text(box.label)}]:::{box.state.lower()}"
    for box in boxes:
        yield from (f"{indent}{dep} --> {box.id}" for dep in box.after)


def render_mermaid(boxes: tuple[Box, ...]) -> str:
    lines = ["flowchart TD", *_iter_mermaid(boxes, "  ")]
    for state, (fill, stroke) in COLOURS.items():
        lines.append(f"  classDef {state.lower()} fill:{fill},stroke:{stroke}")
    return "\n".join(lines) + "\n"


# ---- DOT --------------------------------------------------------------------------------------


def _leaf(box: Box) -> str:
    return _leaf(box.children[0]) if box.children else box.id


def _iter_dot(boxes: tuple[Box, ...], indent: str) -> Iterator[str]:
    for box in boxes:
        if box.children:
            yield f"{indent}subgraph cluster_{box.id} {{"
            yield f"{indent}  label={dot_quote(box.label)}; style=rounded;"
            yield from _iter_dot(box.children, indent + "  ")
            yield f"{indent}}}"
            continue
        fill, stroke = COLOURS.get(box.state, COLOURS["Pending"])
        yield (
            f'{indent}{box.id} [label={dot_quote(box.label)}, fillcolor="{fill}", '
            f'color="{stroke}", tooltip={dot_quote(box.state)}];'
        )
    by_id = {b.id: b for b in boxes}
    for box in boxes:
        for dep in box.after:
            tail = by_id.get(dep)
            if tail is not None:
                yield f"{indent}{_leaf(tail)} -> {_leaf(box)};"


def render_dot(boxes: tuple[Box, ...]) -> str:
    lines = [
        "digraph run {",
        "  compound=true;",
        "  rankdir=TB;",
        '  node [fontname="Helvetica", shape=box, style="rounded,filled"];',
        *_iter_dot(boxes, "  "),
        "}",
    ]
    return "\n".join(lines) + "\n"


RENDERERS: dict[str, Callable[[tuple[Box, ...]], str]] = {
    "mermaid": render_mermaid,
    "dot": render_dot,
}


def render_run_graph(workflow: Json, nodes: Iterable[tuple[str, str]], kind: str) -> str:
    """The run's DAG as `mermaid` or `dot`; `nodes` are (display name, shown state) pairs."""
    return RENDERERS[kind](build_boxes(workflow, states_by_task(nodes)))
