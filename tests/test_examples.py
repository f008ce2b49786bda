"""The bundled examples validate, and a corrupted copy of any of them fails at the right place."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from yamlpipe.api import discover_files
from yamlpipe.load import load_file

from helpers import ROOT

EXAMPLES = sorted(discover_files([str(ROOT / "components"), str(ROOT / "pipelines")]))
# The first key of these kinds in a file is renamed: every one sits in a fixed-shape map.
CORRUPTIBLE = re.compile(r"^(\s*(?:- )?)(image|component|container|description|name):")


def test_there_are_enough_examples() -> None:
    components = [f for f in EXAMPLES if f.endswith("component.yaml")]
    pipelines = [f for f in EXAMPLES if "/pipelines/" in f]
    assert len(components) >= 6
    assert len(pipelines) >= 3


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_example_is_valid_without_warnings(path: str) -> None:
    result = load_file(path)
    assert result.problems == (), [str(p) for p in result.problems]
    assert result.spec is not None


@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: str(Path(p).relative_to(ROOT)))
def test_corrupted_example_fails_at_the_corrupted_key(path: str, tmp_path: Path) -> None:
    lines = Path(path).read_text().splitlines(keepends=True)
    index, match = next(
        (i, m) for i, line in enumerate(lines) if (m := CORRUPTIBLE.match(line)) is not None
    )
    lines[index] = lines[index].replace(f"{match.group(2)}:", f"{match.group(2)}x:", 1)
    copy = tmp_path / Path(path).name
    shutil.copy(path, copy)
    copy.write_text("".join(lines))
    result = load_file(copy)
    assert not result.ok
    where = [(p.location.line, p.location.column) for p in result.problems if p.is_error]
    assert (index + 1, len(match.group(1)) + 1) in where, [str(p) for p in result.problems]
    unknown = [p for p in result.problems if "unknown key" in p.message]
    assert unknown and f"did you mean '{match.group(2)}'" in unknown[0].message
