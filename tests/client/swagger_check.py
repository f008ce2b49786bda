"""Checks requests and answers against an official swagger 2.0 file (KFP's v1beta1 API, Argo
Server's API) from ../shared/external: the operation a method and path name, its path and
query parameters, its JSON body or multipart form, and the schema of each answer.

Schemas are made strict (`additionalProperties: false` on every object with properties), so
a misspelt field fails; where the real servers send more than their swagger says, or accept
more, the schema is widened here, each with its reason."""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from email.message import Message
from email.parser import BytesParser
from email.policy import HTTP
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from helpers import ROOT

EXTERNAL = ROOT.parent / "shared" / "external"
KFP_SWAGGER = EXTERNAL / "kfp-v1beta1.swagger.json"
ARGO_SWAGGER = EXTERNAL / "argo-server.swagger.json"

KFP_WIDENED = {
    # grpc-gateway v1 (KFP 1.8's API server) writes `message` beside `error` in every error
    # body; the swagger's apiStatus leaves it out.
    "apiStatus": {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "error": {"type": "string"},
            "message": {"type": "string"},
            "code": {"type": "integer"},
            "details": {"type": "array", "items": {"$ref": "#/definitions/protobufAny"}},
        },
    },
}
ARGO_WIDENED = {
    # Kubernetes takes numbers here too (KFP writes `limit: 3`, `nvidia.com/gpu: 1`).
    "io.k8s.apimachinery.pkg.util.intstr.IntOrString": {"type": ["string", "integer"]},
    "io.k8s.apimachinery.pkg.api.resource.Quantity": {"type": ["string", "number"]},
}

FORMATS = jsonschema.FormatChecker(formats=())


@FORMATS.checks("date-time", raises=ValueError)
def _is_date_time(value: object) -> bool:
    """RFC 3339, as the servers write timestamps (`2024-05-01T12:00:00Z`)."""
    if isinstance(value, str):
        datetime.fromisoformat(value.replace("Z", "+00:00"))
    return True


@dataclass(frozen=True)
class Operation:
    method: str
    template: str
    pattern: re.Pattern[str]
    spec: Mapping[str, Any]

    @property
    def id(self) -> str:
        return str(self.spec.get("operationId"))

    def parameters(self, where: str) -> dict[str, Mapping[str, Any]]:
        return {p["name"]: p for p in self.spec.get("parameters") or [] if p["in"] == where}


def _strict(node: Any) -> Any:
    """Every object schema with properties refuses properties it does not name."""
    if isinstance(node, dict):
        if "properties" in node and "additionalProperties" not in node:
            node["additionalProperties"] = False
        for value in node.values():
            _strict(value)
    elif isinstance(node, list):
        for value in node:
            _strict(value)
    return node


def _pattern(template: str) -> re.Pattern[str]:
    parts = re.split(r"(\{[^}]+\})", template)
    regex = "".join(
        f"(?P<{p[1:-1].replace('.', '_')}>[^/]+?)" if p.startswith("{") else re.escape(p)
        for p in parts
    )
    return re.compile(regex + "$")


