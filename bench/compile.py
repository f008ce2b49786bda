#!/usr/bin/env python3
"""Compile benchmark: `yamlpipe compile` against kfp==1.8.22 on generated pipelines.

Generates pipelines of 100, 1,000, 2,000 and 10,000 tasks (deterministic: a fan-out into
chains, every task after the first taking the previous one's output as a file and its index
by value, one `after` edge across chains every 10 tasks; every task runs one shared
component), as a yamlpipe YAML file and as the equivalent KFP v1 Python file. For each size
it measures, each in a fresh process:

  * `yamlpipe compile pN.yaml -o out.yaml --allow-large`: wall time and peak memory (RSS)
  * yamlpipe's compile alone (compile + write, after loading and linking), in-process
  * kfp==1.8.22 `Compiler().compile(pipeline, 'out.yaml')` (up to --kfp-max tasks): wall
    time of the whole process and peak memory

and prints a Markdown table with output bytes per task for both, then the targets: 2,000
tasks at least 40x faster than kfp, 10,000 tasks under 5 s and 500 MB, time linear in tasks
(10,000/1,000 ratio at most 12), bytes per task at most a third of kfp's.

Usage: python bench/compile.py [--sizes 100,1000,2000,10000] [--kfp-max 2000] [--out DIR]
kfp's interpreter: YAMLPIPE_KFP_PYTHON, else <repo>/.venv-kfp/bin/python (skipped if absent).
Stdlib only; takes 2-4 minutes (kfp's 2,000 tasks alone take about a minute).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
SIZES = (100, 1000, 2000, 10000)
KFP_MAX = 2000
CROSS_EDGE_EVERY = 10
COMPONENT = """\
name: Step
description: One step of the benchmark; reads the previous step's file, appends its index.
inputs:
- {name: data, type: Dataset, optional: true}
- {name: index, type: Integer}
- {name: label, type: String, default: step}
outputs:
- {name: out, type: Dataset}
- {name: count, type: Integer}
implementation:
  container:
    image: python:3.11-slim
    command:
    - sh
    - -c
    - |
      set -e
      mkdir -p "$(dirname "$2")" "$(dirname "$3")"
      if [ -n "$0" ]; then cat "$0" > "$2"; fi
      echo "$1" >> "$2"
      wc -l < "$2" > "$3"
    - if: {cond: {isPresent: data}, then: [{inputPath: data}], else: [""]}
    - {inputValue: index}
    - {outputPath: out}
    - {outputPath: count}
