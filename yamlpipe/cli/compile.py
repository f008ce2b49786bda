"""`yamlpipe compile` and `yamlpipe graph`: cluster packages and DAG pictures."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
