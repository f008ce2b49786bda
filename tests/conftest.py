"""Shared pytest configuration for the yamlpipe test suite."""

from __future__ import annotations

import pytest


def pytest_addoption(parser: pytest.Parser) -> None:
    parser.addoption(
        "--update-goldens",
        action="store_true",
        default=False,
        help="Rewrite golden expected files instead of comparing (refused when CI is set).",
    )
