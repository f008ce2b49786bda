"""yamlpipe.Client against an Argo Server on 127.0.0.1 whose every request and answer is
checked against Argo's swagger file (the Workflow sent is checked field by field)."""

from __future__ import annotations

from pathlib import Path

import pytest

from yamlpipe import Client
from yamlpipe.kfpapi.errors import AlreadyExists, ClientError, NotFound

from fake_apis import ArgoApi


def argo_client(api: ArgoApi, **options: object) -> Client:
    return Client(argo_server=api.url, namespace="ml", poll_interval=0.01, **options)  # type: ignore[arg-type]


def test_a_run_is_a_workflow_created_with_its_arguments(argo_api: ArgoApi, project: Path) -> None:
    client = argo_client(argo_api)
    result = client.create_run_from_pipeline_package(
        project / "pipeline.yaml", {"who": "world"}, run_name="Greet World", service_account="wf"
    )
    [create] = [c for c in argo_api.calls if c.operation == "WorkflowService_CreateWorkflow"]
    workflow = create.body["workflow"]
    assert create.values == {"namespace": "ml"} and create.body["namespace"] == "ml"
    assert workflow["metadata"]["generateName"] == "greet-world-"
    assert workflow["spec"]["serviceAccountName"] == "wf"
    assert workflow["spec"]["arguments"]["parameters"] == [
        {"name": "who", "value": "world"},
        {"name": "times", "value": "1"},
    ]
    assert result.run_id.startswith("greet-world-")
    assert client.run_url(result.run_id) == f"{argo_api.url}/workflows/ml/{result.run_id}"
    assert result.wait_for_run_completion(10).run.status == "Succeeded"


def test_a_failed_workflow_carries_argo_s_message(argo_api: ArgoApi, project: Path) -> None:
    argo_api.scripts.append(["Running", "Failed"])
    client = argo_client(argo_api)
    result = client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "x"})
    detail = client.wait_for_run_completion(result.run_id, 10)
    assert (detail.run.status, detail.run.error) == ("Failed", "child 'train' failed")


def test_terminate_stops_the_workflow(argo_api: ArgoApi, project: Path) -> None:
    argo_api.scripts.append(["Running"])
    client = argo_client(argo_api)
    result = client.create_run_from_pipeline_package(project / "pipeline.yaml", {"who": "x"})
    client.terminate_run(result.run_id)
    assert client.wait_for_run_completion(result.run_id, 10).run.status == "Terminated"


def test_workflows_are_listed_in_pages(argo_api: ArgoApi, project: Path) -> None:
    client = argo_client(argo_api)
    for index in range(3):
        client.create_run_from_pipeline_package(
            project / "pipeline.yaml", {"who": "x"}, f"r{index}"
        )
    first = client.list_runs(page_size=2)
    second = client.list_runs(page_size=2, page_token=first.next_page_token)
    assert len(first.runs) == 2 and first.total_size == 3 and len(second.runs) == 1
    assert second.next_page_token == ""


def test_argo_has_no_experiments_or_uploads_and_says_so(argo_api: ArgoApi, project: Path) -> None:
    client = argo_client(argo_api)
    with pytest.raises(ClientError, match="Argo Server has no experiments"):
        client.create_experiment("x")
    with pytest.raises(ClientError, match="Argo Server has no pipelines"):
        client.upload_pipeline(project / "pipeline.yaml")
    with pytest.raises(ValueError, match="namespace"):
        Client(argo_server=argo_api.url)
    assert argo_api.calls == []


def test_argo_errors_are_reported_with_its_message(argo_api: ArgoApi, project: Path) -> None:
    client = argo_client(argo_api)
    with pytest.raises(NotFound, match=r'404 Not Found\): workflows.argoproj.io "nope" not found'):
        client.get_run("nope")
    package = project / "named.yaml"
    from yamlpipe.api.compile import compile as compile_package

    compile_package(project / "pipeline.yaml", package)
    text = package.read_text("utf-8").replace("generateName: greet-", "name: greet-once")
    package.write_text(text, "utf-8")
    client.create_run_from_pipeline_package(package, {"who": "x"}, run_name="")
    with pytest.raises(AlreadyExists, match="already exists"):
        client.create_run_from_pipeline_package(package, {"who": "x"}, run_name="")


def test_a_missing_token_is_refused_by_argo_and_explained(argo_api: ArgoApi, project: Path) -> None:
    argo_api.token = "argo-token"
    with pytest.raises(ClientError) as caught:
        argo_client(argo_api).get_run("x")
    assert caught.value.status == 401
    assert "Argo Server at" in caught.value.message and "401 Unauthorized" in caught.value.message
    result = argo_client(argo_api, existing_token="argo-token").create_run_from_pipeline_package(
        project / "pipeline.yaml", {"who": "x"}
    )
    assert result.run_id
