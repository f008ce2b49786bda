"""Checking files with everything they use (resolve and link), and writing lock files."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from yamlpipe.api.discover import discover_files
from yamlpipe.api.files import FileReport, skip_foreign
from yamlpipe.errors import Location, YamlpipeError, YamlpipeErrors
from yamlpipe.link import link_source, source_for_file
from yamlpipe.load import read_text_file
from yamlpipe.load.files import source_text
from yamlpipe.resolve import ResolveOptions, Resolver, display_path
from yamlpipe.resolve.cache import Cache, default_cache_root
from yamlpipe.resolve.config import LOCK_NAME, load_config
from yamlpipe.resolve.lock import LockEntry, is_lock_current, read_lock, write_lock
from yamlpipe.resolve.refs import selects


class Workspace:
    """Resolvers shared by the files of one run: one per project (yamlpipe.yaml folder)."""

    def __init__(self, options: ResolveOptions, cache_root: Path | None = None) -> None:
        self.options = options
        self.cache = Cache(cache_root or default_cache_root())
        self.resolvers: dict[tuple[Path, tuple[Path, ...]], Resolver] = {}
        self.owners: dict[str, Resolver] = {}
        """File -> the resolver (project) it was checked with."""

    def resolver_for(self, file: Path) -> Resolver:
        config = load_config(file)
        key = (config.root, config.local_roots)  # without yamlpipe.yaml: one per repository
        resolver = self.resolvers.get(key)
        if resolver is None:
            lock = read_lock(config.lock_path, display_path(config.lock_path))
            resolver = Resolver(config, self.cache, lock, self.options)
            self.resolvers[key] = resolver
        return resolver

    def close(self) -> None:
        for resolver in self.resolvers.values():
            if resolver.fetcher is not None:
                resolver.fetcher.close()

    def check(self, file: str, text: str | None = None) -> FileReport:
        """Load and link one file (or `text` as if it were that file: an upload checked where
        it would sit); configuration problems become the file's problems."""
        try:
            resolver = self.resolver_for(Path(file))
            self.owners[file] = resolver
            if text is None:
                resolver.check_inside(Path(file), Location(file), "the file (a link)")
                text = read_text_file(file)
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
        if name not in texts and (text := source_text(name)) is not None:
            texts[name] = text
    return texts


def check_linked(
    files: Sequence[str], options: ResolveOptions | None, cache_root: Path | None
) -> list[FileReport]:
    """Resolve and link each file with everything it uses (one workspace for the run)."""
    workspace = Workspace(options or ResolveOptions(), cache_root)
    try:
        return [workspace.check(f) for f in files]
    finally:
        workspace.close()


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
    """Resolve every file and write each project's yamlpipe.lock (sorted, no timestamps).

    Nothing is written for a project with any invalid file; with check_only nothing is
    written at all, and `changed` says whether the lock would change.
    """
    options = ResolveOptions(offline=offline, upgrade=upgrade)
    workspace = Workspace(options, cache_root)
    targets = list(paths)
    try:
        opened = [_open_project(workspace, Path(t)) for t in targets]
        reports = [skip_foreign(workspace.check(f)) for f in discover_files(targets)]
    finally:
        workspace.close()
    resolvers = list(workspace.resolvers.values())
    unknown = _unknown_upgrades(upgrade, resolvers)
    results = []
    for index, resolver in enumerate(resolvers):
        files = [r for r in reports if workspace.owners.get(r.file) is resolver]
        if index == 0 and unknown is not None:
            files.append(unknown)
        results.append(_lock_project(resolver, files, check_only))
    unowned = [r for r in (*opened, *reports) if r is not None and r.file not in workspace.owners]
    if unowned:  # an invalid yamlpipe.yaml or yamlpipe.lock: no project to lock, but errors
        results.append(LockReport(Path(LOCK_NAME), False, {}, _merged(unowned)))
    return results


def _open_project(workspace: Workspace, target: Path) -> FileReport | None:
    """Read the configuration and lock of a target's project, even when it holds no file."""
    try:
        workspace.resolver_for(target)
    except YamlpipeErrors as problems:
        return FileReport(str(target), tuple(problems), _texts_of(problems))
    except YamlpipeError as problem:
        return FileReport(str(target), (problem,), {})
    return None


def _merged(reports: Sequence[FileReport]) -> list[FileReport]:
    """Reports of files that never reached a project, each problem once, grouped by file."""
    by_file: dict[str, dict[tuple[str, str], YamlpipeError]] = {}
    for report in reports:
        for problem in report.problems:
            found = by_file.setdefault(problem.location.file, {})
            found.setdefault((str(problem.location), problem.message), problem)
    texts = {name: text for r in reports for name, text in r.texts.items()}
    return [
        FileReport(name, tuple(found.values()), texts) for name, found in sorted(by_file.items())
    ]


def _lock_project(resolver: Resolver, files: list[FileReport], check_only: bool) -> LockReport:
    path, entries = resolver.config.lock_path, dict(resolver.used)
    changed = False
    if not all(f.ok for f in files):
        pass
    elif check_only:
        changed = not is_lock_current(path, entries)
    else:
        try:
            changed = write_lock(path, entries, display_path(path))
        except YamlpipeError as problem:
            files = [*files, FileReport(problem.location.file, (problem,))]
    return LockReport(path, changed, entries, files)


def _unknown_upgrades(
    upgrade: frozenset[str] | None, resolvers: Sequence[Resolver]
) -> FileReport | None:
    """`lock --upgrade REF` for a REF that no file uses is a mistake, not a no-op (a
    reference that failed to resolve is still used: that failure is reported instead)."""
    used = sorted({key for r in resolvers for key in (*r.used, *r.requested)})
    unknown = sorted(s for s in upgrade or () if not any(selects(s, key) for key in used))
    if not unknown or not resolvers:
        return None
    where = Location(display_path(resolvers[0].config.lock_path))
    problems = tuple(
        YamlpipeError(
            where,
            f"nothing to upgrade: no file uses the reference {ref!r}",
            "references: " + ", ".join(used) if used else "no file uses a remote reference",
        )
        for ref in unknown
    )
    return FileReport(where.file, problems)
