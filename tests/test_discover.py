"""Which files `yamlpipe validate PATH...` checks: folders searched (dot-folders, .gitignore,
--exclude and exclude: left out), files named always checked, compiled packages skipped with
a note, and a folder with nothing to check a usage error."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

from yamlpipe.api.discover import matches

from helpers import ROOT, run_cli

COMPONENT = (
    "name: Echo\ninputs:\n- {name: text, type: String}\nimplementation:\n  container:\n"
    "    image: alpine:3.20\n    command: [echo, {inputValue: text}]\n"
)
BROKEN = COMPONENT.replace("{inputValue: text}", "{inputValue: txt}")
WORKFLOW = (
    "apiVersion: argoproj.io/v1alpha1\nkind: Workflow\nmetadata: {generateName: p-}\n"
    "spec: {entrypoint: p, templates: []}\n"
)


def write(folder: Path, files: dict[str, str]) -> None:
    for name, text in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def checked(result: subprocess.CompletedProcess[str]) -> list[str]:
    """The files a `validate --format json` run reported on (problems and notes)."""
    return sorted({str(r["file"]) for r in json.loads(result.stdout)})


@pytest.mark.parametrize(
    ("glob", "path", "start", "expected"),
    [
        ("tests/corpus/", "tests/corpus/a/b.yaml", 0, True),
        ("tests/corpus", "tests/corpus/b.yaml", 0, True),
        ("tests/corpus/", "tests/corpus.yaml", 0, False),
        ("corpus/", "tests/corpus/b.yaml", 0, True),
        ("corpus/", "corpus", 0, False),  # a folder glob never names a file
        ("*.expected.yaml", "tests/run/cases/x.expected.yaml", 0, True),
        ("tests/golden/error-*/", "tests/golden/error-cycle/pipeline.yaml", 0, True),
        ("tests/golden/error-*/", "tests/golden/loops/pipeline.yaml", 0, False),
        ("tests/*.yaml", "tests/a/b.yaml", 0, False),  # * stays within one name
        ("tests/**/b.yaml", "tests/a/c/b.yaml", 0, True),
        ("**/b.yaml", "b.yaml", 0, True),
        ("./ml/", "ml/p.yaml", 0, True),
        ("tests/corpus/", "tests/corpus/b.yaml", 2, False),  # the folder searched was named
        ("*.expected.yaml", "tests/run/cases/x.expected.yaml", 3, True),
    ],
)
def test_globs_read_as_gitignore_reads_them(
    glob: str, path: str, start: int, expected: bool
) -> None:
    assert matches(glob, path, start) is expected


def test_a_folder_with_nothing_to_check_is_a_usage_error(tmp_path: Path) -> None:
    """`yamlpipe validate emptydir` said "0 files valid" and exited 0."""
    (tmp_path / "emptydir").mkdir()
    result = run_cli("validate", "emptydir", cwd=tmp_path)
    assert result.returncode == 2, result.stdout + result.stderr
    assert result.stderr.startswith("yamlpipe: error: emptydir: nothing to check: no *.yaml")
    write(tmp_path, {"ml/c.yaml": COMPONENT})
    excluded = run_cli("validate", "ml", "--exclude", "*.yaml", cwd=tmp_path)
    assert excluded.returncode == 2
    assert "every file in it is excluded (by --exclude '*.yaml')" in excluded.stderr


def test_exclude_globs_from_the_command_line_and_the_project(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "yamlpipe.yaml": "exclude: [tests/corpus/, '*.expected.yaml']\n",
            "components/c.yaml": COMPONENT,
            "tests/corpus/bad.yaml": BROKEN,
            "tests/run/case.expected.yaml": "state: Succeeded\n",
            "scratch/wip.yaml": BROKEN,
        },
    )
    everything = run_cli("validate", "-f", "json", ".", cwd=tmp_path)
    assert checked(everything) == ["scratch/wip.yaml"]  # only problems are listed
    clean = run_cli("validate", ".", "--exclude", "scratch", cwd=tmp_path)
    assert clean.returncode == 0, clean.stdout + clean.stderr
    assert clean.stdout == "1 file valid\n"
    in_a_folder = run_cli("validate", "tests", "--exclude", "scratch/", cwd=tmp_path)
    assert in_a_folder.returncode == 2, "tests/ holds only excluded files"
    assert "by exclude: 'tests/corpus/' in yamlpipe.yaml" in in_a_folder.stderr
    named_folder = run_cli("validate", "-f", "json", "tests/corpus", cwd=tmp_path)
    assert checked(named_folder) == ["tests/corpus/bad.yaml"], "a folder named is searched"
    named_file = run_cli("validate", "-f", "json", "tests/corpus/bad.yaml", cwd=tmp_path)
    assert checked(named_file) == ["tests/corpus/bad.yaml"], "a file named is checked"
    nested = run_cli("validate", ".", cwd=tmp_path / "tests")
    assert nested.returncode == 2, "globs of yamlpipe.yaml hold from any folder below it"
    assert "by exclude: 'tests/corpus/' in ../yamlpipe.yaml" in nested.stderr


def test_compiled_packages_are_skipped_with_a_note(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "yamlpipe.yaml": "",
            "pipelines/p.yaml": "name: p\ntasks:\n  t: {component: ../components/c.yaml, "
            "arguments: {text: hi}}\n",
            "components/c.yaml": COMPONENT,
            "pipelines/p.compiled.yaml": WORKFLOW,
            "deploy/service.yaml": "apiVersion: v1\nkind: Service\nmetadata: {name: s}\n",
        },
    )
    for resolve in ([], ["--no-resolve"]):
        result = run_cli("validate", *resolve, ".", cwd=tmp_path)
        assert result.returncode == 0, result.stdout + result.stderr
        lines = result.stdout.splitlines()
        assert lines == [
            "deploy/service.yaml: note: skipped: a Kubernetes Service object, not a component "
            "or pipeline",
            "pipelines/p.compiled.yaml: note: skipped: an Argo Workflow (a compiled package?), "
            "not a component or pipeline",
            "",
            "2 files valid, 2 skipped",
        ]
    github = run_cli("validate", "-f", "github", "pipelines/p.compiled.yaml", cwd=tmp_path)
    assert github.stdout.startswith("::notice file=pipelines/p.compiled.yaml,title=yamlpipe::")
    strict = run_cli("validate", "--strict", ".", cwd=tmp_path)
    assert strict.returncode == 0, "a note is not a warning"
    compiled = run_cli("compile", "pipelines/p.compiled.yaml", cwd=tmp_path)
    assert compiled.returncode == 1, "compiling a package is still a mistake"
    assert "pipelines/p.compiled.yaml:2:1: error: an Argo Workflow" in compiled.stderr
    write(tmp_path, {"pipelines/q.yaml": "name: q\ntasks:\n  t: {component: p.compiled.yaml}\n"})
    used = run_cli("validate", "pipelines/q.yaml", cwd=tmp_path)
    assert used.returncode == 1, "a pipeline using a package as a component is an error"
    assert "p.compiled.yaml:2:1: error: an Argo Workflow" in used.stdout


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_files_git_ignores_are_left_out(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            ".gitignore": "build/\n*.local.yaml\n",
            "components/c.yaml": COMPONENT,
            "components/c.local.yaml": BROKEN,
            "build/out.yaml": BROKEN,
        },
    )
    subprocess.run(["git", "init", "-q", str(tmp_path)], check=True)
    result = run_cli("validate", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout == "1 file valid\n"
    build = run_cli("validate", "-f", "json", "build", cwd=tmp_path)
    assert checked(build) == ["build/out.yaml"], "an ignored folder named is searched"


def test_the_repository_itself_validates() -> None:
    """`yamlpipe validate .` at the root of this repository: its examples and test pipelines
    are valid, the test data that is wrong on purpose is excluded in yamlpipe.yaml, and the
    compiler's expected packages are skipped with a note."""
    result = run_cli("validate", ".", cwd=ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    summary = result.stdout.splitlines()[-1]
    assert summary.endswith(" skipped") and " valid, " in summary, summary
    notes = [line for line in result.stdout.splitlines() if ": note: " in line]
    assert notes and all("expected.yaml: note: skipped: an Argo Workflow" in n for n in notes)
