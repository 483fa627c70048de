"""A small neural-network library with micrograd's signatures.

``Module``, ``Neuron``, ``Layer`` and ``MLP`` take the same arguments as
micrograd's and draw their weights in the same order (``random.uniform(-1, 1)``
per weight, bias 0), so the same ``random.seed`` gives the same network. A
neuron's weighted sum, bias included, is one fused ``dot`` node instead of
``2 * nin + 1`` nodes, and a relu neuron is one ``relu_dot`` node.

As in PyTorch, calling a module runs its ``forward``: a model of your own
subclasses :class:`Module` and writes ``forward`` and ``parameters``, and
:class:`Linear` is the plain ``y = W x + b`` layer (no activation) to build
it from.

>>> import random
>>> from toygrad.nn import MLP
>>> random.seed(1337)
>>> model = MLP(2, [16, 16, 1])
>>> model
MLP of [Layer of [ReLUNeuron(2) x 16], Layer of [ReLUNeuron(16) x 16], Layer of [LinearNeuron(16)]]
>>> len(model.parameters())
337
>>> score = model([2.0, -1.0])
>>> score.backward()
"""

from __future__ import annotations

import random
from typing import Any, Sequence

from .engine import Constant, Value, _apply, _lift
from .ops import OPS, UNARY

__all__ = ["Module", "Neuron", "Layer", "MLP", "Linear"]

ACTIVATIONS = tuple(op.name for op in UNARY if op.method)
_DOT = OPS["dot"]
_ONE = Constant(1.0)


