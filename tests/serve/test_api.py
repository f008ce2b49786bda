"""The server is one more KFP host: yamlpipe.Client and kfp 1.8.22's own kfp.Client upload,
create an experiment, run and wait against it; errors come back in KFP's error body."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import requests
from serving import Server

from yamlpipe import Client

from helpers import kfp_python, run_cli

API = "/apis/v1beta1"

KFP_FLOW = """\
import json, sys
import kfp

client = kfp.Client(host=sys.argv[1])
pipeline = client.upload_pipeline(sys.argv[2], "quickstart-kfp")
experiment = client.create_experiment("kfp-experiment")
run = client.run_pipeline(
    experiment.id, "from kfp", pipeline_package_path=sys.argv[2], params={"rows": 120}
)
done = client.wait_for_run_completion(run.id, 180)
uploaded = client.run_pipeline(experiment.id, "uploaded", pipeline_id=pipeline.id)
again = client.wait_for_run_completion(uploaded.id, 180)
listed = client.list_runs(experiment_id=experiment.id, page_size=10)
print(json.dumps({
    "pipeline": pipeline.name, "status": done.run.status, "uploaded": again.run.status,
    "experiment": experiment.name, "listed": listed.total_size,
    "rows": [p.value for p in done.run.pipeline_spec.parameters if p.name == "rows"],
}))
"""


def test_yamlpipe_client_uploads_runs_and_waits(server: Server, project: Path) -> None:
    client = Client(host=server.url)
    pipeline = client.upload_pipeline(project / "pipelines" / "quickstart.yaml", "quickstart")
    assert pipeline.default_version is not None
    assert {p.name for p in pipeline.parameters} == {"rows", "seed", "target_accuracy"}
    result = client.create_run_from_pipeline_package(
        project / "pipelines" / "quickstart.yaml", {"rows": 150}, experiment_name="nightly"
    )
    detail = result.wait_for_run_completion(timeout=180)
    assert detail.run.status == "Succeeded", detail.run.error
    manifest = json.loads(detail.pipeline_runtime.workflow_manifest)
    assert manifest["status"]["phase"] == "Succeeded"
    experiment = client.get_experiment(experiment_name="nightly")
    assert client.list_runs(experiment_id=experiment.id).total_size == 1
    run = client.run_pipeline(experiment.id, "from the upload", pipeline_id=pipeline.id)
    assert client.wait_for_run_completion(run.id, 180).run.status == "Succeeded"
    versions = client.list_pipeline_versions(pipeline.id)
    assert [v.name for v in versions.versions] == ["quickstart"]


def test_kfp_client_uploads_runs_and_waits(server: Server, project: Path, tmp_path: Path) -> None:
    python = kfp_python()
    package = tmp_path / "quickstart.zip"
    compiled = run_cli("compile", "pipelines/quickstart.yaml", "-o", str(package), cwd=project)
    assert compiled.returncode == 0, compiled.stderr
    done = subprocess.run(
        [str(python), "-c", KFP_FLOW, server.url, str(package)],
        capture_output=True,
        text=True,
        timeout=400,
        check=False,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    found = json.loads(done.stdout.strip().splitlines()[-1])
    assert found == {
        "pipeline": "quickstart-kfp",
        "status": "Succeeded",
        "uploaded": "Succeeded",
        "experiment": "kfp-experiment",
        "listed": 2,
        "rows": ["120"],
    }


def test_errors_are_kfp_error_bodies(server: Server) -> None:
    missing = requests.get(f"{server.url}{API}/runs/nope", timeout=10)
    assert missing.status_code == 404
    body = missing.json()
    assert body["code"] == 5
    assert body["error"] == body["message"] and "nope" in body["error"]
    bad = requests.post(f"{server.url}{API}/runs", json={"name": "x"}, timeout=10)
    assert bad.status_code == 400 and "names no pipeline" in bad.json()["error"]
    unknown = requests.post(
        f"{server.url}{API}/runs",
        json={"pipeline_spec": {"workflow_manifest": "{}"}},
        timeout=10,
    )
    assert unknown.status_code == 400
    twice = [
        requests.post(f"{server.url}{API}/experiments", json={"name": "e"}, timeout=10)
        for _ in range(2)
    ]
    assert [a.status_code for a in twice] == [200, 409]
    assert twice[1].json()["code"] == 6


def test_malformed_requests_are_400s_not_server_errors(server: Server) -> None:
    """Values of the wrong shape are the caller's mistake: a 400 naming the field."""
    for size in ("--5", "\u00b2", "1" * 5000):
        listed = requests.get(f"{server.url}{API}/runs", params={"page_size": size}, timeout=10)
        assert listed.status_code in (200, 400), (size, listed.text)
    odd = requests.get(f"{server.url}{API}/runs", params={"page_size": "--5"}, timeout=10)
    assert odd.status_code == 400 and "page_size" in odd.json()["error"]
    for body, field in (
        ({"resource_references": 5}, "resource_references must be a list"),
        ({"pipeline_spec": {"parameters": 3}}, ""),
    ):
        refused = requests.post(f"{server.url}{API}/runs", json=body, timeout=10)
        assert refused.status_code == 400, refused.text
        assert field in refused.json()["error"]
    assert "Traceback" not in server.log()


def test_bad_arguments_are_refused_before_a_run_starts(server: Server, project: Path) -> None:
    client = Client(host=server.url)
    pipeline = client.upload_pipeline(project / "pipelines" / "quickstart.yaml", "quickstart")
    answer = requests.post(
        f"{server.url}{API}/runs",
        json={
            "name": "bad",
            "pipeline_spec": {
                "pipeline_id": pipeline.id,
                "parameters": [{"name": "rows", "value": "many"}, {"name": "rowz", "value": "1"}],
            },
        },
        timeout=30,
    )
    assert answer.status_code == 400
    error = answer.json()["error"]
    assert "rows='many'" in error and "'rowz' (did you mean 'rows'?)" in error
    assert client.list_runs().total_size == 0


def test_openapi_document_lists_the_routes(server: Server) -> None:
    document = requests.get(f"{server.url}{API}/openapi.json", timeout=10).json()
    assert document["openapi"].startswith("3.")
    assert f"{API}/pipelines/upload" in document["paths"]
    assert set(document["paths"][f"{API}/runs"]) == {"get", "post"}