class Swagger:
    """One swagger file: operations by method and path, validators by schema."""

    def __init__(self, path: Path, widened: Mapping[str, Any]) -> None:
        if not path.is_file():
            pytest.skip(f"no {path.name} at {path} (../shared/external is absent)")
        document = json.loads(path.read_text("utf-8"))
        self.definitions = _strict(copy.deepcopy(document["definitions"]))
        self.definitions.update(copy.deepcopy(widened))
        self.operations = [
            Operation(method.upper(), template, _pattern(template), spec)
            for template, item in document["paths"].items()
            for method, spec in item.items()
            if method != "parameters"
        ]
        # Literal paths before templated ones: `/pipelines/upload` is not `/pipelines/{id}`.
        self.operations.sort(key=lambda o: o.template.count("{"))
        self.validators: dict[str, jsonschema.Draft4Validator] = {}

    def match(self, method: str, path: str) -> tuple[Operation, dict[str, str]] | None:
        for operation in self.operations:
            found = operation.pattern.match(path)
            if operation.method == method and found:
                return operation, found.groupdict()
        return None

    def errors(self, schema: Mapping[str, Any], value: Any) -> list[str]:
        """Where `value` breaks `schema` (a `$ref` into the definitions, or an inline one)."""
        key = json.dumps(schema, sort_keys=True)
        validator = self.validators.get(key)
        if validator is None:
            root = {**_strict(copy.deepcopy(dict(schema))), "definitions": self.definitions}
            validator = jsonschema.Draft4Validator(root, format_checker=FORMATS)
            self.validators[key] = validator
        return sorted(
            f"/{'/'.join(map(str, e.absolute_path))}: {e.message[:300]}"
            for e in validator.iter_errors(value)
        )

    # ---- requests ----------------------------------------------------------------------------

    def check_request(
        self,
        operation: Operation,
        path_values: Mapping[str, str],
        query: Mapping[str, list[str]],
        headers: Mapping[str, str],
        body: bytes,
    ) -> tuple[list[str], Any]:
        """Problems with a request, and its body (JSON, or form fields by name)."""
        problems = [f"path parameter {k} is empty" for k, v in path_values.items() if not v]
        problems += self._query_problems(operation, query)
        if operation.parameters("formData"):
            form, found = self._form(operation, headers, body)
            return problems + found, form
        [schema] = [p["schema"] for p in operation.parameters("body").values()] or [None]
        if schema is None:
            if body.strip():
                problems.append(f"{operation.id} takes no body, but one was sent: {body[:200]!r}")
            return problems, None
        if not headers.get("Content-Type", "").startswith("application/json"):
            problems.append(f"{operation.id}: the body is not sent as application/json")
        try:
            data = json.loads(body or b"null")
        except ValueError:
            return [*problems, f"{operation.id}: the body is not JSON: {body[:200]!r}"], None
        return problems + [f"body{e}" for e in self.errors(schema, data)], data

    def _query_problems(self, operation: Operation, query: Mapping[str, list[str]]) -> list[str]:
        declared = operation.parameters("query")
        problems = [f"unknown query parameter {k!r}" for k in query if k not in declared]
        for name, spec in declared.items():
            values = query.get(name, [])
            if spec.get("required") and not values:
                problems.append(f"required query parameter {name!r} is missing")
            if len(values) > 1 and spec.get("type") != "array":
                problems.append(f"query parameter {name!r} given {len(values)} times")
            problems += [f"query {name}={v!r}: {p}" for v in values for p in _scalar(spec, v)]
        return problems

    def _form(
        self, operation: Operation, headers: Mapping[str, str], body: bytes
    ) -> tuple[dict[str, tuple[str | None, bytes]], list[str]]:
        kind = headers.get("Content-Type", "")
        if not kind.startswith("multipart/form-data"):
            return {}, [f"{operation.id} takes multipart/form-data, not {kind!r}"]
        message = BytesParser(policy=HTTP).parsebytes(
            f"Content-Type: {kind}\r\n\r\n".encode() + body
        )
        form = {}
        for part in message.iter_parts():
            assert isinstance(part, Message)
            name = part.get_param("name", header="content-disposition")
            payload = part.get_payload(decode=True)
            form[str(name)] = (part.get_filename(), payload if isinstance(payload, bytes) else b"")
        declared = operation.parameters("formData")
        problems = [f"unknown form field {k!r}" for k in form if k not in declared]
        for name, spec in declared.items():
            if spec.get("required") and name not in form:
                problems.append(f"required form field {name!r} is missing")
            if spec.get("type") == "file" and name in form and not form[name][0]:
                problems.append(f"form field {name!r} is a file but has no file name")
        return form, problems

    # ---- answers -----------------------------------------------------------------------------

    def check_answer(self, operation: Operation, status: int, data: Any) -> list[str]:
        responses = operation.spec.get("responses") or {}
        declared = responses.get(str(status)) or responses.get("default")
        if declared is None:
            return [f"{operation.id} does not answer {status}"]
        schema = declared.get("schema")
        if schema is None:
            return []
        return [f"answer {status}{e}" for e in self.errors(schema, data)]


def _scalar(spec: Mapping[str, Any], value: str) -> list[str]:
    """Problems with one query value against its declared type and enum."""
    kind = spec.get("type")
    if kind == "integer" and not re.fullmatch(r"-?\d+", value):
        return ["not an integer"]
    if kind == "boolean" and value not in ("true", "false"):
        return ["not true or false"]
    if "enum" in spec and value not in spec["enum"]:
        return [f"not one of {spec['enum']}"]
    return []


@cache
def kfp_swagger() -> Swagger:
    return Swagger(KFP_SWAGGER, KFP_WIDENED)


@cache
def argo_swagger() -> Swagger:
    return Swagger(ARGO_SWAGGER, ARGO_WIDENED)
