"""What the server refuses: another bind address without a token, writes without the token,
writes from another web site, form posts without the page's CSRF token, oversized bodies,
archives holding links or escaping names, and Python files (never run)."""

from __future__ import annotations

import io
import tarfile
import zipfile
from pathlib import Path

import pytest
import requests
from serving import Server, free_port

from yamlpipe.api import compile_file

from helpers import run_cli

API = "/apis/v1beta1"
TOKEN = "s3cret-token-for-the-tests-0123456789"


def _package(project: Path) -> bytes:
    """The quickstart example compiled: what the clients upload."""
    report = compile_file(project / "pipelines" / "quickstart.yaml")
    assert report.package is not None
    return report.package.data


def _upload(server: Server, name: str, data: bytes, **headers: str) -> requests.Response:
    return requests.post(
        f"{server.url}{API}/pipelines/upload",
        files={"uploadfile": (name, data)},
        headers=headers,
        timeout=30,
    )


def test_another_address_needs_a_token(project: Path) -> None:
    done = run_cli("serve", "--bind", "0.0.0.0", "--port", "1", cwd=project)
    assert done.returncode == 2
    assert "needs a token" in done.stderr and "--token-file" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_host_name_that_starts_like_loopback_is_not_loopback(project: Path) -> None:
    """`127.example.net` is a name any machine may resolve; it needs a token like any other."""
    done = run_cli("serve", "--bind", "127.example.net", "--port", "1", cwd=project)
    assert done.returncode == 2
    assert "needs a token" in done.stderr


def test_writes_need_the_token(project: Path) -> None:
    (project / "token").write_text(TOKEN + "\n", encoding="utf-8")
    server = Server(project, free_port(), ("--token-file", "token")).start()
    try:
        package = _package(project)
        refused = _upload(server, "quickstart.yaml", package)
        assert refused.status_code == 401 and refused.json()["code"] == 16
        wrong = _upload(server, "quickstart.yaml", package, Authorization="Bearer nope")
        assert wrong.status_code == 401
        taken = _upload(server, "quickstart.yaml", package, Authorization=f"Bearer {TOKEN}")
        assert taken.status_code == 200, taken.text
        assert requests.get(f"{server.url}{API}/pipelines", timeout=10).status_code == 200
    finally:
        server.stop()


def test_cross_site_writes_and_forms_without_csrf_are_refused(server: Server) -> None:
    forged = requests.post(
        f"{server.url}{API}/experiments",
        json={"name": "x"},
        headers={"Origin": "https://evil.example"},
        timeout=10,
    )
    assert forged.status_code == 403
    form = requests.post(f"{server.url}/ui/runs", data={"source": "version:x"}, timeout=10)
    assert form.status_code == 403 and "did not come from this server" in form.text


def test_a_body_over_the_cap_is_refused(server: Server) -> None:
    answer = _upload(server, "big.yaml", b"x" * (33 * 1024 * 1024))
    assert answer.status_code == 413 and "larger than this server takes" in answer.json()["error"]


def _zip_with_link() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        link = zipfile.ZipInfo("pipeline.yaml")
        link.external_attr = (0o120777 << 16) | 0
        archive.writestr(link, "/etc/passwd")
    return buffer.getvalue()


def _tar_with(name: str) -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:gz") as archive:
        data = b"kind: Workflow\n"
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return buffer.getvalue()


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("p.zip", _zip_with_link(), "holds a link"),
        ("p.tar.gz", _tar_with("../../pipeline.yaml"), "outside the package's folder"),
        ("p.tar.gz", _tar_with("/etc/pipeline.yaml"), "outside the package's folder"),
        ("pipeline.py", b"import os\nos.system('touch /tmp/owned')\n", "never executed"),
        ("notes.txt", b"hello", "neither a pipeline file nor a package"),
    ],
)
def test_hostile_uploads_are_refused(server: Server, name: str, data: bytes, expected: str) -> None:
    answer = _upload(server, name, data)
    assert answer.status_code == 400
    assert expected in answer.json()["error"]
    assert requests.get(f"{server.url}{API}/pipelines", timeout=10).json().get("total_size") == 0


def test_an_uploaded_name_never_leaves_the_store(server: Server, project: Path) -> None:
    answer = _upload(server, "../../../quickstart.yaml", _package(project))
    assert answer.status_code == 200, answer.text
    assert answer.json()["name"] == "quickstart"
    assert not (project.parent / "quickstart.yaml").exists()
