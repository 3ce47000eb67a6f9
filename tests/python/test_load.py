"""Tests of `rrw load` (recurring_revenue.load): raw layer shape, structural errors, semantics."""

from __future__ import annotations

import csv
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow
import pyarrow.parquet
import pytest

from recurring_revenue import cli
from recurring_revenue.load import LoadError, Shrink, load_folder
from recurring_revenue.raw_spec import LINEAGE_COLUMNS, OPTIONAL_TABLES, TABLES

Rows = dict[str, list[dict[str, str]]]

# Dataset A: small, consistent, with the values whose text must survive.
DATASET_A: Rows = {
    "customers": [
        {
            "customer_id": "007",
            "customer_name": "Zoë, Ltd.",
            "email": "zoe@example.com",
            "country_code": "DK",
            "acquisition_channel": "search",
            "created_at": "2024-01-15T09:30:00+01:00",
        },
        {
            "customer_id": "7",
            "customer_name": "  padded  ",
            "email": "seven@example.com",
            "country_code": "",
            "acquisition_channel": "",
            "created_at": "not-a-timestamp",
        },
    ],
    "plans": [
        {
            "plan_id": "P-001",
            "plan_name": "Team",
            "product_name": "Widget",
            "business_model": "subscription",
            "billing_interval_unit": "month",
            "billing_interval_count": "1",
            "currency": "EUR",
            "unit_price": "12.500",
            "trial_days": "",
        },
    ],
    "subscriptions": [
        {
            "subscription_id": "S-001",
            "customer_id": "007",
            "created_at": "2024-01-15T09:30:00Z",
            "commitment_months": "12",
            "notice_period_days": "30",
            "auto_renew": "true",
        },
    ],
    "subscription_events": [
        {
            "event_id": "E-001",
            "subscription_id": "S-001",
            "event_type": "activated",
            "effective_at": "2024-01-15T09:30:00-05:00",
            "recorded_at": "2024-01-15 09:30:00",
            "plan_id": "P-001",
            "quantity": "3",
            "unit_price": "0.10",
            "discount_percent": "",
            "discount_amount": "",
            "cancellation_reason": "",
        },
    ],
    "invoices": [
        {
            "invoice_id": "I-001",
            "customer_id": "007",
            "currency": "EUR",
            "status": "paid",
            "issued_at": "2024-01-15T09:30:00Z",
            "due_at": "",
        },
    ],
    "invoice_line_items": [
        {
            "line_item_id": "L-001",
            "invoice_id": "I-001",
            "subscription_id": "S-001",
            "plan_id": "P-001",
            "line_type": "recurring",
            "description": 'Team plan,\n3 seats "annual"',
            "service_period_start": "2024-01-15",
            "service_period_end": "2024-02-15",
            "quantity": "3",
            "amount": "37.500",
            "discount_amount": "0.10",
            "tax_amount": "0",
        },
    ],
    "payments": [
        {
            "payment_id": "PAY-001",
            "invoice_id": "I-001",
            "payment_type": "charge",
            "status": "succeeded",
            "amount": "37.40",
            "currency": "EUR",
            "occurred_at": "2024-01-16T00:00:00+00:00",
            "failure_reason": "",
        },
    ],
}


def dataset_b() -> Rows:
    """A different valid dataset: every table's text differs from dataset A."""
    rows = {table: [dict(row) for row in table_rows] for table, table_rows in DATASET_A.items()}
    for table_rows in rows.values():
        for row in table_rows:
            for column, value in row.items():
                if column.endswith("_id") and value:
                    row[column] = f"B{value}"
    rows["customers"].append({**rows["customers"][0], "customer_id": "B008"})
    return rows


