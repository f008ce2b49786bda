"""Shared pytest configuration for the yamlpipe test suite."""

from __future__ import annotations

import os

import pytest
from hypothesis import settings

# The shared structure comparison asserts leaf by leaf: show its diffs as pytest does.
pytest.register_assert_rewrite("interop.workflow_structure")

# Locally hypothesis explores new inputs on every run; CI replays a fixed sequence so that a
# red build always points at a change, never at luck.
settings.register_profile("ci", derandomize=True, print_blob=True)
if os.environ.get("CI"):
    settings.load_profile("ci")


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite golden expected files instead of comparing (refused when CI is set).",
    )
