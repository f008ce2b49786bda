#!/usr/bin/env python3
"""Hostile-input benchmark: how fast, and in how much memory, yamlpipe refuses each input of
issue 13 ("Hardening").

Every case of tests/hostile_cases.py (an alias bomb, 30,000 nested brackets, a tampered
cache entry, references out of the project, servers that trickle or stall, special files,
files libyaml refuses, ...) is made in its own folder and run as a separate process,
`python -m yamlpipe ARGS`, under a 2 GB address-space limit. For each the script reads the
wall time and the peak resident memory of that process (os.wait4), checks the exit code and
the message, and prints a Markdown table. Target: every refusal in under 1 s and 200 MB.

Cases that fetch use the loopback server of tests/httpserver.py, with a 1 s deadline per file
(`fetch: total_timeout: 1` in the case's yamlpipe.yaml): their time is that deadline.

Usage: python bench/hostile.py [--only TEXT] [--keep]
Needs the test extra (`pip install -e '.[test]'`): it reuses the tests' server and cases.
"""

from __future__ import annotations

import argparse
import platform
import re
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))

from hostile_cases import Case, make_cases, run_case  # noqa: E402
from httpserver import LocalServer  # noqa: E402

TARGET_SECONDS = 1.0
TARGET_MB = 200.0


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:40]


def run(case: Case, root: Path, server: LocalServer) -> tuple[str, ...]:
    """One row of the table: the case, its exit code, time, memory, and whether it held."""
    folder = root / slug(case.name)
    folder.mkdir()
    case.make(folder, server)
    code, output, seconds, peak = run_case(case, folder)
    problems = []
    if code != case.exit_code:
        problems.append(f"exit {code}, expected {case.exit_code}")
    if case.says not in output:
        problems.append(f"no {case.says!r} in the output")
    if case.after is not None:
        try:
            case.after(folder)
        except AssertionError as exc:
            problems.append(str(exc))
    fast = "yes" if seconds < TARGET_SECONDS and peak < TARGET_MB else "no"
    verdict = "; ".join(problems) or "as expected"
    first = output.strip().splitlines()[0][:70] if output.strip() else ""
    name = case.name.replace("|", "\\|")
    return (str(case.item), name, str(code), f"{seconds:.2f}", f"{peak:.0f}", fast, verdict, first)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--only", help="run only the cases whose name contains this text")
    parser.add_argument("--keep", action="store_true", help="keep the case folders")
    args = parser.parse_args()
    cases = [c for c in make_cases() if not args.only or args.only in c.name]
    root = Path(tempfile.mkdtemp(prefix="yamlpipe-hostile-"))
    server = LocalServer().start()
    rows = []
    try:
        for case in cases:
            rows.append(run(case, root, server))
            print(f"  {rows[-1][1]}: {rows[-1][3]} s, {rows[-1][4]} MB", file=sys.stderr)
    finally:
        server.stop()
        if args.keep:
            print(f"case folders: {root}", file=sys.stderr)
        else:
            shutil.rmtree(root, ignore_errors=True)
    print(f"Python {platform.python_version()}, {platform.system()} {platform.machine()}\n")
    print("| item | hostile input | exit | time s | peak MB | < 1 s and < 200 MB | check |")
    print("| ---: | --- | ---: | ---: | ---: | --- | --- |")
    for item, name, code, seconds, peak, fast, verdict, _ in rows:
        print(f"| {item} | {name} | {code} | {seconds} | {peak} | {fast} | {verdict} |")
    failed = [r for r in rows if r[6] != "as expected"]
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
