#!/usr/bin/env python3
"""Validation benchmark: whole-process wall time of `yamlpipe validate` vs check-jsonschema.

Generates a deterministic corpus (500 component files, 50 pipeline files, all valid), checks
that `yamlpipe validate` accepts it, then times separate processes (best and median of N runs):

  * `yamlpipe --version`                                    -- the startup floor
  * `yamlpipe validate --no-resolve ONE_COMPONENT`          -- target: <= 0.3 s
  * `yamlpipe validate --no-resolve` on the 500 components  -- target: beat check-jsonschema
  * `yamlpipe validate --no-resolve` on 500 components + 50 pipelines (one process)
  * `check-jsonschema --schemafile schemas/component.schema.json` on the same files
    (schema only: no YAML 1.2 hazards, no placeholder/expression/reference checks)

and prints `python -X importtime -c "import yamlpipe.cli"` (top 10 cumulative) below the table.
`--profile` adds a cProfile of the 550-file run (in one process, imports included).

Usage: python bench/validate.py [--runs N] [--out DIR] [--keep] [--profile]
Stdlib only; uses the `yamlpipe` and `check-jsonschema` next to sys.executable, else on PATH.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import random
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
COMPONENT_SCHEMA = REPO / "schemas" / "component.schema.json"
PIPELINE_SCHEMA = REPO / "schemas" / "pipeline.schema.json"
SEED = 20240611
N_COMPONENTS = 500
N_PIPELINES = 50
TARGET_ONE_FILE_S = 0.3

# ---- YAML writing (block style, flow style for short leaves, block scalars for scripts) ---------

RESERVED = {"true", "false", "null", "yes", "no", "on", "off", "y", "n", "~", ""}
_PLAIN = re.compile(r"(\.\./)*[A-Za-z/][\w ./:=+-]*|--?[A-Za-z][\w./=+-]*|\d+(s|m|h|d|Gi|Mi)")


class Block(str):
    """A string written as a literal block scalar (`|`)."""


class Flow(dict):
    """A map always written in flow style."""


def scalar(value: object, flow: bool = False) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    text = str(value)
    plain = (
        _PLAIN.fullmatch(text)
        and text.lower() not in RESERVED
        and ": " not in text
        and not text.endswith((" ", ":"))
        and not (flow and ":" in text)
    )
    if plain:
        return text
    if "'" in text and '"' not in text and "\\" not in text:
        return f'"{text}"'
    if "${{" in text and '"' not in text and "\\" not in text:
        return f'"{text}"'
    return "'" + text.replace("'", "''") + "'"


def is_leaf(value: object) -> bool:
    return not isinstance(value, dict | list) or isinstance(value, Block)


def flow_text(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{scalar(k, True)}: {flow_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(flow_text(v) for v in value) + "]"
    return scalar(value, flow=True)


def fits_flow(value: object, width: int) -> bool:
    if isinstance(value, Flow):
        return True
    if not isinstance(value, dict | list) or not value:
        return True
    if any(isinstance(v, Block) for v in (value.values() if isinstance(value, dict) else value)):
        return False
    depth_ok = all(
        is_leaf(v) or all(is_leaf(w) for w in (v.values() if isinstance(v, dict) else v))
        for v in (value.values() if isinstance(value, dict) else value)
    )
    return depth_ok and len(flow_text(value)) <= width


def emit(value: object, indent: int = 0) -> list[str]:
    """Lines for a dict or list at the given indentation."""
    pad = " " * indent
    lines: list[str] = []
    if isinstance(value, dict):
        for key, item in value.items():
            lines.extend(_emit_entry(f"{pad}{scalar(key)}:", item, indent))
    else:
        for item in value:  # type: ignore[union-attr]
            if isinstance(item, dict) and item and not fits_flow(item, 96 - indent):
                sub = emit(item, indent + 2)
                lines.append(f"{pad}- " + sub[0][indent + 2 :])
                lines.extend(sub[1:])
            else:
                lines.extend(_emit_entry(f"{pad}-", item, indent))
    return lines


def _emit_entry(head: str, item: object, indent: int) -> list[str]:
    if isinstance(item, Block):
        body = [
            (" " * (indent + 2) + line) if line else "" for line in item.rstrip("\n").split("\n")
        ]
        return [f"{head} |", *body]
    if is_leaf(item):
        return [f"{head} {scalar(item)}"]
    if fits_flow(item, 96 - len(head)):
        return [f"{head} {flow_text(item)}"]
    return [head, *emit(item, indent + 2)]


def dump(data: dict) -> str:
    return "\n".join(emit(data)) + "\n"


# ---- the corpus ---------------------------------------------------------------------------------


def words(text: str) -> list[str]:
    return text.split()


PARAM_NAMES = {
    "String": words(
        "region label_column mode project bucket_prefix target_column file_format locale "
        "run_name id_column split_column optimizer metric_name device table_name compression"
    ),
    "Integer": words(
        "epochs batch_size seed max_depth num_workers n_estimators top_k num_shards "
        "sample_size patience max_rows min_count"
    ),
    "Float": words(
        "learning_rate threshold dropout test_fraction subsample min_accuracy alpha momentum "
        "weight_decay sample_rate"
    ),
    "Boolean": words("shuffle overwrite use_gpu verbose dry_run normalize"),
    "JsonObject": words("params hyperparameters schema_overrides feature_spec"),
    "JsonArray": words("columns metric_names feature_names shard_ids"),
}
ARTIFACT_NAMES = {
    "CSV": words("train_data eval_data raw_table input_csv reference_table"),
    "Model": words("model base_model checkpoint candidate_model"),
    "Dataset": words("dataset images corpus"),
    "Parquet": words("features events sessions"),
    "Text": words("vocabulary config_file query"),
}
OUTPUT_NAMES = {
    "CSV": words("output_table filtered train_split test_split predictions"),
    "Model": words("trained_model exported_model best_model"),
    "Dataset": words("prepared_dataset augmented"),
    "Parquet": words("feature_table joined"),
    "Text": words("summary_text log_text"),
    "Float": words("accuracy auc loss rmse"),
    "Integer": words("row_count best_iteration num_classes"),
    "String": words("model_uri status version_tag"),
    "JsonArray": words("shard_list grid"),
    "JsonObject": words("report_json stats"),
    "Metrics": words("mlpipeline-metrics"),
    "UI_metadata": words("mlpipeline-ui-metadata"),
}
VERBS = words(
    "Train Evaluate Preprocess Split Join Filter Score Export Validate Aggregate Sample "
    "Normalize Featurize Deploy Tune Compare Download Upload Convert Summarize"
)
NOUNS = words(
    "dataset model table features embeddings metrics report shards predictions labels images "
    "events logs checkpoints"
)
WORDS = words(
    "the input rows are read in batches and written back in the same column order while "
    "missing values are filled from the training statistics so that every later step sees "
    "a complete table with stable types and a header row"
)
IMAGES = [
    "python:3.11-slim",
    "python:3.10",
    "gcr.io/ml-platform/trainer:2.4.1",
    "ghcr.io/acme/featurizer:1.9",
    "tensorflow/tensorflow:2.15.0",
    "pytorch/pytorch:2.3.1-cuda12.1-cudnn8-runtime",
    "google/cloud-sdk:480.0.0-slim",
]
PY_BODY = [
    "rows = pd.read_csv(opts.{a})",
    "rows = rows.dropna(subset=[c for c in rows.columns if c.endswith('_id')])",
    "print(f'read {{len(rows)}} rows with {{len(rows.columns)}} columns')",
    "stats = rows.describe(include='all').transpose()",
    "for column in rows.columns:",
    "    if rows[column].dtype == object:",
    "        rows[column] = rows[column].fillna('').str.strip()",
    "    else:",
    "        rows[column] = rows[column].fillna(rows[column].median())",
    "rng = np.random.default_rng(42)",
    "mask = rng.random(len(rows)) < 0.8",
    "train, test = rows[mask], rows[~mask]",
    "summary = {{'rows': int(len(rows)), 'train': int(mask.sum())}}",
    "logging.info('summary: %s', json.dumps(summary))",
    "if len(train) == 0:",
    "    raise SystemExit('no training rows left after filtering')",
    "",
    "def write(path, data):",
    "    os.makedirs(os.path.dirname(path), exist_ok=True)",
    "    with open(path, 'w') as f:",
    "        f.write(data)",
    "",
    "elapsed = time.monotonic() - started",
    "print(f'done in {{elapsed:.1f}}s')",
]
SH_BODY = [
    'echo "starting at $(date -u +%Y-%m-%dT%H:%M:%SZ)"',
    'mkdir -p "$(dirname "$OUT")"',
    'gsutil -m cp -r "$SRC" /tmp/work/ || { echo "copy failed" >&2; exit 1; }',
    "for f in /tmp/work/*; do",
    '  echo "processing $f"',
    '  wc -l "$f" >> /tmp/counts.txt',
    "done",
    "sort -k1,1nr /tmp/counts.txt | head -n 20",
    "test -s /tmp/counts.txt",
    'cp /tmp/counts.txt "$OUT"',
]


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def sentence(rng: random.Random, lo: int, hi: int) -> str:
    start = rng.randrange(len(WORDS) - hi)
    text = " ".join(WORDS[start : start + rng.randint(lo, hi)])
    return text[0].upper() + text[1:] + "."


def make_component(i: int, rng: random.Random) -> tuple[dict, str, int]:
    """A KFP v1 component (as data), its file text and its line count."""
    target_lines = rng.randint(30, 120)
    verb, noun = rng.choice(VERBS), rng.choice(NOUNS)
    used: set[str] = set()

    def fresh(pool: list[str]) -> str:
        base = rng.choice(pool)
        name, k = base, 2
        while name in used:
            name, k = f"{base}_{k}", k + 1
        used.add(name)
        return name

    max_inputs = max(1, min(9, (target_lines - 24) // 9))
    inputs, args = [], []
    for _ in range(rng.randint(1, max_inputs)):
        if rng.random() < 0.4:
            typ = rng.choice(list(ARTIFACT_NAMES))
            name = fresh(ARTIFACT_NAMES[typ])
        else:
            typ = rng.choice(list(PARAM_NAMES))
            name = fresh(PARAM_NAMES[typ])
        item: dict = {"name": name, "type": typ}
        if rng.random() < 0.6:
            item["description"] = sentence(rng, 4, 12)
        mode = rng.choices(["required", "default", "optional"], [5, 3, 2])[0]
        if typ in ARTIFACT_NAMES and mode == "default":
            mode = "required"
        if typ == "Boolean" and mode == "optional":
            mode = "default"
        if mode == "default":
            item["default"] = {
                "String": "auto",
                "Integer": str(rng.choice([1, 10, 32, 100])),
                "Float": str(rng.choice([0.1, 0.5, 0.01])),
                "Boolean": rng.choice(["True", "False"]),
                "JsonObject": "{}",
                "JsonArray": "[]",
            }[typ]
        elif mode == "optional":
            item["optional"] = True
        inputs.append(item)
        ph = Flow({"inputPath" if typ in ARTIFACT_NAMES else "inputValue": name})
        if mode == "optional":
            branch = {"cond": Flow({"isPresent": name}), "then": [flag(name), ph]}
            if rng.random() < 0.3:
                branch["else"] = [f"--no-{flag(name)[2:]}"]
            args.append({"if": branch})
        elif typ == "Boolean" and rng.random() < 0.5:
            args.append(
                {
                    "if": {
                        "cond": Flow({"inputValue": name}),
                        "then": [flag(name)],
                        "else": [f"--no-{flag(name)[2:]}"],
                    }
                }
            )
        elif rng.random() < 0.25:
            args.append(Flow({"concat": [flag(name) + "=", ph]}))
        else:
            args.extend([flag(name), ph])

    outputs = []
    for _ in range(rng.randint(1, 4)):
        typ = rng.choice(list(OUTPUT_NAMES))
        if typ in ("Metrics", "UI_metadata") and rng.random() < 0.6:
            typ = "Float"
        name = fresh(OUTPUT_NAMES[typ])
        item = {"name": name, "type": typ}
        if rng.random() < 0.5:
            item["description"] = sentence(rng, 3, 9)
        outputs.append(item)
        args.extend([flag(name), Flow({"outputPath": name})])

    comp: dict = {"name": f"{verb} {noun} {i}"}
    comp["description"] = Block(sentence(rng, 10, 20) + "\n" + sentence(rng, 8, 18) + "\n")
    if rng.random() < 0.6:
        comp["metadata"] = {
            "annotations": {
                "author": "bench",
                "canonical_location": f"https://example.com/components/{i}",
            },
            "labels": {"category": verb.lower()},
        }
    comp["inputs"] = inputs
    comp["outputs"] = outputs
    container: dict = {"image": rng.choice(IMAGES)}
    if rng.random() < 0.4:
        container["env"] = {"PYTHONUNBUFFERED": "1", "LOG_LEVEL": "info"}
    container["command"] = []
    container["args"] = args
    comp["implementation"] = {"container": container}

    base = len(dump(comp).splitlines())
    style = rng.choice(["python", "pip", "shell"])
    csv_input = next((x["name"] for x in inputs if x["type"] == "CSV"), "input_csv")

    def set_command(body_lines: int) -> None:
        if style == "shell":
            body = ["set -eu", 'SRC="$1"', 'OUT="$2"']
            body += [SH_BODY[j % len(SH_BODY)] for j in range(body_lines - 3)]
            container["command"] = ["sh", "-c", Block("\n".join(body) + "\n"), "--"]
            return
        py = [
            "import argparse",
            "import json",
            "import logging",
            "import os",
            "import time",
            "",
            "import numpy as np",
            "import pandas as pd",
            "",
            "parser = argparse.ArgumentParser()",
        ]
        py += [f"parser.add_argument('{flag(x['name'])}')" for x in inputs[:3]]
        py += ["opts, _ = parser.parse_known_args()", "started = time.monotonic()"]
        while len(py) < body_lines:
            py.append(PY_BODY[(len(py) + i) % len(PY_BODY)].format(a=csv_input))
        script = Block("\n".join(py[:body_lines]) + "\n")
        if style == "pip":
            pip = Block(
                "set -e\npython3 -m pip install --quiet 'pandas==2.2.3' 'numpy<2'\n"
                'exec python3 -u -c "$0" "$@"\n'
            )
            container["command"] = ["sh", "-c", pip, script]
        else:
            container["command"] = ["python3", "-u", "-c", script]

    body_lines = max(6, target_lines - base)
    for _ in range(3):  # converge on the target length (30-120 lines)
        set_command(body_lines)
        text = dump(comp)
        excess = len(text.splitlines()) - target_lines
        if excess == 0 or (excess > 0 and body_lines == 6):
            break
        body_lines = max(6, body_lines - excess)
    return comp, text, len(text.splitlines())


SCALAR_ITEMS = [
    ["us-east1", "europe-west4", "asia-east1"],
    ["small", "medium", "large"],
    ["2021", "2022", "2023", "2024"],
]
MAP_ITEMS = [
    [{"lr": 0.1, "depth": 4}, {"lr": 0.05, "depth": 6}, {"lr": 0.01, "depth": 8}],
    [{"lr": 0.3, "depth": 2}, {"lr": 0.1, "depth": 3}],
]


def literal(typ: str, rng: random.Random) -> object:
    return {
        "String": rng.choice(
            [
                "us-central1",
                "label",
                "full",
                "gs://ml-data/exports/latest",
                "gs://ml-runs/${{ workflow.uid }}/out",
                "run-${{ workflow.name }}",
            ]
        ),
        "Integer": rng.choice([1, 8, 20, 64, 500]),
        "Float": rng.choice([0.001, 0.1, 0.25, 0.9]),
        "Boolean": rng.choice([True, False]),
        "JsonObject": Flow({"max_depth": 6, "eta": 0.1, "objective": "binary"}),
        "JsonArray": ["age", "income", "region"],
    }[typ]


def make_pipeline(p: int, catalog: list[dict], rng: random.Random) -> tuple[str, int]:
    """A pipeline file (text) using components of the catalog by relative path."""
    pipe_inputs: dict[str, dict] = {}
    producers: dict[str, list[tuple[str, str]]] = {}  # type -> [(task, output)]
    tasks: dict[str, dict] = {}

    def pipeline_input(name: str, typ: str) -> str:
        for existing, item in pipe_inputs.items():
            if item["type"] == typ and (existing == name or rng.random() < 0.5):
                return existing
        key, k = name, 2
        while key in pipe_inputs:
            key, k = f"{name}_{k}", k + 1
        item = {"name": key, "type": typ}
        if typ in PARAM_NAMES and rng.random() < 0.6:
            item["default"] = literal(typ, rng) if typ not in ("JsonObject", "JsonArray") else None
            if item["default"] is None or "${{" in str(item["default"]):
                del item["default"]
        pipe_inputs[key] = item
        return key

    volumes: dict[str, dict] = {}
    if rng.random() < 0.7:
        volumes["work"] = {
            "size": "20Gi",
            "storage_class": "standard",
            "access_modes": ["ReadWriteOnce"],
        }
    if rng.random() < 0.5:
        volumes["datasets"] = Flow({"claim": "shared-datasets", "read_only": True})

    n_tasks = rng.randint(10, 40)
    snapshot_at = rng.randrange(3, n_tasks - 2) if "work" in volumes and rng.random() < 0.3 else -1
    for t in range(n_tasks):
        if t == snapshot_at:
            tasks["snap_work"] = {"snapshot": Flow({"volume": "work"}), "after": list(tasks)[-1]}
            volumes["restored"] = {"size": "20Gi", "from_snapshot": "snap_work"}
            continue
        comp = rng.choice(catalog)
        name = re.sub(r"\W+", "_", comp["name"].lower())
        while name in tasks:
            name += "_b"
        task: dict = {"component": comp["path"]}
        loop = rng.random() < 0.15
        cond = not loop and rng.random() < 0.15
        if rng.random() < 0.2:
            task["display_name"] = comp["name"]
        loop_kind = None
        if loop:
            loop_kind = rng.choice(["scalars", "maps", "input"])
            if loop_kind == "scalars":
                task["for_each"] = rng.choice(SCALAR_ITEMS)
            elif loop_kind == "maps":
                task["for_each"] = rng.choice(MAP_ITEMS)
            else:
                task["for_each"] = f"${{{{ inputs.{pipeline_input('shards', 'JsonArray')} }}}}"
            if rng.random() < 0.5:
                task["parallelism"] = rng.choice([2, 4])
        arguments: dict = {}
        for item in comp["inputs"]:
            typ, iname = item["type"], item["name"]
            optional = "default" in item or item.get("optional")
            if optional and rng.random() < 0.6:
                continue
            if typ in ARTIFACT_NAMES:
                if producers.get(typ) and rng.random() < 0.85:
                    src, out = rng.choice(producers[typ])
                    arguments[iname] = f"${{{{ tasks.{src}.outputs.{out} }}}}"
                else:
                    arguments[iname] = f"${{{{ inputs.{pipeline_input(iname, typ)} }}}}"
                continue
            roll = rng.random()
            if loop_kind == "maps" and typ == "Float" and roll < 0.7:
                arguments[iname] = "${{ item.lr }}"
            elif loop_kind == "maps" and typ == "Integer" and roll < 0.7:
                arguments[iname] = "${{ item.depth }}"
            elif loop_kind == "scalars" and typ == "String" and roll < 0.7:
                arguments[iname] = "${{ item }}"
            elif producers.get(typ) and roll < 0.35:
                src, out = rng.choice(producers[typ])
                arguments[iname] = f"${{{{ tasks.{src}.outputs.{out} }}}}"
            elif roll < 0.65:
                arguments[iname] = f"${{{{ inputs.{pipeline_input(iname, typ)} }}}}"
            else:
                arguments[iname] = literal(typ, rng)
        if arguments:
            task["arguments"] = arguments
        if loop:
            task["env"] = {"ITEM": "${{ item.lr }}" if loop_kind == "maps" else "${{ item }}"}
        if cond:
            numeric = producers.get("Float", []) + producers.get("Integer", [])
            mode = pipeline_input("mode", "String")
            if numeric and rng.random() < 0.7:
                src, out = rng.choice(numeric)
                expr = f"${{{{ tasks.{src}.outputs.{out} }}}} > 0.5"
                task["when"] = rng.choice(
                    [
                        expr,
                        f"{expr} and ${{{{ inputs.{mode} }}}} != 'dry-run'",
                        f"not (${{{{ inputs.{mode} }}}} == 'skip') or {expr}",
                    ]
                )
            else:
                task["when"] = f"${{{{ inputs.{mode} }}}} == 'full'"
        if tasks and rng.random() < 0.2:
            after = rng.sample(list(tasks), min(len(tasks), rng.randint(1, 2)))
            task["after"] = after[0] if len(after) == 1 and rng.random() < 0.5 else after
        if volumes and rng.random() < 0.3:
            vol = rng.choice(list(volumes))
            task["volumes"] = (
                {f"/mnt/{vol}": vol}
                if rng.random() < 0.5
                else {
                    f"/mnt/{vol}": Flow(
                        {"volume": vol, "sub_path": f"runs/{name}", "read_only": vol != "work"}
                    )
                }
            )
        if rng.random() < 0.2:
            task["resources"] = Flow(
                {"cpu": "2", "memory": "8Gi"}
                if rng.random() < 0.7
                else {"cpu": "8", "memory": "32Gi", "gpu": 1}
            )
        if rng.random() < 0.15:
            task["retry"] = rng.choice(
                [
                    2,
                    Flow(
                        {
                            "limit": 3,
                            "policy": "OnError",
                            "backoff": Flow({"duration": "30s", "factor": 2}),
                        }
                    ),
                ]
            )
        if rng.random() < 0.2:
            task["timeout"] = rng.choice(["30m", "2h", 3600])
        if rng.random() < 0.1:
            task["cache"] = rng.choice([False, Flow({"max_staleness": "P7D"})])
        if rng.random() < 0.1:
            task.setdefault("env", {})["API_TOKEN"] = Flow(
                {"secret": "api-credentials", "key": "token"}
            )
        if rng.random() < 0.05:
            task["tolerations"] = [
                Flow({"key": "spot", "operator": "Exists", "effect": "NoSchedule"})
            ]
        tasks[name] = task
        if not loop and not cond:
            for out in comp["outputs"]:
                producers.setdefault(out["type"], []).append((name, out["name"]))

    data: dict = {
        "name": f"bench-pipeline-{p:02d}",
        "description": f"Benchmark pipeline {p} with {len(tasks)} tasks.",
    }
    if rng.random() < 0.5:
        data["metadata"] = {"annotations": {"team": "ml-platform"}, "labels": {"tier": "gold"}}
    data["inputs"] = list(pipe_inputs.values())
    plain = [(t, o) for typ in ("Model", "CSV", "Float") for t, o in producers.get(typ, [])]
    if plain and rng.random() < 0.5:
        t, o = rng.choice(plain)
        data["outputs"] = [{"name": "result", "from": f"${{{{ tasks.{t}.outputs.{o} }}}}"}]
    if rng.random() < 0.5:
        data["settings"] = {
            "service_account": "pipeline-runner",
            "parallelism": 10,
            "ttl": "1d",
            "timeout": "12h",
            "image_pull_secrets": ["regcred"],
        }
    if rng.random() < 0.5:
        data["defaults"] = {
            "retry": 2,
            "timeout": "2h",
            "cache": True,
            "resources": Flow({"cpu": "1", "memory": "2Gi"}),
            "node_selector": {"pool": "cpu"},
        }
    if volumes:
        data["volumes"] = volumes
    data["tasks"] = tasks
    if rng.random() < 0.3:
        data["on_exit"] = {
            "container": {
                "image": "curlimages/curl:8.8.0",
                "command": ["sh", "-c", 'echo "run $0 finished: $1"'],
                "args": ["${{ workflow.name }}", "${{ workflow.status }}"],
            }
        }
    return dump(data), len(tasks)


def generate(root: Path) -> dict:
    """Write the corpus under root; return the file lists and some statistics."""
    rng = random.Random(SEED)
    catalog, lines = [], []
    comp_dir, pipe_dir = root / "components", root / "pipelines"
    for i in range(N_COMPONENTS):
        comp, text, n = make_component(i, rng)
        slug = f"c{i:03d}-" + re.sub(r"\W+", "-", comp["name"].lower()).strip("-")
        path = comp_dir / slug / "component.yaml"
        path.parent.mkdir(parents=True)
        path.write_text(text, encoding="utf-8")
        catalog.append(
            {
                "name": comp["name"],
                "path": f"../components/{slug}/component.yaml",
                "file": path,
                "lines": n,
                "inputs": comp["inputs"],
                "outputs": comp["outputs"],
            }
        )
        lines.append(n)
    pipe_dir.mkdir()
    pipelines, task_counts, pipe_lines = [], [], []
    for p in range(N_PIPELINES):
        text, n_tasks = make_pipeline(p, catalog, rng)
        path = pipe_dir / f"p{p:02d}.yaml"
        path.write_text(text, encoding="utf-8")
        pipelines.append(path)
        task_counts.append(n_tasks)
        pipe_lines.append(len(text.splitlines()))
    median = sorted(catalog, key=lambda c: c["lines"])[len(catalog) // 2]
    return {
        "components": [c["file"] for c in catalog],
        "pipelines": pipelines,
        "one": median["file"],
        "one_lines": median["lines"],
        "component_lines": (min(lines), int(statistics.median(lines)), max(lines), sum(lines)),
        "pipeline_tasks": (min(task_counts), int(statistics.median(task_counts)), max(task_counts)),
        "pipeline_lines": (min(pipe_lines), int(statistics.median(pipe_lines)), max(pipe_lines)),
    }


# ---- measuring -----------------------------------------------------------------------------------


def git_state() -> str:
    """The commit of the repository and whether yamlpipe/ has uncommitted changes."""
    try:
        head = subprocess.run(
            ["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(REPO), "status", "--porcelain", "--", "yamlpipe", "pyproject.toml"],
            capture_output=True,
            text=True,
        ).stdout.splitlines()
    except OSError:
        return "git not available"
    if not head:
        return "not a git checkout"
    return f"commit {head}" + (f" + {len(dirty)} uncommitted files in yamlpipe/" if dirty else "")


def find_tool(name: str) -> str | None:
    here = Path(sys.executable).parent / name
    if here.is_file() and os.access(here, os.X_OK):
        return str(here)
    return shutil.which(name)


def tool_python(script: str) -> str:
    """The interpreter a console script runs with (its shebang), else this one."""
    try:
        first = Path(script).read_text(encoding="utf-8", errors="replace").splitlines()[0]
    except (OSError, IndexError):
        return sys.executable
    if first.startswith("#!") and "python" in first:
        return first[2:].strip().split()[0]
    return sys.executable


ENV = dict(os.environ)
"""The environment of every timed process (see setup_env)."""


def setup_env(cache_dir: Path | None) -> str:
    """Give the timed processes a bytecode cache, as an installed package has.

    With PYTHONDONTWRITEBYTECODE set and an editable install, every run would compile
    yamlpipe's sources again; a private PYTHONPYCACHEPREFIX (filled by the warm-up runs)
    measures what users of a wheel see. Returns a note for the report.
    """
    if cache_dir is None:
        return (
            "environment as is (PYTHONDONTWRITEBYTECODE="
            + os.environ.get("PYTHONDONTWRITEBYTECODE", "unset")
            + ")"
        )
    ENV.pop("PYTHONDONTWRITEBYTECODE", None)
    ENV["PYTHONPYCACHEPREFIX"] = str(cache_dir)
    return "bytecode cached in a private PYTHONPYCACHEPREFIX, filled by the warm-up run"


def run_once(cmd: list[str], cwd: Path) -> tuple[float, subprocess.CompletedProcess[bytes]]:
    start = time.perf_counter()
    proc = subprocess.run(cmd, cwd=cwd, env=ENV, capture_output=True)
    return time.perf_counter() - start, proc


def run_checked(cmd: list[str], cwd: Path) -> float:
    """Wall time of one run; a failing run aborts (a fast failure is no measurement)."""
    elapsed, proc = run_once(cmd, cwd)
    if proc.returncode != 0:
        sys.exit(
            f"benchmark command failed ({proc.returncode}): {' '.join(cmd[:4])} ...\n"
            + proc.stdout.decode()[-3000:]
            + proc.stderr.decode()[-3000:]
        )
    return elapsed


def measure(groups: list[list[list[str]] | None], runs: int, cwd: Path) -> list[list[float] | None]:
    """Wall times of `runs` runs of each group of commands (a run of a group is the sum over
    its commands). The groups take turns within each run, so all see the same machine load."""
    live = [g for g in groups if g]
    for cmd in (c for g in live for c in g):  # warm-up: page cache, .pyc files
        run_checked(cmd, cwd)
    times: list[list[float]] = [[] for _ in live]
    for _ in range(runs):
        for i, group in enumerate(live):
            times[i].append(sum(run_checked(cmd, cwd) for cmd in group))
    it = iter(times)
    return [next(it) if g else None for g in groups]


def import_times(
    python: str, args: list[str], cwd: Path, runs: int = 3
) -> list[tuple[str, int, int, int]]:
    """(module, self us, cumulative us, nesting depth) of `python -X importtime ARGS`, median
    over runs; depth 0 are the imports nothing else imported (their sum is the import time)."""
    samples: dict[str, list[tuple[int, int]]] = {}
    depth: dict[str, int] = {}
    for _ in range(runs):
        proc = subprocess.run(
            [python, "-X", "importtime", *args], cwd=cwd, env=ENV, capture_output=True, text=True
        )
        if proc.returncode != 0:
            sys.exit(f"python -X importtime {' '.join(args)} failed:\n{proc.stderr[-3000:]}")
        for line in proc.stderr.splitlines():
            m = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| ( *)(\S+)", line)
            if m:
                samples.setdefault(m.group(4), []).append((int(m.group(1)), int(m.group(2))))
                depth.setdefault(m.group(4), len(m.group(3)) // 2)
    return [
        (
            mod,
            int(statistics.median(s for s, _ in v)),
            int(statistics.median(c for _, c in v)),
            depth[mod],
        )
        for mod, v in samples.items()
    ]


PROFILE_CODE = r"""
import cProfile, pstats, sys
out, args = sys.argv[1], sys.argv[2:]
sys.argv = ["yamlpipe", *args]
prof = cProfile.Profile()
prof.enable()
code = 0
try:
    import yamlpipe.cli
    yamlpipe.cli.main()
