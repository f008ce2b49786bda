"""Component reference strings: a path, an https URL (optionally pinned), or a catalog entry."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from yamlpipe.errors import NOWHERE, Location, YamlpipeError

PATH, URL, CATALOG = "path", "url", "catalog"
_SHA256 = re.compile(r"^[0-9a-f]{64}$")
_CATALOG_ENTRY = re.compile(
    r"^(?:(?P<catalog>[A-Za-z0-9_.-]+)/)?(?P<name>[A-Za-z0-9_.-]+)(?:@(?P<version>[A-Za-z0-9_.+-]+))?$"
)
REFERENCE_HINT = (
    "a reference is a path ending in .yaml/.yml (or starting with ./ ../ /), an https:// URL, "
    "or a catalog entry [CATALOG/]NAME[@VERSION]"
)


@dataclass(frozen=True)
class Reference:
    """A parsed component reference, with where it was written."""

    kind: str
    text: str
    target: str
    """The path, the URL without its fragment, or the catalog entry name."""
    sha256: str | None = None
    catalog: str | None = None
    version: str | None = None
    loc: Location = NOWHERE

    @property
    def is_remote(self) -> bool:
        return self.kind != PATH


def parse_reference(text: str, loc: Location = NOWHERE) -> Reference:
    """Tell a path from a URL from a catalog entry (DESIGN.md section 4) and parse it."""
    if "://" in text:
        return _parse_url(text, loc)
    if text.endswith((".yaml", ".yml")) or text.startswith(("./", "../", "/")):
        return Reference(PATH, text, text, loc=loc)
    match = _CATALOG_ENTRY.match(text)
    if match is None:
        raise YamlpipeError(
            loc, f"{text!r} is not a component reference", REFERENCE_HINT, span=len(text)
        )
    version = match.group("version")
    return Reference(
        CATALOG,
        text,
        match.group("name"),
        catalog=match.group("catalog"),
        version=None if version == "latest" else version,
        loc=loc,
    )


def selects(selector: str, key: str) -> bool:
    """True when `lock --upgrade SELECTOR` names the reference `key`: the same text, or, for
    a catalog entry, the same name with the catalog and the version either the same or left
    out (`clean-csv` and `team/clean-csv` select `team/clean-csv@0.2.0`)."""
    if selector == key:
        return True
    want, have = _CATALOG_ENTRY.match(selector), _CATALOG_ENTRY.match(key)
    if want is None or have is None or "://" in key:
        return False
    parts = ("catalog", "version")
    return want["name"] == have["name"] and all(want[p] in (None, have[p]) for p in parts)


def _parse_url(text: str, loc: Location) -> Reference:
    url, _, fragment = text.partition("#")
    scheme = url.split("://", 1)[0].lower()
    if scheme not in ("https", "http"):
        raise YamlpipeError(
            loc,
            f"unsupported URL scheme {scheme!r} in {text!r}",
            "use an https:// URL",
            span=len(text),
        )
    why = _url_problem(url)
    if why is not None:
        raise YamlpipeError(
            loc,
            f"{text!r} is not a valid URL: {why}",
            "write it as https://HOST[:PORT]/PATH",
            span=len(text),
        )
    sha256 = None
    if fragment:
        key, _, value = fragment.partition("=")
        if key != "sha256" or not _SHA256.match(value.lower()):
            raise YamlpipeError(
                loc,
                f"unexpected URL fragment {'#' + fragment!r} in {text!r}",
                "pin a URL with #sha256=<64 hex digits>",
                span=len(text),
            )
        sha256 = value.lower()
    return Reference(URL, text, url, sha256=sha256, loc=loc)


def _url_problem(url: str) -> str | None:
    """Why an http(s) URL cannot be fetched as written, or None."""
    if any(c.isspace() for c in url):
        return "it contains a space"
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:
        return str(exc).lower()
    if not parts.hostname:
        return "it names no host"
    return "port 0 cannot be fetched" if port == 0 else None
