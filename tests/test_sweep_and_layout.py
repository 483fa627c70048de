"""One reverse sweep with a seam for planted bugs, one node-creation path, Op.evaluate/partials, the module layout."""

import ast
import math
from collections import Counter
from pathlib import Path

import pytest

import toygrad
from toygrad import OPS, DomainError, Value, topological
from toygrad.sweep import planted

PACKAGE = Path(toygrad.__file__).parent


def _three_walks(f, x0):
    """d f/dx at x0 by backward(), grad() and the first row of hessian()'s gradient graph."""
    x = Value(x0)
    y = f(x)
    y.backward()
    x2 = Value(x0)
    [g] = toygrad.grad(f(x2), [x2])
    x3 = Value(x0)
    [gg] = toygrad.grad(f(x3), [x3], create_graph=True)
    return x.grad, g, gg.data


def _assign(total, term):
    return term


def _drop_small(total, term):
    d = term.data if isinstance(term, Value) else term
    return total if abs(d) < 1e-7 else total + term


def _early(order):
    """Move the first node used twice to just after its first user: the sweep visits it too soon."""
    users = Counter(a for n in order for a in n.args)
    for i, n in enumerate(order):
        if n.op is not None and users[n] >= 2:
            first = next(j for j in range(i + 1, len(order)) if n in order[j].args)
            return order[:i] + order[i + 1:first + 1] + [n] + order[first + 1:]
    return order


@pytest.mark.parametrize("plant, f, x0, right", [
    (dict(accumulate=_assign), lambda x: x * x, 3.0, 6.0),
    (dict(accumulate=_drop_small), lambda x: x * 1e-8 + x, 2.0, 1.0 + 1e-8),
    (dict(order=_early), lambda x: (lambda s: s.sin() * s + s)(x * x), 0.7,
     2 * 0.7 * (math.cos(0.49) * 0.49 + math.sin(0.49) + 1)),
], ids=["assign", "drop_small", "visit_early"])
def test_a_bug_planted_through_the_seam_reaches_every_reverse_walk(plant, f, x0, right):
    assert all(g == pytest.approx(right, rel=1e-15) for g in _three_walks(f, x0))
    with planted(**plant):
        wrong = _three_walks(f, x0)
    assert all(g != pytest.approx(right, rel=1e-15) for g in wrong)
    assert all(g == pytest.approx(right, rel=1e-15) for g in _three_walks(f, x0))  # and it is gone after


def test_backward_has_no_loop_of_its_own():
    source = (PACKAGE / "engine.py").read_text()
    tree = ast.parse(source)
    backward = next(n for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name == "backward")
    assert "reverse(" in ast.unparse(backward) and ".rules" not in ast.unparse(backward)


def test_n_ary_and_fixed_arity_nodes_map_forward_errors_alike():
    from compare.selftest import _patched_op

    def undefined(*_):
        raise ZeroDivisionError("planted")

    for name, args in (("sum", (Value(1.0), Value(2.0))), ("add", (Value(1.0), Value(2.0)))):
        with _patched_op(OPS[name], forward=undefined):
            with pytest.raises(DomainError, match=f"{name}\\(1.0, 2.0\\) is undefined"):
                toygrad.apply(name, *args)


def test_evaluate_and_partials_are_the_forward_and_the_rules_at_g_1():
    for op in OPS.values():
        n = op.arity if op.arity is not None else 4
        xs = [0.5 + 0.25 * i for i in range(n)]
        out = op.forward(*xs) if op.arity is not None else op.forward(xs)
        assert op.evaluate(xs) == out
        expected = list(op.vjp(1.0, out, xs)) if op.arity is None else [r(1.0, out, *xs) for r in op.rules]
        assert op.partials(out, xs) == expected
    assert OPS["pow"].partials(4.0, [-2.0, 2.0], wrt=[True, False]) == [-4.0, 0.0]  # log(-2) never asked


def _imports(path: Path) -> set[str]:
    """The toygrad modules a module imports when it runs, at any depth of its code (not for type checkers only)."""
    tree = ast.parse(path.read_text())
    typing_only = {id(n) for block in ast.walk(tree)
                   if isinstance(block, ast.If) and ast.unparse(block.test) == "TYPE_CHECKING"
                   for n in ast.walk(block)}
    out = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and id(node) not in typing_only:
            if node.module:
                out.add(node.module.split(".")[0])
            else:
                out.update(a.name for a in node.names)
    return out


def test_toygrad_modules_import_one_another_without_a_circle():
    graph = {p.stem: _imports(p) - {p.stem} for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    done: set[str] = set()

    def visit(m, path):
        assert m not in path, f"import circle: {' -> '.join(path + [m])}"
        if m in done:
            return
        for dep in graph.get(m, ()):
            visit(dep, path + [m])
        done.add(m)

    for m in graph:
        visit(m, [])


def test_no_toygrad_module_is_over_400_lines():
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert max(sizes.values()) <= 400, sizes


def test_topological_order_feeds_the_sweep_arguments_first():
    x = Value(1.0)
    y = (x * 2).exp() + x
    order = topological(y)
    assert order[-1] is y and order.index(x) < order.index(y.args[0])
