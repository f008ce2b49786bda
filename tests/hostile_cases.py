"""Hostile inputs (issue 13, "Hardening"), each a folder of files and a yamlpipe command line
that must end quickly with a located refusal, whatever the input tries.

Shared by tests/test_hostile.py (each case in a child process under a memory limit) and
bench/hostile.py (a table of time and peak memory). Standard library only: a case writes its
files into a folder and, for the ones that fetch, adds routes to a loopback server.
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Protocol

FAST_FETCH = "fetch: {connect_timeout: 1, read_timeout: 0.5, total_timeout: 1, retries: 1}\n"
COMPONENT = """\
name: Echo
inputs:
- {name: text, type: String}
implementation:
  container:
    image: alpine:3.20
    command: [echo, {inputValue: text}]
"""
LAUGHS = "name: lol\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n" + "".join(
    f"{c}: &{c} [{', '.join([f'*{p}'] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=True)
)
"""A "billion laughs": 342 bytes that expand to 387 million values."""
DEEP = "[" * 30_000 + "]" * 30_000 + "\n"
"""30,000 nested lists in 60 KB: libyaml's recursive composer crashed on it (SIGSEGV)."""


class Server(Protocol):
    """What a case needs of the loopback server (tests/httpserver.py's LocalServer)."""

    def add(self, path: str, body: bytes | str = b"", **behaviour: object) -> str: ...


@dataclass(frozen=True)
class Case:
    """One hostile input: what it is, how to make it, and what yamlpipe must answer."""

    name: str
    item: int
    """The item of issue 13 it comes from."""
    argv: tuple[str, ...]
    make: Callable[[Path, Server], None]
    exit_code: int = 1
    says: str = ""
    """Text the output must hold."""
    env: tuple[tuple[str, str], ...] = ()
    after: Callable[[Path], None] | None = field(default=None, compare=False)
    """A check on the folder afterwards (a file that must still exist, ...)."""
    refused: bool = True
    """False for a big input that is valid (it is measured, not refused within the bounds)."""


def pipeline(*references: str) -> str:
    tasks = "".join(
        f"  t{i}:\n    component: {ref}\n    arguments: {{text: hi}}\n"
        for i, ref in enumerate(references)
    )
    return f"name: p\ntasks:\n{tasks}"


def write(folder: Path, files: dict[str, str | bytes]) -> None:
    for name, content in files.items():
        path = folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        data = content.encode("utf-8") if isinstance(content, str) else content
        path.write_bytes(data)


def files(contents: dict[str, str | bytes]) -> Callable[[Path, Server], None]:
    """A case that is just files."""
    return lambda folder, server: write(folder, contents)


def fetched(body: str, **behaviour: object) -> Callable[[Path, Server], None]:
    """A pipeline using a component served (in some hostile way) by the loopback server."""

    def make(folder: Path, server: Server) -> None:
        url = server.add(f"/{folder.name}.yaml", body, **behaviour)
        write(folder, {"yamlpipe.yaml": FAST_FETCH, "p.yaml": pipeline(url)})

    return make


