"""What `upload` sends KFP, read by kfp 1.8.22 itself: for every bundled example, the package
file the checked API server received is accepted by kfp.Client's own package reader
(`Client._extract_pipeline_yaml`, what kfp runs before every upload or run of a package), and
it reads as exactly the Workflow a run of it sends as its `workflow_manifest`."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from yamlpipe import Client
from yamlpipe.api.client import load_package
from yamlpipe.client.kfp import run_body
from yamlpipe.kfpapi.records import RunRequest

from fake_apis import KfpApi
from helpers import ROOT, kfp_python

EXAMPLES = sorted((ROOT / "pipelines").glob("*.yaml"))
KFP_READS = """\
import json, sys
import kfp

client = kfp.Client.__new__(kfp.Client)  # its package reader needs no connection
found = {}
for path in sys.argv[1:]:
    workflow = client._extract_pipeline_yaml(path)
    client._override_caching_options(workflow, True)
    found[path] = workflow
print(json.dumps(found))
"""


def test_kfp_reads_every_uploaded_example_as_the_manifest_we_run(
    kfp_api: KfpApi, tmp_path: Path
) -> None:
    python = kfp_python()
    assert len(EXAMPLES) >= 5
    client = Client(host=kfp_api.url)
    manifests = {}
    for example in EXAMPLES:
        client.upload_pipeline(example, pipeline_name=example.stem)
        request = RunRequest("run", {}, package=load_package(example))
        manifests[example.stem] = json.loads(
            run_body(request)["pipeline_spec"]["workflow_manifest"]
        )
    files = []
    for filename, data in kfp_api.state.uploads:
        saved = tmp_path / filename
        saved.write_bytes(data)
        files.append(str(saved))
    assert sorted(Path(f).stem for f in files) == sorted(e.stem for e in EXAMPLES)
    done = subprocess.run(
        [str(python), "-c", KFP_READS, *files], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    read = json.loads(done.stdout)
    for path, workflow in read.items():
        assert workflow["kind"] == "Workflow"
        assert workflow == _caching_on(manifests[Path(path).stem]), path


def _caching_on(workflow: dict[str, object]) -> dict[str, object]:
    """The manifest as kfp sees it after its `enable_caching=True` pass (labels to "true")."""
    text = json.dumps(workflow).replace(
        '"pipelines.kubeflow.org/enable_caching": "false"',
        '"pipelines.kubeflow.org/enable_caching": "true"',
    )
    return dict(json.loads(text))