def write_csv(path: Path, header: list[str], rows: list[list[str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)


def write_folder(folder: Path, dataset: Rows) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in dataset.items():
        header = list(rows[0])
        write_csv(folder / f"{table}.csv", header, [[row[c] for c in header] for row in rows])
    return folder


def write_parquet_folder(folder: Path, dataset: Rows) -> Path:
    """The same dataset as Parquet with string columns (an empty CSV field = a null)."""
    folder.mkdir(parents=True, exist_ok=True)
    for table, rows in dataset.items():
        columns = {
            name: pyarrow.array([row[name] or None for row in rows], pyarrow.string())
            for name in rows[0]
        }
        pyarrow.parquet.write_table(pyarrow.table(columns), folder / f"{table}.parquet")
    return folder


def raw_tables(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every table of the raw schema with its rows in a stable order."""
    connection = duckdb.connect(str(database), read_only=True)
    try:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' ORDER BY 1"
            ).fetchall()
        ]
        snapshot: dict[str, list[tuple[object, ...]]] = {}
        for name in names:
            columns = [row[0] for row in connection.execute(f'DESCRIBE raw."{name}"').fetchall()]
            snapshot[f"{name}:columns"] = [tuple(columns)]
            snapshot[name] = connection.execute(
                f'SELECT * FROM raw."{name}" ORDER BY ALL'
            ).fetchall()
        return snapshot
    finally:
        connection.close()


def query(database: Path, sql: str) -> list[tuple[object, ...]]:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


@pytest.fixture
def folder_a(tmp_path: Path) -> Path:
    return write_folder(tmp_path / "a", DATASET_A)


@pytest.fixture
def database(tmp_path: Path) -> Path:
    return tmp_path / "warehouse" / "test.duckdb"


# A valid folder.


def test_valid_folder_loads_every_table_with_lineage(folder_a: Path, database: Path) -> None:
    messages: list[str] = []
    result = load_folder(folder_a, database, progress=messages.append)

    assert not result.skipped
    assert result.rows == {
        "customers": 2,
        "plans": 1,
        "subscriptions": 1,
        "subscription_events": 1,
        "invoices": 1,
        "invoice_line_items": 1,
        "payments": 1,
        "fx_rates": 0,
        "marketing_spend": 0,
    }
    assert len(result.batch_id) == 16
    for table in TABLES:
        columns = query(database, f'DESCRIBE raw."{table.name}"')
        assert [row[0] for row in columns] == [*table.column_names, *LINEAGE_COLUMNS]
        types = {row[0]: row[1] for row in columns}
        assert {types[name] for name in table.column_names} == {"VARCHAR"}
        assert types["_load_batch_id"] == "VARCHAR"
        assert types["_source_file"] == "VARCHAR"
        assert types["_source_row_number"] == "BIGINT"
        assert types["_loaded_at"] == "TIMESTAMP"
    lineage = query(
        database,
        "SELECT customer_id, _load_batch_id, _source_file, _source_row_number, _loaded_at "
        "FROM raw.customers ORDER BY _source_row_number",
    )
    assert [row[:4] for row in lineage] == [
        ("007", result.batch_id, "customers.csv", 1),
        ("7", result.batch_id, "customers.csv", 2),
    ]
    loaded_at = lineage[0][4]
    assert isinstance(loaded_at, datetime)
    assert abs((datetime.now(UTC).replace(tzinfo=None) - loaded_at).total_seconds()) < 120
    assert any("customers.csv: 2 rows" in message for message in messages)
    assert "Loaded batch" in result.summary()


def test_load_log_has_one_row_per_table(folder_a: Path, database: Path) -> None:
    result = load_folder(folder_a, database)

    log = query(
        database,
        "SELECT table_name, load_batch_id, source_file, file_sha256, row_count, extra_columns "
        "FROM raw._load_log ORDER BY table_name",
    )
    assert [row[0] for row in log] == sorted(t.name for t in TABLES)
    by_table = {row[0]: row for row in log}
    assert {row[1] for row in log} == {result.batch_id}
    assert by_table["customers"][2:3] == ("customers.csv",)
    assert len(str(by_table["customers"][3])) == 64
    assert by_table["customers"][4] == 2
    for name in OPTIONAL_TABLES:
        assert by_table[name][2:5] == (None, None, 0)


def test_absent_optional_tables_are_created_empty(folder_a: Path, database: Path) -> None:
    load_folder(folder_a, database)

    assert query(database, "SELECT count(*) FROM raw.fx_rates") == [(0,)]
    assert query(database, "SELECT count(*) FROM raw.marketing_spend") == [(0,)]


def test_present_optional_table_is_loaded(folder_a: Path, database: Path) -> None:
    write_csv(
        folder_a / "fx_rates.csv",
        ["rate_date", "currency", "rate_to_reporting"],
        [["2024-01-31", "EUR", "1.08531234"]],
    )

    result = load_folder(folder_a, database)

    assert result.rows["fx_rates"] == 1
    assert query(database, "SELECT rate_to_reporting FROM raw.fx_rates") == [("1.08531234",)]


def test_extra_columns_are_kept_after_the_contract_columns(folder_a: Path, database: Path) -> None:
    rows = [{**row, "Segment ": "smb", "region": "EU"} for row in DATASET_A["customers"]]
    # spec columns out of spec order, extras in between: raw uses spec order,
    # then the extras in file order
    header = ["region", "created_at", "email", "customer_id", "Segment ", "customer_name"]
    header += ["country_code", "acquisition_channel"]
    write_csv(folder_a / "customers.csv", header, [[row[c] for c in header] for row in rows])

    result = load_folder(folder_a, database)

    columns = [row[0] for row in query(database, "DESCRIBE raw.customers")]
    contract = list(TABLES[0].column_names)
    assert columns == [*contract, "region", "segment", *LINEAGE_COLUMNS]
    assert query(
        database,
        "SELECT customer_id, created_at, region, segment FROM raw.customers "
        "ORDER BY _source_row_number",
    ) == [("007", "2024-01-15T09:30:00+01:00", "EU", "smb"), ("7", "not-a-timestamp", "EU", "smb")]
    assert result.tables[0].extra_columns == ("region", "segment")
    assert query(
        database, "SELECT extra_columns FROM raw._load_log WHERE table_name = 'customers'"
    ) == [(["region", "segment"],)]
    assert "Extra columns kept: customers (region, segment)" in result.summary()


def test_header_names_are_trimmed_and_lower_cased(folder_a: Path, database: Path) -> None:
    rows = DATASET_A["customers"]
    header = ["  Customer_ID ", "CUSTOMER_NAME", "Email ", " country_code", "Acquisition_Channel"]
    header.append("CREATED_AT")
    keys = list(rows[0])
    write_csv(folder_a / "customers.csv", header, [[row[k] for k in keys] for row in rows])

    load_folder(folder_a, database)

    columns = [row[0] for row in query(database, "DESCRIBE raw.customers")]
    assert columns[:6] == keys
    assert query(database, "SELECT email FROM raw.customers ORDER BY ALL") == [
        ("seven@example.com",),
        ("zoe@example.com",),
    ]


def test_unknown_files_are_ignored_with_a_notice(folder_a: Path, database: Path) -> None:
    (folder_a / "customer.csv").write_text("a\n1\n", encoding="utf-8")
    (folder_a / "notes.txt").write_text("hello", encoding="utf-8")
    (folder_a / "_SUCCESS").write_text("", encoding="utf-8")
    (folder_a / ".DS_Store").write_bytes(b"\x00")
    messages: list[str] = []

    result = load_folder(folder_a, database, progress=messages.append)

    assert "ignored customer.csv - did you mean customers.csv?" in result.notices
    assert any(notice.startswith("ignored notes.txt") for notice in result.notices)
    assert len(result.notices) == 2
    assert any("did you mean customers.csv?" in message for message in messages)
    assert "did you mean customers.csv?" in result.summary()


# Values stay text, exactly as in the file.


def test_values_keep_their_exact_text(folder_a: Path, database: Path) -> None:
    load_folder(folder_a, database)

    customers = query(
        database,
        "SELECT customer_id, customer_name, country_code, created_at FROM raw.customers "
        "ORDER BY _source_row_number",
    )
    assert customers == [
        ("007", "Zoë, Ltd.", "DK", "2024-01-15T09:30:00+01:00"),
        ("7", "  padded  ", None, "not-a-timestamp"),
    ]
    assert query(database, "SELECT unit_price, trial_days FROM raw.plans") == [("12.500", None)]
    assert query(database, "SELECT effective_at, unit_price FROM raw.subscription_events") == [
        ("2024-01-15T09:30:00-05:00", "0.10")
    ]
    assert query(
        database, "SELECT description, amount, discount_amount FROM raw.invoice_line_items"
    ) == [('Team plan,\n3 seats "annual"', "37.500", "0.10")]


def test_offset_timestamp_text_is_byte_exact(folder_a: Path, database: Path) -> None:
    stamps = [
        "2024-03-31T01:59:59.999999+02:00",
        "2024-01-01T00:00:00Z",
        "2024-06-01 12:00:00-0330",
    ]
    rows = [
        {**DATASET_A["customers"][0], "customer_id": str(index), "created_at": stamp}
        for index, stamp in enumerate(stamps)
    ]
    header = list(rows[0])
    write_csv(folder_a / "customers.csv", header, [[row[c] for c in header] for row in rows])

    load_folder(folder_a, database)

    loaded = query(database, "SELECT created_at FROM raw.customers ORDER BY _source_row_number")
    assert [row[0].encode("utf-8") for row in loaded] == [s.encode("utf-8") for s in stamps]


def test_empty_fields_are_null_and_quoted_empty_fields_too(folder_a: Path, database: Path) -> None:
    header = ",".join(DATASET_A["plans"][0])
    (folder_a / "plans.csv").write_text(
        f'{header}\nP-001,"",Widget,subscription,month,1,EUR,0.10,\n', encoding="utf-8"
    )

    load_folder(folder_a, database)

    assert query(database, "SELECT plan_name, unit_price, trial_days FROM raw.plans") == [
        (None, "0.10", None)
    ]


def test_bom_and_crlf_line_endings_are_accepted(folder_a: Path, database: Path) -> None:
    path = folder_a / "customers.csv"
    text = path.read_text(encoding="utf-8")
    path.write_bytes(b"\xef\xbb\xbf" + text.replace("\n", "\r\n").encode("utf-8"))

    load_folder(folder_a, database)

    assert query(
        database, "SELECT customer_id, created_at FROM raw.customers ORDER BY _source_row_number"
    ) == [("007", "2024-01-15T09:30:00+01:00"), ("7", "not-a-timestamp")]


# Idempotency and snapshot replacement.


def test_reloading_the_same_folder_is_a_no_op(folder_a: Path, database: Path) -> None:
    first = load_folder(folder_a, database)
    before = raw_tables(database)

    second = load_folder(folder_a, database)

    assert second.skipped
    assert second.batch_id == first.batch_id
    assert second.rows == first.rows
    assert "Nothing to do" in second.summary()
    assert raw_tables(database) == before


def test_batch_id_depends_on_content_only(folder_a: Path, tmp_path: Path, database: Path) -> None:
    first = load_folder(folder_a, database)
    copy = shutil.copytree(folder_a, tmp_path / "elsewhere" / "copy")
    os.utime(copy / "customers.csv", (0, 0))

    second = load_folder(copy, database)

    assert second.skipped
    assert second.batch_id == first.batch_id


def test_a_different_folder_replaces_every_raw_table(
    folder_a: Path, tmp_path: Path, database: Path
) -> None:
    first = load_folder(folder_a, database)
    folder_b = write_folder(tmp_path / "b", dataset_b())
    write_csv(
        folder_b / "marketing_spend.csv",
        ["spend_date", "channel", "amount", "currency"],
        [["2024-01-01", "search", "100.00", "EUR"]],
    )

    second = load_folder(folder_b, database)

    assert not second.skipped
    assert second.batch_id != first.batch_id
    assert second.previous_batch_id == first.batch_id
    assert query(database, "SELECT customer_id FROM raw.customers ORDER BY 1") == [
        ("B007",),
        ("B008",),
        ("B7",),
    ]
    for table in TABLES:
        batches = query(database, f'SELECT DISTINCT _load_batch_id FROM raw."{table.name}"')
        assert batches in ([], [(second.batch_id,)])
    assert query(database, "SELECT count(*) FROM raw.marketing_spend") == [(1,)]
    log = query(database, "SELECT load_batch_id, count(*) FROM raw._load_log GROUP BY 1 ORDER BY 1")
    assert sorted(log) == sorted([(first.batch_id, 9), (second.batch_id, 9)])

    # and back: loading A again is a new load (raw holds B now), not a no-op
    third = load_folder(folder_a, database)
    assert not third.skipped
    assert third.batch_id == first.batch_id
    assert query(database, "SELECT count(*) FROM raw.marketing_spend") == [(0,)]


# Parquet.


def test_parquet_input_loads_the_same_as_csv(folder_a: Path, tmp_path: Path) -> None:
    csv_database = tmp_path / "csv.duckdb"
    parquet_database = tmp_path / "parquet.duckdb"
    parquet_folder = write_parquet_folder(tmp_path / "parquet", DATASET_A)

    load_folder(folder_a, csv_database)
    result = load_folder(parquet_folder, parquet_database)

    assert result.tables[0].source_file == "customers.parquet"
    for table in TABLES:
        columns = ", ".join([*table.column_names, "_source_row_number", "_loaded_at IS NOT NULL"])
        sql = f'SELECT {columns} FROM raw."{table.name}" ORDER BY ALL'
        assert query(parquet_database, sql) == query(csv_database, sql), table.name


def test_typed_parquet_columns_become_lossless_text(folder_a: Path, database: Path) -> None:
    (folder_a / "plans.csv").unlink()
    (folder_a / "customers.csv").unlink()
    plans = pyarrow.table(
        {
            "plan_id": pyarrow.array(["007", "P2"]),
            "plan_name": pyarrow.array(["Team", ""]),
            "product_name": pyarrow.array(["Widget", "Widget"]),
            "business_model": pyarrow.array(["subscription", "contract"]),
            "billing_interval_unit": pyarrow.array(["month", "year"]),
            "billing_interval_count": pyarrow.array([1, 2], pyarrow.int64()),
            "currency": pyarrow.array(["EUR", "USD"]),
            "unit_price": pyarrow.array(
                [Decimal("12.500"), Decimal("0.100")], pyarrow.decimal128(18, 3)
            ),
            "trial_days": pyarrow.array([None, 14], pyarrow.int32()),
            "list_price_float": pyarrow.array([0.1, 12.5], pyarrow.float64()),
            "launched_on": pyarrow.array([date(2024, 2, 29), None], pyarrow.date32()),
            "is_public": pyarrow.array([True, False]),
        }
    )
    pyarrow.parquet.write_table(plans, folder_a / "plans.parquet")
    customers = pyarrow.table(
        {
            "customer_id": pyarrow.array(["007", "7"]),
            "customer_name": pyarrow.array(["A", "B"]),
            "email": pyarrow.array(["a@example.com", "b@example.com"]),
            "country_code": pyarrow.array(["DK", None]),
            "acquisition_channel": pyarrow.array([None, "search"]),
            "created_at": pyarrow.array(
                [
                    datetime(2024, 1, 15, 8, 30, tzinfo=UTC),
                    datetime(2024, 1, 15, 23, 59, 59, 123456, tzinfo=UTC),
                ],
                pyarrow.timestamp("us", tz="Europe/Copenhagen"),
            ),
            "naive_at": pyarrow.array(
                [datetime(2024, 1, 15, 8, 30), datetime(2024, 1, 15, 8, 30, 0, 500000)],
                pyarrow.timestamp("ms"),
            ),
            # the name of DuckDB's own row-position column: an extra column like any other
            "file_row_number": pyarrow.array([10, 20], pyarrow.int64()),
        }
    )
    pyarrow.parquet.write_table(customers, folder_a / "customers.parquet")

    load_folder(folder_a, database)

    assert query(
        database,
        "SELECT plan_id, plan_name, billing_interval_count, unit_price, trial_days, "
        "list_price_float, launched_on, is_public FROM raw.plans ORDER BY _source_row_number",
    ) == [
        ("007", "Team", "1", "12.500", None, "0.1", "2024-02-29", "true"),
        ("P2", None, "2", "0.100", "14", "12.5", None, "false"),
    ]
    assert query(
        database,
        "SELECT customer_id, created_at, naive_at, file_row_number, _source_row_number "
        "FROM raw.customers ORDER BY _source_row_number",
    ) == [
        ("007", "2024-01-15T08:30:00Z", "2024-01-15T08:30:00", "10", 1),
        ("7", "2024-01-15T23:59:59.123456Z", "2024-01-15T08:30:00.5", "20", 2),
    ]
    types = {row[0]: row[1] for row in query(database, "DESCRIBE raw.plans")}
    assert types["unit_price"] == "VARCHAR"
    assert types["billing_interval_count"] == "VARCHAR"


# Row numbers follow the file order, also when DuckDB could read the file in parallel.


def test_source_row_number_follows_file_order_on_a_large_file(
    folder_a: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RRW_THREADS", "4")
    rows = 300_000
    header = list(DATASET_A["customers"][0])
    padding = "x" * 40
    with (folder_a / "customers.csv").open("w", encoding="utf-8", newline="") as handle:
        handle.write(",".join(header) + "\n")
        handle.writelines(
            f'{index:07d},"Customer {index}, {padding}",c{index}@example.com,DK,search,'
            f"2024-01-01T00:00:00Z\n"
            for index in range(1, rows + 1)
        )
    assert (folder_a / "customers.csv").stat().st_size > 25_000_000

    result = load_folder(folder_a, database)

    assert result.rows["customers"] == rows
    assert query(
        database,
        "SELECT count(*), count(DISTINCT _source_row_number), min(_source_row_number), "
        "max(_source_row_number), "
        "count(*) FILTER (WHERE CAST(customer_id AS BIGINT) <> _source_row_number) "
        "FROM raw.customers",
    ) == [(rows, rows, 1, rows, 0)]


# Structural problems: a clear message, and raw left exactly as it was.

Breaker = Callable[[Path], Path]


def _missing_folder(folder: Path) -> Path:
    return folder.parent / "nowhere"


def _drop_customers(folder: Path) -> Path:
    (folder / "customers.csv").unlink()
    write_csv(folder / "customer.csv", ["customer_id"], [["1"]])
    return folder


def _both_formats(folder: Path) -> Path:
    write_parquet_folder(folder, {"plans": dataset_b()["plans"]})
    return folder


def _latin1_header(folder: Path) -> Path:
    path = folder / "customers.csv"
    path.write_bytes(path.read_bytes().replace(b"email", b"\xe9mail", 1))
    return folder


def _latin1_data(folder: Path) -> Path:
    path = folder / "customers.csv"
    path.write_bytes(path.read_bytes().replace("Zoë".encode(), "Zoë".encode("latin-1")))
    return folder


def _corrupt_parquet(folder: Path) -> Path:
    (folder / "plans.csv").unlink()
    (folder / "plans.parquet").write_bytes(b"PAR1 this is not really parquet")
    return folder


def _empty_file(folder: Path) -> Path:
    (folder / "invoices.csv").write_bytes(b"")
    return folder


def _blank_first_line(folder: Path) -> Path:
    path = folder / "invoices.csv"
    path.write_text("\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def _renamed_column(folder: Path) -> Path:
    path = folder / "customers.csv"
    path.write_text(
        path.read_text(encoding="utf-8").replace("email", "e_mail", 1), encoding="utf-8"
    )
    return folder


def _duplicate_column(folder: Path) -> Path:
    path = folder / "customers.csv"
    text = path.read_text(encoding="utf-8").replace("country_code", " Email", 1)
    path.write_text(text, encoding="utf-8")
    return folder


def _reserved_column(folder: Path) -> Path:
    path = folder / "plans.csv"
    text = path.read_text(encoding="utf-8").splitlines()
    text = [text[0] + ",_source_file", *(line + ",x" for line in text[1:])]
    path.write_text("\n".join(text) + "\n", encoding="utf-8")
    return folder


def _too_many_fields(folder: Path) -> Path:
    # payments is the last table loaded: every earlier table was already replaced in the
    # transaction when the problem shows, so this also tests the rollback
    path = folder / "payments.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    lines += [lines[1].replace("PAY-001", "PAY-002"), lines[1].replace("PAY-001", "PAY-003") + ",x"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def _too_few_fields(folder: Path) -> Path:
    path = folder / "invoices.csv"
    path.write_text(path.read_text(encoding="utf-8") + "I-9,C,EUR\nI-10,C,EUR\n", encoding="utf-8")
    return folder


def _unclosed_quote(folder: Path) -> Path:
    path = folder / "payments.csv"
    path.write_text(
        path.read_text(encoding="utf-8") + 'PAY-9,I-1,charge,"failed,1.00,EUR,2024-01-01,\n',
        encoding="utf-8",
    )
    return folder


def _mixed_line_endings(folder: Path) -> Path:
    path = folder / "payments.csv"
    header, row = path.read_text(encoding="utf-8").splitlines()
    declined = row.replace("PAY-001", "PAY-002").replace("succeeded", "failed") + "card_declined"
    later = row.replace("PAY-001", "PAY-003")
    path.write_bytes(f"{header}\n{row}\n{declined}\r\n{later}\n".encode())
    return folder


def _latin1_late_line(folder: Path) -> Path:
    path = folder / "plans.csv"
    text = path.read_bytes() + b"P-2,Caf\xe9,Widget,subscription,month,1,EUR,1.00,\n"
    path.write_bytes(text)
    return folder


def _decimal_comma_before_empty_last_field(folder: Path) -> Path:
    # DuckDB's reader drops empty fields at the end of a row with too many fields, so this
    # row of 13 fields (amount 99,50 unquoted, tax empty) used to load as amount 99 and
    # discount 50, every later value one column to the left.
    path = folder / "invoice_line_items.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "L-2,I-001,S-001,P-001,one_time,,,,1,99,50,0,\n"
        + "L-3,I-001,S-001,P-001,one_time,,,,1,2.00,0,0\n",
        encoding="utf-8",
    )
    return folder


def _thousands_separator_before_empty_fields(folder: Path) -> Path:
    path = folder / "plans.csv"
    path.write_text(
        path.read_text(encoding="utf-8")
        + "P-2,Big,Widget,subscription,year,1,EUR,1,200,\n"
        + "P-3,Bigger,Widget,subscription,year,1,EUR,2,400,,\n",
        encoding="utf-8",
    )
    return folder


STRUCTURAL_PROBLEMS: dict[str, tuple[Breaker, list[str]]] = {
    "folder missing": (_missing_folder, ["folder", "nowhere does not exist"]),
    "required table missing": (
        _drop_customers,
        [
            "required table customers is missing",
            "customers.csv or customers.parquet",
            "customer.csv",
        ],
    ),
    "both csv and parquet": (_both_formats, ["both plans.csv and plans.parquet", "keep only one"]),
    "header not utf-8": (_latin1_header, ["customers.csv: line 1 is not valid UTF-8", "0xe9"]),
    "data line not utf-8": (_latin1_data, ["customers.csv line 2: not valid UTF-8"]),
    "late line not utf-8": (_latin1_late_line, ["plans.csv line 3: not valid UTF-8"]),
    "corrupt parquet": (_corrupt_parquet, ["plans.parquet: not a readable Parquet file"]),
    "empty file": (_empty_file, ["invoices.csv: the file is empty", "header row"]),
    "blank first line": (_blank_first_line, ["invoices.csv: the first line is empty"]),
    "required column missing": (
        _renamed_column,
        [
            "customers.csv: missing required column 'email'",
            "Columns found: customer_id, customer_name, e_mail, country_code",
            "Did you mean 'e_mail' for 'email'?",
        ],
    ),
    "duplicate column": (
        _duplicate_column,
        ["customers.csv: duplicate column name 'email'", "columns 3, 4", "' Email'"],
    ),
    "reserved column": (_reserved_column, ["plans.csv: column '_source_file' is reserved"]),
    "too many fields": (
        _too_many_fields,
        ["payments.csv line 4: 9 fields where the header has 8", "quote values"],
    ),
    "too few fields": (
        _too_few_fields,
        ["invoices.csv line 3: 3 fields where the header has 6", "1 more line has", ": 4."],
    ),
    "extra field hidden by an empty last field": (
        _decimal_comma_before_empty_last_field,
        [
            "invoice_line_items.csv line 4: 13 fields where the header has 12",
            "99,50",
            "quote the value",
            "dot",
        ],
    ),
    "extra fields hidden by empty last fields": (
        _thousands_separator_before_empty_fields,
        [
            "plans.csv line 3: 10 fields where the header has 9",
            "1 more line has",
            ": 4.",
            "1,200",
        ],
    ),
    "unclosed quote": (_unclosed_quote, ["payments.csv line 3: a quoted value is not closed"]),
    "mixed line endings": (
        _mixed_line_endings,
        ["payments.csv line 3: not well-formed CSV", "line endings are mixed"],
    ),
}


@pytest.mark.parametrize("case", list(STRUCTURAL_PROBLEMS))
def test_structural_problem_fails_clearly_and_keeps_raw(
    case: str, folder_a: Path, tmp_path: Path, database: Path
) -> None:
    breaker, expected = STRUCTURAL_PROBLEMS[case]
    load_folder(folder_a, database)
    before = raw_tables(database)
    bad = breaker(write_folder(tmp_path / "bad", dataset_b()))

    with pytest.raises(LoadError) as failure:
        load_folder(bad, database)

    message = str(failure.value)
    for text in expected:
        assert text in message, message
    assert "raw data in the warehouse is unchanged" in message
    assert raw_tables(database) == before


def test_several_problems_are_reported_together(folder_a: Path, database: Path) -> None:
    _renamed_column(folder_a)
    _empty_file(folder_a)
    (folder_a / "payments.csv").unlink()

    with pytest.raises(LoadError) as failure:
        load_folder(folder_a, database)

    message = str(failure.value)
    assert message.startswith(f"3 problems in {folder_a}:")
    assert "customers.csv: missing required column 'email'" in message
    assert "invoices.csv: the file is empty" in message
    assert "required table payments is missing" in message
    assert not database.exists()


def test_missing_folder_fails_clearly(tmp_path: Path, database: Path) -> None:
    with pytest.raises(LoadError, match=r"folder .*nowhere does not exist"):
        load_folder(tmp_path / "nowhere", database)


def test_a_file_instead_of_a_folder_fails_clearly(folder_a: Path, database: Path) -> None:
    with pytest.raises(LoadError, match="is not a folder"):
        load_folder(folder_a / "customers.csv", database)


def _deny(monkeypatch: pytest.MonkeyPatch, method: str, denied: Path) -> None:
    """Make Path.<method> on `denied` fail as it does without permission (tests run as root)."""
    original = getattr(Path, method)

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, refuse)


def test_unreadable_folder_fails_clearly_and_keeps_raw(
    folder_a: Path, tmp_path: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_folder(folder_a, database)
    before = raw_tables(database)
    bad = write_folder(tmp_path / "bad", dataset_b())
    _deny(monkeypatch, "iterdir", bad)

    with pytest.raises(LoadError) as failure:
        load_folder(bad, database)

    message = str(failure.value)
    assert f"cannot read the folder {bad} (Permission denied)" in message
    assert "chmod" in message
    assert "raw data in the warehouse is unchanged" in message
    assert raw_tables(database) == before


def test_folder_under_an_unsearchable_folder_fails_clearly(
    tmp_path: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    inside = tmp_path / "locked" / "data"
    _deny(monkeypatch, "stat", inside)

    with pytest.raises(LoadError, match=r"cannot read the folder .*data \(Permission denied\)"):
        load_folder(inside, database)


def test_unreadable_file_fails_clearly(
    folder_a: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _deny(monkeypatch, "open", folder_a / "payments.csv")

    with pytest.raises(LoadError) as failure:
        load_folder(folder_a, database)

    message = str(failure.value)
    assert "payments.csv: the file cannot be read (Permission denied)" in message
    assert "chmod" in message


def test_unwritable_warehouse_folder_fails_clearly(
    folder_a: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    database = tmp_path / "readonly" / "warehouse" / "test.duckdb"
    _deny(monkeypatch, "mkdir", database.parent)

    with pytest.raises(LoadError, match=r"cannot create the folder .*warehouse \(Permission"):
        load_folder(folder_a, database)


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file whatever its mode")
def test_folder_without_read_permission_fails_clearly(folder_a: Path, database: Path) -> None:
    folder_a.chmod(0o000)
    try:
        with pytest.raises(LoadError, match="cannot read the folder"):
            load_folder(folder_a, database)
    finally:
        folder_a.chmod(0o755)


def test_locked_warehouse_fails_clearly_and_keeps_raw(
    folder_a: Path, tmp_path: Path, database: Path
) -> None:
    load_folder(folder_a, database)
    before = raw_tables(database)
    folder_b = write_folder(tmp_path / "b", dataset_b())
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys, duckdb; connection = duckdb.connect(sys.argv[1]); "
            "print('ready', flush=True); sys.stdin.read()",
            str(database),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(LoadError) as failure:
            load_folder(folder_b, database)
    finally:
        holder.communicate(input="", timeout=30)

    message = str(failure.value)
    assert f"the warehouse {database} is in use by another process" in message
    assert f"PID {holder.pid}" in message
    assert "run rrw load again" in message
    assert raw_tables(database) == before


# A load that shrinks a raw table: a warning with the counts, and the verdict in the result.


def _invoices(count: int) -> list[dict[str, str]]:
    row = DATASET_A["invoices"][0]
    return [{**row, "invoice_id": f"I-{index:03d}"} for index in range(1, count + 1)]


def _folder_with(tmp_path: Path, name: str, **tables: list[dict[str, str]]) -> Path:
    dataset = {**DATASET_A, **tables}
    return write_folder(tmp_path / name, dataset)


def test_a_load_that_shrinks_a_table_by_more_than_half_warns(
    tmp_path: Path, database: Path
) -> None:
    first = load_folder(_folder_with(tmp_path, "full", invoices=_invoices(7)), database)
    assert first.shrinks == ()

    result = load_folder(_folder_with(tmp_path, "partial", invoices=_invoices(2)), database)

    assert [(s.table, s.before, s.after) for s in result.shrinks] == [("invoices", 7, 2)]
    assert result.baseline == database
    assert result.baseline_batch_id == first.batch_id
    summary = result.summary()
    assert "Warning: this load shrinks raw tables by more than 50% (RRW_MAX_SHRINK)" in summary
    assert f"compared with batch {first.batch_id} in {database}" in summary
    assert "invoices 7 -> 2 rows (71% fewer)" in summary
    assert "load the complete one" in summary


def test_a_table_that_becomes_empty_warns_whatever_the_share(
    tmp_path: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RRW_MAX_SHRINK", "1")
    fx = [{"rate_date": "2024-01-01", "currency": "EUR", "rate_to_reporting": "1.1"}]
    load_folder(_folder_with(tmp_path, "full", invoices=_invoices(7), fx_rates=fx), database)
    emptied = _folder_with(tmp_path, "emptied", invoices=_invoices(1))
    write_csv(emptied / "payments.csv", list(DATASET_A["payments"][0]), [])
    messages: list[str] = []

    result = load_folder(emptied, database, progress=messages.append)

    # invoices lost 86% (under the 100% allowed); payments and the absent fx_rates are empty
    assert [(s.table, s.before, s.after) for s in result.shrinks] == [
        ("payments", 1, 0),
        ("fx_rates", 1, 0),
    ]
    assert "payments 1 -> 0 rows (empty); fx_rates 1 -> 0 rows (empty)" in result.summary()
    assert any(message.startswith("warning: this load shrinks") for message in messages)


def test_a_shrink_share_is_rounded_down_so_only_empty_reads_100_percent() -> None:
    assert Shrink("invoices", 1154, 2).describe() == "invoices 1,154 -> 2 rows (99% fewer)"
    assert Shrink("invoices", 7, 0).describe() == "invoices 7 -> 0 rows (empty)"


def test_a_smaller_shrink_or_a_growth_does_not_warn(tmp_path: Path, database: Path) -> None:
    load_folder(_folder_with(tmp_path, "four", invoices=_invoices(4)), database)
    assert load_folder(_folder_with(tmp_path, "two", invoices=_invoices(2)), database).shrinks == ()
    assert (
        load_folder(_folder_with(tmp_path, "nine", invoices=_invoices(9)), database).shrinks == ()
    )


def test_the_shrink_share_is_a_setting(
    tmp_path: Path, database: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    load_folder(_folder_with(tmp_path, "full", invoices=_invoices(10)), database)
    monkeypatch.setenv("RRW_MAX_SHRINK", "0.1")

    result = load_folder(_folder_with(tmp_path, "eight", invoices=_invoices(8)), database)

    assert [(s.table, s.before, s.after) for s in result.shrinks] == [("invoices", 10, 8)]
    assert "by more than 10% (RRW_MAX_SHRINK)" in result.summary()


@pytest.mark.parametrize("value", ["half", "1.5", "-0.1", "nan"])
def test_an_invalid_shrink_setting_fails_before_loading(
    folder_a: Path, database: Path, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("RRW_MAX_SHRINK", value)

    with pytest.raises(LoadError, match="RRW_MAX_SHRINK must be a share from 0 to 1"):
        load_folder(folder_a, database)
    assert not database.exists()


def test_a_load_into_a_new_file_is_compared_with_the_baseline(
    tmp_path: Path, database: Path
) -> None:
    published = tmp_path / "published.duckdb"
    before = load_folder(_folder_with(tmp_path, "full", invoices=_invoices(7)), published)

    result = load_folder(
        _folder_with(tmp_path, "partial", invoices=_invoices(3)), database, baseline=published
    )

    assert result.previous_batch_id is None
    assert [(s.table, s.before, s.after) for s in result.shrinks] == [("invoices", 7, 3)]
    assert f"compared with batch {before.batch_id} in {published}" in result.summary()


def test_a_missing_baseline_compares_nothing(tmp_path: Path, database: Path) -> None:
    result = load_folder(
        _folder_with(tmp_path, "one", invoices=_invoices(1)),
        database,
        baseline=tmp_path / "nothing-published-yet.duckdb",
    )

    assert result.shrinks == ()
    assert result.baseline is None


# The command line.


def test_cli_load_prints_the_summary(
    folder_a: Path, database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["load", str(folder_a), "--database", str(database), "--quiet"]) == 0

    captured = capsys.readouterr()
    assert "Loaded batch" in captured.out
    assert captured.err == ""


def test_cli_load_warns_about_a_shrinking_table_and_still_loads(
    tmp_path: Path, database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    load_folder(_folder_with(tmp_path, "full", invoices=_invoices(7)), database)
    partial = _folder_with(tmp_path, "partial", invoices=_invoices(2))

    assert cli.main(["load", str(partial), "--database", str(database), "--quiet"]) == 0

    out = capsys.readouterr().out
    assert "Warning: this load shrinks raw tables" in out
    assert "invoices 7 -> 2 rows" in out
    assert query(database, "SELECT count(*) FROM raw.invoices") == [(2,)]


def test_cli_load_reports_a_structural_problem(
    folder_a: Path, database: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    _renamed_column(folder_a)

    assert cli.main(["load", str(folder_a), "--database", str(database)]) == 2

    captured = capsys.readouterr()
    assert captured.err.startswith("rrw load: customers.csv: missing required column 'email'")
