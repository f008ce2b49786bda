"""Checks of the JSON Schemas themselves (schemas/*.schema.json), independent of yamlpipe.

They must be valid Draft 2020-12, document every property (editors show the descriptions
on hover), close every fixed-shape object, and accept / reject a few tiny documents.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator

SCHEMA_DIR = Path(__file__).parent.parent / "schemas"
SCHEMA_NAMES = ["component", "pipeline"]


def load_schema(name: str) -> dict[str, Any]:
    with (SCHEMA_DIR / f"{name}.schema.json").open(encoding="utf-8") as f:
        schema: dict[str, Any] = json.load(f)
    return schema


@pytest.fixture(scope="module", params=SCHEMA_NAMES)
def schema(request: pytest.FixtureRequest) -> dict[str, Any]:
    return load_schema(request.param)


@pytest.fixture(scope="module")
def component_validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema("component"))


@pytest.fixture(scope="module")
def pipeline_validator() -> Draft202012Validator:
    return Draft202012Validator(load_schema("pipeline"))


def walk(node: Any, path: str = "#") -> Iterator[tuple[str, dict[str, Any]]]:
    """Yield (json-pointer-ish path, subschema) for every schema object in the document."""
    if isinstance(node, dict):
        yield path, node
        for key, value in node.items():
            if key in ("properties", "$defs", "patternProperties", "dependentSchemas"):
                for name, sub in value.items():
                    yield from walk(sub, f"{path}/{key}/{name}")
            elif key in ("allOf", "anyOf", "oneOf", "prefixItems") and isinstance(value, list):
                for i, sub in enumerate(value):
                    yield from walk(sub, f"{path}/{key}/{i}")
            elif isinstance(value, dict) and key not in ("const", "default", "enum", "examples"):
                yield from walk(value, f"{path}/{key}")


# ---------------------------------------------------------------- the schemas themselves


def test_is_valid_draft_2020_12(schema: dict[str, Any]) -> None:
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"].startswith("https://yamlpipe.dev/schemas/")
    assert schema["$id"].endswith(".schema.json")
    assert schema["title"]
    assert schema["description"]


def test_every_property_has_a_description(schema: dict[str, Any]) -> None:
    missing = [
        f"{path}/properties/{name}"
        for path, sub in walk(schema)
        for name, prop in sub.get("properties", {}).items()
        if not (isinstance(prop, dict) and prop.get("description"))
    ]
    assert not missing, missing


def test_every_definition_has_a_description(schema: dict[str, Any]) -> None:
    missing = [name for name, sub in schema["$defs"].items() if not sub.get("description")]
    assert not missing, missing


def test_objects_with_properties_set_additional_properties(schema: dict[str, Any]) -> None:
    open_objects = [
        path
        for path, sub in walk(schema)
        if "properties" in sub and "additionalProperties" not in sub
    ]
    assert not open_objects, open_objects


def test_local_refs_resolve(schema: dict[str, Any]) -> None:
    refs = {sub["$ref"] for _, sub in walk(schema) if "$ref" in sub}
    for ref in refs:
        assert ref == "#" or ref.startswith("#/$defs/"), ref
        if ref != "#":
            assert ref.removeprefix("#/$defs/") in schema["$defs"], ref


def test_no_cross_file_refs() -> None:
    for name in SCHEMA_NAMES:
        text = (SCHEMA_DIR / f"{name}.schema.json").read_text(encoding="utf-8")
        assert ".schema.json#" not in text


# ---------------------------------------------------------------- component documents

CONTAINER_OK: dict[str, Any] = {
    "name": "Train",
    "description": "Train a model.",
    "metadata": {"annotations": {"author": "me"}, "labels": {"team": "ml"}},
    "inputs": [
        {"name": "data", "type": "CSV"},
        {"name": "epochs", "type": "Integer", "default": "10", "optional": True},
        {"name": "rate", "type": {"GCSPath": {"data_type": "CSV"}}, "default": 0.5},
        {"name": "flag", "type": "Boolean", "default": False, "annotations": {"w": [1]}},
    ],
    "outputs": [{"name": "model", "type": "Model"}, {"name": "legacy"}],
    "implementation": {
        "container": {
            "image": "python:3.11",
            "command": ["python3", "-m", "train"],
            "args": [
                "--data",
                {"inputPath": "data"},
                {"inputValue": "epochs"},
                {"outputPath": "model"},
                {"concat": ["--tag=", {"inputValue": "epochs"}]},
                {
                    "if": {
                        "cond": {"isPresent": "epochs"},
                        "then": ["--epochs", {"inputValue": "epochs"}],
                        "else": "--default-epochs",
                    }
                },
                {"if": {"cond": "false", "then": {"inputValue": "flag"}}},
                {"if": {"cond": {"inputValue": "flag"}, "then": [], "else": None}},
                {"inputUri": "data"},
                {"outputUri": "model"},
                {"inputMetadata": "data"},
                {"inputOutputPortName": "data"},
                {"outputMetadata": None},
                {"executorInput": None},
            ],
            "env": {"PYTHONUNBUFFERED": "1"},
            "fileOutputs": {"legacy": "/tmp/legacy"},
        }
    },
    "version": "google.com/cloud/pipelines/component/v1",
}

GRAPH_OK: dict[str, Any] = {
    "name": "Cross-validate",
    "inputs": [{"name": "data", "type": "CSV"}],
    "outputs": [{"name": "score", "type": "Float"}],
    "implementation": {
        "graph": {
            "tasks": {
                "split": {
                    "componentRef": {"url": "https://example.com/split.yaml", "digest": "abc"},
                    "arguments": {"table": {"graphInput": {"inputName": "data"}}, "folds": 5},
                },
                "train": {
                    "componentRef": {
                        "spec": {
                            "inputs": [{"name": "x"}],
                            "outputs": [{"name": "y"}],
                            "implementation": {
                                "container": {"image": "alpine", "args": [{"outputPath": "y"}]}
                            },
                        }
                    },
                    "arguments": {
                        "x": {"taskOutput": {"taskId": "split", "outputName": "a", "type": "CSV"}}
                    },
                    "isEnabled": {
                        "and": {
                            "op1": {
                                "!=": {"op1": {"graphInput": {"inputName": "data"}}, "op2": ""}
                            },
                            "op2": {"not": {"<=": {"op1": 1, "op2": 2.5}}},
                        }
                    },
                    "executionOptions": {
                        "retryStrategy": {"maxRetries": 3},
                        "cachingStrategy": {"maxCacheStaleness": "P7D"},
                    },
                    "annotations": {"anything": {"goes": [1]}},
                },
            },
            "outputValues": {"score": {"taskOutput": {"taskId": "train", "outputName": "y"}}},
        }
    },
}


def with_input(extra: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(CONTAINER_OK)
    doc["inputs"].append(extra)
    return doc


def with_output(extra: dict[str, Any]) -> dict[str, Any]:
    doc = copy.deepcopy(CONTAINER_OK)
    doc["outputs"].append(extra)
    return doc


def container_with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(CONTAINER_OK)
    doc["implementation"]["container"].update(changes)
    return doc


def args_with(*items: Any) -> dict[str, Any]:
    return container_with(args=list(items))


def graph_task_with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(GRAPH_OK)
    doc["implementation"]["graph"]["tasks"]["split"].update(changes)
    return doc


@pytest.mark.parametrize(
    "doc",
    [
        CONTAINER_OK,
        GRAPH_OK,
        {"implementation": {"container": {"image": "busybox"}}},
        # KFP accepts null for every optional key.
        {
            "name": None,
            "description": None,
            "metadata": None,
            "inputs": None,
            "outputs": None,
            "implementation": {"container": {"image": "a", "command": None, "env": None}},
        },
        {"implementation": {"graph": {"tasks": {}, "outputValues": {}}}},
        # KFP publishes components with an empty image, filled in at release: the loader
        # warns, compile refuses.
        {"implementation": {"container": {"image": ""}}},
    ],
    ids=["container", "graph", "minimal", "nulls", "empty-graph", "empty-image"],
)
def test_component_accepts(component_validator: Draft202012Validator, doc: Any) -> None:
    errors = [e.message for e in component_validator.iter_errors(doc)]
    assert not errors, errors


COMPONENT_BAD: list[tuple[Any, str]] = [
    ({"name": "x"}, "'implementation' is a required property"),
    ({**CONTAINER_OK, "owner": "me"}, "'owner' was unexpected"),
    ({**CONTAINER_OK, "version": 1}, "1 is not of type"),
    ({**CONTAINER_OK, "metadata": {"labels": {"a": 1}}}, "1 is not of type 'string'"),
    ({**CONTAINER_OK, "inputs": {"a": {}}}, "is not of type 'array', 'null'"),
    (with_input({"type": "String"}), "'name' is a required property"),
    (with_input({"name": ""}), "does not match"),
    (with_input({"name": "a", "optional": "true"}), "not of type 'boolean'"),
    (with_input({"name": "a", "default": [1]}), "is not of type"),
    # KFP's model also takes a list or a several-key map as a type; DESIGN.md section 2 does not.
    (with_input({"name": "a", "type": ["a", "b"]}), "is not of type"),
    (with_input({"name": "a", "type": {"A": {}, "B": {}}}), "has too many properties"),
    (container_with(fileOutputs={"m": "tmp/m"}), "does not match"),
    (with_output({"name": "a", "default": "x"}), "'default' was unexpected"),
    (args_with(8), "8 is not of type 'string', 'object'"),
    (args_with(True), "True is not of type 'string', 'object'"),
    (args_with(None), "None is not of type 'string', 'object'"),
    (args_with({}), "should be non-empty"),
    (args_with({"inputVal": "x"}), "'inputVal' was unexpected"),
    (args_with({"inputValue": "a", "inputPath": "a"}), "has too many properties"),
    (args_with({"inputValue": 1}), "1 is not of type 'string'"),
    (args_with({"isPresent": "epochs"}), "'isPresent' was unexpected"),
    (args_with({"concat": "abc"}), "'abc' is not of type 'array'"),
    (args_with({"executorInput": "data"}), "'data' is not of type 'null'"),
    (args_with({"if": {"cond": True}}), "'then' is a required property"),
    (args_with({"if": {"then": "a"}}), "'cond' is a required property"),
    (
        args_with({"if": {"cond": 1, "then": "a"}}),
        "1 is not of type 'boolean', 'string', 'object'",
    ),
    (
        args_with({"if": {"cond": {"inputPath": "a"}, "then": "a"}}),
        "'inputPath' was unexpected",
    ),
    (
        args_with({"if": {"cond": True, "then": "a", "otherwise": "b"}}),
        "'otherwise' was unexpected",
    ),
    (args_with({"if": {"cond": True, "then": [["a"]]}}), "['a'] is not of type"),
    (container_with(command="date"), "'date' is not of type 'array', 'null'"),
    (container_with(image={"repository": "python"}), "is not of type 'string'"),
    (container_with(env={"WORKERS": 4}), "4 is not of type 'string'"),
    (container_with(env=[{"name": "A", "value": "b"}]), "is not of type 'object', 'null'"),
    (container_with(file_outputs={"m": "/m"}), "'file_outputs' was unexpected"),
    ({"implementation": {}}, "should be non-empty"),
    (
        {"implementation": {"container": {"image": "a"}, "graph": {"tasks": {}}}},
        "has too many properties",
    ),
    ({"implementation": {"graph": {"tasks": {}}}}, "'outputValues' is a required property"),
    (graph_task_with(componentRef={}), "should be non-empty"),
    (graph_task_with(after=["x"]), "'after' was unexpected"),
    (graph_task_with(arguments={"a": [1, 2]}), "is not of type 'string', 'number', 'boolean'"),
    (graph_task_with(arguments={"a": None}), "None is not of type"),
    (
        graph_task_with(arguments={"a": {"graphInput": {}}}),
        "'inputName' is a required property",
    ),
    (graph_task_with(arguments={"a": {"taskOutput": {"outputName": "o"}}}), "'taskId' is a"),
    (graph_task_with(isEnabled={"=~": {"op1": 1, "op2": 2}}), "'=~' was unexpected"),
    (graph_task_with(isEnabled={"==": {"op1": 1}}), "'op2' is a required property"),
    (
        graph_task_with(isEnabled={"==": {"op1": {"not": True}, "op2": 1}}),
        "'not' was unexpected",
    ),
    (
        graph_task_with(executionOptions={"retryStrategy": {"maxRetries": "3"}}),
        "'3' is not of type 'integer'",
    ),
]


@pytest.mark.parametrize(("doc", "expected"), COMPONENT_BAD)
def test_component_rejects(
    component_validator: Draft202012Validator, doc: Any, expected: str
) -> None:
    messages = [e.message for e in component_validator.iter_errors(doc)]
    assert messages, "document was accepted"
    # The message should be findable directly or in an anyOf/oneOf branch.
    context = [c.message for e in component_validator.iter_errors(doc) for c in (e.context or [])]
    assert any(expected in m for m in messages + context), messages


# ---------------------------------------------------------------- pipeline documents

PIPELINE_OK: dict[str, Any] = {
    "name": "train-and-serve",
    "description": "Train a model and serve it.",
    "metadata": {"annotations": {"team": "ml"}, "labels": {"tier": "gold"}},
    "inputs": [
        {"name": "data_url", "type": "String"},
        {"name": "epochs", "type": "Integer", "default": 10},
        {"name": "shards", "type": "JsonArray", "default": "[1, 2]"},
    ],
    "outputs": [{"name": "model", "from": "${{ tasks.train.outputs.model }}"}],
    "settings": {
        "service_account": "pipeline-runner",
        "parallelism": 10,
        "ttl": "1d",
        "timeout": 43200,
        "image_pull_secrets": ["regcred"],
    },
    "defaults": {
        "retry": 2,
        "timeout": "2h",
        "cache": True,
        "resources": {"cpu": "1", "memory": "2Gi"},
        "node_selector": {"pool": "cpu"},
        "tolerations": [{"key": "spot", "operator": "Exists", "effect": "NoSchedule"}],
        "annotations": {},
        "labels": {},
    },
    "volumes": {
        "work": {"size": "10Gi", "access_modes": ["ReadWriteOnce"], "storage_class": "standard"},
        "datasets": {"claim": "shared-datasets", "read_only": True},
        "restored": {"size": "10Gi", "from_snapshot": "snap"},
    },
    "tasks": {
        "download": {
            "component": "../components/download/component.yaml",
            "arguments": {"url": "${{ inputs.data_url }}"},
            "volumes": {"/mnt/work": "work", "/data": {"volume": "datasets", "read_only": True}},
        },
        "train": {
            "component": "https://example.com/c/train.yaml#sha256=00ff",
            "arguments": {
                "data": "${{ tasks.download.outputs.data }}",
                "epochs": 3,
                "config": {"layers": [1, 2]},
                "legacy": {"graphInput": {"inputName": "data_url"}},
            },
            "resources": {"cpu": 4, "memory": "16Gi", "gpu": 1, "gpu_vendor": "amd"},
            "node_selector": {"cloud.google.com/gke-accelerator": "nvidia-tesla-t4"},
            "cache": {"max_staleness": "P7D"},
            "retry": {"limit": 3, "policy": "OnError", "backoff": {"duration": "10s", "factor": 2}},
            "timeout": "30m",
            "env": {"MODE": "fast", "N": 3, "TOKEN": {"secret": "api", "key": "token"}},
        },
        "snap": {"snapshot": {"volume": "work"}, "after": ["train"]},
        "evaluate": {
            "component": "team/evaluate@1.4.0",
            "arguments": {"model": {"taskOutput": {"taskId": "train", "outputName": "model"}}},
            "after": "snap",
        },
        "deploy": {
            "when": "${{ tasks.evaluate.outputs.accuracy }} > 0.9",
            "resource": {
                "action": "create",
                "manifest": {
                    "apiVersion": "serving.kserve.io/v1beta1",
                    "kind": "InferenceService",
                    "metadata": {"generateName": "model-"},
                    "spec": {},
                },
                "success_condition": "status.ready == True",
                "outputs": {"url": "{.status.url}"},
            },
            "display_name": "Deploy",
        },
        "shard": {
            "for_each": ["a", "b", "c"],
            "parallelism": 2,
            "container": {
                "image": "alpine:3.20",
                "command": ["sh", "-c", 'echo "$0"', "${{ item }}"],
                "outputs": {"out": "/tmp/out"},
            },
        },
        "grid": {
            "for_each": [{"lr": 0.1}, {"lr": 0.01}],
            "component": "team/train",
            "arguments": {"lr": "${{ item.lr }}"},
        },
        "fan": {"for_each": "${{ inputs.shards }}", "component": "team/shard"},
    },
    "on_exit": {
        "component": "../components/notify/component.yaml",
        "arguments": {"status": "${{ workflow.status }}"},
    },
}


def pipeline_with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(PIPELINE_OK)
    doc.update(changes)
    return doc


def task_with(**changes: Any) -> dict[str, Any]:
    doc = copy.deepcopy(PIPELINE_OK)
    doc["tasks"]["train"].update(changes)
    return doc


@pytest.mark.parametrize(
    "doc",
    [
        PIPELINE_OK,
        {"name": "p", "tasks": {"a": {"component": "x/y"}}},
        {"name": "p", "tasks": {"_a-1": {"container": {"image": "alpine"}}}},
        task_with(retry=0, cache=False, timeout=90),
    ],
    ids=["full", "minimal", "inline-container", "scalar-forms"],
)
def test_pipeline_accepts(pipeline_validator: Draft202012Validator, doc: Any) -> None:
    errors = [e.message for e in pipeline_validator.iter_errors(doc)]
    assert not errors, errors


PIPELINE_BAD: list[tuple[Any, str]] = [
    ({"tasks": {"a": {"component": "x"}}}, "'name' is a required property"),
    ({"name": "p"}, "'tasks' is a required property"),
    ({"name": "p", "tasks": {}}, "should be non-empty"),
    (pipeline_with(implementation={}), "'implementation' was unexpected"),
    (pipeline_with(tasks={"1bad": {"component": "x"}}), "'1bad' does not match"),
    (
        pipeline_with(tasks={"a": {"arguments": {}}}),
        "is not valid under any of the given schemas",
    ),
    (
        pipeline_with(tasks={"a": {"component": "x", "container": {"image": "y"}}}),
        "is valid under each of",
    ),
    (pipeline_with(outputs=[{"name": "m"}]), "'from' is a required property"),
    (pipeline_with(volumes={"v": {"claim": "c", "size": "1Gi"}}), "'size' was unexpected"),
    (pipeline_with(volumes={"v": {"storage_class": "s"}}), "'size' is a required property"),
    (
        pipeline_with(volumes={"v": {"size": "1Gi", "access_modes": ["ReadWriteAll"]}}),
        "'ReadWriteAll' is not one of",
    ),
    (pipeline_with(settings={"parallelism": 0}), "0 is less than the minimum of 1"),
    (pipeline_with(settings={"ttl": "1 day"}), "'1 day' does not match"),
    (pipeline_with(defaults={"when": "x"}), "'when' was unexpected"),
    (task_with(timeout="2 hours"), "'2 hours' does not match"),
    (task_with(retry=-1), "-1 is less than the minimum of 0"),
    (task_with(retry={"limit": 1, "policy": "Never"}), "'Never' is not one of"),
    (task_with(retry={"policy": "Always"}), "'limit' is a required property"),
    (task_with(cache={"max_staleness": "7d"}), "'7d' does not match"),
    (task_with(cache="yes"), "'yes' is not of type 'boolean', 'object'"),
    (task_with(parallelism=2), "'for_each' is a dependency of 'parallelism'"),
    (task_with(for_each="a,b,c"), "'a,b,c' does not match"),
    (task_with(for_each=["a", {"k": 1}]), "'a' is not of type 'object'"),
    (task_with(for_each=[None]), "None is not of type 'string', 'number', 'boolean'"),
    (task_with(after=["1x"]), "'1x' does not match"),
    (task_with(volumes={"rel/path": "work"}), "'rel/path' does not match"),
    (task_with(volumes={"/m": {"sub_path": "x"}}), "'volume' is a required property"),
    (task_with(resources={"gpu": -1}), "-1 is less than the minimum of 0"),
    (task_with(resources={"gpu_vendor": "intel"}), "'intel' is not one of"),
    (task_with(resources={"memroy": "1Gi"}), "'memroy' was unexpected"),
    (task_with(tolerations=[{"operator": "In"}]), "'In' is not one of"),
    (task_with(env={"A": None}), "None is not of type"),
    (task_with(env={"A": {"secret": "s"}}), "'key' is a required property"),
    (task_with(arguments={"a": {"graphInput": {}}}), "'inputName' is a required property"),
    (
        task_with(arguments={"a": {"graphInput": {"inputName": "x"}, "extra": 1}}),
        "'extra' was unexpected",
    ),
    (task_with(arguments={"a": {"taskOutput": {"taskId": "t"}}}), "'outputName' is a"),
    (
        pipeline_with(tasks={"c": {"container": {"image": "a", "command": ["sleep", 5]}}}),
        "5 is not of type 'string'",
    ),
    (
        pipeline_with(tasks={"c": {"container": {"image": "a", "outputs": {"o": "rel"}}}}),
        "'rel' does not match",
    ),
    (
        pipeline_with(tasks={"r": {"resource": {"action": "scale", "manifest": "x"}}}),
        "'scale' is not one of",
    ),
    (
        pipeline_with(tasks={"r": {"resource": {"manifest": {"kind": "Pod"}}}}),
        "'apiVersion' is a required property",
    ),
    (pipeline_with(tasks={"s": {"snapshot": {}}}), "'volume' is a required property"),
    (pipeline_with(on_exit={"after": "x"}), "is not valid under any of the given schemas"),
]


@pytest.mark.parametrize(("doc", "expected"), PIPELINE_BAD)
def test_pipeline_rejects(
    pipeline_validator: Draft202012Validator, doc: Any, expected: str
) -> None:
    errors = list(pipeline_validator.iter_errors(doc))
    assert errors, "document was accepted"
    messages = [e.message for e in errors] + [c.message for e in errors for c in e.context or []]
    assert any(expected in m for m in messages), messages
