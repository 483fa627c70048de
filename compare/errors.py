"""Errors the command line turns into one line and exit status 2."""

__all__ = ["UsageError"]


class UsageError(ValueError):
    """The user asked for something that cannot be done: bad option, formula, point or variable."""
