"""The one module of contactflow exceptions: terminal (bad input, do not retry) versus transient."""


class ContactflowError(Exception):
    """Base class: the message is one sentence a user can act on."""


class InputRejected(ContactflowError):
    """The file or the options are unusable; retrying will not help (CLI exit code 2)."""


class JobFailed(ContactflowError):
    """A job ran and failed for a reason the user must act on (error budget, missing job)."""


class ErrorBudgetExceeded(JobFailed):
    """More rows had errors than the import's max_error_rows / max_error_ratio allow."""

    def __init__(self, message: str, error_rows: int, total_rows: int) -> None:
        super().__init__(message)
        self.error_rows, self.total_rows = error_rows, total_rows


class SetupError(ContactflowError):
    """The environment is not usable: no PostgreSQL binaries, unreachable database, bad URL."""


class TransientError(ContactflowError):
    """A database or network hiccup worth retrying (Dagster RetryPolicy)."""


def one_line(detail: object) -> str:
    """An error's text on one line (YAML's errors span four, with a caret under the column)."""
    return " ".join(str(detail).split())
