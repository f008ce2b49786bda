"""yamlpipe.Client against a KFP API server (v1beta1) on 127.0.0.1 whose every request and
answer is checked against KFP's swagger file: each method, paging, errors, auth, TLS."""

from __future__ import annotations

import json
import logging
import os
import shutil
import ssl
import subprocess
import zipfile
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path

import pytest

from yamlpipe import Client
from yamlpipe.api.client import InvalidPipeline, RunPipelineResult
from yamlpipe.errors import YamlpipeErrors
from yamlpipe.kfpapi.errors import AlreadyExists, ClientError, NotFound

from fake_apis import KfpApi

TOKEN = "s3cret-token-value"


def client_for(api: KfpApi, **options: object) -> Client:
    return Client(host=api.url, poll_interval=0.01, retries=1, **options)  # type: ignore[arg-type]


def compile_to(project: Path, name: str) -> Path:
    """The project's pipeline compiled to a package (`.yaml`, `.zip` or `.tar.gz`)."""
    from yamlpipe.api.compile import compile as compile_package

    output = project / name
    compile_package(project / "pipeline.yaml", output)
    return output


# ---- experiments -----------------------------------------------------------------------------


def test_experiments_are_created_once_and_found_by_id_or_name(kfp_api: KfpApi) -> None:
    client = client_for(kfp_api)
    first = client.create_experiment("team", description="ours")
    again = client.create_experiment("team")
    assert again.id == first.id and first.description == "ours"
    assert isinstance(first.created_at, datetime)
    assert client.get_experiment(experiment_id=first.id).name == "team"
    assert client.get_experiment(experiment_name="team").id == first.id
    assert kfp_api.operations().count("CreateExperiment") == 1


def test_an_experiment_in_a_namespace_is_owned_by_it(kfp_api: KfpApi) -> None:
    client = client_for(kfp_api, namespace="team-a")
    client.create_experiment("mine")
    [create] = [c for c in kfp_api.calls if c.operation == "CreateExperiment"]
    assert create.body["resource_references"] == [
        {"key": {"type": "NAMESPACE", "id": "team-a"}, "relationship": "OWNER"}
    ]
    lists = [c for c in kfp_api.calls if c.operation == "ListExperiment"]
    assert lists[0].arg("resource_reference_key.type") == "NAMESPACE"
    assert lists[0].arg("resource_reference_key.id") == "team-a"


def test_a_missing_experiment_is_reported_by_name_and_by_id(kfp_api: KfpApi) -> None:
    client = client_for(kfp_api)
    with pytest.raises(NotFound, match="no experiment named 'nope'"):
        client.get_experiment(experiment_name="nope")
    with pytest.raises(NotFound, match=r"404 Not Found\): ResourceNotFoundError: Experiment x"):
        client.get_experiment(experiment_id="x")
    with pytest.raises(ValueError, match="experiment_id or experiment_name"):
        client.get_experiment()


def test_experiments_come_in_pages(kfp_api: KfpApi) -> None:
    client = client_for(kfp_api)
    for name in ("a", "b", "c", "d", "e"):
        client.create_experiment(name)
    first = client.list_experiments(page_size=2, sort_by="name desc")
    assert [e.name for e in first.experiments] == ["e", "d"]
    assert first.total_size == 5 and first.next_page_token
    names = [e.name for e in first.experiments]
    token = first.next_page_token
    while token:
        following = client.list_experiments(page_token=token, page_size=2, sort_by="name desc")
        names += [e.name for e in following.experiments]
        token = following.next_page_token
    assert names == ["e", "d", "c", "b", "a"]


# ---- pipelines -------------------------------------------------------------------------------


def test_a_pipeline_file_is_compiled_then_uploaded_as_one_multipart_file(
    kfp_api: KfpApi, project: Path
) -> None:
    client = client_for(kfp_api)
    pipeline = client.upload_pipeline(project / "pipeline.yaml", description="greets")
    assert pipeline.name == "pipeline" and pipeline.description == "greets"
    assert [(p.name, p.value) for p in pipeline.parameters] == [("who", None), ("times", "1")]
    assert pipeline.default_version is not None
    [(filename, data)] = kfp_api.state.uploads
    assert filename == "pipeline.yaml" and b"kind: Workflow" in data
    assert client.get_pipeline(pipeline.id).name == "pipeline"
    assert client.get_pipeline_id("pipeline") == pipeline.id
    assert client.get_pipeline_id("other") is None


