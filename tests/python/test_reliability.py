"""Reliability of the build on generated data (250 customers, seed 5).

- Rerun idempotency: building again from the same raw data gives the same marts,
  also with the machine's time zone set to two other zones (one with a half-hour,
  one with a quarter-hour offset) and with 1 instead of 2 threads. Marts are
  compared as ordered CSV exports (every public mart of the manifest), never as
  file bytes.
- No DOUBLE / FLOAT column and no raw personal data (e-mail-like values, raw
  customer names and e-mails) in any public mart.
- Incremental models: each one declares a unique_key with a not_null constraint
  (enforced contract); a synthetic incremental model proves that this makes a NULL
  key fail the build and leave the table as it was, instead of adding rows.

Builds run `dbt build` without dbt's tests (they do not matter here), two at a time
(2 cores).
"""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import subprocess
import textwrap
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.generate import generate
from recurring_revenue.load import load_folder
from recurring_revenue.publish import export_marts
from recurring_revenue.quality.catalog import MartSpec, load_manifest, public_marts
from recurring_revenue.settings import storage_version
from recurring_revenue.tools.check_models import problems

pytestmark = pytest.mark.slow

CUSTOMERS = 250
SEED = 5
#: Seeds and models, without dbt's tests (they do not matter here and cost time).
BUILD_WITHOUT_TESTS = (
    "build",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
)
#: (name, extra environment) of each rebuild compared with the baseline.
VARIANTS: dict[str, dict[str, str]] = {
    "rerun": {},
    "tz_st_johns": {"TZ": "America/St_Johns"},
    "tz_kathmandu": {"TZ": "Asia/Kathmandu"},
    "one_thread": {"RRW_THREADS": "1"},
}


@dataclass
class Build:
    root: Path
    returncode: int
    output: str

    @property
    def database(self) -> Path:
        return self.root / "warehouse.duckdb"

    @property
    def manifest(self) -> Path:
        return self.root / "target" / "manifest.json"


def dbt_env(root: Path, extra: dict[str, str] | None = None) -> dict[str, str]:
    return {
        "RRW_DUCKDB_PATH": str(root / "warehouse.duckdb"),
        "DBT_TARGET_PATH": str(root / "target"),
        "DBT_LOG_PATH": str(root / "logs"),
        "RRW_THREADS": "2",
        **(extra or {}),
    }


def run_build(root: Path, extra: dict[str, str] | None = None) -> Build:
    result = run_dbt(list(BUILD_WITHOUT_TESTS), env=dbt_env(root, extra), capture=True)
    return Build(root, result.returncode, (result.stdout or "") + (result.stderr or ""))


def exports(build: Build, name: str) -> dict[str, str]:
    """sha256 of each public mart's ordered CSV export."""
    marts = public_marts(load_manifest(build.manifest, parse_if_missing=False))
    folder = build.root / f"export-{name}"
    shutil.rmtree(folder, ignore_errors=True)
    files = export_marts(build.database, marts, folder, file_format="csv")
    return {path.stem: hashlib.sha256(path.read_bytes()).hexdigest() for path in files}


def first_difference(left: Path, right: Path) -> str:
    for number, (a, b) in enumerate(
        zip(left.read_text().splitlines(), right.read_text().splitlines(), strict=False), 1
    ):
        if a != b:
            return f"line {number}: {a!r} != {b!r}"
    return "different lengths"


