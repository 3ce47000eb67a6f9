"""The KPI dashboard (`rrw dashboard`) on a published warehouse of generated data
(250 customers, seed 5).

- Streamlit's AppTest runs every page in-process: no exception, the page title,
  the as-of date and currency shown, charts drawn from the marts; the overview's
  tiles equal fct_saas_kpis_monthly for the as-of month; a file replaced under the
  open app (what a publish does) is read on the next run; no published warehouse
  gives instructions, not a traceback.
- A real browser (Debian's Chromium driven by Playwright) against `rrw dashboard`
  on a free loopback port: every page opened from the navigation draws its charts
  with no Streamlit exception and no console error; the overview's MRR is the
  mart's; `rrw publish` of other data while the dashboard is open, and a reload
  shows the new MRR. Screenshots go to build/dashboard/ ($RRW_SCREENSHOTS_DIR).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path

import duckdb
import pytest

from recurring_revenue.dashboard import browser
from recurring_revenue.dashboard.data import DATABASE_VARIABLE
from recurring_revenue.generate import generate
from recurring_revenue.publish import main_job
from recurring_revenue.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

RRW = str(Path(sys.executable).parent / "rrw")
APP = PROJECT_DIR / "recurring_revenue" / "dashboard" / "app.py"
CUSTOMERS = 250
BUILD_WITHOUT_TESTS = (
    "build",
    "--exclude-resource-type",
    "test",
    "--exclude-resource-type",
    "unit_test",
)
# 250 customers make a noisier MRR series than the demo's 3,000 (see test_publish).
CHECK_OPTIONS = {"max_mrr_change": 1.0}

#: (page file, title) as in the app's navigation.
PAGES = (
    ("overview.py", "Overview"),
    ("movements.py", "MRR movements"),
    ("churn.py", "Churn and retention"),
    ("acquisition.py", "Acquisition and unit economics"),
    ("conversions.py", "Conversions"),
    ("contracts.py", "Contracts and renewals"),
    ("cash.py", "Cash"),
    ("segments.py", "Segments"),
    ("customer.py", "Customer"),
)


SEGMENT_DIMENSIONS = (
    "Acquisition channel",
    "Country",
    "Plan",
    "Product",
    "Business model",
    "Billing interval",
    "Currency",
)


def dbt_env(root: Path) -> dict[str, str]:
    return {"DBT_TARGET_PATH": str(root / "target"), "DBT_LOG_PATH": str(root / "logs")}


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("dashboard")
    generate(out_dir=root / "data", customers=CUSTOMERS, seed=5)
    result = main_job(
        root / "published" / "warehouse.duckdb",
        root / "data",
        dbt_command=BUILD_WITHOUT_TESTS,
        env=dbt_env(root),
        check_options=CHECK_OPTIONS,
    )
    assert result.published, result.message()
    return result.paths.published


def query(database: Path, sql: str) -> list[tuple]:
    connection = duckdb.connect(str(database), read_only=True)
    try:
        return connection.execute(sql).fetchall()
    finally:
        connection.close()


def as_of_kpis(database: Path) -> dict[str, object]:
    columns = (
        "mrr, arr, paying_customers, arpa, nrr_month, grr_month, logo_churn_rate, "
        "quick_ratio, ltv_to_cac"
    )
    rows = query(
        database,
        f"SELECT {columns} FROM marts.fct_saas_kpis_monthly "
        "WHERE date_month = (SELECT as_of_month FROM utilities.util_report_settings)",
    )
    assert len(rows) == 1
    return dict(zip([name.strip() for name in columns.split(",")], rows[0], strict=True))


def expected_tiles(kpis: dict[str, object]) -> dict[str, str]:
    """The tiles' texts, formatted here from the mart's decimals (not by the app's code)."""

    def money(value: object) -> str:
        return f"USD {Decimal(value):,.2f}"  # type: ignore[arg-type]

    def rate(value: object) -> str:
        return "n/a" if value is None else f"{Decimal(value) * 100:,.1f}%"  # type: ignore[arg-type]

    def times(value: object) -> str:
        return "n/a" if value is None else f"{Decimal(value):,.2f}x"  # type: ignore[arg-type]

    return {
        "MRR": money(kpis["mrr"]),
        "ARR": money(kpis["arr"]),
        "Paying customers": f"{kpis['paying_customers']:,}",
        "ARPA": "n/a" if kpis["arpa"] is None else money(kpis["arpa"]),
        "NRR (month)": rate(kpis["nrr_month"]),
        "GRR (month)": rate(kpis["grr_month"]),
        "Logo churn rate": rate(kpis["logo_churn_rate"]),
        "Quick ratio": times(kpis["quick_ratio"]),
        "LTV:CAC": times(kpis["ltv_to_cac"]),
    }


# AppTest.


def app_test(database: Path, monkeypatch: pytest.MonkeyPatch):
    from streamlit.testing.v1 import AppTest

    monkeypatch.setenv(DATABASE_VARIABLE, str(database))
    # AppTest leaves the app script as sys.modules["__main__"]; put pytest's back after
    # the test, or every later spawned process (the generator's workers) re-runs the app.
    monkeypatch.setitem(sys.modules, "__main__", sys.modules["__main__"])
    app = AppTest.from_file(str(APP), default_timeout=60)
    app.run()
    return app


def charts(app) -> int:
    return len(app.get("vega_lite_chart"))


def test_every_page_renders_with_as_of_date_and_currency(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (as_of,) = query(published, "SELECT as_of_date FROM utilities.util_report_settings")[0]
    app = app_test(published, monkeypatch)
    for page, title in PAGES:
        app.switch_page(f"views/{page}").run()
        assert not app.exception, (page, [element.value for element in app.exception])
        assert [element.value for element in app.title] == [title]
        caption = " ".join(element.value for element in app.caption)
        assert f"As of **{as_of.isoformat()}**" in caption, page
        assert "money in **USD**" in caption, page
        if page != "customer.py":
            assert charts(app) >= 1, page
    # The customer page draws one customer's history once an id is given.
    (customer_id,) = query(
        published,
        "SELECT customer_id FROM marts.dim_customers ORDER BY current_mrr DESC, customer_id "
        "LIMIT 1",
    )[0]
    app.text_input(key="customer_id").input(customer_id).run()
    assert not app.exception
    assert charts(app) == 1
    assert app.metric[0].value == customer_id


def test_overview_tiles_equal_the_marts(published: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    app = app_test(published, monkeypatch)
    assert not app.exception
    shown = {metric.label: metric.value for metric in app.metric}
    assert shown == expected_tiles(as_of_kpis(published))


def test_month_filter_moves_the_overview_month(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    months = [row[0] for row in query(published, "SELECT date_month FROM marts.fct_mrr_monthly")]
    months.sort()
    first, last = months[-12], months[-6]
    app = app_test(published, monkeypatch)
    app.select_slider(key="month_range").set_value(
        (first.strftime("%Y-%m"), last.strftime("%Y-%m"))
    ).run()
    assert not app.exception
    assert app.subheader[0].value == f"Month {last:%Y-%m}"
    (mrr,) = query(
        published, f"SELECT mrr FROM marts.fct_saas_kpis_monthly WHERE date_month = '{last}'"
    )[0]
    assert app.metric[0].value == f"USD {mrr:,.2f}"


def test_a_null_kpi_shows_n_a_with_the_reason_in_its_tooltip(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A month with no LTV (no logo churn in the 6 months before): "n/a" on the
    overview's LTV:CAC tile and the acquisition page's LTV and LTV:CAC tiles, each
    tooltip saying why."""
    months = sorted(
        row[0] for row in query(published, "SELECT date_month FROM marts.fct_saas_kpis_monthly")
    )
    without_ltv = [
        row[0]
        for row in query(
            published, "SELECT date_month FROM marts.fct_saas_kpis_monthly WHERE ltv IS NULL"
        )
    ]
    assert without_ltv, "the fixture has a month without LTV (its first months)"
    month = max(without_ltv)
    app = app_test(published, monkeypatch)
    app.select_slider(key="month_range").set_value(
        (months[0].strftime("%Y-%m"), month.strftime("%Y-%m"))
    ).run()
    assert not app.exception
    tiles = {metric.label: metric for metric in app.metric}
    assert tiles["LTV:CAC"].value == "n/a"
    assert "n/a: needs a CAC" in tiles["LTV:CAC"].proto.help
    app.switch_page("views/acquisition.py").run()
    assert not app.exception
    tiles = {metric.label: metric for metric in app.metric}
    assert tiles["LTV"].value == "n/a"
    assert "n/a: no paying customers, or no logo churn" in tiles["LTV"].proto.help
    assert tiles["LTV:CAC"].value == "n/a"
    assert "n/a: needs both an LTV and a CAC" in tiles["LTV:CAC"].proto.help


def test_customers_behind_a_movement_show_no_personal_data(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_test(published, monkeypatch)
    app.switch_page("views/movements.py").run()
    app.selectbox(key="movements_customers_movement").set_value("New").run()
    assert not app.exception
    (table,) = app.dataframe
    assert list(table.value.columns) == [
        "customer_id",
        "customer_name_hash",
        "movement_type",
        "previous_mrr",
        "mrr",
        "amount",
    ]
    assert set(table.value["movement_type"]) == {"new"}


def test_a_long_table_shows_the_nearest_rows_and_downloads_them_all(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The renewals due (12,791 at 1,000,000 customers) show the nearest TABLE_ROWS;
    the tiles count them all and the download has them all."""
    from recurring_revenue.dashboard import ui

    (due,) = query(published, "SELECT count(*) FROM marts.rpt_renewals_due_next_90_days")[0]
    assert due >= 2, "the fixture has at least two terms due"
    monkeypatch.setattr(ui, "TABLE_ROWS", 1)
    app = app_test(published, monkeypatch)
    app.switch_page("views/contracts.py").run()
    assert not app.exception
    (table,) = app.dataframe
    assert len(table.value) == 1
    assert app.metric[0].value == ui.count(due)
    captions = " ".join(element.value for element in app.caption)
    assert f"The 1 nearest of {ui.count(due)} terms due" in captions


def test_segments_add_up_to_the_mrr_bridge(
    published: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every dimension's table (the as-of month) adds up to fct_mrr_monthly: MRR and
    every movement; paying customers for a customer attribute; the transfers of a
    subscription attribute to 0."""
    columns = (
        "starting_mrr",
        "new_mrr",
        "expansion_mrr",
        "contraction_mrr",
        "churned_mrr",
        "reactivation_mrr",
        "fx_impact_mrr",
    )
    (bridge,) = query(
        published,
        f"SELECT ending_mrr, {', '.join(columns)}, paying_customers FROM marts.fct_mrr_monthly "
        "WHERE date_month = (SELECT as_of_month FROM utilities.util_report_settings)",
    )
    expected = dict(zip(("mrr", *columns), bridge[:-1], strict=True))
    paying = bridge[-1]
    app = app_test(published, monkeypatch)
    app.switch_page("views/segments.py").run()
    for dimension in SEGMENT_DIMENSIONS:
        app.selectbox(key="segments_dimension").set_value(dimension).run()
        assert not app.exception, dimension
        assert charts(app) == 1
        (table,) = app.dataframe
        rows = table.value

        def total(column: str, frame=rows) -> Decimal:
            return sum(
                (Decimal(text.removeprefix("USD ").replace(",", "")) for text in frame[column]),
                Decimal(0),
            )

        assert len(rows) > 1, dimension
        assert {column: total(column) for column in expected} == expected, dimension
        if dimension in ("Acquisition channel", "Country"):
            assert "transfer_in_mrr" not in rows.columns, dimension
            customers = sum(int(text.replace(",", "")) for text in rows["paying_customers"])
            assert customers == paying, dimension
        else:
            assert total("transfer_in_mrr") + total("transfer_out_mrr") == 0, dimension


def test_a_replaced_file_is_read_on_the_next_run(
    published: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What a publish does to an open dashboard: the file is replaced by rename."""
    database = tmp_path / "warehouse.duckdb"
    shutil.copyfile(published, database)
    app = app_test(database, monkeypatch)
    before = app.metric[0].value

    changed = tmp_path / "new" / "warehouse.duckdb"
    changed.parent.mkdir()
    shutil.copyfile(published, changed)
    connection = duckdb.connect(str(changed))
    connection.execute(
        "UPDATE marts.fct_saas_kpis_monthly SET mrr = mrr + 1000 "
        "WHERE date_month = (SELECT as_of_month FROM utilities.util_report_settings)"
    )
    connection.execute("CHECKPOINT")
    connection.close()
    os.replace(changed, database)

    app.run()
    assert not app.exception
    after = app.metric[0].value
    mrr = as_of_kpis(database)["mrr"]
    assert after == f"USD {mrr:,.2f}"
    assert after != before


def test_no_published_warehouse_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    app = app_test(tmp_path / "missing.duckdb", monkeypatch)
    assert not app.exception
    (warning,) = app.warning
    assert "No published warehouse" in warning.value
    assert "make demo" in warning.value
    assert "rrw publish" in warning.value


# A real browser.


@pytest.fixture
def dashboard(published: Path, tmp_path: Path) -> Iterator[tuple[str, Path, subprocess.Popen]]:
    """`rrw dashboard` on a free port, over a copy of the published warehouse."""
    database = tmp_path / "published" / "warehouse.duckdb"
    database.parent.mkdir()
    shutil.copyfile(published, database)
    with browser.running_dashboard(database, tmp_path / "dashboard.log") as (url, process):
        yield url, database, process


def screenshots_dir() -> Path:
    folder = Path(os.environ.get("RRW_SCREENSHOTS_DIR", PROJECT_DIR / "build" / "dashboard"))
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def tile(page, label: str) -> str:
    metric = page.locator('[data-testid="stMetric"]', has_text=label).first
    return metric.locator('[data-testid="stMetricValue"]').inner_text().strip()


@pytest.mark.skipif(
    not browser.CHROMIUM.exists() and not os.environ.get("CI"),
    reason="Debian's chromium is not installed (make pytest installs it as root)",
)
def test_every_page_in_a_real_browser_and_a_publish_while_open(
    dashboard: tuple[str, Path, subprocess.Popen], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    url, database, process = dashboard
    shots = screenshots_dir()
    problems: list[str] = []
    with sync_playwright() as playwright:
        chromium = browser.launch(playwright)
        try:
            page = chromium.new_page(viewport=browser.VIEWPORT)
            page.on(
                "console",
                lambda message: (
                    problems.append(f"console {message.type}: {message.text}")
                    if message.type == "error"
                    else None
                ),
            )
            page.on("pageerror", lambda error: problems.append(f"page error: {error}"))
            page.goto(url)
            browser.settle(page, "Overview")

            kpis = as_of_kpis(database)
            expected = expected_tiles(kpis)
            assert {label: tile(page, label) for label in expected} == expected

            customer_id = query(
                database,
                "SELECT customer_id FROM marts.dim_customers "
                "ORDER BY current_mrr DESC, customer_id LIMIT 1",
            )[0][0]
            for file, title in PAGES:
                browser.open_page(page, title)
                if file == "customer.py":
                    browser.show_customer(page, customer_id)
                assert page.locator('[data-testid="stException"]').count() == 0, title
                assert page.locator('[data-testid="stVegaLiteChart"]').count() >= 1, title
                browser.capture(page, shots / f"{file.removesuffix('.py')}.png")

            # Publish other data while the dashboard is open.
            data = tmp_path / "changed"
            generate(out_dir=data, customers=CUSTOMERS + 60, seed=5)
            published = subprocess.run(
                [
                    RRW,
                    "publish",
                    "--database",
                    str(database),
                    "--data",
                    str(data),
                    "--max-mrr-change",
                    "1.0",
                    "--",
                    *BUILD_WITHOUT_TESTS[1:],
                ],
                env={**os.environ, **dbt_env(tmp_path)},
                capture_output=True,
                text=True,
                timeout=300,
            )
            assert published.returncode == 0, published.stderr[-3000:]
            new_mrr = as_of_kpis(database)["mrr"]
            assert f"USD {new_mrr:,.2f}" != expected["MRR"]

            # Back to the overview (the app's root URL), then reload it. (A reload of a
            # page's own URL makes Streamlit's front end probe /<page>/_stcore/ for its
            # base path first: two 404s in the console that are the framework's own.)
            browser.open_page(page, "Overview")
            page.wait_for_url(f"{url}/")
            page.reload()
            browser.settle(page, "Overview")
            assert tile(page, "MRR") == f"USD {new_mrr:,.2f}"
            assert page.locator('[data-testid="stException"]').count() == 0
            browser.capture(page, shots / "overview_after_publish.png")
        except Exception:
            page.screenshot(path=str(shots / "failure.png"), full_page=True)
            raise
        finally:
            chromium.close()
    assert process.poll() is None, "the dashboard stopped"
    assert problems == []
