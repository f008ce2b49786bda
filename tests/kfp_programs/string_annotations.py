"""Component functions annotated with KFP type names written as strings ('URI', 'Integer',
'Text'), as older KFP examples do.

Checks: string annotations read as KFP type names; values passed as text.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def locate(bucket: "URI", shards: "Integer" = 2) -> "Text":
    return f"{bucket}/{shards}"


def announce(where: "Text") -> None:
    print("data at", where)


locate_op = create_component_from_func(locate, base_image="python:3.11")
announce_op = create_component_from_func(announce, base_image="python:3.11")


@dsl.pipeline(name="string-annotations", description="KFP type names as strings.")
def string_annotations(bucket: "URI" = "gs://bucket/data"):
    place = locate_op(bucket, 4)
    announce_op(place.output)
