"""A content-addressed cache of fetched files under the user cache folder."""

from __future__ import annotations

import hashlib
import logging
import os
import re
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from yamlpipe.load.files import read_regular_file, write_atomically

log = logging.getLogger(__name__)
__all__ = [
    "Cache",
    "CacheUnwritable",
    "default_cache_root",
    "is_digest",
    "sha256_hex",
    "write_atomically",
]
_DIGEST = re.compile(r"[0-9a-f]{64}")


def is_digest(text: str) -> bool:
    """True for a sha256 as the cache names files: exactly 64 lower-case hex digits."""
    return _DIGEST.fullmatch(text) is not None


def sha256_hex(content: bytes) -> str:
    """The sha256 of content, as 64 hex digits."""
    return hashlib.sha256(content).hexdigest()


def default_cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_CACHE_HOME/yamlpipe (else ~/.cache/yamlpipe); YAMLPIPE_CACHE_DIR overrides both."""
    env = os.environ if environ is None else environ
    if env.get("YAMLPIPE_CACHE_DIR"):
        return Path(env["YAMLPIPE_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "yamlpipe"


class CacheUnwritable(Exception):
    """The cache folder cannot take a file (it is below a regular file, not writable, ...);
    `message` says why, naming the path."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def _blocker(path: Path) -> Path | None:
    """The nearest existing ancestor of path that is not a folder, if any."""
    return next((p for p in path.parents if p.exists() and not p.is_dir()), None)


class Cache:
    """Files by sha256 (verified on every read), and the last digest seen for each URL.

    Writes are atomic but not fsynced: every read checks the digest (and a URL entry its
    final newline), so what a crash could tear is a cache miss, never a wrong answer; and
    200 fsyncs were most of a cold resolve's time.

    What the cache holds is data, not trusted: a path is built only from a digest that is
    64 hex digits (never from text read back), so nothing outside the folder is touched.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def _blob(self, digest: str) -> Path:
        if not is_digest(digest):
            raise ValueError(f"not a sha256 digest: {digest!r}")
        return self.root / "sha256" / digest[:2] / digest

    def _url_entry(self, url: str) -> Path:
        return self.root / "urls" / sha256_hex(url.encode("utf-8"))

    def get(self, digest: str) -> bytes | None:
        """The content with this digest, or None; a corrupted entry is removed and missed."""
        if not is_digest(digest):
            return None
        path = self._blob(digest)
        content = _read_or_none(path)
        if content is None:
            return None
        if sha256_hex(content) != digest:
            log.warning("cache entry %s is corrupted; fetching it again", path)
            path.unlink(missing_ok=True)
            return None
        return content

    def put(self, content: bytes, url: str | None = None, final_url: str | None = None) -> str:
        """Store content (and, given a URL, remember it as that URL's latest); return its
        digest. Raises CacheUnwritable when the cache folder cannot take it."""
        digest = sha256_hex(content)
        path = self._blob(digest)
        try:
            if not path.exists():
                write_atomically(path, content, durable=False)
            if url is not None:
                line = f"{digest} {final_url or url}\n".encode()
                entry = self._url_entry(url)
                if _read_or_none(entry) != line:
                    write_atomically(entry, line, durable=False)
        except OSError as exc:
            raise CacheUnwritable(self._why_unwritable(path, exc)) from None
        return digest

    def _why_unwritable(self, path: Path, exc: OSError) -> str:
        blocker = _blocker(path)
        if blocker is not None:
            return f"cannot write the cache folder {self.root}: {blocker} is not a folder"
        return f"cannot write the cache folder {self.root}: {exc.strerror or exc}"

    def entry_for_url(self, url: str) -> tuple[str, str] | None:
        """(digest, final URL) of what url last gave, if it was fetched before."""
        raw = _read_or_none(self._url_entry(url)) or b""
        if not raw.endswith(b"\n") or raw.count(b"\n") != 1:
            return None
        digest, _, final = raw.decode("utf-8", "replace").strip().partition(" ")
        final = final or url
        if not is_digest(digest) or urlsplit(final).scheme not in ("http", "https"):
            log.warning("cache entry for %s is not what yamlpipe writes; ignoring it", url)
            return None
        return digest, final

    def digest_for_url(self, url: str) -> str | None:
        """The digest last fetched from url, if any (used when offline)."""
        entry = self.entry_for_url(url)
        return entry[0] if entry else None


def _read_or_none(path: Path) -> bytes | None:
    """A regular file's bytes (size-capped), else None: a FIFO or device planted in the
    cache must not hang or fill memory."""
    try:
        return read_regular_file(path)
    except OSError:
        return None
