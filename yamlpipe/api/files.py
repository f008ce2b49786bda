"""Finding and checking files: on their own (the light path of `validate --no-resolve`, which
imports neither the resolver nor the linker), or with everything they use."""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from yamlpipe.errors import Location, YamlpipeError, has_errors
from yamlpipe.load import LoadResult, load_file
from yamlpipe.load.files import is_within, project_root

if TYPE_CHECKING:
    from yamlpipe.link import LinkResult
    from yamlpipe.resolve import ResolveOptions

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
                    yield os.path.normpath(os.path.join(root, name))


def _is_candidate(name: str) -> bool:
    return name.endswith(YAML_SUFFIXES) and not name.startswith(".") and name not in NOT_SPECS


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
        return [_report(_load_alone(f)) for f in files]
    # Imported here: the resolver and linker are a third of start-up, and a check of files
    # on their own (editors, pre-commit) needs neither.
    from yamlpipe.api.validate import check_linked

    return check_linked(files, options, cache_root)


def _load_alone(file: str) -> LoadResult:
    """Load one file, unless it is a link to a file outside its project (which would show
    that file's lines in the messages)."""
    if not is_within(Path(file), (project_root(Path(file)),)):
        return LoadResult(file, None, None, (outside_project(file),))
    return load_file(file)


def outside_project(file: str) -> YamlpipeError:
    return YamlpipeError(
        Location(file),
        f"the file (a link) points outside the project ({project_root(Path(file))})",
        "local files must be inside the project root: the folder of yamlpipe.yaml, else of the "
        "git repository, else of the file checked",
    )


def _report(result: LoadResult) -> FileReport:
    return FileReport(result.file, result.problems, {result.file: result.text})
