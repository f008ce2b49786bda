"""HTML for the pages, written by hand: a layout, state badges, located problems with their
source lines, the run's DAG as boxes (edges are drawn in the browser), and what a task
wrote (text, pretty JSON, CSV as a table). Every value is escaped where it is written."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Iterable, Mapping, Sequence
from html import escape
from typing import Any

from yamlpipe.errors import YamlpipeError
from yamlpipe.run.graph import Box

NAV = (("Runs", "/ui/runs"), ("Pipelines", "/ui/pipelines"), ("Experiments", "/ui/experiments"))
PREVIEW_BYTES = 1024 * 1024
"""How much of a task's output a panel shows."""
CSV_ROWS = 200


def e(value: object) -> str:
    return escape(str(value), quote=True)


def page(title: str, body: str, here: str = "", where: str = "") -> str:
    """A whole page: the navigation bar and `body`."""
    links = "".join(
        f'<a href="{href}"{" class=here" if href == here else ""}>{name}</a>' for name, href in NAV
    )
    return (
        "<!DOCTYPE html><html lang=en><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        f"<title>{e(title)} · yamlpipe</title>"
        '<link rel=stylesheet href="/static/app.css"><script src="/static/app.js" defer></script>'
        f'</head><body><header class=top><a class=brand href="/ui/runs">yamlpipe</a>{links}'
        f"<span class=where>{e(where)}</span></header><main>{body}</main></body></html>"
    )


def state(text: str, attrs: str = "") -> str:
    return f'<span class="state s-{e(text.lower())}"{attrs}>{e(text)}</span>'


def when(seconds: float | None) -> str:
    if not seconds:
        return "—"
    return time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(seconds))


