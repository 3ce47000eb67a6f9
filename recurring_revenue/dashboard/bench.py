"""Time the dashboard in a real browser: each page's first render and a filter change.

A benchmark, not a test (nothing here runs in the test command):

    python -m recurring_revenue.dashboard.bench --database /work/bench/1m/warehouse.duckdb

For every page it starts `rrw dashboard` afresh over the warehouse (an empty cache,
as after a publish), opens the page's URL in Debian's Chromium (Playwright) and times

- **first render**: from the request until the script run has finished and every
  chart has drawn;
- **filter change**: the sidebar's month range moved by one month (new queries, not
  served from the cache), until the rerun has finished and the charts have drawn;
- **page filter** (where a page has one): its own control, e.g. the movement of the
  customers table, the segment dimension, a customer id;
- **again**: the first render once more in a new browser tab (the cache is warm).

It prints one table (seconds) with the goals (first render under 3 s, a filter
change under 1 s) and writes the figures as JSON with `--json FILE`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from recurring_revenue.dashboard import PAGES, browser

#: The goals of the dashboard at 1,000,000 customers (seconds).
FIRST_RENDER_GOAL = 3.0
FILTER_CHANGE_GOAL = 1.0

#: The month range's two thumbs (range inputs) in the sidebar.
MONTH_THUMBS = '[data-testid="stSidebar"] [data-testid="stSlider"] input[type="range"]'

#: Counts the script runs that finish (the app's state back to notRunning).
WATCH_RUNS = """() => {
    window.__rrwRuns = 0;
    const app = document.querySelector('[data-testid="stApp"]');
    new MutationObserver(() => {
        if (app.getAttribute('data-test-script-state') === 'notRunning') window.__rrwRuns++;
    }).observe(app, {attributes: true, attributeFilter: ['data-test-script-state']});
}"""

CHARTS_DRAWN = """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
    .every(chart => chart.querySelector('canvas, svg'))"""


@dataclass
class PageTiming:
    """Seconds of one page (None where the page has no such control)."""

    page: str
    first_render: float
    filter_change: float | None
    page_filter: float | None
    page_filter_what: str | None
    again: float

    def within_goals(self) -> bool:
        changes = [value for value in (self.filter_change, self.page_filter) if value is not None]
        return self.first_render < FIRST_RENDER_GOAL and all(
            value < FILTER_CHANGE_GOAL for value in changes
        )


def _rerun(page: Any, title: str, action: Callable[[], None], timeout: float = 60_000) -> float:
    """Seconds from `action` until the rerun it starts has finished and charts drew."""
    page.evaluate(WATCH_RUNS)
    started = time.perf_counter()
    action()
    page.wait_for_function("() => window.__rrwRuns > 0", timeout=timeout)
    page.wait_for_function(CHARTS_DRAWN, timeout=timeout)
    elapsed = time.perf_counter() - started
    _no_exception(page, title)
    return elapsed


def _no_exception(page: Any, title: str) -> None:
    if page.locator('[data-testid="stException"]').count():
        text = page.locator('[data-testid="stException"]').first.inner_text()
        raise RuntimeError(f"{title}: the page shows an exception: {text[:500]}")


def _move_month_range(page: Any) -> None:
    """The range's first month one month later (keyboard on the slider's first thumb)."""
    thumb = page.locator(MONTH_THUMBS).first
    thumb.focus()
    thumb.press("ArrowRight")


def _choose(page: Any, label: str, option: str) -> Callable[[], None]:
    """Pick `option` in the select box labelled `label`."""

    def action() -> None:
        box = page.get_by_role("combobox", name=label, exact=True).first
        box.click()
        box.fill(option)
        page.get_by_role("option", name=option, exact=True).first.click(timeout=10_000)

    return action


def _type_customer(page: Any, customer_id: str) -> Callable[[], None]:
    def action() -> None:
        field = page.get_by_label("Customer id")
        field.fill(customer_id)
        field.press("Enter")

    return action


def _page_filter(
    page: Any, file: str, customer_id: str | None
) -> tuple[str, Callable[[], None]] | None:
    """The page's own control worth timing, and how to change it."""
    if file == "movements.py":
        return "customers behind: Churn", _choose(page, "Movement", "Churn")
    if file == "segments.py":
        return "segment by: Plan", _choose(page, "Segment by", "Plan")
    if file == "customer.py" and customer_id:
        return "customer id typed", _type_customer(page, customer_id)
    return None


def _largest_customer(database: Path) -> str | None:
    from recurring_revenue.readers import read_only

    with read_only(database) as connection:
        row = connection.execute(
            "SELECT customer_id FROM marts.dim_customers "
            "ORDER BY current_mrr DESC NULLS LAST, customer_id LIMIT 1"
        ).fetchone()
    return None if row is None else str(row[0])


