"""Export Spark tables to Parquet folders, in a process of its own.

Usage: python spark_export.py SPARK_DIR OUT_FOLDER schema.table ...

A separate process because Spark's embedded Derby metastore stays locked by the JVM
that opened it until that JVM exits, and dbt's next Spark build needs the lock.
"""

from __future__ import annotations

import sys
from pathlib import Path

from recurring_revenue.spark_load import spark_session


def main(spark_dir: str, out: str, *relations: str) -> None:
    with spark_session(Path(spark_dir)) as spark:
        spark.conf.set("spark.sql.parquet.outputTimestampType", "TIMESTAMP_MICROS")
        for relation in relations:
            spark.table(relation).coalesce(1).write.parquet(str(Path(out) / relation))


if __name__ == "__main__":
    main(*sys.argv[1:])
