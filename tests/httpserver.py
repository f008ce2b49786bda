"""A real threaded HTTP server on 127.0.0.1 for resolver tests, with per-path behaviours.

Each path gets a `Route`: a body, a status, a delay before answering, a redirect, a number
of failures before it succeeds. The server counts hits per path and can be switched "down"
(every connection is dropped without an answer) or stopped outright (connections refused).
"""

from __future__ import annotations

import collections
import hashlib
import shutil
import ssl
import subprocess
import threading
from collections.abc import Iterator
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from helpers import run_cli


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    delay: float = 0.0
    """Seconds to wait before answering (a slow server)."""
    redirect: str | None = None
    """Answer 302 with this Location (a path on this server or a full URL)."""
    fail_first: int = 0
    """Answer `fail_status` to this many requests before answering normally."""
    fail_status: int = 500
    content_length: bool = True
    """False: no Content-Length header; the body ends when the connection closes."""
    headers: tuple[tuple[str, str], ...] = ()
    trickle: float = 0.0
    """Seconds between the bytes of the body (a server that sends, but ever so slowly)."""


class LocalServer:
    """The server, its routes, what it saw, and switches for the tests."""

    def __init__(self, tls: ssl.SSLContext | None = None) -> None:
        self.routes: dict[str, Route] = {}
        self.hits: collections.Counter[str] = collections.Counter()
        self.auth: dict[str, str | None] = {}
        """The Authorization header of the last request to each path."""
        self.in_flight = 0
        self.max_in_flight = 0
        """The most requests the server was answering at the same time."""
        self.gate = 0
        """When set: hold every answer until this many requests are in flight at once."""
        self.gate_open = threading.Event()
        self.down = False
        self.latency = 0.0
        """Seconds added to every answer (for benchmarks)."""
        self.stopping = threading.Event()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self.httpd.daemon_threads = True
        if tls is not None:
            self.httpd.socket = tls.wrap_socket(self.httpd.socket, server_side=True)
        self.scheme, self.host = ("https", "localhost") if tls else ("http", "127.0.0.1")
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, args=(0.02,), daemon=True)

    @property
    def base(self) -> str:
        return f"{self.scheme}://{self.host}:{self.port}"

    def url(self, path: str) -> str:
        return self.base + (path if path.startswith("/") else "/" + path)

    def add(self, path: str, body: bytes | str = b"", **behaviour: object) -> str:
        """Serve path with this behaviour; return its full URL."""
        content = body.encode("utf-8") if isinstance(body, str) else body
        key = path if path.startswith("/") else "/" + path
        self.routes[key] = Route(content, **behaviour)  # type: ignore[arg-type]
        return self.url(key)

    def start(self) -> LocalServer:
        self.thread.start()
        return self

    def stop(self) -> None:
        """Shut the server and close its socket: connections are then refused."""
        self.stopping.set()
        if self.thread.is_alive():
            self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path.split("?", 1)[0]
        with self.lock:
            self.hits[path] += 1
            count = self.hits[path]
            self.auth[path] = handler.headers.get("Authorization")
            self.in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self.in_flight)
            if self.gate and self.in_flight >= self.gate:
                self.gate_open.set()
        if self.gate:
            self.gate_open.wait(timeout=20)
        try:
            self._answer(handler, path, count)
        finally:
            with self.lock:
                self.in_flight -= 1

    def _answer(self, handler: BaseHTTPRequestHandler, path: str, count: int) -> None:
        if self.down:
            handler.close_connection = True
            handler.wfile.flush()
            handler.connection.close()
            return
        route = self.routes.get(path)
        wait = self.latency + (route.delay if route else 0.0)
        if wait and self.stopping.wait(wait):
            return
        if route is None:
            _send(handler, 404, b"not found\n")
        elif count <= route.fail_first:
            _send(handler, route.fail_status, b"try again\n", route.headers)
        elif route.redirect is not None:
            target = route.redirect if "://" in route.redirect else self.url(route.redirect)
            _send(handler, 302, b"", (("Location", target),))
        elif route.trickle:
            self._trickle(handler, route)
        else:
            _send(handler, route.status, route.body, route.headers, route.content_length)

    def _trickle(self, handler: BaseHTTPRequestHandler, route: Route) -> None:
        _send(handler, route.status, b"", route.headers, content_length=False)
        try:
            for byte in route.body:
                if self.stopping.wait(route.trickle):
                    return
                handler.wfile.write(bytes([byte]))
                handler.wfile.flush()
        except (BrokenPipeError, ConnectionResetError):
            handler.close_connection = True


