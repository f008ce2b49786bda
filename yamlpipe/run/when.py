"""Argo's `when`: the substituted text evaluated as Argo v3 evaluates it (govaluate).

Argo parses the text with govaluate, turns every bare word (a govaluate variable) into a
string, and requires a boolean result. So numbers compare as numbers, quoted and bare words
as strings, a number against a word is an error for `<` but simply unequal for `==`, and text
that does not tokenize (an unresolved `{{...}}`, `1.2.3`) fails the task as it would on a
cluster. Quoted dates (`"2024-01-31"`) become times, compared as seconds, as govaluate does.
"""

from __future__ import annotations

import datetime
import operator
import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

NUMERIC, BOOLEAN, STRING, VARIABLE, ACCESSOR, TIME = [
    "NUMERIC",
    "BOOLEAN",
    "STRING",
    "VARIABLE",
    "ACCESSOR",
    "TIME",
]
PREFIX, MODIFIER, COMPARATOR, LOGICALOP, TERNARY = [
    "PREFIX",
    "MODIFIER",
    "COMPARATOR",
    "LOGICALOP",
    "TERNARY",
]
CLAUSE, CLAUSE_CLOSE, SEPARATOR = "CLAUSE", "CLAUSE_CLOSE", "SEPARATOR"

PREFIXES = {"-", "!", "~"}
MODIFIERS = {"+", "-", "*", "/", "%", "**", "&", "|", "^", ">>", "<<"}
COMPARATORS = {"==", "!=", ">", ">=", "<", "<=", "=~", "!~", "in"}
LOGICAL = {"&&", "||"}
TERNARIES = {"?", ":", "??"}

_OPERANDS = {NUMERIC, BOOLEAN, STRING, VARIABLE, ACCESSOR, TIME}
_AFTER_OPERAND = {MODIFIER, COMPARATOR, LOGICALOP, CLAUSE_CLOSE, TERNARY, SEPARATOR}
_STARTS = {PREFIX, CLAUSE} | _OPERANDS
NEXT_KINDS: dict[str | None, set[str]] = {
    None: _STARTS,
    CLAUSE: _STARTS | {CLAUSE_CLOSE},
    CLAUSE_CLOSE: _AFTER_OPERAND | _OPERANDS | {CLAUSE},
    NUMERIC: _AFTER_OPERAND,
    BOOLEAN: _AFTER_OPERAND,
    STRING: _AFTER_OPERAND,
    VARIABLE: _AFTER_OPERAND,
    TIME: _AFTER_OPERAND - {TERNARY},
    ACCESSOR: _AFTER_OPERAND | {CLAUSE},
    MODIFIER: {PREFIX, NUMERIC, VARIABLE, ACCESSOR, STRING, BOOLEAN, CLAUSE, CLAUSE_CLOSE},
    COMPARATOR: _STARTS | {CLAUSE_CLOSE},
    LOGICALOP: _STARTS | {CLAUSE_CLOSE},
    PREFIX: {NUMERIC, BOOLEAN, VARIABLE, ACCESSOR, CLAUSE, CLAUSE_CLOSE},
    TERNARY: _STARTS | {SEPARATOR},
    SEPARATOR: _STARTS,
}
"""govaluate's lexer states: which token kind may follow which."""
MAX_DEPTH = 100
"""Parentheses (or prefixes) nested deeper than this are refused rather than recursed into."""
_ENDS = {CLAUSE_CLOSE, NUMERIC, BOOLEAN, STRING, VARIABLE, TIME, ACCESSOR}

_DATE_FORMATS = (
    "%Y-%m-%d",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S%z",
    "%Y-%m-%dT%H:%M:%S.%f%z",
)
_DATE_SHAPE = re.compile(r"^\d{4}-\d{2}-\d{2}")


class WhenError(ValueError):
    """The condition cannot be evaluated; Argo fails the task with this message."""


@dataclass(frozen=True)
class Token:
    kind: str
    value: Any


# ---- lexing ------------------------------------------------------------------------------


def _is_variable_char(char: str) -> bool:
    return char.isalpha() or char.isdigit() or char in "_."


def _is_symbol_char(char: str) -> bool:
    return not (char.isdigit() or char.isalpha() or char in "()[]'\"")


