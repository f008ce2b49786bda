"""`yamlpipe catalog build|list|show|search`: component catalogs."""

from __future__ import annotations

import enum
import json
import re
import shlex
from collections.abc import Sequence
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer

from yamlpipe import api
from yamlpipe.cli import render
from yamlpipe.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    Format,
    FormatOption,
    print_diagnostics,
)
from yamlpipe.cli.render import visible
from yamlpipe.errors import YamlpipeError, YamlpipeErrors

catalog_app = typer.Typer(
    name="catalog",
    help="Build a catalog index from a folder of components, and read one (list, show, "
    "search).\n\nA catalog is a YAML index of component files (name, version, url, sha256, "
    "inputs/outputs) served from a folder or any URL. Name catalogs in yamlpipe.yaml "
    "(`catalogs: {team: path-or-url}`) and use their entries in pipelines as "
    "`component: [CATALOG/]NAME[@VERSION]`.",
    short_help="Build a component catalog, and read one.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
DESCRIPTION_WIDTH = 80
_SENTENCE_END = re.compile(r"(?<=[a-z0-9)`])\. (?=[A-Z])")


class ReadFormat(enum.StrEnum):
    text = "text"
    json = "json"


SourceArgument = Annotated[
    str,
    typer.Argument(
        metavar="SOURCE",
        help="A catalog index: a file, a folder holding catalog.yaml, an http(s) URL, or the "
        "name of a catalog in yamlpipe.yaml.",
        show_default=False,
    ),
]
ReadFormatOption = Annotated[
    ReadFormat,
    typer.Option("--format", "-f", metavar="FORMAT", help="text (for people) or json."),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.add_typer(catalog_app, name="catalog")


# ---- build ---------------------------------------------------------------------------------


@catalog_app.command(short_help="Write a catalog index of a folder of components.")
def build(
    folder: Annotated[
        Path,
        typer.Argument(
            help="Folder of components: <name>/component.yaml, or "
            "<name>/<version>/component.yaml for several versions.",
            exists=True,
            file_okay=False,
            metavar="FOLDER",
            show_default=False,
        ),
    ],
    out: Annotated[
        Path | None,
        typer.Option(
            "--output",
            "-o",
            metavar="FILE",
            help="Where to write the index (default: FOLDER/catalog.yaml). Entry URLs are "
            "relative to it.",
            show_default=False,
        ),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(
            "--base-url",
            metavar="URL",
            help="The URL FOLDER is served at: entry URLs become absolute (URL/<path below "
            "FOLDER>) instead of relative to the index.",
        ),
    ] = None,
    check: Annotated[
        bool,
        typer.Option("--check", help="Write nothing; exit 1 when FILE is not what build writes."),
    ] = False,
    output_format: FormatOption = Format.text,
) -> None:
    """Write a catalog index of every component below FOLDER.

    Each entry gets its name from its folder, its version from a <version>/ folder, else
    metadata.annotations.version, else 0.1.0; the sha256 of the file's bytes; and a summary
    of the component (name, description, inputs, outputs). The output is deterministic
    (sorted, no timestamps), so it can be committed and checked in CI with --check.

    Exit codes: 0 written or current, 1 a component has errors (or, with --check, the index
    is not current), 2 usage error.
    """
    if base_url is not None and "://" not in base_url:
        _usage_error(f"--base-url must be an http(s) URL, not {base_url!r}")
    target = out or folder / "catalog.yaml"
    try:
        result = api.build_catalog_file(folder, target, base_url=base_url, check=check)
    except YamlpipeErrors as problems:
        _fail_with_reports(problems, output_format)
    except YamlpipeError as problem:
        _fail_with_reports([problem], output_format)
    stale = check and result.changed
    if output_format is Format.json:
        typer.echo(json.dumps(_build_record(result), indent=2))
    else:
        typer.echo(_build_message(result, check), err=True)
        if stale:
            typer.echo(f"  rebuild it: {_build_command(folder, out, base_url)}", err=True)
    raise typer.Exit(EXIT_INVALID if stale else EXIT_OK)


def _build_message(result: api.BuildResult, check: bool) -> str:
    state = ("not current" if check else "written") if result.changed else "up to date"
    count = f"{result.entries} entr{'ies' if result.entries != 1 else 'y'}"
    return f"{render.display(result.path)}: {state} ({count})"


def _build_record(result: api.BuildResult) -> dict[str, Any]:
    return {
        "path": str(result.path),
        "entries": result.entries,
        "changed": result.changed,
        "written": result.written,
    }


def _build_command(folder: Path, out: Path | None, base_url: str | None) -> str:
    words = ["yamlpipe", "catalog", "build", str(folder)]
    words += ["-o", str(out)] if out is not None else []
    words += ["--base-url", base_url] if base_url is not None else []
    return shlex.join(words)


# ---- list, show, search ----------------------------------------------------------------------


@catalog_app.command("list", short_help="List a catalog's entries.")
def list_entries(source: SourceArgument, output_format: ReadFormatOption = ReadFormat.text) -> None:
    """List a catalog's entries: name, versions (newest first) and description."""
    catalog = _open(source, output_format)
    if output_format is ReadFormat.json:
        _echo_entries_json([e for name in catalog.names() for e in catalog.versions(name)])
    else:
        _echo_table(catalog, [catalog.versions(name) for name in catalog.names()])
    raise typer.Exit(EXIT_OK)


@catalog_app.command(short_help="Show an entry: versions, URL, sha256, inputs, outputs.")
def show(
    source: SourceArgument,
    entry: Annotated[
        str,
        typer.Argument(
            metavar="NAME[@VERSION]",
            help="NAME, NAME@VERSION or NAME@latest (a CATALOG/ prefix is ignored).",
            show_default=False,
        ),
    ],
    output_format: ReadFormatOption = ReadFormat.text,
) -> None:
    """Show an entry in full: every version (newest first) or the one asked for, with its
    URL, sha256, description, inputs and outputs.

    Exit codes: 0 found, 1 the catalog is invalid, 2 usage error (no such entry or version:
    the message lists what there is).
    """
    catalog = _open(source, output_format)
    name, _, version = entry.rpartition("/")[2].partition("@")
    try:
        found = api.lookup_entries(catalog, name, version or None)
    except YamlpipeError as problem:
        _fail_with_problem(problem, output_format)
    if output_format is ReadFormat.json:
        _echo_entries_json(found)
    else:
        typer.echo("\n\n".join(_entry_text(e) for e in found))
    raise typer.Exit(EXIT_OK)


@catalog_app.command(short_help="Find entries by words in their name or description.")
def search(
    source: SourceArgument,
    words: Annotated[
        list[str],
        typer.Argument(
            metavar="WORDS...",
            help="Words that must all appear in an entry's name, title or description "
            "(case-insensitive).",
            show_default=False,
        ),
    ],
    output_format: ReadFormatOption = ReadFormat.text,
) -> None:
    """Find entries whose name, title or description contain all the WORDS (newest version
    of each)."""
    catalog = _open(source, output_format)
    found = catalog.search(words)
    if output_format is ReadFormat.json:
        _echo_entries_json(found)
    elif not found:
        typer.echo(f"no entries match {' '.join(words)!r} in {visible(catalog.shown)}", err=True)
    else:
        _echo_table(catalog, [catalog.versions(e.name) for e in found])
    raise typer.Exit(EXIT_OK)


def _open(source: str, output_format: ReadFormat) -> api.Catalog:
    """The catalog SOURCE names; usage error when it names nothing, 1 when it is invalid."""
    try:
        located = api.locate_catalog(source)
        if located is None:
            _usage_error(
                f"no catalog {source!r}: not a file, a folder with catalog.yaml, an http(s) "
                "URL, or a catalog named in yamlpipe.yaml"
            )
        return api.open_catalog(located)
    except YamlpipeErrors as problems:
        _fail_with_reports(problems, output_format)
    except YamlpipeError as problem:
        _fail_with_reports([problem], output_format)


# ---- rendering -------------------------------------------------------------------------------


def _echo_entries_json(entries: Sequence[api.CatalogEntry]) -> None:
    typer.echo(json.dumps([api.entry_record(e) for e in entries], indent=2))


def _echo_table(catalog: api.Catalog, groups: Sequence[Sequence[api.CatalogEntry]]) -> None:
    """One row per entry name: name, versions newest first, the description's first line."""
    rows = [("NAME", "VERSIONS", "DESCRIPTION")]
    rows += [
        (visible(g[0].name), visible(", ".join(e.version for e in g)), _summary_line(g[0]))
        for g in groups
        if g
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(2)]
    for name, versions, description in rows:
        line = f"{name:<{widths[0]}}  {versions:<{widths[1]}}  {description}"
        typer.echo(line.rstrip())
    count = len(rows) - 1
    typer.echo(f"\n{count} entr{'ies' if count != 1 else 'y'} in {visible(catalog.shown)}")


def _summary_line(entry: api.CatalogEntry) -> str:
    """The description's first sentence (else the title), cut to fit a table row."""
    text = visible(" ".join((entry.description or entry.title or "").split()))
    sentence = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(".")
    if len(sentence) > DESCRIPTION_WIDTH:
        return sentence[: DESCRIPTION_WIDTH - 3].rstrip() + "..."
    return sentence


def _entry_text(entry: api.CatalogEntry) -> str:
    lines = [f"{entry.name}@{entry.version}" + (f"  ({entry.title})" if entry.title else "")]
    lines.append(f"  url:    {_shown_url(entry.url)}")
    lines.append(f"  sha256: {entry.sha256}")
    if entry.description:
        lines += ["", *(f"  {line}".rstrip() for line in entry.description.strip().splitlines())]
    for title, ports in (("inputs", entry.inputs), ("outputs", entry.outputs)):
        lines += ["", f"  {title}:", *_port_lines(ports)] if ports else []
    return "\n".join(visible(line) for line in lines)  # an index may come from anywhere


def _port_lines(ports: Sequence[dict[str, Any]]) -> list[str]:
    names = [str(p["name"]) for p in ports]
    kinds = [_type_text(p.get("type")) for p in ports]
    name_width, kind_width = max(map(len, names)), max(map(len, kinds))
    return [
        f"    {name:<{name_width}}  {kind:<{kind_width}}"
        f"{'  (optional)' if port.get('optional') else ''}".rstrip()
        for name, kind, port in zip(names, kinds, ports, strict=True)
    ]


def _type_text(value: Any) -> str:
    """A type as written in a component file: `CSV`, `{GCSPath: {data_type: CSV}}`."""
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {_type_text(v)}" for k, v in value.items()) + "}"
    return "" if value is None else str(value)


def _shown_url(url: str) -> str:
    return url if "://" in url else render.display(Path(url))


# ---- failing ---------------------------------------------------------------------------------


def _usage_error(message: str) -> NoReturn:
    typer.echo(f"yamlpipe: error: {message}", err=True)
    raise typer.Exit(EXIT_USAGE)


def _fail_with_reports(
    problems: Sequence[YamlpipeError] | YamlpipeErrors, fmt: Format | ReadFormat
) -> NoReturn:
    """Print located problems as `yamlpipe validate` does, and exit 1."""
    print_diagnostics(api.problem_reports(problems), Format(fmt.value))
    raise typer.Exit(EXIT_INVALID)


def _fail_with_problem(problem: YamlpipeError, fmt: ReadFormat) -> NoReturn:
    """A failed lookup: the message and its hint (no file summary), and exit 2 (asking for
    an entry that is not there is a usage mistake, as asking for a file is)."""
    if fmt is ReadFormat.json:
        typer.echo(json.dumps([render.problem_record(problem)], indent=2), err=True)
    else:
        typer.echo(render.render_problem_text(problem, ""), err=True)
    raise typer.Exit(EXIT_USAGE)
