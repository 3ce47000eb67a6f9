"""Bad input folders through the command line, one table of cases (issue 14).

Each case starts from a small valid generated dataset (60 customers, no bad rows)
and a warehouse that already holds it, applies one mutation to a copy of the
folder, runs `rrw load` (cli.main, in this process), and asserts the exit code, the
key words of the message (the file or table, the column or line, what to do), that
no traceback is printed, and that raw is exactly as before when the load is
refused. Value problems (staged as rejects) are not structural and are tested in
test_staging.py and test_rejects_end_to_end.py; no dbt build runs here.

The publish cases check that `rrw publish` refuses a load that shrinks the
published raw data before any audit or dbt time is spent, and names the option
that overrides it.
"""

from __future__ import annotations

import csv
import hashlib
import shutil
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow
import pyarrow.parquet
import pytest

from recurring_revenue import cli
from recurring_revenue.generate import generate
from recurring_revenue.load import load_folder

Mutation = Callable[[Path, pytest.MonkeyPatch], Path]


# Reading and writing the dataset's files.


def read_rows(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        return list(reader.fieldnames or []), list(reader)


def write_rows(path: Path, header: list[str], rows: list[dict[str, str]]) -> None:
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=header, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)


def append_raw_line(path: Path, line: str) -> int:
    """Append `line` as written (no quoting) and return its line number in the file."""
    text = path.read_text(encoding="utf-8")
    assert text.endswith("\n")
    path.write_text(text + line + "\n", encoding="utf-8")
    return text.count("\n") + 1


def plain_row(path: Path, **changes: str) -> str:
    """A copy of a row of `path` that needs no quoting, with `changes`, joined by commas."""
    header, rows = read_rows(path)
    for row in rows:
        if not any(set(value) & set(',"\r\n') for value in row.values()):
            return ",".join({**row, **changes}[name] for name in header)
    raise AssertionError(f"no row of {path.name} without commas or quotes")


def replace_in_header(path: Path, old: str, new: str) -> None:
    lines = path.read_text(encoding="utf-8").split("\n", 1)
    assert old in lines[0]
    path.write_text(lines[0].replace(old, new, 1) + "\n" + lines[1], encoding="utf-8")


def deny(monkeypatch: pytest.MonkeyPatch, method: str, denied: Path) -> None:
    """Path.<method> on `denied` fails as without permission (the tests may run as root)."""
    original = getattr(Path, method)

    def refuse(self: Path, *args: object, **kwargs: object) -> object:
        if self == denied:
            raise PermissionError(13, "Permission denied", str(self))
        return original(self, *args, **kwargs)

    monkeypatch.setattr(Path, method, refuse)


def raw_snapshot(database: Path) -> dict[str, list[tuple[object, ...]]]:
    """Every raw table (with its columns) and its rows, in a stable order."""
    with duckdb.connect(str(database), read_only=True) as connection:
        names = [
            row[0]
            for row in connection.execute(
                "SELECT table_name FROM duckdb_tables() WHERE schema_name = 'raw' ORDER BY 1"
            ).fetchall()
        ]
        snapshot: dict[str, list[tuple[object, ...]]] = {}
        for name in names:
            snapshot[f"{name}:columns"] = connection.execute(f'DESCRIBE raw."{name}"').fetchall()
            snapshot[name] = connection.execute(
                f'SELECT * FROM raw."{name}" ORDER BY ALL'
            ).fetchall()
        return snapshot


# The mutations: each takes a copy of the valid folder and returns the path to load.


def missing_folder(folder: Path, _: pytest.MonkeyPatch) -> Path:
    return folder.parent / "no-such-export"


def a_file_not_a_folder(folder: Path, _: pytest.MonkeyPatch) -> Path:
    return folder / "customers.csv"


