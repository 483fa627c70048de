"""``python -m compare train``: verified training (being written)."""

NAME = "train"
HELP = "verify the gradients of an MLP's loss, then train it (moons, circles, xor, spiral, sine)"


def add_arguments(parser):
    parser.add_argument("dataset")


def run(args) -> int:
    from .errors import UsageError

    raise UsageError("train is not available yet")
