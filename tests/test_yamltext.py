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


# ---- hostile input: every one a located error, never a crash or a runaway -------------------

LAUGHS = "a: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)


def test_an_alias_bomb_is_refused_where_the_copying_multiplies() -> None:
    with pytest.raises(YamlpipeError) as info:
        read_yaml(LAUGHS, "f.yaml")
    assert info.value.message == "YAML aliases copy more than 10,000 values into this file"
    assert str(info.value.location) == "f.yaml:5:1"  # e: the first line past the limit
    assert "alias" in (info.value.hint or "")


def test_aliases_that_copy_a_few_thousand_values_are_fine() -> None:
    text = "base: &b {image: alpine, env: {A: '1'}}\n" + "".join(f"t{i}: *b\n" for i in range(2000))
    assert read_yaml(text, "f.yaml").data["t1999"] == {"image": "alpine", "env": {"A": "1"}}


@pytest.mark.parametrize(
    ("text", "where"),
    [
        ("[" * 30_000 + "]" * 30_000, "f.yaml:1:101"),  # crashed libyaml's composer (SIGSEGV)
        ("a: " + "{a: " * 30_000 + "1" + "}" * 30_000, "f.yaml:1:400"),
        ("- " * 30_000 + "x\n", "f.yaml:1:201"),
        ("a: " + "[" * 150 + "]" * 150, "f.yaml:1:104"),  # shallow enough for libyaml
        (
            "a: &a [x]\n"
            + "".join(f"a{i}: &a{i} [*{'a' if i == 0 else f'a{i - 1}'}]\n" for i in range(150)),
            "f.yaml:100:1",
        ),
    ],
    ids=["flow-lists", "flow-maps", "block-lists", "150-levels", "alias-chain"],
)
def test_nesting_past_the_limit_is_an_error_where_it_gets_too_deep(text: str, where: str) -> None:
    with pytest.raises(YamlpipeError) as info:
        read_yaml(text, "f.yaml")
    assert info.value.message == "the YAML nests more than 100 levels deep"
    assert str(info.value.location) == where


def test_nesting_up_to_the_limit_is_read() -> None:
    doc = read_yaml("[" * 100 + "x" + "]" * 100, "f.yaml")
    assert doc.data is not None


def test_a_lone_surrogate_escape_is_refused_at_its_string() -> None:
    with pytest.raises(YamlpipeError) as info:
        read_yaml('name: ok\ndescription: "a \\ud800 b"\n', "f.yaml")
    assert "lone surrogate" in info.value.message
    assert str(info.value.location) == "f.yaml:2:14"
    assert read_yaml('a: "\\U0001F600"\n', "f.yaml").data == {"a": "\U0001f600"}


def test_a_number_too_long_for_python_is_an_error_not_a_crash() -> None:
    with pytest.raises(YamlpipeError) as info:
        read_yaml("a: 1\nb: " + "9" * 5000 + "\n", "f.yaml")
    assert "has 5,000 digits" in info.value.message
    assert str(info.value.location) == "f.yaml:2:4"


def test_an_unclosed_bracket_is_reported_where_it_opened_not_at_the_end() -> None:
    with pytest.raises(YamlpipeError) as info:
        read_yaml("name: x\ntasks: {a: [b,\n\n\n", "f.yaml")
    assert info.value.message == "YAML syntax error: the '[' opened at 2:12 is never closed"
    assert str(info.value.location) == "f.yaml:2:12"


def test_the_pure_parser_rereads_only_small_files() -> None:
    """libyaml refuses `[--url, http://x]` (valid YAML 1.2): the pure-Python parser decides
    for small files, and bigger ones get libyaml's answer at once instead of minutes."""
    line = "command: [--url, http://x]\n"
    assert read_yaml(line, "f.yaml").data == {"command": ["--url", "http://x"]}
    filler = "".join(f"k{i}: {'v' * 60}\n" for i in range(1200))  # ~80 KB
    with pytest.raises(YamlpipeError) as info:
        read_yaml(filler + line, "f.yaml")
    assert "unexpected ':'" in info.value.message
    assert str(info.value.location) == "f.yaml:1201:22"
    assert "quote the value" in (info.value.hint or "")
