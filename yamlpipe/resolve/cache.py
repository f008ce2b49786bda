"""A content-addressed cache of fetched files under the user cache folder."""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Mapping
from pathlib import Path

log = logging.getLogger(__name__)


def sha256_hex(content: bytes) -> str:
    return hashlib.sha256(content).hexdigest()


def default_cache_root(environ: Mapping[str, str] | None = None) -> Path:
    """$XDG_CACHE_HOME/yamlpipe (else ~/.cache/yamlpipe); YAMLPIPE_CACHE_DIR overrides both."""
    env = os.environ if environ is None else environ
    if env.get("YAMLPIPE_CACHE_DIR"):
        return Path(env["YAMLPIPE_CACHE_DIR"])
    base = env.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "yamlpipe"


def write_atomically(path: Path, content: bytes) -> None:
    """Write to a temporary file beside path, then rename it over path in one step."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


class Cache:
    """Files by sha256 (verified on every read), and the last digest seen for each URL."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _blob(self, digest: str) -> Path:
        return self.root / "sha256" / digest[:2] / digest

    def _url_entry(self, url: str) -> Path:
        return self.root / "urls" / sha256_hex(url.encode("utf-8"))

    def get(self, digest: str) -> bytes | None:
        """The content with this digest, or None; a corrupted entry is removed and missed."""
        path = self._blob(digest)
        try:
            content = path.read_bytes()
        except OSError:
            return None
        if sha256_hex(content) != digest:
            log.warning("cache entry %s is corrupted; fetching it again", path)
            path.unlink(missing_ok=True)
            return None
        return content

    def put(self, content: bytes, url: str | None = None) -> str:
        """Store content (and, given a URL, remember it as that URL's latest); return its digest."""
        digest = sha256_hex(content)
        path = self._blob(digest)
        if not path.exists():
            write_atomically(path, content)
        if url is not None:
            write_atomically(self._url_entry(url), f"{digest} {url}\n".encode())
        return digest

    def digest_for_url(self, url: str) -> str | None:
        """The digest last fetched from url, if any (used when offline)."""
        try:
            digest = self._url_entry(url).read_text("utf-8").split(" ", 1)[0]
        except OSError:
            return None
        return digest if len(digest) == 64 else None
