"""Paths and settings shared by the CLI and the dbt profile.

Every value comes from an environment variable with a default, the same ones
`profiles.yml` reads, so the loader and dbt always agree on the warehouse file.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULT_DATABASE = "warehouse/recurring_revenue.duckdb"


def database_path() -> Path:
    """The warehouse file, relative paths taken from the project directory."""
    path = Path(os.environ.get("RRW_DUCKDB_PATH", DEFAULT_DATABASE))
    return path if path.is_absolute() else PROJECT_DIR / path


def memory_limit() -> str:
    return os.environ.get("RRW_MEMORY_LIMIT", "4GB")


def threads() -> int:
    return int(os.environ.get("RRW_THREADS", "2"))


#: A load that leaves a raw table with fewer than half its rows (or none) is flagged.
DEFAULT_MAX_SHRINK = 0.5


def max_shrink() -> float:
    """The largest share of a raw table's rows one load may drop without a warning.

    $RRW_MAX_SHRINK, a number from 0 to 1 (default 0.5); ValueError when it is not one.
    """
    text = os.environ.get("RRW_MAX_SHRINK", str(DEFAULT_MAX_SHRINK))
    share = float(text)
    if not 0 <= share <= 1:
        raise ValueError(f"{text} is not between 0 and 1")
    return share


def storage_version() -> str:
    """The DuckDB storage version new warehouse files are written with.

    v1.0.0 by default ($RRW_STORAGE_VERSION), so DuckDB 1.x clients (BI tools)
    can read the warehouse that DuckDB 2.x builds.
    """
    return os.environ.get("RRW_STORAGE_VERSION", "v1.0.0")
