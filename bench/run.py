#!/usr/bin/env python3
"""Runner benchmark: what `yamlpipe run` adds on top of starting the processes it runs.

Workloads (generated pipelines of inline containers, subprocess backend):

  * 500 no-op tasks (`true`) as a fan-out and as a chain (each task after the previous one),
    against the bare cost of starting the same 500 processes from Python in the same run
    (the fan-out as many at once as --jobs, the chain one after another): the runner's
    overhead per task, goal at most 5 ms;
  * 20 independent tasks of 0.5 s each with --jobs 1 and --jobs 2: speed-up, goal >= 1.8x;
  * the 500-task fan-out run again with everything cached: goal under 1 s.

Times are of the run itself (the pipeline compiled once beforehand, the store opened), and of
the whole `yamlpipe run` command for the cached re-run. KFP 1.8 has no local runner to compare
with. Prints a Markdown table.

Usage: python bench/run.py [--tasks 500] [--jobs 2] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from yamlpipe.api.run import prepare_run, run_prepared
from yamlpipe.run.runner import RunOptions
from yamlpipe.run.store import RunStore


def pipeline(tasks: int, chain: bool, command: str = "true") -> str:
    lines = ["name: bench", "tasks:"]
    for i in range(tasks):
        after = f", after: [t{i - 1}]" if chain and i else ""
        lines.append(
            f"  t{i}: {{container: {{image: alpine, command: [sh, -c, '{command}']}}{after}}}"
        )
    return "\n".join(lines) + "\n"


def bare(tasks: int, jobs: int, command: str = "true") -> float:
    """Seconds to start and wait for `tasks` processes, `jobs` at a time."""

    def one(_: int) -> None:
        subprocess.run(["sh", "-c", command], check=True)

    start = time.perf_counter()
    with ThreadPoolExecutor(max_workers=jobs) as pool:
        list(pool.map(one, range(tasks)))
    return time.perf_counter() - start


def timed_run(folder: Path, text: str, jobs: int, cache: bool = False) -> float:
    """Seconds of one run of the pipeline (compiled beforehand), in a fresh project."""
    path = folder / "p.yaml"
    path.write_text(text, encoding="utf-8")
    prepared = prepare_run(path)
    assert prepared.ok, prepared.report.problems
    with RunStore(folder) as store:
        start = time.perf_counter()
        result = run_prepared(prepared, {}, RunOptions(jobs=jobs, use_cache=cache), store=store)
        took = time.perf_counter() - start
    assert result.phase == "Succeeded", result.record.message
    return took


def best(times: list[float]) -> float:
    return min(times)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=500)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        for shape, chain, jobs in (("fan-out", False, args.jobs), ("chain", True, 1)):
            runs, bares = [], []
            for n in range(args.repeat):
                folder = root / f"{shape}-{n}"
                folder.mkdir()
                runs.append(timed_run(folder, pipeline(args.tasks, chain), args.jobs))
                bares.append(bare(args.tasks, jobs))
            overhead = (best(runs) - best(bares)) / args.tasks * 1000
            rows.append(
                (f"{args.tasks} no-op tasks, {shape}", f"{best(runs):.2f} s",
                 f"{best(bares):.2f} s", f"{overhead:.1f} ms per task", "<= 5 ms")
            )  # fmt: skip
        sleepy = pipeline(20, False, "sleep 0.5")
        one = best([timed_run(_fresh(root, f"j1-{n}"), sleepy, 1) for n in range(args.repeat)])
        two = best([timed_run(_fresh(root, f"j2-{n}"), sleepy, 2) for n in range(args.repeat)])
        rows.append(("20 tasks of 0.5 s", f"--jobs 1: {one:.2f} s", f"--jobs 2: {two:.2f} s",
                     f"{one / two:.2f}x", ">= 1.8x"))  # fmt: skip
        rows.append(_cached(root, args))
    print("| workload | runner | reference | result | goal |")
    print("| --- | --- | --- | --- | --- |")
    for row in rows:
        print("| " + " | ".join(row) + " |")
    print(f"\n{os.cpu_count()} cores, Python {sys.version.split()[0]}, best of {args.repeat}")
    return 0


def _fresh(root: Path, name: str) -> Path:
    folder = root / name
    folder.mkdir()
    return folder


def _cached(root: Path, args: argparse.Namespace) -> tuple[str, ...]:
    """A fully cached re-run of the fan-out: the run alone, and the whole command."""
    folder = _fresh(root, "cached")
    text = pipeline(args.tasks, False)
    timed_run(folder, text, args.jobs, cache=True)
    inner = best([timed_run(folder, text, args.jobs, cache=True) for _ in range(args.repeat)])
    command = [sys.executable, "-m", "yamlpipe", "run", str(folder / "p.yaml"), "-q"]
    # A private bytecode cache, filled by the warm-up: an editable install under
    # PYTHONDONTWRITEBYTECODE=1 would otherwise compile every module on every start.
    env = {**os.environ, "PYTHONPYCACHEPREFIX": str(root / "pycache")}
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    subprocess.run(command, cwd=folder, check=True, capture_output=True, env=env)
    whole = []
    for _ in range(args.repeat):
        start = time.perf_counter()
        subprocess.run(command, cwd=folder, check=True, capture_output=True, env=env)
        whole.append(time.perf_counter() - start)
    return (f"{args.tasks} tasks, all cached", f"run: {inner:.2f} s",
            f"whole command: {best(whole):.2f} s", "", "< 1 s")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
