"""Pipeline functions for tests/test_generate_pipeline.py, good and bad, in yamlpipe.dsl."""

from yamlpipe import dsl
from yamlpipe.components import create_component_from_func, load_component_from_file

print_op = load_component_from_file("../../components/print-message/component.yaml")


def double(x: int) -> int:
    """Double a number."""
    return 2 * x


double_op = create_component_from_func(double)


@dsl.pipeline(name="settings", description="Workflow settings and a loaded component.")
def settings_pipeline(count: int = 2, label: str = "run"):
    """Double a number and print it.

    Args:
        count: How many.
        label: What to call it.
    """
    conf = dsl.get_pipeline_conf()
    conf.set_timeout(86400).set_parallelism(4).set_ttl_seconds_after_finished(3600)
    conf.set_image_pull_secrets([{"name": "regcred"}])
    doubled = double_op(count)
    print_op(message=f"{label}: {doubled.output} on {dsl.RUN_ID_PLACEHOLDER}", prefix="info")


@dsl.pipeline(name="nested-loops")
def nested_loops():
    with dsl.ParallelFor([1, 2]) as outer, dsl.ParallelFor([3, 4]) as inner:
        double_op(outer).after(double_op(inner))


@dsl.graph_component
def halve(x):
    half = double_op(x)
    with dsl.Condition(half.output > 10):
        halve(half.output)


@dsl.pipeline(name="recursive")
def recursive():
    halve(double_op(1).output)


@dsl.pipeline(name="volume-in-condition")
def volume_in_condition(flag: str = "yes"):
    with dsl.Condition(flag == "yes"):
        dsl.VolumeOp(name="scratch", resource_name="scratch", size="1Gi")


@dsl.pipeline(name="raises")
def raises(count: int = 1):
    double_op(count)
    raise ValueError(f"no good: {count}")


@dsl.pipeline(name="unsupported")
def unsupported():
    op = double_op(1)
    op.add_init_container("logger")


@dsl.pipeline(name="volume-value")
def volume_value():
    vop = dsl.VolumeOp(name="vol", resource_name="v", size="1Gi")
    dsl.ContainerOp(name="show", image="alpine", command=["echo", vop.outputs["size"]])


@dsl.pipeline(name="item-outside-loop")
def item_outside_loop():
    with dsl.ParallelFor([1, 2]) as item:
        pass
    double_op(item)


@dsl.pipeline(name="bad-argument")
def bad_argument():
    double_op(y=3)


@dsl.pipeline(name="empty")
def empty():
    pass
