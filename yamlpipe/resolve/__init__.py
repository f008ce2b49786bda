"""References -> source texts: local files, URLs (cached, pinned, locked) and catalog entries."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urljoin

from yamlpipe.errors import NOWHERE, Location, YamlpipeError, YamlpipeErrors
from yamlpipe.load import decode_text, read_text_file
from yamlpipe.load.files import describe_os_error, is_within, read_regular_file
from yamlpipe.load.schema import did_you_mean
from yamlpipe.resolve.cache import Cache, CacheUnwritable, sha256_hex
from yamlpipe.resolve.catalog import Catalog, CatalogEntry, parse_catalog, resolve_location
from yamlpipe.resolve.config import ProjectConfig
from yamlpipe.resolve.lock import LockEntry
from yamlpipe.resolve.refs import CATALOG, PATH, URL, Reference, selects
from yamlpipe.resolve.remote import FetchError

if TYPE_CHECKING:
    from yamlpipe.resolve.fetch import Fetcher

__all__ = ["Request", "ResolveOptions", "Resolver", "Source"]


@dataclass(frozen=True)
class Source:
    """A file's text and digest; `name` is how messages show it, `location` its absolute form."""

    name: str
    location: str
    text: str
    sha256: str

    @property
    def is_remote(self) -> bool:
        return "://" in self.location


@dataclass(frozen=True)
class ResolveOptions:
    offline: bool = False
    """Use only the cache; list what is missing instead of fetching it."""
    frozen: bool = False
    """Every remote reference must be in an up-to-date yamlpipe.lock."""
    upgrade: frozenset[str] | None = frozenset()
    """Lock keys whose pins are ignored and refreshed; None refreshes every one."""


@dataclass(frozen=True)
class Request:
    """A reference and the location of the file it was written in."""

    ref: Reference
    base: str


@dataclass
class _Remote:
    """A remote reference on its way to a Source."""

    request: Request
    key: str
    url: str | None = None
    pin: str | None = None
    pin_origin: str = "the reference"
    version: str | None = None
    entry: CatalogEntry | None = None
    catalog: str | None = None
    """The catalog the entry was found in."""
    result: Source | YamlpipeError | None = None


def display_path(path: Path) -> str:
    """A path as messages show it: relative to the working folder when it is below it."""
    try:
        return os.path.relpath(path) if path.is_absolute() else str(path)
    except ValueError:
        return str(path)


