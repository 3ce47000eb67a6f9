"""`generate_with_delta()`: the data as of a day, and the next day's delta of the same business.

The business is simulated once, up to the day after `as_of` (`generate()` with that
end date), and every row is then put on the day it became known: a customer or
subscription on its `created_at`, an event on its `recorded_at`, an invoice and its
lines on its `issued_at`, a payment on its `occurred_at`, a rate or a spend on its
date. Rows known on the next day form the delta; all others (earlier, and also rows
whose date does not parse or lies beyond the next day: deliberately bad rows) the
snapshot. On top of that, the delta holds what a daily export really carries:

- invoices of the snapshot paid on the next day: `open` in the snapshot, the same
  invoice `paid` in the delta (a status change);
- a few late-arriving rows: events effective in the three months before `as_of`
  and payments of its last week, held back from the snapshot and delivered in the
  delta (a backdated event restates history);
  with a late event come the invoices of its subscription from its effective
  day on, and their payments, so the data as of the day never bills a change its
  events do not hold (its recurring lines reconcile with MRR);
- corrected rows: a few customers with a new acquisition channel and country, and
  one FX rate of a past month with a corrected value.

So loading the snapshot and then the delta (`rrw load --append`) gives the same
business as the simulation with the corrections applied. The split is seeded and
reproducible (`md5` of the seed and the key picks the late and corrected rows).
The bad-row manifest (`_expected_rejects.csv`) is not written: rows move between
the two folders, so it would describe neither.
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable
from datetime import date, timedelta
from pathlib import Path

import duckdb

from recurring_revenue.generate.raw_spec import COLUMNS, TABLES
from recurring_revenue.generate.runner import generate

Progress = Callable[[str], None]

#: The column that says on which day a row became known, per table (None: always known).
_KNOWN_ON: dict[str, str | None] = {
    "customers": "created_at",
    "plans": None,
    "subscriptions": "created_at",
    "subscription_events": "recorded_at",
    "invoices": "issued_at",
    "invoice_line_items": None,
    "payments": "occurred_at",
    "fx_rates": "rate_date",
    "marketing_spend": "spend_date",
}
LATE_EVENTS = 3
LATE_PAYMENTS = 2
CORRECTED_CUSTOMERS = 3


def generate_with_delta(
    out_dir: Path,
    delta_dir: Path,
    customers: int,
    seed: int,
    as_of: date,
    start_date: date = date(2022, 1, 1),
    bad_row_share: float = 0.002,
    file_format: str = "csv",
    workers: int = 2,
    progress: Progress | None = None,
) -> dict[str, tuple[int, int]]:
    """Write the data as of `as_of` into `out_dir` and the next day's delta into `delta_dir`.

    Returns (snapshot rows, delta rows) per table.
    """
    say: Progress = progress or (lambda _message: None)
    out_dir, delta_dir = Path(out_dir), Path(delta_dir)
    next_day = as_of + timedelta(days=1)
    with tempfile.TemporaryDirectory(prefix="rrw-delta-") as work:
        full = Path(work) / "full"
        generate(
            full,
            customers=customers,
            seed=seed,
            start_date=start_date,
            end_date=next_day,
            bad_row_share=bad_row_share,
            file_format=file_format,
            workers=workers,
            progress=progress,
        )
        say(f"splitting into the data as of {as_of} and the delta of {next_day}")
        for folder in (out_dir, delta_dir):
            if folder.exists():
                shutil.rmtree(folder)
            folder.mkdir(parents=True)
        connection = duckdb.connect()
        try:
            connection.execute("SET TimeZone = 'UTC'")
            connection.execute("SET preserve_insertion_order = true")
            connection.execute("SET threads = 1")
            return _split(connection, full, out_dir, delta_dir, file_format, seed, as_of)
        finally:
            connection.close()


def _split(
    connection: duckdb.DuckDBPyConnection,
    full: Path,
    out_dir: Path,
    delta_dir: Path,
    file_format: str,
    seed: int,
    as_of: date,
) -> dict[str, tuple[int, int]]:
    next_day = (as_of + timedelta(days=1)).isoformat()
    for table in TABLES:
        path = _literal(str(full / f"{table}.{file_format}"))
        types = ", ".join(f"'{name}': 'VARCHAR'" for name in COLUMNS[table])
        reader = (
            f"read_csv({path}, header = true, auto_detect = false, delim = ',', quote = '\"', "
            f"escape = '\"', columns = {{{types}}})"
            if file_format == "csv"
            else f"read_parquet({path})"
        )
        known = _KNOWN_ON[table]
        day = f"try_cast(try_cast({known} AS TIMESTAMPTZ) AS DATE)" if known else "NULL"
        connection.execute(
            f"CREATE TABLE {table} AS SELECT *, row_number() OVER () AS _row, "
            f"coalesce({day} = DATE '{next_day}', false) AS _in_delta FROM {reader}"
        )
    salt = _literal(f"rrw-delta-{seed}-")
    as_of_text = as_of.isoformat()
    # Late-arriving events: effective in the three months before as_of, held back.
    connection.execute(
        f"UPDATE subscription_events SET _in_delta = true WHERE event_id IN ("
        f"SELECT event_id FROM subscription_events WHERE NOT _in_delta "
        "AND event_type IN ('plan_changed', 'quantity_changed', 'price_changed', "
        "'discount_changed') AND try_cast(try_cast(effective_at AS TIMESTAMPTZ) AS DATE) "
        f"BETWEEN DATE '{as_of_text}' - INTERVAL 92 DAY AND DATE '{as_of_text}' - INTERVAL 60 DAY "
        f"ORDER BY md5({salt} || event_id) LIMIT {LATE_EVENTS})"
    )
    # What a late event caused arrives with it: the invoices of its subscription issued
    # or billing service from its effective day on, and their payments. Otherwise the
    # data as of the day would bill a change its events do not hold yet (the recurring
    # lines would not reconcile with MRR from the event's month on).
    connection.execute(
        "CREATE TEMP TABLE late_events AS SELECT subscription_id, "
        "try_cast(try_cast(effective_at AS TIMESTAMPTZ) AS DATE) AS effective_day "
        "FROM subscription_events WHERE _in_delta AND coalesce("
        f"try_cast(try_cast(recorded_at AS TIMESTAMPTZ) AS DATE) <> DATE '{next_day}', true)"
    )
    connection.execute(
        "UPDATE invoices SET _in_delta = true WHERE invoice_id IN ("
        "SELECT invoice_line_items.invoice_id FROM invoice_line_items "
        "JOIN late_events ON invoice_line_items.subscription_id = late_events.subscription_id "
        "JOIN invoices AS billed ON invoice_line_items.invoice_id = billed.invoice_id "
        "WHERE try_cast(invoice_line_items.service_period_start AS DATE) "
        ">= late_events.effective_day "
        "OR try_cast(try_cast(billed.issued_at AS TIMESTAMPTZ) AS DATE) "
        ">= late_events.effective_day)"
    )
    connection.execute(
        "UPDATE payments SET _in_delta = true WHERE invoice_id IN ("
        "SELECT invoice_id FROM invoices WHERE _in_delta AND coalesce("
        f"try_cast(try_cast(issued_at AS TIMESTAMPTZ) AS DATE) <> DATE '{next_day}', true))"
    )
    # Lines go with their invoice (by id; the first invoice row of an id decides).
    connection.execute(
        "UPDATE invoice_line_items SET _in_delta = true WHERE invoice_id IN ("
        "SELECT invoice_id FROM invoices GROUP BY invoice_id HAVING bool_and(_in_delta))"
    )
    # Late-arriving payments of the last week.
    connection.execute(
        f"UPDATE payments SET _in_delta = true WHERE payment_id IN ("
        "SELECT payment_id FROM payments WHERE NOT _in_delta AND status = 'succeeded' "
        "AND try_cast(try_cast(occurred_at AS TIMESTAMPTZ) AS DATE) "
        f"BETWEEN DATE '{as_of_text}' - INTERVAL 7 DAY AND DATE '{as_of_text}' "
        f"ORDER BY md5({salt} || payment_id) LIMIT {LATE_PAYMENTS})"
    )
    counts: dict[str, tuple[int, int]] = {}
    for table in TABLES:
        names = ", ".join([*(_ident(name) for name in COLUMNS[table]), "_row"])
        snapshot = f"SELECT {names} FROM {table} WHERE NOT _in_delta"
        delta = f"SELECT {names} FROM {table} WHERE _in_delta"
        if table == "invoices":
            # Paid the next day: open in the snapshot, paid in the delta.
            paid_next_day = (
                "invoice_id IN (SELECT invoice_id FROM payments WHERE _in_delta "
                "AND payment_type = 'charge' AND status = 'succeeded')"
            )
            columns = [
                f"CASE WHEN status = 'paid' AND {paid_next_day} THEN 'open' ELSE status END "
                "AS status"
                if name == "status"
                else _ident(name)
                for name in COLUMNS[table]
            ] + ["_row"]
            snapshot = f"SELECT {', '.join(columns)} FROM {table} WHERE NOT _in_delta"
            delta = (
                f"SELECT {names} FROM {table} WHERE _in_delta OR "
                f"(status = 'paid' AND {paid_next_day})"
            )
        if table == "customers":
            corrected: str = (
                "SELECT customer_id FROM customers WHERE NOT _in_delta AND customer_id "
                "IS NOT NULL AND try_cast(created_at AS TIMESTAMPTZ) IS NOT NULL "
                f"ORDER BY md5({salt} || customer_id) LIMIT {CORRECTED_CUSTOMERS}"
            )
            columns = [
                "CASE WHEN acquisition_channel = 'partners' THEN 'referral' "
                "ELSE 'partners' END AS acquisition_channel"
                if name == "acquisition_channel"
                else "CASE WHEN country_code = 'DE' THEN 'FR' ELSE 'DE' END AS country_code"
                if name == "country_code"
                else _ident(name)
                for name in COLUMNS[table]
            ] + ["_row"]
            delta = (
                f"SELECT {names} FROM {table} WHERE _in_delta UNION ALL "
                f"SELECT {', '.join(columns)} FROM {table} WHERE customer_id IN ({corrected})"
            )
        if table == "fx_rates":
            # One past month-end rate of one currency, corrected by +1%.
            corrected = (
                "SELECT currency, rate_date FROM fx_rates WHERE NOT _in_delta AND rate_date = "
                f"strftime(last_day(DATE '{as_of_text}' - INTERVAL 2 MONTH), '%Y-%m-%d') "
                "AND try_cast(rate_to_reporting AS DECIMAL(18, 8)) > 0 "
                f"ORDER BY md5({salt} || currency) LIMIT 1"
            )
            columns = [
                "CAST(round(CAST(rate_to_reporting AS DECIMAL(18, 8)) * 1.01, 6) AS VARCHAR) "
                "AS rate_to_reporting"
                if name == "rate_to_reporting"
                else _ident(name)
                for name in COLUMNS[table]
            ] + ["_row"]
            delta = (
                f"SELECT {names} FROM {table} WHERE _in_delta UNION ALL "
                f"SELECT {', '.join(columns)} FROM {table} "
                f"WHERE (currency, rate_date) IN ({corrected})"
            )
        counts[table] = (
            _write(connection, snapshot, out_dir / f"{table}.{file_format}"),
            _write(connection, delta, delta_dir / f"{table}.{file_format}"),
        )
    return counts


def _write(connection: duckdb.DuckDBPyConnection, query: str, path: Path) -> int:
    """Write the rows of `query` in file order (`_row`) to `path`; the number of rows."""
    file_format = path.suffix.lstrip(".")
    select = f"SELECT * EXCLUDE (_row) FROM ({query}) ORDER BY _row"
    options = "FORMAT csv, HEADER true" if file_format == "csv" else "FORMAT parquet"
    connection.execute(f"COPY ({select}) TO {_literal(str(path))} ({options})")
    found = connection.execute(f"SELECT count(*) FROM ({query})").fetchone()
    return int(found[0]) if found else 0


def _ident(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
