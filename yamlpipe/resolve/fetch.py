"""HTTP fetching: one session, timeouts, retries with backoff, deadlines per file and per run,
a size cap, host policy, and tokens only where they were configured for."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Iterable, Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

import requests
from requests.adapters import HTTPAdapter
from urllib3.exceptions import ConnectTimeoutError, DecodeError, NewConnectionError
from urllib3.exceptions import HTTPError as Urllib3Error
from urllib3.exceptions import TimeoutError as Urllib3Timeout

from yamlpipe.resolve.config import FetchSettings
from yamlpipe.resolve.remote import Fetched, FetchError, check_url_allowed, is_loopback

__all__ = ["FetchError", "Fetched", "Fetcher", "check_url_allowed", "is_loopback"]

log = logging.getLogger(__name__)
CHUNK = 64 * 1024
MAX_REDIRECTS = 5
RETRY_STATUSES = frozenset({500, 502, 503, 504})


@dataclass(frozen=True)
class _Deadline:
    """When fetching one file must be done: its own limit, or the run's if that is sooner."""

    at: float
    limit: str
    """Which limit it is, in words, with the setting that raises it."""

    def remaining(self) -> float:
        return self.at - time.monotonic()

    def check(self, url: str) -> None:
        if self.remaining() <= 0:
            raise FetchError(
                url, f"took longer than {self.limit}", "is the server answering slowly?"
            )


class Fetcher:
    """Fetches files over HTTP with one shared session; safe to use from several threads.

    Retries are counted here rather than by urllib3, so that every try fits in one deadline
    per file (and all of them in one per run), however slowly a server answers.
    """

    def __init__(self, settings: FetchSettings, environ: Mapping[str, str] | None = None) -> None:
        self.settings = settings
        self.environ = os.environ if environ is None else environ
        self.run_ends = time.monotonic() + settings.run_timeout
        self.session = requests.Session()
        adapter = HTTPAdapter(
            max_retries=0, pool_connections=4, pool_maxsize=max(4, settings.parallel)
        )
        self.session.mount("https://", adapter)
        self.session.mount("http://", adapter)

    def close(self) -> None:
        self.session.close()

    def headers_for(self, url: str, current: str | None = None) -> dict[str, str]:
        """The bearer token for url's host, read from the variable yamlpipe.yaml names.

        Only over https (or to this machine), and never to a redirect's target whose scheme,
        host or port differ from url's: credentials go where they were configured for.
        """
        asked, hop = urlsplit(url), urlsplit(current or url)
        host = (hop.hostname or "").lower()
        same = (asked.scheme, asked.hostname, asked.port) == (hop.scheme, hop.hostname, hop.port)
        private = hop.scheme == "https" or (hop.scheme == "http" and is_loopback(host))
        variable = self.settings.token_env.get(host) if same and private else None
        token = self.environ.get(variable) if variable else None
        return {"Authorization": f"Bearer {token}"} if token else {}

    def _deadline(self) -> _Deadline:
        own = time.monotonic() + self.settings.total_timeout
        if own <= self.run_ends:
            limit = f"the {self.settings.total_timeout:g} s allowed for one file"
            return _Deadline(own, limit + " (fetch: total_timeout in yamlpipe.yaml)")
        limit = f"the {self.settings.run_timeout:g} s allowed for all fetches of one run"
        return _Deadline(self.run_ends, limit + " (fetch: run_timeout in yamlpipe.yaml)")

    def fetch(self, url: str) -> Fetched:
        """GET one URL, following redirects only to allowed URLs, or raise FetchError."""
        deadline = self._deadline()
        current = url
        for _ in range(MAX_REDIRECTS + 1):
            _check_hop(url, current, self.settings)
            response, tries = self._get(url, current, deadline)
            with response:
                location = response.headers.get("Location") if response.is_redirect else None
                if location is None:
                    return Fetched(url, current, self._body(url, response, tries, deadline))
            current = urljoin(current, location)
        raise FetchError(url, f"more than {MAX_REDIRECTS} redirects", "fetch the final URL instead")

    def _get(self, url: str, current: str, deadline: _Deadline) -> tuple[requests.Response, int]:
        """One request, tried again after a connection error, a timeout or a 5xx answer."""
        tries = self.settings.retries + 1
        for attempt in range(1, tries + 1):
            deadline.check(url)
            try:
                response = self._request(url, current, deadline)
            except requests.exceptions.RequestException as exc:
                if attempt == tries or not _is_transient(exc) or deadline.remaining() <= 0:
                    raise self._failure(url, exc, attempt, deadline) from None
                self._pause(attempt, deadline)
                continue
            if response.status_code not in RETRY_STATUSES or attempt == tries:
                return response, attempt
            response.close()
            self._pause(attempt, deadline)
        raise AssertionError("unreachable: the last try returns or raises")

    def _request(self, url: str, current: str, deadline: _Deadline) -> requests.Response:
        left = max(deadline.remaining(), 0.001)
        timeout = (min(self.settings.connect_timeout, left), min(self.settings.read_timeout, left))
        host = (urlsplit(current).hostname or "").lower()
        return self.session.get(
            current,
            headers=self.headers_for(url, current),
            timeout=timeout,
            stream=True,
            allow_redirects=False,
            # no proxy can reach this machine's loopback: HTTP(S)_PROXY must not apply
            proxies={"no_proxy": host} if is_loopback(host) else None,
        )

    def _pause(self, attempt: int, deadline: _Deadline) -> None:
        """urllib3's backoff: none before the first retry, then backoff * 2^(n-1) seconds."""
        wait = 0.0 if attempt == 1 else self.settings.backoff * 2 ** (attempt - 1)
        time.sleep(max(0.0, min(wait, deadline.remaining())))

    def _body(
        self, url: str, response: requests.Response, tries: int, deadline: _Deadline
    ) -> bytes:
        status = response.status_code
        if status >= 400:
            tried = f" (tried {tries} times)" if tries > 1 else ""
            raise FetchError(url, f"HTTP {status} {response.reason or ''}".rstrip() + tried)
        return self._read_capped(url, response, deadline)

    def _failure(
        self, url: str, exc: requests.exceptions.RequestException, tries: int, deadline: _Deadline
    ) -> FetchError:
        """What failed, with how often it was tried; requests wraps timeouts that outlive
        the retries in ConnectionError: unwrap them."""
        if deadline.remaining() <= 0:
            return FetchError(url, f"took longer than {deadline.limit}")
        tried = f"; tried {tries} times" if tries > 1 else ""
        timeout = _timeout_in(exc)
        if isinstance(timeout, ConnectTimeoutError):
            return FetchError(
                url,
                f"timed out connecting (no connection within "
                f"{self.settings.connect_timeout:g} s{tried})",
                "is the host right, and is it up? (fetch: connect_timeout in yamlpipe.yaml)",
            )
        if timeout is not None:
            return FetchError(
                url,
                f"timed out (no answer within {self.settings.read_timeout:g} s{tried})",
                "raise fetch: read_timeout in yamlpipe.yaml if the server is just slow",
            )
        reason, hint = _reason(exc)
        return FetchError(url, reason + (f" (tried {tries} times)" if tries > 1 else ""), hint)

    def _read_capped(self, url: str, response: requests.Response, deadline: _Deadline) -> bytes:
        """The body, up to max_bytes, read in pieces so that a server trickling one byte a
        second meets the deadline instead of holding the run forever."""
        cap = self.settings.max_bytes
        declared = response.headers.get("Content-Length")
        if declared and declared.isdigit() and int(declared) > cap:
            raise FetchError(
                url,
                f"the file is {int(declared)} bytes, over the {cap}-byte limit",
                "raise fetch: max_bytes in yamlpipe.yaml if it is really a component",
            )
        body = bytearray()
        while chunk := self._read_some(url, response, deadline):
            body.extend(chunk)
            if len(body) > cap:
                raise FetchError(
                    url,
                    f"the file is over the {cap}-byte limit",
                    "raise fetch: max_bytes in yamlpipe.yaml if it is really a component",
                )
        return bytes(body)

    def _read_some(self, url: str, response: requests.Response, deadline: _Deadline) -> bytes:
        """What the server has sent so far (at most CHUNK bytes), waiting no longer than the
        read timeout or the deadline, whichever is sooner."""
        deadline.check(url)
        raw = response.raw
        sock = getattr(getattr(raw, "connection", None), "sock", None)
        if sock is not None:
            sock.settimeout(max(min(self.settings.read_timeout, deadline.remaining()), 0.001))
        try:
            return bytes(raw.read1(CHUNK, decode_content=True))
        except Urllib3Error as exc:
            if deadline.remaining() <= 0:
                raise FetchError(url, f"took longer than {deadline.limit}") from None
            raise FetchError(url, _body_reason(exc, self.settings.read_timeout)) from None

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


