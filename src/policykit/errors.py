"""A small exception tree; the CLI maps each branch to one exit code.

PolicykitError        base
├── UsageError        bad arguments or configuration the user must fix   → exit 2
├── InputError        unreadable input that stops the command entirely    → exit 2
│   └── LimitExceeded an input over its time, memory or result budget     → exit 2
└── InternalError     a defect in policykit or its engine                 → exit 3
Problems found in the lists are not exceptions: they are Problem values → exit 1.
"""


class PolicykitError(Exception):
    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None, details: tuple | list = ()):
        """``details``: lines that belong under the message (one located problem each); the CLI
        prints each on a line of its own, escaped on its own, so no text can forge a line."""
        self.message = message
        self.hint = hint
        self.details = tuple(details)
        super().__init__("\n".join([message, *self.details]))


class UsageError(PolicykitError):
    exit_code = 2


class InputError(PolicykitError):
    exit_code = 2


class InternalError(PolicykitError):
    exit_code = 3


class LimitExceeded(InputError):
    """An input went over one of its budgets (time, memory, matches): the input's to fix → exit 2."""
