"""`when` conditions -> Argo `when` expressions, written the way KFP writes dsl.Condition."""

from __future__ import annotations

from collections.abc import Callable

from yamlpipe.compile.values import RenderRef, render
from yamlpipe.spec.expr import BoolOp, Compare, Condition, Const, Not, Operand, Template

_BOOL_OPS = {"and": "&&", "or": "||"}
_QUOTED = ("==", "!=")
"""KFP quotes both sides of == and != so that Argo compares text; <, > compare numbers."""


def operand_text(operand: Operand, render_ref: RenderRef) -> str:
    if isinstance(operand, Template):
        return render(operand, render_ref)
    return const_text(operand)


def const_text(const: Const) -> str:
    """Literals as KFP's str() gives them: True/False, 0.9, heads."""
    return str(const.value)


def _compare(cond: Compare, render_ref: RenderRef) -> str:
    left = operand_text(cond.left, render_ref)
    right = operand_text(cond.right, render_ref)
    if cond.op in _QUOTED:
        left, right = f'"{left}"', f'"{right}"'
    return f"{left} {cond.op} {right}"


def _bool_op(cond: BoolOp, render_ref: RenderRef) -> str:
    return (
        f"{_wrapped(cond.left, render_ref)} {_BOOL_OPS[cond.op]} {_wrapped(cond.right, render_ref)}"
    )


def _not(cond: Not, render_ref: RenderRef) -> str:
    return f"!({render_condition(cond.operand, render_ref)})"


def _wrapped(cond: Condition, render_ref: RenderRef) -> str:
    text = render_condition(cond, render_ref)
    return f"({text})" if isinstance(cond, BoolOp) else text


_RENDERERS: dict[type, Callable[..., str]] = {Compare: _compare, BoolOp: _bool_op, Not: _not}


def render_condition(cond: Condition, render_ref: RenderRef) -> str:
    """`a and (b or not c)` -> `A && (B || !(C))`; a single comparison as KFP writes it."""
    return _RENDERERS[type(cond)](cond, render_ref)
