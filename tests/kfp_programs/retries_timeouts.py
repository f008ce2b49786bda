"""Task settings: retries (with a policy and backoff), a timeout, caching switched off,
a display name and CPU / memory limits.

Checks: retryStrategy, activeDeadlineSeconds, the caching label, task_display_name, resources.
"""

from kfp import dsl


@dsl.pipeline(name="retries-timeouts", description="Settings on tasks.")
def retries_timeouts():
    flaky = dsl.ContainerOp(name="flaky", image="alpine:3.20", command=["echo", "ok"])
    flaky.set_retry(3, policy="OnFailure", backoff_duration="5s", backoff_factor=2)
    flaky.set_timeout(600)
    flaky.set_display_name("Sometimes fails")
    slow = dsl.ContainerOp(name="slow", image="alpine:3.20", command=["echo", "slow"])
    slow.set_caching_options(False)
    slow.set_cpu_limit("500m").set_memory_limit("256Mi").set_cpu_request("250m")
    slow.after(flaky)


# yamlpipe also sets max_cache_staleness P0D with caching off (docs/compile.md, 10).
DIFFERENCES = {"slow": ["staleness"]}
