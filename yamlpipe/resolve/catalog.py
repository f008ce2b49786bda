"""Catalog indexes: entries {name, version, url, sha256, summary}, looked up by semver."""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urljoin

from yamlpipe.errors import YamlpipeErrors
from yamlpipe.load import load_data_text

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

    def versions(self, name: str) -> list[CatalogEntry]:
        """Every version of an entry, newest first."""
        found = [e for e in self.entries if e.name == name]
        return sorted(found, key=lambda e: version_key(e.version), reverse=True)

    def find(self, name: str, version: str | None) -> CatalogEntry | None:
        """The entry at that version, or the highest version when version is None."""
        candidates = self.versions(name)
        if version is None:
            return candidates[0] if candidates else None
        return next((e for e in candidates if e.version == version), None)

    def search(self, words: Sequence[str]) -> list[CatalogEntry]:
        """Newest version of each entry whose name, title or description has all the words."""
        wanted = [w.lower() for w in words]
        latest = {e.name: e for e in sorted(self.entries, key=lambda e: version_key(e.version))}
        return [
            e
            for name, e in sorted(latest.items())
            if all(w in f"{e.name} {e.title or ''} {e.description or ''}".lower() for w in wanted)
        ]


def resolve_location(base: str, relative: str) -> str:
    """A location relative to a catalog index (URL or local path) made absolute."""
    if "://" in relative or ("://" not in base and Path(relative).is_absolute()):
        return relative
    if "://" in base:
        return urljoin(base, relative)
    return str((Path(base).parent / relative).resolve())


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
