"""Differential tests: yamlpipe and kfp 1.8.22 must agree on every component file.

The corpus lives in tests/corpus/components/:

- ``valid/``: kfp loads them and yamlpipe reports no error (``v2-*`` files included: they
  load, and only compiling them for Argo is refused).
- ``invalid/``: kfp rejects them and yamlpipe reports at least one error.
- ``differ/``: kfp accepts them although they are wrong; yamlpipe deliberately reports an
  error or a warning, as the file's first line says (``# expect: error`` / ``# expect: warning``).
  See tests/interop/kfp_differences.md.

Every ``components/**/component.yaml`` of the repository must be accepted by both.

kfp runs in its own interpreter (``YAMLPIPE_KFP_PYTHON``, else ``<repo>/.venv-kfp/bin/python``)
through tests/interop/kfp_load.py, once for all files; without it the kfp half is skipped,
unless ``YAMLPIPE_REQUIRE_KFP=1`` makes that a failure. yamlpipe runs once, as a real
subprocess of the CLI, over the same files.
"""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from helpers import KFP_VERSION, kfp_python

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus" / "components"
KFP_LOAD = REPO / "tests" / "interop" / "kfp_load.py"
EXPECTATION = re.compile(r"^#\s*expect:\s*(error|warning)\b")
TIMEOUT_SECONDS = 600

Diagnostic = dict[str, Any]


def list_corpus(kind: str) -> list[Path]:
    """The corpus files of one kind (valid, invalid, differ), sorted."""
    return sorted((CORPUS / kind).glob("*.yaml"))


def list_repo_components() -> list[Path]:
    """Every component.yaml under the repository's components/ folder."""
    return sorted((REPO / "components").glob("**/component.yaml"))


VALID = list_corpus("valid")
INVALID = list_corpus("invalid")
DIFFER = list_corpus("differ")
REPO_COMPONENTS = list_repo_components()
ALL_FILES = VALID + INVALID + DIFFER + REPO_COMPONENTS


def relative(path: Path) -> str:
    """The path relative to the repository, as given to both tools."""
    return path.relative_to(REPO).as_posix()


def case_id(path: Path) -> str:
    """A short test id: the path below the corpus folder, or below the repository."""
    base = CORPUS if path.is_relative_to(CORPUS) else REPO
    return path.relative_to(base).as_posix()


def read_expectation(path: Path) -> str | None:
    """The `# expect: error|warning` note on the first line of a differ/ file."""
    with path.open(encoding="utf-8") as stream:
        match = EXPECTATION.match(stream.readline())
    return match.group(1) if match else None


def parametrize_files(files: list[Path]) -> pytest.MarkDecorator:
    """Parametrize a test over files, one test id per file."""
    return pytest.mark.parametrize("path", files, ids=[case_id(p) for p in files])


# --- running the two tools (once each per module) --------------------------------------------


@pytest.fixture(scope="module")
def kfp_report() -> dict[str, dict[str, Any]]:
    """kfp's verdict on every file, keyed by repository-relative path."""
    python = kfp_python()
    proc = subprocess.run(
        [str(python), str(KFP_LOAD), *map(relative, ALL_FILES)],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    if proc.returncode != 0:
        pytest.fail(f"kfp_load.py exited {proc.returncode}:\n{proc.stderr}")
    if f"kfp=={KFP_VERSION}" not in proc.stderr:
        pytest.fail(f"{python} does not run kfp=={KFP_VERSION}:\n{proc.stderr}")
    report: dict[str, dict[str, Any]] = json.loads(proc.stdout)
    return report


@pytest.fixture(scope="module")
def yamlpipe_run() -> tuple[int, list[Diagnostic]]:
    """yamlpipe's exit code and JSON diagnostics for all files, from one CLI run."""
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "yamlpipe",
            "validate",
            "--no-resolve",
            "--format",
            "json",
            *map(relative, ALL_FILES),
        ],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=TIMEOUT_SECONDS,
        check=False,
    )
    try:
        diagnostics = json.loads(proc.stdout)
    except json.JSONDecodeError:
        pytest.fail(
            f"`yamlpipe validate --format json` exited {proc.returncode} without a JSON "
            f"array on stdout.\nstdout:\n{proc.stdout[:2000]}\nstderr:\n{proc.stderr[-4000:]}"
        )
    if not isinstance(diagnostics, list):
        pytest.fail(f"expected a JSON array of diagnostics, got: {proc.stdout[:500]}")
    return proc.returncode, diagnostics


@pytest.fixture(scope="module")
def yamlpipe_by_file(yamlpipe_run: tuple[int, list[Diagnostic]]) -> dict[Path, list[Diagnostic]]:
    """yamlpipe's diagnostics grouped by the absolute path of their file."""
    grouped: dict[Path, list[Diagnostic]] = {}
    for diagnostic in yamlpipe_run[1]:
        path = (REPO / str(diagnostic.get("file", ""))).resolve()
        grouped.setdefault(path, []).append(diagnostic)
    return grouped


def kfp_verdict(report: dict[str, dict[str, Any]], path: Path) -> dict[str, Any]:
    """kfp's entry for one file."""
    return report[relative(path)]


def diagnostics_for(by_file: dict[Path, list[Diagnostic]], path: Path) -> list[Diagnostic]:
    """yamlpipe's diagnostics for one file."""
    return by_file.get(path.resolve(), [])


def with_severity(diagnostics: list[Diagnostic], severity: str) -> list[Diagnostic]:
    """The diagnostics of one severity."""
    return [d for d in diagnostics if d.get("severity") == severity]


