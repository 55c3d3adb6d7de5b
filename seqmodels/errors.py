"""The one exception type for problems with a user's input."""


class SeqmodelsError(ValueError):
    """Bad input from the user: the CLI prints it as one line and exits non-zero.

    Messages name the file, the record or line, and the problem.
    """