class Module:
    """Anything with parameters: ``parameters()``, ``zero_grad()``, and ``forward()``, which a call runs.

    >>> class Double(Module):
    ...     def forward(self, x):
    ...         return [2 * v for v in x]
    >>> Double()([1.0, 2.0])
    [2.0, 4.0]
    """

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """What calling the module computes; a subclass defines it (PyTorch style)."""
        raise NotImplementedError(f"{type(self).__name__} defines no forward(): a Module computes in forward()")

    def parameters(self) -> list[Value]:
        """The trainable Values of the module, in a fixed order (weights before bias, layer by layer).

        >>> import random
        >>> random.seed(0)
        >>> [p.data for p in Neuron(2).parameters()][-1]  # the bias comes last, at 0
        0.0
        """
        return []

    def zero_grad(self) -> None:
        """Set ``.grad`` of every parameter to 0, as before each ``backward()`` of a training step.

        >>> import random
        >>> random.seed(0)
        >>> model = MLP(2, [3, 1])
        >>> model([1.0, -1.0]).backward()
        >>> model.zero_grad()
        >>> {p.grad for p in model.parameters()}
        {0.0}
        """
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """``act(w . x + b)``: ``Neuron(nin, nonlin=True, activation="relu")``.

    ``nonlin=False`` makes it linear. ``activation`` is any unary op of the
    table with a method (``"relu"``, ``"tanh"``, ``"sigmoid"``, ...).
    """

    def __init__(self, nin: int, nonlin: bool = True, activation: str = "relu"):
        if not isinstance(nin, int) or isinstance(nin, bool) or nin < 1:
            raise ValueError(f"a Neuron needs a positive whole number of inputs, got {nin!r}")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of {', '.join(ACTIVATIONS)}")
        self.w = [Value(random.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0)
        self.nonlin = nonlin
        self.activation = activation
        self._act = OPS[activation]
        # a row that fuses the activation into the weighted sum (relu_dot) makes one node, not two
        self._fused = OPS.get(f"{activation}_dot") if nonlin else None

    def forward(self, x: Sequence[Any]) -> Value:
        """``act(w . x + b)`` for one input vector ``x`` (numbers or Values)."""
        if len(x) != len(self.w):
            raise ValueError(f"{self!r} takes {len(self.w)} inputs, got {len(x)}")
        x = tuple(map(_lift, x))
        return self._forward(x, [v.data for v in x])

    def _forward(self, x: tuple, xd: list[float]) -> Value:
        """The neuron on inputs already lifted to Values or Constants, whose values are ``xd``."""
        w = self.w
        data = [p.data for p in w]
        data.append(self.b.data)
        data += xd
        data.append(1.0)
        args = (*w, self.b, *x, _ONE)  # the bias is the weight of a constant 1
        if self._fused is not None:
            return _apply(self._fused, args, data)
        act = _apply(_DOT, args, data)
        return _apply(self._act, (act,)) if self.nonlin else act

    def parameters(self) -> list[Value]:
        """The weights, then the bias."""
        return self.w + [self.b]

    def __repr__(self) -> str:
        kind = ("ReLU" if self.activation == "relu" else self.activation.capitalize()) if self.nonlin else "Linear"
        return f"{kind}Neuron({len(self.w)})"


class Layer(Module):
    """``nout`` neurons reading the same ``nin`` inputs: ``Layer(nin, nout, **kwargs)``.

    Returns a list of outputs, or a single ``Value`` when ``nout == 1``.
    """

    def __init__(self, nin: int, nout: int, **kwargs: Any):
        if not isinstance(nout, int) or isinstance(nout, bool) or nout < 1:
            raise ValueError(f"a Layer needs a positive whole number of outputs, got {nout!r}")
        self.neurons = [Neuron(nin, **kwargs) for _ in range(nout)]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """Every neuron on ``x``: a list, or one Value for a layer of one neuron (as micrograd)."""
        nin = len(self.neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"this layer takes {nin} inputs, got {len(x)}")
        x = tuple(map(_lift, x))  # once for all neurons, as are their values
        xd = [v.data for v in x]
        out = [n._forward(x, xd) for n in self.neurons]
        return out[0] if len(out) == 1 else out

    def parameters(self) -> list[Value]:
        """The parameters of every neuron, neuron by neuron."""
        return [p for n in self.neurons for p in n.parameters()]

    def __repr__(self) -> str:
        kinds = [repr(n) for n in self.neurons]
        if len(set(kinds)) == 1 and len(kinds) > 1:
            return f"Layer of [{kinds[0]} x {len(kinds)}]"
        return f"Layer of [{', '.join(kinds)}]"


class MLP(Module):
    """A multi-layer perceptron: ``MLP(nin, nouts)``, e.g. ``MLP(2, [16, 16, 1])``.

    Hidden layers use ``activation`` (relu by default); the last layer is linear.
    """

    def __init__(self, nin: int, nouts: Sequence[int], activation: str = "relu"):
        nouts = list(nouts)
        if not nouts:
            raise ValueError("an MLP needs at least one layer size in nouts")
        sizes = [nin] + nouts
        self.layers = [
            Layer(sizes[i], sizes[i + 1], nonlin=i != len(nouts) - 1, activation=activation) for i in range(len(nouts))
        ]

    def forward(self, x: Sequence[Any]) -> Value | list[Value]:
        """The layers in turn on ``x``."""
        nin = len(self.layers[0].neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"this MLP takes {nin} inputs, got {len(x)}")
        for layer in self.layers:
            x = layer.forward([x] if isinstance(x, Value) else x)  # a layer of one neuron returns a Value
        return x

    def parameters(self) -> list[Value]:
        """The parameters of every layer, first layer first."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(repr(layer) for layer in self.layers)}]"


class Linear(Module):
    """``y = W x + b``, no activation: ``Linear(in_features, out_features)``, a list in and a list out.

    Weights are drawn as micrograd draws them (``random.uniform(-1, 1)``, row by
    row), biases start at 0. Each output is one fused ``dot`` node.

    >>> import random
    >>> random.seed(0)
    >>> layer = Linear(3, 2)
    >>> [round(y.data, 6) for y in layer([1.0, 2.0, 3.0])]
    [1.244091, -1.007463]
    """

    def __init__(self, in_features: int, out_features: int):
        for name, n in (("in_features", in_features), ("out_features", out_features)):
            if not isinstance(n, int) or isinstance(n, bool) or n < 1:
                raise ValueError(f"Linear needs a positive whole number for {name}, got {n!r}")
        self.weight = [[Value(random.uniform(-1, 1)) for _ in range(in_features)] for _ in range(out_features)]
        self.bias = [Value(0) for _ in range(out_features)]

    def forward(self, x: Sequence[Any]) -> list[Value]:
        """``W x + b`` for one input vector ``x`` (numbers or Values)."""
        if len(x) != len(self.weight[0]):
            raise ValueError(f"{self!r} takes {len(self.weight[0])} inputs, got {len(x)}")
        x = (*map(_lift, x), _ONE)  # the bias is the weight of a constant 1
        xd = [v.data for v in x]
        return [_apply(_DOT, (*w, b, *x), [p.data for p in w] + [b.data] + xd) for w, b in zip(self.weight, self.bias)]

    def parameters(self) -> list[Value]:
        """Each output's weights then its bias, output by output."""
        return [p for w, b in zip(self.weight, self.bias) for p in (*w, b)]

    def __repr__(self) -> str:
        return f"Linear({len(self.weight[0])}, {len(self.weight)})"
