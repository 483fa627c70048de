"""The command line, apart from the library: argument parsing, formatting and printing.

``python -m compare COMMAND``; :func:`compare.cli.main.main` is the entry point.
"""
