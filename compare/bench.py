"""``python -m compare bench``: the engine benchmark (being moved here)."""

NAME = "bench"
HELP = "time toygrad against micrograd and PyTorch (when installed) on micrograd's demo step"


def add_arguments(parser):
    pass


def run(args) -> int:
    from .errors import UsageError

    raise UsageError("bench is not available yet")
