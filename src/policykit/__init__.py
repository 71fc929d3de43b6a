"""policykit: a city's responsibility lists (权责清单、职责任务清单、职责边界清单) as versioned, checked YAML."""
__version__ = "0.1.0"

from .problems import Problem  # noqa: E402
from .errors import PolicykitError, UsageError, InputError, InternalError  # noqa: E402


def open_repository(path=".", at=None):
    """Open the lists under ``path`` as a read-only, typed repository (see repository.py)."""
    from .repository import open_repository as _open
    return _open(path, at=at)


__all__ = ["Problem", "PolicykitError", "UsageError", "InputError", "InternalError", "open_repository"]
