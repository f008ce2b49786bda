"""Compile KFP v1 DSL programs into Argo packages with the real kfp SDK.

Run with the interpreter of a virtualenv holding kfp==1.8.22 (never with yamlpipe's):

    python kfp_packages.py OUT_DIR PROGRAM.py...

writes OUT_DIR/<program>.yaml for each program (its one @dsl.pipeline function, as KFP's
dsl-compile picks it) and prints {program: error} as JSON for those kfp refuses.
"""

from __future__ import annotations

import importlib.util
import json
import sys
import warnings
from pathlib import Path


def _pipeline_function(module: object) -> object:
    found = [
        v for v in vars(module).values() if callable(v) and hasattr(v, "_component_human_name")
    ]
    if len(found) != 1:
        raise ValueError(f"expected one @dsl.pipeline function, found {len(found)}")
    return found[0]


def compile_program(program: Path, out: Path) -> None:
    import kfp.compiler

    sys.path.insert(0, str(program.parent))
    try:
        spec = importlib.util.spec_from_file_location(program.stem, program)
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        kfp.compiler.Compiler().compile(_pipeline_function(module), str(out))
    finally:
        sys.path.remove(str(program.parent))


def main(argv: list[str]) -> int:
    warnings.simplefilter("ignore")
    out_dir = Path(argv[0])
    errors = {}
    for name in argv[1:]:
        program = Path(name)
        try:
            compile_program(program, out_dir / f"{program.stem}.yaml")
        except Exception as exc:  # report each refusal, keep compiling the others
            errors[program.stem] = f"{type(exc).__name__}: {exc}"
    print(json.dumps(errors))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