def duration(seconds: float | None) -> str:
    if seconds is None:
        return "—"
    whole = int(seconds)
    if whole < 60:
        return f"{seconds:.1f} s"
    minutes, secs = divmod(whole, 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s"


def table(headers: Sequence[str], rows: Iterable[str], attrs: str = "") -> str:
    head = "".join(f"<th>{e(h)}</th>" for h in headers)
    body = "".join(rows) or f"<tr><td colspan={len(headers)} class=muted>None yet.</td></tr>"
    return (
        f"<div class=scroll><table{attrs}><thead><tr>{head}</tr></thead>"
        f"<tbody>{body}</tbody></table></div>"
    )


def csrf_field(token: str) -> str:
    return f'<input type=hidden name=csrf value="{e(token)}">'


# ---- problems --------------------------------------------------------------------------------


def problems_html(problems: Iterable[YamlpipeError], texts: Mapping[str, str]) -> str:
    """Located problems as `yamlpipe validate` prints them: where, what, the line, a hint."""
    items = "".join(_problem(p, texts.get(p.location.file)) for p in problems)
    return f'<div class="card problems" id=problems><h2>This cannot be uploaded</h2>{items}</div>'


def _problem(problem: YamlpipeError, text: str | None) -> str:
    hint = f"<div class=hint>hint: {e(problem.hint)}</div>" if problem.hint else ""
    return (
        f"<div class=problem><div class=where>{e(problem.location)}: "
        f"<strong>{e(problem.severity)}</strong>: {e(problem.message)}</div>"
        f"{_source(problem, text)}{hint}</div>"
    )


def _source(problem: YamlpipeError, text: str | None) -> str:
    line, column = problem.location.line, problem.location.column
    lines = (text or "").splitlines()
    if line <= 0 or line > len(lines):
        return ""
    source = lines[line - 1]
    start = max(0, column - 1)
    end = min(len(source), start + problem.span) if column > 0 else start
    marked = e(source[:start]) + f"<mark class=caret>{e(source[start:end]) or ' '}</mark>"
    return f"<pre class=plain>{line:>5} | {marked}{e(source[end:])}</pre>"


# ---- the DAG ---------------------------------------------------------------------------------


def _levels(boxes: Sequence[Box]) -> list[list[Box]]:
    """Boxes in rows: each one row below the lowest box it comes after."""
    by_id = {b.id: b for b in boxes}
    depth: dict[str, int] = {}

    def depth_of(box: Box, seen: frozenset[str] = frozenset()) -> int:
        if box.id not in depth:
            deps = [by_id[d] for d in box.after if d in by_id and d not in seen]
            depth[box.id] = 1 + max((depth_of(d, seen | {box.id}) for d in deps), default=-1)
        return depth[box.id]

    rows: list[list[Box]] = []
    for box in boxes:
        level = depth_of(box)
        rows.extend([] for _ in range(level + 1 - len(rows)))
        rows[level].append(box)
    return rows


def dag_html(boxes: Sequence[Box], nodes: Mapping[str, Sequence[int]]) -> str:
    """The DAG's boxes (groups framed, with their own rows); `nodes` are the node ids of
    each box's task, which a click opens."""
    return (
        "<div class=dag-wrap><svg class=edges aria-hidden=true></svg>"
        f"<div class=dag>{_rows(boxes, nodes)}</div></div>"
    )


def _rows(boxes: Sequence[Box], nodes: Mapping[str, Sequence[int]]) -> str:
    return "".join(
        "<div class=level>" + "".join(_box(b, nodes) for b in row) + "</div>"
        for row in _levels(boxes)
    )


def _box(box: Box, nodes: Mapping[str, Sequence[int]]) -> str:
    after = f' data-after="{e(" ".join(box.after))}"' if box.after else ""
    name, _, rest = box.label.partition("\n")
    if box.children:
        return (
            f'<div class=group id="{e(box.id)}"{after}><div class=glabel>{e(box.label)}</div>'
            f"<div class=dag>{_rows(box.children, nodes)}</div></div>"
        )
    ids = " ".join(str(n) for n in nodes.get(box.id, ()))
    return (
        f'<div class="box s-{e(box.state.lower())}" id="{e(box.id)}" tabindex=0 role=button '
        f'title="{e(box.state)}" data-nodes="{ids}"{after}>{e(name)}'
        f"<span class=counts>{e(rest)}</span></div>"
    )


# ---- what a task wrote -------------------------------------------------------------------------


def preview(data: bytes, name: str) -> str:
    """The first megabyte of an output: JSON pretty, CSV as a table, else text."""
    cut = len(data) > PREVIEW_BYTES
    data = data[:PREVIEW_BYTES]
    text = data.decode("utf-8", errors="replace")
    note = "<div class=muted>(the first 1 MB)</div>" if cut else ""
    for render in (_json_preview, _csv_preview):
        shown = render(text, name, cut)
        if shown is not None:
            return shown + note
    return f"<pre class=plain>{e(text)}</pre>{note}"


def _json_preview(text: str, name: str, cut: bool) -> str | None:
    stripped = text.strip()
    if cut or not stripped or stripped[0] not in "[{":
        return None
    try:
        value: Any = json.loads(stripped)
    except ValueError:
        return None
    return f"<pre class=plain>{e(json.dumps(value, indent=2, ensure_ascii=False))}</pre>"


def _csv_preview(text: str, name: str, cut: bool) -> str | None:
    lines = text.splitlines()
    if len(lines) < 2 or not (name.lower().endswith(".csv") or _looks_like_csv(lines)):
        return None
    rows = list(csv.reader(io.StringIO("\n".join(lines[: CSV_ROWS + 1]))))
    header, body = rows[0], rows[1:]
    more = f"<div class=muted>{len(lines) - 1} rows; the first {CSV_ROWS} shown</div>"
    cells = ("<tr>" + "".join(f"<td>{e(c)}</td>" for c in row) + "</tr>" for row in body)
    return table(header, cells) + (more if len(lines) - 1 > CSV_ROWS else "")


def _looks_like_csv(lines: list[str]) -> bool:
    """Several lines with the same number of commas (at least one) read as CSV."""
    sample = [line for line in lines[:20] if line.strip()]
    commas = {line.count(",") for line in sample}
    return len(sample) >= 2 and len(commas) == 1 and commas != {0}


__all__ = [
    "csrf_field",
    "dag_html",
    "duration",
    "e",
    "page",
    "preview",
    "problems_html",
    "state",
    "table",
    "when",
]