@pytest.mark.parametrize("suffix", [".yaml", ".zip", ".tar.gz"])
def test_a_package_is_uploaded_as_it_is(kfp_api: KfpApi, project: Path, suffix: str) -> None:
    package = compile_to(project, f"greet{suffix}")
    pipeline = client_for(kfp_api).upload_pipeline(package, pipeline_name="greet")
    assert pipeline.name == "greet"
    assert kfp_api.state.uploads == [(package.name, package.read_bytes())]


def test_an_invalid_pipeline_is_never_uploaded(kfp_api: KfpApi, project: Path) -> None:
    broken = project / "broken.yaml"
    broken.write_text("name: broken\ntasks:\n  a: {component: missing.yaml}\n", "utf-8")
    with pytest.raises(InvalidPipeline) as caught:
        client_for(kfp_api).upload_pipeline(broken)
    assert "missing.yaml" in str(caught.value.problems[0].message)
    assert kfp_api.calls == []


def test_a_second_pipeline_of_the_same_name_is_a_conflict(kfp_api: KfpApi, project: Path) -> None:
    client = client_for(kfp_api)
    client.upload_pipeline(project / "pipeline.yaml", "greet")
    with pytest.raises(AlreadyExists) as caught:
        client.upload_pipeline(project / "pipeline.yaml", "greet")
    assert caught.value.status == 409
    assert "already has one (409 Conflict)" in caught.value.message
    assert "The name greet already exist" in caught.value.message


def test_versions_are_uploaded_by_pipeline_name_or_id_and_listed(
    kfp_api: KfpApi, project: Path
) -> None:
    client = client_for(kfp_api)
    pipeline = client.upload_pipeline(project / "pipeline.yaml", "greet")
    v2 = client.upload_pipeline_version(project / "pipeline.yaml", "v2", pipeline_name="greet")
    v3 = client.upload_pipeline_version(
        project / "pipeline.yaml", "v3", pipeline_id=pipeline.id, description="third"
    )
    assert v2.pipeline_id == pipeline.id and v3.description == "third"
    versions = client.list_pipeline_versions(pipeline.id, page_size=10, sort_by="created_at")
    assert [v.name for v in versions.versions] == ["greet", "v2", "v3"]
    default = client.get_pipeline(pipeline.id).default_version
    assert default is not None and default.id == v3.id
    with pytest.raises(ValueError, match="Either pipeline_id or pipeline_name"):
        client.upload_pipeline_version(project / "pipeline.yaml", "v4")
    with pytest.raises(NotFound, match="no pipeline named 'other'"):
        client.upload_pipeline_version(project / "pipeline.yaml", "v4", pipeline_name="other")
    with pytest.raises(AlreadyExists):
        client.upload_pipeline_version(project / "pipeline.yaml", "v2", pipeline_id=pipeline.id)


def test_pipelines_are_listed_in_pages_and_deleted(kfp_api: KfpApi, project: Path) -> None:
    client = client_for(kfp_api)
    ids = [client.upload_pipeline(project / "pipeline.yaml", f"p{i}").id for i in range(3)]
    first = client.list_pipelines(page_size=2)
    second = client.list_pipelines(page_token=first.next_page_token, page_size=2)
    assert [p.name for p in first.pipelines + second.pipelines] == ["p0", "p1", "p2"]
    assert second.next_page_token == "" and first.total_size == 3
    client.delete_pipeline(ids[0])
    with pytest.raises(NotFound):
        client.get_pipeline(ids[0])
    with pytest.raises(NotFound):
        client.delete_pipeline(ids[0])
    assert client.list_pipelines().total_size == 2


