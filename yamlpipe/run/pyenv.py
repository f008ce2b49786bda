"""Virtual environments for Python steps that install packages (KFP's and our generated
components run `python3 -m pip install ...` inside their command): each set of packages gets
one environment, cached by a hash of what it installs, so nothing is ever installed into the
user's own Python. The step then finds that environment's `python3` first on its PATH."""

from __future__ import annotations

import fcntl
import hashlib
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

_PIP_INSTALL = re.compile(r"\bpip3?\s+install\s+([^|&;)\n]*)")
_VALUE_OPTIONS = {
    "-i", "--index-url", "--extra-index-url", "-f", "--find-links", "-c", "--constraint",
    "--trusted-host", "--target", "-t", "--prefix", "--root", "--platform",
    "--python-version", "--implementation", "--abi", "--src", "--progress-bar",
}  # fmt: skip
"""pip options that take a value: the value is not a package."""


class InstallError(Exception):
    """The environment could not be built (pip failed); carries pip's last lines."""


def requested_packages(texts: Iterable[str]) -> tuple[str, ...]:
    """Every package a step's command asks pip to install, in a stable order."""
    found: set[str] = set()
    for text in texts:
        for match in _PIP_INSTALL.finditer(text):
            try:
                words = shlex.split(match.group(1))
            except ValueError:
                words = match.group(1).split()
            skip = False
            for word in words:
                if skip:
                    skip = False
                elif word in _VALUE_OPTIONS or word in ("-r", "--requirement", "-e", "--editable"):
                    skip = True
                elif not word.startswith("-") and "$" not in word:
                    found.add(word)
    return tuple(sorted(found))


def environments_folder() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "yamlpipe" / "venvs"


def environment_for(packages: tuple[str, ...], env: dict[str, str]) -> Path:
    """The folder of a ready environment holding `packages`, built once (under a lock)."""
    version = f"{sys.version_info.major}.{sys.version_info.minor}"
    digest = hashlib.sha256("\n".join((version, *packages)).encode()).hexdigest()[:16]
    folder = environments_folder() / f"py{version}-{digest}"
    ready = folder / ".ready"
    if ready.exists():
        return folder
    folder.parent.mkdir(parents=True, exist_ok=True)
    with open(folder.parent / f".{folder.name}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not ready.exists():
            _build(folder, packages, env)
            ready.write_text("\n".join(packages) + "\n", encoding="utf-8")
    return folder


def _build(folder: Path, packages: tuple[str, ...], env: dict[str, str]) -> None:
    commands = [
        [sys.executable, "-m", "venv", "--clear", str(folder)],
        [str(folder / "bin" / "python"), "-m", "pip", "install", "--quiet",
         "--disable-pip-version-check", *packages],
    ]  # fmt: skip
    for command in commands:
        result = subprocess.run(
            command, env=env, capture_output=True, text=True, stdin=subprocess.DEVNULL, check=False
        )
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).strip().splitlines()[-8:])
            raise InstallError(
                f"installing {' '.join(packages)} into a virtual environment failed:\n{tail}"
            )
