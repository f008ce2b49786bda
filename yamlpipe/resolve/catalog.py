"""Catalog indexes: entries {name, version, url, sha256, summary}: built from a folder of
components, read from a path or URL, looked up by semver."""

from __future__ import annotations

import os
import re
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path, PurePath
from typing import Any
from urllib.parse import quote, urljoin

from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors
from yamlpipe.load import (
    LoadResult,
    decode_text,
    dump_yaml,
    load_data_text,
    load_file,
    read_text_file,
)
from yamlpipe.load.files import is_within, project_root, read_regular_file
from yamlpipe.load.schema import did_you_mean
from yamlpipe.load.yamltext import read_yaml
from yamlpipe.resolve.cache import sha256_hex
from yamlpipe.resolve.config import FetchSettings
from yamlpipe.resolve.remote import FetchError
from yamlpipe.spec.model import InputSpec, OutputSpec

_SEMVER = re.compile(r"^(\d+)(?:\.(\d+))?(?:\.(\d+))?(?:-([0-9A-Za-z.-]+))?(?:\+[0-9A-Za-z.+-]+)?$")


def version_key(version: str) -> tuple[Any, ...]:
    """Sort key for semantic versions: 1.10.0 > 1.9.0, and 2.0.0-rc.1 < 2.0.0."""
    match = _SEMVER.match(version)
    if match is None:
        return (-1, version)
    major, minor, patch, pre = match.groups()
    numbers = (int(major), int(minor or 0), int(patch or 0))
    if pre is None:
        return (*numbers, 1, ())
    parts = tuple((0, int(p), "") if p.isdigit() else (1, 0, p) for p in pre.split("."))
    return (*numbers, 0, parts)


def is_prerelease(version: str) -> bool:
    """True for versions like 2.0.0-rc.1, which `@latest` passes over when a release exists."""
    match = _SEMVER.match(version)
    return match is not None and match.group(4) is not None


@dataclass(frozen=True)
class CatalogEntry:
    name: str
    version: str
    url: str
    """Absolute: a URL, or a local path, resolved against the index's location."""
    sha256: str
    title: str | None = None
    description: str | None = None
    inputs: tuple[dict[str, Any], ...] = ()
    outputs: tuple[dict[str, Any], ...] = ()


@dataclass(frozen=True)
class Catalog:
    location: str
    name: str | None = None
    description: str | None = None
    entries: tuple[CatalogEntry, ...] = field(default_factory=tuple)
    display: str | None = None
    """How messages name the index: as the user wrote it, or relative to the working folder."""

    @property
    def shown(self) -> str:
        return self.display or self.location

    @cached_property
    def _by_name(self) -> dict[str, list[CatalogEntry]]:
        """Entry name -> its versions, newest first: built once, so that listing or searching
        a catalog of n entries takes n steps, not n * n."""
        index: dict[str, list[CatalogEntry]] = {}
        for entry in self.entries:
            index.setdefault(entry.name, []).append(entry)
        for found in index.values():
            found.sort(key=lambda e: version_key(e.version), reverse=True)
        return index

    def names(self) -> list[str]:
        """Every entry name, sorted."""
        return sorted(self._by_name)

    def versions(self, name: str) -> list[CatalogEntry]:
        """Every version of an entry, newest first."""
        return list(self._by_name.get(name, ()))

    def latest(self, name: str) -> CatalogEntry | None:
        """The highest release of an entry; the highest pre-release only when there is no
        release (as pip and cargo do: a release candidate is never picked up unasked)."""
        candidates = self.versions(name)
        releases = [e for e in candidates if not is_prerelease(e.version)]
        pool = releases or candidates
        return pool[0] if pool else None

    def find(self, name: str, version: str | None) -> CatalogEntry | None:
        """The entry at that version, or the latest (see `latest`) when version is None."""
        if version is None or version == "latest":
            return self.latest(name)
        return next((e for e in self.versions(name) if e.version == version), None)

    def search(self, words: Sequence[str]) -> list[CatalogEntry]:
        """Latest version of each entry whose name, title or description has all the words."""
        wanted = [w.lower() for w in words]
        latest = [e for name in self.names() if (e := self.latest(name)) is not None]
        return [
            e
            for e in latest
            if all(w in f"{e.name} {e.title or ''} {e.description or ''}".lower() for w in wanted)
        ]


def resolve_location(base: str, relative: str) -> str:
    """A location relative to a catalog index (URL or local path) made absolute."""
    if "://" in relative or ("://" not in base and Path(relative).is_absolute()):
        return relative
    if "://" in base:
        return urljoin(base, relative)
    # lexically, not Path.resolve(): a system call per entry was most of reading a big index
    # (links are followed, and checked against the project root, when a file is read)
    return os.path.normpath(os.path.join(os.path.dirname(os.path.abspath(base)), relative))


