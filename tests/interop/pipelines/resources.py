"""KFP v1 twin of tests/golden/resources. KFP refuses merge_strategy on patch (Argo uses it
there), and takes manifests as objects, not YAML text."""

from kfp import dsl
from twin import component

CASE = "resources"
DIFFERENCES = {"scale": ["resource"], "config": ["manifest"]}

JOB = {
    "apiVersion": "batch/v1",
    "kind": "Job",
    "metadata": {"generateName": "pi-", "namespace": None},
    "spec": {
        "backoffLimit": 1,
        "template": {
            "spec": {
                "restartPolicy": "Never",
                "containers": [
                    {
                        "name": "pi",
                        "image": "perl:5.40",
                        "command": ["perl", "-Mbignum=bpi", "-wle", "print bpi(200)"],
                    }
                ],
            }
        },
    },
}


@dsl.pipeline(name="resources")
def pipeline(namespace: str = "team-a", replicas: int = 2):
    job_manifest = {**JOB, "metadata": {"generateName": "pi-", "namespace": namespace}}
    job = dsl.ResourceOp(
        name="job",
        k8s_resource=job_manifest,
        action="create",
        set_owner_reference=True,
        success_condition="status.succeeded > 0",
        failure_condition="status.failed > 0",
        attribute_outputs={"uid": "{.metadata.uid}", "started": "{.status.startTime}"},
    )
    job.set_display_name("Run a Job")
    config = dsl.ResourceOp(
        name="config",
        action="apply",
        merge_strategy="merge",
        k8s_resource={
            "apiVersion": "v1",
            "kind": "ConfigMap",
            "metadata": {"name": "settings", "namespace": namespace},
            "data": {"replicas": replicas, "job": job.outputs["name"]},
        },
    )
    scale = dsl.ResourceOp(
        name="scale",
        action="patch",
        k8s_resource={
            "apiVersion": "apps/v1",
            "kind": "Deployment",
            "metadata": {"name": "web", "namespace": namespace},
            "spec": {"replicas": 3},
        },
    ).after(config)
    dsl.ResourceOp(
        name="cleanup",
        action="delete",
        k8s_resource={
            "apiVersion": "batch/v1",
            "kind": "Job",
            "metadata": {"name": job.outputs["name"]},
        },
    ).after(scale)
    component(CASE, "components/read.yaml", "read")(
        document=job.outputs["manifest"], name=job.outputs["uid"]
    )
