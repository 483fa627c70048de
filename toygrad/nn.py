"""A small neural-network library with micrograd's signatures.

``Module``, ``Neuron``, ``Layer`` and ``MLP`` take the same arguments as
micrograd's and draw their weights in the same order (``random.uniform(-1, 1)``
per weight, bias 0), so the same ``random.seed`` gives the same network. A
neuron's weighted sum, bias included, is one fused ``dot`` node instead of
``2 * nin + 1`` nodes, and a relu neuron is one ``relu_dot`` node.

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

from .engine import Constant, Value, _apply, _apply_nary, _lift
from .ops import OPS, UNARY

__all__ = ["Module", "Neuron", "Layer", "MLP"]

ACTIVATIONS = tuple(op.name for op in UNARY if op.method)
_DOT = OPS["dot"]
_ONE = Constant(1.0)


class Module:
    """Anything with parameters: ``parameters()`` and ``zero_grad()``."""

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

    def __call__(self, x: Sequence[Any]) -> Value:
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
            return _apply_nary(self._fused, args, data)
        act = _apply_nary(_DOT, args, data)
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

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
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

    def __call__(self, x: Sequence[Any]) -> Value | list[Value]:
        nin = len(self.layers[0].neurons[0].w)
        if len(x) != nin:
            raise ValueError(f"this MLP takes {nin} inputs, got {len(x)}")
        for layer in self.layers:
            x = layer([x] if isinstance(x, Value) else x)  # a layer of one neuron returns a Value
        return x

    def parameters(self) -> list[Value]:
        """The parameters of every layer, first layer first."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP of [{', '.join(repr(layer) for layer in self.layers)}]"
