"""`yamlpipe upload` and `yamlpipe submit`: send a pipeline to a KFP cluster (`--host`), an
Argo Server (`--argo-server`), or without either to this project's run store, through
yamlpipe.Client. Nothing is sent before the pipeline and its arguments check out."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from yamlpipe import api
from yamlpipe.cli import render
from yamlpipe.cli.common import (
    EXIT_INVALID,
    EXIT_OK,
    EXIT_USAGE,
    ArgumentOption,
    ArgumentsFileOption,
    FrozenOption,
    LazyModule,
    OfflineOption,
    print_error,
    print_problems,
    require_paths,
)
from yamlpipe.errors import YamlpipeError, YamlpipeErrors

if TYPE_CHECKING:
    from yamlpipe.api import client as client_api
    from yamlpipe.api import run as run_api
    from yamlpipe.api.client import Client
    from yamlpipe.kfpapi.records import Package, RunDetail
    from yamlpipe.resolve.config import HostSettings
else:
    client_api = LazyModule("yamlpipe.api.client")
    run_api = LazyModule("yamlpipe.api.run")

EXIT_INTERRUPTED = 130
DEFAULT_TIMEOUT = 30.0

TargetArgument = Annotated[
    str,
    typer.Argument(
        metavar="PIPELINE|PACKAGE",
        help="A pipeline file (validated and compiled first), or a compiled package "
        "(.yaml, .zip, .tar.gz; ours or KFP 1.8's).",
        show_default=False,
    ),
]
HostOption = Annotated[
    str | None,
    typer.Option(
        "--host",
        metavar="URL|NAME",
        help="A KFP API server: its URL (the part before /apis/v1beta1), or a name under "
        "hosts: in yamlpipe.yaml. Without --host or --argo-server: this project's run store.",
    ),
]
NamespaceOption = Annotated[
    str | None,
    typer.Option(
        "--namespace",
        "-n",
        metavar="NAMESPACE",
        help="The namespace: a KFP multi-user profile, or where Argo creates the Workflow.",
    ),
]
CaBundleOption = Annotated[
    str | None,
    typer.Option(
        "--ca-bundle",
        metavar="FILE",
        help="PEM certificate authorities to trust for the server's TLS certificate.",
    ),
]


def register(app: typer.Typer) -> None:
    """Add this module's commands to the main application."""
    app.command(name="upload", short_help="Upload a pipeline to KFP or the run store.")(
        upload_command
    )
    app.command(name="submit", short_help="Start a run on KFP, on Argo, or here.")(submit_command)


def _fail(message: str, code: int = EXIT_USAGE) -> NoReturn:
    typer.echo(f"yamlpipe: error: {message}", err=True)
    raise typer.Exit(code)


def _refused(error: YamlpipeError) -> NoReturn:
    print_error(error)
    raise typer.Exit(EXIT_INVALID)


# ---- connecting ------------------------------------------------------------------------------


def _connect(
    host: str | None, argo_server: str | None, namespace: str | None, ca_bundle: str | None
) -> Client:
    """The Client for the options: a named or given KFP host or Argo Server, else local."""
    if host and argo_server:
        _fail("give --host (KFP) or --argo-server (Argo Workflows), not both")
    if ca_bundle is not None and not os.path.isfile(ca_bundle):
        _fail(f"--ca-bundle: no such file: {ca_bundle}")
    if not host and not argo_server:
        return client_api.Client()
    settings = _host_settings(host or argo_server or "")
    namespace = namespace or settings.namespace
    if argo_server and not namespace:
        _fail("--argo-server needs --namespace: the namespace to create the Workflow in")
    token = _token(settings.name, settings.token_env)
    verify = ca_bundle or (str(settings.ca_bundle) if settings.ca_bundle else None)
    url = settings.url
    try:
        return client_api.Client(
            host=url if host else None,
            argo_server=url if argo_server else None,
            namespace=namespace,
            existing_token=token,
            ssl_ca_cert=verify,
            timeout=settings.timeout or DEFAULT_TIMEOUT,
        )
    except YamlpipeError as error:
        _refused(error)


