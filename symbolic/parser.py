"""Formulas as text, read without ``eval``: the grammar that ``toygrad.formula`` prints.

>>> f = parse("sin(x**2) * exp(y) / (1 + z) - sqrt(x)")
>>> f.variables
('x', 'y', 'z')
>>> from toygrad import formula
>>> formula(f.build({"x": 1.0, "y": 2.0, "z": 3.0}))
'sin(x**2.0) * exp(y) / (1.0 + z) - sqrt(x)'

The grammar is read off the op table: each row prints through its ``syntax``
template, and this module reads the templates back, so a new row is parsed with
no edit here.

- ``name({0})``, ``name({0}, {1})``, ... and ``name({})`` (n-ary): a call,
  taking the counts of arguments the row accepts (``Op.accepts``).
- ``{0} <symbol> {1}``: an infix operator with the row's precedence; it is
  right-associative when its left operand must bind tighter than the row
  itself (``**``), else left-associative.
- ``<symbol>{0}``: a prefix operator (unary minus).

``pi`` and ``e`` are constants, not variables (:data:`NAMED_CONSTANTS`).
Unary plus is the identity. A minus written directly before a number makes a
negative constant (``x * -2.0``), except when ``**`` follows the number:
``-2**2`` is ``-(2**2)``, as in Python.

Parsing is an operator-precedence (shunting-yard) loop over explicit stacks and
building a graph is one pass over the nodes, so no depth of nesting comes near
Python's recursion limit.
"""

from __future__ import annotations

import keyword
import math
import re
from dataclasses import dataclass
from typing import Any, Mapping, NamedTuple

from toygrad import OPS, Constant, Op, Value, apply
from toygrad.ops import ATOM

__all__ = ["parse", "Formula", "Node", "ParseError", "NAMED_CONSTANTS"]

#: names a formula reads as exact constants (not variables): their float values in the graph;
#: the symbolic side makes them exact (SymPy's ``pi`` and ``E``) through ``Formula.build_named``
NAMED_CONSTANTS: dict[str, float] = {"pi": math.pi, "e": math.e}


class ParseError(ValueError):
    """Text that is not a formula: ``.text`` is the text, ``.position`` the 0-based index of the trouble.

    The message says what was wrong and where, with a caret under the place.

    >>> try:
    ...     parse("x ^ 2")
    ... except ParseError as error:
    ...     print(error.position)
    ...     print(error)
    2
    unexpected character '^' at position 2: write x**y for a power
      x ^ 2
        ^
    """

    def __init__(self, reason: str, text: str, position: int):
        super().__init__(f"{reason}\n{_caret(text, position)}")
        self.reason = reason
        self.text = text
        self.position = position

    def __reduce__(self):  # pickles (to another process, say) with its attributes
        return type(self), (self.reason, self.text, self.position)


