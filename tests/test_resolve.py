"""Resolving references against a real local server: cache, pins, offline, errors, cycles."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from httpserver import (
    LocalServer,
    Project,
    component_text,
    http_server,
    pipeline_text,
    project,
    sha,
)

from yamlpipe.api import ResolveOptions, validate_paths
from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.resolve import Request, Resolver, Source
from yamlpipe.resolve.cache import Cache
from yamlpipe.resolve.config import load_config
from yamlpipe.resolve.refs import parse_reference

from helpers import run_cli

__all__ = ["http_server", "project"]

BAD_COMPONENT = component_text("bad").replace("{inputValue: text}", "{inputValue: txt}")


def problems(project: Project, *args: str) -> list[dict[str, object]]:
    """`yamlpipe validate --format json ARGS` -> its problem records."""
    result = project.cli("validate", "--format", "json", *args)
    assert "Traceback" not in result.stderr, result.stderr
    records: list[dict[str, object]] = json.loads(result.stdout)
    assert result.returncode == (1 if records else 0), result.stdout + result.stderr
    return records


def where(record: dict[str, object]) -> str:
    return f"{record['file']}:{record['line']}:{record['column']}"


# ---- through the CLI, as users see it ----------------------------------------------------


def test_a_url_component_is_fetched_cached_and_linked(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/echo.yaml", component_text())
    project.write("p.yaml", pipeline_text(url))
    result = project.cli("validate", "p.yaml")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "1 file valid" in result.stdout
    assert [p.name for p in project.blobs()] == [sha(component_text())]


def test_libraries_log_only_with_verbose(http_server: LocalServer, project: Project) -> None:
    """urllib3's `WARNING:urllib3.connectionpool:Retrying (...)` lines reached the terminal
    before the located error; what libraries log is for --verbose."""
    http_server.add("/flaky.yaml", component_text(), fail_first=1)
    project.write("p.yaml", pipeline_text(http_server.url("/flaky.yaml")))
    quiet = project.cli("validate", "p.yaml")
    assert quiet.returncode == 0, quiet.stdout + quiet.stderr
    assert quiet.stderr == ""
    (project.cache / "urls").rename(project.cache / "gone")  # fetch again
    loud = project.cli("-vv", "validate", "p.yaml")
    assert loud.returncode == 0, loud.stdout + loud.stderr
    assert "urllib3.connectionpool: DEBUG: " in loud.stderr
    assert loud.stdout == "1 file valid\n"


def test_a_cache_folder_that_cannot_be_written_is_a_located_error(
    http_server: LocalServer, project: Project
) -> None:
    """YAMLPIPE_CACHE_DIR below a regular file was an internal error (exit 3, "a bug")."""
    echo = http_server.add("/echo.yaml", component_text())
    index = http_server.add(
        "/index.yaml", f"components:\n- {{name: echo, version: 1.0.0, url: echo.yaml, "
        f"sha256: {sha(component_text())}}}\n",
    )  # fmt: skip
    project.write("yamlpipe.yaml", f"catalogs: {{team: {index}}}\n")
    project.write("p.yaml", pipeline_text(echo, "team/echo"))
    (project.root / "afile").write_text("not a folder\n")
    result = run_cli(
        "validate", "p.yaml", cwd=project.root, env={"YAMLPIPE_CACHE_DIR": "afile/cache"}
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "internal error" not in result.stderr
    message = "cannot write the cache folder afile/cache: afile is not a folder"
    assert f"p.yaml:4:16: error: {message}" in result.stdout
    assert f"p.yaml:7:16: error: catalog 'team' cannot be read: {message}" in result.stdout
    assert "hint: point YAMLPIPE_CACHE_DIR" in result.stdout


def test_library_records_are_filtered_but_yamlpipe_warnings_are_not(tmp_path: Path) -> None:
    script = (
        "import logging, sys, typer\n"
        "from yamlpipe.cli.common import configure_logging, run_app\n"
        "app = typer.Typer()\n"
        "@app.command()\n"
        "def go(verbose: int = 0) -> None:\n"
        "    if verbose: configure_logging(verbose)\n"
        "    logging.getLogger('urllib3.connectionpool').warning('Retrying (Retry(total=2))')\n"
        "    logging.getLogger('yamlpipe.resolve.cache').warning('cache entry x is corrupted')\n"
        "run_app(app, 'demo')\n"
    )
    for verbose, shown in (("0", False), ("1", True)):
        result = subprocess.run(
            [sys.executable, "-c", script, "--verbose", verbose],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stderr
        assert ("Retrying" in result.stderr) is shown
        assert "cache entry x is corrupted" in result.stderr
    quiet = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, check=False
    )
    assert quiet.stderr == "yamlpipe: warning: cache entry x is corrupted\n"


def test_an_error_inside_a_remote_component_points_at_its_url_and_line(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/bad.yaml", BAD_COMPONENT)
    project.write("p.yaml", pipeline_text(url))
    result = project.cli("validate", "p.yaml")
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"{url}:7:34: error: {{inputValue: txt}} names an undeclared")
    assert lines[1] == "    7 |     command: [echo, {inputValue: txt}]"


def test_a_missing_argument_for_a_remote_component_is_at_the_task(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/echo.yaml", component_text())
    project.write("p.yaml", pipeline_text(url).replace("arguments: {text: hi}", "arguments: {}"))
    [record] = problems(project, "p.yaml")
    assert record["file"] == "p.yaml"
    assert "text" in str(record["message"])


def test_404_is_reported_at_the_reference(http_server: LocalServer, project: Project) -> None:
    url = http_server.url("/missing.yaml")
    project.write("p.yaml", pipeline_text(url))
    [record] = problems(project, "p.yaml")
    assert where(record) == "p.yaml:4:16"
    assert record["message"] == f"cannot fetch {url}: HTTP 404 Not Found"


def test_a_500_then_success_validates(http_server: LocalServer, project: Project) -> None:
    url = http_server.add("/flaky.yaml", component_text(), fail_first=1)
    project.write("p.yaml", pipeline_text(url))
    assert problems(project, "p.yaml") == []
    assert http_server.hits["/flaky.yaml"] == 2


def test_a_slow_server_times_out_at_the_reference(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/slow.yaml", component_text(), delay=3)
    project.write("p.yaml", pipeline_text(url))
    [record] = problems(project, "p.yaml")
    assert where(record) == "p.yaml:4:16"
    assert (
        record["message"]
        == f"cannot fetch {url}: timed out (no answer within 0.5 s; tried 2 times)"
    )


def test_a_trickling_server_does_not_hold_validate(
    http_server: LocalServer, project: Project
) -> None:
    project.write("yamlpipe.yaml", "fetch: {read_timeout: 0.5, total_timeout: 1, retries: 0}\n")
    url = http_server.add("/drip.yaml", component_text(), trickle=0.1)
    project.write("p.yaml", pipeline_text(url))
    [record] = problems(project, "p.yaml")
    assert record["message"] == (
        f"cannot fetch {url}: took longer than the 1 s allowed for one file "
        "(fetch: total_timeout in yamlpipe.yaml)"
    )


@pytest.mark.parametrize(
    ("setting", "where"),
    [("parallel: 100000000", "1:19"), ("retries: 1000", "1:18"), ("read_timeout: 1e9", "1:23")],
)
def test_fetch_settings_are_bounded_in_the_schema(
    project: Project, setting: str, where: str
) -> None:
    """`parallel: 100000000` was accepted and hung starting threads."""
    project.write("yamlpipe.yaml", f"fetch: {{{setting}}}\n")
    project.write("p.yaml", pipeline_text("c.yaml"))
    [record] = problems(project, "p.yaml")
    assert (record["file"], f"{record['line']}:{record['column']}") == ("yamlpipe.yaml", where)


def test_a_body_over_the_cap_is_refused_and_not_cached(
    http_server: LocalServer, project: Project
) -> None:
    project.write("yamlpipe.yaml", "fetch: {retries: 0, max_bytes: 100}\n")
    url = http_server.add("/big.yaml", component_text() + "#" * 200 + "\n", content_length=False)
    project.write("p.yaml", pipeline_text(url))
    [record] = problems(project, "p.yaml")
    assert record["message"] == f"cannot fetch {url}: the file is over the 100-byte limit"
    assert project.blobs() == []
    assert project.leftovers() == []


def test_a_wrong_digest_names_both_and_is_not_cached(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/echo.yaml", component_text())
    pin = "0" * 64
    project.write("p.yaml", pipeline_text(f"{url}#sha256={pin}"))
    [record] = problems(project, "p.yaml")
    assert where(record) == "p.yaml:4:16"
    assert record["message"] == (
        f"{url} has sha256 {sha(component_text())}, but the reference pins {pin}"
    )
    assert project.blobs() == []


def test_malformed_urls_are_errors_at_the_reference_not_crashes(project: Project) -> None:
    bad = {
        "http://127.0.0.1:99999/x.yaml": "port out of range 0-65535",
        "https:///x.yaml": "it names no host",
        "http://[::1/x.yaml": "invalid ipv6 url",
        "https://exa mple.com/x.yaml": "it contains a space",
    }
    project.write("p.yaml", pipeline_text(*bad))
    records = problems(project, "p.yaml")
    assert [(where(r), r["message"]) for r in records] == [
        (f"p.yaml:{4 + 3 * i}:16", f"{url!r} is not a valid URL: {why}")
        for i, (url, why) in enumerate(bad.items())
    ]


def test_plain_http_to_another_host_is_refused_at_the_reference(project: Project) -> None:
    project.write("p.yaml", pipeline_text("http://example.invalid/c.yaml"))
    [record] = problems(project, "p.yaml")
    assert where(record) == "p.yaml:4:16"
    assert "plain http is not allowed for host 'example.invalid'" in str(record["message"])
    assert "allowed_hosts" in str(record["hint"])


def test_a_pinned_reference_in_the_cache_never_touches_the_network(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/echo.yaml", component_text())
    project.write("p.yaml", pipeline_text(f"{url}#sha256={sha(component_text())}"))
    assert problems(project, "p.yaml") == []
    assert http_server.hits["/echo.yaml"] == 1
    http_server.down = True
    assert problems(project, "p.yaml") == []
    http_server.stop()
    assert problems(project, "p.yaml") == []
    assert http_server.hits["/echo.yaml"] == 1


def test_a_corrupted_cache_entry_is_fetched_again(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/echo.yaml", component_text())
    project.write("p.yaml", pipeline_text(f"{url}#sha256={sha(component_text())}"))
    assert problems(project, "p.yaml") == []
    [blob] = project.blobs()
    blob.write_text(component_text("tampered"), encoding="utf-8")
    assert problems(project, "p.yaml") == []
    assert http_server.hits["/echo.yaml"] == 2
    assert blob.read_text(encoding="utf-8") == component_text()


def test_a_tampered_url_entry_deletes_nothing_outside_the_cache(
    http_server: LocalServer, project: Project
) -> None:
    """A URL entry's digest used to become a path: `./././../../precious.txt` (64 characters)
    pointed outside the cache, and the hash mismatch unlinked whatever was there."""
    url = http_server.add("/echo.yaml", component_text())
    project.write("p.yaml", pipeline_text(url))
    assert problems(project, "p.yaml") == []
    precious = project.cache.parent / "precious.txt"
    precious.write_text("keep me\n", encoding="utf-8")
    escape = "../../precious.txt"
    [entry] = (project.cache / "urls").iterdir()
    entry.write_text("./" * ((64 - len(escape)) // 2) + escape + f" {url}\n", encoding="utf-8")
    records = problems(project, "--offline", "p.yaml")
    assert [r["message"] for r in records] == [
        f"{url!r} is not in the cache, and --offline forbids fetching it"
    ]
    assert precious.read_text(encoding="utf-8") == "keep me\n"
    entry.write_text(f"{sha(component_text())} file:///etc/passwd\n", encoding="utf-8")
    assert len(problems(project, "--offline", "p.yaml")) == 1  # a final URL must be http(s)


def test_an_unpinned_reference_is_fetched_each_run(
    http_server: LocalServer, project: Project
) -> None:
    url = http_server.add("/echo.yaml", component_text())
    project.write("p.yaml", pipeline_text(url, url))
    project.write("q.yaml", pipeline_text(url))
    assert problems(project, "p.yaml", "q.yaml") == []
    assert http_server.hits["/echo.yaml"] == 1  # once per run, however often it is used
    assert problems(project, "p.yaml") == []
    assert http_server.hits["/echo.yaml"] == 2


def test_offline_uses_the_cache_and_lists_what_is_missing(
    http_server: LocalServer, project: Project
) -> None:
    seen = http_server.add("/seen.yaml", component_text())
    project.write("p.yaml", pipeline_text(seen))
    assert problems(project, "p.yaml") == []
    new = [http_server.add(f"/new{i}.yaml", component_text(i)) for i in range(2)]
    project.write("p.yaml", pipeline_text(seen, *new))
    records = problems(project, "--offline", "p.yaml")
    assert [(where(r), r["message"]) for r in records] == [
        (
            f"p.yaml:{4 + 3 * i}:16",
            f"{ref!r} is not in the cache, and --offline forbids fetching it",
        )
        for i, ref in enumerate(new, start=1)
    ]
    assert http_server.hits["/seen.yaml"] == 1
    assert http_server.hits["/new0.yaml"] == http_server.hits["/new1.yaml"] == 0


def test_relative_references_inside_a_remote_pipeline_follow_its_url(
    http_server: LocalServer, project: Project
) -> None:
    http_server.add("/lib/echo.yaml", component_text())
    inner = http_server.add("/lib/inner.yaml", pipeline_text("./echo.yaml", name="inner"))
    project.write("p.yaml", f"name: p\ntasks:\n  nested:\n    component: {inner}\n")
    assert problems(project, "p.yaml") == []
    assert http_server.hits["/lib/echo.yaml"] == 1


def test_an_error_in_a_nested_remote_file_is_at_its_url(
    http_server: LocalServer, project: Project
) -> None:
    inner = http_server.add("/lib/inner.yaml", pipeline_text("./missing.yaml", name="inner"))
    project.write("p.yaml", f"name: p\ntasks:\n  nested:\n    component: {inner}\n")
    [record] = problems(project, "p.yaml")
    assert where(record) == f"{inner}:4:16"
    assert "HTTP 404" in str(record["message"])


@pytest.mark.parametrize("named_as", ["a.yaml", "./a.yaml", "ABSOLUTE"])
def test_a_reference_cycle_across_files_is_the_chain_of_file_lines(
    project: Project, named_as: str
) -> None:
    a = project.write("a.yaml", "name: a\ntasks:\n  x:\n    component: b.yaml\n")
    project.write("b.yaml", "name: b\ntasks:\n  y:\n    component: ./a.yaml\n")
    shown = str(a) if named_as == "ABSOLUTE" else named_as
    [record] = problems(project, shown)
    assert where(record) == "b.yaml:4:16"
    assert record["message"] == (
        f"components refer to each other in a cycle: {shown}:4 -> b.yaml:4 -> {shown}"
    )


def test_a_reference_cycle_across_urls(http_server: LocalServer, project: Project) -> None:
    a = http_server.add("/a.yaml", "name: a\ntasks:\n  x:\n    component: b.yaml\n")
    b = http_server.add("/b.yaml", "name: b\ntasks:\n  y:\n    component: ./a.yaml\n")
    project.write("p.yaml", f"name: p\ntasks:\n  top:\n    component: {a}\n")
    [record] = problems(project, "p.yaml")
    assert record["message"] == f"components refer to each other in a cycle: {a}:4 -> {b}:4 -> {a}"
    assert where(record) == f"{b}:4:16"


def test_the_token_named_in_yamlpipe_yaml_is_sent(
    http_server: LocalServer, project: Project, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = http_server.add("/private.yaml", component_text())
    project.write("yamlpipe.yaml", "auth: {127.0.0.1: TEAM_TOKEN}\nfetch: {retries: 0}\n")
    project.write("p.yaml", pipeline_text(url))
    monkeypatch.setenv("TEAM_TOKEN", "s3cret")
    assert problems(project, "p.yaml") == []
    assert http_server.auth["/private.yaml"] == "Bearer s3cret"
    assert all(b"s3cret" not in p.read_bytes() for p in project.cache.rglob("*") if p.is_file())


# ---- the library, directly ---------------------------------------------------------------


def resolver_for(project: Project, options: ResolveOptions | None = None) -> Resolver:
    config = load_config(project.root / "p.yaml")
    return Resolver(config, Cache(project.cache), None, options or ResolveOptions())


def request(text: str, base: Path) -> Request:
    return Request(parse_reference(text, Location("p.yaml", 3, 16)), str(base))


def test_resolve_all_fetches_in_parallel(http_server: LocalServer, project: Project) -> None:
    urls = [http_server.add(f"/c{i}.yaml", component_text(i), delay=0.1) for i in range(6)]
    resolver = resolver_for(project)
    try:
        results = resolver.resolve_all([request(u, project.root / "p.yaml") for u in urls])
    finally:
        assert resolver.fetcher is not None
        resolver.fetcher.close()
    assert [r.location for r in results if isinstance(r, Source)] == urls
    assert http_server.max_in_flight > 1
    assert sorted(resolver.used) == sorted(urls)


def test_resolve_all_keeps_each_problem_with_its_request(
    http_server: LocalServer, project: Project
) -> None:
    good = http_server.add("/good.yaml", component_text())
    bad = http_server.url("/bad.yaml")
    resolver = resolver_for(project)
    results = resolver.resolve_all([request(u, project.root / "p.yaml") for u in (bad, good)])
    assert isinstance(results[0], YamlpipeError)
    assert results[0].location == Location("p.yaml", 3, 16)
    assert isinstance(results[1], Source)


def test_validate_paths_takes_a_cache_root(http_server: LocalServer, project: Project) -> None:
    url = http_server.add("/echo.yaml", component_text())
    path = project.write("p.yaml", pipeline_text(url))
    elsewhere = project.root.parent / "other-cache"
    [report] = validate_paths([str(path)], cache_root=elsewhere)
    assert report.ok, report.problems
    assert (elsewhere / "sha256").is_dir()
    assert not project.cache.exists()


def test_the_cache_verifies_what_it_reads(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    digest = cache.put(b"abc", url="http://127.0.0.1/a.yaml", final_url="http://127.0.0.1/b.yaml")
    assert cache.get(digest) == b"abc"
    assert cache.entry_for_url("http://127.0.0.1/a.yaml") == (digest, "http://127.0.0.1/b.yaml")
    [blob] = (tmp_path / "sha256").rglob(digest)
    blob.write_bytes(b"abd")
    assert cache.get(digest) is None
    assert not blob.exists()  # removed, so the next fetch writes it afresh


def test_a_torn_url_entry_is_a_miss(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    digest = cache.put(b"abc", url="http://127.0.0.1/a.yaml")
    [entry] = (tmp_path / "urls").iterdir()
    entry.write_text(digest + " http://127.0.0.1/a.y")  # no final newline: cut short
    assert cache.entry_for_url("http://127.0.0.1/a.yaml") is None


@pytest.mark.parametrize(
    "digest", ["../" * 21 + "x", "/" * 60 + "/etc", "A" * 64, "0" * 63, "g" * 64, "0" * 64 + "\n"]
)
def test_the_cache_builds_no_path_from_a_digest_that_is_not_64_hex_digits(
    tmp_path: Path, digest: str
) -> None:
    (tmp_path / "x").write_text("keep me\n", encoding="utf-8")
    cache = Cache(tmp_path / "cache")
    assert cache.get(digest) is None
    assert (tmp_path / "x").exists()


def test_the_cache_reads_only_regular_files(tmp_path: Path) -> None:
    cache = Cache(tmp_path)
    digest = cache.put(b"abc", url="http://127.0.0.1/a.yaml")
    [blob] = (tmp_path / "sha256").rglob(digest)
    blob.unlink()
    os.mkfifo(blob)  # a reader would wait for a writer forever
    assert cache.get(digest) is None
    [entry] = (tmp_path / "urls").iterdir()
    entry.unlink()
    entry.symlink_to("/dev/zero")  # a reader would fill memory
    assert cache.entry_for_url("http://127.0.0.1/a.yaml") is None
