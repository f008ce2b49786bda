"""`yamlpipe.Client`: kfp.Client's methods, argument names and results, over three backends:
this project's run store and runner (no host), a KFP API server (`host=`), or an Argo Server
(`argo_server=`).

Whatever is uploaded or run is checked here first, so nothing invalid leaves this machine: a
pipeline file is validated and compiled, a package read, a pipeline function turned into
pipeline YAML and then compiled; arguments are checked against the pipeline's inputs."""

from __future__ import annotations

import itertools
import logging
import os
import tempfile
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, TypeVar

from yamlpipe.api.generate import Compiler
from yamlpipe.api.hosts import UnknownHost, find_host
from yamlpipe.api.prepare import (
    InvalidPipeline,
    PreparedPackage,
    check_argument_names,
    check_arguments,
    load_package,
    package_stem,
    prepare_package,
    with_caching,
)
from yamlpipe.client.argo import ArgoBackend
from yamlpipe.client.backend import PipelineBackend, RunBackend
from yamlpipe.client.kfp import KfpBackend
from yamlpipe.client.local import LocalBackend
from yamlpipe.client.transport import HttpSettings, TokenSource, Transport
from yamlpipe.generate.dsl import PipelineConf
from yamlpipe.kfpapi.errors import AlreadyExists, ClientError, NotFound
from yamlpipe.kfpapi.query import name_filter
from yamlpipe.kfpapi.records import (
    Experiment,
    FailedStep,
    ListExperimentsResponse,
    ListPipelinesResponse,
    ListPipelineVersionsResponse,
    ListQuery,
    ListRunsResponse,
    Package,
    Pipeline,
    PipelineVersion,
    Run,
    RunDetail,
    RunRequest,
    failed_steps,
)
from yamlpipe.resolve import ResolveOptions
from yamlpipe.run.runner import project_root

logger = logging.getLogger(__name__)
Found = TypeVar("Found")

DEFAULT_EXPERIMENT_ENV = "KF_PIPELINES_DEFAULT_EXPERIMENT_NAME"
OVERRIDE_EXPERIMENT_ENV = "KF_PIPELINES_OVERRIDE_EXPERIMENT_NAME"
FIRST_POLL = 0.25
"""Seconds before the first look at a run's status; the wait doubles up to poll_interval."""
UNSUPPORTED_OPTIONS = {
    "client_id": "Google IAP sign-in",
    "other_client_id": "Google IAP sign-in",
    "other_client_secret": "Google IAP sign-in",
    "kube_context": "reading a kubeconfig",
    "credentials": "kfp's credential objects",
}
"""kfp.Client arguments yamlpipe does not take, and what they were for."""


# ---- the client ------------------------------------------------------------------------------


class RunPipelineResult:
    """What create_run_from_pipeline_package/func return, as kfp's does."""

    def __init__(self, client: Client, run_info: Run) -> None:
        self._client = client
        self.run_info = run_info
        self.run_id = run_info.id

    def wait_for_run_completion(self, timeout: float | timedelta | None = None) -> RunDetail:
        return self._client.wait_for_run_completion(self.run_id, timeout)

    def __repr__(self) -> str:
        return f"RunPipelineResult(run_id={self.run_id})"


