"""Shared test plumbing: run the real CLI in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def run_cli(
    *args: str, cwd: Path | str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """Run `python -m yamlpipe ARGS` as a user would (`env` adds to the environment); never
    raises on a non-zero exit."""
    env = {**os.environ, "NO_COLOR": "1", "COLUMNS": "200", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "yamlpipe", *args],
        cwd=cwd or ROOT,
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
    )


KFP_VERSION = "1.8.22"


def kfp_python() -> Path:
    """The kfp 1.8.22 interpreter for interop tests: YAMLPIPE_KFP_PYTHON, else <repo>/.venv-kfp.

    Missing, the calling test is skipped; with YAMLPIPE_REQUIRE_KFP=1 (as in CI) it fails.
    """
    import pytest

    configured = os.environ.get("YAMLPIPE_KFP_PYTHON")
    candidate = Path(configured) if configured else ROOT / ".venv-kfp" / "bin" / "python"
    if candidate.is_file() and os.access(candidate, os.X_OK):
        return candidate
    source = "YAMLPIPE_KFP_PYTHON" if configured else "the default location"
    reason = (
        f"no kfp {KFP_VERSION} interpreter at {candidate} ({source}); create one with "
        f"`python -m venv .venv-kfp && .venv-kfp/bin/pip install kfp=={KFP_VERSION}` or set "
        "YAMLPIPE_KFP_PYTHON (YAMLPIPE_REQUIRE_KFP=1 turns this skip into a failure)"
    )
    if os.environ.get("YAMLPIPE_REQUIRE_KFP") == "1":
        pytest.fail(reason)
    pytest.skip(reason)


def kfp_workflows(programs: list[Path]) -> dict[str, Any]:
    """The Workflows kfp 1.8.22 compiles for KFP v1 Python files, by path as given (one run
    of tests/interop/kfp_workflows.py in kfp's interpreter)."""
    import pytest

    proc = subprocess.run(
        [str(kfp_python()), str(ROOT / "tests" / "interop" / "kfp_workflows.py")]
        + [str(p) for p in programs],
        capture_output=True,
        text=True,
        timeout=600,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"kfp_workflows.py exited {proc.returncode}:\n{proc.stderr}")
    assert f"kfp=={KFP_VERSION}" in proc.stderr, proc.stderr
    workflows: dict[str, Any] = json.loads(proc.stdout)
    return workflows
