"""`yamlpipe upload` and `yamlpipe submit` as a user runs them (real subprocesses) against the
checked KFP and Argo APIs on 127.0.0.1, a named host in yamlpipe.yaml, and no host at all."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from yamlpipe.run.store import Page, RunStore

from fake_apis import ArgoApi, KfpApi
from helpers import run_cli

TOKEN = "cli-s3cret-token"


def cli(project: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)
    try:
        return run_cli(*args, cwd=project)
    finally:
        for key, value in saved.items():
            if value is None:
                os.environ.pop(key, None)
            else:
                os.environ[key] = value


def name_hosts(project: Path, text: str) -> None:
    (project / "yamlpipe.yaml").write_text(text, encoding="utf-8")


# ---- upload ----------------------------------------------------------------------------------


def test_upload_prints_the_pipeline_its_version_and_its_page(
    kfp_api: KfpApi, project: Path
) -> None:
    done = cli(project, "upload", "pipeline.yaml", "--host", kfp_api.url, "--name", "greet")
    assert done.returncode == 0, done.stderr
    [pipeline] = kfp_api.state.pipelines.values()
    assert done.stdout.startswith(f"uploaded pipeline 'greet' (id {pipeline['id']}), version")
    assert f"{kfp_api.url}/#/pipelines/details/{pipeline['id']}" in done.stdout
    [(filename, _)] = kfp_api.state.uploads
    assert filename == "pipeline.yaml"


def test_upload_version_makes_the_pipeline_once_then_adds_versions(
    kfp_api: KfpApi, project: Path
) -> None:
    for version in ("v1", "v2"):
        done = cli(project, "upload", "pipeline.yaml", "--host", kfp_api.url, "--name", "greet",
                   "--version", version)  # fmt: skip
        assert done.returncode == 0, done.stderr
        assert f"version '{version}'" in done.stdout
    names = sorted(v["name"] for v in kfp_api.state.versions.values())
    assert names == ["greet", "v1", "v2"] and len(kfp_api.state.pipelines) == 1


def test_an_invalid_pipeline_is_shown_at_its_line_and_nothing_is_sent(
    kfp_api: KfpApi, project: Path
) -> None:
    (project / "broken.yaml").write_text(
        "name: broken\ntasks:\n  a:\n    component: missing.yaml\n", "utf-8"
    )
    for command in ("upload", "submit"):
        done = cli(project, command, "broken.yaml", "--host", kfp_api.url)
        assert done.returncode == 1
        assert "broken.yaml:4:16: error:" in done.stderr
        assert "nothing was sent: broken.yaml has errors" in done.stderr
    assert kfp_api.calls == []


def test_upload_of_a_taken_name_is_refused_with_kfp_s_message(
    kfp_api: KfpApi, project: Path
) -> None:
    assert cli(project, "upload", "pipeline.yaml", "--host", kfp_api.url).returncode == 0
    done = cli(project, "upload", "pipeline.yaml", "--host", kfp_api.url)
    assert done.returncode == 1
    assert "already has one (409 Conflict)" in done.stderr and "Traceback" not in done.stderr


# ---- submit ----------------------------------------------------------------------------------


def test_submit_prints_the_run_id_and_its_page(kfp_api: KfpApi, project: Path) -> None:
    done = cli(project, "submit", "pipeline.yaml", "-a", "who=world", "--host", kfp_api.url,
               "--experiment", "nightly", "--name", "first")  # fmt: skip
    assert done.returncode == 0, done.stderr
    [run_id] = kfp_api.state.runs
    assert done.stdout.splitlines() == [
        f"submitted run {run_id} (first) to {kfp_api.url}",
        f"  {kfp_api.url}/#/runs/details/{run_id}",
    ]
    assert [e["name"] for e in kfp_api.state.experiments.values()] == ["nightly"]


def test_submit_wait_follows_the_run_and_exits_with_its_result(
    kfp_api: KfpApi, project: Path
) -> None:
    kfp_api.state.scripts += [["Pending", "Running", "Succeeded"], ["Running", "Failed"]]
    submit = ("submit", "pipeline.yaml", "-a", "who=x", "--host", kfp_api.url, "--wait")
    done = cli(project, *submit)
    assert done.returncode == 0, done.stderr
    states = [line.split()[-1] for line in done.stderr.splitlines() if re.match(r"\d\d:", line)]
    assert states == ["Pending", "Running", "Succeeded"]
    failed = cli(project, *submit)
    assert failed.returncode == 1
    assert "yamlpipe: run" in failed.stderr and "Failed" in failed.stderr
    assert "step 'train' failed: Error (exit code 1)" in failed.stderr


def test_submit_wait_gives_up_after_the_timeout_and_the_run_goes_on(
    kfp_api: KfpApi, project: Path
) -> None:
    kfp_api.state.scripts.append(["Running"])
    done = cli(project, "submit", "pipeline.yaml", "-a", "who=x", "--host", kfp_api.url,
               "--wait", "--timeout", "0.5")  # fmt: skip
    assert done.returncode == 1
    assert re.search(r"run \S+ is still Running after 0.5 s; it goes on: http", done.stderr)


def test_argument_mistakes_are_usage_errors_and_nothing_is_sent(
    kfp_api: KfpApi, project: Path
) -> None:
    done = cli(project, "submit", "pipeline.yaml", "-a", "whom=x", "-a", "times=many",
               "--host", kfp_api.url)  # fmt: skip
    assert done.returncode == 2
    assert "the pipeline has no input 'whom' (did you mean 'who'?)" in done.stderr
    assert "argument times='many'" in done.stderr and "nothing was sent" in done.stderr
    assert kfp_api.calls == []


def test_submit_to_an_argo_server(argo_api: ArgoApi, project: Path) -> None:
    done = cli(project, "submit", "pipeline.yaml", "-a", "who=x", "--argo-server", argo_api.url,
               "--namespace", "ml", "--wait")  # fmt: skip
    assert done.returncode == 0, done.stderr
    [name] = argo_api.workflows
    assert f"  {argo_api.url}/workflows/ml/{name}" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith(f"run {name} Succeeded")
    missing = cli(project, "submit", "pipeline.yaml", "-a", "who=x", "--argo-server", argo_api.url)
    assert missing.returncode == 2 and "--argo-server needs --namespace" in missing.stderr
    both = cli(project, "submit", "pipeline.yaml", "--host", "x", "--argo-server", "y")
    assert both.returncode == 2 and "not both" in both.stderr


# ---- hosts and tokens ------------------------------------------------------------------------


def test_a_named_host_brings_its_url_namespace_and_token_variable(
    kfp_api: KfpApi, project: Path
) -> None:
    kfp_api.token = TOKEN
    name_hosts(
        project,
        f"hosts:\n  prod: {{url: '{kfp_api.url}', namespace: team-a, token_env: PROD_TOKEN}}\n",
    )
    done = cli(project, "submit", "pipeline.yaml", "-a", "who=x", "--host", "prod",
               PROD_TOKEN=TOKEN)  # fmt: skip
    assert done.returncode == 0, done.stderr
    [create] = [c for c in kfp_api.calls if c.operation == "CreateExperiment"]
    assert create.body["resource_references"][0]["key"] == {"type": "NAMESPACE", "id": "team-a"}
    assert TOKEN not in done.stdout + done.stderr
    unset = cli(project, "upload", "pipeline.yaml", "--host", "prod")
    assert unset.returncode == 1
    assert "host 'prod' takes its token from $PROD_TOKEN, which is not set" in unset.stderr


def test_an_unknown_host_name_is_a_usage_error_naming_the_known_ones(project: Path) -> None:
    name_hosts(project, "hosts:\n  prod: {url: 'https://kfp.example.com'}\n")
    done = cli(project, "upload", "pipeline.yaml", "--host", "prdo")
    assert done.returncode == 2
    assert "unknown host 'prdo'" in done.stderr and "(named hosts: prod)" in done.stderr


def test_a_hosts_entry_that_breaks_the_schema_is_shown_at_its_line(project: Path) -> None:
    name_hosts(project, "hosts:\n  prod: {url: 'https://x', token: abc}\n")
    done = cli(project, "upload", "pipeline.yaml", "--host", "prod")
    assert done.returncode == 1 and "yamlpipe.yaml:2:" in done.stderr
    assert "token" in done.stderr and "Traceback" not in done.stderr


def test_a_missing_token_is_refused_and_explained_and_a_token_is_never_printed(
    kfp_api: KfpApi, project: Path
) -> None:
    kfp_api.token = TOKEN
    missing = cli(project, "submit", "pipeline.yaml", "-a", "who=x", "--host", kfp_api.url)
    assert missing.returncode == 1
    assert "asks for a token (401 Unauthorized)" in missing.stderr
    assert "no token was sent: set $YAMLPIPE_TOKEN" in missing.stderr
    wrong = cli(project, "-vv", "submit", "pipeline.yaml", "-a", "who=x", "--host", kfp_api.url,
                YAMLPIPE_TOKEN="wrong-secret-value")  # fmt: skip
    assert wrong.returncode == 1 and "the token from $YAMLPIPE_TOKEN was refused" in wrong.stderr
    assert "DEBUG" in wrong.stderr and "wrong-secret-value" not in wrong.stdout + wrong.stderr
    right = cli(project, "-vv", "submit", "pipeline.yaml", "-a", "who=x", "--host", kfp_api.url,
                YAMLPIPE_TOKEN=TOKEN)  # fmt: skip
    assert right.returncode == 0 and TOKEN not in right.stdout + right.stderr


def test_a_host_that_refuses_connections_an_html_page_and_a_slow_server(
    kfp_api: KfpApi, project: Path
) -> None:
    refused = cli(project, "upload", "pipeline.yaml", "--host", "http://127.0.0.1:9")
    assert refused.returncode == 1
    assert "cannot connect to the KFP API at http://127.0.0.1:9: connection refused" in (
        refused.stderr
    )
    kfp_api.login_page = True
    login = cli(project, "upload", "pipeline.yaml", "--host", kfp_api.url)
    assert login.returncode == 1 and "HTML page ('Sign in to Kubeflow')" in login.stderr
    kfp_api.login_page, kfp_api.delay = False, 3.0
    name_hosts(project, f"hosts:\n  slow: {{url: '{kfp_api.url}', timeout: 0.5}}\n")
    slow = cli(project, "upload", "pipeline.yaml", "--host", "slow")
    assert slow.returncode == 1 and "did not answer within 0.5 s" in slow.stderr
    for done in (refused, login, slow):
        assert "Traceback" not in done.stderr


def test_a_package_too_large_for_the_api_server(kfp_api: KfpApi, project: Path) -> None:
    kfp_api.max_body = 500
    done = cli(project, "upload", "pipeline.yaml", "--host", kfp_api.url)
    assert done.returncode == 1
    assert "refused the package as too large (413)" in done.stderr
    assert kfp_api.state.pipelines == {}


def test_option_mistakes_are_usage_errors(project: Path) -> None:
    done = cli(project, "upload", "pipeline.yaml", "--host", "https://x", "--ca-bundle", "no.pem")
    assert done.returncode == 2 and "--ca-bundle: no such file: no.pem" in done.stderr
    alone = cli(project, "submit", "pipeline.yaml", "--timeout", "5")
    assert alone.returncode == 2 and "give --wait too" in alone.stderr
    name_hosts(project, "hosts:\n  prod: {url: 'https://x', ca_bundle: certs/ca.pem}\n")
    missing = cli(project, "upload", "pipeline.yaml", "--host", "prod")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr
    assert "no certificate bundle at " in missing.stderr and "certs/ca.pem" in missing.stderr


# ---- no host: this project's run store -------------------------------------------------------


def test_without_a_host_upload_and_submit_use_the_project_s_run_store(project: Path) -> None:
    uploaded = cli(project, "upload", "pipeline.yaml", "--name", "greet")
    assert uploaded.returncode == 0, uploaded.stderr
    assert uploaded.stdout.startswith("uploaded pipeline 'greet'")
    assert "to this project's run store (.yamlpipe)" in uploaded.stdout
    done = cli(project, "submit", "pipeline.yaml", "-a", "who=here", "--wait")
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[2]
    assert f"yamlpipe runs show {run_id[:8]}" in done.stdout
    with RunStore(project) as store:
        record = store.run(run_id)
        assert record.state == "Succeeded" and record.arguments == {"who": "here"}
        found, total = store.list_pipelines(Page())
        assert total == 1 and found[0].name == "greet"


@pytest.mark.parametrize("command", ["upload", "submit"])
def test_help_names_the_token_sources_and_exit_codes(command: str, project: Path) -> None:
    done = cli(project, command, "--help")
    assert done.returncode == 0
    assert "Exit codes" in done.stdout


def test_a_package_that_is_not_a_workflow_is_shown_at_its_line(
    kfp_api: KfpApi, project: Path
) -> None:
    (project / "package.yaml").write_text("kind: Workflow\nspec:\n  entrypoint: main\n", "utf-8")
    done = cli(project, "upload", "package.yaml", "--host", kfp_api.url)
    assert done.returncode == 1
    assert "package.yaml:3:3: error: the Workflow has no spec.templates list" in done.stderr
    assert "    3 |   entrypoint: main" in done.stderr and kfp_api.calls == []