class Client:
    """kfp.Client's names over the local runner, a KFP API server, or an Argo Server."""

    def __init__(
        self,
        host: str | None = None,
        client_id: object = None,
        namespace: str | None = None,
        other_client_id: object = None,
        other_client_secret: object = None,
        existing_token: str | None = None,
        cookies: str | None = None,
        proxy: str | None = None,
        ssl_ca_cert: str | None = None,
        kube_context: object = None,
        credentials: object = None,
        ui_host: str | None = None,
        *,
        argo_server: str | None = None,
        timeout: float = 30.0,
        connect_timeout: float = 5.0,
        retries: int = 3,
        backoff: float = 0.5,
        verify_ssl: bool = True,
        root: str | os.PathLike[str] | None = None,
        local_backend: str = "subprocess",
        poll_interval: float | None = None,
        resolve_options: ResolveOptions | None = None,
    ) -> None:
        given = {
            "client_id": client_id,
            "other_client_id": other_client_id,
            "other_client_secret": other_client_secret,
            "kube_context": kube_context,
            "credentials": credentials,
        }
        _refuse_unsupported(given)
        if ssl_ca_cert is not None and not os.path.isfile(ssl_ca_cert):
            raise ClientError(
                ssl_ca_cert,
                f"no certificate bundle at {ssl_ca_cert}",
                "give a PEM file of the certificate authorities to trust",
            )
        self.namespace = namespace
        self.resolve_options = resolve_options
        settings = HttpSettings(
            connect_timeout=connect_timeout,
            read_timeout=timeout,
            retries=retries,
            backoff=backoff,
            verify=ssl_ca_cert or verify_ssl,
            proxy=proxy,
            cookies=cookies,
        )
        tokens = TokenSource(existing_token)
        self._runs, self._pipelines = _backends(
            host, argo_server, namespace, ui_host, tokens, settings, root, local_backend
        )
        remote = host is not None or argo_server is not None
        self.poll_interval = poll_interval or (5.0 if remote else 0.5)

    @property
    def where(self) -> str:
        """The API's URL, or the local run store's folder."""
        return self._runs.where

    def close(self) -> None:
        self._runs.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def _library(self, what: str) -> PipelineBackend:
        if self._pipelines is None:
            raise ClientError(
                self.where,
                f"Argo Server has no {what}; KFP adds them on top of Argo",
                "use host= (a KFP API server) for experiments and uploaded pipelines",
            )
        return self._pipelines

    # ---- experiments -------------------------------------------------------------------------

    def create_experiment(
        self, name: str, description: str | None = None, namespace: str | None = None
    ) -> Experiment:
        """The experiment called `name`, created when there is none (as kfp.Client does)."""
        namespace = namespace or self.namespace
        found = self._find_experiment(name, namespace)
        if found is not None:
            return found
        try:
            return self._library("experiments").create_experiment(
                name, description or "", namespace
            )
        except AlreadyExists:  # created meanwhile by someone else
            return self.get_experiment(experiment_name=name, namespace=namespace)

    def get_experiment(
        self,
        experiment_id: str | None = None,
        experiment_name: str | None = None,
        namespace: str | None = None,
    ) -> Experiment:
        if experiment_id is None and experiment_name is None:
            raise ValueError("Either experiment_id or experiment_name is required")
        if experiment_id is not None:
            return self._library("experiments").get_experiment(experiment_id)
        assert experiment_name is not None
        found = self._find_experiment(experiment_name, namespace or self.namespace)
        if found is None:
            raise NotFound(
                self.where,
                f"no experiment named {experiment_name!r}",
                "create_experiment(name) makes one",
                404,
            )
        return found

    def _find_experiment(self, name: str, namespace: str | None) -> Experiment | None:
        query = ListQuery(page_size=2, filter=name_filter(name))
        found = self._library("experiments").list_experiments(query, namespace).experiments
        return _only(found, f"experiments named {name!r}", self.where)

    def list_experiments(
        self,
        page_token: str = "",
        page_size: int = 10,
        sort_by: str = "",
        namespace: str | None = None,
        filter: str | None = None,
    ) -> ListExperimentsResponse:
        query = ListQuery(page_token, page_size, sort_by, filter)
        library = self._library("experiments")
        return library.list_experiments(query, namespace or self.namespace)

    # ---- pipelines ---------------------------------------------------------------------------

    def upload_pipeline(
        self,
        pipeline_package_path: str | os.PathLike[str] | None = None,
        pipeline_name: str | None = None,
        description: str | None = None,
    ) -> Pipeline:
        """Upload a pipeline file (validated and compiled first) or a package."""
        if pipeline_package_path is None:
            raise ValueError("pipeline_package_path is required")
        package = load_package(pipeline_package_path, self.resolve_options)
        return self.upload_package(package, pipeline_name, description)

    def upload_package(
        self, package: Package, pipeline_name: str | None = None, description: str | None = None
    ) -> Pipeline:
        name = pipeline_name or package_stem(package.filename)
        return self._library("pipelines").upload_pipeline(package, name, description or "")

    def upload_pipeline_version(
        self,
        pipeline_package_path: str | os.PathLike[str],
        pipeline_version_name: str,
        pipeline_id: str | None = None,
        pipeline_name: str | None = None,
        description: str | None = None,
    ) -> PipelineVersion:
        if bool(pipeline_id) == bool(pipeline_name):
            raise ValueError("Either pipeline_id or pipeline_name is required")
        package = load_package(pipeline_package_path, self.resolve_options)
        return self.upload_package_version(
            package, pipeline_version_name, pipeline_id, pipeline_name, description
        )

    def upload_package_version(
        self,
        package: Package,
        pipeline_version_name: str,
        pipeline_id: str | None = None,
        pipeline_name: str | None = None,
        description: str | None = None,
    ) -> PipelineVersion:
        if pipeline_name:
            pipeline_id = self._pipeline_id_of(pipeline_name)
        assert pipeline_id is not None
        library = self._library("pipelines")
        return library.upload_pipeline_version(
            package, pipeline_version_name, pipeline_id, description or ""
        )

    def publish(
        self,
        package: Package,
        pipeline_name: str | None = None,
        version_name: str | None = None,
        description: str | None = None,
    ) -> tuple[Pipeline, PipelineVersion | None]:
        """Upload as a new pipeline, or with `version_name` as a version of the pipeline of
        that name (created first when missing, and removed again if the version fails)."""
        name = pipeline_name or package_stem(package.filename)
        if version_name is None:
            pipeline = self.upload_package(package, name, description)
            return pipeline, pipeline.default_version
        existing = self.get_pipeline_id(name)
        if existing is not None:
            version = self.upload_package_version(
                package, version_name, existing, None, description
            )
            return self.get_pipeline(existing), version
        pipeline = self.upload_package(package, name, description)
        try:
            version = self.upload_package_version(
                package, version_name, pipeline.id, None, description
            )
        except BaseException:
            self.delete_pipeline(pipeline.id)
            raise
        return self.get_pipeline(pipeline.id), version

    def get_pipeline_id(self, name: str) -> str | None:
        """The id of the pipeline called `name`, or None."""
        query = ListQuery(page_size=2, filter=name_filter(name))
        found = self._library("pipelines").list_pipelines(query).pipelines
        pipeline = _only(found, f"pipelines named {name!r}", self.where)
        return pipeline.id if pipeline else None

    def _pipeline_id_of(self, name: str) -> str:
        found = self.get_pipeline_id(name)
        if found is None:
            raise NotFound(
                self.where, f"no pipeline named {name!r}", "upload_pipeline makes one", 404
            )
        return found

    def list_pipelines(
        self,
        page_token: str = "",
        page_size: int = 10,
        sort_by: str = "",
        filter: str | None = None,
    ) -> ListPipelinesResponse:
        query = ListQuery(page_token, page_size, sort_by, filter)
        return self._library("pipelines").list_pipelines(query)

    def get_pipeline(self, pipeline_id: str) -> Pipeline:
        return self._library("pipelines").get_pipeline(pipeline_id)

    def delete_pipeline(self, pipeline_id: str) -> None:
        self._library("pipelines").delete_pipeline(pipeline_id)

    def list_pipeline_versions(
        self, pipeline_id: str, page_token: str = "", page_size: int = 10, sort_by: str = ""
    ) -> ListPipelineVersionsResponse:
        query = ListQuery(page_token, page_size, sort_by)
        return self._library("pipelines").list_pipeline_versions(pipeline_id, query)

    def pipeline_url(self, pipeline_id: str) -> str:
        return self._library("pipelines").pipeline_url(pipeline_id)

    # ---- runs --------------------------------------------------------------------------------

    def run_pipeline(
        self,
        experiment_id: str,
        job_name: str,
        pipeline_package_path: str | os.PathLike[str] | None = None,
        params: Mapping[str, Any] | None = None,
        pipeline_id: str | None = None,
        version_id: str | None = None,
        pipeline_root: str | None = None,
        enable_caching: bool | None = None,
        service_account: str | None = None,
    ) -> Run:
        """Start a run of a pipeline file or package, or of an uploaded pipeline (version);
        returns at once, with the run's id."""
        _refuse_pipeline_root(pipeline_root)
        package, arguments = None, {}
        if pipeline_package_path is not None:
            package = load_package(pipeline_package_path, self.resolve_options)
            arguments = check_arguments(package, params)
        elif pipeline_id or version_id:
            arguments = check_argument_names(self._parameters(pipeline_id, version_id), params)
        else:
            raise ValueError("give pipeline_package_path, pipeline_id or version_id")
        request = RunRequest(
            name=job_name,
            arguments=arguments,
            experiment_id=experiment_id,
            package=package,
            pipeline_id=pipeline_id or "",
            version_id=version_id or "",
            service_account=service_account or "",
            enable_caching=enable_caching,
        )
        return self._start(request)

    def _parameters(
        self, pipeline_id: str | None, version_id: str | None
    ) -> tuple[tuple[str, str | None], ...]:
        library = self._library("uploaded pipelines")
        if version_id:
            found = library.get_pipeline_version(version_id).parameters
        else:
            assert pipeline_id is not None
            pipeline = library.get_pipeline(pipeline_id)
            found = pipeline.default_version.parameters if pipeline.default_version else ()
            found = found or pipeline.parameters
        return tuple((p.name, p.value) for p in found)

    def _start(self, request: RunRequest) -> Run:
        if request.package is not None and request.enable_caching is not None:
            request = replace(
                request, package=with_caching(request.package, request.enable_caching)
            )
        return self._runs.create_run(request)

    def create_run_from_pipeline_package(
        self,
        pipeline_file: str | os.PathLike[str],
        arguments: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        experiment_name: str | None = None,
        namespace: str | None = None,
        pipeline_root: str | None = None,
        enable_caching: bool | None = None,
        service_account: str | None = None,
    ) -> RunPipelineResult:
        """Run a pipeline file (validated and compiled first) or a package, in an experiment
        (created when missing)."""
        _refuse_pipeline_root(pipeline_root)
        package = load_package(pipeline_file, self.resolve_options)
        return self.submit_package(
            package,
            arguments,
            run_name,
            experiment_name,
            namespace,
            enable_caching=enable_caching,
            service_account=service_account,
        )

    def submit_package(
        self,
        package: Package,
        arguments: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        experiment_name: str | None = None,
        namespace: str | None = None,
        *,
        enable_caching: bool | None = None,
        service_account: str | None = None,
    ) -> RunPipelineResult:
        """Run a package already prepared (prepare_package / load_package)."""
        bound = check_arguments(package, arguments)
        experiment_id = ""
        if self._pipelines is not None:
            experiment_id = self.create_experiment(
                _experiment_name(experiment_name), None, namespace
            ).id
        request = RunRequest(
            name=run_name or "",
            arguments=bound,
            experiment_id=experiment_id,
            package=package,
            service_account=service_account or "",
            enable_caching=enable_caching,
        )
        return RunPipelineResult(self, self._start(request))

    def create_run_from_pipeline_func(
        self,
        pipeline_func: Callable[..., Any],
        arguments: Mapping[str, Any] | None = None,
        run_name: str | None = None,
        experiment_name: str | None = None,
        pipeline_conf: PipelineConf | None = None,
        namespace: str | None = None,
        mode: object = None,
        launcher_image: str | None = None,
        pipeline_root: str | None = None,
        enable_caching: bool | None = None,
        service_account: str | None = None,
    ) -> RunPipelineResult:
        """Run a KFP-style pipeline function: its pipeline YAML is generated, validated and
        compiled, then run like a package."""
        _refuse_pipeline_root(pipeline_root)
        _refuse_v2_mode(mode, launcher_image)
        name = getattr(pipeline_func, "__name__", "pipeline")
        with tempfile.TemporaryDirectory(prefix="yamlpipe-") as folder:
            path = Compiler().write_pipeline_yaml(
                pipeline_func, Path(folder) / "pipeline.yaml", pipeline_conf
            )
            package = load_package(path, self.resolve_options)
        package = replace(package, filename=f"{name}.yaml", source="")
        return self.submit_package(
            package,
            arguments,
            run_name or f"{name} {datetime.now():%Y-%m-%d %H-%M-%S}",
            experiment_name,
            namespace,
            enable_caching=enable_caching,
            service_account=service_account,
        )

    def get_run(self, run_id: str) -> RunDetail:
        return self._runs.get_run(run_id)

    def list_runs(
        self,
        page_token: str = "",
        page_size: int = 10,
        sort_by: str = "",
        experiment_id: str | None = None,
        namespace: str | None = None,
        filter: str | None = None,
    ) -> ListRunsResponse:
        query = ListQuery(page_token, page_size, sort_by, filter)
        return self._runs.list_runs(query, experiment_id, namespace or self.namespace)

    def watch_run(
        self, run_id: str, timeout: float | timedelta | None = None
    ) -> Iterator[RunDetail]:
        """The run each time its status changes, until it finishes; TimeoutError when it is
        still going after `timeout` seconds (it goes on: only the waiting stops)."""
        limit = _seconds(timeout)
        deadline = time.monotonic() + limit
        status = None
        for polls in itertools.count():
            detail = self._runs.get_run(run_id)
            if detail.run.status != status:
                status = detail.run.status
                yield detail
            if detail.run.finished:
                return
            left = deadline - time.monotonic()
            if left <= 0:
                raise TimeoutError(
                    f"run {run_id} is still {status or 'starting'} after {limit:g} s"
                )
            # Quick looks first (a short run is seen to end at once), then every poll_interval.
            time.sleep(min(FIRST_POLL * 2**polls, self.poll_interval, left))

    def wait_for_run_completion(
        self, run_id: str, timeout: float | timedelta | None = None
    ) -> RunDetail:
        """The run once it has finished (Succeeded, Failed, Error, Skipped or Terminated)."""
        return list(self.watch_run(run_id, timeout))[-1]

    def terminate_run(self, run_id: str) -> None:
        """Stop a run: its steps are stopped, and it ends as Terminated (Failed on KFP 1.x)."""
        self._runs.terminate_run(run_id)

    def run_url(self, run_id: str) -> str:
        """Where a person follows a run: its page, or the command that shows it."""
        return self._runs.run_url(run_id)


