"""Compiler goldens: every folder in tests/golden/ holds a pipeline.yaml (and the files it
uses) and expected.yaml, the package, compared byte for byte; a folder named `error-*` holds
expected.txt instead: what `yamlpipe compile` prints (on standard error) when it must refuse
(and then no package may be written).

Every expected.yaml, and the package of every example pipeline, must validate against the
official Argo Workflow JSON Schema (not part of this repository: see ARGO_SCHEMA), made
strict here: no unknown keys anywhere; and, where hera is installed, against hera's generated
Argo models with unknown fields forbidden (an independent second check).

Adding a case means adding a folder; regenerate the expected files with
`pytest tests/test_compile_goldens.py --update-goldens` (refused in CI).
"""

from __future__ import annotations

import copy
import json
import os
import subprocess
import sys
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from ruamel.yaml import YAML

from yamlpipe.api import compile_file

from helpers import ROOT

GOLDEN = Path(__file__).parent / "golden"
CASES = sorted(p.parent for p in GOLDEN.glob("*/pipeline.yaml"))
PACKAGE_CASES = [c for c in CASES if not c.name.startswith("error-")]
ERROR_CASES = [c for c in CASES if c.name.startswith("error-")]
EXAMPLES = sorted((ROOT / "pipelines").glob("*.yaml"))
ARGO_SCHEMA = Path(
    os.environ.get("YAMLPIPE_ARGO_SCHEMA")
    or ROOT.parent / "shared" / "external" / "argo-workflows.schema.json"
)
"""Argo's own Workflow JSON Schema (argo-workflows' api/jsonschema/schema.json). It is not
part of this repository: the tests look beside it, or where YAMLPIPE_ARGO_SCHEMA says."""
WORKFLOW_DEFINITION = "io.argoproj.workflow.v1alpha1.Workflow"
WIDENED = {
    # Kubernetes takes numbers here too (KFP writes `limit: 3`, `nvidia.com/gpu: 1`).
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": ["string", "integer"]},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": ["string", "number"]},
}
MIN_CASES = 12


@pytest.fixture(scope="session")
def update_goldens(request: pytest.FixtureRequest) -> bool:
    """True with --update-goldens; refuses to rewrite goldens in CI."""
    update = bool(request.config.getoption("--update-goldens"))
    if update and "CI" in os.environ:
        pytest.fail("--update-goldens rewrites goldens; refused when CI is set", pytrace=False)
    return update


@cache
def strict_validator() -> Any:
    """The Argo schema with `additionalProperties: false` on every object definition."""
    schema = json.loads(ARGO_SCHEMA.read_text(encoding="utf-8"))
    strict = copy.deepcopy(schema)
    for definition in strict["definitions"].values():
        if "properties" in definition and "additionalProperties" not in definition:
            definition["additionalProperties"] = False
    strict["definitions"].update(WIDENED)
    strict.pop("oneOf", None)
    strict["$ref"] = f"#/definitions/{WORKFLOW_DEFINITION}"
    return jsonschema.Draft202012Validator(strict)


def schema_errors(document: Any) -> list[str]:
    if not ARGO_SCHEMA.is_file():
        pytest.skip(
            f"no Argo Workflow JSON Schema at {ARGO_SCHEMA}: it is not part of this repository; "
            "set YAMLPIPE_ARGO_SCHEMA to a copy of argo-workflows' api/jsonschema/schema.json "
            "(hera's models check the same packages meanwhile)"
        )
    errors = strict_validator().iter_errors(document)
    return sorted(f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:200]}" for e in errors)


def load_yaml(text: str) -> Any:
    return YAML(typ="safe", pure=False).load(text)


def case_id(case: Path) -> str:
    return case.name


def test_there_are_enough_cases() -> None:
    assert len(PACKAGE_CASES) >= MIN_CASES, [c.name for c in PACKAGE_CASES]
    assert ERROR_CASES


def test_every_case_has_its_expected_file() -> None:
    missing = [c.name for c in PACKAGE_CASES if not (c / "expected.yaml").exists()]
    missing += [c.name for c in ERROR_CASES if not (c / "expected.txt").exists()]
    assert not missing, f"run pytest --update-goldens to create them: {missing}"


@pytest.mark.parametrize("case", PACKAGE_CASES, ids=case_id)
def test_golden_package(case: Path, update_goldens: bool, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(case)
    report = compile_file("pipeline.yaml")
    assert report.package is not None, [str(p) for p in report.problems]
    assert not [p for p in report.problems if p.is_error]
    expected = case / "expected.yaml"
    if update_goldens:
        expected.write_text(report.package.text, encoding="utf-8")
    assert expected.exists(), f"{expected} is missing; run pytest --update-goldens"
    assert report.package.text == expected.read_text(encoding="utf-8"), (
        f"the package of {case.name} differs from expected.yaml "
        "(pytest --update-goldens rewrites it; review the diff)"
    )


@pytest.mark.parametrize("case", PACKAGE_CASES, ids=case_id)
def test_golden_is_a_valid_argo_workflow(case: Path) -> None:
    expected = case / "expected.yaml"
    assert expected.exists()
    assert schema_errors(load_yaml(expected.read_text(encoding="utf-8"))) == []


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.name)
def test_example_compiles_to_a_valid_argo_workflow(example: Path) -> None:
    report = compile_file(example)
    assert report.package is not None, [str(p) for p in report.problems]
    assert schema_errors(load_yaml(report.package.text)) == []


def test_strict_schema_rejects_a_misspelt_key() -> None:
    report = compile_file(EXAMPLES[0])
    assert report.package is not None
    document = load_yaml(report.package.text)
    document["spec"]["templates"][0]["retryStrategyy"] = {"limit": 1}
    assert any("retryStrategyy" in e for e in schema_errors(document))


def test_goldens_and_examples_pass_heras_models() -> None:
    models = pytest.importorskip("hera.workflows.models", reason="hera is not installed")
    documents = [
        load_yaml((c / "expected.yaml").read_text(encoding="utf-8")) for c in PACKAGE_CASES
    ]
    for example in EXAMPLES:
        report = compile_file(example)
        assert report.package is not None
        documents.append(report.package.workflow)
    for document in documents:
        models.Workflow.model_validate(document, extra="forbid")


@pytest.mark.parametrize("case", ERROR_CASES, ids=case_id)
def test_golden_error(case: Path, update_goldens: bool, tmp_path: Path) -> None:
    output = tmp_path / "package.zip"
    result = subprocess.run(
        [sys.executable, "-m", "yamlpipe", "compile", "pipeline.yaml", "-o", str(output)],
        cwd=case,
        env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"},
        capture_output=True,
        timeout=120,
        check=False,
    )
    expected = case / "expected.txt"
    if update_goldens:
        expected.write_bytes(result.stderr)
    assert expected.exists(), f"{expected} is missing; run pytest --update-goldens"
    assert result.returncode == 1, result.stderr.decode(errors="replace")
    assert result.stderr == expected.read_bytes(), result.stderr.decode(errors="replace")
    assert b"error:" in result.stderr
    assert result.stdout == b"", "problems go to standard error"
    assert not list(tmp_path.iterdir()), "a refused compile must not leave a file behind"
