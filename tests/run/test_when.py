"""`when` as Argo v3.3 evaluates it (govaluate, bare words read as strings)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from yamlpipe.run.when import WhenError, evaluate_when

TRUE_OR_FALSE = [
    ('"heads" == "heads"', True),
    ('"heads" == "tails"', False),
    ("heads == heads", True),
    ("heads != tails", True),
    ("5 > 3", True),
    ("0.7 > 0.5", True),
    ("10 < 9", False),
    ('"10" < "9"', True),  # quoted: compared as strings
    ("1 == 1.0", True),
    ('"1" == 1', False),  # a string never equals a number
    ("a == b && (1 < 2 || false)", False),
    ("a == a && (1 < 2 || false)", True),
    ("!(1 == 1)", False),
    ("true", True),
    ("false || true", True),
    ("-1 < 0", True),
    ('"a b" == "a b"', True),
    ("True == True", True),
    ("3 in (1, 2, 3)", True),
    ('"2024-01-31" == "2024-01-31"', True),
    ('"2024-01-31" < "2024-02-01"', True),  # dates compare as times
    ("", True),
    ("0x10 == 16", True),
    ("2 + 3 == 5", True),
    ('"a" + "b" == "ab"', True),
]


@pytest.mark.parametrize(("text", "expected"), TRUE_OR_FALSE)
def test_conditions(text: str, expected: bool) -> None:
    assert evaluate_when(text) is expected


FAILURES = [
    ("{{tasks.a.outputs.parameters.x}} == 1", "Invalid token: '{{'"),
    ("1.2.3 > 1", "Unable to parse numeric value '1.2.3'"),
    ("abc > 5", "cannot be used with the comparator '>'"),
    ("hello world == x", "Cannot transition token types"),
    ("model.pkl == x", "Unable to access unexported field 'pkl'"),
    ("1", "Expected boolean evaluation"),
    ('"open == x', "Unclosed string literal"),
    ("(1 == 1", "Unbalanced parenthesis"),
    ("1 ==", "Unexpected end of expression"),
    ("1 && true", "cannot be used with the logical operator"),
]


@pytest.mark.parametrize(("text", "message"), FAILURES)
def test_failures_say_what_argo_says(text: str, message: str) -> None:
    with pytest.raises(WhenError, match=message.replace("(", r"\(").replace("[", r"\[")) as info:
        evaluate_when(text)
    assert text in str(info.value)


def test_invalid_token_carries_argos_quoting_hint() -> None:
    with pytest.raises(WhenError, match="try wrapping the affected expression in quotes"):
        evaluate_when("x == {{item}}")


def test_short_circuit_skips_the_right_side() -> None:
    assert evaluate_when("false && (abc > 5)") is False
    assert evaluate_when("true || (abc > 5)") is True


@given(
    st.text(alphabet=st.sampled_from(list("()!-+<>=&|'\" .0123456789abcxyz{}[]~?:,")), max_size=60)
)
@settings(max_examples=400, derandomize=True)
def test_any_text_is_a_result_or_argos_error(text: str) -> None:
    try:
        result = evaluate_when(text)
    except WhenError:
        return
    assert isinstance(result, bool)


def test_deep_nesting_is_refused_not_recursed_into() -> None:
    with pytest.raises(WhenError, match="nests deeper than 100 levels") as info:
        evaluate_when("(" * 3000 + "1" + ")" * 3000 + " == 1")
    assert len(str(info.value)) < 400
