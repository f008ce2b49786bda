"""HTTP fetching: one session, timeouts, retries with backoff, a size cap, host policy."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, NewConnectionError
from urllib3.exceptions import TimeoutError as Urllib3Timeout
from urllib3.util.retry import Retry

from yamlpipe.resolve.config import FetchSettings
from yamlpipe.resolve.remote import Fetched, FetchError, check_url_allowed, is_loopback

__all__ = ["FetchError", "Fetched", "Fetcher", "check_url_allowed", "is_loopback"]

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({500, 502, 503, 504})


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
            status_forcelist=RETRY_STATUSES,
            allowed_methods=frozenset({"GET"}),
            raise_on_status=False,
            respect_retry_after_header=False,  # a server's "come back in an hour" must not hang us
        )
        adapter = HTTPAdapter(
            max_retries=retry, pool_connections=4, pool_maxsize=max(4, settings.parallel)
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def close(self) -> None:
        self.session.close()

    def headers_for(self, url: str) -> dict[str, str]:
        """The bearer token for url's host, read from the variable yamlpipe.yaml names."""
        host = (urlsplit(url).hostname or "").lower()
        variable = self.settings.token_env.get(host)
        token = self.environ.get(variable) if variable else None
        return {"Authorization": f"Bearer {token}"} if token else {}

    def fetch(self, url: str) -> Fetched:
        """GET one URL, following redirects only to allowed URLs, or raise FetchError."""
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _check_hop(url, current, self.settings)
            with self._get(url, current) as response:
                location = response.headers.get("Location") if response.is_redirect else None
                if location is None:
                    return Fetched(url, current, self._body(url, response))
            current = urljoin(current, location)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", "fetch the final URL instead")

    def _get(self, url: str, current: str) -> requests.Response:
        """One request (retried by the adapter); redirects are followed by `fetch`."""
        timeout = (self.settings.connect_timeout, self.settings.read_timeout)
        host = (urlsplit(current).hostname or "").lower()
        try:
            return self.session.get(
                current,
                headers=self.headers_for(current),
                timeout=timeout,
                stream=True,
                allow_redirects=False,
                # no proxy can reach this machine's loopback: HTTP(S)_PROXY must not apply
                proxies={"no_proxy": host} if is_loopback(host) else None,
            )
        except requests.exceptions.RequestException as exc:
            raise self._failure(url, exc) from None

    def _body(self, url: str, response: requests.Response) -> bytes:
        status = response.status_code
        if status >= 400:
            tried = (
                f" (tried {self.settings.retries + 1} times)" if status in RETRY_STATUSES else ""
            )
            raise FetchError(url, f"HTTP {status} {response.reason or ''}".rstrip() + tried)
        try:
            return self._read_capped(url, response)
        except requests.exceptions.RequestException as exc:
            raise self._failure(url, exc) from None

    def _failure(self, url: str, exc: requests.exceptions.RequestException) -> FetchError:
        """requests wraps timeouts that outlive the retries in ConnectionError: unwrap them."""
        timeout = _timeout_in(exc)
        if isinstance(timeout, ConnectTimeoutError):
            return FetchError(
                url,
                f"timed out connecting (no connection within {self.settings.connect_timeout:g} s)",
                "is the host right, and is it up? (fetch: connect_timeout in yamlpipe.yaml)",
            )
        if timeout is not None:
            return FetchError(
                url,
                f"timed out (no answer within {self.settings.read_timeout:g} s)",
                "raise fetch: read_timeout in yamlpipe.yaml if the server is just slow",
            )
        return FetchError(url, _reason(exc))

    def _read_capped(self, url: str, response: requests.Response) -> bytes:
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(
                url,
                f"the file is {int(declared)} bytes, over the {cap}-byte limit",
                "raise fetch: max_bytes in yamlpipe.yaml if it is really a component",
            )
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


def _check_hop(url: str, current: str, settings: FetchSettings) -> None:
    """Refuse a URL (or a redirect's target) before connecting to it."""
    try:
        check_url_allowed(current, settings)
    except FetchError as exc:
        if current == url:
            raise
        raise FetchError(url, f"redirected to {current}: {exc.message}", exc.hint) from None


def _timeout_in(exc: BaseException) -> BaseException | None:
    """The urllib3 timeout behind a requests exception, if any (however deeply wrapped)."""
    seen: BaseException | None = exc
    for _ in range(5):
        if seen is None:
            return None
        if isinstance(seen, NewConnectionError):  # a ConnectTimeoutError subclass, but refused
            return None
        if isinstance(seen, Urllib3Timeout | requests.exceptions.Timeout):
            return seen
        inner = seen.args[0] if seen.args else None
        seen = getattr(inner, "reason", inner) if isinstance(inner, BaseException) else None
    return None


_REASONS: tuple[tuple[type[requests.exceptions.RequestException], str], ...] = (
    # most specific first: SSLError and ProxyError are ConnectionErrors too
    (requests.exceptions.SSLError, "the TLS handshake failed (a certificate problem?)"),
    (requests.exceptions.ProxyError, "the proxy refused or failed the connection"),
    (requests.exceptions.ConnectionError, "connection failed (is the host right, and is it up?)"),
    (requests.exceptions.ChunkedEncodingError, "the connection broke while reading the file"),
    (requests.exceptions.ContentDecodingError, "the server sent a body that does not decompress"),
)


def _reason(exc: requests.exceptions.RequestException) -> str:
    """What went wrong, in words; the exception's own text when nothing better is known."""
    for kind, reason in _REASONS:
        if isinstance(exc, kind):
            return reason
    return f"{type(exc).__name__}: {exc}"
