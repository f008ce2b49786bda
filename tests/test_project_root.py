"""Local files stay inside the project: references, links, local catalogs and their entries.

A pull request can add `component: ../../../../etc/passwd` or a link to a credentials file;
yamlpipe refuses them before reading, and its messages never show a line of such a file.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest
from httpserver import COMPONENT, Project, component_text, pipeline_text, project

from helpers import run_cli

__all__ = ["project"]

SECRET = "https://user:ghp_SECRET123@git.example.com\n"


@pytest.fixture
def secret(project: Project) -> Path:
    """A credentials file outside the project (beside it, as ~/.git-credentials would be)."""
    path = project.root.parent / "outside" / "git-credentials"
    path.parent.mkdir()
    path.write_text(SECRET, encoding="utf-8")
    return path


def records(project: Project, *args: str) -> list[dict[str, object]]:
    result = project.cli("validate", "--format", "json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    assert "SECRET" not in result.stdout + result.stderr
    found: list[dict[str, object]] = json.loads(result.stdout)
    assert result.returncode == (1 if found else 0), result.stdout
    return found


def messages(project: Project, *args: str) -> list[str]:
    return [
        f"{r['file']}:{r['line']}:{r['column']}: {r['message']}" for r in records(project, *args)
    ]


@pytest.mark.parametrize(
    "reference", ["../outside/git-credentials", "../../../../../../../../etc/passwd", "/etc/passwd"]
)
def test_a_reference_out_of_the_project_is_refused_unread(
    project: Project, secret: Path, reference: str
) -> None:
    project.write("p.yaml", pipeline_text(reference))
    assert messages(project, "p.yaml") == [
        f"p.yaml:4:16: component reference {reference!r} points outside the project (.)"
    ]


def test_a_link_out_of_the_project_is_refused_unread(project: Project, secret: Path) -> None:
    (project.root / "c.yaml").symlink_to(secret)
    project.write("p.yaml", pipeline_text("c.yaml"))
    assert messages(project, "p.yaml") == [
        "p.yaml:4:16: component reference 'c.yaml' points outside the project (.)"
    ]


@pytest.mark.parametrize("mode", [[], ["--no-resolve"]], ids=["linked", "alone"])
def test_a_validated_file_that_links_out_is_refused_unread(
    project: Project, secret: Path, mode: list[str]
) -> None:
    (project.root / "pipelines").mkdir()
    (project.root / "pipelines" / "evil.yaml").symlink_to(secret)
    found = records(project, *mode, "pipelines")
    assert [(r["file"], r["line"]) for r in found] == [("pipelines/evil.yaml", 0)]
    assert "points outside the project" in str(found[0]["message"])


def test_links_inside_the_project_are_fine(project: Project) -> None:
    project.write("real/c.yaml", component_text())
    (project.root / "c.yaml").symlink_to(project.root / "real" / "c.yaml")
    project.write("p.yaml", pipeline_text("c.yaml", "real/c.yaml"))
    assert records(project, "p.yaml", "c.yaml") == []


def test_allowed_roots_lets_a_shared_folder_in(project: Project) -> None:
    shared = project.root.parent / "shared"
    shared.mkdir()
    (shared / "c.yaml").write_text(component_text(), encoding="utf-8")
    project.write("p.yaml", pipeline_text("../shared/c.yaml"))
    assert len(records(project, "p.yaml")) == 1
    config = project.root / "yamlpipe.yaml"
    config.write_text(config.read_text() + "allowed_roots: [../shared]\n", encoding="utf-8")
    assert records(project, "p.yaml") == []


def test_without_a_config_the_git_repository_is_the_root(tmp_path: Path) -> None:
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    (repo / "components").mkdir()
    (repo / "components" / "c.yaml").write_text(component_text(), encoding="utf-8")
    (repo / "pipelines").mkdir()
    (repo / "pipelines" / "p.yaml").write_text(pipeline_text("../components/c.yaml"))
    assert run_cli("validate", "pipelines/p.yaml", cwd=repo).returncode == 0
    (repo / ".git").rmdir()  # no repository: the root is the folder of the file checked
    result = run_cli("validate", "pipelines/p.yaml", cwd=repo)
    assert "component reference '../components/c.yaml' points outside the project" in (
        result.stdout
    )


def test_a_catalog_location_with_another_scheme_is_a_config_error(project: Project) -> None:
    """`file:/etc/passwd` was read as a relative path; any scheme but http(s):// is refused."""
    (project.root / "yamlpipe.yaml").write_text("catalogs: {x: 'file:/etc/passwd'}\n")
    project.write("p.yaml", pipeline_text("x/echo"))
    [record] = records(project, "p.yaml")
    assert (record["file"], record["line"], record["column"]) == ("yamlpipe.yaml", 1, 15)


def test_a_local_catalog_outside_the_project_is_refused(project: Project, secret: Path) -> None:
    catalog = secret.parent / "catalog.yaml"
    catalog.write_text("components: []\n", encoding="utf-8")
    (project.root / "yamlpipe.yaml").write_text("catalogs: {x: ../outside/catalog.yaml}\n")
    project.write("p.yaml", pipeline_text("x/echo"))
    [message] = messages(project, "p.yaml")
    assert "the catalog ../outside/catalog.yaml points outside the project (.)" in message


def test_a_local_catalog_entry_outside_the_project_is_refused(
    project: Project, secret: Path
) -> None:
    body = COMPONENT.format(n=1).encode()
    (secret.parent / "c.yaml").write_bytes(body)
    digest = hashlib.sha256(body).hexdigest()
    project.write(
        "catalog.yaml",
        "components:\n"
        f"- {{name: echo, version: 1.0.0, url: ../outside/c.yaml, sha256: {digest}}}\n",
    )
    (project.root / "yamlpipe.yaml").write_text("catalogs: {x: catalog.yaml}\n")
    project.write("p.yaml", pipeline_text("x/echo"))
    assert messages(project, "p.yaml") == [
        "p.yaml:4:16: catalog entry 'x/echo' points outside the project (.)"
    ]


def test_catalog_build_refuses_a_component_that_links_out(tmp_path: Path, secret: Path) -> None:
    folder = tmp_path / "project" / "components" / "evil"
    folder.mkdir(parents=True)
    (folder / "component.yaml").symlink_to(secret)
    result = run_cli("catalog", "build", "components", cwd=tmp_path / "project")
    assert result.returncode == 1
    assert "components/evil/component.yaml: error: the file (a link) points outside" in (
        result.stderr
    )
    assert "SECRET" not in result.stdout + result.stderr


def test_an_empty_yamlpipe_yaml_marks_the_project_root(project: Project) -> None:
    """It was an error ('the file must be a map, got null'); an empty config has defaults."""
    (project.root / "yamlpipe.yaml").write_text("# the project root\n")
    project.write("c.yaml", component_text())
    project.write("sub/p.yaml", pipeline_text("../c.yaml"))
    assert records(project, "sub/p.yaml") == []
