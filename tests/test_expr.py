"""`${{ }}` templates and `when` conditions: what parses, what fails, and where."""

from __future__ import annotations

import pytest

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.spec.expr import BoolOp, Compare, Const, Not, Ref, parse_condition, parse_template


def at(offset: int) -> Location:
    return Location("f.yaml", 1, 1 + offset)


@pytest.mark.parametrize(
    ("text", "ref"),
    [
        ("${{ inputs.epochs }}", ("inputs", "epochs", None)),
        ("${{inputs.a-b}}", ("inputs", "a-b", None)),
        ("${{ inputs['Training data'] }}", ("inputs", "Training data", None)),
        ("${{ tasks.train.outputs.model }}", ("tasks", "train", "model")),
        ("${{ tasks.t.outputs['Output path'] }}", ("tasks", "t", "Output path")),
        ("${{ item }}", ("item", None, None)),
        ("${{ item.lr }}", ("item", "lr", None)),
        ("${{ workflow.status }}", ("workflow", "status", None)),
    ],
)
def test_single_references(text: str, ref: tuple[str, str | None, str | None]) -> None:
    template = parse_template(text, at)
    single = template.single_ref
    assert single is not None
    assert (single.kind, single.name, single.output) == ref


def test_text_around_expressions_keeps_its_order_and_offsets() -> None:
    template = parse_template("gs://b/${{ inputs.run }}/x-${{ item }}", at)
    assert [p if isinstance(p, str) else p.kind for p in template.parts] == [
        "gs://b/",
        "inputs",
        "/x-",
        "item",
    ]
    assert template.single_ref is None
    assert [r.loc.column for r in template.refs] == [8, 28]
    assert template.text == "gs://b/${{ inputs.run }}/x-${{ item }}"


def test_plain_strings_have_no_refs() -> None:
    assert parse_template("just text", at).refs == ()
    assert parse_template("", at).parts == ("",)


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("x ${{ inputs.a", "without a closing", 3),
        ("${{ input.a }}", "cannot understand the expression", 1),
        ("${{ workflow.nme }}", "unknown workflow field", 1),
        ("${{ tasks.a.output.b }}", "cannot understand", 1),
    ],
)
def test_bad_templates(text: str, message: str, column: int) -> None:
    with pytest.raises(YamlpipeError) as info:
        parse_template(text, at)
    assert message in info.value.message
    assert info.value.location.column == column


def test_condition_precedence_not_and_or() -> None:
    cond = parse_condition(
        "not ${{ inputs.a }} == 'x' or ${{ inputs.b }} > 2 and ${{ inputs.c }} != true", at
    )
    assert isinstance(cond, BoolOp) and cond.op == "or"
    assert isinstance(cond.left, Not)
    assert isinstance(cond.right, BoolOp) and cond.right.op == "and"
    right = cond.right.right
    assert isinstance(right, Compare) and right.right == Const(True, at(73))


def test_condition_operands_and_parentheses() -> None:
    cond = parse_condition("(${{ tasks.t.outputs.acc }} >= 0.9)", at)
    assert isinstance(cond, Compare) and cond.op == ">="
    assert isinstance(cond.right, Const) and cond.right.value == 0.9
    ref = cond.left.refs[0]  # type: ignore[union-attr]
    assert isinstance(ref, Ref) and ref.name == "t"


@pytest.mark.parametrize(
    ("text", "message", "column"),
    [
        ("", "empty condition", 1),
        ("${{ inputs.a }} == 1 and", "expected a value", 25),
        ("${{ inputs.a }}", "expected a comparison", 16),
        ("${{ inputs.a }} = 1", "unexpected '='", 17),
        ("(${{ inputs.a }} == 1", "missing ')'", 22),
        ("tasks.a.outputs.b == 1", "is a bare word", 1),
        ("${{ inputs.a }} == 1 1", "unexpected '1'", 22),
    ],
)
def test_bad_conditions_point_at_the_problem(text: str, message: str, column: int) -> None:
    with pytest.raises(YamlpipeError) as info:
        parse_condition(text, at)
    assert message in info.value.message
    assert info.value.location.column == column
