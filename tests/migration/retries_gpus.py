"""Retries, GPUs, node selection, tolerations, timeouts, caching and secrets."""

from kfp import dsl

from components import echo_op, train_op, write_csv_op

try:
    from kubernetes.client import V1EnvVar, V1EnvVarSource, V1SecretKeySelector, V1Toleration
except ImportError:  # without the kubernetes package, plain maps say the same to yamlpipe

    def V1EnvVar(**fields):
        return fields

    V1EnvVarSource = V1SecretKeySelector = V1Toleration = V1EnvVar


@dsl.pipeline(name="retries-gpus", description="Train on a GPU node, retrying pod errors.")
def retries_gpus_pipeline(text: str = "1,2\n3,4", epochs: int = 10):
    data = write_csv_op(text).set_retry(2)
    data.set_caching_options(False)
    model = train_op(data.outputs["data"], epochs=epochs)
    model.set_gpu_limit(1).set_cpu_limit("4").set_memory_limit("16Gi")
    model.add_node_selector_constraint("cloud.google.com/gke-accelerator", "nvidia-tesla-t4")
    model.add_toleration(V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule"))
    model.set_retry(3, policy="OnError", backoff_duration="60", backoff_factor=2)
    model.set_timeout(7200)
    secret = V1SecretKeySelector(name="training-secrets", key="token")
    model.add_env_variable(V1EnvVar(name="TOKEN", value_from=V1EnvVarSource(secret_key_ref=secret)))
    echo_op(f"accuracy: {model.outputs['accuracy']}").set_timeout(300)