def _backends(
    host: str | None,
    argo_server: str | None,
    namespace: str | None,
    ui_host: str | None,
    tokens: TokenSource,
    settings: HttpSettings,
    root: str | os.PathLike[str] | None,
    local_backend: str,
) -> tuple[RunBackend, PipelineBackend | None]:
    if host and argo_server:
        raise ValueError("give host (a KFP API server) or argo_server, not both")
    if argo_server:
        if not namespace:
            raise ValueError("an Argo Server needs the namespace to create Workflows in")
        transport = Transport(_url(argo_server), "Argo Server", tokens, settings)
        return ArgoBackend(transport, namespace, ui_host), None
    if host:
        kfp = KfpBackend(Transport(_url(host), "the KFP API", tokens, settings), ui_host)
        return kfp, kfp
    local = LocalBackend(Path(root) if root is not None else project_root(), local_backend)
    return local, local


def _url(host: str) -> str:
    """kfp.Client takes `127.0.0.1:8080/pipeline` without a scheme; so do we (as http)."""
    text = host.strip().rstrip("/")
    return text if "://" in text else f"http://{text}"


def _only(found: list[Found], what: str, where: str) -> Found | None:
    if len(found) > 1:
        raise ClientError(where, f"there are several {what}; use the id")
    return found[0] if found else None


