"""Kubernetes client models on a task: a ConfigMap volume and its mount, environment
variables (a value and a Secret key), an image pull policy, pod annotations and labels, a
sidecar and an affinity; the pipeline conf sets a default pull policy.

Checks: what V1Volume / V1VolumeMount / V1EnvVar / V1Affinity and dsl.Sidecar become.
(Needs the ConfigMap app-settings and the Secret api to run; it is here for its structure.)
"""

from kfp import dsl
from kubernetes import client as k8s


@dsl.pipeline(name="k8s-models", description="Kubernetes models on tasks.")
def k8s_models(mode: str = "fast"):
    dsl.get_pipeline_conf().set_image_pull_policy("IfNotPresent")
    serve = dsl.ContainerOp(
        name="serve",
        image="alpine:3.20",
        command=["sh", "-c", 'cat /etc/app/settings.yaml; echo "$MODE"'],
        sidecars=[dsl.Sidecar(name="cache", image="redis:7", args=["--port", "6379"])],
    )
    serve.add_volume(
        k8s.V1Volume(name="settings", config_map=k8s.V1ConfigMapVolumeSource(name="app-settings"))
    )
    serve.container.add_volume_mount(k8s.V1VolumeMount(name="settings", mount_path="/etc/app"))
    serve.container.add_env_variable(k8s.V1EnvVar(name="MODE", value=mode))
    serve.container.add_env_variable(
        k8s.V1EnvVar(
            name="TOKEN",
            value_from=k8s.V1EnvVarSource(
                secret_key_ref=k8s.V1SecretKeySelector(name="api", key="token")
            ),
        )
    )
    serve.container.set_image_pull_policy("Always")
    serve.add_pod_annotation("sidecar.istio.io/inject", "false")
    serve.add_pod_label("team", "ml")
    serve.add_affinity(
        k8s.V1Affinity(
            node_affinity=k8s.V1NodeAffinity(
                required_during_scheduling_ignored_during_execution=k8s.V1NodeSelector(
                    node_selector_terms=[
                        k8s.V1NodeSelectorTerm(
                            match_expressions=[
                                k8s.V1NodeSelectorRequirement(
                                    key="kubernetes.io/os", operator="In", values=["linux"]
                                )
                            ]
                        )
                    ]
                )
            )
        )
    )
    dsl.ContainerOp(name="after", image="alpine:3.20", command=["echo", "done"]).after(serve)
