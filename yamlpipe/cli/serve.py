"""`yamlpipe serve`: the KFP-compatible server and web pages over this project's run store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from yamlpipe.cli.common import EXIT_INVALID, EXIT_OK, EXIT_USAGE, LazyModule
from yamlpipe.cli.run import BackendName

if TYPE_CHECKING:
    from yamlpipe.api import serve as serve_api
    from yamlpipe.run import runner
    from yamlpipe.run import store as stores
else:
    serve_api = LazyModule("yamlpipe.api.serve")
    runner = LazyModule("yamlpipe.run.runner")
    stores = LazyModule("yamlpipe.run.store")

MAX_TOKEN_BYTES = 4096


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command(name="serve", short_help="Serve KFP's API and web pages over the run store.")(
        serve_command
    )


def _fail(message: str, hint: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"yamlpipe: error: {message}\n      = hint: {hint}", err=True)
    raise typer.Exit(code)


def _read_token(path: str) -> str:
    try:
        with open(path, encoding="utf-8") as stream:
            token = stream.read(MAX_TOKEN_BYTES + 1).strip()
    except (OSError, UnicodeDecodeError) as exc:
        _fail(
            f"cannot read the token file {path}: {exc}", "give a file holding one line: the token"
        )
    if len(token) < 16 or len(token) > MAX_TOKEN_BYTES or any(c.isspace() for c in token):
        _fail(
            f"the token in {path} must be one word of 16 to {MAX_TOKEN_BYTES} characters",
            'make one with: python -c "import secrets; print(secrets.token_urlsafe(32))" > FILE',
        )
    return token


def serve_command(
    bind: Annotated[
        str,
        typer.Option(
            "--bind",
            metavar="ADDRESS",
            help="The address to listen on. Anything but loopback needs --token-file.",
        ),
    ] = "127.0.0.1",
    port: Annotated[
        int, typer.Option("--port", metavar="PORT", min=0, max=65535, help="The port.")
    ] = 8888,
    backend: Annotated[
        BackendName,
        typer.Option(
            "--backend", metavar="BACKEND", help="Where steps run: subprocess (here) or docker."
        ),
    ] = BackendName.subprocess,
    jobs: Annotated[
        int,
        typer.Option(
            "--jobs", "-j", metavar="N", min=0, help="Steps at once per run (default: the cores)."
        ),
    ] = 0,
    token_file: Annotated[
        str | None,
        typer.Option(
            "--token-file",
            metavar="FILE",
            help="A file holding the token every write (upload, run, terminate) must carry.",
        ),
    ] = None,
) -> None:
    """Serve KFP's v1beta1 API and web pages over this project's run store: upload pipelines,
    start runs, watch them. kfp.Client(host=URL) and yamlpipe.Client(host=URL) work against it.

    Runs execute in the background, here; Ctrl-C or SIGTERM stops them and records them.
    Exit codes: 0 stopped, 1 the server could not start, 2 usage error.
    """
    missing = serve_api.missing_modules()
    if missing:
        _fail(
            f"yamlpipe serve needs {', '.join(missing)}, which is not installed",
            "pip install 'yamlpipe[serve]'",
        )
    token = _read_token(token_file) if token_file else None
    if token is None and not serve_api.is_loopback(bind):
        _fail(
            f"--bind {bind} lets other machines in; that needs a token",
            "give --token-file FILE (every write must then carry it), or keep --bind 127.0.0.1",
        )
    root = runner.project_root(Path.cwd())
    host = f"[{bind}]" if ":" in bind else bind
    typer.echo(f"yamlpipe serve: http://{host}:{port}/ over {root} (Ctrl-C stops)", err=True)
    try:
        serve_api.serve_project(
            root, bind=bind, port=port, backend=backend.value, jobs=jobs, token=token
        )
    except OSError as exc:
        _fail(
            f"cannot serve on {bind}:{port}: {exc.strerror or exc}",
            "choose another --port, or an address of this machine for --bind",
            EXIT_INVALID,
        )
    except stores.StoreError as exc:
        _fail(str(exc), "the run store is .yamlpipe/runs.db in the project", EXIT_INVALID)
    raise typer.Exit(EXIT_OK)
