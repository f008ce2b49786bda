"""KFP's kfp.gcp helpers: a service-account Secret mounted with its environment variables,
preemptible nodes (toleration and node affinity), the GPU node toleration and a TPU request.

Checks: secret volumes and mounts, env, tolerations, affinity, a resource limit beyond CPU
and memory, a pod annotation. (Needs GKE and the Secret user-gcp-sa to run; it is here for
its structure.)
"""

from kfp import dsl, gcp


@dsl.pipeline(name="gcp-helpers", description="GKE settings on tasks.")
def gcp_helpers():
    train = dsl.ContainerOp(name="train", image="alpine:3.20", command=["echo", "train"])
    train.apply(gcp.use_gcp_secret("user-gcp-sa"))
    train.apply(gcp.use_preemptible_nodepool())
    gpu = dsl.ContainerOp(name="gpu", image="alpine:3.20", command=["echo", "gpu"]).after(train)
    gpu.apply(gcp.add_gpu_toleration())
    gpu.apply(gcp.use_preemptible_nodepool(hard_constraint=True))
    tpu = dsl.ContainerOp(name="tpu", image="alpine:3.20", command=["echo", "tpu"]).after(gpu)
    tpu.apply(gcp.use_tpu(tpu_cores=8, tpu_resource="v3", tf_version="2.12"))
