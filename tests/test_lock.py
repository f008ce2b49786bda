"""`yamlpipe lock` and a lock in use: pins, --frozen, --check, --upgrade, --offline, races."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from httpserver import (
    FAST_CONFIG,
    LocalServer,
    Project,
    component_text,
    http_server,
    pipeline_text,
    project,
    sha,
)

from yamlpipe.resolve.lock import LockEntry, read_lock, render_lock

from helpers import ROOT

__all__ = ["http_server", "project"]


def locked(project: Project) -> dict[str, LockEntry]:
    entries = read_lock(project.lock)
    assert entries is not None
    return entries


def report(result: subprocess.CompletedProcess[str]) -> str:
    """What the command reports: `validate`'s report is its output (standard output); `lock`
    writes a file, and says how it went on standard error, leaving standard output empty."""
    if "validate" in result.args:
        return result.stdout
    assert result.stdout == "", f"lock printed on standard output: {result.stdout!r}"
    return result.stderr


def ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout + result.stderr
    return report(result)


def failed(result: subprocess.CompletedProcess[str]) -> list[dict[str, object]]:
    """The JSON problem records of a run that must exit 1."""
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    records: list[dict[str, object]] = json.loads(report(result))
    return records


def two_components(server: LocalServer, project: Project) -> tuple[str, str]:
    """p.yaml uses /b.yaml directly and /a.yaml through a redirect to /v2/a.yaml."""
    b = server.add("/b.yaml", component_text("b"))
    server.add("/v2/a.yaml", component_text("a"))
    a = server.add("/a.yaml", redirect="/v2/a.yaml")
    project.write("p.yaml", pipeline_text(b, a))
    return a, b


def test_lock_pins_final_urls_sorted_and_without_timestamps(
    http_server: LocalServer, project: Project
) -> None:
    a, b = two_components(http_server, project)
    assert ok(project.cli("lock")) == "yamlpipe.lock: updated (2 references)\n"
    assert locked(project) == {
        a: LockEntry(http_server.url("/v2/a.yaml"), sha(component_text("a"))),
        b: LockEntry(b, sha(component_text("b"))),
    }
    text = project.lock.read_text(encoding="utf-8")
    assert text.index(a) < text.index(b)
    assert text == render_lock(locked(project))
    assert ok(project.cli("lock")) == "yamlpipe.lock: up to date (2 references)\n"
    project.cache.rename(project.cache.with_name("cold"))  # same bytes from a cold cache
    ok(project.cli("lock"))
    assert project.lock.read_text(encoding="utf-8") == text


def test_a_locked_reference_is_read_from_the_cache(
    http_server: LocalServer, project: Project
) -> None:
    two_components(http_server, project)
    ok(project.cli("lock"))
    hits = sum(http_server.hits.values())
    http_server.stop()
    assert ok(project.cli("validate", "--frozen", "p.yaml")) == "1 file valid\n"
    assert sum(http_server.hits.values()) == hits


def test_a_changed_file_is_caught_with_both_digests_and_the_reference_line(
    http_server: LocalServer, project: Project
) -> None:
    _, b = two_components(http_server, project)
    ok(project.cli("lock"))
    for blob in project.blobs():
        blob.unlink()
    http_server.routes["/b.yaml"].body = component_text("changed").encode()
    [record] = failed(project.cli("validate", "--format", "json", "p.yaml"))
    assert (record["file"], record["line"], record["column"]) == ("p.yaml", 4, 16)
    assert record["message"] == (
        f"{b} has sha256 {sha(component_text('changed'))}, "
        f"but yamlpipe.lock pins {sha(component_text('b'))}"
    )
    assert record["hint"] == f"if the change is expected, run `yamlpipe lock --upgrade {b}`"
    assert sha(component_text("changed")) not in [p.name for p in project.blobs()]


def test_upgrade_refreshes_only_the_named_reference(
    http_server: LocalServer, project: Project
) -> None:
    a, b = two_components(http_server, project)
    ok(project.cli("lock"))
    http_server.routes["/b.yaml"].body = component_text("b2").encode()
    http_server.routes["/v2/a.yaml"].body = component_text("a2").encode()
    assert ok(project.cli("lock")) == "yamlpipe.lock: up to date (2 references)\n"
    ok(project.cli("lock", "--upgrade", b))
    assert locked(project)[b].sha256 == sha(component_text("b2"))
    assert locked(project)[a].sha256 == sha(component_text("a"))
    ok(project.cli("lock", "--upgrade"))
    assert locked(project)[a].sha256 == sha(component_text("a2"))


def test_upgrading_a_reference_nobody_uses_is_an_error(
    http_server: LocalServer, project: Project
) -> None:
    two_components(http_server, project)
    ok(project.cli("lock"))
    before = project.lock.read_bytes()
    records = failed(project.cli("lock", "--upgrade", "--format", "json", "team/nothing@1.0"))
    assert [r["message"] for r in records] == [
        "nothing to upgrade: no file uses the reference 'team/nothing@1.0'"
    ]
    assert project.lock.read_bytes() == before


def test_a_new_pin_in_the_file_updates_the_lock(http_server: LocalServer, project: Project) -> None:
    url = http_server.add("/c.yaml", component_text(1))
    project.write("p.yaml", pipeline_text(f"{url}#sha256={sha(component_text(1))}"))
    ok(project.cli("lock"))
    http_server.routes["/c.yaml"].body = component_text(2).encode()
    project.write("p.yaml", pipeline_text(f"{url}#sha256={sha(component_text(2))}"))
    [record] = failed(project.cli("validate", "--frozen", "--format", "json", "p.yaml"))
    assert "yamlpipe.lock is stale" in str(record["message"])
    assert ok(project.cli("lock")) == "yamlpipe.lock: updated (1 references)\n"
    assert locked(project)[url].sha256 == sha(component_text(2))


def test_frozen_fails_without_a_lock(http_server: LocalServer, project: Project) -> None:
    two_components(http_server, project)
    records = failed(project.cli("validate", "--frozen", "--format", "json", "p.yaml"))
    assert [(r["line"], r["message"]) for r in records] == [
        (4, "--frozen needs a yamlpipe.lock, and there is none"),
        (7, "--frozen needs a yamlpipe.lock, and there is none"),
    ]
    assert sum(http_server.hits.values()) == 0


def test_frozen_fails_when_a_reference_is_not_locked(
    http_server: LocalServer, project: Project
) -> None:
    a, b = two_components(http_server, project)
    ok(project.cli("lock"))
    new = http_server.add("/new.yaml", component_text("new"))
    project.write("p.yaml", pipeline_text(b, a, new))
    [record] = failed(project.cli("validate", "--frozen", "--format", "json", "p.yaml"))
    assert (record["line"], record["column"]) == (10, 16)
    assert record["message"] == f"yamlpipe.lock is stale for {new!r}: it is not in yamlpipe.lock"
    assert http_server.hits["/new.yaml"] == 0
    assert ok(project.cli("validate", "p.yaml")) == "1 file valid\n"  # not frozen: fine


def test_check_says_whether_the_lock_is_current_and_writes_nothing(
    http_server: LocalServer, project: Project
) -> None:
    two_components(http_server, project)
    result = project.cli("lock", "--check")
    assert (result.returncode, report(result)) == (
        1,
        "yamlpipe.lock: would change (2 references)\n",
    )
    assert not project.lock.exists()
    ok(project.cli("lock"))
    assert ok(project.cli("lock", "--check")) == "yamlpipe.lock: up to date (2 references)\n"


def test_a_failed_lock_writes_nothing(http_server: LocalServer, project: Project) -> None:
    a, b = two_components(http_server, project)
    ok(project.cli("lock"))
    before = project.lock.read_bytes()
    project.write("p.yaml", pipeline_text(b, a, http_server.url("/missing.yaml")))
    [record] = failed(project.cli("lock", "--format", "json"))
    assert (record["file"], record["line"]) == ("p.yaml", 10)
    assert project.lock.read_bytes() == before
    assert project.leftovers() == []


def test_lock_offline_uses_the_cache_and_lists_what_is_missing(
    http_server: LocalServer, project: Project
) -> None:
    a, b = two_components(http_server, project)
    ok(project.cli("validate", "p.yaml"))
    http_server.stop()
    assert ok(project.cli("lock", "--offline")) == "yamlpipe.lock: updated (2 references)\n"
    assert locked(project)[a].url.endswith("/v2/a.yaml")
    project.lock.unlink()
    project.write("p.yaml", pipeline_text(b, a, http_server.url("/other.yaml")))
    [record] = failed(project.cli("lock", "--offline", "--format", "json"))
    assert record["line"] == 10
    assert "is not in the cache, and --offline forbids fetching it" in str(record["message"])
    assert not project.lock.exists()


def test_two_processes_lock_and_fill_the_cache_at_once(
    http_server: LocalServer, project: Project
) -> None:
    http_server.gate = 5  # answer nothing until both processes are fetching
    urls = [http_server.add(f"/c{i}.yaml", component_text(i)) for i in range(30)]
    project.write("yamlpipe.yaml", FAST_CONFIG.replace("}", ", parallel: 4}"))
    project.write("p.yaml", pipeline_text(*urls))
    env = {**os.environ, "NO_COLOR": "1"}
    command = [sys.executable, "-m", "yamlpipe", "lock"]
    runs = [
        subprocess.Popen(command, cwd=project.root, env=env, stdout=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=60)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    assert http_server.max_in_flight > 4  # both processes were fetching at the same time
    assert locked(project) == {u: LockEntry(u, sha(component_text(i))) for i, u in enumerate(urls)}
    assert len(project.blobs()) == 30
    assert all(hashlib.sha256(p.read_bytes()).hexdigest() == p.name for p in project.blobs())
    assert project.leftovers() == []
    umask = os.umask(0)
    os.umask(umask)
    assert project.lock.stat().st_mode & 0o777 == 0o666 & ~umask  # not mkstemp's 0600
    assert str(ROOT) not in project.lock.read_text(encoding="utf-8")


def test_a_broken_lock_file_is_reported_at_its_line(
    http_server: LocalServer, project: Project
) -> None:
    two_components(http_server, project)
    project.write("yamlpipe.lock", "version: 1\nreferences:\n  x: {url: y}\n")
    records = failed(project.cli("validate", "--format", "json", "p.yaml"))
    assert {(r["file"], r["line"]) for r in records} == {("yamlpipe.lock", 3)}


@pytest.mark.parametrize("check", [[], ["--check"]], ids=["lock", "check"])
@pytest.mark.parametrize(
    ("name", "text", "line"),
    [
        ("yamlpipe.yaml", "catalogs: 5\n", 1),
        ("yamlpipe.lock", "garbage: [\n", 1),
        ("yamlpipe.lock", "version: 1\nreferences: {}\nx: 1\n", 3),
    ],
    ids=["config", "lock-syntax", "lock-shape"],
)
def test_lock_fails_at_the_line_of_an_invalid_config_or_lock(
    project: Project, check: list[str], name: str, text: str, line: int
) -> None:
    """Both exited 0 printing nothing: the broken file never reached a project."""
    project.write("p.yaml", pipeline_text())
    before = project.write(name, text).read_bytes()
    records = failed(project.cli("lock", *check, "--format", "json"))
    assert [(r["file"], r["line"]) for r in records] == [(name, line)]
    assert (project.root / name).read_bytes() == before


def test_lock_of_an_empty_project_still_reads_its_config(project: Project) -> None:
    project.write("yamlpipe.yaml", "catalogs: 5\n")
    records = failed(project.cli("lock", "--format", "json"))
    assert [(r["file"], r["line"]) for r in records] == [("yamlpipe.yaml", 1)]


def test_lock_takes_targets_and_writes_beside_yamlpipe_yaml(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/c.yaml", component_text())
    project.write("pipelines/p.yaml", pipeline_text(url))
    result = subprocess.run(
        [sys.executable, "-m", "yamlpipe", "lock", str(project.root / "pipelines")],
        cwd=project.root.parent,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert list(locked(project)) == [url]
    assert not Path(project.root.parent / "yamlpipe.lock").exists()


def test_catalog_entries_are_locked_with_their_version(
    http_server: LocalServer, project: Project
) -> None:
    old, new = component_text("1.0"), component_text("1.1")
    http_server.add("/cat/echo-1.0.yaml", old)
    http_server.add("/cat/echo-1.1.yaml", new)
    index = http_server.add(
        "/cat/index.yaml",
        "components:\n"
        f"- {{name: echo, version: 1.0.0, url: echo-1.0.yaml, sha256: {sha(old)}}}\n"
        f"- {{name: echo, version: 1.1.0, url: echo-1.1.yaml, sha256: {sha(new)}}}\n",
    )
    project.write("yamlpipe.yaml", f"catalogs: {{team: {index}}}\n{FAST_CONFIG}")
    project.write("p.yaml", pipeline_text("team/echo@1.0.0", "echo"))
    ok(project.cli("lock"))
    assert locked(project) == {
        "echo": LockEntry(http_server.url("/cat/echo-1.1.yaml"), sha(new), "1.1.0"),
        "team/echo@1.0.0": LockEntry(http_server.url("/cat/echo-1.0.yaml"), sha(old), "1.0.0"),
    }
    http_server.stop()  # locked and cached: neither the index nor the files are needed
    assert ok(project.cli("validate", "--frozen", "--offline", "p.yaml")) == "1 file valid\n"


def test_a_component_changed_after_its_catalog_was_built_says_so(
    http_server: LocalServer, project: Project
) -> None:
    """The hint said `yamlpipe lock --upgrade team/echo@1.0.0`, which answered "nothing to
    upgrade: no file uses the reference" although p.yaml uses it; the cause (the catalog's
    sha256 no longer matches the file) was never said."""
    old, new = component_text("1.0"), component_text("1.0, changed")

    def publish(index_pins: str) -> None:
        http_server.add(
            "/cat/index.yaml",
            "components:\n"
            f"- {{name: echo, version: 1.0.0, url: echo.yaml, sha256: {index_pins}}}\n",
        )

    http_server.add("/cat/echo.yaml", old)
    publish(sha(old))
    project.write("yamlpipe.yaml", f"catalogs: {{team: {http_server.url('/cat/index.yaml')}}}\n")
    project.write("p.yaml", pipeline_text("team/echo@1.0.0"))
    ok(project.cli("lock"))
    http_server.add("/cat/echo.yaml", new)  # changed where it is served; the index was not rebuilt
    for folder in (project.cache / "sha256", project.cache / "urls"):
        folder.rename(folder.with_name(folder.name + ".old"))  # so the file is fetched again
    [record] = failed(project.cli("validate", "--format", "json", "p.yaml"))
    assert record["message"] == (
        f"{http_server.url('/cat/echo.yaml')} no longer matches catalog 'team': the file has "
        f"sha256 {sha(new)}, but the catalog and yamlpipe.lock pin {sha(old)}"
    )
    assert "rebuild and publish the catalog" in str(record["hint"])
    for selector in ("team/echo@1.0.0", "echo", "team/echo"):  # how people name the entry
        [upgrade] = failed(project.cli("lock", "--upgrade", "--format", "json", selector))
        assert "no longer matches catalog 'team'" in str(upgrade["message"])
        assert "nothing to upgrade" not in str(upgrade["message"])
    publish(sha(new))  # the catalog rebuilt: now the lock is what is behind
    [behind] = failed(project.cli("validate", "--format", "json", "p.yaml"))
    assert (
        behind["hint"] == "if the change is expected, run `yamlpipe lock --upgrade team/echo@1.0.0`"
    )
    ok(project.cli("lock", "--upgrade", "echo"))
    assert locked(project)["team/echo@1.0.0"].sha256 == sha(new)
    assert ok(project.cli("validate", "p.yaml")) == "1 file valid\n"
