"""The self-containment check: a component's function may use only what it defines itself.

The component runs the function's source alone, so a module-level import, a global or a
variable of an enclosing function that the body uses would be a NameError in the container.
"""

from __future__ import annotations

import ast
import builtins
import types
from collections.abc import Iterator

from yamlpipe.errors import YamlpipeError
from yamlpipe.generate.pysource import FunctionSource

_ALWAYS_DEFINED = frozenset(dir(builtins)) | {"__name__", "__file__", "__doc__", "__spec__"}
SELF_CONTAINED_HINT = (
    "import it inside the function (or define it there): the component runs the function's "
    "source on its own"
)


def iter_outside_names(source: FunctionSource) -> Iterator[YamlpipeError]:
    """One error for each name the function uses but does not define, at its first use."""
    node = source.node
    bound = _bound_names(node) | _ALWAYS_DEFINED | {node.name}
    seen: set[str] = set()
    for use in sorted(_iter_uses(node), key=lambda n: (n.lineno, n.col_offset)):
        name = use.id if isinstance(use, ast.Name) else use.names[0]
        if isinstance(use, ast.Name) and (name in bound or name in seen):
            continue
        seen.add(name)
        yield YamlpipeError(
            source.loc(use),
            f"function {node.name!r} uses {name!r}, {_describe(source, name)}",
            SELF_CONTAINED_HINT,
            span=len(name) if isinstance(use, ast.Name) else 1,
        )


def _iter_uses(node: ast.FunctionDef) -> Iterator[ast.Name | ast.Global | ast.Nonlocal]:
    """Names read by the body and the defaults (annotations are stripped, so not counted)."""
    roots: list[ast.AST] = [*node.body, *node.args.defaults]
    roots += [d for d in node.args.kw_defaults if d is not None]
    for root in roots:
        for child in ast.walk(root):
            if (isinstance(child, ast.Name) and isinstance(child.ctx, ast.Load)) or isinstance(
                child, ast.Global | ast.Nonlocal
            ):
                yield child


def _bound_names(node: ast.FunctionDef) -> set[str]:
    """Every name the function binds anywhere in its body (parameters, assignments, imports,
    nested definitions, loop and exception variables, comprehension targets)."""
    names: set[str] = set()
    for child in ast.walk(node):
        names.update(_names_bound_by(child))
    return names


def _names_bound_by(child: ast.AST) -> list[str]:
    if isinstance(child, ast.Name) and isinstance(child.ctx, ast.Store | ast.Del):
        return [child.id]
    if isinstance(child, ast.Import | ast.ImportFrom):
        return [(a.asname or a.name).split(".")[0] for a in child.names]
    if isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef):
        return [child.name, *(a.arg for a in _args_of(child.args))]
    if isinstance(child, ast.Lambda):
        return [a.arg for a in _args_of(child.args)]
    if isinstance(child, ast.ClassDef):
        return [child.name]
    if isinstance(child, ast.ExceptHandler | ast.MatchAs | ast.MatchStar) and child.name:
        return [child.name]
    if isinstance(child, ast.MatchMapping) and child.rest:
        return [child.rest]
    return []


def _args_of(args: ast.arguments) -> list[ast.arg]:
    extra = [a for a in (args.vararg, args.kwarg) if a is not None]
    return [*args.posonlyargs, *args.args, *args.kwonlyargs, *extra]


def _describe(source: FunctionSource, name: str) -> str:
    """What the name is outside the function, in words."""
    func = source.func
    if name in func.__code__.co_freevars:
        return "a variable of the enclosing function"
    value = func.__globals__.get(name, _MISSING)
    if value is _MISSING:
        return "which is not defined in the function"
    if isinstance(value, types.ModuleType):
        return "a module imported outside the function"
    if callable(value) and getattr(value, "__module__", None) != func.__module__:
        return "imported outside the function"
    if callable(value):
        return "defined outside the function (at module level)"
    return "a global variable defined outside the function"


_MISSING = object()
