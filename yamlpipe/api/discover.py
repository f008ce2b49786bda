"""Which files a check covers: every file named, and the YAML files below every folder named,
less dot-files, what git ignores, what is excluded (`--exclude`, `exclude:` in yamlpipe.yaml)
and the project's own data files (yamlpipe.yaml, yamlpipe.lock, catalog indexes).

What is named is what the person asked for: a file named is always checked (a pre-commit
hook names files; its own `exclude:` chooses them), and a folder named is searched even when
a glob names it; globs leave out what is found below it.
"""

from __future__ import annotations

import functools
import os
import re
import subprocess
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from yamlpipe.load import config_excludes
from yamlpipe.load.files import CONFIG_NAME, find_upwards

YAML_SUFFIXES = (".yaml", ".yml")
NOT_SPECS = frozenset({"yamlpipe.yaml", "yamlpipe.lock", "catalog.yaml", "catalog.yml"})
GIT_TIMEOUT = 30.0


@dataclass(frozen=True)
class Discovery:
    """The files to check, and the folders named that hold nothing to check, with why: a
    folder that yields no file is a mistake worth saying, not `0 files valid`."""

    files: tuple[str, ...]
    empty: tuple[tuple[str, str], ...] = ()


def discover(paths: Iterable[str], exclude: Sequence[str] = ()) -> Discovery:
    """Files named, and every *.yaml/*.yml below folders named that git does not ignore and
    no glob excludes (sorted). `exclude` globs are relative to the current folder; those of
    `exclude:` to their yamlpipe.yaml's folder."""
    excluder = Excluder(tuple(exclude))
    files: list[str] = []
    empty: list[tuple[str, str]] = []
    for raw in paths:
        if not Path(raw).is_dir():
            files.append(raw)
            continue
        found = list(_iter_folder(Path(raw)))
        kept = [f for f in found if excluder.why(f, raw) is None]
        files.extend(kept)
        if not kept:
            empty.append((raw, _why_empty(found, excluder, raw)))
    return Discovery(tuple(files), tuple(empty))


def discover_files(paths: Iterable[str], exclude: Sequence[str] = ()) -> Iterator[str]:
    """The files `discover` finds to check."""
    yield from discover(paths, exclude).files


def _why_empty(found: list[str], excluder: Excluder, folder: str) -> str:
    if not found:
        return "no *.yaml or *.yml files in it (dot-folders and files git ignores are left out)"
    return f"every file in it is excluded (by {excluder.why(found[0], folder)})"


# ---- walking a folder -------------------------------------------------------------------


def is_candidate(name: str) -> bool:
    """A file name that may hold a component or pipeline."""
    return name.endswith(YAML_SUFFIXES) and not name.startswith(".") and name not in NOT_SPECS


def _iter_folder(folder: Path) -> Iterator[str]:
    """Candidate files below folder, sorted: as git lists them when the folder is in a git
    repository (so that .gitignore is respected), else every one."""
    listed = git_listed(folder)
    if listed is None:
        yield from _walk(folder)
        return
    for relative in listed:
        parts = relative.split("/")
        if is_candidate(parts[-1]) and not any(p.startswith(".") for p in parts[:-1]):
            path = folder / relative
            if path.is_file():
                yield os.path.normpath(path)


def _walk(folder: Path) -> Iterator[str]:
    for root, dirs, names in os.walk(folder):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for name in sorted(names):
            if is_candidate(name):
                yield os.path.normpath(os.path.join(root, name))


def git_listed(folder: Path) -> list[str] | None:
    """Files below folder that git does not ignore (tracked, or untracked and not ignored),
    relative to it and sorted; None when git cannot say (no git, not a repository) or when
    the folder itself is ignored (a folder named on purpose is searched whole).

    core.fsmonitor is switched off: a repository's own config could otherwise make git run
    a program, and checking files never runs code from them."""
    git = ["git", "-c", "core.fsmonitor=false", "-C", str(folder), "ls-files", "-z"]
    listed = _git_output([*git, "--cached", "--others", "--exclude-standard", "--", "."])
    if listed is None:
        return None
    names = sorted(n for n in listed.split("\0") if n)
    if not names and _git_output([*git, "--others", "--ignored", "--exclude-standard"]):
        return None
    return names


