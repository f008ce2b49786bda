"""KFP's `kfp.onprem` and `kfp.gcp` task modifiers, written with plain Kubernetes maps (the
kubernetes package is not needed): each returns a function that changes a task, for
`task.apply(...)` or `PipelineConf.add_op_transformer(...)`."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

Modifier = Callable[[Any], Any]
PREEMPTIBLE = {"effect": "NoSchedule", "key": "preemptible", "operator": "Equal", "value": "true"}
GPU_NODES = {"effect": "NoSchedule", "key": "nvidia.com/gpu", "operator": "Equal", "value": "true"}


def mount_pvc(
    pvc_name: str = "pipeline-claim",
    volume_name: str = "pipeline",
    volume_mount_path: str = "/mnt/pipeline",
) -> Modifier:
    """Mount an existing PersistentVolumeClaim into the task's container."""

    def modify(task: Any) -> Any:
        if not hasattr(task, "add_volume_mount"):
            return task
        task.add_volume({"name": volume_name, "persistentVolumeClaim": {"claimName": pvc_name}})
        return task.add_volume_mount({"name": volume_name, "mountPath": volume_mount_path})

    return modify


def use_k8s_secret(
    secret_name: str = "k8s-secret", k8s_secret_key_to_env: Mapping[str, str] | None = None
) -> Modifier:
    """Environment variables read from keys of a Secret (never their values)."""

    def modify(task: Any) -> Any:
        for key, env_name in (k8s_secret_key_to_env or {}).items():
            task.container.add_env_variable(
                {
                    "name": env_name,
                    "valueFrom": {"secretKeyRef": {"name": secret_name, "key": key}},
                }
            )
        return task

    return modify


def add_default_resource_spec(
    memory_limit: str | None = None,
    cpu_limit: str | None = None,
    memory_request: str | None = None,
    cpu_request: str | None = None,
) -> Modifier:
    """Limits (and requests, by default the limits) for tasks that set none themselves."""
    memory_request = memory_request or memory_limit
    cpu_request = cpu_request or cpu_limit

    def modify(task: Any) -> Any:
        if not hasattr(task, "add_resource_limit"):
            return task
        for name, request, limit in (
            ("cpu", cpu_request, cpu_limit),
            ("memory", memory_request, memory_limit),
        ):
            if task.get_resource_limit(name):
                continue
            if limit:
                task.add_resource_limit(name, limit)
            if request and not task.get_resource_request(name):
                task.add_resource_request(name, request)
        return task

    return modify


def use_gcp_secret(
    secret_name: str = "user-gcp-sa",
    secret_file_path_in_volume: str | None = None,
    volume_name: str | None = None,
    secret_volume_mount_path: str = "/secret/gcp-credentials",
) -> Modifier:
    """A GCP service account key from a Secret, mounted, with the variables that point at it."""
    file_path = secret_file_path_in_volume or f"/{secret_name}.json"
    name = volume_name or f"gcp-credentials-{secret_name}"
    credentials = secret_volume_mount_path + file_path

    def modify(task: Any) -> Any:
        task.add_volume({"name": name, "secret": {"secretName": secret_name}})
        task.container.add_volume_mount({"name": name, "mountPath": secret_volume_mount_path})
        for variable in (
            "GOOGLE_APPLICATION_CREDENTIALS",
            "CLOUDSDK_AUTH_CREDENTIAL_FILE_OVERRIDE",
        ):
            task.container.add_env_variable({"name": variable, "value": credentials})
        return task

    return modify


def use_tpu(tpu_cores: int, tpu_resource: str, tf_version: str) -> Modifier:
    """TPU cores as a resource limit, and the TensorFlow version the TPU nodes run."""

    def modify(task: Any) -> Any:
        task.add_pod_annotation("tf-version.cloud-tpus.google.com", tf_version)
        task.container.add_resource_limit(f"cloud-tpus.google.com/{tpu_resource}", str(tpu_cores))
        return task

    return modify


def use_preemptible_nodepool(toleration: Any = None, hard_constraint: bool = False) -> Modifier:
    """Run on GKE preemptible nodes: a toleration and a node affinity (preferred, or required
    with `hard_constraint`)."""
    term = {
        "matchExpressions": [
            {"key": "cloud.google.com/gke-preemptible", "operator": "In", "values": ["true"]}
        ]
    }
    if hard_constraint:
        node_affinity: dict[str, Any] = {
            "requiredDuringSchedulingIgnoredDuringExecution": {"nodeSelectorTerms": [term]}
        }
    else:
        node_affinity = {
            "preferredDuringSchedulingIgnoredDuringExecution": [{"preference": term, "weight": 50}]
        }

    def modify(task: Any) -> Any:
        task.add_toleration(toleration if toleration is not None else dict(PREEMPTIBLE))
        return task.add_affinity({"nodeAffinity": node_affinity})

    return modify


def add_gpu_toleration(toleration: Any = None) -> Modifier:
    """Tolerate GKE's GPU node taint."""

    def modify(task: Any) -> None:
        task.add_toleration(toleration if toleration is not None else dict(GPU_NODES))

    return modify


ONPREM_NAMES = {
    "mount_pvc": mount_pvc,
    "use_k8s_secret": use_k8s_secret,
    "add_default_resource_spec": add_default_resource_spec,
}
GCP_NAMES = {
    "use_gcp_secret": use_gcp_secret,
    "use_tpu": use_tpu,
    "use_preemptible_nodepool": use_preemptible_nodepool,
    "add_gpu_toleration": add_gpu_toleration,
}
