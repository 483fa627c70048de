"""symbolic.parser: the grammar that toygrad.formula prints, read back without running the text."""

import builtins
import importlib
import math
import os
import pathlib
import pickle
import re
import string

import pytest
import sympy
import sympy.parsing.sympy_parser
from hypothesis import given
from hypothesis import strategies as st

from symbolic.parser import Formula, Node, ParseError, parse
from toygrad import OPS, Constant, DomainError, Op, Value, apply, formula, variable_names
from toygrad.ops import ATOM, Syntax, everywhere

ROWS = list(OPS.values())
CALL_ROWS = [op for op in ROWS if op.syntax.template.startswith(op.name + "(")]
FIXED_CALL_ROWS = [op for op in CALL_ROWS if op.arity is not None]


def shape(root) -> list:
    """The tree under ``root`` in prefix order (shared nodes written out each time).

    Ops are written with their number of arguments, so the list pins the tree
    down; variables by identity, constants by the exact repr of their value.
    """
    out = []
    stack = [root]
    while stack:
        node = stack.pop()
        if node.__class__ is Constant:
            out.append(("constant", repr(node.data)))
        elif node.op is None:
            out.append(("variable", id(node)))
        else:
            out.append((node.op.name, len(node.args)))
            stack.extend(reversed(node.args))
    return out


@pytest.fixture
def xyz():
    return Value(1.5, label="x"), Value(2.0, label="y"), Value(0.5, label="z")


def build(text, xyz):
    return parse(text).build(dict(zip("xyz", xyz)))


# ------------------------------------------------- precedence and associativity

# Each text is written twice: once as a string, once as Python source on Values,
# so Python itself says how the text groups.
PYTHON_ORACLE = [
    ("x + y * z", lambda x, y, z: x + y * z),
    ("(x + y) * z", lambda x, y, z: (x + y) * z),
    ("x - y - z", lambda x, y, z: x - y - z),
    ("x - (y - z)", lambda x, y, z: x - (y - z)),
    ("x / y / z", lambda x, y, z: x / y / z),
    ("x / y * z", lambda x, y, z: x / y * z),
    ("x * y / z", lambda x, y, z: x * y / z),
    ("-x**2", lambda x, y, z: -x**2),
    ("(-x)**2", lambda x, y, z: (-x) ** 2),
    ("x**y**z", lambda x, y, z: x**y**z),
    ("(x**y)**z", lambda x, y, z: (x**y) ** z),
    ("x**-y", lambda x, y, z: x**-y),
    ("x**-y*z", lambda x, y, z: x**-y * z),
    ("x**-y**z", lambda x, y, z: x**-y**z),
    ("-x * y", lambda x, y, z: -x * y),
    ("-x + y", lambda x, y, z: -x + y),
    ("--x", lambda x, y, z: --x),
    ("x - -y", lambda x, y, z: x - -y),
    ("+x * +y", lambda x, y, z: +x * +y),
    ("x * -2.0", lambda x, y, z: x * -2.0),
    ("-2.0 * x", lambda x, y, z: -2.0 * x),
    ("x - -2.0", lambda x, y, z: x - -2.0),
    ("2**-x", lambda x, y, z: 2**-x),
    ("x**-2", lambda x, y, z: x**-2),
    ("2**x**z", lambda x, y, z: 2**x**z),
    ("abs(x - y) * z", lambda x, y, z: abs(x - y) * z),
    ("1 + x - 2 * y / 3 ** z", lambda x, y, z: 1 + x - 2 * y / 3**z),
]


@pytest.mark.parametrize("text, python", PYTHON_ORACLE, ids=[t for t, _ in PYTHON_ORACLE])
def test_precedence_and_associativity_match_python(text, python, xyz):
    assert shape(build(text, xyz)) == shape(python(*xyz))


