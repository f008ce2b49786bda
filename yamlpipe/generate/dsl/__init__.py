"""A KFP v1-style Python DSL whose pipeline functions emit yamlpipe pipeline YAML."""

from __future__ import annotations

from yamlpipe.generate.dsl.context import PipelineConf
from yamlpipe.generate.dsl.emit import EmittedPipeline, RecordedPipeline, emit_pipeline
from yamlpipe.generate.dsl.factory import ComponentReference, TaskFactory
from yamlpipe.generate.dsl.groups import (
    Condition,
    ExitHandler,
    ParallelFor,
    SubGraph,
    graph_component,
)
from yamlpipe.generate.dsl.ops import (
    VOLUME_MODE_ROM,
    VOLUME_MODE_RWM,
    VOLUME_MODE_RWO,
    BaseOp,
    ContainerOp,
    PipelineVolume,
    ResourceOp,
    Sidecar,
    UnsupportedFeature,
    VolumeOp,
    VolumeSnapshotOp,
)
from yamlpipe.generate.dsl.params import (
    ConditionOperator,
    LoopArguments,
    LoopArgumentVariable,
    PipelineParam,
)
from yamlpipe.generate.dsl.pipeline import (
    component,
    get_pipeline_conf,
    is_pipeline_function,
    pipeline,
    python_component,
    record_pipeline,
)

RUN_ID_PLACEHOLDER = "{{workflow.uid}}"
"""KFP's placeholder for the run's id; it becomes ${{ workflow.uid }}."""
WORKFLOW_NAME_PLACEHOLDER = "{{workflow.name}}"
EXIT_STATUS_PLACEHOLDER = "{{workflow.status}}"

DSL_NAMES = (
    "VOLUME_MODE_ROM",
    "VOLUME_MODE_RWM",
    "VOLUME_MODE_RWO",
    "RUN_ID_PLACEHOLDER",
    "BaseOp",
    "Condition",
    "ConditionOperator",
    "ContainerOp",
    "ExitHandler",
    "LoopArguments",
    "LoopArgumentVariable",
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
)
"""The names `kfp.dsl` offers that yamlpipe's DSL has too."""

__all__ = [
    "DSL_NAMES",
    "EXIT_STATUS_PLACEHOLDER",
    "RUN_ID_PLACEHOLDER",
    "VOLUME_MODE_ROM",
    "VOLUME_MODE_RWM",
    "VOLUME_MODE_RWO",
    "WORKFLOW_NAME_PLACEHOLDER",
    "BaseOp",
    "ComponentReference",
    "Condition",
    "ConditionOperator",
    "ContainerOp",
    "EmittedPipeline",
    "ExitHandler",
    "LoopArgumentVariable",
    "LoopArguments",
    "ParallelFor",
    "PipelineConf",
    "PipelineParam",
    "PipelineVolume",
    "RecordedPipeline",
    "ResourceOp",
    "Sidecar",
    "SubGraph",
    "TaskFactory",
    "UnsupportedFeature",
    "VolumeOp",
    "VolumeSnapshotOp",
    "component",
    "emit_pipeline",
    "get_pipeline_conf",
    "graph_component",
    "is_pipeline_function",
    "pipeline",
    "python_component",
    "record_pipeline",
]
