"""The package writer: any JSON-like data reads back unchanged, as YAML 1.2 and as YAML 1.1
(what Argo's and Kubernetes' Go YAML readers follow)."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from yamlpipe.compile.yamlwrite import dump_yaml, scalar_text

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text()
    | st.sampled_from(
        [
            "yes",
            "No",
            "on",
            "y",
            "~",
            "null",
            "1e3",
            "0x1F",
            "1:20",
            "2001-12-14",
            "-",
            "-c",
            "--data",
            "a: b",
            "#x",
            "{{inputs.parameters.x}}",
            "line\n",
            "two\nlines",
            "\n\n",
            " lead\nx",
            "x\n\n\n",
            "tab\there",
            "'quote'",
            'say "hi"',
            "back\\slash",
        ]
    )
)
KEYS = st.text(min_size=1) | st.sampled_from(["n", "y", "on", "name", "k8s.io/key"])
DATA = st.recursive(
    SCALARS,
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(KEYS, inner, max_size=5),
    max_leaves=25,
)


def load(text: str, version: tuple[int, int] | None) -> Any:
    yaml = YAML(typ="safe", pure=True)
    if version is not None:
        yaml.version = version
    return yaml.load(text)


@settings(max_examples=300, deadline=None)
@given(st.dictionaries(KEYS, DATA, min_size=1, max_size=6))
def test_any_data_reads_back_unchanged(data: dict[str, Any]) -> None:
    text = dump_yaml(data)
    assert load(text, None) == data
    assert load(text, (1, 1)) == data


def test_strings_that_yaml_would_misread_are_quoted() -> None:
    for text in ("yes", "NO", "on", "y", "null", "1.0", "1e3", "0o17", "{{x}}", "a: b", "-"):
        assert scalar_text(text) != text, text
    for text in ("train", "/tmp/outputs/model/data", "--data", "-c", "nvidia.com/gpu"):
        assert scalar_text(text) == text


def test_floats_keep_a_dot_for_yaml_1_1() -> None:
    assert scalar_text(1e-05) == "1.0e-05"
    assert scalar_text(1e20) == "1.0e+20"
    assert scalar_text(0.25) == "0.25"
    assert math.isclose(load(dump_yaml({"x": 1e-05}), (1, 1))["x"], 1e-05)


def test_scripts_are_literal_blocks() -> None:
    text = dump_yaml({"command": ["sh", "-c", "set -e\necho hi\n"]})
    assert text == "command:\n- sh\n- -c\n- |\n  set -e\n  echo hi\n"
