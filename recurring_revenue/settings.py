"""Paths and settings shared by the CLI and the dbt profile.

Every value comes from an environment variable with a default, the same ones
`profiles.yml` reads, so the loader and dbt always agree on the warehouse file.
"""

from __future__ import annotations

import os
import re
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent

DEFAULT_DATABASE = "warehouse/recurring_revenue.duckdb"


def database_path() -> Path:
    """The warehouse file, as an absolute path.

    A relative `$RRW_DUCKDB_PATH` is taken from the working folder, as every other
    path a user types (`--database`, `--data`) and as dbt takes it when run by hand;
    without the variable, the file is `warehouse/recurring_revenue.duckdb` in the
    project folder. `run_dbt` hands dbt this absolute path, because it runs dbt in
    the project folder.
    """
    configured = os.environ.get("RRW_DUCKDB_PATH")
    if not configured:
        return PROJECT_DIR / DEFAULT_DATABASE
    return Path(absolute_database(configured))


def absolute_database(path: str) -> str:
    """`path` from the working folder; `:memory:` and `md:`-style URIs unchanged."""
    if path == ":memory:" or re.match(r"^[A-Za-z][A-Za-z0-9+.-]+:", path):
        return path
    return str(Path(path).expanduser().absolute())


#: Where the spark target keeps its metastore and tables when $RRW_SPARK_DIR is not set.
DEFAULT_SPARK_DIR = "build/spark"


def spark_dir() -> Path:
    """The spark target's folder (Derby metastore, table files; docs/spark.md).

    A relative `$RRW_SPARK_DIR` is taken from the working folder; without it,
    build/spark in the project folder. `run_dbt` hands dbt the absolute path.
    """
    configured = os.environ.get("RRW_SPARK_DIR")
    if not configured:
        return PROJECT_DIR / DEFAULT_SPARK_DIR
    return Path(configured).expanduser().absolute()


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