@pytest.mark.parametrize(
    "text, expected",
    [
        ("-2**2 * x", lambda x: apply("mul", apply("neg", apply("pow", 2.0, 2.0)), x)),
        ("-2.0**x", lambda x: apply("neg", apply("pow", 2.0, x))),
        ("(-2.0)**2 * x", lambda x: apply("mul", apply("pow", -2.0, 2.0), x)),
        ("-(2.0) * x", lambda x: apply("mul", apply("neg", 2.0), x)),
        ("--2.0 + x", lambda x: apply("add", apply("neg", -2.0), x)),
        ("- 2.5e-3 * x", lambda x: apply("mul", -2.5e-3, x)),
        ("2**-1 * x", lambda x: apply("mul", apply("pow", 2.0, -1.0), x)),
        ("x**-2.0**x", lambda x: apply("pow", x, apply("neg", apply("pow", 2.0, x)))),
    ],
)
def test_minus_directly_before_a_number_is_a_negative_constant_unless_a_power_follows(text, expected, xyz):
    assert shape(build(text, xyz)) == shape(expected(xyz[0]))


def test_calls_bind_their_arguments_and_tighter_than_any_operator(xyz):
    x, y, z = xyz
    got = build("-sin(x + y)**2 * sum(x, y * z, 1) - dot(x, y, z, 2)", xyz)
    assert shape(got) == shape(-(x + y).sin() ** 2 * apply("sum", x, y * z, 1.0) - apply("dot", x, y, z, 2.0))


# ------------------------------------------------------ the op table, row by row


def _arguments(op: Op) -> list[Value]:
    count = op.arity if op.arity is not None else 4
    return [Value(op.domain.intervals(i)[0][0] * 0.5 + op.domain.intervals(i)[0][1] * 0.5, label=f"a{i}")
            for i in range(count)]


@pytest.mark.parametrize("op", ROWS, ids=[op.name for op in ROWS])
def test_every_op_of_the_table_round_trips_through_its_printed_form(op):
    args = _arguments(op)
    v = apply(op, *args)
    got = parse(formula(v)).build({a.label: a for a in args})
    assert got.op is op and got.args == tuple(args)


@pytest.mark.parametrize("op", FIXED_CALL_ROWS, ids=[op.name for op in FIXED_CALL_ROWS])
def test_a_call_with_the_wrong_number_of_arguments_is_a_parse_error(op):
    for count in (0, op.arity + 1):
        text = f"{op.name}({', '.join(['x'] * count)})"
        with pytest.raises(ParseError, match=rf"{op.name}\(\) at position 0 takes {op.arity} argument"):
            parse(text)


def test_every_table_call_name_alone_is_an_error_that_says_to_call_it():
    for op in CALL_ROWS:
        with pytest.raises(ParseError, match=re.escape(f"call it as {op.name}(...)")):
            parse(f"{op.name} + 1")


def test_an_unknown_function_error_lists_every_call_of_the_table():
    with pytest.raises(ParseError) as info:
        parse("cosh(x)")
    assert all(op.name in info.value.reason for op in CALL_ROWS)


@pytest.mark.parametrize("count, ok", [(1, False), (2, True), (3, False), (4, True), (6, True), (0, False)])
def test_dot_takes_an_even_number_of_arguments(count, ok):
    text = f"dot({', '.join(['x'] * count)})"
    if ok:
        assert parse(text).nodes[-1].args == tuple(range(count))
    else:
        with pytest.raises(ParseError, match="even number"):
            parse(text)


def test_sum_takes_any_number_of_arguments_from_one():
    for count in (1, 2, 7):
        assert len(parse(f"sum({', '.join(['x'] * count)})").nodes[-1].args) == count
    with pytest.raises(ParseError, match="at least one argument"):
        parse("sum()")


def _row(name, arity, template, prec=ATOM, operand_prec=(0,)):
    forward = {1: lambda x: x**3, 2: math.fmod}[arity]
    return Op(name, arity, forward, lambda sp, *xs: 0, everywhere(arity), rules=(lambda g, out, *xs: g,) * arity,
              syntax=Syntax(template, prec, operand_prec))


def test_a_new_row_of_the_table_is_parsed_with_no_edit_of_the_parser(xyz):
    cube = _row("cube", 1, "cube({0})")
    fmod = _row("fmod", 2, "fmod({0}, {1})")
    mod = _row("mod", 2, "{0} % {1}", 20, (20, 21))  # Python's % binds like * and /
    table = {**OPS, "cube": cube, "fmod": fmod, "mod": mod}
    x, y, z = xyz
    got = parse("x + cube(y) % z * fmod(x, 2)", ops=table).build({"x": x, "y": y, "z": z})
    want = x + apply("mul", apply(mod, apply(cube, y), z), apply(fmod, x, 2.0))
    assert shape(got) == shape(want)
    with pytest.raises(ParseError, match="takes 2 arguments, got 1"):
        parse("fmod(x)", ops=table)
    with pytest.raises(ParseError, match="unknown function 'cube'"):
        parse("cube(x)")


