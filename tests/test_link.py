"""Linking across files: bindings, types, outputs, nested pipelines, graph components, cycles."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yamlpipe.api import validate_paths
from yamlpipe.link import LinkedPipeline

COMPONENT = """\
name: Train
inputs:
- {name: data, type: CSV}
- {name: epochs, type: Integer, default: '10'}
- {name: flags, type: JsonObject, optional: true}
outputs:
- {name: model, type: Model}
- {name: accuracy, type: Float}
implementation:
  container:
    image: python:3.11
    command: [python3, train.py, {inputPath: data}, {inputValue: epochs}, {outputPath: model}]
    args: [{outputPath: accuracy}]
"""
MAKE_CSV = """\
name: Make CSV
outputs:
- {name: table, type: CSV}
- {name: text, type: String}
implementation:
  container:
    image: alpine:3.20
    command: [sh, -c, 'echo a,b > "$0"; echo x > "$1"', {outputPath: table}, {outputPath: text}]
"""


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def check(tmp_path: Path, pipeline: str, **files: str) -> list[str]:
    """Messages of every problem, as 'file:line:col: message'."""
    write(tmp_path, "train.yaml", COMPONENT)
    write(tmp_path, "make.yaml", MAKE_CSV)
    for name, text in files.items():
        write(tmp_path, name.replace("__", "/"), text)
    path = write(tmp_path, "p.yaml", pipeline)
    (report,) = validate_paths([str(path)], cache_root=tmp_path / "cache")
    return [
        f"{Path(p.location.file).name}:{p.location.line}:{p.location.column}: {p.message}"
        for p in report.problems
    ]


def linked(tmp_path: Path, pipeline: str) -> LinkedPipeline:
    write(tmp_path, "train.yaml", COMPONENT)
    write(tmp_path, "make.yaml", MAKE_CSV)
    path = write(tmp_path, "p.yaml", pipeline)
    (report,) = validate_paths([str(path)], cache_root=tmp_path / "cache")
    assert report.ok, [str(p) for p in report.problems]
    assert report.link is not None and isinstance(report.link.graph, LinkedPipeline)
    return report.link.graph


GOOD = """\
name: p
inputs: [{name: n, type: Integer, default: 3}]
tasks:
  make: {component: make.yaml}
  train:
    component: train.yaml
    arguments: {data: "${{ tasks.make.outputs.table }}", epochs: "${{ inputs.n }}"}
  report:
    container: {image: alpine, command: [echo, "${{ tasks.train.outputs.accuracy }}"]}
    after: make
"""


def test_a_good_pipeline_links_in_dependency_order(tmp_path: Path) -> None:
    graph = linked(tmp_path, GOOD)
    assert list(graph.tasks) == ["make", "train", "report"]
    assert graph.tasks["train"].dependencies == ("make",)
    assert graph.tasks["report"].dependencies == ("make", "train")
    assert graph.tasks["train"].component is not None
    assert graph.tasks["train"].origin is not None
    assert graph.tasks["train"].origin.name.endswith("train.yaml")


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            ('epochs: "${{ inputs.n }}"', "epochs: ten"),
            "p.yaml:7:66: argument 'epochs' of task 'train': 'ten' is not an integer",
        ),
        (
            ('data: "${{ tasks.make.outputs.table }}"', 'data: "${{ tasks.make.outputs.text }}"'),
            "has type String, but input 'data' has type CSV",
        ),
        (
            ("tasks.train.outputs.accuracy", "tasks.train.outputs.acc"),
            "p.yaml:9:49: task 'train' has no output 'acc'",
        ),
        (
            ("arguments: {data:", "arguments: {dataa: x, data:"),
            "task 'train' has no input 'dataa' (did you mean 'data'?)",
        ),
        (
            ('data: "${{ tasks.make.outputs.table }}", ', ""),
            "task 'train' does not pass the required input 'data'",
        ),
        (("component: train.yaml", "component: trian.yaml"), "no component file at 'trian.yaml'"),
        (
            ("component: train.yaml", "component: team/train@1.0"),
            "is a catalog entry, but no catalogs are configured",
        ),
    ],
)
def test_link_errors_are_located(tmp_path: Path, change: tuple[str, str], expected: str) -> None:
    messages = check(tmp_path, GOOD.replace(*change))
    assert any(expected in m for m in messages), messages


def test_literal_and_alias_types_are_accepted(tmp_path: Path) -> None:
    pipeline = GOOD.replace('epochs: "${{ inputs.n }}"', "epochs: 5, flags: {a: 1}")
    pipeline = pipeline.replace("{name: n, type: Integer", "{name: n, type: int")
    assert linked(tmp_path, pipeline).tasks["train"].component is not None


def test_errors_inside_a_referenced_file_point_into_it(tmp_path: Path) -> None:
    messages = check(
        tmp_path, GOOD, **{"make.yaml": MAKE_CSV.replace("{outputPath: text}", "{outputPath: txt}")}
    )
    assert any(m.startswith("make.yaml:8:") and "{outputPath: txt}" in m for m in messages), (
        messages
    )


NESTED = """\
name: outer
tasks:
  inner:
    component: sub/inner.yaml
    arguments: {rows: "10"}
  use:
    container: {image: alpine, command: [cat, "${{ tasks.inner.outputs.model }}"]}