def time_page(
    playwright: Any, database: Path, file: str, title: str, url_path: str, log: Path
) -> PageTiming:
    """One page on a fresh `rrw dashboard` (empty cache)."""
    customer_id = _largest_customer(database) if file == "customer.py" else None
    with browser.running_dashboard(database, log) as (url, _process):
        chromium = browser.launch(playwright)
        try:
            # The front end's own files once, so the first render times the app, not
            # the browser's first download of Streamlit's JavaScript.
            warm = chromium.new_page(viewport=browser.VIEWPORT)
            warm.goto(f"{url}/_stcore/health")
            warm.close()
            page = chromium.new_page(viewport=browser.VIEWPORT)
            started = time.perf_counter()
            page.goto(f"{url}/{url_path}" if url_path != PAGES[0][2] else url)
            browser.settle(page, title, timeout=120_000)
            first = time.perf_counter() - started
            _no_exception(page, title)

            filter_change = None
            if page.locator(MONTH_THUMBS).count():
                filter_change = _rerun(page, title, lambda: _move_month_range(page))
            what, seconds = None, None
            control = _page_filter(page, file, customer_id)
            if control is not None:
                what, action = control
                try:
                    seconds = _rerun(page, title, action)
                except Exception as error:  # a control the benchmark could not drive
                    print(f"  {title}: {what} failed: {error}", file=sys.stderr)
                    what = f"{what}: not measured"

            again_page = chromium.new_page(viewport=browser.VIEWPORT)
            started = time.perf_counter()
            again_page.goto(f"{url}/{url_path}" if url_path != PAGES[0][2] else url)
            browser.settle(again_page, title, timeout=120_000)
            again = time.perf_counter() - started
        finally:
            chromium.close()
    return PageTiming(title, first, filter_change, seconds, what, again)


def benchmark(database: Path, pages: list[str] | None = None) -> list[PageTiming]:
    from playwright.sync_api import sync_playwright

    timings = []
    log = Path(database).parent / ".dashboard-bench.log"
    with sync_playwright() as playwright:
        for file, title, url_path in PAGES:
            if pages and url_path not in pages:
                continue
            timings.append(time_page(playwright, database, file, title, url_path, log))
            print(f"  {title}: {timings[-1].first_render:.2f} s", file=sys.stderr, flush=True)
    log.unlink(missing_ok=True)
    return timings


def _seconds(value: float | None) -> str:
    return "-" if value is None else f"{value:.2f}"


def report(database: Path, timings: list[PageTiming]) -> str:
    header = ("page", "first render", "month filter", "page filter", "again", "goals")
    rows = [
        (
            timing.page,
            _seconds(timing.first_render),
            _seconds(timing.filter_change),
            _seconds(timing.page_filter)
            + (f" ({timing.page_filter_what})" if timing.page_filter_what else ""),
            _seconds(timing.again),
            "met" if timing.within_goals() else "MISSED",
        )
        for timing in timings
    ]
    widths = [max(len(row[index]) for row in [header, *rows]) for index in range(len(header))]
    lines = [
        f"Dashboard of {database}: seconds in Chromium (goals: first render < "
        f"{FIRST_RENDER_GOAL:g} s, a filter change < {FILTER_CHANGE_GOAL:g} s)",
        "  ".join(text.ljust(width) for text, width in zip(header, widths, strict=True)),
    ]
    lines += [
        "  ".join(text.ljust(width) for text, width in zip(row, widths, strict=True))
        for row in rows
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    from recurring_revenue.settings import database_path

    parser = argparse.ArgumentParser(
        prog="python -m recurring_revenue.dashboard.bench",
        description="Time every dashboard page in Debian's Chromium over a warehouse file: "
        "the first render (a fresh `rrw dashboard`, empty cache), a change of the month "
        "range, the page's own filter where it has one, and a second render (warm cache). "
        f"Goals: first render under {FIRST_RENDER_GOAL:g} s, a filter change under "
        f"{FILTER_CHANGE_GOAL:g} s. A benchmark: run it by hand on a big warehouse (under "
        "`flock /tmp/h/1m.lock` at 1,000,000 customers), never in the test command.",
    )
    parser.add_argument("--database", help="warehouse file (default: $RRW_DUCKDB_PATH)")
    parser.add_argument(
        "--page",
        action="append",
        choices=[url_path for _, _, url_path in PAGES],
        help="time only this page (repeatable; default: every page)",
    )
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    database = (Path(args.database) if args.database else database_path()).resolve()
    if not database.exists():
        print(f"no warehouse at {database}: publish one or give --database FILE", file=sys.stderr)
        return 2
    if not browser.CHROMIUM.exists():
        print(f"{browser.CHROMIUM} is missing: apt-get install chromium (make browser)")
        return 2
    timings = benchmark(database, args.page)
    print(report(database, timings))
    if args.json:
        Path(args.json).write_text(
            json.dumps(
                {
                    "database": str(database),
                    "goals": {
                        "first_render": FIRST_RENDER_GOAL,
                        "filter_change": FILTER_CHANGE_GOAL,
                    },
                    "pages": [asdict(timing) for timing in timings],
                },
                indent=2,
            )
            + "\n",
            encoding="utf-8",
        )
    return 0 if all(timing.within_goals() for timing in timings) else 1


if __name__ == "__main__":
    sys.exit(main())
