"""Argo's `{{...}}` substitution, item expansion and Go's JSON spelling."""

from __future__ import annotations

import pytest

from yamlpipe.run import gojson, items
from yamlpipe.run.template import SubstitutionError, iter_tags, replace, replace_all


def test_tags_are_replaced_and_unknown_ones_kept() -> None:
    scope = {"inputs.parameters.x": "1", "workflow.name": "wf-abc"}
    text = "{{inputs.parameters.x}}-{{ workflow.name }}-{{tasks.a.outputs.parameters.o}}"
    assert replace(text, scope) == "1-wf-abc-{{tasks.a.outputs.parameters.o}}"


def test_strict_replacement_fails_on_unknown_tags() -> None:
    with pytest.raises(SubstitutionError, match=r"failed to resolve \{\{item\}\}"):
        replace("{{item}}", {}, allow_unresolved=False)


def test_an_unclosed_tag_is_an_error() -> None:
    with pytest.raises(SubstitutionError, match="cannot find end tag"):
        iter_tags("echo {{inputs.parameters.x")


def test_values_are_inserted_verbatim_once() -> None:
    # A value that itself looks like a tag is not substituted again in the same pass.
    assert replace("{{a}}", {"a": "{{b}}", "b": "no"}) == "{{b}}"


def test_keys_and_nested_values_are_substituted() -> None:
    data = {"{{k}}": ["{{v}}", {"x": "{{v}}"}], "n": 3}
    assert replace_all(data, {"k": "key", "v": "val"}) == {"key": ["val", {"x": "val"}], "n": 3}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("a", "a"),
        ('say "hi"', 'say \\"hi\\"'),  # Argo's Item.String keeps the JSON escapes
        ("<b>&", "<b>&"),
        (3, "3"),
        (2.5, "2.5"),
        (True, "true"),
        ({"b": 1, "a": "x"}, '{"a":"x","b":1}'),
        ([1, "a"], '[1,"a"]'),
    ],
)
def test_item_text(value: object, expected: str) -> None:
    assert items.make_item(0, value).scope["item"] == expected


def test_map_items_give_keys_and_a_sorted_label() -> None:
    item = items.make_item(2, {"model": "rf", "depth": 3})
    assert item.scope["item.model"] == "rf"
    assert item.scope["item.depth"] == "3"
    assert items.node_name("train", item) == "train(2:depth:3,model:rf)"


def test_with_param_keeps_number_spelling() -> None:
    expanded = items.from_param('[1.50, 2, {"a": 1e3}]')
    assert [i.scope["item"] for i in expanded] == ["1.50", "2", '{"a":1e3}']


@pytest.mark.parametrize("text", ['{"a": 1}', "not json", "3"])
def test_with_param_must_be_a_json_list(text: str) -> None:
    with pytest.raises(items.ItemsError, match="could not be parsed as a JSON list"):
        items.from_param(text)


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (["a", "b"], '["a","b"]'),
        (["<x>"], '["\\u003cx\\u003e"]'),
        (["line\nbreak", "tab\t"], '["line\\nbreak","tab\\t"]'),
        (["\x01"], '["\\u0001"]'),
        ([1.0, 0.1, 1e21, 1e-7, 1.5e16], "[1,0.1,1e+21,1e-7,15000000000000000]"),
    ],
)
def test_go_json(value: object, expected: str) -> None:
    assert gojson.dumps(value) == expected
