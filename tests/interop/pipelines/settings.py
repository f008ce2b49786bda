"""KFP v1 twin of tests/golden/settings. KFP has no task defaults (each op gets them here by
hand) and always runs as pipeline-runner; a service account is chosen when the run is
created."""

from kfp import dsl
from kubernetes.client import V1LocalObjectReference, V1Toleration
from twin import component

CASE = "settings"

PIPELINE_CONF = dsl.PipelineConf()
PIPELINE_CONF.set_parallelism(8)
PIPELINE_CONF.set_ttl_seconds_after_finished(2 * 86400)
PIPELINE_CONF.set_timeout(12 * 3600)
PIPELINE_CONF.set_image_pull_secrets(
    [V1LocalObjectReference(name="regcred"), V1LocalObjectReference(name="mirror")]
)


def echo(name, text, **settings):
    op = component(CASE, "components/echo.yaml", name)(text=text)
    retry = settings.get("retry", (2, None, "30s", 2, "10m"))
    if retry:
        limit, policy, duration, factor, max_duration = retry
        op.set_retry(
            limit,
            policy=policy,
            backoff_duration=duration,
            backoff_factor=factor,
            backoff_max_duration=max_duration,
        )
    op.set_timeout(settings.get("timeout", 3600))
    cache = settings.get("cache", "P7D")
    if cache is False:
        op.set_caching_options(False)
        op.execution_options.caching_strategy.max_cache_staleness = "P0D"
    elif cache:
        op.execution_options.caching_strategy.max_cache_staleness = cache
    op.set_cpu_limit(settings.get("cpu", "1")).set_memory_limit(settings.get("memory", "2Gi"))
    for key, value in settings.get("node_selector", {"pool": "cpu"}).items():
        op.add_node_selector_constraint(key, value)
    for toleration in settings.get(
        "tolerations", [V1Toleration(key="spot", operator="Exists", effect="NoSchedule")]
    ):
        op.add_toleration(toleration)
    op.add_pod_annotation("cost-center", settings.get("cost_center", "ml"))
    op.add_pod_label("tier", "batch")
    return op


@dsl.pipeline(
    name="Settings and Defaults", description="Every setting a task or the workflow can take."
)
def pipeline():
    echo("plain", "defaults only")
    nvidia = echo(
        "nvidia",
        "gpu",
        cpu="8",
        memory="30Gi",
        retry=(5, "OnError", "1m", 3, "1h"),
        timeout=6 * 3600,
        node_selector={"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"},
        cost_center="research",
        tolerations=[
            V1Toleration(key="nvidia.com/gpu", operator="Exists", effect="NoSchedule"),
            V1Toleration(
                key="dedicated",
                operator="Equal",
                value="gpu",
                effect="NoExecute",
                toleration_seconds=3600,
            ),
        ],
    )
    nvidia.set_cpu_request("4").set_memory_request("16Gi").set_gpu_limit("2")
    nvidia.add_pod_label("workload", "gpu").set_display_name("Train on an NVIDIA GPU")
    echo("amd", "amd").set_gpu_limit("1", "amd")
    echo("once", "no retries, no cache", retry=None, cache=False, timeout=90)
    echo(
        "policy-only",
        "retry transient errors",
        retry=(3, "OnTransientError", None, None, None),
        cache=None,
    )
