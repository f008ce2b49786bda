"""The one error a backend raises: what the API (or the local store) said, in plain words,
with the fix when it is known. Tokens never appear in these messages."""

from __future__ import annotations

from yamlpipe.errors import Location, YamlpipeError


class ClientError(YamlpipeError):
    """A request that failed: refused, not found, unreachable, too slow, or not JSON."""

    def __init__(
        self, where: str, message: str, hint: str | None = None, status: int | None = None
    ) -> None:
        super().__init__(Location(where), message, hint)
        self.status = status
        """The HTTP status the server answered with (None: no answer, or the local store)."""


class NotFound(ClientError):
    """The experiment, pipeline, version or run does not exist (HTTP 404)."""


class AlreadyExists(ClientError):
    """A name that must be unique is taken (HTTP 409)."""


__all__ = ["AlreadyExists", "ClientError", "NotFound"]
