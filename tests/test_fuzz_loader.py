"""Any input at all gives a spec or our located errors: never a traceback."""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yamlpipe.errors import YamlpipeError
from yamlpipe.load import LoadResult, load_text

KEYS = [
    "name",
    "description",
    "inputs",
    "outputs",
    "implementation",
    "container",
    "graph",
    "image",
    "command",
    "args",
    "env",
    "fileOutputs",
    "inputValue",
    "inputPath",
    "outputPath",
    "concat",
    "if",
    "cond",
    "then",
    "else",
    "isPresent",
    "type",
    "default",
    "optional",
    "tasks",
    "componentRef",
    "arguments",
    "graphInput",
    "taskOutput",
    "inputName",
    "taskId",
    "outputName",
    "isEnabled",
    "==",
    "and",
    "not",
    "op1",
    "op2",
    "outputValues",
    "metadata",
    "component",
    "resource",
    "snapshot",
    "volumes",
    "after",
    "when",
    "for_each",
    "retry",
    "timeout",
    "cache",
    "on_exit",
    "from",
    "manifest",
    "action",
    "volume",
    "claim",
    "size",
    "from_snapshot",
    "x",
]
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=False, allow_infinity=False),
    st.sampled_from(
        [
            "x",
            "data",
            "${{ inputs.x }}",
            "${{ tasks.x.outputs.y }}",
            "${{ item }}",
            "${{",
            "a == b",
            "${{ inputs.x }} > 1 and",
            "/tmp/x",
            "yes",
            "String",
        ]
    ),
    st.text(max_size=12),
)
VALUES = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    ),
    max_leaves=30,
)
TOP = st.dictionaries(st.sampled_from(KEYS), VALUES, max_size=6)
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def assert_result_or_our_errors(result: LoadResult) -> None:
    assert isinstance(result, LoadResult)
    assert all(isinstance(p, YamlpipeError) for p in result.problems)
    assert (result.spec is None) == (not result.ok) or result.kind is None
    for problem in result.problems:
        assert problem.location.file == "fuzz.yaml"
        assert problem.message


@FUZZ
@given(st.text(max_size=400))
def test_any_text(text: str) -> None:
    assert_result_or_our_errors(load_text(text, "fuzz.yaml"))


@FUZZ
@given(VALUES)
def test_any_json_like_value(value: Any) -> None:
    assert_result_or_our_errors(load_text(json.dumps(value), "fuzz.yaml"))


@FUZZ
@given(TOP, st.sampled_from(["implementation", "tasks"]), VALUES)
def test_documents_shaped_like_ours(top: dict[str, Any], kind: str, body: Any) -> None:
    document = {**top, kind: body}
    assert_result_or_our_errors(load_text(json.dumps(document, indent=1), "fuzz.yaml"))


@FUZZ
@given(
    st.lists(
        st.sampled_from(
            [
                "name: a\n",
                "tasks:\n",
                "  t:\n",
                "    component: c.yaml\n",
                "    when: ${{ x }} == 1\n",
                "implementation:\n",
                "  container:\n",
                "    image: x\n",
                "    args: [{inputValue: a}]\n",
                "  - {name: a}\n",
                "inputs:\n",
                "- a\n",
                "  ",
                "\t",
                ": ",
                "&a [*a]\n",
                "<<: *a\n",
                "---\n",
                "key: |\n  inputs:\n",
                "'",
                '"',
                "{",
                "[",
                "? x\n",
                "!!binary x\n",
                "!tag y\n",
            ]
        ),
        max_size=12,
    )
)
def test_yaml_fragments(fragments: list[str]) -> None:
    assert_result_or_our_errors(load_text("".join(fragments), "fuzz.yaml"))