class _Stream:
    def __init__(self, text: str) -> None:
        self.text = text
        self.pos = 0

    def more(self) -> bool:
        return self.pos < len(self.text)

    def read_while(self, keep: Callable[[str], bool], *, spaces: bool = False) -> tuple[str, bool]:
        """Characters while `keep` holds (a backslash escapes one); whether a stop was seen."""
        out: list[str] = []
        while self.more():
            char = self.text[self.pos]
            self.pos += 1
            if char == "\\":
                if self.more():
                    out.append(self.text[self.pos])
                    self.pos += 1
                continue
            if char.isspace() and not spaces:
                if out:
                    return "".join(out), True
                continue
            if not keep(char):
                self.pos -= 1
                return "".join(out), True
            out.append(char)
        return "".join(out), False


def _parse_time(text: str) -> float | None:
    if not _DATE_SHAPE.match(text):
        return None
    candidate = text[:-1] + "+0000" if text.endswith("Z") else text
    for fmt in _DATE_FORMATS:
        try:
            moment = datetime.datetime.strptime(candidate, fmt)
        except ValueError:
            continue
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=datetime.UTC)
        return moment.timestamp()
    return None


def _number(stream: _Stream, char: str) -> Token:
    if char == "0" and stream.text.startswith("x", stream.pos):
        stream.pos += 1
        digits, _ = stream.read_while(lambda c: c.lower() in "0123456789abcdef")
        try:
            return Token(NUMERIC, float(int(digits, 16)))
        except ValueError:
            raise WhenError(f"Unable to parse hex value '{digits}' to uint64") from None
    stream.pos -= 1
    text, _ = stream.read_while(lambda c: c.isdigit() or c == ".")
    try:
        return Token(NUMERIC, float(text))
    except ValueError:
        raise WhenError(f"Unable to parse numeric value '{text}' to float64") from None


def _word(stream: _Stream) -> Token:
    stream.pos -= 1
    text, _ = stream.read_while(_is_variable_char)
    if text in ("true", "false"):
        return Token(BOOLEAN, text == "true")
    if text in ("in", "IN"):
        return Token(COMPARATOR, "in")
    if "." in text:
        if text.endswith("."):
            raise WhenError(f"Hanging accessor on token '{text}'")
        for part in text.split(".")[1:]:
            if part[:1] != part[:1].upper():
                raise WhenError(f"Unable to access unexported field '{part}' in token '{text}'")
        return Token(ACCESSOR, text)
    return Token(VARIABLE, text)


def _quoted(stream: _Stream) -> Token:
    text, closed = stream.read_while(lambda c: c not in "'\"", spaces=True)
    if not closed:
        raise WhenError("Unclosed string literal")
    stream.pos += 1
    moment = _parse_time(text)
    return Token(TIME, moment) if moment is not None else Token(STRING, text)


def _symbol(stream: _Stream, state: str | None) -> Token:
    stream.pos -= 1
    text, _ = stream.read_while(_is_symbol_char)
    if text in PREFIXES and PREFIX in NEXT_KINDS[state]:
        return Token(PREFIX, text)
    for kind, symbols in (
        (MODIFIER, MODIFIERS),
        (LOGICALOP, LOGICAL),
        (COMPARATOR, COMPARATORS),
        (TERNARY, TERNARIES),
    ):
        if text in symbols:
            return Token(kind, text)
    raise WhenError(f"Invalid token: '{text}'")


def _read_token(stream: _Stream, state: str | None) -> Token | None:
    while stream.more():
        char = stream.text[stream.pos]
        stream.pos += 1
        if char.isspace():
            continue
        if char.isdigit() or char == ".":
            return _number(stream, char)
        if char == ",":
            return Token(SEPARATOR, ",")
        if char == "[":
            name, closed = stream.read_while(lambda c: c != "]", spaces=True)
            if not closed:
                raise WhenError("Unclosed parameter bracket")
            stream.pos += 1
            return Token(VARIABLE, name)
        if char.isalpha():
            return _word(stream)
        if char in "'\"":
            return _quoted(stream)
        if char in "()":
            return Token(CLAUSE if char == "(" else CLAUSE_CLOSE, char)
        return _symbol(stream, state)
    return None


def tokenize(text: str) -> list[Token]:
    """govaluate's tokens for `text`, with its balance and token-order checks."""
    stream, tokens, state = _Stream(text), [], None
    depth = 0
    while stream.more():
        token = _read_token(stream, state)
        if token is None:
            break
        tokens.append(token)
        state = token.kind
        depth += {CLAUSE: 1, CLAUSE_CLOSE: -1}.get(token.kind, 0)
        if depth > MAX_DEPTH:
            raise WhenError(f"the condition nests deeper than {MAX_DEPTH} levels")
    if sum(t.kind == CLAUSE for t in tokens) != sum(t.kind == CLAUSE_CLOSE for t in tokens):
        raise WhenError("Unbalanced parenthesis")
    _check_order(tokens)
    return tokens