def test_a_new_nary_row_is_parsed_with_the_argument_counts_of_its_table_entry(xyz):
    triples = Op("triples", None, sum, lambda sp, *xs: sp.Add(*xs), everywhere(1),
                 vjp=lambda g, out, xs: [g] * len(xs), nary=(3, 3), syntax=Syntax("triples({})", ATOM, ()))
    table = {**OPS, "triples": triples}
    assert len(parse("triples(x, y, z, x, y, z)", ops=table).nodes[-1].args) == 6
    for count in (1, 2, 4, 5):
        with pytest.raises(ParseError, match=f"triples\\(\\) at position 0 takes a number of arguments that is "
                                             f"a multiple of 3, at least 3, got {count}"):
            parse(f"triples({', '.join(['x'] * count)})", ops=table)


def test_a_row_whose_syntax_the_parser_cannot_read_fails_loudly():
    with pytest.raises(TypeError, match="'brackets'"):
        parse("x", ops={**OPS, "brackets": _row("brackets", 1, "[{0}]")})


# ----------------------------------------------------------- random round trip

NAMES = ("x", "y", "z")


def _in(intervals) -> st.SearchStrategy[float]:
    return st.one_of(*[st.floats(lo, hi) for lo, hi in intervals])  # -0.0 included


@st.composite
def graphs(draw, max_ops: int = 10) -> Value:
    """A small graph over every row of the table, with shared nodes and constant leaves.

    Each step applies a random row to earlier nodes or to constants drawn
    inside the row's domain (-0.0 and the ``-`` of a constant included); a
    step that leaves the domain anyway is skipped.
    """
    pool = [Value(draw(st.floats(0.2, 3.0)), label=name) for name in NAMES]
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(ROWS))
        count = draw(st.sampled_from([n for n in range(1, 5) if op.accepts(n)]))
        args = [
            draw(_in(op.domain.intervals(i)))
            if draw(st.integers(0, 3)) == 0
            else draw(st.one_of(st.just(pool[-1]), st.sampled_from(pool)))  # the newest node often: depth
            for i in range(count)
        ]
        try:
            pool.append(apply(op, *args))
        except DomainError:
            continue
    return pool[-1]


@given(graphs())
def test_parse_of_formula_rebuilds_the_same_graph(v):
    env = {name: leaf for leaf, name in variable_names(v).items()}
    rebuilt = parse(formula(v)).build(env)
    assert shape(rebuilt) == shape(v)
    assert rebuilt.data == v.data


@pytest.mark.parametrize(
    "build",
    [
        lambda x: apply("neg", 2.0) * x,
        lambda x: apply("neg", 0.0) * x,
        lambda x: apply("neg", -0.0) * x,
        lambda x: apply("pow", -0.0, 2.0) * x,
        lambda x: apply("pow", apply("neg", 0.0), 2.0) * x,
        lambda x: x ** apply("neg", 3.0),
        lambda x: x * -0.0 - apply("neg", -0.0),
    ],
)
def test_neg_of_a_constant_and_negative_zero_round_trip(build):
    x = Value(1.5, label="x")
    v = build(x)
    assert shape(parse(formula(v)).build({"x": x})) == shape(v)


@given(st.text(string.ascii_letters + string.digits + "_", min_size=1, max_size=8) | st.sampled_from(
    [op.name for op in ROWS] + ["lambda", "None", "x y", "π"]))
def test_every_label_a_value_accepts_reads_back_as_that_variable(label):
    try:
        x = Value(2.0, label=label)
    except ValueError:
        return
    f = parse(formula(x * 3))
    assert f.variables == (label,) and f.build({label: x}).args[0] is x


def test_unlabelled_variables_round_trip_under_their_printed_names():
    a, b = Value(1.0), Value(2.0)
    v = (a * b).exp() - a / b
    f = parse(formula(v))
    assert f.variables == ("x0", "x1")
    assert shape(f.build({"x0": a, "x1": b})) == shape(v)


# ------------------------------------------------------------------- numbers


