"""Error goldens: `yamlpipe validate <case>.yaml` must print tests/errors/<case>.expected.txt.

Adding a case means adding the two files; regenerate with `pytest --update-goldens` (refused in CI).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ERRORS_DIR = Path(__file__).parent / "errors"
EXPECTED_SUFFIX = ".expected.txt"
MIN_CASES = 30

CASES = sorted(ERRORS_DIR.glob("*.yaml"))
# A problem line is `file:line:col: severity: message` (or `file: severity: ...`); the echoed
# source lines and hints below it start with a space, so they never match.
PROBLEM_LINE = re.compile(r"^\S.*?: (error|warning): ", re.MULTILINE)
ERROR_LINE = re.compile(r"^\S.*?: error: ", re.MULTILINE)


def expected_path(case: Path) -> Path:
    return case.with_name(case.stem + EXPECTED_SUFFIX)


def run_validate(case: Path) -> subprocess.CompletedProcess[bytes]:
    """`yamlpipe validate <case>.yaml` as a user runs it, from inside tests/errors."""
    env = {**os.environ, "NO_COLOR": "1"}
    return subprocess.run(
        [sys.executable, "-m", "yamlpipe", "validate", case.name],
        cwd=ERRORS_DIR,
        env=env,
        capture_output=True,
        timeout=120,
        check=False,
    )


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True with --update-goldens; refuses to rewrite goldens in CI."""
    update = bool(request.config.getoption("--update-goldens"))
    if update and "CI" in os.environ:
        pytest.fail("--update-goldens rewrites goldens; refused when CI is set", pytrace=False)
    return update


def test_there_are_enough_cases() -> None:
    assert len(CASES) >= MIN_CASES, f"only {len(CASES)} error cases in {ERRORS_DIR}"


def test_every_expected_file_has_a_case() -> None:
    orphans = [
        p.name
        for p in ERRORS_DIR.glob("*" + EXPECTED_SUFFIX)
        if not p.with_name(p.name.removesuffix(EXPECTED_SUFFIX) + ".yaml").exists()
    ]
    assert not orphans, f"expected files without a case: {orphans}"


@pytest.mark.parametrize("case", CASES, ids=[c.stem for c in CASES])
def test_error_golden(case: Path, update_goldens: bool) -> None:
    result = run_validate(case)
    expected_file = expected_path(case)
    if update_goldens:
        expected_file.write_bytes(result.stdout)
    assert expected_file.exists(), (
        f"{expected_file.name} is missing; run pytest --update-goldens to create it"
    )
    expected = expected_file.read_bytes()
    assert result.stdout == expected, (
        f"output of `yamlpipe validate {case.name}` differs from {expected_file.name}\n"
        f"--- stderr ---\n{result.stderr.decode(errors='replace')}"
    )
    expected_text = expected.decode("utf-8")
    assert PROBLEM_LINE.search(expected_text), (
        f"{case.name} reports no problem; an error case must report one"
    )
    want_code = 1 if ERROR_LINE.search(expected_text) else 0
    assert result.returncode == want_code, (
        f"exit code {result.returncode}, expected {want_code}\n"
        f"--- stderr ---\n{result.stderr.decode(errors='replace')}"
    )
