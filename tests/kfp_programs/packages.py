"""A function component that installs a package before it runs (packages_to_install), its
result used by the next step.

Checks: the install step in front of the program, and the value passed on.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def version_of(name: str) -> str:
    import importlib.metadata

    return importlib.metadata.version(name)


version_op = create_component_from_func(
    version_of, base_image="python:3.11", packages_to_install=["six==1.16.0"]
)


@dsl.pipeline(name="packages", description="Install, then report.")
def packages(name: str = "six"):
    found = version_op(name)
    dsl.ContainerOp(name="show", image="alpine:3.20", command=["echo", found.output])
