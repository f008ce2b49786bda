"""Schemathesis against the served OpenAPI document: generated requests to every operation
find no server error, and every answer fits the document (bounded: a few examples each)."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from serving import Server

pytest.importorskip("schemathesis")


def test_no_server_error(server: Server, tmp_path: Path) -> None:
    binary = Path(sys.executable).parent / "schemathesis"
    command = [str(binary)] if binary.exists() else [shutil.which("st") or "st"]
    done = subprocess.run(
        [
            *command,
            "run",
            f"{server.url}/apis/v1beta1/openapi.json",
            "--checks",
            "not_a_server_error,response_schema_conformance,content_type_conformance",
            "--max-examples",
            "15",
            "--no-color",
            "--request-timeout",
            "10",
        ],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        check=False,
    )
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert "Traceback" not in server.log()