def test_publish_removes_a_pipeline_it_made_when_its_version_fails(
    kfp_api: KfpApi, project: Path
) -> None:
    """Nothing half-uploaded stays named as if it were complete."""
    client = client_for(kfp_api)
    package = client_api_load(project / "pipeline.yaml")
    original = kfp_api.handlers["UploadPipelineVersion"]

    def refuse(call: object) -> object:
        from fake_apis import ApiError

        raise ApiError(500, 13, "Internal error: failed to store the package")

    kfp_api.handlers["UploadPipelineVersion"] = refuse
    with pytest.raises(ClientError, match=r"failed \(500\): Internal error"):
        client.publish(package, "greet", "v1")
    assert kfp_api.state.pipelines == {}
    kfp_api.handlers["UploadPipelineVersion"] = original
    pipeline, version = client.publish(package, "greet", "v1")
    assert version is not None and version.name == "v1"
    again, newer = client.publish(package, "greet", "v2")
    assert again.id == pipeline.id and newer is not None and newer.name == "v2"


def client_api_load(path: Path) -> object:
    from yamlpipe.api.client import load_package

    return load_package(path)


# ---- runs ------------------------------------------------------------------------------------


def test_a_run_from_a_pipeline_file_carries_experiment_manifest_and_parameters(
    kfp_api: KfpApi, project: Path
) -> None:
    client = client_for(kfp_api)
    result = client.create_run_from_pipeline_package(
        project / "pipeline.yaml",
        {"who": "world", "times": 3},
        run_name="first",
        experiment_name="greetings",
        service_account="runner",
    )
    assert isinstance(result, RunPipelineResult) and result.run_info.name == "first"
    [create] = [c for c in kfp_api.calls if c.operation == "CreateRun"]
    experiment = client.get_experiment(experiment_name="greetings")
    assert create.body["resource_references"] == [
        {"key": {"type": "EXPERIMENT", "id": experiment.id}, "relationship": "OWNER"}
    ]
    spec = create.body["pipeline_spec"]
    assert spec["parameters"] == [
        {"name": "who", "value": "world"},
        {"name": "times", "value": "3"},
    ]
    assert json.loads(spec["workflow_manifest"])["kind"] == "Workflow"
    assert create.body["service_account"] == "runner"
    detail = result.wait_for_run_completion(timeout=10)
    assert detail.run.status == "Succeeded" and detail.run.finished_at is not None
    assert detail.run.experiment_id == experiment.id


def test_the_default_experiment_comes_from_kfp_s_variables(
    kfp_api: KfpApi, project: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = client_for(kfp_api)
    client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "a"})
    monkeypatch.setenv("KF_PIPELINES_DEFAULT_EXPERIMENT_NAME", "nightly")
    client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "a"})
    monkeypatch.setenv("KF_PIPELINES_OVERRIDE_EXPERIMENT_NAME", "forced")
    client.create_run_from_pipeline_package(
        project / "pipeline.yaml", {"who": "a"}, experiment_name="mine"
    )
    names = sorted(e.name for e in client.list_experiments().experiments)
    assert names == ["Default", "forced", "nightly"]


def test_arguments_are_checked_before_anything_is_sent(kfp_api: KfpApi, project: Path) -> None:
    client = client_for(kfp_api)
    with pytest.raises(YamlpipeErrors) as caught:
        client.create_run_from_pipeline_package(
            project / "pipeline.yaml", {"whom": "x", "times": "many"}
        )
    messages = [p.message for p in caught.value]
    assert any("no input 'whom' (did you mean 'who'?)" in m for m in messages)
    assert any("times='many'" in m for m in messages)
    assert any("'who' has no default" in m for m in messages)
    assert kfp_api.calls == []


def test_run_pipeline_runs_an_uploaded_pipeline_or_version(kfp_api: KfpApi, project: Path) -> None:
    client = client_for(kfp_api)
    experiment = client.create_experiment("e")
    pipeline = client.upload_pipeline(project / "pipeline.yaml", "greet")
    version = client.upload_pipeline_version(project / "pipeline.yaml", "v2", pipeline.id)
    by_pipeline = client.run_pipeline(
        experiment.id, "a", pipeline_id=pipeline.id, params={"who": "x"}
    )
    by_version = client.run_pipeline(experiment.id, "b", version_id=version.id, params={"who": "y"})
    creates = [c.body for c in kfp_api.calls if c.operation == "CreateRun"]
    assert creates[0]["pipeline_spec"]["pipeline_id"] == pipeline.id
    assert "workflow_manifest" not in creates[0]["pipeline_spec"]
    assert creates[1]["resource_references"][1] == {
        "key": {"type": "PIPELINE_VERSION", "id": version.id},
        "relationship": "CREATOR",
    }
    assert by_pipeline.id != by_version.id
    with pytest.raises(YamlpipeErrors, match="no input 'whom'"):
        client.run_pipeline(experiment.id, "c", version_id=version.id, params={"whom": "x"})


