"""`yamlpipe.dsl`: KFP v1's `kfp.dsl` names; a pipeline function emits pipeline YAML.

    from yamlpipe import dsl

    @dsl.pipeline(name="hello")
    def hello(message: str = "hi"):
        dsl.ContainerOp(name="echo", image="alpine:3.20", command=["echo", message])

`yamlpipe generate pipeline hello.py -o hello.yaml` writes the YAML (docs/python.md).
"""

from __future__ import annotations

from yamlpipe.generate.dsl import (
    EXIT_STATUS_PLACEHOLDER,
    RUN_ID_PLACEHOLDER,
    VOLUME_MODE_ROM,
    VOLUME_MODE_RWM,
    VOLUME_MODE_RWO,
    WORKFLOW_NAME_PLACEHOLDER,
    BaseOp,
    Condition,
    ConditionOperator,
    ContainerOp,
    ExitHandler,
    LoopArguments,
    LoopArgumentVariable,
    ParallelFor,
    PipelineConf,
    PipelineParam,
    PipelineVolume,
    ResourceOp,
    Sidecar,
    SubGraph,
    VolumeOp,
    VolumeSnapshotOp,
    component,
    get_pipeline_conf,
    graph_component,
    pipeline,
    python_component,
)

__all__ = [
    "EXIT_STATUS_PLACEHOLDER",
    "RUN_ID_PLACEHOLDER",
    "VOLUME_MODE_ROM",
    "VOLUME_MODE_RWM",
    "VOLUME_MODE_RWO",
    "WORKFLOW_NAME_PLACEHOLDER",
    "BaseOp",
    "Condition",
    "ConditionOperator",
    "ContainerOp",
    "ExitHandler",
    "LoopArgumentVariable",
    "LoopArguments",
    "ParallelFor",
    "PipelineConf",
    "PipelineParam",
    "PipelineVolume",
    "ResourceOp",
    "Sidecar",
    "SubGraph",
    "VolumeOp",
    "VolumeSnapshotOp",
    "component",
    "get_pipeline_conf",
    "graph_component",
    "pipeline",
    "python_component",
]
