"""Where `upload` and `submit` send a pipeline: a URL, or a host named under `hosts:` in
yamlpipe.yaml."""

from __future__ import annotations

from pathlib import Path

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.resolve.config import HostSettings, load_config


class UnknownHost(YamlpipeError):
    """A --host that is neither a URL nor a name under `hosts:` in yamlpipe.yaml."""


def find_host(name_or_url: str, start: Path | None = None) -> HostSettings:
    """A host named in yamlpipe.yaml's `hosts:`, or a URL given as it is."""
    config = load_config(start or Path.cwd())
    if name_or_url in config.hosts:
        return config.hosts[name_or_url]
    if "://" in name_or_url:
        return HostSettings(name="", url=name_or_url)
    known = ", ".join(sorted(config.hosts)) or "none"
    where = _shown(config.file) if config.file else "yamlpipe.yaml"
    raise UnknownHost(
        Location("<arguments>"),
        f"unknown host {name_or_url!r}: not a URL, and not a name under hosts: in {where} "
        f"(named hosts: {known})",
        "give the API's URL (https://...), or name it in yamlpipe.yaml: "
        "hosts: {NAME: {url: https://...}}",
    )


def _shown(path: Path) -> str:
    """A path relative to the working folder when it is below it."""
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


__all__ = ["HostSettings", "UnknownHost", "find_host"]