def _check_order(tokens: list[Token]) -> None:
    state: str | None = None
    last: Token | None = None
    for token in tokens:
        if token.kind not in NEXT_KINDS[state]:
            if last is not None and last.kind == VARIABLE and token.kind == CLAUSE:
                raise WhenError(f"Undefined function {last.value}")
            before = f"{state} [{last.value if last else None}]"
            raise WhenError(
                f"Cannot transition token types from {before} to {token.kind} [{token.value}]"
            )
        state, last = token.kind, token
    if tokens and state not in _ENDS:
        raise WhenError("Unexpected end of expression")


# ---- parsing and evaluation ---------------------------------------------------------------

Node = tuple[Any, ...]
"""('lit', value) | ('acc', name) | ('op', symbol, left, right) | ('pre', symbol, operand)
| ('list', items)."""

_LEVELS: list[tuple[str, set[str]]] = [
    (LOGICALOP, {"||"}),
    (LOGICALOP, {"&&"}),
    (COMPARATOR, COMPARATORS),
    (MODIFIER, {"&", "|", "^"}),
    (MODIFIER, {"<<", ">>"}),
    (MODIFIER, {"+", "-"}),
    (MODIFIER, {"*", "/", "%"}),
    (MODIFIER, {"**"}),
]
"""Binary operators from the loosest to the tightest, as govaluate plans them."""


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> Token | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> Token:
        token = self.tokens[self.pos]
        self.pos += 1
        return token

    def separated(self) -> Node:
        first = self.ternary()
        items = [first]
        while (token := self.peek()) is not None and token.kind == SEPARATOR:
            self.take()
            items.append(self.ternary())
        return first if len(items) == 1 else ("list", items)

    def ternary(self) -> Node:
        left = self.binary(0)
        token = self.peek()
        if token is not None and token.kind == TERNARY:
            self.take()
            return ("op", token.value, left, self.ternary())
        return left

    def binary(self, level: int) -> Node:
        if level == len(_LEVELS):
            return self.unary()
        kind, symbols = _LEVELS[level]
        left = self.binary(level + 1)
        while (token := self.peek()) is not None and token.kind == kind and token.value in symbols:
            self.take()
            left = ("op", token.value, left, self.binary(level + 1))
        return left

    def unary(self) -> Node:
        token = self.take() if self.peek() is not None else None
        if token is None:
            raise WhenError("Unexpected end of expression")
        if token.kind == PREFIX:
            return ("pre", token.value, self.unary())
        if token.kind == CLAUSE:
            following = self.peek()
            inner = (
                None if following is None or following.kind == CLAUSE_CLOSE else self.separated()
            )
            self.take()
            return ("list", []) if inner is None else inner
        if token.kind == ACCESSOR:
            return ("acc", token.value)
        if token.kind in (NUMERIC, BOOLEAN, STRING, TIME):
            return ("lit", token.value)
        raise WhenError(f"Unable to plan token kind: '{token.kind}', value: '{token.value}'")


def _is_number(value: Any) -> bool:
    return isinstance(value, float) and not isinstance(value, bool)


def _check(condition: bool, message: str) -> None:
    if not condition:
        raise WhenError(message)


def _compare(symbol: str, left: Any, right: Any) -> Any:
    if symbol == "==":
        return type(left) is type(right) and left == right
    if symbol == "!=":
        return not (type(left) is type(right) and left == right)
    if symbol == "in":
        _check(isinstance(right, list), f"Value '{right}' cannot be used with the comparator 'in'")
        return any(type(left) is type(item) and left == item for item in right)
    if symbol in ("=~", "!~"):
        _check(isinstance(left, str) and isinstance(right, str), "regex needs strings")
        matched = re.search(right, left) is not None
        return matched if symbol == "=~" else not matched
    comparable = (_is_number(left) and _is_number(right)) or (
        isinstance(left, str) and isinstance(right, str)
    )
    _check(
        comparable,
        f"Value '{_show(left)}' cannot be used with the comparator '{symbol}', it is not a number",
    )
    return _ORDER[symbol](left, right)


