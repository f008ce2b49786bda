"""`yamlpipe generate component|pipeline`: YAML from Python."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
