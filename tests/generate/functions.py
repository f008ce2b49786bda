"""Functions that tests/test_generate_component.py turns into components and runs."""

# No `from __future__ import annotations` here: kfp 1.8.22 reads these same functions in the
# interop test, and it does not evaluate string annotations.
from typing import NamedTuple, Optional

try:  # the kfp interpreter's own annotation classes, else yamlpipe's (same names, same meaning)
    from kfp.components import InputPath, InputTextFile, OutputBinaryFile, OutputPath
except ImportError:
    from yamlpipe.components import InputPath, InputTextFile, OutputBinaryFile, OutputPath


def add(a: float, b: float = 1.5) -> float:
    """Add two numbers.

    Args:
        a: The first number.
        b: The second number.
    """
    return a + b


def repeat(text: str, times: int = 2, shout: bool = False) -> str:
    """Repeat a string, optionally in capitals."""
    result = text * times
    return result.upper() if shout else result


def summarize(numbers: list, weights: Optional[dict] = None) -> NamedTuple(
    "Summary", [("total", float), ("count", int), ("stats", dict), ("sorted", list)]
):
    """Sum, count and sort numbers; weights map an index (as text) to a factor."""
    weights = weights or {}
    weighted = [n * weights.get(str(i), 1) for i, n in enumerate(numbers)]
    total = float(sum(weighted))
    return (total, len(numbers), {"max": max(weighted), "min": min(weighted)}, sorted(weighted))


def count_lines(
    data_path: InputPath("CSV"), report_path: OutputPath("JsonObject"), header: bool = True
) -> int:
    """Count the rows of a CSV file and write a JSON report."""
    import json

    with open(data_path) as stream:
        lines = [line for line in stream.read().splitlines() if line]
    rows = len(lines) - (1 if header else 0)
    with open(report_path, "w") as stream:
        json.dump({"rows": rows, "header": header}, stream, sort_keys=True)
    return rows


def transform(
    source_file: InputTextFile("Text"),
    blob_file: OutputBinaryFile("Bytes"),
    suffix: Optional[str] = None,
    notes_path: InputPath() = None,
):
    """Encode a text file as UTF-8 bytes, with an optional suffix and notes."""
    import os

    text = source_file.read()
    if suffix is not None:
        text += suffix
    if notes_path is not None and os.path.exists(notes_path):
        with open(notes_path) as stream:
            text += stream.read()
    blob_file.write(text.encode("utf-8"))


def scale_matrix(matrix: list, factor: int = 2, meta: dict = {"unit": "m"}) -> NamedTuple(  # noqa: B006
    "Scaled", [("matrix", list), ("meta", dict), ("ok", bool)]
):
    """Scale every cell of a matrix."""
    from collections import namedtuple

    result = namedtuple("Result", ["matrix", "meta", "ok"])
    scaled = [[cell * factor for cell in row] for row in matrix]
    return result(scaled, {**meta, "factor": factor}, True)


def no_output(message: str) -> None:
    """Print a message."""
    print(message)
