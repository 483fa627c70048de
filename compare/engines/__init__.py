"""Other automatic-differentiation engines, judged by the same functions and the same truth as toygrad.

One small module per engine (:mod:`.toygrad`, :mod:`.torch`, :mod:`.jax`,
:mod:`.autograd`, :mod:`.micrograd`), each a table from the op table's rows (by
name) to that engine's function; :mod:`.adapter` builds a recipe from a table
and captures what the engine returns; :mod:`.truth` is the exact derivative (the
one place that says where the ground truth comes from); :mod:`.judge` holds an
engine's answer against it with the tolerance policy of
:mod:`compare.tolerance`; :mod:`.special` is the special-point suite and
:mod:`.conformance` runs the sweep. ``python -m compare engines`` prints it.

An engine that is not installed raises :class:`EngineMissing`, whose message
says how to install it:

>>> load("toygrad").name
'toygrad'
>>> sorted(load("toygrad").table) == sorted(__import__("toygrad").OPS)
True
"""

from __future__ import annotations

import functools
import importlib

from .adapter import Adapter, Outcome, kind

__all__ = ["ENGINES", "EngineMissing", "load", "install_hint", "Adapter", "Outcome", "kind"]

#: every engine with an adapter, toygrad first
ENGINES: tuple[str, ...] = ("toygrad", "torch", "jax", "autograd", "micrograd")


class EngineMissing(ImportError):
    """The engine's package is not installed; the message says how to install it."""

    def __init__(self, name: str, install: str, cause: str = ""):
        super().__init__(f"{name} is not installed ({install}, or pip install -e '.[engines]')"
                         + (f": {cause}" if cause else ""))
        self.engine = name
        self.install = install


def _module(name: str):
    if name not in ENGINES:
        raise ValueError(f"unknown engine {name!r}; choose from {', '.join(ENGINES)}")
    return importlib.import_module(f"{__name__}.{name}")


def install_hint(name: str) -> str:
    """How to install an engine: ``pip install torch==2.13.0``."""
    return _module(name).INSTALL


@functools.lru_cache(maxsize=None)
def load(name: str) -> Adapter:
    """The adapter of engine ``name`` (imports the engine), or :class:`EngineMissing`."""
    module = _module(name)
    try:
        return module.adapter()
    except ImportError as exc:
        raise EngineMissing(name, module.INSTALL, str(exc)) from None
