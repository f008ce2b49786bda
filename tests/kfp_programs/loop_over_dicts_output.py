"""A ParallelFor over a list of maps computed at run time, each iteration reading two fields
and passing a result between its two steps.

Checks: withParam over a task output and {{item.KEY}} for run-time items.
"""

from kfp import dsl
from kfp.components import create_component_from_func


def plan(count: int) -> list:
    return [{"title": f"job{i}", "size": i + 1} for i in range(count)]


def run_job(title: str, size: int) -> str:
    return f"{title}:{size * 10}"


def log(line: str) -> None:
    print(line)


plan_op = create_component_from_func(plan, base_image="python:3.11")
run_op = create_component_from_func(run_job, base_image="python:3.11")
log_op = create_component_from_func(log, base_image="python:3.11")


@dsl.pipeline(name="loop-over-dicts-output", description="Jobs planned at run time.")
def loop_over_dicts_output(count: int = 2):
    jobs = plan_op(count)
    with dsl.ParallelFor(jobs.output) as job:
        done = run_op(job.title, job.size)
        log_op(done.output)
