"""Recurring Revenue Warehouse: generator, loader, quality checks and CLI."""

from importlib.metadata import PackageNotFoundError, version

# The version is written once, in pyproject.toml; the installed package's metadata
# carries it here (dbt_project.yml repeats it, tied by tests/python/test_packaging.py).
try:
    __version__ = version("recurring-revenue")
except PackageNotFoundError:  # run from a source tree that was never installed
    __version__ = "0+unknown"