def _git_output(command: list[str]) -> str | None:
    try:
        done = subprocess.run(
            command, capture_output=True, timeout=GIT_TIMEOUT, check=False, stdin=subprocess.DEVNULL
        )
    except (OSError, subprocess.TimeoutExpired):
        return None
    return done.stdout.decode("utf-8", "surrogateescape") if done.returncode == 0 else None


# ---- excluding ----------------------------------------------------------------------------


class Excluder:
    """Says why a file found below a folder is left out: an `--exclude` glob (relative to
    the current folder) or an `exclude:` glob of the yamlpipe.yaml above it (relative to
    that file's folder). Globs apply below the folder searched, never to it."""

    def __init__(self, exclude: tuple[str, ...]) -> None:
        self.exclude = exclude
        self.cwd = Path.cwd().resolve()
        self.projects: dict[Path, Path | None] = {}
        """Folder -> the folder of the yamlpipe.yaml that applies there."""
        self.globs: dict[Path, tuple[str, ...]] = {}

    def why(self, file: str, searched: str) -> str | None:
        """Why the file is left out, naming the glob and where it came from; None if not."""
        path, folder = Path(file).resolve(), Path(searched).resolve()
        for glob in self.exclude:
            if _excludes(glob, path, folder, self.cwd):
                return f"--exclude {glob!r}"
        root = self.project_of(path.parent)
        for glob in self.project_globs(root) if root is not None else ():
            if root is not None and _excludes(glob, path, folder, root):
                return f"exclude: {glob!r} in {_shown(root / CONFIG_NAME, self.cwd)}"
        return None

    def project_of(self, folder: Path) -> Path | None:
        if folder not in self.projects:
            self.projects[folder] = find_upwards(folder, CONFIG_NAME)
        return self.projects[folder]

    def project_globs(self, root: Path) -> tuple[str, ...]:
        if root not in self.globs:
            self.globs[root] = config_excludes(root / CONFIG_NAME)
        return self.globs[root]


def _excludes(glob: str, path: Path, searched: Path, base: Path) -> bool:
    """Whether a glob relative to base leaves out path, found while searching a folder: only
    the part of path below that folder may match (the folder was asked for by name)."""
    if not path.is_relative_to(base):
        return False
    parts = path.relative_to(base).parts
    start = len(searched.relative_to(base).parts) if searched.is_relative_to(base) else 0
    return matches(glob, "/".join(parts), start)


def _shown(path: Path, cwd: Path) -> str:
    return os.path.relpath(path, cwd)


def matches(glob: str, relative: str, start: int = 0) -> bool:
    """Whether a glob names a file by its /-separated path relative to the glob's folder, as
    .gitignore reads globs: without a `/` (a trailing one aside) it names a file or folder
    at any depth, else a path from the folder; naming a folder names all below it; `*` and
    `?` stay within one name, `**` crosses folders. Only names after the first `start` of
    the path may match (those of a folder named on the command line may not)."""
    pattern = glob.strip().removeprefix("./")
    folder_only = pattern.endswith("/")
    pattern = pattern.strip("/")
    parts = relative.split("/")
    ends = range(max(start, 0) + 1, len(parts) + (0 if folder_only else 1))
    if not pattern:
        return False
    regex = _glob_regex(pattern)
    if "/" not in pattern:
        return any(regex.fullmatch(parts[end - 1]) for end in ends)
    return any(regex.fullmatch("/".join(parts[:end])) for end in ends)


@functools.lru_cache(maxsize=256)
def _glob_regex(pattern: str) -> re.Pattern[str]:
    """A glob as a regular expression over /-separated paths (a pure function of its text,
    so caching it is safe from any thread)."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        else:
            out.append(_GLOB_CHARS.get(pattern[i]) or re.escape(pattern[i]))
            i += 1
    return re.compile("".join(out))


_GLOB_CHARS = {"*": "[^/]*", "?": "[^/]"}