def _experiment_name(given: str | None) -> str:
    """kfp.Client's choice: the name given, else $KF_PIPELINES_DEFAULT_EXPERIMENT_NAME, both
    overridden by $KF_PIPELINES_OVERRIDE_EXPERIMENT_NAME; `Default` when none is set."""
    name = given or os.environ.get(DEFAULT_EXPERIMENT_ENV)
    return os.environ.get(OVERRIDE_EXPERIMENT_ENV) or name or "Default"


def _seconds(timeout: float | timedelta | None) -> float:
    if timeout is None:
        return float("inf")
    if isinstance(timeout, timedelta):
        return timeout.total_seconds() if timeout != timedelta.max else float("inf")
    return float(timeout)


def _refuse_unsupported(given: Mapping[str, object]) -> None:
    for name, value in given.items():
        if value is not None:
            raise ClientError(
                "Client",
                f"yamlpipe.Client does not do {UNSUPPORTED_OPTIONS[name]} ({name}=...)",
                "pass a bearer token with existing_token=, $YAMLPIPE_TOKEN or "
                "$KF_PIPELINES_SA_TOKEN_PATH, or a session cookie with cookies=",
            )


def _refuse_pipeline_root(pipeline_root: str | None) -> None:
    if pipeline_root is not None:
        raise ClientError(
            "Client",
            "pipeline_root is for KFP's v2 execution modes; yamlpipe's packages are KFP v1's",
            "leave pipeline_root out",
        )


def _refuse_v2_mode(mode: object, launcher_image: str | None) -> None:
    name = getattr(mode, "name", mode)
    if (name not in (None, "V1_LEGACY")) or launcher_image is not None:
        raise ClientError(
            "Client",
            f"execution mode {name} is one of KFP's v2 modes; yamlpipe compiles KFP v1 packages",
            "leave mode and launcher_image out",
        )


__all__ = [
    "Client",
    "FailedStep",
    "InvalidPipeline",
    "PreparedPackage",
    "RunPipelineResult",
    "UnknownHost",
    "check_argument_names",
    "check_arguments",
    "failed_steps",
    "find_host",
    "load_package",
    "prepare_package",
    "with_caching",
]
