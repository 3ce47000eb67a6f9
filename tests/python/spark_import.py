"""Create Spark tables from Parquet files, in a process of its own.

Usage: python spark_import.py SPARK_DIR SCHEMA FOLDER

Every `FOLDER/<table>.parquet` becomes the Parquet-backed table `SCHEMA.<table>` of
the Spark metastore in SPARK_DIR (replaced when it exists), with the file's column
types: BIGINT, BOOLEAN, DOUBLE and string stay as they are, and DuckDB's TIMESTAMP
(read by Spark as TIMESTAMP_NTZ) becomes Spark's TIMESTAMP, as `rrw load --target
spark` does (the session time zone is UTC, so the wall-clock time is unchanged).
A separate process because the JVM that opens the embedded Derby metastore keeps it
locked until it exits (spark_export.py).
"""

from __future__ import annotations

import sys
from pathlib import Path

from recurring_revenue.spark_load import spark_session


def main(spark_dir: str, schema: str, folder: str) -> None:
    from pyspark.sql import functions
    from pyspark.sql.types import TimestampNTZType

    with spark_session(Path(spark_dir)) as spark:
        spark.sql(f"CREATE DATABASE IF NOT EXISTS {schema}")
        for path in sorted(Path(folder).glob("*.parquet")):
            frame = spark.read.parquet(str(path))
            frame = frame.select(
                [
                    functions.col(f"`{column.name}`").cast("timestamp").alias(column.name)
                    if isinstance(column.dataType, TimestampNTZType)
                    else functions.col(f"`{column.name}`")
                    for column in frame.schema.fields
                ]
            )
            frame.write.mode("overwrite").format("parquet").saveAsTable(f"{schema}.{path.stem}")


if __name__ == "__main__":
    main(*sys.argv[1:])
