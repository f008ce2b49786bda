"""Generate components from Python functions with the real kfp SDK and print their interfaces.

Run with the interpreter of a virtualenv holding kfp==1.8.22 (never with yamlpipe's):

    python kfp_generate.py MODULE.py FUNCTION...

prints ``{function: component dict}`` as JSON: what kfp's create_component_from_func makes
of each function, for tests/test_generate_component.py to compare with yamlpipe's.
"""

from __future__ import annotations

import contextlib
import importlib.util
import json
import sys
import warnings

USAGE = "usage: python kfp_generate.py MODULE.py FUNCTION..."


def main(argv: list[str]) -> int:
    """Print the JSON report; exit 2 on a usage error."""
    if len(argv) < 2:
        print(USAGE, file=sys.stderr)
        return 2
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import kfp
        from kfp.components import create_component_from_func

        print(f"kfp_generate: kfp=={kfp.__version__}", file=sys.stderr)
        spec = importlib.util.spec_from_file_location("functions_under_test", argv[0])
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        report = {
            name: create_component_from_func(getattr(module, name)).component_spec.to_dict()
            for name in argv[1:]
        }
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
