"""KFP v1 twin of tests/golden/nested-pipeline: a Python function stands for the nested
pipeline, its tasks named <task>-<inner task>."""

from kfp import dsl
from kubernetes.client import V1EnvVar, V1EnvVarSource, V1SecretKeySelector
from twin import CSV, component

CASE = "nested-pipeline"
# Waiting for a nested pipeline waits for all of it, not only for the task giving the value.
DIFFERENCES = {"rescore": ["after"]}


def train_and_score(prefix, data, depth=5, note=None, retry=1, gpu=None, env=()):
    train = component(CASE, "components/train.yaml", f"{prefix}-train")(data=data, depth=depth)
    score_args = {"model": train.outputs["model"]}
    if note is not None:
        score_args["note"] = note
    score = component(CASE, "components/score.yaml", f"{prefix}-score")(**score_args)
    for op in (train, score):
        op.set_retry(retry).set_cpu_limit("2").set_memory_limit("4Gi")
        if gpu:
            op.set_gpu_limit(gpu)
        for var in env:
            op.container.add_env_variable(var)
    return train, score


@dsl.pipeline(name="nested-pipeline")
def pipeline(data: CSV):
    _, small = train_and_score("small", data, depth=2)
    _, large = train_and_score("large", data, depth=12)
    token = V1EnvVar(
        name="TOKEN",
        value_from=V1EnvVarSource(secret_key_ref=V1SecretKeySelector(name="registry", key="token")),
    )
    noted, _ = train_and_score(
        "noted",
        data,
        note="candidate",
        retry=4,
        gpu="1",
        env=[V1EnvVar(name="SEED", value="7"), token],
    )
    component(CASE, "components/echo.yaml", "compare")(
        text=f"small {small.outputs['accuracy']} large {large.outputs['accuracy']}"
    )
    component(CASE, "components/score.yaml", "rescore")(model=noted.outputs["model"])
