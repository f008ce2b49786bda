"""Small deterministic components the differential programs share (KFP v1 style)."""

from kfp.components import InputPath, OutputPath, create_component_from_func


def produce(n: int, text_path: OutputPath(str)) -> int:
    """Write n lines to a file; return 2n."""
    with open(text_path, "w") as f:
        for i in range(n):
            f.write(f"line {i}\n")
    return n * 2


def count_lines(text_path: InputPath(str), extra: int) -> int:
    """Lines in a file, plus extra."""
    with open(text_path) as f:
        return len(f.read().splitlines()) + extra


def square(x: int) -> int:
    return x * x


def describe(a: int, label: str) -> str:
    return f"{label}={a}"


def total(values) -> int:
    """Sum a fan-in list (Argo hands each value over as a string)."""
    import json

    items = json.loads(values) if isinstance(values, str) else values
    return sum(int(v) for v in items)


def coin(seed: int) -> str:
    return "heads" if seed % 2 == 0 else "tails"


def echo(message: str) -> str:
    print(message)
    return message


def flaky(counter: str, succeed_at: int) -> int:
    """Fail until the attempt number kept in `counter` reaches succeed_at."""
    import os

    attempt = 1
    if os.path.exists(counter):
        with open(counter) as f:
            attempt = int(f.read()) + 1
    with open(counter, "w") as f:
        f.write(str(attempt))
    if attempt < succeed_at:
        raise SystemExit(f"attempt {attempt} fails")
    return attempt


def fail(message: str):
    raise SystemExit(message)


def plan(count: int) -> list:
    return [{"tag": f"s{i}", "size": i + 1} for i in range(count)]


def sleep(seconds: int) -> int:
    import time

    time.sleep(seconds)
    return seconds


def op(func):
    return create_component_from_func(func, base_image="python:3.9")


produce_op = op(produce)
count_lines_op = op(count_lines)
square_op = op(square)
describe_op = op(describe)
total_op = op(total)
coin_op = op(coin)
echo_op = op(echo)
flaky_op = op(flaky)
fail_op = op(fail)
plan_op = op(plan)
sleep_op = op(sleep)