"""
KFP_COMPILE = """\
import sys, warnings
warnings.simplefilter("ignore")
import importlib.util
from kfp import compiler
spec = importlib.util.spec_from_file_location("bench_pipeline", sys.argv[1])
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
compiler.Compiler().compile(module.pipeline, sys.argv[2])
"""
COMPILE_ONLY = """\
import json, sys, time
from yamlpipe.api import Workspace, ResolveOptions
from yamlpipe.api.compile import package_graph
report = Workspace(ResolveOptions()).check(sys.argv[1])
start = time.perf_counter()
package, _ = package_graph(report.link.graph, "yaml")
print(json.dumps({"seconds": time.perf_counter() - start, "bytes": len(package.data)}))
"""


def edges(tasks: int) -> list[tuple[int, int | None, int | None]]:
    """(task, the task whose output it reads, a task it also runs after) for every task."""
    width = max(1, tasks // 50)
    chains: list[list[int]] = [[] for _ in range(width)]
    result: list[tuple[int, int | None, int | None]] = [(0, None, None)]
    for i in range(1, tasks):
        chain = chains[i % width]
        previous = chain[-1] if chain else 0
        other_chain = chains[(i + 1) % width]
        other = other_chain[-1] if other_chain else None
        cross = other if i % CROSS_EDGE_EVERY == 0 and other not in (None, previous) else None
        result.append((i, previous, cross))
        chain.append(i)
    return result


def yaml_pipeline(tasks: int) -> str:
    lines = [f"name: bench-{tasks}", "tasks:"]
    for i, previous, cross in edges(tasks):
        lines += [f"  t{i}:", "    component: step.yaml"]
        if previous is None:
            lines.append(f"    arguments: {{index: {i}}}")
        else:
            data = "${{ tasks.t" + str(previous) + ".outputs.out }}"
            lines.append(f'    arguments: {{data: "{data}", index: {i}}}')
        if cross is not None:
            lines.append(f"    after: [t{cross}]")
    return "\n".join(lines) + "\n"


def kfp_pipeline(tasks: int) -> str:
    return (
        "from kfp import components, dsl\n"
        "step = components.load_component_from_file(__file__.rsplit('/', 1)[0] + '/step.yaml')\n"
        f"EDGES = {edges(tasks)!r}\n\n"
        f"@dsl.pipeline(name='bench-{tasks}')\n"
        "def pipeline():\n"
        "    ops = {}\n"
        "    for i, previous, cross in EDGES:\n"
        "        if previous is None:\n"
        "            ops[i] = step(index=i)\n"
        "        else:\n"
        "            ops[i] = step(data=ops[previous].outputs['out'], index=i)\n"
        "        if cross is not None:\n"
        "            ops[i].after(ops[cross])\n"
    )


def run_with_rusage(command: list[str], cwd: Path) -> dict[str, Any]:
    """Wall time and peak RSS of one process (wait4 reports that child's own maximum)."""
    start = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(process.pid, 0)
    seconds = time.perf_counter() - start
    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = process.stdout.read(), process.stderr.read()
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{stderr.decode(errors='replace')}")
    return {"seconds": seconds, "rss_mb": usage.ru_maxrss / 1024, "stdout": stdout.decode()}


def yamlpipe_command() -> list[str]:
    return [sys.executable, "-m", "yamlpipe"]


def find_kfp_python() -> Path | None:
    configured = os.environ.get("YAMLPIPE_KFP_PYTHON")
    candidate = Path(configured) if configured else REPO / ".venv-kfp" / "bin" / "python"
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def bench_size(tasks: int, folder: Path, kfp: Path | None, kfp_max: int) -> dict[str, Any]:
    (folder / f"p{tasks}.yaml").write_text(yaml_pipeline(tasks))
    out = folder / f"yamlpipe-{tasks}.yaml"
    whole = run_with_rusage(
        [*yamlpipe_command(), "compile", f"p{tasks}.yaml", "-o", out.name, "--allow-large"], folder
    )
    only = run_with_rusage([sys.executable, "-c", COMPILE_ONLY, f"p{tasks}.yaml"], folder)
    row: dict[str, Any] = {
        "tasks": tasks,
        "yamlpipe_s": whole["seconds"],
        "yamlpipe_mb": whole["rss_mb"],
        "compile_only_s": json.loads(only["stdout"])["seconds"],
        "yamlpipe_bytes_per_task": out.stat().st_size / tasks,
    }
    if kfp is not None and tasks <= kfp_max:
        (folder / f"p{tasks}.py").write_text(kfp_pipeline(tasks))
        kfp_out = folder / f"kfp-{tasks}.yaml"
        result = run_with_rusage(
            [str(kfp), "-c", KFP_COMPILE, f"p{tasks}.py", kfp_out.name], folder
        )
        row.update(
            kfp_s=result["seconds"],
            kfp_mb=result["rss_mb"],
            kfp_bytes_per_task=kfp_out.stat().st_size / tasks,
        )
    return row


def _cell(value: Any, fmt: str) -> str:
    return "—" if value is None else format(value, fmt)


def table(rows: list[dict[str, Any]]) -> str:
    lines = [
        "| tasks | yamlpipe (process) | compile only | peak RSS | bytes/task | kfp 1.8.22 "
        "| kfp peak RSS | kfp bytes/task | speed-up |",
        "| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for row in rows:
        kfp_s = row.get("kfp_s")
        speedup = None if kfp_s is None else kfp_s / row["yamlpipe_s"]
        lines.append(
            f"| {row['tasks']:,} | {row['yamlpipe_s']:.2f} s | {row['compile_only_s']:.2f} s "
            f"| {row['yamlpipe_mb']:.0f} MB | {row['yamlpipe_bytes_per_task']:.0f} "
            f"| {_cell(kfp_s, '.1f')} s | {_cell(row.get('kfp_mb'), '.0f')} MB "
            f"| {_cell(row.get('kfp_bytes_per_task'), '.0f')} | {_cell(speedup, '.0f')}x |"
        )
    return "\n".join(lines)


def targets(rows: list[dict[str, Any]]) -> list[str]:
    by_size = {row["tasks"]: row for row in rows}
    checks = []
    if 2000 in by_size and "kfp_s" in by_size[2000]:
        speedup = by_size[2000]["kfp_s"] / by_size[2000]["yamlpipe_s"]
        checks.append(f"2,000 tasks {speedup:.0f}x faster than kfp (target >= 40x)")
    if 10000 in by_size:
        row = by_size[10000]
        checks.append(
            f"10,000 tasks: {row['yamlpipe_s']:.2f} s (target < 5 s), "
            f"{row['yamlpipe_mb']:.0f} MB (target < 500 MB)"
        )
    if 10000 in by_size and 1000 in by_size:
        ratio = by_size[10000]["yamlpipe_s"] / by_size[1000]["yamlpipe_s"]
        only = by_size[10000]["compile_only_s"] / by_size[1000]["compile_only_s"]
        checks.append(
            f"10,000/1,000 time ratio {ratio:.1f} (compile only {only:.1f}; target <= 12)"
        )
    ratios = [
        row["yamlpipe_bytes_per_task"] / row["kfp_bytes_per_task"]
        for row in rows
        if "kfp_bytes_per_task" in row
    ]
    if ratios:
        checks.append(f"bytes per task {max(ratios):.2f} of kfp's at most (target <= 0.33)")
    return checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, SIZES)))
    parser.add_argument("--kfp-max", type=int, default=KFP_MAX)
    parser.add_argument("--out", type=Path, help="write results.md and results.json here")
    options = parser.parse_args()
    kfp = find_kfp_python()
    rows = []
    with tempfile.TemporaryDirectory(prefix="yamlpipe-bench-") as temporary:
        folder = Path(temporary)
        (folder / "step.yaml").write_text(COMPONENT)
        for size in (int(s) for s in options.sizes.split(",")):
            rows.append(bench_size(size, folder, kfp, options.kfp_max))
            print(f"{size} tasks done", file=sys.stderr)
    header = f"Python {platform.python_version()}, {os.cpu_count()} CPUs, {platform.machine()}"
    report = "\n".join([header, "", table(rows), "", *(f"- {t}" for t in targets(rows))])
    if kfp is None:
        report += "\n\n(kfp not found: set YAMLPIPE_KFP_PYTHON to compare with kfp==1.8.22)"
    print(report)
    if options.out is not None:
        options.out.mkdir(parents=True, exist_ok=True)
        (options.out / "results.md").write_text(report + "\n")
        (options.out / "results.json").write_text(json.dumps(rows, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
