"""The bounds that keep hostile input from exhausting memory, the stack or time.

Every one is far above what a real component, pipeline, catalog or config file needs, and
each is enforced before the work it bounds (docs/security.md lists them).
"""

from __future__ import annotations

MAX_FILE_BYTES = 5_000_000
"""Largest file read from disk, and the default cap on a fetched one (`fetch: max_bytes`)."""

MAX_DEPTH = 100
"""Deepest nesting of maps and lists; a Kubernetes manifest nests about fifteen levels."""

MAX_ALIAS_NODES = 10_000
"""Values that YAML aliases may copy into one file (a "billion laughs" copies billions)."""

PURE_PARSER_MAX_BYTES = 64 * 1024
"""Largest file re-read by the pure-Python YAML 1.2 parser when libyaml rejects it: that
parser takes about 15 s and 260 MB per MB, so bigger files get libyaml's answer."""

C_COMPOSER_SAFE_DEPTH = 2_000
"""Nesting that libyaml's composer (recursive C code, no limit of its own) survives with
room to spare; beyond a possible depth this high, events are counted before composing."""

DIAGNOSE_MAX_BYTES = 1_000_000
"""Largest file whose tokens are re-scanned to point a syntax error at the bracket that was
never closed (about 0.4 s per MB); bigger files get the position libyaml reports."""
