"""Compile KFP v1 Python pipelines with the real kfp SDK and print the Argo Workflows.

Run with the interpreter of a virtualenv holding kfp==1.8.22 (never with yamlpipe's):

    python kfp_workflows.py PIPELINE.py...

Each file defines `pipeline` (a @dsl.pipeline function), or exactly one @dsl.pipeline
function of any name, and may define `PIPELINE_CONF` (a dsl.PipelineConf). Prints
``{path: workflow}`` as JSON with the paths as given, and ``kfp_workflows: kfp==VERSION`` on
stderr. It never imports yamlpipe: it is the reference half of tests/test_compile_interop.py
and tests/test_kfp_programs.py.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import os
import sys
import warnings
from pathlib import Path
from typing import Any

USAGE = "usage: python kfp_workflows.py PIPELINE.py..."


def compile_one(path: str) -> dict[str, Any]:
    """The Workflow kfp compiles for the file's `pipeline`, as a plain dict."""
    from kfp import compiler

    file = Path(path).resolve()
    sys.path.insert(0, str(file.parent))
    previous = Path.cwd()
    os.chdir(file.parent)  # twins load component files by relative path
    try:
        spec = importlib.util.spec_from_file_location(file.stem.replace("-", "_"), file)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        conf = getattr(module, "PIPELINE_CONF", None)
        workflow: dict[str, Any] = compiler.Compiler()._create_workflow(
            pipeline_function(module), pipeline_conf=conf
        )
        return workflow
    finally:
        os.chdir(previous)
        sys.path.remove(str(file.parent))


def pipeline_function(module: Any) -> Any:
    """`pipeline`, else the one function of the module that @dsl.pipeline marked."""
    if hasattr(module, "pipeline"):
        return module.pipeline
    found = [
        value
        for value in vars(module).values()
        if callable(value)
        and getattr(value, "__module__", None) == module.__name__
        and getattr(value, "_component_human_name", None)
        and not hasattr(value, "component_spec")
    ]
    if len(found) != 1:
        raise SystemExit(f"{module.__file__}: expected one @dsl.pipeline function")
    return found[0]


def main(argv: list[str]) -> int:
    """Print the JSON of every file's Workflow; exit 2 on a usage error."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    # kfp prints deprecation notices on import; keep stdout for the JSON alone.
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import kfp

        print(f"kfp_workflows: kfp=={kfp.__version__}", file=sys.stderr)
        report = {path: compile_one(path) for path in argv}
    json.dump(report, sys.stdout, indent=1, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
