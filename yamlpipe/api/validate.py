"""Checking files: load alone, or resolve and link with everything they use; lock files."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from yamlpipe.errors import YamlpipeError, YamlpipeErrors, has_errors
from yamlpipe.link import LinkResult, link_source, source_for_file
from yamlpipe.load import LoadResult, load_file, read_text_file
from yamlpipe.resolve import ResolveOptions, Resolver
from yamlpipe.resolve.cache import Cache, default_cache_root
from yamlpipe.resolve.config import ProjectConfig, load_config
from yamlpipe.resolve.lock import LockEntry, read_lock, write_lock

YAML_SUFFIXES = (".yaml", ".yml")
NOT_SPECS = frozenset({"yamlpipe.yaml", "yamlpipe.lock", "catalog.yaml", "catalog.yml"})


@dataclass(frozen=True)
class FileReport:
    """What checking one file found, with the texts of every file its messages point into."""

    file: str
    problems: tuple[YamlpipeError, ...]
    texts: Mapping[str, str] = field(default_factory=dict)
    link: LinkResult | None = None

    @property
    def ok(self) -> bool:
        return not has_errors(self.problems)


def discover_files(paths: Iterable[str]) -> Iterator[str]:
    """Files named directly, and every *.yaml/*.yml below named folders (sorted, no dotfiles)."""
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield raw
            continue
        for root, dirs, files in os.walk(path):
            dirs[:] = sorted(d for d in dirs if not d.startswith("."))
            for name in sorted(files):
                if _is_candidate(name):
                    yield os.path.join(root, name)


def _is_candidate(name: str) -> bool:
    return name.endswith(YAML_SUFFIXES) and not name.startswith(".") and name not in NOT_SPECS


class Workspace:
    """Resolvers shared by the files of one run: one per project (yamlpipe.yaml folder)."""

    def __init__(self, options: ResolveOptions, cache_root: Path | None = None) -> None:
        self.options = options
        self.cache = Cache(cache_root or default_cache_root())
        self.resolvers: dict[Path, Resolver] = {}

    def resolver_for(self, file: Path) -> Resolver:
        config = load_config(file)
        resolver = self.resolvers.get(config.root)
        if resolver is None:
            resolver = Resolver(config, self.cache, read_lock(config.lock_path), self.options)
            self.resolvers[config.root] = resolver
        return resolver

    def close(self) -> None:
        for resolver in self.resolvers.values():
            if resolver.fetcher is not None:
                resolver.fetcher.close()

    def check(self, file: str) -> FileReport:
        """Load and link one file; configuration problems become the file's problems."""
        try:
            text = read_text_file(file)
            resolver = self.resolver_for(Path(file))
        except YamlpipeErrors as problems:
            return FileReport(file, tuple(problems), _texts_of(problems))
        except YamlpipeError as problem:
            return FileReport(file, (problem,), {})
        result = link_source(source_for_file(Path(file), file, text), resolver)
        return FileReport(file, result.problems, result.texts, result)


def _texts_of(problems: Iterable[YamlpipeError]) -> dict[str, str]:
    texts = {}
    for problem in problems:
        name = problem.location.file
        if name not in texts and os.path.isfile(name):
            texts[name] = Path(name).read_text("utf-8", errors="replace")
    return texts


def validate_paths(
    paths: Iterable[str],
    *,
    resolve: bool = True,
    options: ResolveOptions | None = None,
    cache_root: Path | None = None,
) -> list[FileReport]:
    """Check every file under the given paths: alone (resolve=False) or with all it uses."""
    files = list(discover_files(paths))
    if not resolve:
        return [_report(load_file(f)) for f in files]
    workspace = Workspace(options or ResolveOptions(), cache_root)
    try:
        return [workspace.check(f) for f in files]
    finally:
        workspace.close()


def _report(result: LoadResult) -> FileReport:
    return FileReport(result.file, result.problems, {result.file: result.text})


@dataclass(frozen=True)
class LockReport:
    path: Path
    changed: bool
    entries: Mapping[str, LockEntry]
    files: list[FileReport]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)


def lock_paths(
    paths: Iterable[str],
    *,
    upgrade: frozenset[str] | None = frozenset(),
    offline: bool = False,
    check_only: bool = False,
    cache_root: Path | None = None,
) -> list[LockReport]:
    """Resolve every file and write each project's yamlpipe.lock (sorted, no timestamps)."""
    options = ResolveOptions(offline=offline, upgrade=upgrade)
    workspace = Workspace(options, cache_root)
    try:
        reports = [workspace.check(f) for f in discover_files(paths)]
    finally:
        workspace.close()
    results = []
    for resolver in workspace.resolvers.values():
        files = [r for r in reports if _belongs(r.file, resolver.config)]
        failed = not all(f.ok for f in files)
        changed = False
        if not failed and not check_only:
            changed = write_lock(resolver.config.lock_path, resolver.used)
        elif not failed:
            changed = (resolver.lock or {}) != resolver.used
        results.append(LockReport(resolver.config.lock_path, changed, dict(resolver.used), files))
    return results


def _belongs(file: str, config: ProjectConfig) -> bool:
    return load_config(Path(file)).root == config.root