def parse_catalog(text: str, location: str, display: str | None = None) -> Catalog:
    """A catalog index from its text; problems raise YamlpipeErrors located in the index."""
    result = load_data_text(text, display or location, "catalog")
    if not result.ok:
        raise YamlpipeErrors(result.problems)
    data = result.data
    return Catalog(
        location=location,
        name=data.get("name"),
        description=data.get("description"),
        entries=tuple(_entry(item, location) for item in data["components"]),
        display=display,
    )


def _entry(item: dict[str, Any], location: str) -> CatalogEntry:
    return CatalogEntry(
        name=item["name"],
        version=str(item["version"]),
        url=resolve_location(location, item["url"]),
        sha256=item["sha256"],
        title=item.get("title"),
        description=item.get("description"),
        inputs=tuple(item.get("inputs") or ()),
        outputs=tuple(item.get("outputs") or ()),
    )


def entry_names(catalogs: Iterable[Catalog]) -> list[str]:
    return sorted({e.name for c in catalogs for e in c.entries})


# ---- looking entries up ------------------------------------------------------------------


def lookup_entries(catalog: Catalog, name: str, version: str | None) -> list[CatalogEntry]:
    """Every version of an entry (newest first), or the one asked for (`latest`: see
    Catalog.latest); misses raise errors that suggest a name or list the versions there are."""
    versions = catalog.versions(name)
    if not versions:
        suggestion = did_you_mean(name, catalog.names())
        raise YamlpipeError(
            Location(catalog.shown),
            f"no catalog entry {name!r}" + (f" ({suggestion})" if suggestion else ""),
            "entries: " + (", ".join(catalog.names()) or "none"),
        )
    if version is None:
        return versions
    found = catalog.find(name, version)
    if found is None:
        raise YamlpipeError(
            Location(catalog.shown),
            f"{name!r} has no version {version!r}",
            "versions: " + ", ".join(e.version for e in versions),
        )
    return [found]


# ---- reading an index from a path or URL ---------------------------------------------------


def read_catalog(
    source: str, settings: FetchSettings | None = None, display: str | None = None
) -> Catalog:
    """A catalog index from a local path or an http(s) URL; problems raise located errors."""
    if "://" in source:
        return parse_catalog(fetch_catalog_text(source, settings or FetchSettings()), source)
    path = Path(source).resolve()
    shown = display or source
    return parse_catalog(read_text_file(path, shown), str(path), shown)


def fetch_catalog_text(url: str, settings: FetchSettings) -> str:
    """The text of a catalog index served at url (same rules as component fetches)."""
    from yamlpipe.resolve.fetch import Fetcher  # on first use: see Resolver._fetcher

    fetcher = Fetcher(settings)
    try:
        return decode_text(fetcher.fetch(url).content, url)
    except FetchError as exc:
        raise YamlpipeError(
            Location(url), f"cannot fetch the catalog: {exc.message}", exc.hint
        ) from None
    finally:
        fetcher.close()


# ---- building an index from a folder of components -----------------------------------------

COMPONENT_FILE_NAMES = frozenset({"component.yaml", "component.yml"})
DEFAULT_VERSION = "0.1.0"
CATALOG_HEADER = (
    "# A yamlpipe component catalog, written by `yamlpipe catalog build`.\n"
    "# Rebuild it after changing a component; do not edit it by hand.\n"
)
_FOLDER_VERSION = re.compile(r"^\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?$")
_VERSION = re.compile(r"^[0-9]+(\.[0-9]+){0,2}([-+][0-9A-Za-z.+-]+)?$")
_ENTRY_NAME = re.compile(r"^[A-Za-z0-9_.-]+$")
_VERSION_ANNOTATION = ("metadata", "annotations", "version")


@dataclass(frozen=True)
class _Layout:
    """Where the index goes and how its entries point at component files."""

    root: Path
    index_folder: Path
    base_url: str | None


def iter_component_files(folder: Path) -> Iterator[Path]:
    """component.yaml/.yml files below folder, in sorted order, skipping dot-folders."""
    for current, dirs, files in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(files):
            if name in COMPONENT_FILE_NAMES:
                yield Path(current) / name


def build_catalog(
    folder: str | Path, base_url: str | None = None, *, index: str | Path | None = None
) -> str:
    """The catalog index (YAML text) of every component.yaml below folder.

    Deterministic: entries sorted by name, then version. `url`s are relative to `index`
    (where the index will be written; default `folder/catalog.yaml`), or `base_url` plus the
    path below folder. Components with errors raise them all as one YamlpipeErrors.
    """
    return catalog_text(build_catalog_data(folder, base_url, index=index))


def catalog_text(data: Mapping[str, Any]) -> str:
    """A catalog index as written to a file: a header comment, then the YAML."""
    return CATALOG_HEADER + dump_yaml(dict(data))