"""
INNER = """\
name: inner
inputs: [{name: rows, type: Integer}]
outputs: [{name: model, from: "${{ tasks.train.outputs.model }}"}]
tasks:
  make: {component: ../make.yaml}
  train:
    component: ../train.yaml
    arguments: {data: "${{ tasks.make.outputs.table }}", epochs: "${{ inputs.rows }}"}
"""


def test_a_pipeline_used_as_a_component_is_linked_as_a_nested_graph(tmp_path: Path) -> None:
    write(tmp_path, "sub/inner.yaml", INNER)
    graph = linked(tmp_path, NESTED)
    nested = graph.tasks["inner"].pipeline
    assert nested is not None and list(nested.tasks) == ["make", "train"]
    assert graph.tasks["use"].dependencies == ("inner",)


def test_reference_cycles_across_files_show_the_chain(tmp_path: Path) -> None:
    loop = INNER.replace("component: ../make.yaml", "component: ../p.yaml")
    messages = check(tmp_path, NESTED, **{"sub__inner.yaml": loop})
    assert any("refer to each other in a cycle" in m and "inner.yaml:5" in m for m in messages), (
        messages
    )


GRAPH_COMPONENT = """\
name: Graph
inputs: [{name: n, type: Integer}]
outputs: [{name: model, type: Model}]
implementation:
  graph:
    tasks:
      make: {componentRef: {url: make.yaml}}
      train:
        componentRef: {url: train.yaml}
        arguments:
          data: {taskOutput: {taskId: make, outputName: table}}
          epochs: {graphInput: {inputName: n}}
        isEnabled: {'>': {op1: {graphInput: {inputName: n}}, op2: 0}}
        executionOptions: {retryStrategy: {maxRetries: 2}}
    outputValues:
      model: {taskOutput: {taskId: train, outputName: model}}
"""


def test_graph_components_link_like_pipelines(tmp_path: Path) -> None:
    write(tmp_path, "graph.yaml", GRAPH_COMPONENT)
    pipeline = "name: p\ntasks:\n  g: {component: graph.yaml, arguments: {n: 2}}\n"
    graph = linked(tmp_path, pipeline)
    nested = graph.tasks["g"].pipeline
    assert nested is not None and nested.component is not None
    train = nested.tasks["train"]
    assert train.dependencies == ("make",)
    assert train.task.when is not None
    assert train.task.settings.retry is not None and train.task.settings.retry.limit == 2


# ---- properties over random DAGs -------------------------------------------------------------


@st.composite
def dags(draw: st.DrawFn) -> tuple[int, list[tuple[int, int]]]:
    """A DAG on n nodes: edges only from a later node to an earlier one (i depends on j < i)."""
    n = draw(st.integers(min_value=2, max_value=12))
    pairs = [(i, j) for i in range(n) for j in range(i)]
    edges = draw(st.lists(st.sampled_from(pairs), unique=True, max_size=20))
    return n, edges


def dag_pipeline(n: int, edges: list[tuple[int, int]], order: list[int]) -> str:
    deps: dict[int, list[int]] = {i: [] for i in range(n)}
    for i, j in edges:
        deps[i].append(j)
    lines = ["name: dag", "tasks:"]
    for i in order:  # file order is shuffled: the linker must order by dependencies
        lines.append(f"  t{i}:")
        lines.append("    container: {image: alpine, command: [echo, 'x'], outputs: {o: /tmp/o}}")
        data = [j for j in deps[i] if (i + j) % 2]
        after = [f"t{j}" for j in deps[i] if not (i + j) % 2]
        if data:
            env = ", ".join(f"V{j}: '${{{{ tasks.t{j}.outputs.o }}}}'" for j in data)
            lines.append(f"    env: {{{env}}}")
        if after:
            lines.append(f"    after: [{', '.join(after)}]")
    return "\n".join(lines) + "\n"


PROPERTY = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@PROPERTY
@given(dags(), st.randoms(use_true_random=False))
def test_link_order_respects_every_edge(
    tmp_path: Path, dag: tuple[int, list[tuple[int, int]]], rnd
) -> None:  # type: ignore[no-untyped-def]
    n, edges = dag
    order = list(range(n))
    rnd.shuffle(order)
    graph = linked(tmp_path, dag_pipeline(n, edges, order))
    position = {name: k for k, name in enumerate(graph.tasks)}
    for i, j in edges:
        assert position[f"t{j}"] < position[f"t{i}"]
        assert f"t{j}" in graph.tasks[f"t{i}"].dependencies


@PROPERTY
@given(dags(), st.data())
def test_one_back_edge_gives_exactly_one_cycle_error_naming_it(
    tmp_path: Path, dag: tuple[int, list[tuple[int, int]]], data: st.DataObject
) -> None:
    n, edges = dag
    if not edges:
        edges = [(1, 0)]
    i, j = data.draw(st.sampled_from(edges))
    messages = check(tmp_path, dag_pipeline(n, [*edges, (j, i)], list(range(n))))
    cycles = [m for m in messages if "in a cycle" in m]
    assert len(cycles) == 1, messages
    assert f"t{j}" in cycles[0] and f"t{i}" in cycles[0]
