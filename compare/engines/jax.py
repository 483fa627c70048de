"""JAX (CPU, ``jax_enable_x64``): each op row as the ``jax.numpy`` / ``jax.nn`` function a user would call.

Run eagerly, with ``jax.disable_jit()``: compiling each random function costs
more than running it, and the jitted library functions (``jax.nn.relu``,
``jnp.dot``) would compile again under every transformation; op by op, each
primitive compiles once. The values are the same XLA kernels either way. Gradient by ``jax.value_and_grad``, Hessian by ``jax.jacfwd`` of it
(forward over reverse, as ``jax.hessian``), in one pass.
"""

from __future__ import annotations

import operator
from typing import Any, Callable, Sequence

from .adapter import Adapter

INSTALL = "pip install jax jaxlib"


def adapter() -> Adapter:
    import jax

    jax.config.update("jax_enable_x64", True)
    jax.config.update("jax_platforms", "cpu")
    import jax.numpy as jnp

    def dot(*args):
        n = len(args) // 2
        return jnp.dot(jnp.stack(args[:n]), jnp.stack(args[n:]))

    table: dict[str, Callable[..., Any]] = {
        # binary
        "add": operator.add, "sub": operator.sub, "mul": operator.mul, "div": operator.truediv,
        "pow": operator.pow,
        # unary
        "neg": jnp.negative, "exp": jnp.exp, "log": jnp.log, "sin": jnp.sin, "cos": jnp.cos,
        "tan": jnp.tan, "tanh": jnp.tanh, "sigmoid": jax.nn.sigmoid, "relu": jax.nn.relu,
        "sqrt": jnp.sqrt, "abs": jnp.abs,
        # fused n-ary
        "sum": lambda *args: jnp.sum(jnp.stack(args)),
        "dot": dot,
        "relu_dot": lambda *args: jax.nn.relu(dot(*args)),
    }

    def derivatives(f: Callable[[list], Any], xs: Sequence[float], order: int) -> tuple:
        x = jnp.array(xs, dtype=jnp.float64)

        def fun(v):
            return f(list(jnp.unstack(v)))  # one op; indexing v[i] costs ~1 ms each, eagerly

        if order == 1:
            value, gradient = jax.value_and_grad(fun)(x)
            return float(value), [float(g) for g in gradient], None

        def with_aux(v):
            value, gradient = jax.value_and_grad(fun)(v)
            return gradient, (value, gradient)

        hessian, (value, gradient) = jax.jacfwd(with_aux, has_aux=True)(x)
        return float(value), [float(g) for g in gradient], [[float(h) for h in row] for row in hessian]

    return Adapter("jax", table, derivatives, version=jax.__version__)