def test_run_pipeline_with_a_package_overrides_caching_labels(
    kfp_api: KfpApi, project: Path
) -> None:
    (project / "pipeline.yaml").write_text(
        (project / "pipeline.yaml").read_text("utf-8") + "    cache: false\n", "utf-8"
    )
    client = client_for(kfp_api)
    experiment = client.create_experiment("e")
    client.run_pipeline(
        experiment.id, "cached", project / "pipeline.yaml", {"who": "x"}, enable_caching=True
    )
    [create] = [c.body for c in kfp_api.calls if c.operation == "CreateRun"]
    workflow = json.loads(create["pipeline_spec"]["workflow_manifest"])
    labels = [t.get("metadata", {}).get("labels", {}) for t in workflow["spec"]["templates"]]
    caching = [label["pipelines.kubeflow.org/enable_caching"] for label in labels if label]
    assert caching == ["true"]


def test_runs_are_listed_per_experiment_in_pages(kfp_api: KfpApi, project: Path) -> None:
    client = client_for(kfp_api)
    for index in range(3):
        client.create_run_from_pipeline_package(
            project / "pipeline.yaml", {"who": "x"}, f"run-{index}", "mine"
        )
    client.create_run_from_pipeline_package(
        project / "pipeline.yaml", {"who": "x"}, "other", "theirs"
    )
    mine = client.get_experiment(experiment_name="mine").id
    first = client.list_runs(page_size=2, experiment_id=mine, sort_by="name")
    second = client.list_runs(page_token=first.next_page_token, page_size=2, experiment_id=mine)
    assert [r.name for r in first.runs + second.runs] == ["run-0", "run-1", "run-2"]
    assert first.total_size == 3 and client.list_runs(page_size=10).total_size == 4


def test_waiting_reports_a_failed_run_and_its_failed_step(kfp_api: KfpApi, project: Path) -> None:
    from yamlpipe.api.client import failed_steps

    kfp_api.state.scripts.append(["Running", "Running", "Failed"])
    client = client_for(kfp_api)
    result = client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "x"})
    seen = [d.run.status for d in client.watch_run(result.run_id, timeout=10)]
    assert seen == ["Running", "Failed"]
    detail = client.get_run(result.run_id)
    assert [(s.name, s.phase, s.message) for s in failed_steps(detail)] == [
        ("train", "Failed", "Error (exit code 1)")
    ]


def test_waiting_too_long_raises_timeout_error(kfp_api: KfpApi, project: Path) -> None:
    kfp_api.state.scripts.append(["Running"])
    client = client_for(kfp_api)
    result = client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "x"})
    with pytest.raises(TimeoutError, match=f"run {result.run_id} is still Running after 0.2 s"):
        result.wait_for_run_completion(timeout=0.2)


def test_terminate_stops_the_run(kfp_api: KfpApi, project: Path) -> None:
    kfp_api.state.scripts.append(["Running"])
    client = client_for(kfp_api)
    result = client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "x"})
    client.terminate_run(result.run_id)
    assert client.wait_for_run_completion(result.run_id, 10).run.status == "Failed"
    with pytest.raises(NotFound):
        client.terminate_run("no-such-run")


