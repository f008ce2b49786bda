"""Tiny images for the docker backend's tests, built on this machine and never pulled: a root
folder holding Debian's static busybox (and, for Python steps, this machine's own Python with
the libraries it loads) turned into an image by `docker import`."""

from __future__ import annotations

import hashlib
import io
import os
import re
import subprocess
import sys
import sysconfig
import tarfile
from collections.abc import Iterable, Iterator
from pathlib import Path

BUSYBOX = "yamlpipe-test/busybox:1"
ENTRYPOINT = "yamlpipe-test/entrypoint:1"
PYTHON = "yamlpipe-test/python:1"
PATH = "/usr/local/bin:/usr/bin:/bin"
FINGERPRINT = "yamlpipe.test.fingerprint"
SKIPPED_STDLIB = {
    "site-packages", "dist-packages", "test", "idlelib", "tkinter", "turtledemo", "ensurepip",
    "lib2to3", "pydoc_data",
}  # fmt: skip
_LDD_PATH = re.compile(r"(/\S+)")


def busybox_binary() -> Path:
    """Debian's busybox-static (a dynamically linked busybox would not run in the image)."""
    for candidate in ("/bin/busybox", "/usr/bin/busybox"):
        path = Path(candidate)
        if path.is_file() and "not a dynamic" in _ldd_output(path):
            return path
    raise RuntimeError("no static busybox here: install it with `apt-get install busybox-static`")


def _ldd_output(path: Path) -> str:
    done = subprocess.run(["ldd", str(path)], capture_output=True, text=True, check=False)
    return done.stdout + done.stderr


def _shared_libraries(paths: Iterable[Path]) -> set[Path]:
    found = set()
    for path in paths:
        for line in _ldd_output(path).splitlines():
            match = _LDD_PATH.search(line.split("=>")[-1])
            if match and Path(match.group(1)).exists():
                found.add(Path(match.group(1)))
    return found


def _add_busybox(tar: tarfile.TarFile) -> None:
    busybox = busybox_binary()
    tar.add(busybox, "bin/busybox")
    applets = subprocess.run([busybox, "--list"], capture_output=True, text=True, check=True)
    for applet in applets.stdout.split():
        if applet != "busybox":
            _add_link(tar, f"bin/{applet}", "busybox")
    for folder, mode in (("tmp", 0o1777), ("etc", 0o755), ("root", 0o700)):
        info = tarfile.TarInfo(folder)
        info.type, info.mode = tarfile.DIRTYPE, mode
        tar.addfile(info)
    passwd = b"root:x:0:0:root:/root:/bin/sh\n"
    info = tarfile.TarInfo("etc/passwd")
    info.size = len(passwd)
    tar.addfile(info, io.BytesIO(passwd))


def _add_link(tar: tarfile.TarFile, name: str, target: str) -> None:
    info = tarfile.TarInfo(name)
    info.type, info.linkname = tarfile.SYMTYPE, target
    tar.addfile(info)


def _stdlib_files(stdlib: Path) -> Iterator[Path]:
    for root, dirs, files in os.walk(stdlib):
        dirs[:] = [d for d in dirs if d not in SKIPPED_STDLIB and not d.startswith("config-")]
        for name in files:
            if not name.endswith((".opt-1.pyc", ".opt-2.pyc")):
                yield Path(root) / name


def _add_python(tar: tarfile.TarFile) -> None:
    """This machine's Python at its own paths, its stdlib and every library it loads."""
    executable = Path(os.path.realpath(sys.executable))
    stdlib = Path(sysconfig.get_paths()["stdlib"])
    modules = list(_stdlib_files(stdlib))
    for path in sorted({executable, *modules, *_shared_libraries([executable, *_so(modules)])}):
        tar.add(os.path.realpath(path), str(path).lstrip("/"), recursive=False)
    for name in ("usr/local/bin/python3", "usr/local/bin/python"):
        _add_link(tar, name, str(executable))


def _so(paths: Iterable[Path]) -> list[Path]:
    return [p for p in paths if p.suffix == ".so"]


def _fingerprint(fill: list[str], changes: list[str]) -> str:
    """What an image is built from: this file, the busybox and Python it copies."""
    python = os.path.realpath(sys.executable)
    facts = [Path(__file__).read_text(), *fill, *changes, sys.version, python]
    busybox = busybox_binary().stat()
    facts += [str(busybox.st_size), str(busybox.st_mtime_ns)]
    return hashlib.sha256("\0".join(facts).encode()).hexdigest()[:16]


def _held(name: str) -> tuple[str, str]:
    """The id and fingerprint of the image the engine holds under `name` ('' when none)."""
    label = f'{{{{.Id}}}} {{{{index .Config.Labels "{FINGERPRINT}"}}}}'
    done = subprocess.run(
        ["docker", "image", "inspect", "--format", label, name],
        capture_output=True,
        text=True,
        check=False,
    )
    image, _, fingerprint = done.stdout.strip().partition(" ")
    return (image, fingerprint) if done.returncode == 0 else ("", "")


def _import(name: str, fill: list[str], changes: list[str]) -> None:
    """Build the image unless the engine holds it already, built from the same things (an
    older build is removed, so sessions leave no untagged images behind)."""
    fingerprint = _fingerprint(fill, changes)
    old, held = _held(name)
    if held == fingerprint:
        return
    changes = [*changes, f"LABEL {FINGERPRINT}={fingerprint}"]
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        for part in fill:
            {"busybox": _add_busybox, "python": _add_python}[part](tar)
    options = [arg for change in changes for arg in ("--change", change)]
    subprocess.run(
        ["docker", "import", *options, "-", name],
        input=buffer.getvalue(),
        capture_output=True,
        check=True,
        timeout=300,
    )
    if old:
        subprocess.run(["docker", "rmi", old], capture_output=True, check=False)


def build_images() -> None:
    """Build the test images this engine lacks: a second or two for busybox, a few for
    Python; an engine that holds them from an earlier session keeps them."""
    env = f"ENV PATH={PATH}"
    _import(BUSYBOX, ["busybox"], [env])
    _import(ENTRYPOINT, ["busybox"], [env, 'ENTRYPOINT ["/bin/echo", "entrypoint:"]'])
    _import(PYTHON, ["busybox", "python"], [env, "ENV PYTHONDONTWRITEBYTECODE=1"])
