"""KFP's kfp.onprem helpers: an existing claim mounted, Secret keys as environment variables,
and default resources applied to every task by an op transformer.

Checks: a PVC mount from mount_pvc, secretKeyRef env from use_k8s_secret, limits and requests
from add_default_resource_spec (a task's own limit wins). (Needs the claim shared-data and
the Secret s3-secret to run; it is here for its structure.)
"""

from kfp import dsl, onprem


@dsl.pipeline(name="onprem-helpers", description="On-premises settings.")
def onprem_helpers():
    dsl.get_pipeline_conf().add_op_transformer(
        onprem.add_default_resource_spec(memory_limit="512Mi", cpu_limit="1")
    )
    read = dsl.ContainerOp(
        name="read",
        image="alpine:3.20",
        command=["sh", "-c", "test -d /mnt/pipeline && echo mounted"],
    )
    read.apply(onprem.mount_pvc("shared-data", "shared", "/mnt/pipeline"))
    upload = dsl.ContainerOp(name="upload", image="alpine:3.20", command=["echo", "upload"])
    upload.apply(
        onprem.use_k8s_secret(
            "s3-secret", {"access_key": "AWS_ACCESS_KEY_ID", "secret_key": "AWS_SECRET_ACCESS_KEY"}
        )
    )
    upload.set_memory_limit("1Gi")
    upload.after(read)