def build_catalog_data(
    folder: str | Path, base_url: str | None = None, *, index: str | Path | None = None
) -> dict[str, Any]:
    """The catalog index of folder as data (see build_catalog)."""
    root = Path(folder).resolve()
    index_path = Path(index).resolve() if index is not None else root / "catalog.yaml"
    layout = _Layout(root, index_path.parent, base_url)
    entries: list[dict[str, Any]] = []
    problems: list[YamlpipeError] = []
    for path in iter_component_files(root):
        try:
            entries.append(_build_entry(path, layout))
        except YamlpipeErrors as errors:
            problems.extend(errors)
        except YamlpipeError as problem:
            problems.append(problem)
    problems.extend(_iter_duplicates(entries))
    if not entries and not problems:
        problems.append(_no_components(root))
    if problems:
        raise YamlpipeErrors(problems)
    entries.sort(key=lambda e: (e["name"], version_key(e["version"])))
    return {"components": [_public(e) for e in entries]}


def _no_components(root: Path) -> YamlpipeError:
    return YamlpipeError(
        Location(_display(root)),
        "no component.yaml files in this folder",
        "a catalog is built from <name>/component.yaml or <name>/<version>/component.yaml",
    )


def _build_entry(path: Path, layout: _Layout) -> dict[str, Any]:
    shown = _display(path)
    project = project_root(layout.root)
    if not is_within(path, (project,)):
        raise YamlpipeError(
            Location(shown),
            f"the file (a link) points outside the project ({_display(project)})",
            "a catalog is built from the component files inside the project",
        )
    loaded = load_file(path, shown)
    if not loaded.ok or loaded.spec is None:
        raise YamlpipeErrors(p for p in loaded.problems if p.is_error)
    name, folder_version = _name_and_folder_version(path, layout.root)
    _check_entry_name(name, shown)
    spec = loaded.spec
    content = read_regular_file(path)
    return {
        "name": name,
        "version": folder_version or _annotated_version(loaded),
        "url": _entry_url(path, layout),
        "sha256": sha256_hex(content),
        "title": spec.name,
        "description": spec.description,
        "inputs": [_port(i) for i in spec.inputs],
        "outputs": [_port(o) for o in spec.outputs],
        "_file": shown,
    }


def _name_and_folder_version(path: Path, root: Path) -> tuple[str, str | None]:
    """`<name>/component.yaml` -> (name, None); `<name>/<semver>/component.yaml` -> both."""
    folder = path.parent
    if _FOLDER_VERSION.match(folder.name) and folder != root:
        return folder.parent.name, folder.name
    return folder.name, None


def _check_entry_name(name: str, shown: str) -> None:
    if not _ENTRY_NAME.match(name):
        raise YamlpipeError(
            Location(shown),
            f"the folder name {name!r} cannot be a catalog entry name",
            "rename the folder: letters, digits, '_', '.' and '-' only",
        )


def _annotated_version(loaded: LoadResult) -> str:
    """metadata.annotations.version when it is a semantic version, else the default."""
    annotations = loaded.spec.metadata.annotations if loaded.spec is not None else {}
    version = annotations.get("version")
    if version is None:
        return DEFAULT_VERSION
    if not _VERSION.match(str(version)):
        doc = read_yaml(loaded.text, loaded.file)
        raise YamlpipeError(
            doc.loc(_VERSION_ANNOTATION),
            f"metadata.annotations.version {version!r} is not a semantic version",
            "write it as MAJOR.MINOR.PATCH, e.g. '1.4.0' (or put the file in a <version>/ folder)",
            span=len(str(version)),
        )
    return str(version)


def _entry_url(path: Path, layout: _Layout) -> str:
    if layout.base_url is not None:
        below = path.relative_to(layout.root).as_posix()
        return layout.base_url.rstrip("/") + "/" + quote(below, safe="/")
    return PurePath(os.path.relpath(path, layout.index_folder)).as_posix()


def _port(port: InputSpec | OutputSpec) -> dict[str, Any]:
    """The summary of an input or output: name, type, and whether it may be left out."""
    summary: dict[str, Any] = {"name": port.name}
    if port.type is not None:
        summary["type"] = _plain(port.type)
    if isinstance(port, InputSpec) and not port.is_required:
        summary["optional"] = True
    return summary


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): _plain(v) for k, v in value.items()}
    return value


def _public(entry: dict[str, Any]) -> dict[str, Any]:
    """The entry as written: no private keys, no empty summary parts."""
    return {k: v for k, v in entry.items() if not k.startswith("_") and v not in (None, [])}


def _iter_duplicates(entries: list[dict[str, Any]]) -> Iterator[YamlpipeError]:
    seen: dict[tuple[str, str], str] = {}
    for entry in entries:
        key = (entry["name"], entry["version"])
        first = seen.setdefault(key, entry["_file"])
        if first != entry["_file"]:
            yield YamlpipeError(
                Location(entry["_file"]),
                f"catalog entry {key[0]}@{key[1]} is also built from {first}",
                "give one of them another folder name or version (a <version>/ folder, or "
                "metadata.annotations.version)",
            )


def _display(path: Path) -> str:
    """A path as messages show it: relative to the working folder when it is below it."""
    try:
        return str(path.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path)