def _send(
    handler: BaseHTTPRequestHandler,
    status: int,
    body: bytes,
    headers: tuple[tuple[str, str], ...] = (),
    content_length: bool = True,
) -> None:
    try:
        handler.send_response(status)
        for name, value in headers:
            handler.send_header(name, value)
        if content_length:
            handler.send_header("Content-Length", str(len(body)))
        else:
            handler.send_header("Connection", "close")
            handler.close_connection = True
        handler.end_headers()
        handler.wfile.write(body)
    except (BrokenPipeError, ConnectionResetError):
        handler.close_connection = True


def _handler_for(server: LocalServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else keep-alive answers wait ~40 ms for delayed ACKs

        def do_GET(self) -> None:
            server.answer(self)

        def log_message(self, format: str, *args: object) -> None:
            """Quiet: pytest shows failures, not access logs."""

    return Handler


@pytest.fixture
def http_server() -> Iterator[LocalServer]:
    """A fresh local server per test, stopped afterwards."""
    server = LocalServer().start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="session")
def tls_certificate(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A self-signed certificate (and its key, in the same file) for `localhost`, made with
    the openssl program; the test is skipped without it."""
    openssl = shutil.which("openssl")
    if openssl is None:
        pytest.skip("the openssl program is needed to make a certificate for the TLS server")
    path = tmp_path_factory.mktemp("tls") / "localhost.pem"
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"),
            *("-subj", "/CN=localhost", "-addext", "subjectAltName=DNS:localhost"),
            *("-keyout", str(path), "-out", str(path)),
        ],
        check=True,
        capture_output=True,
    )
    return path


@pytest.fixture
def https_server(tls_certificate: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[LocalServer]:
    """A local server speaking TLS as https://localhost:PORT, trusted by requests (in this
    process and in subprocesses) through REQUESTS_CA_BUNDLE."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(tls_certificate)
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(tls_certificate))
    server = LocalServer(tls=context).start()
    try:
        yield server
    finally:
        server.stop()


COMPONENT = """\
name: Echo {n}
inputs:
- {{name: text, type: String}}
implementation:
  container:
    image: alpine:3.20
    command: [echo, {{inputValue: text}}]
"""
FAST_CONFIG = "fetch: {connect_timeout: 1, read_timeout: 0.5, retries: 1}\n"


def sha(text: str) -> str:
    """The sha256 of a text's UTF-8 bytes, as pins and the lock write it."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def component_text(n: int | str = 0) -> str:
    """A small valid component, different for each n."""
    return COMPONENT.format(n=n)


def pipeline_text(*references: str, name: str = "p") -> str:
    """A pipeline with one task per reference (t0, t1, ...), each given `text: hi`."""
    tasks = "".join(
        f"  t{i}:\n    component: {ref}\n    arguments: {{text: hi}}\n"
        for i, ref in enumerate(references)
    )
    return f"name: {name}\ntasks:\n{tasks}"


class Project:
    """A project folder (with a fast yamlpipe.yaml) and its own cache folder."""

    def __init__(self, root: Path, cache: Path) -> None:
        self.root = root
        self.cache = cache

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        """`python -m yamlpipe ARGS` in the project folder, with the project's cache."""
        return run_cli(*args, cwd=self.root)

    @property
    def lock(self) -> Path:
        return self.root / "yamlpipe.lock"

    def blobs(self) -> list[Path]:
        """Every file in the cache's content store."""
        return sorted(p for p in (self.cache / "sha256").rglob("*") if p.is_file())

    def leftovers(self) -> list[Path]:
        """Temporary files anywhere in the project or the cache (there must be none)."""
        return sorted(
            p for top in (self.root, self.cache) for p in top.rglob("*.tmp") if p.is_file()
        )


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Project:
    """A project folder under tmp_path; YAMLPIPE_CACHE_DIR points the CLI at its cache."""
    root, cache = tmp_path / "project", tmp_path / "cache"
    root.mkdir()
    (root / "yamlpipe.yaml").write_text(FAST_CONFIG, encoding="utf-8")
    monkeypatch.setenv("YAMLPIPE_CACHE_DIR", str(cache))
    return Project(root, cache)
