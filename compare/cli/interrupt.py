"""Ctrl-C and SIGTERM: the first one stops the work, the clean-up that follows cannot be cut short.

:func:`stop_on_signals` turns SIGINT and SIGTERM into ``KeyboardInterrupt`` (so
SIGTERM stops a command exactly as Ctrl-C does) and, from the first signal on,
ignores further ones: a second Ctrl-C 50 ms later does not interrupt the
writing of what finished. The commands stop within a second or two of the
first signal; after that, only SIGKILL ends them sooner.

>>> with stop_on_signals():
...     pass
"""

from __future__ import annotations

import contextlib
import signal
import threading
from typing import Iterator

__all__ = ["stop_on_signals", "SIGNALS"]

SIGNALS = (signal.SIGINT, signal.SIGTERM)


def _first_signal(signum: int, frame: object) -> None:
    for s in SIGNALS:
        signal.signal(s, signal.SIG_IGN)  # the next one must not interrupt the clean-up, nor the exit
    raise KeyboardInterrupt


@contextlib.contextmanager
def stop_on_signals() -> Iterator[None]:
    """Within the block, SIGINT and SIGTERM raise ``KeyboardInterrupt`` once.

    The handlers are restored after the block unless a signal came: then
    further ones stay ignored until the process exits (with 130), so a second
    Ctrl-C just after the first cannot kill it on its way out.
    """
    if threading.current_thread() is not threading.main_thread():
        yield  # only the main thread may handle signals
        return
    previous = {s: signal.getsignal(s) for s in SIGNALS}
    for s in SIGNALS:
        signal.signal(s, _first_signal)
    try:
        yield
    finally:
        if signal.getsignal(signal.SIGINT) is _first_signal:  # no signal came
            for s, handler in previous.items():
                signal.signal(s, handler)
