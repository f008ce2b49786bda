"""HTTP for the cluster APIs: one requests.Session per backend, a bearer token read at every
request (a mounted service-account token rotates) and never logged or shown, TLS verified,
a timeout on every call, retries only for reads, and every failure turned into a ClientError
that says what happened and what to do: refused connections, slow servers, certificates,
an auth proxy's HTML sign-in page, and the API's own error body."""

from __future__ import annotations

import html
import logging
import os
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import requests

from yamlpipe.kfpapi.errors import AlreadyExists, ClientError, NotFound

logger = logging.getLogger(__name__)

TOKEN_FILE_ENV = "KF_PIPELINES_SA_TOKEN_PATH"
"""KFP's variable naming a file that holds the token (a projected service-account token)."""
TOKEN_ENV = "YAMLPIPE_TOKEN"
IN_CLUSTER_TOKEN = "/var/run/secrets/kubeflow/pipelines/token"
"""Where KFP mounts a pod's token when its PodDefault asks for one (kfp reads it too)."""
RETRY_STATUSES = frozenset({429, 502, 503, 504})
"""Answers of an overloaded or restarting server (or its proxy): worth another read."""
MESSAGE_LIMIT = 400


@dataclass(frozen=True)
class TokenSource:
    """Where the bearer token comes from; the first found wins: the token given, the file
    named by $KF_PIPELINES_SA_TOKEN_PATH, $YAMLPIPE_TOKEN, KFP's in-cluster token file."""

    given: str | None = field(default=None, repr=False)
    environ: Mapping[str, str] = field(default_factory=lambda: os.environ, repr=False)

    def token(self) -> str | None:
        if self.given:
            return self.given.strip()
        path = self.environ.get(TOKEN_FILE_ENV)
        if path:
            return _read_token_file(path, f"${TOKEN_FILE_ENV}")
        if self.environ.get(TOKEN_ENV):
            return self.environ[TOKEN_ENV].strip()
        if os.path.isfile(IN_CLUSTER_TOKEN):
            return _read_token_file(IN_CLUSTER_TOKEN, "KFP's in-cluster token file")
        return None

    def describe(self) -> str:
        """Where the token was found (never its value), for messages."""
        if self.given:
            return "the token given"
        if self.environ.get(TOKEN_FILE_ENV):
            return f"the file named by ${TOKEN_FILE_ENV}"
        if self.environ.get(TOKEN_ENV):
            return f"${TOKEN_ENV}"
        return IN_CLUSTER_TOKEN


def _read_token_file(path: str, what: str) -> str:
    try:
        return Path(path).read_text("utf-8").strip()
    except OSError as exc:
        raise ClientError(
            path,
            f"cannot read the token file {path} ({what}): {exc.strerror}",
            f"point ${TOKEN_FILE_ENV} at a readable file, or unset it",
        ) from None


@dataclass(frozen=True)
class HttpSettings:
    """Timeouts (seconds), retries for reads, TLS and proxy settings of one API."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    retries: int = 3
    backoff: float = 0.5
    verify: bool | str = True
    """True: the system's certificate authorities; a path: a PEM bundle to trust instead."""
    proxy: str | None = None
    cookies: str | None = field(default=None, repr=False)
    """A Cookie header for APIs behind a session-cookie proxy (kfp.Client's `cookies`)."""


