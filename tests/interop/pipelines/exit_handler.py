"""KFP v1 twin of tests/golden/exit-handler."""

from kfp import dsl
from kubernetes.client import V1EnvVar, V1EnvVarSource, V1SecretKeySelector
from twin import CSV, component

CASE = "exit-handler"


@dsl.pipeline(name="exit-handler")
def pipeline(owner: str = "data-team", notes: CSV = "no notes"):
    notify = component(CASE, "components/notify.yaml", "on-exit")
    exit_op = notify(
        status="{{workflow.status}}",
        message=f"Run {{{{workflow.name}}}} ({{{{workflow.uid}}}}) for {owner}",
        attachment=notes,
    )
    exit_op.set_display_name("Tell the owner").set_retry(2).set_caching_options(False)
    exit_op.execution_options.caching_strategy.max_cache_staleness = "P0D"
    exit_op.container.add_env_variable(
        V1EnvVar(
            name="WEBHOOK",
            value_from=V1EnvVarSource(
                secret_key_ref=V1SecretKeySelector(name="chat-webhook", key="url")
            ),
        )
    )
    exit_op.container.add_env_variable(V1EnvVar(name="OWNER", value=owner))
    with dsl.ExitHandler(exit_op):
        report = component(CASE, "components/report.yaml", "report")(
            title="Run {{workflow.name}}", table=notes
        )
        component(CASE, "components/notify.yaml", "notify_too")(status="done").after(report)
