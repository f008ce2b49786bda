"""`yamlpipe serve`: the server over this project's run store, with the one thing it needs
from this layer: checking an uploaded file (a pipeline file is validated and compiled, a
package read; Python is never run)."""

from __future__ import annotations

import importlib.util
import os
from pathlib import Path

from yamlpipe.api.compile import compile_file
from yamlpipe.compile import package_format
from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.resolve import ResolveOptions
from yamlpipe.resolve.remote import is_loopback
from yamlpipe.run.workflow import read_package_data
from yamlpipe.serve.service import ServeSettings, UploadCheck

EXTRA_MODULES = ("starlette", "uvicorn", "multipart")
"""What `pip install 'yamlpipe[serve]'` brings."""


def missing_modules() -> list[str]:
    """The modules of the serve extra that are not installed."""
    return [m for m in EXTRA_MODULES if importlib.util.find_spec(m) is None]


def check_upload(filename: str, data: bytes, folder: str) -> UploadCheck:
    """An uploaded file checked as `yamlpipe upload` checks one: a package read, a pipeline
    file validated and compiled as if it sat in `folder` (its relative references start
    there). Nothing is written, and Python is refused: uploaded code is never run."""
    fmt = package_format(filename)
    if filename.lower().endswith(".py"):
        return _refused(
            filename,
            "a Python file is not run here: uploaded code is never executed",
            f"turn it into pipeline YAML on your machine (yamlpipe generate pipeline "
            f"{filename}:FUNCTION -o pipeline.yaml) and upload that",
        )
    if fmt is None:
        return _refused(
            filename,
            "this is neither a pipeline file nor a package",
            "upload a pipeline file (.yaml) or a compiled package (.yaml, .zip, .tar.gz)",
        )
    if fmt == "yaml" and not _is_workflow(data):
        return _compile(os.path.join(folder, filename), data)
    try:
        return UploadCheck(read_package_data(data, filename).data)
    except YamlpipeError as problem:
        text = data.decode("utf-8", errors="replace") if fmt == "yaml" else ""
        return UploadCheck(None, (problem,), {filename: text} if text else {})


def _is_workflow(data: bytes) -> bool:
    head = data[:65536].decode("utf-8", errors="replace")
    return any(line.rstrip() == "kind: Workflow" for line in head.splitlines())


def _compile(path: str, data: bytes) -> UploadCheck:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        return _refused(path, f"the file is not UTF-8 text: {exc}", "save it as UTF-8")
    report = compile_file(path, "yaml", options=ResolveOptions(), text=text)
    workflow = report.package.workflow if report.ok and report.package is not None else None
    return UploadCheck(workflow, report.problems, {**report.texts, path: text})


def _refused(file: str, message: str, hint: str) -> UploadCheck:
    return UploadCheck(None, (YamlpipeError(Location(file), message, hint),))


def serve_project(
    root: Path,
    *,
    bind: str = "127.0.0.1",
    port: int = 8888,
    backend: str = "subprocess",
    jobs: int = 0,
    token: str | None = None,
) -> None:
    """Serve the project at `root` until stopped (the serve extra must be installed)."""
    # Imported here, not above: uvicorn is an optional extra, and this module also says
    # which of its modules are missing.
    from yamlpipe.serve.server import serve

    settings = ServeSettings(root.resolve(), backend, jobs, token)
    serve(settings, check_upload, bind, port)


__all__ = ["check_upload", "is_loopback", "missing_modules", "serve_project"]
