"""What fetching promises without doing it: the error, the result, the host policy.

Kept apart from fetch.py so that loading and linking local files never imports requests
(a tenth of a second at every start).
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from urllib.parse import urlsplit

from yamlpipe.resolve.config import FetchSettings


class FetchError(Exception):
    """Why a URL could not be fetched, in words for the user, with a hint."""

    def __init__(self, url: str, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        self.message = message
        self.hint = hint


@dataclass(frozen=True)
class Fetched:
    """A fetched file: the URL asked for, the URL it finally came from, its bytes."""

    url: str
    final_url: str
    content: bytes


def is_loopback(host: str) -> bool:
    """localhost, 127.0.0.0/8 or ::1: this machine, which no one else can serve."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_url_allowed(url: str, settings: FetchSettings) -> None:
    """https everywhere; plain http only for loopback and hosts allowed in yamlpipe.yaml."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
        parts.port  # noqa: B018  (raises for a port out of range)
    except ValueError as exc:
        raise FetchError(url, f"not a valid URL: {str(exc).lower()}") from None
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
