"""Every hostile input of tests/hostile_cases.py, run as a user would in a child process under
a memory limit: refused with its message and exit code, in less than 200 MB of memory.

bench/hostile.py runs the same cases and prints how long each took and how much memory.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from hostile_cases import Case, make_cases, run_case
from httpserver import LocalServer, http_server

__all__ = ["http_server"]

PEAK_MB = 200
CASES = [c for c in make_cases() if c.refused]


@pytest.mark.parametrize("case", CASES, ids=[re.sub(r"\W+", "-", c.name) for c in CASES])
def test_a_hostile_input_is_refused_within_the_bounds(
    case: Case, tmp_path: Path, http_server: LocalServer
) -> None:
    folder = tmp_path / "case"
    folder.mkdir()
    case.make(folder, http_server)
    code, output, _, peak = run_case(case, folder)
    assert code == case.exit_code, output
    assert case.says in output, output
    assert "Traceback" not in output and "internal error" not in output, output
    assert peak < PEAK_MB, f"{peak:.0f} MB at the peak"
    if case.after is not None:
        case.after(folder)