@pytest.mark.parametrize(
    "text, value",
    [("2", 2.0), ("2.5", 2.5), ("1e-05", 1e-05), ("2.5E+3", 2500.0), ("1.", 1.0), (".5", 0.5),
     ("1.e3", 1000.0), ("007", 7.0), ("1e308", 1e308), ("1e-400", 0.0), ("-3", -3.0), ("1" * 300, float("1" * 300))],
)
def test_numbers_in_decimal_and_exponent_notation(text, value):
    assert parse(text).nodes == (Node(None, leaf=value),)


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_every_finite_float_repr_reads_back_exactly(c):
    (node,) = parse(repr(c)).nodes
    assert node.leaf == c and math.copysign(1.0, node.leaf) == math.copysign(1.0, c)


@pytest.mark.parametrize(
    "text, position", [("1e999", 0), ("1e309", 0), ("-1e999", 1), ("x * 2e400", 4), ("1" * 1000, 0), ("9" * 100_000, 0)]
)
def test_numbers_too_large_for_a_float_are_parse_errors(text, position):
    with pytest.raises(ParseError, match=f"at position {position} is too large for a float") as info:
        parse(text)
    assert info.value.position == position


@pytest.mark.parametrize("text, shown", [("1e", "'1e'"), ("2x", "'2x'"), ("1.5.2", "'1.5.'"), ("3_000", "'3_'")])
def test_malformed_numbers_are_parse_errors(text, shown):
    with pytest.raises(ParseError, match=f"malformed number {shown} at position 0"):
        parse(text)


# -------------------------------------------------------------------- errors

ERRORS = [  # text, position, words the message must contain
    ("x +", 3, "expected a number, a variable, a call or '(' at position 3, but the formula ended"),
    ("(x", 0, "'(' at position 0 is never closed"),
    ("sin(x", 0, "'sin(' at position 0 is never closed"),
    ("((x)", 0, "never closed"),
    ("x $ y", 2, "unexpected character '$' at position 2"),
    ("x ^ 2", 2, "write x**y for a power"),
    ("x)", 1, "unmatched ')' at position 1"),
    ("(x))", 3, "unmatched ')'"),
    ("", 0, "empty"),
    ("  \n ", 0, "empty"),
    ("sin + 1", 0, "'sin' at position 0 is a function: call it as sin(...)"),
    ("foo(x)", 0, "unknown function 'foo' at position 0; the functions are"),
    ("x(y)", 0, "unknown function 'x'"),
    ("sin(x, y)", 0, "sin() at position 0 takes 1 argument, got 2"),
    ("dot(a, b, c)", 0, "dot() at position 0 takes an even number"),
    ("x y", 2, "expected an operator at position 2, but found 'y'"),
    ("(x)(y)", 3, "expected an operator"),
    ("x * * y", 4, "but found '*'"),
    ("sum(x,)", 6, "but found ')'"),
    ("(x, y)", 2, "unexpected ',' at position 2"),
    ("x, y", 1, "unexpected ','"),
    ("()", 1, "but found ')'"),
    ("x // y", 3, "but found '/'"),
    ("x y $", 2, "expected an operator"),  # the first problem in the text, not the first bad character
    ("π * 2", 0, "'π' (U+03C0) at position 0: names are ASCII letters, digits and '_'"),
    ("lambda: 0", 0, "'lambda' at position 0 is a Python keyword"),
    ("x if y else z", 2, "'if' at position 2 is a Python keyword"),
    ("x.real", 1, "unexpected character '.' at position 1: formulas have no attributes"),
]


@pytest.mark.parametrize("text, position, words", ERRORS, ids=[repr(t) for t, _, _ in ERRORS])
def test_parse_error_says_what_and_where(text, position, words):
    with pytest.raises(ParseError) as info:
        parse(text)
    error = info.value
    assert (error.position, error.text) == (position, text)
    assert words in str(error)
    assert isinstance(error, ValueError)


@pytest.mark.parametrize("text", ["x +", "sin(x, y)", "x $ y", "a + b * (c - ) / d"])
def test_error_message_shows_a_caret_under_the_position(text):
    with pytest.raises(ParseError) as info:
        parse(text)
    shown, caret = str(info.value).splitlines()[-2:]
    assert shown == "  " + text
    assert caret == " " * (2 + info.value.position) + "^"


