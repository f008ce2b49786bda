"""Fixtures for the client's tests: the fake KFP and Argo APIs, a project with a pipeline."""

from __future__ import annotations

from pathlib import Path

import pytest

from fake_apis import argo_api, kfp_api

PIPELINE = """\
name: greet
description: Say hello, a number of times.
inputs:
  - {name: who, type: String}
  - {name: times, type: Integer, default: 1}
tasks:
  hello:
    container:
      image: alpine:3.20
      command:
        - sh
        - -c
        - 'for i in $(seq "$1"); do echo "hello $0"; done'
        - "${{ inputs.who }}"
        - "${{ inputs.times }}"
"""


@pytest.fixture(autouse=True)
def no_ambient_token(monkeypatch: pytest.MonkeyPatch) -> None:
    """Tokens come only from what a test sets, never from the machine's environment."""
    for name in (
        "YAMLPIPE_TOKEN",
        "KF_PIPELINES_SA_TOKEN_PATH",
        "KF_PIPELINES_DEFAULT_EXPERIMENT_NAME",
        "KF_PIPELINES_OVERRIDE_EXPERIMENT_NAME",
    ):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def project(tmp_path: Path) -> Path:
    """A project folder with yamlpipe.yaml and pipeline.yaml (inputs: who, times)."""
    root = tmp_path / "project"
    root.mkdir()
    (root / "yamlpipe.yaml").write_text("catalogs: {}\n", encoding="utf-8")
    (root / "pipeline.yaml").write_text(PIPELINE, encoding="utf-8")
    return root


__all__ = ["argo_api", "kfp_api", "no_ambient_token", "project"]