def render(diagnostics: list[Diagnostic]) -> str:
    """Diagnostics as `file:line:col: severity: message` lines, for assertion messages."""
    if not diagnostics:
        return "  (no diagnostics)"
    return "\n".join(
        f"  {d.get('file')}:{d.get('line')}:{d.get('column')}: {d.get('severity')}: "
        f"{d.get('message')}"
        for d in diagnostics
    )


# --- the corpus itself ------------------------------------------------------------------------


def test_corpus_is_large_enough() -> None:
    assert len(VALID) >= 30, f"valid/ holds {len(VALID)} files, want at least 30"
    assert len(INVALID) >= 20, f"invalid/ holds {len(INVALID)} files, want at least 20"
    assert DIFFER, "differ/ is empty"


@parametrize_files(VALID + INVALID + DIFFER)
def test_corpus_file_opens_with_a_comment(path: Path) -> None:
    first_line = path.read_text(encoding="utf-8").splitlines()[0]
    assert first_line.startswith("# "), f"{case_id(path)}: first line should say what it covers"


@parametrize_files(DIFFER)
def test_differ_file_states_its_expectation(path: Path) -> None:
    assert read_expectation(path), f"{case_id(path)}: first line needs `# expect: error|warning`"


# --- kfp's half -------------------------------------------------------------------------------


def test_kfp_reports_every_file(kfp_report: dict[str, dict[str, Any]]) -> None:
    assert sorted(kfp_report) == sorted(map(relative, ALL_FILES))


@parametrize_files(VALID)
def test_kfp_accepts_valid(path: Path, kfp_report: dict[str, dict[str, Any]]) -> None:
    verdict = kfp_verdict(kfp_report, path)
    assert verdict["ok"], f"kfp rejects {case_id(path)}:\n{verdict['error']}"


@parametrize_files(INVALID)
def test_kfp_rejects_invalid(path: Path, kfp_report: dict[str, dict[str, Any]]) -> None:
    assert not kfp_verdict(kfp_report, path)["ok"], f"kfp accepts {case_id(path)}"


@parametrize_files(DIFFER)
def test_kfp_accepts_differ(path: Path, kfp_report: dict[str, dict[str, Any]]) -> None:
    verdict = kfp_verdict(kfp_report, path)
    assert verdict["ok"], f"not a difference: kfp rejects {case_id(path)} too:\n{verdict['error']}"


@parametrize_files(REPO_COMPONENTS)
def test_kfp_accepts_repo_component(path: Path, kfp_report: dict[str, dict[str, Any]]) -> None:
    verdict = kfp_verdict(kfp_report, path)
    assert verdict["ok"], f"kfp rejects {relative(path)}:\n{verdict['error']}"


# --- yamlpipe's half --------------------------------------------------------------------------


def test_yamlpipe_diagnostics_follow_the_json_contract(
    yamlpipe_run: tuple[int, list[Diagnostic]],
) -> None:
    exit_code, diagnostics = yamlpipe_run
    expected_types = {"file": str, "line": int, "column": int, "message": str}
    for diagnostic in diagnostics:
        for key, expected in expected_types.items():
            assert isinstance(diagnostic.get(key), expected), f"bad {key!r} in {diagnostic}"
        assert diagnostic.get("severity") in ("error", "warning"), diagnostic
        assert diagnostic.get("hint") is None or isinstance(diagnostic["hint"], str), diagnostic
    has_errors = bool(with_severity(diagnostics, "error"))
    assert exit_code == (1 if has_errors else 0), f"exit {exit_code} with errors={has_errors}"


def test_yamlpipe_diagnostics_name_only_given_files(
    yamlpipe_by_file: dict[Path, list[Diagnostic]],
) -> None:
    given = {path.resolve() for path in ALL_FILES}
    strangers = sorted(str(path) for path in yamlpipe_by_file if path not in given)
    assert not strangers, f"diagnostics for files that were not given: {strangers}"


@parametrize_files(VALID)
def test_yamlpipe_accepts_valid(path: Path, yamlpipe_by_file: dict[Path, list[Diagnostic]]) -> None:
    errors = with_severity(diagnostics_for(yamlpipe_by_file, path), "error")
    assert not errors, f"yamlpipe rejects {case_id(path)}:\n{render(errors)}"


@parametrize_files(INVALID)
def test_yamlpipe_rejects_invalid(
    path: Path, yamlpipe_by_file: dict[Path, list[Diagnostic]]
) -> None:
    diagnostics = diagnostics_for(yamlpipe_by_file, path)
    assert with_severity(diagnostics, "error"), (
        f"yamlpipe reports no error for {case_id(path)}:\n{render(diagnostics)}"
    )


@parametrize_files(DIFFER)
def test_yamlpipe_flags_differ(path: Path, yamlpipe_by_file: dict[Path, list[Diagnostic]]) -> None:
    expected = read_expectation(path)
    diagnostics = diagnostics_for(yamlpipe_by_file, path)
    errors = with_severity(diagnostics, "error")
    warnings = with_severity(diagnostics, "warning")
    if expected == "error":
        assert errors, f"yamlpipe should reject {case_id(path)}:\n{render(diagnostics)}"
    else:
        assert warnings and not errors, (
            f"yamlpipe should warn about {case_id(path)} (and not reject it):\n"
            f"{render(diagnostics)}"
        )


@parametrize_files(REPO_COMPONENTS)
def test_yamlpipe_accepts_repo_component(
    path: Path, yamlpipe_by_file: dict[Path, list[Diagnostic]]
) -> None:
    errors = with_severity(diagnostics_for(yamlpipe_by_file, path), "error")
    assert not errors, f"yamlpipe rejects {relative(path)}:\n{render(errors)}"
