"""Functions that cannot become components, each for one error the generator reports."""

import json
from typing import Union

from yamlpipe.components import InputPath

THRESHOLD = 0.5

square = lambda x: x * x  # noqa: E731


def with_args(a: int, *args: int) -> int:
    return a + sum(args)


def with_kwargs(a: int, **options: str) -> int:
    return a


def unsupported(values: set) -> int:
    return len(values)


def unsupported_union(value: Union[int, str]) -> str:
    return str(value)


def unsupported_return(a: int) -> tuple:
    return (a, a)


def uses_module_import(text: str) -> dict:
    return json.loads(text)


def uses_global(score: float) -> bool:
    return score > THRESHOLD


def make_closure():
    offset = 3

    def uses_closure(x: int) -> int:
        return x + offset

    return uses_closure


uses_closure = make_closure()


def path_with_default(data_path: InputPath("CSV") = "x.csv") -> str:
    return data_path


def wrong_default(count: int = "three") -> int:
    return count


async def asynchronous(a: int) -> int:
    return a
