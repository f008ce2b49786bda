"""Catalogs: `catalog build|list|show|search` as users run them, and catalog entries in
pipelines resolved through the yamlpipe.yaml found above them."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from httpserver import LocalServer, http_server  # noqa: F401  (the fixture)

from yamlpipe.errors import YamlpipeErrors
from yamlpipe.load import load_data_text
from yamlpipe.resolve.catalog import Catalog, CatalogEntry, build_catalog, version_key

from helpers import ROOT, run_cli

COMPONENT = """\
name: {title}
description: {description}
inputs:
- {{name: {input}, type: String}}
- {{name: level, type: Integer, default: '1'}}
outputs:
- {{name: report, type: {{GCSPath: {{data_type: CSV}}}}}}
implementation:
  container:
    image: alpine:3.20
    command: [echo, {{inputValue: {input}}}, {{inputValue: level}}, {{outputPath: report}}]
"""

PIPELINE = """\
name: uses-a-catalog
tasks:
  step:
    component: {ref}
    arguments: {{{input}: hello}}
"""


@pytest.fixture(autouse=True)
def _own_cache(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """Subprocesses inherit this: no test touches the user's cache."""
    monkeypatch.setenv("YAMLPIPE_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def component(folder: Path, title: str = "Echo", description: str = "Echoes a message.",
              input: str = "message") -> Path:  # fmt: skip
    text = COMPONENT.format(title=title, description=description, input=input)
    return write(folder / "component.yaml", text)


def make_components(root: Path, order: list[str] | None = None) -> Path:
    """A folder of components, created in the given order (file system order follows it)."""
    makers = {
        "echo": lambda: component(root / "echo"),
        "splitter": lambda: component(
            root / "splitter", "Split CSV", "Splits a CSV file into train and test sets."
        ),
        "trainer-1.9.0": lambda: component(root / "trainer" / "1.9.0", "Train", "Trains a model."),
        "trainer-1.10.0": lambda: component(
            root / "trainer" / "1.10.0", "Train", "Trains a model."
        ),
    }
    for name in order or sorted(makers):
        makers[name]()
    return root


def entries_of(catalog: Path) -> list[dict[str, object]]:
    result = load_data_text(catalog.read_text(), str(catalog), "catalog")
    assert result.ok, [str(p) for p in result.problems]
    return list(result.data["components"])


def version_component(folder: Path, version: str) -> Path:
    """A component whose only input is named after its version: `in_1_10_0` for 1.10.0."""
    name = "in_" + version.replace(".", "_").replace("-", "_")
    return component(folder / version, "Tool", f"Tool version {version}.", name)


def project(root: Path, catalogs: dict[str, str]) -> Path:
    lines = ["catalogs:", *(f"  {name}: {where}" for name, where in catalogs.items())]
    return write(root / "yamlpipe.yaml", "\n".join(lines) + "\n")


def build(folder: Path, *extra: str, cwd: Path | None = None) -> None:
    result = run_cli("catalog", "build", str(folder), *extra, cwd=cwd)
    assert result.returncode == 0, result.stdout + result.stderr


# ---- build ---------------------------------------------------------------------------------


def test_build_is_deterministic_and_independent_of_file_system_order(tmp_path: Path) -> None:
    first = make_components(tmp_path / "a" / "components")
    second = make_components(
        tmp_path / "b" / "components", ["trainer-1.10.0", "splitter", "trainer-1.9.0", "echo"]
    )
    for folder in (first, second):
        build(folder, "-o", str(folder / "catalog.yaml"))
    text = (first / "catalog.yaml").read_bytes()
    assert text == (second / "catalog.yaml").read_bytes()
    build(first, "-o", str(first / "catalog.yaml"))
    assert (first / "catalog.yaml").read_bytes() == text
    names = [(e["name"], e["version"]) for e in entries_of(first / "catalog.yaml")]
    assert names == [
        ("echo", "0.1.0"),
        ("splitter", "0.1.0"),
        ("trainer", "1.9.0"),
        ("trainer", "1.10.0"),
    ]


