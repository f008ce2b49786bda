"""`${{ ... }}` expressions and `when` conditions: parsed once, located to the character."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from yamlpipe.errors import NOWHERE, Location, YamlpipeError

Locate = Callable[[int], Location]
"""Maps a character offset inside the parsed string to a location in its file."""

EXPR_HINT = (
    "expressions are ${{ inputs.NAME }}, ${{ tasks.TASK.outputs.OUTPUT }}, ${{ item }}, "
    "${{ item.KEY }}, ${{ loops.GROUP.item }}, ${{ workflow.name }}, ${{ workflow.uid }} or "
    "${{ workflow.status }}"
)
WORKFLOW_FIELDS = ("name", "uid", "status")

_OPEN = re.compile(r"\$\{\{")
_NAME = r"(?:[A-Za-z0-9_][A-Za-z0-9_-]*|\['[^']*'\]|\[\"[^\"]*\"\])"
_REF_FORMS = (
    ("inputs", re.compile(rf"inputs\.?({_NAME})")),
    ("tasks", re.compile(rf"tasks\.?({_NAME})\.outputs\.?({_NAME})")),
    ("item", re.compile(rf"item(?:\.?({_NAME}))?")),
    ("loops", re.compile(rf"loops\.?({_NAME})\.item(?:\.?({_NAME}))?")),
    ("workflow", re.compile(r"workflow\.([A-Za-z_]+)")),
)


@dataclass(frozen=True)
class Ref:
    """One `${{ ... }}` reference. `name` is the input, task, item key or workflow field; for
    `loops.GROUP.item.KEY` it is the group and `output` the key."""

    kind: str
    name: str | None = None
    output: str | None = None
    loc: Location = NOWHERE
    text: str = ""


@dataclass(frozen=True)
class Template:
    """A string, possibly holding expressions: literal parts and `Ref`s in order."""

    parts: tuple[str | Ref, ...]
    loc: Location = NOWHERE

    @property
    def refs(self) -> tuple[Ref, ...]:
        return tuple(p for p in self.parts if isinstance(p, Ref))

    @property
    def single_ref(self) -> Ref | None:
        """The reference when the string is exactly one expression and nothing else."""
        if len(self.parts) == 1 and isinstance(self.parts[0], Ref):
            return self.parts[0]
        return None

    @property
    def text(self) -> str:
        return "".join(p if isinstance(p, str) else p.text for p in self.parts)


def _unquote_name(raw: str) -> str:
    return raw[2:-2] if raw.startswith("[") else raw


def parse_ref(body: str, loc: Location, text: str) -> Ref:
    """Parse what stands between `${{` and `}}`."""
    stripped = body.strip()
    for kind, pattern in _REF_FORMS:
        match = pattern.fullmatch(stripped)
        if match is None:
            continue
        groups = [_unquote_name(g) if g else None for g in match.groups()]
        if kind == "workflow" and groups[0] not in WORKFLOW_FIELDS:
            raise YamlpipeError(
                loc,
                f"unknown workflow field {groups[0]!r} in {text!r}",
                "available: " + ", ".join(f"workflow.{f}" for f in WORKFLOW_FIELDS),
            )
        output = groups[1] if len(groups) > 1 else None
        return Ref(kind, groups[0], output, loc, text)
    raise YamlpipeError(loc, f"cannot understand the expression {text!r}", EXPR_HINT)


def parse_template(value: str, locate: Locate) -> Template:
    """Split a string into literal text and `${{ ... }}` references."""
    parts: list[str | Ref] = []
    pos = 0
    for match in _OPEN.finditer(value):
        start = match.start()
        if start < pos:
            continue
        end = value.find("}}", match.end())
        if end < 0:
            raise YamlpipeError(
                locate(start),
                f"'${{{{' without a closing '}}}}' in {value!r}",
                "add '}}' after the expression",
                span=3,
            )
        if start > pos:
            parts.append(value[pos:start])
        text = value[start : end + 2]
        parts.append(parse_ref(value[match.end() : end], locate(start), text))
        pos = end + 2
    if pos < len(value) or not parts:
        parts.append(value[pos:])
    return Template(tuple(parts), locate(0))


# ---- when conditions -------------------------------------------------------------------

COMPARISONS = ("==", "!=", "<=", ">=", "<", ">")
CONDITION_HINT = (
    "a condition compares two values, e.g. \"${{ tasks.flip.outputs.result }} == 'heads'\"; "
    "combine with and, or, not and parentheses"
)


@dataclass(frozen=True)
class Const:
    value: str | int | float | bool
    loc: Location = NOWHERE


Operand = Template | Const


@dataclass(frozen=True)
class Compare:
    op: str
    left: Operand
    right: Operand
    loc: Location = NOWHERE


@dataclass(frozen=True)
class BoolOp:
    op: str
    left: Condition
    right: Condition
    loc: Location = NOWHERE


@dataclass(frozen=True)
class Not:
    operand: Condition
    loc: Location = NOWHERE


Condition = Compare | BoolOp | Not

_TOKEN = re.compile(
    r"""(?P<space>\s+)
      | (?P<expr>\$\{\{.*?\}\})
      | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
      | (?P<number>-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w.]))
      | (?P<op>==|!=|<=|>=|<|>)
      | (?P<paren>[()])
      | (?P<word>[A-Za-z_][\w.-]*)
      | (?P<bad>.)""",
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    offset: int


def _tokenize(text: str, locate: Locate) -> list[_Token]:
    tokens = []
    for match in _TOKEN.finditer(text):
        kind = match.lastgroup or "bad"
        if kind == "space":
            continue
        if kind == "bad":
            raise YamlpipeError(
                locate(match.start()),
                f"unexpected {match.group()!r} in condition {text!r}",
                CONDITION_HINT,
            )
        tokens.append(_Token(kind, match.group(), match.start()))
    return tokens


class _ConditionParser:
    """Recursive descent over the tokens: or > and > not > comparison."""

    def __init__(self, text: str, locate: Locate) -> None:
        self.text = text
        self.locate = locate
        self.tokens = _tokenize(text, locate)
        self.pos = 0

    def fail(self, message: str, offset: int | None = None) -> YamlpipeError:
        where = offset if offset is not None else self._offset()
        return YamlpipeError(
            self.locate(where), f"{message} in condition {self.text!r}", CONDITION_HINT
        )

    def _offset(self) -> int:
        tok = self.peek()
        return tok.offset if tok else len(self.text.rstrip())

    def peek(self) -> _Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take_word(self, word: str) -> bool:
        tok = self.peek()
        if tok is not None and tok.kind == "word" and tok.text == word:
            self.pos += 1
            return True
        return False

    def parse(self) -> Condition:
        if not self.tokens:
            raise self.fail("empty condition", 0)
        cond = self.parse_or()
        if self.peek() is not None:
            raise self.fail(f"unexpected {self.peek().text!r}")  # type: ignore[union-attr]
        return cond

    def parse_or(self) -> Condition:
        left = self.parse_and()
        while self.take_word("or"):
            left = BoolOp("or", left, self.parse_and(), left.loc)
        return left

    def parse_and(self) -> Condition:
        left = self.parse_not()
        while self.take_word("and"):
            left = BoolOp("and", left, self.parse_not(), left.loc)
        return left

    def parse_not(self) -> Condition:
        start = self._offset()
        if self.take_word("not"):
            return Not(self.parse_not(), self.locate(start))
        return self.parse_comparison()

    def parse_comparison(self) -> Condition:
        tok = self.peek()
        if tok is not None and tok.text == "(":
            self.pos += 1
            inner = self.parse_or()
            closing = self.peek()
            if closing is None or closing.text != ")":
                raise self.fail("missing ')'")
            self.pos += 1
            return inner
        left = self.parse_operand()
        op = self.peek()
        if op is None or op.kind != "op":
            raise self.fail("expected a comparison (==, !=, <, <=, >, >=)")
        self.pos += 1
        return Compare(op.text, left, self.parse_operand(), left.loc)

    def parse_operand(self) -> Operand:
        tok = self.peek()
        if tok is None or tok.kind in ("op", "paren") or tok.text in ("and", "or", "not"):
            raise self.fail("expected a value")
        self.pos += 1
        loc = self.locate(tok.offset)
        if tok.kind == "expr":
            return parse_template(tok.text, lambda i: self.locate(tok.offset + i))
        if tok.kind == "string":
            return Const(tok.text[1:-1], loc)
        if tok.kind == "number":
            return Const(
                float(tok.text) if any(c in tok.text for c in ".eE") else int(tok.text), loc
            )
        if tok.text in ("true", "false", "True", "False"):
            return Const(tok.text.lower() == "true", loc)
        if tok.text.startswith(("inputs.", "tasks.", "item", "loops.", "workflow.")):
            raise YamlpipeError(
                loc,
                f"{tok.text!r} in condition {self.text!r} is a bare word, not an expression",
                f"write ${{{{ {tok.text} }}}}",
            )
        return Const(tok.text, loc)


def parse_condition(text: str, locate: Locate) -> Condition:
    """Parse a `when` string into a condition tree, or raise a located error."""
    return _ConditionParser(text, locate).parse()


def iter_operands(cond: Condition) -> Iterator[Operand]:
    """Every operand of a condition, left to right."""
    if isinstance(cond, Compare):
        yield cond.left
        yield cond.right
    elif isinstance(cond, BoolOp):
        yield from iter_operands(cond.left)
        yield from iter_operands(cond.right)
    else:
        yield from iter_operands(cond.operand)