except SystemExit as exc:
    code = exc.code
finally:
    prof.disable()
    prof.dump_stats(out)
sys.exit(code)
"""

PHASES = [  # (label, [(file suffix, function)]): cumulative time, summed over the pairs
    (
        "imports (everything `import`ed, as the profiler sees it)",
        [("<frozen importlib._bootstrap>", "_find_and_load")],
    ),
    ("read_yaml: ruamel/libyaml parse + plain data with positions", [("yamltext.py", "read_yaml")]),
    ("  of which ruamel compose_all", [("main.py", "compose_all")]),
    ("iter_schema_errors: jsonschema", [("schema.py", "iter_schema_errors")]),
    (
        "building the spec + in-file checks",
        [
            ("build.py", "component"),
            ("build.py", "pipeline"),
            ("checks.py", "iter_component_problems"),
            ("checks.py", "iter_pipeline_problems"),
        ],
    ),
    ("iter_hazards", [("hazards.py", "iter_hazards")]),
]


def profile(python: str, args: list[str], cwd: Path, out: Path, keep: bool, top: int = 15) -> str:
    import pstats

    out.mkdir(parents=True, exist_ok=True)
    prof_file = out / "validate550.prof"
    proc = subprocess.run(
        [python, "-c", PROFILE_CODE, str(prof_file), *args],
        cwd=cwd,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    if proc.returncode != 0 or not prof_file.exists():
        sys.exit(f"the profiled run failed:\n{proc.stderr[-3000:]}")
    stats = pstats.Stats(str(prof_file))
    raw = stats.stats  # type: ignore[attr-defined]
    total = max(v[3] for v in raw.values())
    lines = [
        f"cProfile of the 550-file run (`{' '.join(args)}`), one process: {total:.2f} s "
        "under the profiler (which inflates many small calls)"
        + (f"; saved to {prof_file}" if keep else ""),
        "",
    ]
    lines += ["| phase | cumulative s | share |", "| --- | ---: | ---: |"]
    for label, pairs in PHASES:
        # pstats merges every call of a function; a function that calls itself is counted once
        cum = sum(
            v[3]
            for (f, _, fn), v in raw.items()
            if any(f.endswith(suffix) and fn == func for suffix, func in pairs)
        )
        lines.append(f"| {label} | {cum:.3f} | {100 * cum / total:.0f}% |")
    lines += [
        "",
        f"Top {top} functions by own time (tottime):",
        "",
        "| tottime s | cumtime s | calls | function |",
        "| ---: | ---: | ---: | --- |",
    ]
    rows = sorted(raw.items(), key=lambda kv: kv[1][2], reverse=True)[:top]
    for (f, line, fn), (_cc, nc, tt, ct, _callers) in rows:
        where = f"{'/'.join(Path(f).parts[-2:])}:{line}" if line else f
        lines.append(f"| {tt:.3f} | {ct:.3f} | {nc} | `{fn}` ({where}) |")
    return "\n".join(lines)


def fmt(times: list[float] | None) -> str:
    if not times:
        return "—"
    return f"{min(times):.3f} / {statistics.median(times):.3f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--out", type=Path, help="also write results.md and results.json here")
    parser.add_argument("--keep", action="store_true", help="keep the generated corpus")
    parser.add_argument("--profile", action="store_true", help="cProfile the 550-file run")
    parser.add_argument(
        "--env-as-is",
        action="store_true",
        help="no private bytecode cache: time with the environment unchanged",
    )
    opts = parser.parse_args()

    yamlpipe = find_tool("yamlpipe")
    if yamlpipe is None:
        sys.exit(
            "yamlpipe not found next to sys.executable or on PATH; install it (pip install -e .)"
        )
    cjs = find_tool("check-jsonschema")
    python = tool_python(yamlpipe)
    if cjs is None:
        print(
            "check-jsonschema not found next to sys.executable or on PATH: timing yamlpipe alone",
            file=sys.stderr,
        )

    root = Path(tempfile.mkdtemp(prefix="yamlpipe-bench-"))
    env_note = setup_env(None if opts.env_as_is else root / "pycache")
    try:
        t0 = time.perf_counter()
        corpus = generate(root)
        gen_s = time.perf_counter() - t0
        comps = [str(p.relative_to(root)) for p in corpus["components"]]
        pipes = [str(p.relative_to(root)) for p in corpus["pipelines"]]
        one = str(corpus["one"].relative_to(root))

        # The corpus must be valid for yamlpipe (references resolved, when it resolves them).
        _, proc = run_once([yamlpipe, "validate", "components", "pipelines"], root)
        if proc.returncode != 0:
            print(proc.stdout.decode() + proc.stderr.decode())
            sys.exit(
                f"generated corpus is not valid for yamlpipe (exit {proc.returncode}); aborting"
            )
        _, proc = run_once(
            [yamlpipe, "validate", "--format", "json", "components", "pipelines"], root
        )
        warnings = len(json.loads(proc.stdout or b"[]"))

        cases = []
        yp = [yamlpipe, "validate", "--no-resolve"]
        cjs_c = [cjs, "--schemafile", str(COMPONENT_SCHEMA)] if cjs else None
        cjs_p = [cjs, "--schemafile", str(PIPELINE_SCHEMA)] if cjs else None
        plan = [
            (
                "startup floor (`--version`)",
                0,
                [[yamlpipe, "--version"]],
                [[cjs, "--version"]] if cjs else None,
            ),
            ("1 component", 1, [[*yp, one]], [[*cjs_c, one]] if cjs_c else None),
            (
                "500 components",
                N_COMPONENTS,
                [[*yp, "components"]],
                [cjs_c + comps] if cjs_c else None,
            ),
            (
                "500 components + 50 pipelines",
                N_COMPONENTS + N_PIPELINES,
                [[*yp, "components", "pipelines"]],
                [cjs_c + comps, cjs_p + pipes] if cjs_c and cjs_p else None,
            ),
        ]
        for label, files, ycmds, ccmds in plan:
            ytimes, ctimes = measure([ycmds, ccmds], opts.runs, root)
            assert ytimes is not None
            cases.append(
                {
                    "case": label,
                    "files": files,
                    "yamlpipe": ytimes,
                    "check_jsonschema": ctimes,
                    "check_jsonschema_processes": len(ccmds) if ccmds else 0,
                }
            )
            print(f"  measured: {label}", file=sys.stderr)

        imports = import_times(python, ["-c", "import yamlpipe.cli"], root)
        run_imports = import_times(python, [yamlpipe, "validate", "--no-resolve", one], root)
        prof_text = (
            profile(
                python,
                ["validate", "--no-resolve", "components", "pipelines"],
                root,
                opts.out or root,
                keep=opts.out is not None,
            )
            if opts.profile
            else None
        )
    finally:
        if opts.keep:
            print(f"corpus kept in {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)

    # ---- report ----
    out: list[str] = []
    cl, pt, pl = corpus["component_lines"], corpus["pipeline_tasks"], corpus["pipeline_lines"]
    out.append(
        f"Corpus (seed {SEED}, generated in {gen_s:.1f} s): {N_COMPONENTS} components "
        f"({cl[0]}-{cl[2]} lines, median {cl[1]}, {cl[3]} in all), {N_PIPELINES} pipelines "
        f"({pt[0]}-{pt[2]} tasks, median {pt[1]}; {pl[0]}-{pl[2]} lines). "
        f"`yamlpipe validate` (with resolution): exit 0, {warnings} warnings. "
        f"Single file: {corpus['one_lines']} lines."
    )
    out.append(
        f"Machine: {os.cpu_count()} CPUs (nproc {len(os.sched_getaffinity(0))}), "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()} "
        f"(yamlpipe runs on {python}, {git_state()}); {env_note}. "
        f"Whole-process wall time, {opts.runs} runs "
        "after one warm-up, yamlpipe and check-jsonschema taking turns; best / median seconds."
    )
    out.append("")
    out.append(
        "| case | files | yamlpipe best / median s | check-jsonschema best / median s "
        "| ratio (check-jsonschema / yamlpipe, median) |"
    )
    out.append("| --- | ---: | ---: | ---: | ---: |")
    for c in cases:
        ratio = "—"
        if c["check_jsonschema"]:
            ratio = (
                f"{statistics.median(c['check_jsonschema']) / statistics.median(c['yamlpipe']):.2f}"
            )
        cj = fmt(c["check_jsonschema"])
        if c["check_jsonschema_processes"] > 1:
            cj += f" ({c['check_jsonschema_processes']} processes)"
        out.append(f"| {c['case']} | {c['files']} | {fmt(c['yamlpipe'])} | {cj} | {ratio} |")
    if not cjs:
        out.append("")
        out.append("check-jsonschema not found next to sys.executable or on PATH: yamlpipe alone.")
    out.append("")
    by = {c["case"]: c for c in cases}
    one_med = statistics.median(by["1 component"]["yamlpipe"])
    ver_med = statistics.median(by["startup floor (`--version`)"]["yamlpipe"])
    y500 = statistics.median(by["500 components"]["yamlpipe"])
    y550 = statistics.median(by["500 components + 50 pipelines"]["yamlpipe"])
    out.append("Targets:")
    out.append(
        f"- 1 file <= {TARGET_ONE_FILE_S} s whole process: median {one_med:.3f} s, best "
        f"{min(by['1 component']['yamlpipe']):.3f} s -> "
        f"{'MET' if one_med <= TARGET_ONE_FILE_S else 'MISSED'} "
        f"(startup floor `--version` alone: {ver_med:.3f} s)"
    )
    c500 = by["500 components"]["check_jsonschema"]
    if c500:
        met = y500 < statistics.median(c500)
        out.append(
            f"- 500 files faster than check-jsonschema: {y500:.3f} s vs "
            f"{statistics.median(c500):.3f} s (median) -> {'MET' if met else 'MISSED'}"
        )
    else:
        out.append(
            "- 500 files faster than check-jsonschema: not measured (check-jsonschema absent)"
        )
    out.append(
        f"- per-file cost (500 components, minus the 1-file run): "
        f"{1000 * (y500 - one_med) / (N_COMPONENTS - 1):.1f} ms/file; "
        f"with pipelines: {1000 * (y550 - one_med) / (N_COMPONENTS + N_PIPELINES - 1):.1f} ms/file"
    )
    out.append("")
    total = sum(c for _, _, c, d in imports if d == 0)
    out.append(
        f'`python -X importtime -c "import yamlpipe.cli"` (median of 3): {total / 1000:.0f} ms '
        "of imports in all (site included); top 10 by cumulative time:"
    )
    out.append("")
    out.append("| module | cumulative ms | self ms |")
    out.append("| --- | ---: | ---: |")
    for mod, self_us, cum_us, _ in sorted(imports, key=lambda r: r[2], reverse=True)[:10]:
        out.append(f"| {mod} | {cum_us / 1000:.1f} | {self_us / 1000:.1f} |")
    groups: dict[str, int] = {}
    for mod, self_us, _, _ in imports:
        groups[mod.split(".")[0]] = groups.get(mod.split(".")[0], 0) + self_us
    top_groups = sorted(groups.items(), key=lambda kv: kv[1], reverse=True)[:10]
    out.append("")
    out.append(
        "Self time summed by top-level package: "
        + ", ".join(f"{name} {us / 1000:.0f} ms" for name, us in top_groups)
    )
    at_start = {m for m, _, _, d in imports if d == 0}
    late = sorted(
        ((m, c) for m, _, c, d in run_imports if d == 0 and m not in at_start),
        key=lambda r: r[1],
        reverse=True,
    )
    run_total = sum(c for _, _, c, d in run_imports if d == 0)
    out.append("")
    out.append(
        f"`yamlpipe validate --no-resolve` on the single file imports for {run_total / 1000:.0f} "
        f"ms in all; imported only while running (after `import yamlpipe.cli`), "
        f"{sum(c for _, c in late) / 1000:.0f} ms: "
        + (", ".join(f"{m} {c / 1000:.0f} ms" for m, c in late[:6]) or "none")
    )
    if prof_text:
        out.append("")
        out.append(prof_text)
    report = "\n".join(out)
    print(report)
    if opts.out:
        opts.out.mkdir(parents=True, exist_ok=True)
        (opts.out / "results.md").write_text(report + "\n", encoding="utf-8")
        (opts.out / "results.json").write_text(
            json.dumps(
                {
                    "runs": opts.runs,
                    "python": platform.python_version(),
                    "nproc": os.cpu_count(),
                    "cases": cases,
                    "imports": imports,
                    "imports_while_validating_one_file": run_imports,
                    "corpus": {
                        k: v
                        for k, v in corpus.items()
                        if k in ("component_lines", "pipeline_tasks", "pipeline_lines", "one_lines")
                    },
                },
                indent=2,
            ),
            encoding="utf-8",
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