def test_caret_in_a_long_text_points_at_the_bad_character_in_a_window():
    text = "a + " * 10_000 + "$ + b"
    with pytest.raises(ParseError) as info:
        parse(text)
    shown, caret = str(info.value).splitlines()[-2:]
    assert len(shown) < 100 and shown[caret.index("^")] == "$"


def test_parse_error_survives_pickling_with_its_attributes():
    with pytest.raises(ParseError) as info:
        parse("x +")
    copy = pickle.loads(pickle.dumps(info.value))
    assert (copy.position, copy.text, str(copy)) == (3, "x +", str(info.value))


def test_non_string_input_is_a_type_error():
    with pytest.raises(TypeError, match="str"):
        parse(b"x + 1")


# ---------------------------------------------------------------- hostility


def _refuse(*args, **kwargs):
    raise AssertionError("parse tried to run text")


def forbid_running_text(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make every way of running text raise, and os.system too: parse must never get there."""
    for module, name in [(builtins, "eval"), (builtins, "exec"), (os, "system"),
                         (sympy, "sympify"), (sympy, "parse_expr"), (sympy.parsing.sympy_parser, "parse_expr")]:
        monkeypatch.setattr(module, name, _refuse)


@pytest.fixture
def nothing_runs_text(monkeypatch):
    forbid_running_text(monkeypatch)


HOSTILE = [
    "__import__('os').system('echo hi')",
    "().__class__",
    "().__class__.__bases__[0].__subclasses__()",
    "lambda: 0",
    "lambda x: x",
    "x if y else z",
    "[x for x in y]",
    "x.real",
    '"x"',
    "'x'",
    "π",
    "ｘ",
    "x\u200b",
    "import os",
    "for",
    "None",
    "True + x",
    "x; y",
    "x = 1",
    "x == y",
    "x @ y",
    "x[0]",
    "{x}",
    "f'{x}'",
    "exec('1')",
    "x\0",
    "\\x41",
    "# x",
    "sin(x) # comment",
    "x\n\ny = 2",
    "sum(*x)",
    "sin(x=1)",
    "~x",
    "not x",
    "x and y",
    "await x",
    "yield",
    "0x10",
    "1j",
    "1_000",
    "x:=1",
]


@pytest.mark.parametrize("text", HOSTILE, ids=[repr(t) for t in HOSTILE])
def test_hostile_text_is_a_parse_error_and_nothing_runs(text, nothing_runs_text, capfd):
    with pytest.raises(ParseError) as info:
        parse(text)
    assert 0 <= info.value.position <= len(text)
    assert "hi" not in capfd.readouterr().out


@pytest.mark.parametrize("name", ["eval", "exec", "__import__", "os", "__builtins__"])
def test_names_of_python_builtins_are_only_variables(name, nothing_runs_text):
    f = parse(f"{name} * 2")
    assert f.variables == (name,)
    assert f.build({name: 3.0}).data == 6.0


def test_ten_thousand_nested_parentheses_parse():
    f = parse("(" * 10_000 + "x" + ")" * 10_000)
    assert f.nodes == (Node(None, leaf="x"),) and f.variables == ("x",)


def test_a_hundred_thousand_nested_parentheses_parse_and_build():
    x = Value(2.0, label="x")
    n = 100_000
    assert parse("(" * n + "-x" + ")" * n).build({"x": x}).args == (x,)
    with pytest.raises(ParseError, match=f"position {n - 1} is never closed"):
        parse("(" * n + "x")
    with pytest.raises(ParseError, match="unmatched"):
        parse("(" * n + "x" + ")" * (n + 1))


def test_deep_chains_of_calls_unary_minus_and_powers_parse_and_build_without_recursion():
    x = Value(0.5, label="x")
    v = x
    for i in range(10_000):
        v = v.sin() if i % 2 else -v
    assert shape(parse(formula(v)).build({"x": x})) == shape(v)
    tower = parse("x" + "**x" * 10_000).build({"x": 1.0})
    assert tower.op is OPS["pow"] and tower.data == 1.0


# ------------------------------------------------------------------- fuzzing

TOKENS = [
    *NAMES, "0", "1", "2.5", "1e-05", "2.5E+3", "1e999", ".", "e", " ", "+", "-", "*", "/", "**", "(", ")", ",",
    *(op.name for op in CALL_ROWS), *(op.name + "(" for op in CALL_ROWS),
    "^", "lambda", "if", "else", "for", "import", "__import__", "'os'", '"', "[", "]", ":", "=", "π", "ｘ",
    "\n", "\0",
]


def _check_parse_result(text: str) -> None:
    """Either a well-formed Formula of the text or a ParseError pointing into it, and nothing run.

    eval and friends are patched inside each example, not by a fixture:
    hypothesis itself calls exec around the test function.
    """
    try:
        with pytest.MonkeyPatch.context() as monkeypatch:
            forbid_running_text(monkeypatch)
            f = parse(text)
    except ParseError as error:
        assert error.text == text and 0 <= error.position <= len(text)
        return
    assert isinstance(f, Formula) and f.text == text and f.nodes
    for k, node in enumerate(f.nodes):
        assert all(0 <= a < k for a in node.args)
        assert node.op is None or node.op.arity in (None, len(node.args))
    for name in f.variables:
        assert name.isascii() and name.isidentifier() and name in text


@given(st.text())
def test_fuzz_arbitrary_unicode_is_a_formula_or_a_parse_error(text):
    _check_parse_result(text)


@given(st.lists(st.sampled_from(TOKENS), max_size=30).map("".join))
def test_fuzz_formula_tokens_and_hostile_tokens_give_a_formula_or_a_parse_error(text):
    _check_parse_result(text)


@given(st.text(alphabet=string.ascii_letters[:6] + string.digits[:3] + "+-*/().,e^ _", max_size=40))
def test_fuzz_formula_characters_give_a_formula_or_a_parse_error(text):
    _check_parse_result(text)


@given(graphs(), st.data())
def test_fuzz_edited_formulas_give_a_formula_or_a_parse_error(v, data):
    text = formula(v)
    i = data.draw(st.integers(0, len(text)))
    edit = data.draw(st.sampled_from(["", *TOKENS]))
    cut = data.draw(st.integers(0, 2))
    _check_parse_result(text[:i] + edit + text[i + cut:])


# ------------------------------------------------------------------- Formula


def test_formula_keeps_text_and_variables_in_order_of_first_appearance():
    f = parse("y * sin(x) + y / z")
    assert f.text == "y * sin(x) + y / z" and f.variables == ("y", "x", "z")


def test_build_makes_one_shared_labelled_leaf_per_variable():
    v = parse("x * x + sin(x)").build({"x": 3})
    (a, b), c = v.args[0].args, v.args[1].args[0]
    assert a is b is c and a.label == "x" and a.data == 3.0 and a.op is None


def test_build_uses_given_values_as_they_are():
    x = Value(2.0, label="anything")
    y = x * 3
    v = parse("x + y").build({"x": x, "y": y})
    assert v.args == (x, y)


def test_build_turns_literals_into_constant_leaves():
    v = parse("2 * x").build({"x": 1.0})
    assert v.args[0].__class__ is Constant and v.args[0].data == 2.0


def test_build_of_a_bare_number_is_an_unlabelled_leaf():
    v = parse("-2.5").build({})
    assert isinstance(v, Value) and v.op is None and v.data == -2.5 and v.label is None


def test_build_names_a_missing_variable():
    with pytest.raises(ValueError, match="'y'"):
        parse("x + y").build({"x": 1.0})


def test_build_lets_domain_errors_through():
    with pytest.raises(DomainError, match="log"):
        parse("log(x - 1)").build({"x": 1.0})


def test_formula_repr_shows_text_and_variables_and_stays_short():
    assert repr(parse("sin(x) + y")) == "Formula('sin(x) + y', variables=('x', 'y'))"
    assert len(repr(parse("x + " * 1000 + "y"))) < 120


# --------------------------------------------------------------------- source


def test_parser_source_never_calls_eval_exec_or_sympy_parsing():
    # the module behind symbolic.parse (the function)
    source = pathlib.Path(importlib.import_module("symbolic.parser").__file__).read_text()
    for pattern in [r"\beval\s*\(", r"\bexec\s*\(", r"(?<![.\w])compile\s*\(", r"sympify", r"parse_expr",
                    r"\bimport ast\b", r"__import__"]:
        assert not re.search(pattern, source), pattern
