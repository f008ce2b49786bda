"""Indentation mistakes are reported at the line to fix (the error goldens show the messages;
these cases pin down where, and what must not be mistaken for one)."""

from __future__ import annotations

import time

import pytest

from yamlpipe.load import load_text

TASKS = "name: p\ntasks:\n  clean:\n    container: {image: alpine, command: [echo]}\n"


@pytest.mark.parametrize(
    ("text", "where", "words"),
    [
        # one space too many on the first key of a block: blamed there, not a line later
        (
            "name: p\ntasks:\n  t:\n    arguments:\n       a: 1\n      b: 2\n",
            "5:8",
            "'a' is indented 1 space more than 'b' on line 6",
        ),
        # one space too few on a later key: blamed where it is
        (
            "name: p\ntasks:\n  t:\n    arguments:\n      a: 1\n     b: 2\n",
            "6:6",
            "'b' at column 6 lines up with no key above it",
        ),
        # deeper than the `key: value` above: read as more of that value
        (
            "name: p\ntasks:\n  t:\n    component: c.yaml\n     after: x\n",
            "5:6",
            "'after' is indented more than 'component' on line 4",
        ),
        # a task key indented like the tasks becomes a task of that name
        (
            TASKS + "  arguments:\n    data: hi\n",
            "5:3",
            "'arguments' is indented like the tasks, so it is read as a task named 'arguments'",
        ),
    ],
)
def test_the_line_to_fix_is_named(text: str, where: str, words: str) -> None:
    result = load_text(text, "p.yaml")
    [problem] = [p for p in result.problems if p.is_error]
    assert str(problem.location) == f"p.yaml:{where}" and words in problem.message, problem


def test_a_task_may_be_named_like_a_task_key() -> None:
    """A KFP program's ContainerOp(name='after') is a task called `after`: valid, not a
    mis-indented key (its body is a task's)."""
    text = TASKS + "  after:\n    container: {image: alpine, command: [echo]}\n    after: clean\n"
    assert load_text(text, "p.yaml").ok


def test_a_hostile_line_is_not_read_for_a_key() -> None:
    text = "name: p\ntasks:\n  t:\n    a: b\n     x" + " " * 200_000 + "y: 1\n"
    started = time.perf_counter()
    result = load_text(text, "p.yaml")
    assert not result.ok and time.perf_counter() - started < 2