def unreadable_folder(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    deny(monkeypatch, "iterdir", folder)
    return folder


def unreadable_file(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    deny(monkeypatch, "open", folder / "payments.csv")
    return folder


def required_table_renamed(folder: Path, _: pytest.MonkeyPatch) -> Path:
    (folder / "customers.csv").rename(folder / "customer.csv")
    return folder


def parquet_named_csv(folder: Path, _: pytest.MonkeyPatch) -> Path:
    header, rows = read_rows(folder / "plans.csv")
    table = pyarrow.table({name: [row[name] for row in rows] for name in header})
    pyarrow.parquet.write_table(table, folder / "plans.csv")
    return folder


def excel_named_csv(folder: Path, _: pytest.MonkeyPatch) -> Path:
    (folder / "invoices.csv").write_bytes(b"PK\x03\x04" + b"\x00" * 60)
    return folder


def both_formats(folder: Path, _: pytest.MonkeyPatch) -> Path:
    header, rows = read_rows(folder / "plans.csv")
    table = pyarrow.table({name: [row[name] for row in rows] for name in header})
    pyarrow.parquet.write_table(table, folder / "plans.parquet")
    return folder


def empty_file(folder: Path, _: pytest.MonkeyPatch) -> Path:
    (folder / "invoices.csv").write_bytes(b"")
    return folder


def missing_column(folder: Path, _: pytest.MonkeyPatch) -> Path:
    replace_in_header(folder / "customers.csv", "email", "e_mail")
    return folder


def semicolon_separated(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "plans.csv"
    path.write_text(path.read_text(encoding="utf-8").replace(",", ";"), encoding="utf-8")
    return folder


def duplicate_column(folder: Path, _: pytest.MonkeyPatch) -> Path:
    replace_in_header(folder / "customers.csv", "country_code", " EMAIL")
    return folder


def unnamed_column(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "subscriptions.csv"
    header, rows = read_rows(path)
    lines = [",".join([*header, ""])]
    lines += [",".join([*(row[name] for name in header), "x"]) for row in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return folder


def decimal_comma_before_empty_last_field(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "invoice_line_items.csv"
    row = plain_row(path, line_item_id="L-NEW", amount="99,50", tax_amount="")
    LINES["decimal comma"] = append_raw_line(path, row)
    return folder


def thousands_separator_before_empty_last_field(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "plans.csv"
    row = plain_row(path, plan_id="P-NEW", unit_price="1,200", trial_days="")
    LINES["thousands separator"] = append_raw_line(path, row)
    return folder


def extra_value_at_the_end(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "payments.csv"
    LINES["extra value"] = append_raw_line(path, plain_row(path, payment_id="PAY-NEW") + ",x")
    return folder


def too_few_fields(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "invoices.csv"
    row = plain_row(path, invoice_id="I-NEW")
    LINES["too few"] = append_raw_line(path, row.rsplit(",", 2)[0])
    return folder


def unclosed_quote(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "payments.csv"
    row = plain_row(path, payment_id="PAY-NEW").split(",")
    row[3] = '"' + row[3]
    LINES["unclosed quote"] = append_raw_line(path, ",".join(row))
    return folder


def latin1_line(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "customers.csv"
    row = plain_row(path, customer_id="C-NEW", customer_name="Zoë").encode("utf-8")
    text = path.read_bytes()
    path.write_bytes(text + row.replace("ë".encode(), "ë".encode("latin-1")) + b"\n")
    LINES["latin-1"] = text.count(b"\n") + 1
    return folder


def blank_first_line(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "invoices.csv"
    path.write_text("\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    return folder


def corrupt_parquet(folder: Path, _: pytest.MonkeyPatch) -> Path:
    (folder / "plans.csv").unlink()
    (folder / "plans.parquet").write_bytes(b"PAR1 this is not really parquet")
    return folder


def reserved_column(folder: Path, _: pytest.MonkeyPatch) -> Path:
    replace_in_header(folder / "plans.csv", "trial_days", "_source_file")
    return folder


def latin1_header(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "customers.csv"
    path.write_bytes(path.read_bytes().replace(b"email", b"\xe9mail", 1))
    return folder


def mixed_line_endings(folder: Path, _: pytest.MonkeyPatch) -> Path:
    # a \r\n after a non-empty last field, in a file of \n line ends
    path = folder / "payments.csv"
    declined = plain_row(path, payment_id="PAY-NEW", failure_reason="card_declined")
    later = plain_row(path, payment_id="PAY-LATER")
    text = path.read_bytes()
    path.write_bytes(text + f"{declined}\r\n{later}\n".encode())
    LINES["mixed line endings"] = text.count(b"\n") + 1
    return folder


def invalid_shrink_setting(folder: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("RRW_MAX_SHRINK", "half")
    return folder


def partial_export(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "invoices.csv"
    header, rows = read_rows(path)
    write_rows(path, header, rows[:2])
    return folder


def required_table_emptied(folder: Path, _: pytest.MonkeyPatch) -> Path:
    path = folder / "payments.csv"
    header, _rows = read_rows(path)
    write_rows(path, header, [])
    return folder


#: The line number each mutation appended its row at, for the expected messages.
LINES: dict[str, int] = {}


@dataclass(frozen=True)
class Case:
    name: str
    mutation: Mutation
    exit_code: int
    #: Words the message must contain; "{line}" is the number of the line the mutation
    #: wrote (found in LINES under `line_of`).
    words: list[str]
    line_of: str | None = None
    #: A refusal leaves raw as it was; a load that warns has replaced it.
    refused: bool = True
    #: For a load that warns: the shrunk table's new row count ({before} is its old one).
    counts: dict[str, int] = field(default_factory=dict)


CASES = [
    Case("folder missing", missing_folder, 2, ["no-such-export does not exist", "pass the folder"]),
    Case("a file, not a folder", a_file_not_a_folder, 2, ["is not a folder", "not a single file"]),
    Case(
        "folder unreadable",
        unreadable_folder,
        2,
        ["cannot read the folder", "(Permission denied)", "chmod u+rx", "copy the files"],
    ),
    Case(
        "file unreadable",
        unreadable_file,
        2,
        ["payments.csv: the file cannot be read (Permission denied)", "chmod u+r"],
    ),
    Case(
        "required table missing",
        required_table_renamed,
        2,
        ["required table customers is missing", "found customer.csv: rename it?"],
    ),
    Case(
        "parquet file named .csv",
        parquet_named_csv,
        2,
        ["plans.csv: this is a Parquet file, not CSV", "rename it to .parquet"],
    ),
    Case(
        "workbook named .csv",
        excel_named_csv,
        2,
        ["invoices.csv: this is a zip archive or an Excel workbook", "export the sheet as CSV"],
    ),
    Case(
        "both csv and parquet",
        both_formats,
        2,
        ["both plans.csv and plans.parquet", "keep only one"],
    ),
    Case("empty file", empty_file, 2, ["invoices.csv: the file is empty", "header row"]),
    Case(
        "required column missing",
        missing_column,
        2,
        [
            "customers.csv: missing required column 'email'",
            "Did you mean 'e_mail' for 'email'?",
            "Add or rename the column in the header",
        ],
    ),
    Case(
        "semicolon separated",
        semicolon_separated,
        2,
        ["plans.csv: missing required column", "separated by ';': use commas"],
    ),
    Case(
        "duplicate column",
        duplicate_column,
        2,
        ["customers.csv: duplicate column name 'email'", "keep one and rename the others"],
    ),
    Case(
        "unnamed column",
        unnamed_column,
        2,
        ["subscriptions.csv: column 7 of the header has no name", "give every column a name"],
    ),
    Case(
        "decimal comma before an empty last field",
        decimal_comma_before_empty_last_field,
        2,
        [
            "invoice_line_items.csv line {line}: 13 fields where the header has 12",
            "decimal comma (99,50)",
            "dot decimal",
            'quote the value ("99,50")',
        ],
        line_of="decimal comma",
    ),
    Case(
        "thousands separator before an empty last field",
        thousands_separator_before_empty_last_field,
        2,
        [
            "plans.csv line {line}: 10 fields where the header has 9",
            "thousands separator (1,200)",
            "1200, not 1,200",
        ],
        line_of="thousands separator",
    ),
    Case(
        "an extra value at the end of a row",
        extra_value_at_the_end,
        2,
        ["payments.csv line {line}: 9 fields where the header has 8", "quote values"],
        line_of="extra value",
    ),
    Case(
        "too few fields",
        too_few_fields,
        2,
        ["invoices.csv line {line}: 4 fields where the header has 6", "exactly one field"],
        line_of="too few",
    ),
    Case(
        "unclosed quote",
        unclosed_quote,
        2,
        ["payments.csv line {line}: a quoted value is not closed", 'two quotes ("")'],
        line_of="unclosed quote",
    ),
    Case(
        "a line not in UTF-8",
        latin1_line,
        2,
        ["customers.csv line {line}: not valid UTF-8", "save or export the file as UTF-8"],
        line_of="latin-1",
    ),
    Case(
        "blank first line",
        blank_first_line,
        2,
        ["invoices.csv: the first line is empty", "header row", "must be the first line"],
    ),
    Case(
        "corrupt parquet",
        corrupt_parquet,
        2,
        ["plans.parquet: not a readable Parquet file", "re-export it, or provide the table as CSV"],
    ),
    Case(
        "reserved column name",
        reserved_column,
        2,
        ["plans.csv: column '_source_file' is reserved", "rename it"],
    ),
    Case(
        "header not in UTF-8",
        latin1_header,
        2,
        ["customers.csv: line 1 is not valid UTF-8 (byte 0xe9", "save or export the file as UTF-8"],
    ),
    Case(
        "mixed line endings",
        mixed_line_endings,
        2,
        [
            "payments.csv line {line}: not well-formed CSV",
            "line endings are mixed",
            "export the file again with one kind of line ending",
        ],
        line_of="mixed line endings",
    ),
    Case(
        "invalid shrink setting",
        invalid_shrink_setting,
        2,
        ["RRW_MAX_SHRINK must be a share from 0 to 1", "half"],
    ),
    Case(
        "partial export",
        partial_export,
        0,
        [
            "Warning: this load shrinks raw tables by more than 50% (RRW_MAX_SHRINK)",
            "invoices {before} -> 2 rows",
            "if the export is incomplete, load the complete one",
        ],
        refused=False,
        counts={"invoices": 2},
    ),
    Case(
        "required table emptied",
        required_table_emptied,
        0,
        ["Warning: this load shrinks raw tables", "payments {before} -> 0 rows (empty)"],
        refused=False,
        counts={"payments": 0},
    ),
]


@dataclass(frozen=True)
class Valid:
    folder: Path
    database: Path
    raw: dict[str, list[tuple[object, ...]]]
    rows: dict[str, int]


@pytest.fixture(scope="module")
def valid(tmp_path_factory: pytest.TempPathFactory) -> Valid:
    root = tmp_path_factory.mktemp("bad-inputs")
    folder = root / "valid"
    generate(out_dir=folder, customers=60, seed=3, bad_row_share=0.0)
    database = root / "valid.duckdb"
    loaded = load_folder(folder, database)
    return Valid(folder, database, raw_snapshot(database), loaded.rows)


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_bad_input_folder(
    case: Case,
    valid: Valid,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.delenv("RRW_MAX_SHRINK", raising=False)
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(valid.database, database)
    target = case.mutation(shutil.copytree(valid.folder, tmp_path / "export"), monkeypatch)

    code = cli.main(["load", str(target), "--database", str(database), "--quiet"])
    monkeypatch.undo()

    captured = capsys.readouterr()
    output = captured.out + captured.err
    assert code == case.exit_code, output
    assert "Traceback" not in output
    line = LINES.get(case.line_of or "")
    before = sum(valid.rows[table] for table in case.counts)
    for word in case.words:
        assert word.format(line=line, before=f"{before:,}") in output, output
    if case.refused:
        assert captured.err.startswith("rrw load: ")
        assert "Nothing was loaded; the raw data in the warehouse is unchanged." in captured.err
        assert raw_snapshot(database) == valid.raw, "a refused load leaves raw as it was"
    else:
        after = raw_snapshot(database)
        for table, rows in case.counts.items():
            assert len(after[table]) == rows


# rrw publish refuses a load that shrinks the published raw data.


def _published(valid: Valid, tmp_path: Path) -> Path:
    """A 'published' warehouse that holds the valid raw data (no dbt needed to refuse)."""
    published = tmp_path / "warehouse" / "warehouse.duckdb"
    published.parent.mkdir()
    shutil.copyfile(valid.database, published)
    return published


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.parametrize(
    ("mutation", "table", "after"),
    [(partial_export, "invoices", "2 rows"), (required_table_emptied, "payments", "0 rows")],
    ids=["partial export", "required table emptied"],
)
def test_publish_refuses_a_shrinking_load_and_names_the_option(
    valid: Valid,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    mutation: Mutation,
    table: str,
    after: str,
) -> None:
    published = _published(valid, tmp_path)
    before = _digest(published)
    folder = mutation(shutil.copytree(valid.folder, tmp_path / "export"), monkeypatch)

    code = cli.main(["publish", "--data", str(folder), "--database", str(published)])

    err = capsys.readouterr().err
    assert code == 1
    assert "NOT PUBLISHED - load failed: this load shrinks raw tables by more than 50%" in err
    assert f"{table} {valid.rows[table]:,} -> {after}" in err
    assert "compared with batch" in err and str(published.resolve()) in err
    assert "run again with --allow-shrink (or raise RRW_MAX_SHRINK)" in err
    assert f"The published warehouse {published.resolve()} is unchanged" in err
    assert "Traceback" not in err
    assert _digest(published) == before


class _StopAfterLoad(Exception):
    pass


def test_publish_allow_shrink_passes_the_load_gate(
    valid: Valid,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    published = _published(valid, tmp_path)
    folder = partial_export(shutil.copytree(valid.folder, tmp_path / "export"), monkeypatch)

    def stop(*_args: object, **_kwargs: object) -> None:
        raise _StopAfterLoad("the load gate was passed")

    # The next gate (the raw audit) is replaced so that no audit or dbt time is spent.
    monkeypatch.setattr("recurring_revenue.quality.runner.run_checks", stop)

    code = cli.main(
        ["publish", "--data", str(folder), "--database", str(published), "--allow-shrink"]
    )

    err = capsys.readouterr().err
    assert code == 1
    assert "load failed" not in err
    assert "NOT PUBLISHED - audit raw failed: unexpected error: _StopAfterLoad" in err
    assert "Notice: accepted with --allow-shrink: this load shrinks raw tables" in err
