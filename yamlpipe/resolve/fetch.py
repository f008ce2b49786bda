"""HTTP fetching: one session, timeouts, retries with backoff, a size cap, host policy."""

from __future__ import annotations

import ipaddress
import logging
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.util.retry import Retry

from yamlpipe.resolve.config import FetchSettings

log = logging.getLogger(__name__)
CHUNK = 64 * 1024


class FetchError(Exception):
    """Why a URL could not be fetched, in words for the user, with a hint."""

    def __init__(self, url: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Fetched:
    url: str
    final_url: str
    content: bytes


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url_allowed(url: str, settings: FetchSettings) -> None:
    """https everywhere; plain http only for loopback and hosts allowed in yamlpipe.yaml."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    if parts.scheme == "https" and host:
        return
    if parts.scheme == "http" and host:
        allowed = settings.allowed_hosts
        if is_loopback(host) or host in allowed or (parts.netloc.lower() in allowed):
            return
        raise FetchError(
            url,
            f"plain http is not allowed for host {host!r}",
            f"use https, or list {host!r} under allowed_hosts: in yamlpipe.yaml",
        )
    raise FetchError(url, f"cannot fetch {url!r}: only https:// (and http:// to allowed hosts)")


class Fetcher:
    """Fetches files over HTTP with one shared session; safe to use from several threads."""

    def __init__(self, settings: FetchSettings, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.session = requests.Session()
        retry = Retry(
            total=settings.retries,
            connect=settings.retries,
            read=settings.retries,
            status=settings.retries,
            backoff_factor=settings.backoff,
            status_forcelist=(500, 502, 503, 504),
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
        )
        adapter = HTTPAdapter(
            max_retries=retry, pool_connections=4, pool_maxsize=max(4, settings.parallel)
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def close(self) -> None:
        self.session.close()

    def headers_for(self, url: str) -> dict[str, str]:
        host = (urlsplit(url).hostname or "").lower()
        variable = self.settings.token_env.get(host)
        token = self.environ.get(variable) if variable else None
        return {"Authorization": f"Bearer {token}"} if token else {}

    def fetch(self, url: str) -> Fetched:
        """GET one URL, or raise FetchError saying what went wrong."""
        check_url_allowed(url, self.settings)
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        try:
            with self.session.get(
                url, headers=self.headers_for(url), timeout=timeout, stream=True
            ) as response:
                check_url_allowed(response.url, self.settings)
                if response.status_code >= 400:
                    raise FetchError(
                        url, f"HTTP {response.status_code} {response.reason or ''}".rstrip()
                    )
                return Fetched(url, response.url, self._read_capped(url, response))
        except requests.exceptions.Timeout:
            raise FetchError(
                url,
                f"timed out (no answer within {self.settings.read_timeout:g} s)",
                "raise fetch: read_timeout in yamlpipe.yaml if the server is just slow",
            ) from None
        except requests.exceptions.RequestException as exc:
            raise FetchError(url, f"cannot fetch: {_reason(exc)}") from None

    def _read_capped(self, url: str, response: requests.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(url, f"the file is {int(declared)} bytes, over the {cap}-byte limit")
        body = bytearray()
        for chunk in response.iter_content(CHUNK):
            body.extend(chunk)
            if len(body) > cap:
                raise FetchError(
                    url,
                    f"the file is over the {cap}-byte limit",
                    "raise fetch: max_bytes in yamlpipe.yaml if it is really a component",
                )
        return bytes(body)

    def fetch_many(self, urls: Iterable[str]) -> dict[str, Fetched | FetchError]:
        """Fetch several URLs at once (up to `parallel`); each gets a result or its error."""
        unique = sorted(set(urls))
        if not unique:
            return {}
        workers = min(self.settings.parallel, len(unique))
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="fetch") as pool:
            results = pool.map(self._fetch_or_error, unique)
            return dict(zip(unique, results, strict=True))

    def _fetch_or_error(self, url: str) -> Fetched | FetchError:
        try:
            return self.fetch(url)
        except FetchError as exc:
            return exc


def _reason(exc: requests.exceptions.RequestException) -> str:
    if isinstance(exc, requests.exceptions.ConnectionError):
        return "connection failed (is the host right, and is it up?)"
    if isinstance(exc, requests.exceptions.TooManyRedirects):
        return "too many redirects"
    return type(exc).__name__