_ORDER: dict[str, Callable[[Any, Any], bool]] = {
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
}
_ARITHMETIC: dict[str, Callable[[float, float], float]] = {
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "%": lambda a, b: float(int(a) % int(b)),
    "**": operator.pow,
    "&": lambda a, b: float(int(a) & int(b)),
    "|": lambda a, b: float(int(a) | int(b)),
    "^": lambda a, b: float(int(a) ^ int(b)),
    "<<": lambda a, b: float(int(a) << int(b)),
    ">>": lambda a, b: float(int(a) >> int(b)),
}


def _show(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if _is_number(value) and value == int(value):
        return str(int(value))
    return str(value)


def _modify(symbol: str, left: Any, right: Any) -> Any:
    if symbol == "+":
        if isinstance(left, str) or isinstance(right, str):
            return _show(left) + _show(right)
        _check(_is_number(left) and _is_number(right), f"Value cannot be used with '{symbol}'")
        return left + right
    for value in (left, right):
        _check(
            _is_number(value),
            f"Value '{_show(value)}' cannot be used with the modifier '{symbol}', "
            "it is not a number",
        )
    try:
        return _ARITHMETIC[symbol](left, right)
    except ZeroDivisionError:
        return float("inf")


def _logical(symbol: str, left: Any, right_node: Node) -> Any:
    _check(
        isinstance(left, bool),
        f"Value '{_show(left)}' cannot be used with the logical operator '{symbol}', "
        "it is not a bool",
    )
    if (symbol == "&&" and not left) or (symbol == "||" and left):
        return left
    right = evaluate_node(right_node)
    _check(
        isinstance(right, bool),
        f"Value '{_show(right)}' cannot be used with the logical operator '{symbol}', "
        "it is not a bool",
    )
    return right


def _ternary(symbol: str, left: Any, right_node: Node) -> Any:
    if symbol == "?":
        _check(isinstance(left, bool), f"Value '{_show(left)}' cannot be used with '?'")
        return evaluate_node(right_node) if left else None
    return left if left is not None else evaluate_node(right_node)


def _prefix(symbol: str, value: Any) -> Any:
    if symbol == "!":
        _check(isinstance(value, bool), f"Value '{_show(value)}' cannot be used with '!'")
        return not value
    _check(_is_number(value), f"Value '{_show(value)}' cannot be used with the prefix '{symbol}'")
    return -value if symbol == "-" else float(~int(value))


def evaluate_node(node: Node) -> Any:
    """The value of a parsed expression."""
    kind = node[0]
    if kind == "lit":
        return node[1]
    if kind == "acc":
        raise WhenError(f"No parameter '{node[1].split('.')[0]}' found.")
    if kind == "list":
        return [evaluate_node(n) for n in node[1]]
    if kind == "pre":
        return _prefix(node[1], evaluate_node(node[2]))
    symbol, left_node, right_node = node[1], node[2], node[3]
    left = evaluate_node(left_node)
    if symbol in LOGICAL:
        return _logical(symbol, left, right_node)
    if symbol in TERNARIES:
        return _ternary(symbol, left, right_node)
    right = evaluate_node(right_node)
    if symbol in COMPARATORS:
        return _compare(symbol, left, right)
    return _modify(symbol, left, right)


def evaluate_when(text: str) -> bool:
    """True when the task runs. Raises WhenError with Argo's reason when Argo would fail."""
    if text == "":
        return True
    shown = text if len(text) <= 200 else text[:197] + "..."
    try:
        tokens = tokenize(text)
    except WhenError as exc:
        hint = ' (hint: try wrapping the affected expression in quotes ("))'
        suffix = hint if "Invalid token" in str(exc) else ""
        raise WhenError(f"Invalid 'when' expression '{shown}': {exc}{suffix}") from None
    tokens = [Token(STRING, t.value) if t.kind == VARIABLE else t for t in tokens]
    try:
        parser = _Parser(tokens)
        node = parser.separated() if tokens else ("lit", None)
        result = evaluate_node(node)
    except WhenError as exc:
        raise WhenError(f"Failed to evaluate 'when' expression '{shown}': {exc}") from None
    except RecursionError:
        raise WhenError(f"the 'when' expression nests too deeply: '{shown}'") from None
    if not isinstance(result, bool):
        raise WhenError(f"Expected boolean evaluation for '{shown}'. Got {_show(result)}")
    return result