@dataclass
class Resolver:
    """Resolves references for one run; remembers what it pinned for the lock file."""

    config: ProjectConfig
    cache: Cache
    lock: dict[str, LockEntry] | None = None
    options: ResolveOptions = field(default_factory=ResolveOptions)
    fetcher: Fetcher | None = None
    used: dict[str, LockEntry] = field(default_factory=dict)
    requested: set[str] = field(default_factory=set)
    """Every remote reference asked for, resolved or not (what `lock --upgrade` may name)."""
    catalogs: dict[str, Catalog | YamlpipeError] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)
    """Catalog indexes read, by the name messages give them: problems show their lines."""

    def _fetcher(self) -> Fetcher:
        if self.fetcher is None:
            # Imported on first use: runs that touch no URL never load requests.
            from yamlpipe.resolve.fetch import Fetcher

            self.fetcher = Fetcher(self.config.fetch)
        return self.fetcher

    def resolve_all(self, requests: Sequence[Request]) -> list[Source | YamlpipeError]:
        """Resolve many references at once; remote files are fetched in parallel."""
        started = [self._start(r) for r in requests]
        remotes = [s for s in started if isinstance(s, _Remote)]
        self._lookup_catalog_entries([r for r in remotes if r.url is None])
        self._finish_remotes([r for r in remotes if r.result is None])
        return [s.result if isinstance(s, _Remote) else s for s in started]  # type: ignore[misc]

    # ---- starting: local paths now, remote ones planned --------------------------------

    def _start(self, request: Request) -> Source | YamlpipeError | _Remote:
        ref = request.ref
        try:
            if ref.kind == PATH and "://" not in request.base:
                return self._read_local(request)
            if ref.kind == PATH:
                url = urljoin(request.base, ref.target)
                return self._plan(request, url, url, None)
            if ref.kind == URL:
                return self._plan(request, ref.target, ref.target, ref.sha256)
            return self._plan(request, ref.text, None, None)
        except YamlpipeError as problem:
            return problem

    def _read_local(self, request: Request) -> Source:
        ref = request.ref
        path = (Path(request.base).parent / ref.target).resolve()
        self.check_inside(path, ref.loc, f"component reference {ref.text!r}", len(ref.text))
        if not path.is_file():
            raise YamlpipeError(
                ref.loc,
                f"no component file at {ref.target!r}",
                f"looked for {display_path(path)} (paths are relative to the referring file)",
                span=len(ref.text),
            )
        text = read_text_file(path, display_path(path))
        return Source(display_path(path), str(path), text, sha256_hex(text.encode("utf-8")))

    def check_inside(self, path: Path, loc: Location, what: str, span: int = 1) -> None:
        """Refuse a local file outside the project's roots, before anything reads it; the
        message names the reference, never what the file holds."""
        if is_within(path, self.config.local_roots):
            return
        roots = ", ".join(display_path(r) for r in self.config.local_roots)
        raise YamlpipeError(
            loc,
            f"{what} points outside the project ({roots})",
            "local files must be inside the project root: the folder of yamlpipe.yaml, else "
            "of the git repository, else of the file checked; allowed_roots: in yamlpipe.yaml "
            "adds folders",
            span=span,
        )

    def _plan(self, request: Request, key: str, url: str | None, pin: str | None) -> _Remote:
        self.requested.add(key)
        remote = _Remote(request, key, url, pin)
        locked = self._locked(remote)
        if locked is not None and pin is not None and locked.sha256 != pin:
            if self.options.frozen:
                raise self._stale(
                    remote, f"yamlpipe.lock pins {locked.sha256}, the reference {pin}"
                )
            locked = None  # the reference's own pin is newer; `yamlpipe lock` records it
        if locked is not None:
            remote.url, remote.pin, remote.version = locked.url, locked.sha256, locked.version
            remote.pin_origin = "yamlpipe.lock" if pin is None else remote.pin_origin
        elif self.options.frozen:
            raise self._stale(remote, "it is not in yamlpipe.lock")
        elif pin is None and key in self.used:
            self._pin_to_earlier(remote, self.used[key])
        return remote

    def _pin_to_earlier(self, remote: _Remote, earlier: LockEntry) -> None:
        """A reference seen before in this run gets the same bytes (from the cache)."""
        remote.url, remote.pin, remote.version = earlier.url, earlier.sha256, earlier.version
        remote.pin_origin = f"an earlier fetch of {remote.key} in this run"

    def _upgrading(self, key: str) -> bool:
        upgrade = self.options.upgrade
        return upgrade is None or any(selects(s, key) for s in upgrade)

    def _locked(self, remote: _Remote) -> LockEntry | None:
        if self.options.frozen and self.lock is None:
            ref = remote.request.ref
            root = display_path(self.config.root)
            raise YamlpipeError(
                ref.loc,
                "--frozen needs a yamlpipe.lock, and there is none",
                "run `yamlpipe lock`" + (f" in {root}" if root != "." else "") + " and commit it",
                span=len(ref.text),
            )
        if self.lock is None or self._upgrading(remote.key):
            return None
        return self.lock.get(remote.key)

    def _stale(self, remote: _Remote, why: str) -> YamlpipeError:
        ref = remote.request.ref
        return YamlpipeError(
            ref.loc,
            f"yamlpipe.lock is stale for {ref.text!r}: {why}",
            "run `yamlpipe lock` to update it",
            span=len(ref.text),
        )

    # ---- catalogs ------------------------------------------------------------------------

    def _lookup_catalog_entries(self, remotes: list[_Remote]) -> None:
        names = {n for r in remotes for n in self._catalog_names(r)}
        self._load_catalogs(sorted(names))
        for remote in remotes:
            try:
                remote.catalog, entry = self._find_entry(remote)
            except YamlpipeError as problem:
                remote.result = problem
                continue
            remote.entry, remote.url, remote.pin = entry, entry.url, entry.sha256
            remote.version, remote.pin_origin = entry.version, "the catalog"

    def _catalog_names(self, remote: _Remote) -> list[str]:
        ref = remote.request.ref
        if ref.catalog is not None:
            return [ref.catalog] if ref.catalog in self.config.catalogs else []
        return list(self.config.catalogs)

    def _load_catalogs(self, names: list[str]) -> None:
        wanted = [n for n in names if n not in self.catalogs]
        locations = {n: self._catalog_location(n) for n in wanted}
        remote = [loc for loc in locations.values() if "://" in loc]
        fetched = self._fetch_texts(remote)
        for name, location in locations.items():
            try:
                text = fetched[location] if "://" in location else self._local_catalog(location)
                if isinstance(text, YamlpipeError):
                    raise text
                self.texts[_shown(location)] = text
                self.catalogs[name] = parse_catalog(text, location, _shown(location))
            except YamlpipeError as problem:
                self.catalogs[name] = problem

    def _catalog_location(self, name: str) -> str:
        location = self.config.catalogs[name]
        if "://" in location:
            return location
        base = self.config.file or self.config.root / "yamlpipe.yaml"
        return resolve_location(str(base), location)

    def _local_catalog(self, location: str) -> str:
        where = Location(display_path(self.config.file)) if self.config.file else NOWHERE
        self.check_inside(Path(location), where, f"the catalog {_shown(location)}")
        return read_text_file(location, _shown(location))

    def _fetch_texts(self, urls: list[str]) -> dict[str, str | YamlpipeError]:
        """Catalog indexes: fetched each run (offline: the last copy seen)."""
        texts: dict[str, str | YamlpipeError] = {}
        if self.options.offline:
            for url in urls:
                digest = self.cache.digest_for_url(url)
                content = self.cache.get(digest) if digest else None
                texts[url] = (
                    decode_text(content, url)
                    if content is not None
                    else YamlpipeError(Location(url), "catalog index not in the cache (--offline)")
                )
            return texts
        for url, got in self._fetcher().fetch_many(urls).items():
            if isinstance(got, FetchError):
                texts[url] = YamlpipeError(
                    Location(url), f"cannot fetch the catalog: {got.message}", got.hint
                )
                continue
            texts[url] = decode_text(got.content, url)
            try:
                self.cache.put(got.content, url=url)
            except CacheUnwritable as problem:
                texts[url] = _cache_problem(Location(url), problem)
        return texts

    def _find_entry(self, remote: _Remote) -> tuple[str, CatalogEntry]:
        ref = remote.request.ref
        if not self.config.catalogs:
            raise YamlpipeError(
                ref.loc,
                f"{ref.text!r} is a catalog entry, but no catalogs are configured",
                "name catalogs under catalogs: in yamlpipe.yaml, or use a path or URL",
                span=len(ref.text),
            )
        if ref.catalog is not None and ref.catalog not in self.config.catalogs:
            known = list(self.config.catalogs)
            suggestion = did_you_mean(ref.catalog, known)
            raise YamlpipeError(
                ref.loc,
                f"no catalog named {ref.catalog!r}" + (f" ({suggestion})" if suggestion else ""),
                "catalogs in yamlpipe.yaml: " + ", ".join(known),
                span=len(ref.text),
            )
        return self._entry_in(remote, self._catalog_names(remote))

    def _entry_in(self, remote: _Remote, names: list[str]) -> tuple[str, CatalogEntry]:
        ref = remote.request.ref
        found: list[tuple[str, CatalogEntry]] = []
        for name in names:
            catalog = self.catalogs[name]
            if isinstance(catalog, YamlpipeError):
                raise self._unreadable_catalog(ref, name, catalog)
            entry = catalog.find(ref.target, ref.version)
            if entry is not None:
                found.append((name, entry))
        if len(found) > 1 and ref.catalog is None:
            raise YamlpipeError(
                ref.loc,
                f"{ref.target!r} is in several catalogs: " + ", ".join(n for n, _ in found),
                f"say which: {found[0][0]}/{ref.text}",
                span=len(ref.text),
            )
        if found:
            return found[0]
        raise self._not_in_catalogs(ref, names)

    def _unreadable_catalog(
        self, ref: Reference, name: str, problem: YamlpipeError
    ) -> YamlpipeError:
        """Why a reference cannot be looked up: problems inside the index are reported where
        they are (in the index), and the reference says where to look."""
        inside = (
            [p for p in problem if p.location.file in self.texts]
            if isinstance(problem, YamlpipeErrors)
            else []
        )
        if not inside:
            return YamlpipeError(
                ref.loc,
                f"catalog {name!r} cannot be read: {problem.message}",
                problem.hint,
                span=len(ref.text),
            )
        here = YamlpipeError(
            ref.loc,
            f"catalog {name!r} has errors, so {ref.text!r} cannot be looked up",
            f"they are reported in {inside[0].location.file}",
            span=len(ref.text),
        )
        return YamlpipeErrors([*inside, here])

    def _not_in_catalogs(self, ref: Reference, names: list[str]) -> YamlpipeError:
        catalogs = [c for n in names if isinstance(c := self.catalogs[n], Catalog)]
        versions = [e.version for c in catalogs for e in c.versions(ref.target)]
        if versions:
            return YamlpipeError(
                ref.loc,
                f"{ref.target!r} has no version {ref.version!r}",
                "versions: " + ", ".join(versions),
                span=len(ref.text),
            )
        known = sorted({e.name for c in catalogs for e in c.entries})
        suggestion = did_you_mean(ref.target, known)
        return YamlpipeError(
            ref.loc,
            f"no catalog entry {ref.target!r}" + (f" ({suggestion})" if suggestion else ""),
            "searched: " + ", ".join(names),
            span=len(ref.text),
        )

    # ---- fetching and verifying ----------------------------------------------------------

    def _finish_remotes(self, remotes: list[_Remote]) -> None:
        to_fetch = []
        for remote in remotes:
            cached = self._from_cache(remote)
            if cached is not None:
                self._accept(remote, *cached)
            elif remote.url is not None and "://" not in remote.url:
                self._accept_local(remote)
            elif self.options.offline:
                remote.result = self._missing_offline(remote)
            else:
                to_fetch.append(remote)
        fetched = self._fetcher().fetch_many(r.url for r in to_fetch if r.url) if to_fetch else {}
        for remote in to_fetch:
            got = fetched[remote.url or ""]
            if isinstance(got, FetchError):
                remote.result = self._fetch_problem(remote, got)
                continue
            self._accept(remote, got.content, got.final_url)
            if isinstance(remote.result, Source):  # verified: only now may the cache have it
                self._store(remote, got.content, got.final_url)

    def _store(self, remote: _Remote, content: bytes, final: str) -> None:
        try:
            self.cache.put(content, url=remote.url, final_url=final)
        except CacheUnwritable as problem:
            ref = remote.request.ref
            remote.result = _cache_problem(ref.loc, problem, len(ref.text))

    def _from_cache(self, remote: _Remote) -> tuple[bytes, str] | None:
        """A pinned (or, offline, last seen) file from the cache, with its final URL."""
        if remote.url is None or "://" not in remote.url:
            return None
        seen = self.cache.entry_for_url(remote.url)
        digest = remote.pin
        if digest is None and self.options.offline and seen is not None:
            digest = seen[0]
        content = self.cache.get(digest) if digest else None
        if content is None:
            return None
        final = seen[1] if seen is not None and seen[0] == digest else remote.url
        return content, final

    def _accept_local(self, remote: _Remote) -> None:
        """A catalog entry that is a local file (relative to a local index)."""
        path, ref = Path(remote.url or ""), remote.request.ref
        try:
            self.check_inside(path, ref.loc, f"catalog entry {ref.text!r}", len(ref.text))
            content = read_regular_file(path)
        except YamlpipeError as problem:
            remote.result = problem
            return
        except OSError as exc:
            remote.result = YamlpipeError(
                ref.loc, f"cannot read {display_path(path)}: {describe_os_error(exc)}"
            )
            return
        self._accept(remote, content, str(path), record=False)

    def _accept(self, remote: _Remote, content: bytes, final: str, record: bool = True) -> None:
        digest = sha256_hex(content)
        if remote.pin is not None and digest != remote.pin:
            remote.result = self._mismatch(remote, final, digest)
            return
        name = final if "://" in final else display_path(Path(final))
        try:
            text = decode_text(content, name)
        except YamlpipeError as problem:
            remote.result = problem
            return
        remote.result = Source(name, final, text, digest)
        if record:
            self.used[remote.key] = LockEntry(final, digest, remote.version)

    def _mismatch(self, remote: _Remote, final: str, digest: str) -> YamlpipeError:
        """A file that is not what its pin says: why, in the words of whoever pinned it."""
        ref = remote.request.ref
        if remote.pin_origin == "the catalog":
            return self._stale_catalog(remote, final, digest, "")
        if remote.pin_origin == "yamlpipe.lock" and ref.kind == CATALOG:
            found = self._catalog_entry_now(remote)
            if found is not None and found[1].sha256 == remote.pin:
                return self._stale_catalog(remote, final, digest, " and yamlpipe.lock")
        return YamlpipeError(
            ref.loc,
            f"{final} has sha256 {digest}, but {remote.pin_origin} pins {remote.pin}",
            f"if the change is expected, run `yamlpipe lock --upgrade {remote.key}`"
            if remote.pin_origin == "yamlpipe.lock"
            else "check where the file comes from; update the pin only if you trust the change",
            span=len(ref.text),
        )

    def _catalog_entry_now(self, remote: _Remote) -> tuple[str, CatalogEntry] | None:
        """What the catalogs say of a locked entry today (the lock spared looking it up)."""
        self._load_catalogs(sorted(self._catalog_names(remote)))
        try:
            return self._find_entry(remote)
        except YamlpipeError:
            return None

    def _stale_catalog(self, remote: _Remote, final: str, digest: str, also: str) -> YamlpipeError:
        """The file changed after its catalog was built: the catalog's sha256 (which the
        lock copied) no longer matches it, and only rebuilding the catalog mends that."""
        ref = remote.request.ref
        name = remote.catalog or self._catalog_of(remote)
        return YamlpipeError(
            ref.loc,
            f"{final} no longer matches catalog {name!r}: the file has sha256 {digest}, "
            f"but the catalog{also} {'pin' if also else 'pins'} {remote.pin}",
            "the file changed after the catalog was built; if the change is intended, rebuild "
            "and publish the catalog (`yamlpipe catalog build`)"
            + (f", then run `yamlpipe lock --upgrade {remote.key}`" if also else "")
            + "; otherwise check where the file comes from",
            span=len(ref.text),
        )

    def _catalog_of(self, remote: _Remote) -> str:
        found = self._catalog_entry_now(remote)
        return found[0] if found is not None else remote.request.ref.catalog or "?"

    def _missing_offline(self, remote: _Remote) -> YamlpipeError:
        ref = remote.request.ref
        return YamlpipeError(
            ref.loc,
            f"{ref.text!r} is not in the cache, and --offline forbids fetching it",
            "run once online (e.g. `yamlpipe lock`) to fill the cache",
            span=len(ref.text),
        )

    def _fetch_problem(self, remote: _Remote, error: FetchError) -> YamlpipeError:
        ref = remote.request.ref
        return YamlpipeError(
            ref.loc,
            f"cannot fetch {error.url}: {error.message}",
            error.hint,
            span=len(ref.text),
        )


def _cache_problem(loc: Location, problem: CacheUnwritable, span: int = 1) -> YamlpipeError:
    """A fetched file that the cache cannot keep: checking goes on only with what is kept
    (so that --offline and pinned runs find it later), so this is an error, said plainly."""
    return YamlpipeError(
        loc,
        problem.message,
        "point YAMLPIPE_CACHE_DIR (or XDG_CACHE_HOME) at a folder that can be written",
        span=span,
    )


def _shown(location: str) -> str:
    return location if "://" in location else display_path(Path(location))
