"""Checking the files found: on their own (the light path of `validate --no-resolve`, which
imports neither the resolver nor the linker), or with everything they use."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING

from yamlpipe.api.discover import Discovery, discover
from yamlpipe.errors import NOTE, Location, YamlpipeError, has_errors
from yamlpipe.load import ForeignFile, LoadResult, load_file
from yamlpipe.load.files import is_within, project_root

if TYPE_CHECKING:
    from yamlpipe.link import LinkResult
    from yamlpipe.resolve import ResolveOptions


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

    @property
    def skipped(self) -> bool:
        """Not checked: clearly not a component or pipeline (its note says what it is)."""
        return bool(self.problems) and all(p.severity == NOTE for p in self.problems)

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.is_warning)


def validate_paths(
    paths: Iterable[str],
    *,
    resolve: bool = True,
    options: ResolveOptions | None = None,
    cache_root: Path | None = None,
    exclude: Sequence[str] = (),
) -> list[FileReport]:
    """Check every file under the given paths: alone (resolve=False) or with all it uses."""
    return validate_discovered(discover(paths, exclude), resolve, options, cache_root)


def validate_discovered(
    found: Discovery,
    resolve: bool = True,
    options: ResolveOptions | None = None,
    cache_root: Path | None = None,
) -> list[FileReport]:
    """Check the files found."""
    if not resolve:
        return [skip_foreign(_report(_load_alone(f))) for f in found.files]
    # Imported here: the resolver and linker are a third of start-up, and a check of files
    # on their own (editors) needs neither.
    from yamlpipe.api.validate import check_linked

    return [skip_foreign(r) for r in check_linked(found.files, options, cache_root)]


def skip_foreign(report: FileReport) -> FileReport:
    """A file checked that is clearly not a component or pipeline (a compiled package):
    skipped with a note, not an error; a pipeline that refers to one keeps its error."""
    if len(report.problems) != 1:
        return report
    [problem] = report.problems
    if not isinstance(problem, ForeignFile) or problem.location.file != report.file:
        return report
    note = YamlpipeError(Location(report.file), f"skipped: {problem.message}", severity=NOTE)
    return replace(report, problems=(note,))


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
