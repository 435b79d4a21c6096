"""Errors that the CLI turns into one line on stderr and exit code 2."""


class SearchopsError(Exception):
    """A usage, configuration or runtime problem the user can act on.

    The message must make sense on its own, on one line: the CLI prints it
    without a traceback (unless ``--debug``) and exits 2.
    """


class ConfigError(SearchopsError):
    """The configuration is invalid: the message names the file, the key and the problem."""