@pytest.fixture(scope="module")
def raw_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A warehouse file holding only the loaded raw data (DuckDB storage for 1.x)."""
    root = tmp_path_factory.mktemp("reliability")
    data = root / "data"
    generate(out_dir=data, customers=CUSTOMERS, seed=SEED)
    database = root / "raw" / "warehouse.duckdb"
    database.parent.mkdir()
    duckdb.connect(
        str(database), config={"storage_compatibility_version": storage_version()}
    ).close()
    load_folder(data, database)
    return database


@pytest.fixture(scope="module")
def builds(raw_file: Path) -> dict[str, Build]:
    """The baseline build and each variant, from copies of the same raw file."""
    roots = {}
    for name in ("baseline", *VARIANTS):
        root = raw_file.parent.parent / name
        root.mkdir()
        shutil.copyfile(raw_file, root / "warehouse.duckdb")
        roots[name] = root
    baseline = run_build(roots["baseline"])
    assert baseline.returncode == 0, baseline.output[-5000:]
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {
            name: pool.submit(run_build, roots[name], extra)
            for name, extra in VARIANTS.items()
            if name != "rerun"
        }
        done = {name: future.result() for name, future in futures.items()}
    done["rerun"] = run_build(roots["baseline"])
    return {"baseline": baseline, **done}


@pytest.fixture(scope="module")
def baseline_exports(builds: dict[str, Build]) -> dict[str, str]:
    found = exports(builds["baseline"], "baseline")
    assert len(found) >= 6, found
    return found


@pytest.mark.parametrize("variant", list(VARIANTS))
def test_marts_are_identical_across_reruns_time_zones_and_threads(
    builds: dict[str, Build], baseline_exports: dict[str, str], variant: str
) -> None:
    build = builds[variant]
    assert build.returncode == 0, build.output[-5000:]
    found = exports(build, variant)
    assert found.keys() == baseline_exports.keys()
    different = [name for name in found if found[name] != baseline_exports[name]]
    details = [
        f"{name}: "
        + first_difference(
            builds["baseline"].root / "export-baseline" / f"{name}.csv",
            build.root / f"export-{variant}" / f"{name}.csv",
        )
        for name in different
    ]
    assert not different, "\n".join(details)


def public_mart_specs(build: Build) -> list[MartSpec]:
    return public_marts(load_manifest(build.manifest, parse_if_missing=False))


def test_no_binary_float_column_in_any_mart(builds: dict[str, Build]) -> None:
    build = builds["baseline"]
    marts = public_mart_specs(build)
    with duckdb.connect(str(build.database), read_only=True) as connection:
        rows = connection.execute(
            "SELECT schema_name || '.' || table_name, column_name, data_type "
            "FROM duckdb_columns() WHERE database_name = current_database()"
        ).fetchall()
    labels = {mart.label for mart in marts}
    columns = [row for row in rows if row[0] in labels]
    assert {row[0] for row in columns} == labels, "every public mart is in the warehouse"
    floats = [row for row in columns if row[2].upper() in ("DOUBLE", "FLOAT", "REAL")]
    assert floats == []


EMAIL = re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}")


def test_no_raw_personal_data_in_any_mart(builds: dict[str, Build]) -> None:
    build = builds["baseline"]
    marts = public_mart_specs(build)
    with duckdb.connect(str(build.database), read_only=True) as connection:
        names = {
            value.strip()
            for (value,) in connection.execute(
                "SELECT customer_name FROM raw.customers WHERE customer_name IS NOT NULL "
                "UNION SELECT email FROM raw.customers WHERE email IS NOT NULL"
            ).fetchall()
            if len(value.strip()) >= 5
        }
        assert len(names) > CUSTOMERS, "the scan has raw names and e-mails to look for"
        found = []
        scanned = 0
        for mart in marts:
            text_columns = [
                column
                for (column,) in connection.execute(
                    "SELECT column_name FROM duckdb_columns() WHERE database_name = "
                    "current_database() AND schema_name = ? AND table_name = ? AND "
                    "data_type = 'VARCHAR'",
                    [mart.schema, mart.alias],
                ).fetchall()
            ]
            for column in text_columns:
                values = connection.execute(
                    f'SELECT DISTINCT "{column}" FROM "{mart.schema}"."{mart.alias}" '
                    f'WHERE "{column}" IS NOT NULL'
                ).fetchall()
                scanned += len(values)
                found.extend(
                    f"{mart.label}.{column}"
                    for (value,) in values
                    if EMAIL.search(value) or value.strip() in names
                )
    assert scanned > 1000
    assert sorted(set(found)) == []


def test_every_incremental_model_fails_on_a_null_unique_key(
    builds: dict[str, Build],
) -> None:
    manifest = json.loads(builds["baseline"].manifest.read_text())
    incremental = [
        node["name"]
        for node in manifest["nodes"].values()
        if node["resource_type"] == "model" and node["config"]["materialized"] == "incremental"
    ]
    found, _ = problems(manifest)
    assert [problem for problem in found if "unique_key" in problem] == [], incremental


PROBE_PROJECT = {
    "dbt_project.yml": """
        name: incremental_probe
        version: "1.0.0"
        config-version: 2
        profile: incremental_probe
        model-paths: ["models"]
    """,
    "profiles.yml": """
        incremental_probe:
          target: dev
          outputs:
            dev:
              type: duckdb
              path: "{{ env_var('PROBE_DUCKDB_PATH') }}"
              threads: 1
    """,
    "models/sources.yml": """
        version: 2
        sources:
          - name: probe
            schema: main
            tables:
              - name: events
    """,
    "models/probe_events.sql": """
        {{ config(materialized='incremental', unique_key='event_id', on_schema_change='fail') }}
        select event_id, amount from {{ source('probe', 'events') }}
        {% if is_incremental() %}
        where amount > (select max(amount) from {{ this }})
        {% endif %}
    """,
    "models/probe_events.yml": """
        version: 2
        models:
          - name: probe_events
            description: One row per event.
            config:
              contract:
                enforced: true
            columns:
              - name: event_id
                description: Key.
                data_type: varchar
                constraints:
                  - type: not_null
              - name: amount
                description: Amount.
                data_type: integer
    """,
}


def test_a_null_unique_key_fails_an_incremental_build_without_adding_rows(
    tmp_path: Path,
) -> None:
    """The mechanism check_models requires of incremental models, on dbt-duckdb."""
    for name, text in PROBE_PROJECT.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
    database = tmp_path / "probe.duckdb"
    with duckdb.connect(str(database)) as connection:
        connection.execute("CREATE TABLE events (event_id VARCHAR, amount INTEGER)")
        connection.execute("INSERT INTO events VALUES ('a', 1), ('b', 2)")
    env = {
        "PROBE_DUCKDB_PATH": str(database),
        "DBT_TARGET_PATH": str(tmp_path / "target"),
        "DBT_LOG_PATH": str(tmp_path / "logs"),
    }

    def dbt() -> subprocess.CompletedProcess[str]:
        return run_dbt(["run"], env=env, project_dir=tmp_path, capture=True)

    first = dbt()
    assert first.returncode == 0, first.stdout
    with duckdb.connect(str(database)) as connection:
        connection.execute("INSERT INTO events VALUES (NULL, 3), ('c', 4)")
    second = dbt()
    assert second.returncode != 0
    assert "NOT NULL constraint failed" in second.stdout + second.stderr
    with duckdb.connect(str(database), read_only=True) as connection:
        rows = connection.execute("SELECT * FROM probe_events ORDER BY ALL").fetchall()
    assert rows == [("a", 1), ("b", 2)]
