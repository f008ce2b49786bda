"""Package files: `.yaml`, `.zip` or `.tar.gz` (one `pipeline.yaml` entry), chosen by the
output's extension, byte-identical for identical input, written atomically."""

from __future__ import annotations

import difflib
import gzip
import io
import os
import re
import tarfile
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from yamlpipe.compile.yamlwrite import dump_workflow
from yamlpipe.load.yamltext import gc_paused

ENTRY = "pipeline.yaml"
"""The one file inside a .zip or .tar.gz package, as KFP's compiler names it."""
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
"""The earliest time a zip entry can carry: fixed, so equal inputs give equal bytes."""
SIZE_WARNING = 768 * 1024
SIZE_LIMIT = 1024 * 1024
"""Kubernetes keeps an object (the Workflow) under about 1 MiB."""
_TEMPLATE_START = re.compile(r"^  - name: (\S+)$")


def package_format(path: str | os.PathLike[str]) -> str | None:
    """`yaml`, `zip` or `tar.gz` from the file name, else None."""
    name = os.fspath(path).lower()
    for suffix, kind in ((".tar.gz", "tar.gz"), (".tgz", "tar.gz"), (".zip", "zip")):
        if name.endswith(suffix):
            return kind
    return "yaml" if name.endswith((".yaml", ".yml")) else None


def package_stem(path: str | os.PathLike[str]) -> str:
    """A package or pipeline file's name without its folder and its package suffix."""
    name = os.path.basename(os.fspath(path))
    for suffix in (".tar.gz", ".tgz", ".zip", ".yaml", ".yml"):
        if name.lower().endswith(suffix):
            return name[: -len(suffix)]
    return name


def _zip_bytes(text: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        info = zipfile.ZipInfo(ENTRY, date_time=ZIP_TIME)
        info.compress_type = zipfile.ZIP_DEFLATED
        info.external_attr = 0o644 << 16
        info.create_system = 3
        archive.writestr(info, text)
    return buffer.getvalue()


def _tar_gz_bytes(text: bytes) -> bytes:
    buffer = io.BytesIO()
    info = tarfile.TarInfo(ENTRY)
    info.size, info.mode, info.mtime = len(text), 0o644, 0
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as compressed,
        tarfile.open(fileobj=compressed, mode="w", format=tarfile.USTAR_FORMAT) as archive,
    ):
        archive.addfile(info, io.BytesIO(text))
    return buffer.getvalue()


PACKERS: dict[str, Callable[[bytes], bytes]] = {
    "yaml": lambda text: text,
    "zip": _zip_bytes,
    "tar.gz": _tar_gz_bytes,
}


@dataclass(frozen=True)
class Package:
    """A compiled Workflow as text and as the bytes of one package format."""

    workflow: dict[str, Any]
    text: str
    format: str
    data: bytes
    template_sizes: dict[str, int]
    """Template name -> the bytes it takes in the Workflow."""

    @property
    def workflow_size(self) -> int:
        """Bytes of the Workflow itself, which is what the cluster stores."""
        return len(self.text.encode("utf-8"))

    @property
    def template_count(self) -> int:
        return len(self.workflow["spec"]["templates"])


def build_package(workflow: dict[str, Any], fmt: str) -> Package:
    with gc_paused():
        text, sizes = dump_workflow(workflow)
    return Package(workflow, text, fmt, PACKERS[fmt](text.encode("utf-8")), sizes)


def largest_templates(package: Package, count: int = 5) -> list[tuple[str, int]]:
    """The biggest templates by YAML bytes, biggest first."""
    return sorted(package.template_sizes.items(), key=lambda s: (-s[1], s[0]))[:count]


def read_package_text(data: bytes, fmt: str) -> str:
    """The pipeline.yaml inside a package (the file itself for .yaml); ValueError if unreadable."""
    try:
        if fmt == "zip":
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                return archive.read(ENTRY).decode("utf-8")
        if fmt == "tar.gz":
            with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as archive:
                member = archive.extractfile(ENTRY)
                if member is None:
                    raise ValueError(f"{ENTRY} is not a file")
                return member.read().decode("utf-8")
        return data.decode("utf-8")
    except (OSError, KeyError, zipfile.BadZipFile, tarfile.TarError, UnicodeDecodeError) as exc:
        raise ValueError(str(exc)) from exc


def _sections(text: str) -> dict[str, str]:
    """Template name -> its YAML text, cut at each `  - name:` under spec.templates."""
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in text.splitlines():
        match = _TEMPLATE_START.match(line)
        if match:
            current = sections.setdefault(match.group(1), [])
        elif line and not line.startswith("    "):
            current = None
        if current is not None:
            current.append(line)
    return {k: "\n".join(v) for k, v in sections.items()}


def iter_diff_summary(old: str, new: str, context_lines: int = 8) -> Iterator[str]:
    """A few lines saying how two Workflows differ: templates changed, lines, first hunk."""
    before, after = _sections(old), _sections(new)
    changed = sorted(n for n in before.keys() & after.keys() if before[n] != after[n])
    for label, names in (
        ("changed", changed),
        ("added", sorted(after.keys() - before.keys())),
        ("removed", sorted(before.keys() - after.keys())),
    ):
        if names:
            yield f"templates {label}: {', '.join(names)}"
    diff = list(difflib.unified_diff(old.splitlines(), new.splitlines(), lineterm="", n=0))
    added = sum(1 for d in diff if d.startswith("+") and not d.startswith("+++"))
    removed = sum(1 for d in diff if d.startswith("-") and not d.startswith("---"))
    yield f"+{added} -{removed} lines"
    yield from (line[:160] for line in diff[2 : 2 + context_lines])