def _caret(text: str, position: int, width: int = 60) -> str:
    """Two lines: (a window of) the text and a caret under ``position``."""
    start = max(0, min(position - width // 2, len(text) - width))
    end = min(len(text), start + width)
    shown = "".join(c if c.isprintable() else "?" for c in text[start:end])
    before = "..." if start else ""
    after = "..." if end < len(text) else ""
    return f"  {before}{shown}{after}\n  {' ' * (len(before) + position - start)}^"


def _shorten(s: str, limit: int = 30) -> str:
    return s if len(s) <= limit else s[: limit - 3] + "..."


# ------------------------------------------------------------------ the tree


class Node(NamedTuple):
    """One node of a parsed formula; ``Formula.nodes`` lists arguments before their op."""

    op: Op | None  # a row of the op table; None for a leaf
    args: tuple[int, ...] = ()  # positions of the arguments in ``Formula.nodes``
    leaf: float | str | None = None  # a leaf's number, or its variable's name
    constant: str | None = None  # the name of a named constant leaf ("pi", "e"); ``leaf`` is its float


@dataclass(frozen=True, repr=False)
class Formula:
    """A parsed formula: ``.text``, ``.variables`` (in order of first appearance) and ``.nodes``.

    ``.nodes`` is the tree in a neutral form (neither SymPy nor toygrad): a tuple
    of :class:`Node`, each op after its arguments, the root last.
    """

    text: str
    nodes: tuple[Node, ...]
    variables: tuple[str, ...]

    def build(self, env: Mapping[str, Any]) -> Value:
        """The toygrad graph of the formula at a point.

        ``env`` maps each variable name to a number (which becomes
        ``Value(number, label=name)``) or to a ``Value``; a name used twice is
        one shared leaf. A formula that is a bare number builds an unlabelled
        leaf. ``toygrad.DomainError`` propagates from an op outside its domain.

        >>> g = parse("x * x + 1").build({"x": 3})
        >>> g.data, g.args[0].args[0] is g.args[0].args[1]
        (10.0, True)
        """
        return self.build_named(env)[0]

    def build_named(self, env: Mapping[str, Any]) -> tuple[Value, dict[Constant, str]]:
        """:meth:`build`, and the constant leaves that stand for ``pi`` and ``e``.

        Pass the mapping as ``constants=`` to ``to_sympy``, ``gradient`` or
        ``hessian`` to make them exact there.

        >>> g, named = parse("pi * x").build_named({"x": 1.0})
        >>> list(named.values()), g.data == math.pi
        (['pi'], True)
        """
        missing = [name for name in self.variables if name not in env]
        if missing:
            raise ValueError(f"no value for {', '.join(map(repr, missing))} in the formula {_shorten(self.text, 60)!r}")
        leaves = {}
        for name in self.variables:
            value = env[name]
            leaves[name] = value if isinstance(value, Value) else Value(value, label=name)
        built: list[Any] = []
        named: dict[Constant, str] = {}
        for node in self.nodes:
            if node.op is not None:
                built.append(apply(node.op, *[built[i] for i in node.args]))
            elif node.constant is not None:
                c = Constant(node.leaf)
                named[c] = node.constant
                built.append(c)
            elif isinstance(node.leaf, str):
                built.append(leaves[node.leaf])
            else:
                built.append(node.leaf)
        root = built[-1]
        if isinstance(root, Constant):
            root = root.data
        return (root if isinstance(root, Value) else Value(root)), named

    def __repr__(self) -> str:
        return f"Formula({_shorten(self.text, 60)!r}, variables={self.variables!r})"


# --------------------------------------------------------------- the grammar

_CALL_TEMPLATE = re.compile(r"([A-Za-z_][A-Za-z0-9_]*)\((.*)\)")
_INFIX_TEMPLATE = re.compile(r"\{0\} *([^\w\s(),{}]+) *\{1\}")
_PREFIX_TEMPLATE = re.compile(r"([^\w\s(),{}]+)\{0\}")
_SPACE = re.compile(r"[ \t\r\n\f\v]*")
_NUMBER = r"(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_GLUED_TO_NUMBER = re.compile(r"[A-Za-z0-9_.]")

_HINTS = {
    "^": "write x**y for a power",
    ".": "formulas have no attributes",
    "'": "formulas have no strings",
    '"': "formulas have no strings",
}


class _Operator(NamedTuple):
    op: Op | None  # None: unary plus
    prec: int
    right: bool  # right-associative


class _Grammar:
    """The tokens and operators of an op table, read off its rows' syntax templates."""

    def __init__(self, ops: Mapping[str, Op]):
        self.calls: dict[str, Op] = {}
        self.infix: dict[str, _Operator] = {}
        self.prefix: dict[str, _Operator] = {}
        for op in ops.values():
            syntax = op.syntax
            call = _CALL_TEMPLATE.fullmatch(syntax.template)
            infix = _INFIX_TEMPLATE.fullmatch(syntax.template)
            prefix = _PREFIX_TEMPLATE.fullmatch(syntax.template)
            if call and call[2] == ("{}" if op.arity is None else ", ".join(f"{{{i}}}" for i in range(op.arity))):
                self.calls[call[1]] = op
            elif infix and op.arity == 2:
                self.infix[infix[1]] = _Operator(op, syntax.prec, syntax.operand_prec[0] > syntax.prec)
            elif prefix and op.arity == 1:
                self.prefix[prefix[1]] = _Operator(op, syntax.prec, True)  # waits for its operand
            else:
                raise TypeError(f"the parser cannot read the syntax {syntax.template!r} of op {op.name!r}")
        self.prefix.setdefault("+", _Operator(None, ATOM, True))  # the identity: its precedence changes nothing
        symbols = sorted({*self.infix, *self.prefix, "(", ")", ","}, key=len, reverse=True)
        self.token = re.compile(
            f"(?P<number>{_NUMBER})|(?P<name>{_NAME})|(?P<symbol>{'|'.join(map(re.escape, symbols))})"
        )


_GRAMMAR = _Grammar(OPS)


class _Token(NamedTuple):
    kind: str  # "number", "name", "symbol", "end", or "error" (then text is the reason)
    text: str
    pos: int


def _tokens(text: str, grammar: _Grammar) -> list[_Token]:
    """The tokens of ``text``, up to the end or to the first one that is wrong.

    A wrong token becomes an "error" token rather than an exception, so that the
    parser reports whichever problem comes first in the text.
    """
    tokens = []
    pos = _SPACE.match(text).end()
    while pos < len(text):
        m = grammar.token.match(text, pos)
        reason = _bad_character(text, pos) if m is None else _bad_token(m, text)
        if reason:
            tokens.append(_Token("error", reason, pos))
            return tokens
        tokens.append(_Token(m.lastgroup, m[0], pos))
        pos = _SPACE.match(text, m.end()).end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _bad_character(text: str, pos: int) -> str:
    c = text[pos]
    hint = _HINTS.get(c) or ("names are ASCII letters, digits and '_'" if c.isalnum() else "")
    unicode = f" (U+{ord(c):04X})" if not c.isascii() else ""
    return f"unexpected character {c!r}{unicode} at position {pos}" + (f": {hint}" if hint else "")


def _bad_token(m: re.Match, text: str) -> str | None:
    """Why the number or name just matched cannot stand, or None if it can."""
    word, pos, end = m[0], m.start(), m.end()
    if m.lastgroup == "number":
        if _GLUED_TO_NUMBER.match(text, end):
            return f"malformed number {text[pos:end + 1]!r} at position {pos}"
        if math.isinf(float(word)):
            return f"the number {_shorten(word)!r} at position {pos} is too large for a float"
    elif m.lastgroup == "name" and keyword.iskeyword(word):
        return f"{word!r} at position {pos} is a Python keyword, which formulas do not use"
    return None


# ---------------------------------------------------------------- the parser


@dataclass
class _Group:
    """An open parenthesis: of a call (``op`` set) or of grouping."""

    pos: int
    op: Op | None
    name: str
    base: int  # how many operands were on the stack when it opened


def parse(text: str, *, ops: Mapping[str, Op] = OPS) -> Formula:
    """Read a formula over the ops of the op table; anything else is a :class:`ParseError`.

    Numbers, ASCII variable names, ``+ - * / **`` with Python's precedence and
    associativity, unary minus and plus, parentheses and calls of the table's
    ops (``sin(x)``, ``sum(a, b, c)``, ``dot(w1, w2, x1, x2)``). ``parse``
    reads exactly what ``toygrad.formula`` prints. ``ops`` restricts or extends
    the table the grammar is read from. The text is never executed.

    >>> parse("-x**2 + sum(x, 2.5e-1)").nodes[-1].op
    <op add>
    """
    if not isinstance(text, str):
        raise TypeError(f"parse needs a str, got {type(text).__name__}")
    return _Parser(text, _GRAMMAR if ops is OPS else _Grammar(ops)).run()


class _Parser:
    """Shunting-yard: operands and pending operators on explicit stacks, one token at a time."""

    def __init__(self, text: str, grammar: _Grammar):
        self.text = text
        self.grammar = grammar
        self.tokens = _tokens(text, grammar)
        self.nodes: list[Node] = []
        self.operands: list[int] = []  # positions in self.nodes
        self.stack: list[_Operator | _Group] = []
        self.variables: dict[str, None] = {}  # an ordered set

    def run(self) -> Formula:
        tokens = self.tokens
        if tokens[0].kind == "end":
            raise self.error("the formula is empty", 0)
        i = 0
        expect_operand = True
        while tokens[i].kind != "end" or expect_operand:
            i, expect_operand = (self.operand if expect_operand else self.operator)(i)
        group = self.reduce()
        if group is not None:
            opened = f"{group.name}(" if group.op else "("
            raise self.error(f"the {opened!r} at position {group.pos} is never closed: the formula ended", group.pos)
        return Formula(self.text, tuple(self.nodes), tuple(self.variables))

    def operand(self, i: int) -> tuple[int, bool]:
        """Read the operand starting at token ``i``: the next token's index, and whether an operand is still due."""
        grammar = self.grammar
        kind, word, pos = token = self.tokens[i]
        if kind == "error":
            raise self.error(word, pos)
        after = self.tokens[i + 1] if kind != "end" else token
        if kind == "number":
            self.push(Node(None, leaf=float(word)))
            return i + 1, False
        if kind == "name":
            call = grammar.calls.get(word)
            if after.text == "(":
                if call is None:
                    known = ", ".join(grammar.calls)
                    raise self.error(f"unknown function {word!r} at position {pos}; the functions are {known}", pos)
                self.stack.append(_Group(pos, call, word, len(self.operands)))
                return i + 2, True
            if call is not None:
                raise self.error(f"{word!r} at position {pos} is a function: call it as {word}(...)", pos)
            if word in NAMED_CONSTANTS:
                self.push(Node(None, leaf=NAMED_CONSTANTS[word], constant=word))
                return i + 1, False
            self.variables.setdefault(word)
            self.push(Node(None, leaf=word))
            return i + 1, False
        if word == "(":
            self.stack.append(_Group(pos, None, "", len(self.operands)))
            return i + 1, True
        if word == ")" and self.tokens[i - 1].text == "(" and self.stack[-1].op is not None:
            self.close(self.stack.pop())  # a call without arguments: close() names the arity
            return i + 1, False
        if word in grammar.prefix:
            operator = grammar.prefix[word]
            if word == "-" and after.kind == "number":
                following = grammar.infix.get(self.tokens[i + 2].text)
                if following is None or following.prec <= operator.prec:  # not -2**2
                    self.push(Node(None, leaf=-float(after.text)))
                    return i + 2, False
            self.stack.append(operator)
            return i + 1, True
        raise self.error(f"expected a number, a variable, a call or '(' at position {pos}, {_found(token)}", pos)

    def operator(self, i: int) -> tuple[int, bool]:
        """Read the token after an operand: an infix operator, ')' or ','."""
        kind, word, pos = token = self.tokens[i]
        if kind == "error":
            raise self.error(word, pos)
        if word in self.grammar.infix:
            operator = self.grammar.infix[word]
            self.reduce(operator.prec, operator.right)
            self.stack.append(operator)
            return i + 1, True
        if word == ")":
            if self.reduce() is None:
                raise self.error(f"unmatched ')' at position {pos}", pos)
            self.close(self.stack.pop())
            return i + 1, False
        if word == ",":
            group = self.reduce()
            if group is None or group.op is None:
                raise self.error(f"unexpected ',' at position {pos}: commas separate the arguments of a call", pos)
            return i + 1, True
        raise self.error(f"expected an operator at position {pos}, {_found(token)}", pos)

    def push(self, node: Node) -> None:
        self.operands.append(len(self.nodes))
        self.nodes.append(node)

    def reduce(self, prec: int = -1, right: bool = False) -> _Group | None:
        """Apply the pending operators that bind tighter than a new (prec, right) one.

        Stops at an open parenthesis and returns it; with no arguments, applies
        everything up to it.
        """
        stack, operands = self.stack, self.operands
        while stack:
            top = stack[-1]
            if isinstance(top, _Group):
                return top
            if top.prec < prec or (top.prec == prec and right):
                return None
            stack.pop()
            if top.op is not None:  # unary plus leaves its operand as it is
                arity = top.op.arity
                args = tuple(operands[-arity:])
                del operands[-arity:]
                self.push(Node(top.op, args))
        return None

    def close(self, group: _Group) -> None:
        """Close ``group``: a call becomes a node of its arguments, a grouping leaves its operand."""
        op = group.op
        if op is None:
            return
        args = tuple(self.operands[group.base :])
        del self.operands[group.base :]
        if not op.accepts(len(args)):
            raise self.error(
                f"{group.name}() at position {group.pos} takes {op.argument_counts()}, got {len(args)}", group.pos
            )
        self.push(Node(op, args))

    def error(self, reason: str, pos: int) -> ParseError:
        return ParseError(reason, self.text, pos)


def _found(token: _Token) -> str:
    return "but the formula ended" if token.kind == "end" else f"but found {_shorten(token.text)!r}"
