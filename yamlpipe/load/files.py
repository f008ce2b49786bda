"""Files on disk, handled as if hostile: what is read, from where, and how outputs are written.

A FIFO named `x.yaml` would block a read forever, `/dev/zero` would fill memory, and a
folder or a socket has no text at all: a file is opened without blocking and checked on
the open descriptor (a swap between the check and the read changes nothing), and read up to
a cap. Outputs are written whole or not at all, and a path that cannot take one is a
located error, not a crash.
"""

from __future__ import annotations

import os
import secrets
import stat
from collections.abc import Iterable
from pathlib import Path

from yamlpipe.errors import Location, YamlpipeError
from yamlpipe.load.limits import MAX_FILE_BYTES

CONFIG_NAME = "yamlpipe.yaml"

_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0)
_KINDS = (
    (stat.S_ISDIR, "a folder"),
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
)


class UnreadableFile(OSError):
    """A path that is not a regular file, or a file over the size cap; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def kind_of(mode: int) -> str:
    """What a file is, in words, from its st_mode."""
    return next((name for test, name in _KINDS if test(mode)), "not a regular file")


def read_regular_file(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The bytes of a regular file of at most `limit` bytes.

    Raises UnreadableFile for anything else, and OSError when the file cannot be opened.
    """
    fd = os.open(path, _OPEN_FLAGS | getattr(os, "O_CLOEXEC", 0))
    try:
        mode = os.fstat(fd).st_mode
        if not stat.S_ISREG(mode):
            raise UnreadableFile(f"it is {kind_of(mode)}, not a regular file")
        os.set_blocking(fd, True)
        content = _read_up_to(fd, limit + 1)
    finally:
        os.close(fd)
    if len(content) > limit:
        raise UnreadableFile(f"it is over the {limit:,}-byte limit")
    return content


def _read_up_to(fd: int, size: int) -> bytes:
    """At most `size` bytes: a file in /proc says it is empty and may never end."""
    chunks, total = [], 0
    while total < size:
        chunk = os.read(fd, min(1 << 20, size - total))
        if not chunk:
            break
        chunks.append(chunk)
        total += len(chunk)
    return b"".join(chunks)


def source_text(path: str | os.PathLike[str]) -> str | None:
    """A file's text for showing its lines in messages (undecodable bytes replaced), or None
    when it is not a regular file of a readable size."""
    try:
        return read_regular_file(path).decode("utf-8", errors="replace")
    except OSError:
        return None


def describe_os_error(exc: OSError) -> str:
    """Why a file could not be read, in words (UnreadableFile's reason, else the OS's)."""
    if isinstance(exc, UnreadableFile):
        return exc.reason
    return exc.strerror or str(exc)


# ---- the project root: where local files may come from -------------------------------------


def find_upwards(start: Path, name: str) -> Path | None:
    """The nearest folder, from start's (start itself if a folder) upwards, holding `name`."""
    folder = (start if start.is_dir() else start.parent).resolve()
    for candidate in (folder, *folder.parents):
        if (candidate / name).exists():
            return candidate
    return None


def repository_root(start: Path) -> Path:
    """The git repository holding start, else start's folder (what a project is without a
    yamlpipe.yaml)."""
    found = find_upwards(start, ".git")
    return found or (start if start.is_dir() else start.parent).resolve()


def project_root(start: Path) -> Path:
    """The folder of the nearest yamlpipe.yaml, else of the git repository, else start's."""
    return find_upwards(start, CONFIG_NAME) or repository_root(start)


def is_within(path: Path, roots: Iterable[Path]) -> bool:
    """True when path, with every link followed, is inside one of the (resolved) roots."""
    real = path.resolve()
    return any(real.is_relative_to(root) for root in roots)


# ---- writing: whole files or nothing ---------------------------------------------------------


def write_atomically(path: Path, content: bytes, *, durable: bool = True) -> None:
    """Write to a temporary file beside path, then rename it over path in one step.

    Readers (and a second process writing the same file) see the old bytes or the new ones,
    never a part; a failure leaves no temporary file behind. A new file gets the mode the
    umask gives (not mkstemp's private 0600); a replaced one keeps its mode. `durable` also
    waits for the disk (fsync) before the rename, so that a power cut cannot leave it empty.
    """
    if not path.parent.is_dir():
        path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o666)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(content)
            if durable:
                handle.flush()
                os.fsync(handle.fileno())
        _keep_mode(path, tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _keep_mode(path: Path, tmp: Path) -> None:
    try:
        mode = path.stat().st_mode & 0o777
    except OSError:
        return
    os.chmod(tmp, mode)


def write_output(path: str | os.PathLike[str], content: bytes, display: str | None = None) -> None:
    """Write an output file atomically, or raise a located error saying why it cannot be
    written there (a folder, a FIFO, a path below a regular file, no permission, ...)."""
    target = Path(path)
    name = display or str(path)
    try:
        mode = target.stat().st_mode
    except OSError:
        mode = None
    if mode is not None and not stat.S_ISREG(mode):
        raise YamlpipeError(
            Location(name),
            f"cannot write the file: it is {kind_of(mode)}",
            "give the path of a file to write",
        )
    blocker = next((p for p in target.parents if p.exists() and not p.is_dir()), None)
    if blocker is not None:
        raise YamlpipeError(
            Location(name),
            f"cannot write the file: {blocker} is not a folder",
            "give the path of a file to write",
        )
    try:
        write_atomically(target, content)
    except OSError as exc:
        raise YamlpipeError(
            Location(name),
            f"cannot write the file: {exc.strerror or exc}",
            "check that the folder exists (or can be made) and is writable",
        ) from None