class Transport:
    """Requests to one API's base URL, answered with parsed JSON or a ClientError."""

    def __init__(
        self,
        base_url: str,
        api_name: str,
        token: TokenSource,
        settings: HttpSettings | None = None,
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.api_name = api_name
        self.token = token
        self.settings = settings or HttpSettings()
        self.session = requests.Session()
        if self.settings.proxy:
            self.session.proxies = {"http": self.settings.proxy, "https": self.settings.proxy}

    def close(self) -> None:
        self.session.close()

    @property
    def who(self) -> str:
        return f"{self.api_name} at {self.base_url}"

    def call(
        self,
        method: str,
        path: str,
        *,
        params: Mapping[str, Any] | None = None,
        body: Any = None,
        files: Mapping[str, tuple[str, bytes, str]] | None = None,
    ) -> Any:
        """One request; a GET (idempotent) is retried after a lost connection or a busy
        server, nothing else is (a POST may have taken effect)."""
        attempts = 1 + (self.settings.retries if method == "GET" else 0)
        for attempt in range(attempts):
            last = attempt == attempts - 1
            try:
                response = self._send(method, path, params, body, files)
            except (requests.ConnectionError, requests.Timeout) as exc:
                if last or isinstance(exc, requests.exceptions.SSLError):
                    raise self._unreachable(exc) from None
                self._pause(attempt, f"{type(exc).__name__}")
                continue
            if response.status_code in RETRY_STATUSES and not last:
                self._pause(attempt, str(response.status_code))
                continue
            return self._read(response)
        raise AssertionError("unreachable: the last attempt returns or raises")

    def _send(
        self,
        method: str,
        path: str,
        params: Mapping[str, Any] | None,
        body: Any,
        files: Mapping[str, tuple[str, bytes, str]] | None,
    ) -> requests.Response:
        url = self.base_url + path
        response = self.session.request(
            method,
            url,
            params=params,
            json=body,
            files=files,
            headers=self._headers(),
            timeout=(self.settings.connect_timeout, self.settings.read_timeout),
            verify=self.settings.verify,
        )
        logger.debug("%s %s -> %s", method, url, response.status_code)
        return response

    def _headers(self) -> dict[str, str]:
        headers = {"Accept": "application/json"}
        token = self.token.token()
        if token:
            headers["Authorization"] = f"Bearer {token}"
        if self.settings.cookies:
            headers["Cookie"] = self.settings.cookies
        return headers

    def _pause(self, attempt: int, why: str) -> None:
        delay = self.settings.backoff * 2**attempt
        logger.info("%s: %s; trying again in %.1f s", self.who, why, delay)
        time.sleep(delay)

    # ---- answers -----------------------------------------------------------------------------

    def _read(self, response: requests.Response) -> Any:
        # A sign-in page comes as a 200 (after a redirect) or a 401/403; any other HTML error
        # page is a proxy's (413 too large, 502 bad gateway) and its status says more.
        sign_in = response.status_code < 400 or response.status_code in (401, 403)
        if _is_html(response) and sign_in:
            raise self._html_page(response)
        if response.status_code >= 400:
            raise self._refused(response)
        if not response.content.strip():
            return {}
        try:
            return response.json()
        except ValueError:
            raise ClientError(
                self.base_url,
                f"{self.who} answered with something that is not JSON: {_shorten(response.text)!r}",
                "is this the API's URL? For KFP it is the part before /apis/v1beta1",
                response.status_code,
            ) from None

    def _html_page(self, response: requests.Response) -> ClientError:
        found = _title(response.text)
        title = f" ({found!r})" if found else ""
        return ClientError(
            self.base_url,
            f"{self.who} answered with an HTML page{title} instead of the API's JSON "
            f"(HTTP {response.status_code})",
            "a sign-in page of an auth proxy (Dex, oauth2-proxy, IAP) stands in front of the "
            f"API: give a token it accepts (${TOKEN_ENV}, or ${TOKEN_FILE_ENV} naming a token "
            "file), or use the API's own address",
            response.status_code,
        )

    def _refused(self, response: requests.Response) -> ClientError:
        status = response.status_code
        said = _server_message(response)
        what, hint = self._explain(status)
        kind = {404: NotFound, 409: AlreadyExists}.get(status, ClientError)
        return kind(self.base_url, f"{self.who} {what}: {said}", hint, status)

    def _explain(self, status: int) -> tuple[str, str | None]:
        """How to say an HTTP error status, and what to do about it."""
        if status == 401:
            return "asks for a token (401 Unauthorized)", self._token_hint()
        if status >= 500:
            return (
                f"failed ({status})",
                "the server's own error: look at its logs, or try again later",
            )
        return STATUS_WORDS.get(status, (f"refused the request ({status})", None))

    def _token_hint(self) -> str:
        if self.token.token():
            return (
                f"the token from {self.token.describe()} was refused: it may have expired or "
                "belong to another cluster"
            )
        return (
            f"no token was sent: set ${TOKEN_ENV} to one, or ${TOKEN_FILE_ENV} to a file "
            "holding one (for a host named in yamlpipe.yaml: its token_env)"
        )

    def _unreachable(self, exc: Exception) -> ClientError:
        settings = self.settings
        if isinstance(exc, requests.exceptions.SSLError):
            return ClientError(
                self.base_url,
                f"cannot verify the TLS certificate of {self.base_url}: {_reason(exc)}",
                "trust its certificate authority with --ca-bundle FILE (ca_bundle: for a host "
                "named in yamlpipe.yaml; Client(ssl_ca_cert=FILE) from Python)",
            )
        if isinstance(exc, requests.exceptions.ConnectTimeout):
            return ClientError(
                self.base_url,
                f"{self.who} did not accept a connection within {settings.connect_timeout:g} s",
                "is the URL right, and can this machine reach it (VPN, proxy, firewall)?",
            )
        if isinstance(exc, requests.Timeout):
            return ClientError(
                self.base_url,
                f"{self.who} did not answer within {settings.read_timeout:g} s",
                "the server is slow or stuck: try again, or allow more time (timeout: for a "
                "host named in yamlpipe.yaml; Client(timeout=...) from Python)",
            )
        return ClientError(
            self.base_url,
            f"cannot connect to {self.who}: {_reason(exc)}",
            "is the server running, and is the URL right? (KFP from a laptop: `kubectl "
            "port-forward -n kubeflow svc/ml-pipeline 8888:8888`, then "
            "--host http://127.0.0.1:8888)",
        )


STATUS_WORDS: dict[int, tuple[str, str | None]] = {
    400: ("refused the request as invalid (400)", None),
    403: (
        "refused access (403 Forbidden)",
        "the token's account may not do this; in multi-user KFP, check the namespace",
    ),
    404: ("has no such thing (404 Not Found)", None),
    409: ("already has one (409 Conflict)", None),
    413: (
        "refused the package as too large (413)",
        "the API server or a proxy in front of it limits request sizes (an nginx ingress: "
        "raise its proxy-body-size)",
    ),
}


def _is_html(response: requests.Response) -> bool:
    kind = response.headers.get("Content-Type", "")
    head = response.content[:200].lstrip().lower()
    return "html" in kind or head.startswith((b"<!doctype html", b"<html"))


def _server_message(response: requests.Response) -> str:
    """The API's own words: KFP's error body (`error`, `message`), an HTML page's title, or
    the text."""
    if _is_html(response):
        return _title(response.text) or response.reason or "an HTML page"
    try:
        data = response.json()
    except ValueError:
        return _shorten(response.text) or response.reason or "no details"
    if isinstance(data, dict):
        for key in ("message", "error"):
            if isinstance(data.get(key), str) and data[key].strip():
                return _shorten(data[key])
    return _shorten(response.text)


def _title(text: str) -> str:
    match = re.search(r"<title[^>]*>(.*?)</title>", text, re.IGNORECASE | re.DOTALL)
    return " ".join(html.unescape(match.group(1)).split()) if match else ""


def _reason(exc: Exception) -> str:
    """The innermost reason of a requests error (`connection refused`), without URLs."""
    text = str(exc)
    for pattern in (r"\[Errno -?\d+\] ([^'\"()\]]+)", r"\] ([^'\"()\]]+)"):
        match = re.search(pattern, text)
        if match:
            return match.group(1).strip().rstrip(".").lower()
    return _shorten(text)


def _shorten(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= MESSAGE_LIMIT else flat[: MESSAGE_LIMIT - 3] + "..."


__all__ = ["HttpSettings", "TokenSource", "Transport"]
