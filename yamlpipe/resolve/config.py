"""The project configuration `yamlpipe.yaml`, found by walking up from a file."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yamlpipe.errors import YamlpipeErrors
from yamlpipe.load import load_data_text, read_text_file
from yamlpipe.load.files import CONFIG_NAME, repository_root
from yamlpipe.load.limits import MAX_FILE_BYTES

LOCK_NAME = "yamlpipe.lock"


@dataclass(frozen=True)
class FetchSettings:
    """Limits for the HTTP fetcher; see config.schema.json for what each means."""

    connect_timeout: float = 5.0
    read_timeout: float = 30.0
    total_timeout: float = 60.0
    """Seconds one file may take in all: connecting, retries, redirects and the body."""
    run_timeout: float = 300.0
    """Seconds every fetch of one run may take together."""
    retries: int = 3
    backoff: float = 0.2
    max_bytes: int = MAX_FILE_BYTES
    parallel: int = 16
    allowed_hosts: frozenset[str] = frozenset()
    token_env: Mapping[str, str] = field(default_factory=dict)
    """Host -> name of the environment variable holding its bearer token."""


@dataclass(frozen=True)
class HostSettings:
    """A named cluster API from `hosts:` (KFP's or Argo Server's)."""

    name: str
    url: str
    namespace: str | None = None
    token_env: str | None = None
    """The environment variable holding its bearer token (tokens never go in a file)."""
    ca_bundle: Path | None = None
    timeout: float | None = None


@dataclass(frozen=True)
class ProjectConfig:
    """What `yamlpipe.yaml` says, with the folder it was found in (the project root)."""

    root: Path
    file: Path | None = None
    catalogs: Mapping[str, str] = field(default_factory=dict)
    fetch: FetchSettings = field(default_factory=FetchSettings)
    roots: tuple[Path, ...] = ()
    """Folders local files may come from: the project root (the folder of yamlpipe.yaml,
    else of the git repository, else of the file checked) and `allowed_roots`."""
    hosts: Mapping[str, HostSettings] = field(default_factory=dict)
    exclude: tuple[str, ...] = ()
    """Globs (relative to the root) of files that validate and lock leave out."""

    @property
    def lock_path(self) -> Path:
        return self.root / LOCK_NAME

    @property
    def local_roots(self) -> tuple[Path, ...]:
        return self.roots or (self.root,)


def find_config(start: Path) -> Path | None:
    """The nearest yamlpipe.yaml in start's folder or any folder above it."""
    folder = start if start.is_dir() else start.parent
    for candidate in (folder.resolve(), *folder.resolve().parents):
        path = candidate / CONFIG_NAME
        if path.is_file():
            return path
    return None


def load_config(start: Path, fallback_root: Path | None = None) -> ProjectConfig:
    """The configuration that applies to start; defaults (rooted at fallback_root) if none."""
    path = find_config(start)
    if path is None:
        root = (fallback_root or Path.cwd()).resolve()
        return ProjectConfig(root=root, roots=(repository_root(start),))
    display = _display(path)
    result = load_data_text(read_text_file(path, display), display, "config")
    if not result.ok:
        raise YamlpipeErrors(result.problems)
    return _config_from_data(path, result.data or {})


def _display(path: Path) -> str:
    try:
        return str(path.relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _config_from_data(path: Path, data: Mapping[str, Any]) -> ProjectConfig:
    fetch = data.get("fetch") or {}
    defaults = FetchSettings()
    settings = FetchSettings(
        connect_timeout=float(fetch.get("connect_timeout", defaults.connect_timeout)),
        read_timeout=float(fetch.get("read_timeout", defaults.read_timeout)),
        total_timeout=float(fetch.get("total_timeout", defaults.total_timeout)),
        run_timeout=float(fetch.get("run_timeout", defaults.run_timeout)),
        retries=int(fetch.get("retries", defaults.retries)),
        max_bytes=int(fetch.get("max_bytes", defaults.max_bytes)),
        parallel=int(fetch.get("parallel", defaults.parallel)),
        allowed_hosts=frozenset(h.lower() for h in data.get("allowed_hosts") or ()),
        token_env={host.lower(): name for host, name in (data.get("auth") or {}).items()},
    )
    root = path.parent.resolve()
    extra = tuple((root / folder).resolve() for folder in data.get("allowed_roots") or ())
    return ProjectConfig(
        root=root,
        file=path,
        catalogs=dict(data.get("catalogs") or {}),
        fetch=settings,
        roots=(root, *extra),
        hosts=_hosts(path.parent.resolve(), data.get("hosts") or {}),
        exclude=tuple(data.get("exclude") or ()),
    )


def _hosts(root: Path, data: Mapping[str, Any]) -> dict[str, HostSettings]:
    """`hosts:` entries; a CA bundle's path is relative to yamlpipe.yaml."""
    return {
        name: HostSettings(
            name=name,
            url=str(entry["url"]),
            namespace=entry.get("namespace"),
            token_env=entry.get("token_env"),
            ca_bundle=root / entry["ca_bundle"] if entry.get("ca_bundle") else None,
            timeout=float(entry["timeout"]) if entry.get("timeout") is not None else None,
        )
        for name, entry in data.items()
    }


__all__ = [
    "CONFIG_NAME",
    "FetchSettings",
    "HostSettings",
    "ProjectConfig",
    "find_config",
    "load_config",
]