def tampered_cache(folder: Path, server: Server) -> None:
    """A cache URL entry whose digest points at a file outside the cache."""
    url = server.add(f"/{folder.name}.yaml", COMPONENT)
    write(folder, {"yamlpipe.yaml": FAST_FETCH, "p.yaml": pipeline(url)})
    subprocess.run(  # fill the cache
        [sys.executable, "-m", "yamlpipe", "validate", "p.yaml"],
        cwd=folder,
        env=case_env(folder),
        capture_output=True,
        check=True,
        timeout=60,
    )
    (folder / "precious.txt").write_text("keep me\n")
    escape = "../../precious.txt"
    digest = "./" * ((64 - len(escape)) // 2) + escape
    for entry in (folder / ".cache" / "urls").iterdir():
        entry.write_text(f"{digest} {url}\n")


def precious_kept(folder: Path) -> None:
    assert (folder / "precious.txt").read_text() == "keep me\n", "the cache deleted a file"


def secret_link(folder: Path, server: Server) -> None:
    secret = folder.parent / f"{folder.name}-secret"
    secret.write_text("https://user:TOKEN123@git.example.com\n")
    write(folder, {"yamlpipe.yaml": "{}\n", "p.yaml": pipeline("c.yaml")})
    (folder / "c.yaml").symlink_to(secret)


def fifo_among_files(folder: Path, server: Server) -> None:
    write(folder, {"ok.yaml": COMPONENT})
    os.mkfifo(folder / "fifo.yaml")


def fifo_output(folder: Path, server: Server) -> None:
    write(folder, {"p.yaml": "name: p\ntasks:\n  a: {container: {image: alpine}}\n"})
    os.mkfifo(folder / "out.yaml")


def hand_written_beside(folder: Path, server: Server) -> None:
    write(
        folder,
        {
            "steps.py": "from yamlpipe import dsl\nfrom yamlpipe.components import "
            "create_component_from_func\n\ndef double(x: int) -> int:\n    return 2 * x\n\n"
            "double_op = create_component_from_func(double)\n\n@dsl.pipeline(name='p')\n"
            "def p(n: int = 1):\n    double_op(n)\n",
            "components/double.yaml": "# mine, by hand\n",
        },
    )


def big_catalog(entries: int) -> Callable[[Path, Server], None]:
    def make(folder: Path, server: Server) -> None:
        digest = hashlib.sha256(b"x").hexdigest()
        lines = ["components:"] + [
            f"- {{name: c{i}, version: 1.0.{i % 7}, url: c{i}.yaml, sha256: '{digest}', "
            f"description: Component number {i}}}"
            for i in range(entries)
        ]
        write(folder, {"catalog.yaml": "\n".join(lines) + "\n"})

    return make


def rejected_by_libyaml(megabytes: float, at_start: bool) -> Callable[[Path, Server], None]:
    """Valid YAML 1.2 that libyaml refuses (`[--url, http://x]`), in a big file."""
    filler = "".join(f"k{i}: {'v' * 60}\n" for i in range(int(megabytes * 1_000_000 / 70)))
    bad = "command: [--url, http://x]\n"
    return files({"big.yaml": bad + filler if at_start else filler + bad})


def run_case(case: Case, folder: Path, timeout: float = 120) -> tuple[int, str, float, float]:
    """Run the case's command in a child process: (exit code, output, seconds, peak MB)."""
    out, peak = folder.parent / f"{folder.name}.out", folder.parent / f"{folder.name}.peak"
    env = {**case_env(folder), **dict(case.env), "YAMLPIPE_PEAK_FILE": str(peak)}
    with out.open("wb") as sink:
        started = time.perf_counter()
        child = subprocess.Popen(
            [sys.executable, "-c", LIMITED_YAMLPIPE, *case.argv],
            cwd=folder,
            env=env,
            stdout=sink,
            stderr=subprocess.STDOUT,
        )
        try:
            code = child.wait(timeout)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()
            raise
        seconds = time.perf_counter() - started
    kilobytes = peak.read_text().strip() if peak.exists() else ""
    megabytes = int(kilobytes) / 1024 if kilobytes.isdigit() else float("nan")
    return code, out.read_text(errors="replace"), seconds, megabytes


MEMORY_LIMIT = 2 * 1024**3
"""Address space of a child: a safety net (the bound that matters is on resident memory)."""
LIMITED_YAMLPIPE = (
    "import os, resource, runpy, sys\n"
    f"resource.setrlimit(resource.RLIMIT_AS, ({MEMORY_LIMIT}, {MEMORY_LIMIT}))\n"
    "sys.argv = ['yamlpipe', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('yamlpipe', run_name='__main__', alter_sys=True)\n"
    "finally:\n"
    "    peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM:')]\n"
    "    open(os.environ['YAMLPIPE_PEAK_FILE'], 'w').write(peak[0].split()[1] if peak else '')\n"
)
"""`python -m yamlpipe ARGS` with the limit set before yamlpipe is imported (a preexec_fn
is unsafe while the loopback server's threads run), writing its own peak resident memory
(VmHWM, in kB) on the way out: wait4's figure would include the parent's, copied at fork."""


def case_env(folder: Path) -> dict[str, str]:
    """The environment of a case: its own cache and bug log, no colour, no proxy."""
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy")}
    cache = str(folder / ".cache")
    return {**env, "YAMLPIPE_CACHE_DIR": cache, "XDG_CACHE_HOME": cache, "NO_COLOR": "1"}


def make_cases() -> Sequence[Case]:
    """Every hostile input, most severe first."""
    return [
        Case("alias bomb (local, --no-resolve)", 1, ("validate", "--no-resolve", "bomb.yaml"),
             files({"bomb.yaml": LAUGHS}), says="YAML aliases copy more than 10,000 values"),
        Case("alias bomb (fetched)", 1, ("validate", "p.yaml"), fetched(LAUGHS),
             says="YAML aliases copy more than 10,000 values"),
        Case("30,000 nested [ (local)", 2, ("validate", "--no-resolve", "deep.yaml"),
             files({"deep.yaml": DEEP}), says="nests more than 100 levels"),
        Case("30,000 nested [ (fetched)", 2, ("validate", "p.yaml"), fetched(DEEP),
             says="nests more than 100 levels"),
        Case("tampered cache entry (--offline)", 3, ("validate", "--offline", "p.yaml"),
             tampered_cache, says="is not in the cache", after=precious_kept),
        Case("reference ../../../../etc/passwd", 4, ("validate", "p.yaml"),
             files({"yamlpipe.yaml": "{}\n", "p.yaml": pipeline("../../../../../../etc/passwd")}),
             says="points outside the project"),
        Case("link to a credentials file", 4, ("validate", "p.yaml"), secret_link,
             says="points outside the project"),
        Case("catalog at file:/etc/passwd", 4, ("validate", "p.yaml"),
             files({"yamlpipe.yaml": "catalogs: {x: 'file:/etc/passwd'}\n",
                    "p.yaml": pipeline("x/echo")}), says="cannot be 'file:/etc/passwd'"),
        Case("outputs 'o 1' and 'o-1'", 5, ("validate", "c.yaml"),
             files({"c.yaml": "name: c\noutputs: [{name: o 1}, {name: o-1}]\nimplementation:\n"
                    "  container: {image: alpine}\n"}), says="both become the Argo output name"),
        Case("server trickling a byte a second", 6, ("validate", "p.yaml"),
             fetched(COMPONENT, trickle=0.2), says="took longer than the 1 s allowed"),
        Case("server that never answers", 6, ("validate", "p.yaml"),
             fetched(COMPONENT, delay=60), says="took longer than the 1 s allowed"),
        Case("lock with catalogs: 5", 8, ("lock",),
             files({"yamlpipe.yaml": "catalogs: 5\n", "p.yaml": COMPONENT}),
             says="'catalogs' must be a map"),
        Case("lock --check with a garbage lock", 8, ("lock", "--check"),
             files({"yamlpipe.yaml": "{}\n", "yamlpipe.lock": "garbage: [\n", "c.yaml": COMPONENT}),
             says="yamlpipe.lock:1:10"),
        Case("generate over a hand-written file", 9,
             ("generate", "pipeline", "steps.py:p", "-o", "p.yaml"), hand_written_beside,
             says="was not written by `yamlpipe generate`"),
        Case("5,000-digit integer", 10, ("validate", "--no-resolve", "c.yaml"),
             files({"c.yaml": COMPONENT + "version: " + "9" * 5000 + "\n"}),
             says="has 5,000 digits"),
        Case("default of 10**5000 (generate)", 10, ("generate", "component", "f.py:f"),
             files({"f.py": "def f(x: int = 10**5000) -> int:\n    return x\n"}),
             says="too large to write"),
        Case("compile -o onto a folder", 10, ("compile", "p.yaml", "-o", "out.yaml"),
             files({"p.yaml": "name: p\ntasks:\n  a: {container: {image: alpine}}\n",
                    "out.yaml/keep": ""}), says="it is a folder"),
        Case("compile -o under /proc", 10, ("compile", "p.yaml", "-o", "/proc/p.yaml"),
             files({"p.yaml": "name: p\ntasks:\n  a: {container: {image: alpine}}\n"}),
             says="cannot write the file"),
        Case("a FIFO among the files", 11, ("validate", "."), fifo_among_files,
             says="it is a FIFO"),
        Case("compile -o onto a FIFO", 11, ("compile", "p.yaml", "-o", "out.yaml"), fifo_output,
             says="it is a FIFO"),
        Case("validate /dev/zero", 11, ("validate", "/dev/zero"), files({}),
             says="it is a character device"),
        Case("catalog at /dev/zero", 11, ("validate", "p.yaml"),
             files({"yamlpipe.yaml": "catalogs: {z: /dev/zero}\nallowed_roots: [/dev]\n",
                    "p.yaml": pipeline("z/echo")}), says="not a regular file"),
        Case("6 MB file", 11, ("validate", "--no-resolve", "big.yaml"),
             files({"big.yaml": "# " + "x" * 6_000_000 + "\n"}), says="5,000,000-byte limit"),
        Case("4.9 MB libyaml refuses (error first)", 12,
             ("validate", "--no-resolve", "big.yaml"), rejected_by_libyaml(4.9, True),
             says="unexpected ':'"),
        Case("4.9 MB libyaml refuses (error last)", 12,
             ("validate", "--no-resolve", "big.yaml"), rejected_by_libyaml(4.9, False),
             says="unexpected ':'"),
        Case("retry: 10**100, timeout: 10**30s", 13, ("validate", "--no-resolve", "p.yaml"),
             files({"p.yaml": "name: p\ndefaults: {retry: 1" + "0" * 100 + ", timeout: 1"
                    + "0" * 30 + "s}\ntasks:\n  a: {container: {image: alpine}}\n"}),
             says="greater than the maximum of 100"),
        Case('lone surrogate "\\ud800"', 13, ("validate", "--no-resolve", "c.yaml"),
             files({"c.yaml": 'description: "\\ud800"\n' + COMPONENT}), says="lone surrogate"),
        Case("{{=sprig...}} in an argument (--strict)", 14,
             ("validate", "--strict", "--no-resolve", "p.yaml"),
             files({"p.yaml": "name: p\ntasks:\n  a:\n    container: {image: alpine, "
                    "command: [echo, '{{=sprig.date()}}']}\n"}), says="Argo template syntax"),
        Case("os._exit(0) at import (generate)", 15, ("generate", "component", "f.py:f"),
             files({"f.py": "import os\nos._exit(0)\ndef f(a: int) -> int:\n    return a\n"}),
             says="calls os._exit(0)"),
        Case("fetch: {parallel: 100000000}", 16, ("validate", "p.yaml"),
             files({"yamlpipe.yaml": "fetch: {parallel: 100000000}\n", "p.yaml": COMPONENT}),
             says="greater than the maximum of 64"),
        Case("catalog list, 25,000 entries (4.3 MB)", 16, ("catalog", "list", "catalog.yaml"),
             big_catalog(25_000), exit_code=0, says="25000 entries", refused=False),
        Case("ESC and BEL in a file", 18, ("validate", "--no-resolve", "c.yaml"),
             files({"c.yaml": COMPONENT.replace("alpine", "\x1b[2J\x07alpine")}),
             says="U+001B is not allowed"),
    ]  # fmt: skip
