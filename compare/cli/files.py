"""Output files: every option that writes a file (``--json``, ``--plot``, ...) goes through here.

One rule for every output path, checked when the options are read, before any work:

* the path names a regular file, or nothing yet: an existing directory,
  device, FIFO or socket is refused (exit 2);
* a symbolic link is followed: the file it points to is written (the link
  stays a link);
* its directory must exist and be writable (it is not created): a missing
  directory is refused, so a typo never scatters directories.

:func:`write_file` writes a temporary file in the target's own directory and
renames it over the target, so a reader never sees half a file; the temporary
file is removed on every failure, Ctrl-C included.

>>> import tempfile, os
>>> d = tempfile.mkdtemp()
>>> target = output_path(os.path.join(d, "out.txt"))
>>> write_file(target, lambda fh: fh.write("hi\\n"))
>>> open(target).read(), os.listdir(d)
('hi\\n', ['out.txt'])
"""

from __future__ import annotations

import argparse
import os
import stat
import tempfile
from pathlib import Path
from typing import IO, Callable

__all__ = ["output_path", "write_file", "RULE"]

#: what the help of every output option says about its path
RULE = "a regular file (a symlink is written through); its directory must exist"

_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
)


def _problem(path: str) -> str:
    """Why ``path`` cannot be written as a regular file, or ``""``."""
    if not path:
        return "the path is empty"
    target = os.path.realpath(path)
    try:
        mode = os.stat(target).st_mode
    except FileNotFoundError:
        mode = None
    except OSError as exc:
        return exc.strerror or str(exc)
    if mode is not None and not stat.S_ISREG(mode):
        kind = next((what for test, what in _KINDS if test(mode)), "not a regular file")
        return f"it is {kind}, not a regular file"
    directory = os.path.dirname(target)
    if not os.path.isdir(directory):
        return f"the directory {directory} does not exist (it is not created)"
    try:  # the only sure test that a file can be made there (root passes os.access even on /proc)
        fd, probe = tempfile.mkstemp(prefix=".probe.", dir=directory)
    except OSError as exc:
        return f"cannot create a file in {directory}: {exc.strerror or exc}"
    os.close(fd)
    os.unlink(probe)
    return ""


def output_path(text: str) -> str:
    """An argparse type for an output path: ``text`` if it can be written, else a usage error naming why.

    >>> output_path("/")
    Traceback (most recent call last):
    ...
    argparse.ArgumentTypeError: cannot write '/': it is a directory, not a regular file
    """
    problem = _problem(text)
    if problem:
        raise argparse.ArgumentTypeError(f"cannot write {text!r}: {problem}")
    return text


def write_file(path: str | os.PathLike, write: Callable[[IO], object], binary: bool = False) -> None:
    """Call ``write(fh)`` on a temporary file beside ``path``'s target, then rename it over the target.

    A symlink is followed (its target is replaced, the link stays). The new file
    gets the permissions ``open()`` would give it. On any failure, ``KeyboardInterrupt``
    included, the temporary file is removed and the target is left as it was.
    """
    problem = _problem(os.fspath(path))
    if problem:  # the path changed since the options were read
        raise OSError(f"cannot write {os.fspath(path)!r}: {problem}")
    target = Path(os.path.realpath(path))
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        umask = os.umask(0)
        os.umask(umask)
        os.fchmod(fd, 0o666 & ~umask)  # as open() would make it, not mkstemp's 0600
        with os.fdopen(fd, "wb" if binary else "w") as fh:
            write(fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
