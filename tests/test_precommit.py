"""The pre-commit hook this repository publishes, run as pre-commit runs it (its entry, its
args, the files it chooses), and the README's snippet for it."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
from httpserver import FAST_CONFIG, LocalServer, component_text, http_server, pipeline_text
from ruamel.yaml import YAML

import yamlpipe

from helpers import ROOT, run_cli

__all__ = ["http_server"]

COMPONENT = (
    "name: Clean\ninputs:\n- {name: data, type: String}\nimplementation:\n  container:\n"
    "    image: alpine:3.20\n    command: [echo, {inputValue: data}]\n"
)


def published_hook() -> dict[str, Any]:
    hooks = YAML(typ="safe").load((ROOT / ".pre-commit-hooks.yaml").read_text())
    [hook] = [h for h in hooks if h["id"] == "yamlpipe-validate"]
    return dict(hook)


def run_hook(folder: Path, *files: str, args: list[str] | None = None) -> Any:
    """The hook's entry with its args (or the ones a user gives instead) and the files."""
    hook = published_hook()
    entry = hook["entry"].split()
    assert entry[0] == "yamlpipe"
    given = hook.get("args", []) if args is None else args
    return run_cli(*entry[1:], *given, *files, cwd=folder)


def project(folder: Path, argument: str, component: str = "../components/clean.yaml") -> None:
    (folder / "components").mkdir(parents=True, exist_ok=True)
    (folder / "pipelines").mkdir(exist_ok=True)
    (folder / "yamlpipe.yaml").write_text(FAST_CONFIG)
    (folder / "components" / "clean.yaml").write_text(COMPONENT)
    (folder / "pipelines" / "p.yaml").write_text(
        f"name: p\ntasks:\n  clean:\n    component: {component}\n"
        f"    arguments: {{{argument}: hello}}\n"
    )


def test_the_hook_checks_local_references(tmp_path: Path) -> None:
    """It ran --no-resolve, so a wrong input name or a missing component file passed."""
    project(tmp_path, "dta")
    wrong = run_hook(tmp_path, "pipelines/p.yaml")
    assert wrong.returncode == 1, wrong.stdout + wrong.stderr
    assert "pipelines/p.yaml:5:17: error: task 'clean' has no input 'dta'" in wrong.stdout
    project(tmp_path, "data", component="../components/cleen.yaml")
    missing = run_hook(tmp_path, "pipelines/p.yaml")
    assert missing.returncode == 1 and "no component file at" in missing.stdout
    project(tmp_path, "data")
    assert run_hook(tmp_path, "pipelines/p.yaml", "components/clean.yaml").returncode == 0
    project(tmp_path, "dta")
    opted_out = run_hook(tmp_path, "pipelines/p.yaml", args=["--no-resolve"])
    assert opted_out.returncode == 0, "the documented opt-out checks each file on its own"


def test_the_hook_reads_remote_references_from_the_cache_only(
    http_server: LocalServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("YAMLPIPE_CACHE_DIR", str(tmp_path / "cache"))
    url = http_server.add("/echo.yaml", component_text())
    (tmp_path / "yamlpipe.yaml").write_text(FAST_CONFIG)
    (tmp_path / "pipelines").mkdir()
    (tmp_path / "pipelines" / "p.yaml").write_text(pipeline_text(url))
    cold = run_hook(tmp_path, "pipelines/p.yaml")
    assert cold.returncode == 1 and "is not in the cache, and --offline forbids" in cold.stdout
    assert http_server.hits["/echo.yaml"] == 0, "the hook never uses the network"
    assert run_cli("lock", cwd=tmp_path).returncode == 0  # fills the cache
    http_server.stop()
    warm = run_hook(tmp_path, "pipelines/p.yaml")
    assert warm.returncode == 0, warm.stdout + warm.stderr


@pytest.mark.parametrize(
    ("path", "chosen"),
    [
        ("components/clean/component.yaml", True),
        ("ml/pipelines/train.yaml", True),
        ("components/catalog.yaml", False),
        ("docs/mkdocs.yaml", False),
    ],
)
def test_the_hook_chooses_component_and_pipeline_files(path: str, chosen: bool) -> None:
    hook = published_hook()
    found = re.search(hook["files"], path) is not None and not re.search(hook["exclude"], path)
    assert found is chosen


def test_the_readme_snippet_names_this_version() -> None:
    """The README said `rev: v0.1.0`, a tag that did not exist. It now says which version it
    describes (the one pyproject.toml and `yamlpipe --version` give) and to pin a commit or
    the tag one installs; its hook id must be one this repository publishes."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert yamlpipe.__version__ == version
    readme = (ROOT / "README.md").read_text()
    section = readme.split("### pre-commit", 1)[1].split("\n## ", 1)[0]
    snippet = YAML(typ="safe").load(section.split("```yaml", 1)[1].split("```", 1)[0])
    [repo] = snippet["repos"]
    assert [h["id"] for h in repo["hooks"]] == [published_hook()["id"]]
    assert re.fullmatch(r"v\d+\.\d+\.\d+|[0-9a-f]{40}|<[^>]+>", str(repo["rev"])), repo["rev"]
    assert f"version {version}" in section, "the README must say which version it describes"
    if str(repo["rev"]).startswith("v"):
        assert repo["rev"] == f"v{version}"
