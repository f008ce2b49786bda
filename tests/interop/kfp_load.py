"""Load KFP v1 component files with the real kfp SDK and report, as JSON, which it accepts.

Run with the interpreter of a virtualenv holding kfp==1.8.22 (never with yamlpipe's):

    python kfp_load.py FILE...

prints one JSON object ``{path: {"ok": bool, "error": str | null, "warnings": [str]}}``
with the paths exactly as given, and ``kfp_load: kfp==VERSION`` on stderr. It never imports
yamlpipe: it is the reference half of tests/test_kfp_differential.py.
"""

from __future__ import annotations

import contextlib
import json
import sys
import warnings

USAGE = "usage: python kfp_load.py FILE..."


def load_one(path: str) -> dict[str, object]:
    """Load one component file the way a KFP user does; never raise."""
    from kfp.components import load_component_from_file

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            load_component_from_file(path)
        except Exception as exc:  # anything kfp raises means "rejected"
            error: str | None = f"{type(exc).__name__}: {exc}"
        else:
            error = None
    notes = sorted({f"{w.category.__name__}: {w.message}" for w in caught})
    return {"ok": error is None, "error": error, "warnings": notes}


def main(argv: list[str]) -> int:
    """Print the JSON report for every path in argv; exit 2 on a usage error."""
    if not argv or argv[0] in ("-h", "--help"):
        print(USAGE, file=sys.stderr)
        return 2
    # kfp prints deprecation notices on import; keep stdout for the JSON alone.
    with contextlib.redirect_stdout(sys.stderr), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        import kfp
        import kfp.components

        print(f"kfp_load: kfp=={kfp.__version__}", file=sys.stderr)
        report = {path: load_one(path) for path in argv}
    json.dump(report, sys.stdout, indent=2, sort_keys=True)
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
