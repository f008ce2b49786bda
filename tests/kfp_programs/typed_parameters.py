"""Pipeline parameters typed with kfp.dsl.types objects (Integer(), GCSPath()), as older KFP
samples type them, passed to containers.

Checks: KFP type objects as pipeline input types (the pipeline_spec's types) and the values.
"""

from kfp import dsl
from kfp.dsl.types import GCSPath, Integer


@dsl.pipeline(name="typed-parameters", description="Typed with KFP's type objects.")
def typed_parameters(data: GCSPath() = "gs://bucket/data.csv", epochs: Integer() = 3):
    dsl.ContainerOp(name="train", image="alpine:3.20", command=["echo", data, epochs])
