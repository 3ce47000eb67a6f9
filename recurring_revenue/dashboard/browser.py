"""Drive the dashboard in a real browser: Debian's Chromium through Playwright.

Used by the browser test (tests/python/test_dashboard.py) and by `make screenshots`
(`python -m recurring_revenue.dashboard.browser --database FILE --out FOLDER`),
which renders every page of a warehouse to PNG files.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

#: Debian's package `chromium` (Playwright's own browser download cannot work here).
CHROMIUM = Path("/usr/bin/chromium")
#: As root, headless, and without the background connections a closed network refuses.
CHROMIUM_ARGS = (
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
)
VIEWPORT = {"width": 1400, "height": 1000}


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def wait_healthy(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"rrw dashboard exited {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise RuntimeError(f"the dashboard did not answer at {url} in {timeout} s")


@contextlib.contextmanager
def running_dashboard(database: Path, log: Path) -> Iterator[tuple[str, subprocess.Popen]]:
    """`rrw dashboard` over `database` on a free loopback port: (its URL, its process)."""
    port = free_port()
    rrw = Path(sys.executable).parent / "rrw"
    with log.open("w", encoding="utf-8") as output:
        process = subprocess.Popen(
            [str(rrw), "dashboard", "--database", str(database), "--port", str(port)],
            stdout=output,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, process)
            yield url, process
        finally:
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
                try:
                    process.wait(timeout=15)
                except subprocess.TimeoutExpired:
                    os.killpg(process.pid, signal.SIGKILL)
                    process.wait()


def launch(playwright: Any) -> Any:
    return playwright.chromium.launch(executable_path=str(CHROMIUM), args=list(CHROMIUM_ARGS))


def settle(page: Any, title: str, timeout: float = 30_000) -> None:
    """Wait for the page's title, the end of the script run and every chart drawn."""
    page.locator("h1", has_text=title).first.wait_for(timeout=timeout)
    page.wait_for_selector(
        '[data-testid="stApp"][data-test-script-state="notRunning"]', timeout=timeout
    )
    if page.locator('[data-testid="stVegaLiteChart"]').count():
        page.wait_for_function(
            """() => [...document.querySelectorAll('[data-testid="stVegaLiteChart"]')]
                .every(chart => chart.querySelector('canvas, svg'))""",
            timeout=timeout,
        )


def open_page(page: Any, title: str) -> None:
    """Go to a page by its link in the navigation, as a person would."""
    page.locator('[data-testid="stSidebarNavLink"]', has_text=title).first.click()
    settle(page, title)


def show_customer(page: Any, customer_id: str) -> None:
    """On the Customer page: type an id and wait for its history."""
    field = page.get_by_label("Customer id")
    field.fill(customer_id)
    field.press("Enter")
    page.locator("h3", has_text="MRR history").wait_for(timeout=30_000)
    settle(page, "Customer")


def capture(page: Any, path: Path) -> None:
    """A PNG of the whole page: Streamlit scrolls inside its main element, so the
    viewport is grown to the page's height for the shot (then put back)."""
    height = page.evaluate(
        """() => {
            const block = document.querySelector('[data-testid="stMainBlockContainer"]');
            return Math.ceil(block ? block.getBoundingClientRect().height + 120 : 0);
        }"""
    )
    viewport = page.viewport_size or VIEWPORT
    if height > viewport["height"]:
        page.set_viewport_size({"width": viewport["width"], "height": int(height)})
        page.wait_for_timeout(500)
    page.screenshot(path=str(path), full_page=True)
    page.set_viewport_size(viewport)


def screenshots(database: Path, out: Path) -> list[Path]:
    """Every page of the dashboard over `database`, as `<out>/<page>.png`."""
    import duckdb
    from playwright.sync_api import sync_playwright

    from recurring_revenue.dashboard import PAGES

    out.mkdir(parents=True, exist_ok=True)
    connection = duckdb.connect(str(database), read_only=True)
    try:
        row = connection.execute(
            "SELECT customer_id FROM marts.dim_customers ORDER BY current_mrr DESC NULLS LAST, "
            "customer_id LIMIT 1"
        ).fetchone()
    finally:
        connection.close()
    written = []
    with (
        running_dashboard(database, out / ".dashboard.log") as (url, _process),
        sync_playwright() as playwright,
    ):
        browser = launch(playwright)
        try:
            page = browser.new_page(viewport=VIEWPORT)
            page.goto(url)
            settle(page, PAGES[0][1])
            for file, title, _path in PAGES:
                open_page(page, title)
                if file == "customer.py" and row:
                    show_customer(page, str(row[0]))
                target = out / f"{file.removesuffix('.py')}.png"
                capture(page, target)
                written.append(target)
        finally:
            browser.close()
    (out / ".dashboard.log").unlink(missing_ok=True)
    return written


def main(argv: list[str] | None = None) -> int:
    from recurring_revenue.settings import database_path

    parser = argparse.ArgumentParser(description="Render every dashboard page to PNG files.")
    parser.add_argument("--database", help="warehouse file (default: $RRW_DUCKDB_PATH)")
    parser.add_argument("--out", default="docs/images", help="folder (default docs/images)")
    args = parser.parse_args(argv)
    database = Path(args.database) if args.database else database_path()
    if not database.exists():
        print(f"no warehouse at {database}: run `make demo` first", file=sys.stderr)
        return 2
    for path in screenshots(database.resolve(), Path(args.out)):
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
