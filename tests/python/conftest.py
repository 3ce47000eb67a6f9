"""Collection order: the longest test files first.

`make test` runs pytest on two workers, one test file per worker at a time
(`-n 2 --dist loadfile`). Files start in collection order, so a long file that
starts last would run alone at the end; starting the longest first lets the short
ones fill the other worker. The list holds the files that take more than a minute
(`--durations`); the others keep their alphabetical order after them.
"""

from __future__ import annotations

import sys

import pytest

# pyspark (the spark extra) takes a process whose __main__ module has neither a spec
# nor a file for its own doctest run, and exits (status 0) on importing Spark
# Connect without grpc. An xdist worker's __main__ is such a module, and
# great-expectations imports Spark Connect when pyspark is installed: the worker
# would stop while collecting. Give __main__ a file (this one, harmless to run).
_main = sys.modules["__main__"]
if getattr(_main, "__spec__", None) is None and not hasattr(_main, "__file__"):
    _main.__file__ = __file__

LONGEST_FIRST = [
    "test_delta.py",
    "test_settings_matrix.py",
    "test_stripe_source.py",
    "test_publish.py",
    "test_mrr_worked_cases.py",
    "test_reliability.py",
    "test_dashboard.py",
    "test_rejects_end_to_end.py",
    "test_bench.py",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Put the items of the LONGEST_FIRST files first, in that order (a stable sort)."""
    rank = {name: position for position, name in enumerate(LONGEST_FIRST)}
    items.sort(key=lambda item: rank.get(item.path.name, len(rank)))