def _is_transient(exc: requests.exceptions.RequestException) -> bool:
    """Worth another try: the connection failed or timed out (not a certificate problem)."""
    if isinstance(exc, requests.exceptions.SSLError):
        return False
    return isinstance(exc, requests.exceptions.ConnectionError | requests.exceptions.Timeout)


def _body_reason(exc: Urllib3Error, read_timeout: float) -> str:
    if isinstance(exc, Urllib3Timeout):
        return f"timed out reading the file (nothing within {read_timeout:g} s)"
    if isinstance(exc, DecodeError):
        return "the server sent a body that does not decompress"
    return "the connection broke while reading the file"


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


_REASONS: tuple[tuple[type[requests.exceptions.RequestException], str, str | None], ...] = (
    # most specific first: SSLError and ProxyError are ConnectionErrors too
    (requests.exceptions.SSLError, "the TLS handshake failed", "a certificate problem?"),
    (requests.exceptions.ProxyError, "the proxy refused or failed the connection", None),
    (requests.exceptions.ConnectionError, "connection failed", "is the host right, and is it up?"),
    (requests.exceptions.ChunkedEncodingError, "the connection broke while reading the file", None),
    (
        requests.exceptions.ContentDecodingError,
        "the server sent a body that does not decompress",
        None,
    ),
)


def _reason(exc: requests.exceptions.RequestException) -> tuple[str, str | None]:
    """What went wrong, in words, and a hint; the exception's own text when nothing better
    is known."""
    for kind, reason, hint in _REASONS:
        if isinstance(exc, kind):
            return reason, hint
    return f"{type(exc).__name__}: {exc}", None