def test_a_run_from_a_pipeline_function(kfp_api: KfpApi) -> None:
    from yamlpipe import dsl

    def echo_op(text: str) -> dsl.ContainerOp:
        return dsl.ContainerOp(name="echo", image="alpine:3.20", command=["echo", text])

    @dsl.pipeline(name="echo-pipeline")
    def echo_pipeline(text: str = "hi") -> None:
        echo_op(text)

    client = client_for(kfp_api)
    result = client.create_run_from_pipeline_func(echo_pipeline, {"text": "hello"})
    [create] = [c.body for c in kfp_api.calls if c.operation == "CreateRun"]
    assert create["name"].startswith("echo_pipeline ")
    assert create["pipeline_spec"]["parameters"] == [{"name": "text", "value": "hello"}]
    assert result.wait_for_run_completion(10).run.status == "Succeeded"


def test_kfp_only_options_are_refused_clearly() -> None:
    with pytest.raises(ClientError, match="does not do Google IAP sign-in"):
        Client(host="http://127.0.0.1:1", client_id="x")
    client = Client(host="http://127.0.0.1:1")
    with pytest.raises(ClientError, match="pipeline_root is for KFP's v2"):
        client.run_pipeline("e", "n", "p.yaml", pipeline_root="gs://b")


# ---- failures --------------------------------------------------------------------------------


def test_a_server_error_shows_kfp_s_own_message(kfp_api: KfpApi) -> None:
    kfp_api.fail_first = [500]
    with pytest.raises(ClientError) as caught:
        client_for(kfp_api).list_pipelines()
    assert caught.value.status == 500
    assert "the KFP API at http://127.0.0.1" in caught.value.message
    assert "failed (500): the server is busy" in caught.value.message
    assert caught.value.hint is not None and "server's own error" in caught.value.hint


def test_reads_are_retried_on_a_busy_server_and_writes_are_not(
    kfp_api: KfpApi, project: Path
) -> None:
    client = Client(host=kfp_api.url, retries=2, backoff=0.01)
    kfp_api.fail_first = [503, 502]
    assert client.list_pipelines().total_size == 0
    assert kfp_api.operations() == ["ListPipelines"] * 3
    kfp_api.fail_first = [503]
    with pytest.raises(ClientError, match=r"failed \(503\)"):
        client.upload_pipeline(project / "pipeline.yaml")
    assert kfp_api.operations()[3:] == ["UploadPipeline"]
    assert kfp_api.state.pipelines == {}


def test_a_slow_server_times_out_with_a_clear_message(kfp_api: KfpApi) -> None:
    kfp_api.delay = 2.0
    client = Client(host=kfp_api.url, timeout=0.3, retries=0)
    with pytest.raises(ClientError, match=r"did not answer within 0.3 s") as caught:
        client.list_experiments()
    assert caught.value.hint is not None and "allow more time" in caught.value.hint


def test_a_host_that_refuses_connections() -> None:
    client = Client(host="127.0.0.1:9", retries=0)
    with pytest.raises(ClientError) as caught:
        client.list_pipelines()
    assert caught.value.message == (
        "cannot connect to the KFP API at http://127.0.0.1:9: connection refused"
    )
    assert caught.value.hint is not None and "port-forward" in caught.value.hint


def test_an_html_sign_in_page_is_named_as_such(kfp_api: KfpApi) -> None:
    kfp_api.login_page = True
    with pytest.raises(ClientError) as caught:
        client_for(kfp_api).list_experiments()
    assert "answered with an HTML page ('Sign in to Kubeflow') instead of the API's JSON" in (
        caught.value.message
    )
    assert caught.value.hint is not None and "auth proxy" in caught.value.hint


def test_a_package_too_large_for_the_proxy_in_front_of_the_api(
    kfp_api: KfpApi, project: Path
) -> None:
    kfp_api.max_body = 1000
    with pytest.raises(ClientError) as caught:
        client_for(kfp_api).upload_pipeline(project / "pipeline.yaml")
    assert caught.value.status == 413
    assert "refused the package as too large (413): 413 Request Entity Too Large" in (
        caught.value.message
    )
    assert caught.value.hint is not None and "proxy-body-size" in caught.value.hint
    assert kfp_api.state.pipelines == {}


def test_a_package_over_kfp_s_32_mib_is_refused_before_sending(
    kfp_api: KfpApi, project: Path
) -> None:
    package = compile_to(project, "greet.zip")
    with zipfile.ZipFile(package, "a", compression=zipfile.ZIP_STORED) as archive:
        archive.writestr("padding.bin", os.urandom(33 * 1024 * 1024))
    with pytest.raises(
        ClientError, match=r"the package is 33.0 MiB; KFP's API server takes at most"
    ):
        client_for(kfp_api).upload_pipeline(package)
    assert kfp_api.calls == []


