"""YAML 1.2 reading: positions for keys and values, strictness about duplicates."""

from __future__ import annotations

import pytest

from yamlpipe.errors import YamlpipeError
from yamlpipe.load.yamltext import read_yaml

TEXT = """\
name: x
items:
  - a
  - {b: 1, c: yes}
block: |
  line one
"""


def test_positions_of_keys_and_values() -> None:
    doc = read_yaml(TEXT, "f.yaml")
    assert doc.data == {"name": "x", "items": ["a", {"b": 1, "c": "yes"}], "block": "line one\n"}
    assert str(doc.loc(("items", 1, "c"))) == "f.yaml:4:15"
    assert str(doc.loc(("items", 1, "c"), key=True)) == "f.yaml:4:12"
    assert str(doc.loc(("items", 0))) == "f.yaml:3:5"
    assert doc.style(("block",)) == "|"
    assert doc.style(("items", 1, "c")) == ""


def test_missing_path_falls_back_to_nearest_parent() -> None:
    doc = read_yaml(TEXT, "f.yaml")
    assert str(doc.loc(("items", 1, "zzz"))) == "f.yaml:4:5"


def test_yaml_12_scalars() -> None:
    doc = read_yaml("a: yes\nb: on\nc: 0o17\nd: 017\ne: 2001-12-14\nf: ~\ng: 1.5\n", "f.yaml")
    assert doc.data == {
        "a": "yes",
        "b": "on",
        "c": 15,
        "d": 17,
        "e": "2001-12-14",
        "f": None,
        "g": 1.5,
    }


def test_duplicate_key_is_an_error_at_the_second_key() -> None:
    with pytest.raises(YamlpipeError) as info:
        read_yaml("a: 1\nb:\n  c: 1\n  c: 2\n", "f.yaml")
    assert str(info.value.location) == "f.yaml:4:3"
    assert info.value.message == "duplicate key 'c'"
    assert "line 3" in (info.value.hint or "")


def test_merge_keys_and_aliases() -> None:
    doc = read_yaml("base: &b {x: 1, y: 2}\nother:\n  <<: *b\n  y: 3\n", "f.yaml")
    assert doc.data["other"] == {"x": 1, "y": 3}


@pytest.mark.parametrize(
    ("text", "message", "where"),
    [
        ("a: &x [*x]\n", "recursive YAML alias", "f.yaml:1:4"),
        ("a: 1\n---\nb: 2\n", "several YAML documents", "f.yaml:3:1"),
        ("a: [1, 2\n", "is never closed", "f.yaml:1:4"),
        ("a:\n\t- b\n", "YAML syntax error", "f.yaml:2:1"),
        ("a: .inf\n", "is not a finite number", "f.yaml:1:4"),
        ("[a]: 1\n", "mapping key must be a plain value", "f.yaml:1:1"),
    ],
)
def test_bad_yaml_is_a_located_error(text: str, message: str, where: str) -> None:
    with pytest.raises(YamlpipeError) as info:
        read_yaml(text, "f.yaml")
    assert message in info.value.message
    assert str(info.value.location) == where
