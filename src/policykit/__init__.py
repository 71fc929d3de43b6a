"""policykit: a city's responsibility lists (权责清单、职责任务清单、职责边界清单) as versioned, checked YAML."""
from ._version import __version__  # noqa: E402,F401

from .problems import Problem  # noqa: E402
from .errors import PolicykitError, UsageError, InputError, InternalError  # noqa: E402

from typing import TYPE_CHECKING  # noqa: E402

if TYPE_CHECKING:  # the annotation only: importing the lists here would load them with the package
    from .lists.repository import Repository


def open_repository(path=".", at=None, *, as_of=None, source=None, cache: bool = True,
                    pause_gc: bool = False) -> "Repository":
    """Open the lists under ``path`` as a read-only, typed repository (``policykit.lists.repository``).

    ``at``: a revision or a date (the last commit on or before it): what the repository said then
    (transaction time). ``as_of``: a date: the lists in force on that day — adjustments by their
    生效日期, entries by their own 生效日期/失效日期 — with the records of ``at`` (valid time;
    ``policykit.lists.validtime``, docs/time.md). ``cache``: read the files
    through the speed wing's parse cache and parallel loader (``policykit.speed.cache``), which gives
    the same documents and problems as reading every file (``cache=False``) in a fraction of the time.
    ``pause_gc``: pause the cyclic garbage collector while the files are read (a process-wide choice
    for the caller to make — the command line does; restored afterwards).

    Returns a ``Repository`` (``policykit.lists.repository``); files that do not load are kept out of
    its model and named in ``repo.load_problems``. Raises ``UsageError`` when ``path`` is no
    directory or ``as_of`` is no date, and ``InputError`` when ``at`` names no revision or the folder
    is not a policykit repository (neither ``policykit.yaml`` nor a list folder under ``lists/``)."""
    from .lists.repository import open_repository as _open
    documents = None
    if cache:
        import functools
        from .speed.cache import load_documents
        documents = functools.partial(load_documents, pause_gc=pause_gc)
    repo = _open(path, at=at, as_of=as_of, source=source, documents=documents)
    repo.lookup_engine = _lookup_answers   # repo.lookup / lead_of / find_matters for plain words
    return repo


def _lookup_answers(repo, text):
    """The plain-words lookup (``policykit.lookup``), loaded when first asked: features that open
    repositories through this front door (history, site) do not come to depend on the lookup."""
    import importlib
    return importlib.import_module("policykit.lookup").answers_of(repo, text)


__all__ = ["Problem", "PolicykitError", "UsageError", "InputError", "InternalError", "open_repository"]