def _host_settings(name_or_url: str) -> HostSettings:
    try:
        return client_api.find_host(name_or_url)
    except client_api.UnknownHost as error:
        print_error(error)
        raise typer.Exit(EXIT_USAGE) from None
    except YamlpipeErrors as errors:
        print_problems(errors, {})
        raise typer.Exit(EXIT_INVALID) from None


def _token(host: str, variable: str | None) -> str | None:
    """A named host's token, from the variable its entry names (never from a file)."""
    if variable is None:
        return None
    value = os.environ.get(variable)
    if not value:
        _fail(
            f"host {host!r} takes its token from ${variable}, which is not set "
            "(set it, or remove token_env from the host in yamlpipe.yaml)",
            EXIT_INVALID,
        )
    return value


def _prepare(target: str, offline: bool, frozen: bool) -> Package:
    """The package to send, after printing every problem (warnings too) with its line."""
    options = api.ResolveOptions(offline=offline, frozen=frozen)
    prepared = client_api.prepare_package(target, options)
    if prepared.problems:
        print_problems(prepared.problems, prepared.texts)
    if not prepared.ok or prepared.package is None:
        typer.echo(f"yamlpipe: nothing was sent: {target} has errors", err=True)
        raise typer.Exit(EXIT_INVALID)
    return prepared.package


def _where(client: Client) -> str:
    if "://" in client.where:
        return client.where
    return f"this project's run store ({render.display(Path(client.where))})"


# ---- upload ----------------------------------------------------------------------------------


def upload_command(
    target: TargetArgument,
    host: HostOption = None,
    name: Annotated[
        str | None,
        typer.Option(
            "--name", metavar="NAME", help="The pipeline's name (default: the file's name)."
        ),
    ] = None,
    version: Annotated[
        str | None,
        typer.Option(
            "--version",
            metavar="NAME",
            help="Upload as a version of the pipeline called --name (created when missing).",
        ),
    ] = None,
    description: Annotated[
        str | None, typer.Option("--description", metavar="TEXT", help="A description.")
    ] = None,
    namespace: NamespaceOption = None,
    ca_bundle: CaBundleOption = None,
    offline: OfflineOption = False,
    frozen: FrozenOption = False,
) -> None:
    """Upload a pipeline to KFP (or this project's run store) as a new pipeline, or as a
    new version of one.

    A pipeline file is validated and compiled first; nothing invalid is uploaded. The token
    comes from $KF_PIPELINES_SA_TOKEN_PATH (a file), $YAMLPIPE_TOKEN, or a named host's
    token_env. Exit codes: 0 uploaded, 1 refused or invalid, 2 usage error.
    """
    require_paths([target])
    client = _connect(host, None, namespace, ca_bundle)
    package = _prepare(target, offline, frozen)
    try:
        with client:
            pipeline, uploaded = client.publish(package, name, version, description)
            url = client.pipeline_url(pipeline.id)
    except YamlpipeError as error:
        _refused(error)
    shown = f", version {uploaded.name!r} (id {uploaded.id})" if uploaded else ""
    typer.echo(f"uploaded pipeline {pipeline.name!r} (id {pipeline.id}){shown} to {_where(client)}")
    if url:
        typer.echo(f"  {url}")
    raise typer.Exit(EXIT_OK)


# ---- submit ----------------------------------------------------------------------------------