# ---- tokens ----------------------------------------------------------------------------------


def test_a_missing_token_is_refused_by_the_server_and_explained(kfp_api: KfpApi) -> None:
    kfp_api.token = TOKEN
    with pytest.raises(ClientError) as caught:
        client_for(kfp_api).list_experiments()
    assert caught.value.status == 401
    assert "asks for a token (401 Unauthorized): Unauthenticated" in caught.value.message
    assert caught.value.hint is not None and "no token was sent: set $YAMLPIPE_TOKEN" in (
        caught.value.hint
    )


def test_a_wrong_token_is_named_by_where_it_came_from_never_by_value(
    kfp_api: KfpApi, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    kfp_api.token = TOKEN
    monkeypatch.setenv("YAMLPIPE_TOKEN", "wrong-token-value")
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ClientError) as caught:
        client_for(kfp_api).list_experiments()
    assert caught.value.hint is not None
    assert "the token from $YAMLPIPE_TOKEN was refused" in caught.value.hint
    shown = caught.value.message + caught.value.hint + caplog.text
    assert "wrong-token-value" not in shown and TOKEN not in shown


@pytest.mark.parametrize("source", ["given", "variable", "file"])
def test_tokens_come_from_the_argument_the_variable_or_kfp_s_token_file(
    kfp_api: KfpApi, source: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kfp_api.token = TOKEN
    options: dict[str, object] = {}
    if source == "given":
        options["existing_token"] = TOKEN
    elif source == "variable":
        monkeypatch.setenv("YAMLPIPE_TOKEN", TOKEN)
    else:
        (tmp_path / "token").write_text(TOKEN + "\n", "utf-8")
        monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(tmp_path / "token"))
        monkeypatch.setenv("YAMLPIPE_TOKEN", "a token that loses to the file")
    assert client_for(kfp_api, **options).list_experiments().total_size == 0
    assert kfp_api.calls[-1].headers["Authorization"] == f"Bearer {TOKEN}"


def test_an_unreadable_token_file_is_reported(
    kfp_api: KfpApi, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("KF_PIPELINES_SA_TOKEN_PATH", str(tmp_path / "missing"))
    with pytest.raises(ClientError, match=r"cannot read the token file .*missing"):
        client_for(kfp_api).list_experiments()


# ---- TLS -------------------------------------------------------------------------------------


@pytest.fixture
def tls_api(tmp_path: Path) -> Iterator[tuple[KfpApi, Path]]:
    """The fake API over HTTPS with a self-signed certificate for 127.0.0.1."""
    if shutil.which("openssl") is None:
        pytest.skip("openssl is needed to make a test certificate")
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        check=True, capture_output=True,
    )  # fmt: skip
    api = KfpApi()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    api.httpd.socket = context.wrap_socket(api.httpd.socket, server_side=True)
    api.start()
    try:
        yield api, cert
    finally:
        api.stop()
    assert api.violations == []


def test_tls_is_verified_and_a_ca_bundle_makes_it_trusted(tls_api: tuple[KfpApi, Path]) -> None:
    api, cert = tls_api
    url = api.url.replace("http://", "https://")
    with pytest.raises(ClientError, match="cannot verify the TLS certificate") as caught:
        Client(host=url, retries=0).list_experiments()
    assert caught.value.hint is not None and "--ca-bundle" in caught.value.hint
    assert Client(host=url, ssl_ca_cert=str(cert)).list_experiments().total_size == 0


def test_records_read_like_kfp_s(kfp_api: KfpApi, project: Path) -> None:
    client = client_for(kfp_api)
    result = client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "x"})
    data = client.get_run(result.run_id).to_dict()
    assert set(data) == {"run", "pipeline_runtime"}
    assert data["run"]["id"] == result.run_id and data["run"]["pipeline_spec"]["parameters"]
    assert repr(result) == f"RunPipelineResult(run_id={result.run_id})"