def test_build_ignores_the_order_os_walk_reports(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = make_components(tmp_path / "components")
    expected = build_catalog(folder)
    real_walk = os.walk

    def reversed_walk(top: str, *args: object, **kwargs: object) -> Iterator[object]:
        for current, dirs, files in real_walk(top):
            dirs.reverse()
            yield current, dirs, list(reversed(files))

    monkeypatch.setattr(os, "walk", reversed_walk)
    assert build_catalog(folder) == expected


def test_entries_have_digests_urls_and_summaries(tmp_path: Path) -> None:
    folder = make_components(tmp_path / "components")
    out = tmp_path / "published" / "index.yaml"
    result = run_cli("catalog", "build", "components", "-o", "published/index.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stderr.strip() == "published/index.yaml: written (4 entries)"
    assert result.stdout == "", "build writes a file; standard output carries nothing"
    entries = {(e["name"], e["version"]): e for e in entries_of(out)}
    trainer = entries[("trainer", "1.10.0")]
    component_file = folder / "trainer" / "1.10.0" / "component.yaml"
    assert trainer["sha256"] == hashlib.sha256(component_file.read_bytes()).hexdigest()
    assert trainer["url"] == "../components/trainer/1.10.0/component.yaml"
    assert (out.parent / str(trainer["url"])).resolve() == component_file.resolve()
    assert trainer["title"] == "Train"
    assert trainer["description"] == "Trains a model."
    assert trainer["inputs"] == [
        {"name": "message", "type": "String"},
        {"name": "level", "type": "Integer", "optional": True},
    ]
    assert trainer["outputs"] == [{"name": "report", "type": {"GCSPath": {"data_type": "CSV"}}}]


def test_version_from_annotation_else_default(tmp_path: Path) -> None:
    folder = tmp_path / "components"
    text = COMPONENT.format(title="T", description="D.", input="x")
    write(
        folder / "tagged" / "component.yaml", "metadata: {annotations: {version: 2.3.4}}\n" + text
    )
    write(folder / "bad" / "component.yaml", "metadata: {annotations: {version: two}}\n" + text)
    result = run_cli("catalog", "build", "components", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith(
        "components/bad/component.yaml:1:35: error: metadata.annotations.version 'two' is not"
    )
    (folder / "bad" / "component.yaml").unlink()
    build(folder)
    assert [e["version"] for e in entries_of(folder / "catalog.yaml")] == ["2.3.4"]


def test_base_url_makes_entry_urls_absolute(tmp_path: Path) -> None:
    folder = make_components(tmp_path / "components")
    build(folder, "--base-url", "https://example.com/team/components/")
    urls = sorted(str(e["url"]) for e in entries_of(folder / "catalog.yaml"))
    assert urls == [
        "https://example.com/team/components/echo/component.yaml",
        "https://example.com/team/components/splitter/component.yaml",
        "https://example.com/team/components/trainer/1.10.0/component.yaml",
        "https://example.com/team/components/trainer/1.9.0/component.yaml",
    ]


def test_check_detects_a_stale_or_missing_catalog(tmp_path: Path) -> None:
    folder = make_components(tmp_path / "components")
    check = ("catalog", "build", "components", "-o", "components/catalog.yaml", "--check")
    missing = run_cli(*check, cwd=tmp_path)
    assert missing.returncode == 1
    assert not (folder / "catalog.yaml").exists()
    build(folder, "-o", str(folder / "catalog.yaml"))
    current = run_cli(*check, cwd=tmp_path)
    assert current.returncode == 0, current.stderr
    assert "up to date (4 entries)" in current.stderr
    component(folder / "echo", description="Echoes a message, louder.")
    before = (folder / "catalog.yaml").read_bytes()
    stale = run_cli(*check, cwd=tmp_path)
    assert stale.returncode == 1
    assert "components/catalog.yaml: not current (4 entries)" in stale.stderr
    assert "rebuild it: yamlpipe catalog build components -o components/catalog.yaml" in (
        stale.stderr
    )
    assert (folder / "catalog.yaml").read_bytes() == before


def test_component_errors_fail_the_build_with_located_errors(tmp_path: Path) -> None:
    folder = make_components(tmp_path / "components")
    broken = folder / "echo" / "component.yaml"
    broken.write_text(broken.read_text().replace("{inputValue: message}", "{inputValue: mesage}"))
    result = run_cli("catalog", "build", "components", cwd=tmp_path)
    assert result.returncode == 1
    first = result.stderr.splitlines()[0]
    assert first.startswith("components/echo/component.yaml:11:")
    assert "did you mean 'message'?" in first
    assert "^~~" in result.stderr
    assert not (folder / "catalog.yaml").exists()
    as_json = run_cli("catalog", "build", "components", "--format", "json", cwd=tmp_path)
    assert json.loads(as_json.stderr)[0]["file"] == "components/echo/component.yaml"


def test_two_files_for_one_entry_version_are_an_error(tmp_path: Path) -> None:
    folder = tmp_path / "components"
    component(folder / "a" / "echo")
    component(folder / "b" / "echo")
    result = run_cli("catalog", "build", "components", cwd=tmp_path)
    assert result.returncode == 1
    assert "catalog entry echo@0.1.0 is also built from components/a/echo/component.yaml" in (
        result.stderr
    )


def test_usage_errors_exit_2(tmp_path: Path) -> None:
    make_components(tmp_path / "components")
    assert run_cli("catalog", "build", "nowhere", cwd=tmp_path).returncode == 2
    bad_url = run_cli("catalog", "build", "components", "--base-url", "example.com", cwd=tmp_path)
    assert bad_url.returncode == 2
    assert "--base-url must be an http(s) URL" in bad_url.stderr
    assert run_cli("catalog", "list", "nothing-here", cwd=tmp_path).returncode == 2
    assert run_cli("catalog", "frobnicate", cwd=tmp_path).returncode == 2


def test_an_invalid_index_is_reported_at_its_line(tmp_path: Path) -> None:
    write(tmp_path / "catalog.yaml", "components:\n  - name: x\n    version: 1.0.0\n")
    result = run_cli("catalog", "list", "catalog.yaml", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.startswith("catalog.yaml:2:")
    assert "'url'" in result.stderr


# ---- list, show, search ----------------------------------------------------------------------


@pytest.fixture
def built(tmp_path: Path) -> Path:
    folder = make_components(tmp_path / "components")
    version_component(folder / "trainer", "2.0.0-rc.1")
    build(folder)
    return folder / "catalog.yaml"


def test_list_shows_names_versions_newest_first_and_descriptions(built: Path) -> None:
    result = run_cli("catalog", "list", "components", cwd=built.parent.parent)
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["NAME", "VERSIONS", "DESCRIPTION"]
    assert lines[1].split(None, 2) == ["echo", "0.1.0", "Echoes a message"]
    assert lines[3].split(None, 4)[:4] == ["trainer", "2.0.0-rc.1,", "1.10.0,", "1.9.0"]
    assert lines[-1] == "3 entries in components/catalog.yaml"
    records = json.loads(run_cli("catalog", "list", str(built), "--format", "json").stdout)
    assert [(r["name"], r["version"]) for r in records] == [
        ("echo", "0.1.0"),
        ("splitter", "0.1.0"),
        ("trainer", "2.0.0-rc.1"),
        ("trainer", "1.10.0"),
        ("trainer", "1.9.0"),
    ]


def test_show_gives_every_version_or_the_one_asked_for(built: Path) -> None:
    every = run_cli("catalog", "show", str(built), "trainer")
    assert every.returncode == 0, every.stderr
    headers = [line for line in every.stdout.splitlines() if line.startswith("trainer@")]
    assert headers == [
        "trainer@2.0.0-rc.1  (Tool)",
        "trainer@1.10.0  (Train)",
        "trainer@1.9.0  (Train)",
    ]
    one = run_cli("catalog", "show", str(built), "trainer@1.9.0")
    assert one.stdout.splitlines()[0] == "trainer@1.9.0  (Train)"
    assert "    message  String" in one.stdout
    assert "    level    Integer  (optional)" in one.stdout
    assert "    report  {GCSPath: {data_type: CSV}}" in one.stdout
    digest = hashlib.sha256((built.parent / "trainer/1.9.0/component.yaml").read_bytes())
    assert f"  sha256: {digest.hexdigest()}" in one.stdout
    latest = run_cli("catalog", "show", str(built), "trainer@latest", "--format", "json")
    assert [r["version"] for r in json.loads(latest.stdout)] == ["1.10.0"]
    candidate = run_cli("catalog", "show", str(built), "trainer@2.0.0-rc.1")
    assert candidate.stdout.splitlines()[0] == "trainer@2.0.0-rc.1  (Tool)"


def test_show_of_an_unknown_entry_or_version_says_what_there_is(built: Path) -> None:
    typo = run_cli("catalog", "show", str(built), "trainr")
    assert typo.returncode == 2, "an entry that is not there is a usage mistake"
    assert "no catalog entry 'trainr' (did you mean 'trainer'?)" in typo.stderr
    assert "hint: entries: echo, splitter, trainer" in typo.stderr
    assert typo.stdout == ""
    version = run_cli("catalog", "show", str(built), "trainer@3.0.0")
    assert version.returncode == 2
    assert "'trainer' has no version '3.0.0'" in version.stderr
    assert "hint: versions: 2.0.0-rc.1, 1.10.0, 1.9.0" in version.stderr


def test_search_needs_every_word(built: Path) -> None:
    found = run_cli("catalog", "search", str(built), "csv", "TRAIN")
    assert found.returncode == 0, found.stderr
    assert [line.split()[0] for line in found.stdout.splitlines()[1:-2]] == ["splitter"]
    records = json.loads(run_cli("catalog", "search", str(built), "t", "-f", "json").stdout)
    assert [(r["name"], r["version"]) for r in records] == [
        ("splitter", "0.1.0"),
        ("trainer", "1.10.0"),
    ]
    none = run_cli("catalog", "search", str(built), "quantum")
    assert none.returncode == 0
    assert "no entries match 'quantum'" in none.stderr
    assert none.stdout == "", "no entries: nothing on standard output"


# ---- semver ----------------------------------------------------------------------------------


def found_version(versions: list[str], asked: str | None) -> str | None:
    entries = tuple(CatalogEntry("t", v, f"/c/{v}.yaml", "0" * 64) for v in versions)
    entry = Catalog("/c/catalog.yaml", entries=entries).find("t", asked)
    return entry.version if entry else None


def test_latest_is_the_highest_release_else_the_highest_pre_release() -> None:
    assert found_version(["1.9.0", "1.10.0", "2.0.0-rc.1"], None) == "1.10.0"
    assert found_version(["1.10.0", "1.9.0"], "latest") == "1.10.0"
    assert found_version(["2.0.0-beta", "2.0.0-rc.1"], None) == "2.0.0-rc.1"
    assert found_version(["1.0.0", "2.0.0-rc.1"], "2.0.0-rc.1") == "2.0.0-rc.1"
    assert found_version(["1.0.0"], "1.0.1") is None


def test_version_key_orders_semver() -> None:
    versions = ["1.9.0", "2.0.0", "1.10.0", "2.0.0-rc.1", "2.0.0-alpha", "2.0.0-rc.10", "0.1"]
    assert sorted(versions, key=version_key) == [
        "0.1",
        "1.9.0",
        "1.10.0",
        "2.0.0-alpha",
        "2.0.0-rc.1",
        "2.0.0-rc.10",
        "2.0.0",
    ]


# ---- catalog entries in pipelines ------------------------------------------------------------


@pytest.fixture
def tools_project(tmp_path: Path) -> Path:
    """project/yamlpipe.yaml naming catalogs/tools/catalog.yaml, with versions of `tool`."""
    root = tmp_path / "project"
    tools = root / "catalogs" / "tools"
    for version in ("1.9.0", "1.10.0", "2.0.0-rc.1"):
        version_component(tools / "tool", version)
    component(tools / "echo")
    build(tools)
    project(root, {"tools": "catalogs/tools/catalog.yaml"})
    return root


@pytest.mark.parametrize(
    ("ref", "input"),
    [
        ("tools/tool@1.9.0", "in_1_9_0"),
        ("tool", "in_1_10_0"),
        ("tools/tool@latest", "in_1_10_0"),
        ("tools/tool@1.10.0", "in_1_10_0"),
        ("tool@2.0.0-rc.1", "in_2_0_0_rc_1"),
    ],
)
def test_entries_resolve_through_the_config_above_the_pipeline(
    tools_project: Path, ref: str, input: str
) -> None:
    pipeline = write(
        tools_project / "ml" / "nested" / "deep" / "pipeline.yaml",
        PIPELINE.format(ref=ref, input=input),
    )
    result = run_cli("validate", str(pipeline), cwd=tools_project.parent)
    assert result.returncode == 0, result.stdout


def test_an_unknown_entry_is_a_located_error_with_a_suggestion(tools_project: Path) -> None:
    write(tools_project / "p" / "pipeline.yaml", PIPELINE.format(ref="tools/tol", input="x"))
    result = run_cli("validate", "p/pipeline.yaml", cwd=tools_project)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == (
        "p/pipeline.yaml:4:16: error: no catalog entry 'tol' (did you mean 'tool'?)"
    )
    assert lines[2].index("^~~") == lines[1].index("tools/tol")


def test_an_unknown_version_lists_the_available_ones(tools_project: Path) -> None:
    write(tools_project / "p.yaml", PIPELINE.format(ref="tool@1.2.3", input="x"))
    result = run_cli("validate", "p.yaml", cwd=tools_project)
    assert result.returncode == 1
    assert "p.yaml:4:16: error: 'tool' has no version '1.2.3'" in result.stdout
    assert "hint: versions: 2.0.0-rc.1, 1.10.0, 1.9.0" in result.stdout


def test_an_entry_in_two_catalogs_needs_a_prefix(tools_project: Path) -> None:
    other = tools_project / "catalogs" / "other"
    component(other / "echo")
    build(other)
    project(
        tools_project,
        {"tools": "catalogs/tools/catalog.yaml", "other": "catalogs/other/catalog.yaml"},
    )
    write(tools_project / "p.yaml", PIPELINE.format(ref="echo", input="message"))
    result = run_cli("validate", "p.yaml", cwd=tools_project)
    assert result.returncode == 1
    assert "'echo' is in several catalogs: " in result.stdout
    write(tools_project / "p.yaml", PIPELINE.format(ref="other/echo", input="message"))
    assert run_cli("validate", "p.yaml", cwd=tools_project).returncode == 0


def test_a_changed_component_no_longer_matches_its_catalog_digest(tools_project: Path) -> None:
    write(tools_project / "p.yaml", PIPELINE.format(ref="echo", input="message"))
    component(tools_project / "catalogs" / "tools" / "echo", description="Changed.")
    result = run_cli("validate", "p.yaml", cwd=tools_project)
    assert result.returncode == 1
    assert "but the catalog pins" in result.stdout


def test_catalog_commands_take_a_catalog_named_in_the_config(tools_project: Path) -> None:
    nested = tools_project / "ml" / "nested"
    nested.mkdir(parents=True)
    result = run_cli("catalog", "show", "tools", "tools/tool@1.9.0", cwd=nested)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.startswith("tool@1.9.0  (Tool)")


# ---- over HTTP -------------------------------------------------------------------------------


def test_a_catalog_served_over_http_with_relative_entry_urls(
    tmp_path: Path,
    http_server: LocalServer,  # noqa: F811
) -> None:
    folder = make_components(tmp_path / "served")
    build(folder)
    for path in [folder / "catalog.yaml", *folder.rglob("component.yaml")]:
        http_server.add("/team/" + path.relative_to(folder).as_posix(), path.read_bytes())
    index = http_server.url("/team/catalog.yaml")
    root = tmp_path / "project"
    project(root, {"team": index})
    write(root / "p.yaml", PIPELINE.format(ref="team/trainer@1.9.0", input="message"))
    result = run_cli("validate", "p.yaml", cwd=root)
    assert result.returncode == 0, result.stdout
    assert http_server.hits["/team/trainer/1.9.0/component.yaml"] == 1
    listed = run_cli("catalog", "list", index, cwd=root)
    assert listed.returncode == 0, listed.stdout + listed.stderr
    assert listed.stdout.splitlines()[-1] == f"3 entries in {index}"


# ---- the bundled catalog ---------------------------------------------------------------------


def test_the_bundled_catalog_is_current(tmp_path: Path) -> None:
    copy = tmp_path / "components"
    shutil.copytree(ROOT / "components", copy)
    result = run_cli(
        "catalog", "build", "components", "-o", "components/catalog.yaml", "--check", cwd=tmp_path
    )
    assert result.returncode == 0, result.stdout


def test_build_raises_all_problems_at_once(tmp_path: Path) -> None:
    folder = tmp_path / "components"
    write(folder / "a" / "component.yaml", "name: A\n")
    write(folder / "b" / "component.yaml", "implementation: {container: {}}\n")
    with pytest.raises(YamlpipeErrors) as caught:
        build_catalog(folder)
    files = {p.location.file for p in caught.value}
    assert {Path(f).parent.name for f in files} == {"a", "b"}


class _CountedEntries(tuple):  # type: ignore[type-arg]
    """A catalog's entries that count how often they are walked."""

    walks = 0

    def __iter__(self) -> Iterator[CatalogEntry]:
        type(self).walks += 1
        return super().__iter__()


def test_listing_and_searching_walk_the_entries_once() -> None:
    """Each name's versions were found by walking every entry: 100,000 entries took minutes."""
    entries = _CountedEntries(
        CatalogEntry(f"c{i}", f"1.0.{i % 3}", f"c{i}.yaml", "0" * 64, description=f"number {i}")
        for i in range(3000)
    )
    catalog = Catalog("catalog.yaml", entries=entries)
    _CountedEntries.walks = 0
    rows = [catalog.versions(name) for name in catalog.names()]
    found = catalog.search(["number", "7"])
    assert len(rows) == 3000 and len(found) == sum("7" in str(i) for i in range(3000))
    assert catalog.latest("c5") == rows[catalog.names().index("c5")][0]
    assert _CountedEntries.walks == 1


def test_an_invalid_index_is_reported_in_the_index_not_only_at_the_task(
    tools_project: Path,
) -> None:
    """The catalog's own errors were shown at the referring task, without their lines."""
    index = tools_project / "catalogs" / "tools" / "catalog.yaml"
    index.write_text(index.read_text().replace("version: 1.10.0", "version: [1, 10]", 1))
    write(tools_project / "p.yaml", PIPELINE.format(ref="tools/tool", input="in_1_10_0"))
    result = run_cli("validate", "--format", "json", "p.yaml", cwd=tools_project)
    assert result.returncode == 1, result.stdout + result.stderr
    found = {(r["file"], r["message"]) for r in json.loads(result.stdout)}
    line = next(i for i, text in enumerate(index.read_text().splitlines(), 1) if "[1, 10]" in text)
    assert found == {
        ("catalogs/tools/catalog.yaml", "'version' must be a string, got list [1, 10]"),
        ("p.yaml", "catalog 'tools' has errors, so 'tools/tool' cannot be looked up"),
    }
    text = run_cli("validate", "p.yaml", cwd=tools_project).stdout
    assert f"catalogs/tools/catalog.yaml:{line}:" in text and f"{line:>5} | " in text
