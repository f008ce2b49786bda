"""What every request passes before it reaches a page or the API: a cap on the body's size,
writes only from this site (never a form on another web site posting here), and, when the
server has a token, writes only with it. The pages' forms also carry a CSRF token
(`csrf_token`, checked where each form is read)."""

from __future__ import annotations

import hmac
import json
import secrets
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any
from urllib.parse import urlsplit

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
App = Callable[[Scope, Receive, Send], Awaitable[None]]

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TOKEN_COOKIE = "yamlpipe_token"
CSRF_COOKIE = "yamlpipe_csrf"
SIGN_IN = "/ui/sign-in"


def _error(status: int, code: int, message: str) -> tuple[int, bytes]:
    body = {"error": message, "message": message, "code": code, "details": []}
    return status, json.dumps(body).encode()


def _headers(scope: Scope) -> dict[str, str]:
    return {k.decode("latin-1").lower(): v.decode("latin-1") for k, v in scope["headers"]}


def cookies(header: str) -> dict[str, str]:
    found = {}
    for part in header.split(";"):
        name, _, value = part.strip().partition("=")
        if name:
            found[name] = value
    return found


def same_text(given: str | None, expected: str) -> bool:
    return given is not None and hmac.compare_digest(given.encode(), expected.encode())


def new_csrf_token() -> str:
    return secrets.token_urlsafe(24)


def is_cross_site(headers: dict[str, str]) -> bool:
    """A browser sending a write from another site: its Origin names another host, or Fetch
    metadata says so. Programs (kfp.Client, yamlpipe.Client, curl) send neither."""
    if headers.get("sec-fetch-site") == "cross-site":
        return True
    origin = headers.get("origin")
    if not origin:
        return False
    return origin == "null" or urlsplit(origin).netloc != headers.get("host", "")


def has_token(headers: dict[str, str], token: str) -> bool:
    scheme, _, given = headers.get("authorization", "").partition(" ")
    if scheme.lower() == "bearer" and same_text(given.strip(), token):
        return True
    return same_text(cookies(headers.get("cookie", "")).get(TOKEN_COOKIE), token)


class Guard:
    """ASGI middleware: a size cap, same-site writes, the token for writes."""

    def __init__(self, app: App, max_body: int, token: str | None) -> None:
        self.app = app
        self.max_body = max_body
        self.token = token

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)
        if refusal is not None:
            await _answer(send, *refusal)
            return
        await self.app(scope, receive, send)

    def _too_large(self) -> tuple[int, bytes]:
        mib = self.max_body / 1024 / 1024
        return _error(413, 8, f"the request is larger than this server takes ({mib:g} MiB)")

    def _refusal(self, scope: Scope) -> tuple[int, bytes] | None:
        headers = _headers(scope)
        # The HTTP server holds a body to its Content-Length, so checking that caps the body;
        # a body without one (chunked) is refused rather than read to find its size.
        length = headers.get("content-length", "0")
        if length.isdigit() and int(length) > self.max_body:
            return self._too_large()
        if "transfer-encoding" in headers:
            return _error(411, 3, "send the body with a Content-Length")
        if scope["method"] not in WRITES:
            return None
        if is_cross_site(headers):
            return _error(403, 7, "a write from another web site is refused")
        if self.token and scope["path"] != SIGN_IN and not has_token(headers, self.token):
            return _error(
                401, 16, "this server takes writes only with its token (Authorization: Bearer)"
            )
        return None


async def _answer(send: Send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


__all__ = [
    "CSRF_COOKIE",
    "SIGN_IN",
    "TOKEN_COOKIE",
    "Guard",
    "cookies",
    "has_token",
    "new_csrf_token",
    "same_text",
]