def submit_command(
    target: TargetArgument,
    argument: ArgumentOption = None,
    arguments_file: ArgumentsFileOption = None,
    host: HostOption = None,
    argo_server: Annotated[
        str | None,
        typer.Option(
            "--argo-server",
            metavar="URL|NAME",
            help="An Argo Server (Argo Workflows without KFP): its URL, or a name under hosts:.",
        ),
    ] = None,
    namespace: NamespaceOption = None,
    experiment: Annotated[
        str | None,
        typer.Option(
            "--experiment",
            metavar="NAME",
            help="The experiment to file the run under (KFP, local).",
        ),
    ] = None,
    name: Annotated[
        str | None, typer.Option("--name", metavar="NAME", help="A name for the run.")
    ] = None,
    service_account: Annotated[
        str | None,
        typer.Option(
            "--service-account", metavar="NAME", help="The Kubernetes service account the run uses."
        ),
    ] = None,
    wait: Annotated[
        bool,
        typer.Option("--wait", help="Follow the run's state and exit with its result."),
    ] = False,
    timeout: Annotated[
        float | None,
        typer.Option(
            "--timeout",
            metavar="S",
            min=0,
            help="With --wait: stop waiting after S seconds (exit 1; the run goes on).",
        ),
    ] = None,
    ca_bundle: CaBundleOption = None,
    offline: OfflineOption = False,
    frozen: FrozenOption = False,
) -> None:
    """Start a run of a pipeline on KFP, on an Argo Server, or here in the background; print
    its id and where to follow it.

    A pipeline file is validated and compiled first and the arguments are checked against
    its inputs; nothing is sent otherwise. Exit codes: 0 submitted (with --wait: the run
    succeeded), 1 refused, invalid, or (with --wait) the run did not succeed, 2 usage error.
    """
    require_paths([target])
    if timeout is not None and not wait:
        _fail("--timeout is how long --wait waits; give --wait too")
    client = _connect(host, argo_server, namespace, ca_bundle)
    package = _prepare(target, offline, frozen)
    given = _arguments(package, argument or [], arguments_file)
    try:
        result = client.submit_package(
            package, given, name, experiment, namespace, service_account=service_account
        )
        url = client.run_url(result.run_id)
    except YamlpipeError as error:
        client.close()
        _refused(error)
    run = result.run_info
    typer.echo(f"submitted run {run.id} ({run.name}) to {_where(client)}")
    typer.echo(f"  {url}")
    if not wait:
        client.close()
        raise typer.Exit(EXIT_OK)
    with client:
        code = _follow(client, run.id, timeout, url)
    raise typer.Exit(code)


def _arguments(
    package: Package, assignments: list[str], arguments_file: str | None
) -> dict[str, str]:
    """The arguments given, checked against the pipeline's inputs (a mistake is a usage error)."""
    try:
        given = run_api.read_arguments_file(arguments_file) if arguments_file else {}
        given.update(run_api.parse_assignments(assignments))
        return client_api.check_arguments(package, given)
    except YamlpipeErrors as errors:
        problems = list(errors)
    except YamlpipeError as error:
        problems = [error]
    for problem in problems:
        print_error(problem)
    typer.echo("yamlpipe: nothing was sent", err=True)
    raise typer.Exit(EXIT_USAGE)


def _follow(client: Client, run_id: str, timeout: float | None, url: str) -> int:
    """Print each state the run passes through; the exit code its end calls for."""
    started = time.monotonic()
    last: RunDetail | None = None
    try:
        for last in client.watch_run(run_id, timeout):
            typer.echo(f"{time.strftime('%H:%M:%S')} {last.run.status or 'Pending'}", err=True)
    except TimeoutError:
        status = last.run.status if last else "starting"
        typer.echo(
            f"yamlpipe: run {run_id} is still {status} after {timeout:g} s; it goes on: {url}",
            err=True,
        )
        return EXIT_INVALID
    except KeyboardInterrupt:
        typer.echo(f"yamlpipe: stopped waiting; the run goes on: {url}", err=True)
        return EXIT_INTERRUPTED
    except YamlpipeError as error:
        print_error(error)
        return EXIT_INVALID
    assert last is not None
    return _ended(last, time.monotonic() - started)


def _ended(detail: RunDetail, waited: float) -> int:
    run = detail.run
    if run.status == "Succeeded":
        typer.echo(f"run {run.id} Succeeded (waited {waited:.1f}s)")
        return EXIT_OK
    reason = f": {run.error}" if run.error else ""
    typer.echo(f"yamlpipe: run {run.id} {run.status}{reason}", err=True)
    for step in client_api.failed_steps(detail):
        message = f": {step.message}" if step.message else ""
        typer.echo(f"  step {step.name!r} {step.phase.lower()}{message}", err=True)
    return EXIT_INVALID


__all__ = ["register"]
