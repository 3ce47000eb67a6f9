"""The KPI dashboard: a Streamlit app over the published warehouse (`rrw dashboard`)."""

from __future__ import annotations

import importlib.util
import os
import signal
import subprocess
import sys
from pathlib import Path

from recurring_revenue.dashboard.data import DATABASE_VARIABLE, no_warehouse_message

APP = Path(__file__).resolve().parent / "app.py"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8501

#: (file under views/, title, url path): the navigation, in order.
PAGES = (
    ("overview.py", "Overview", "overview"),
    ("movements.py", "MRR movements", "movements"),
    ("churn.py", "Churn and retention", "churn"),
    ("acquisition.py", "Acquisition and unit economics", "acquisition"),
    ("conversions.py", "Conversions", "conversions"),
    ("contracts.py", "Contracts and renewals", "contracts"),
    ("cash.py", "Cash", "cash"),
    ("segments.py", "Segments", "segments"),
    ("customer.py", "Customer", "customer"),
)


def command(port: int, host: str = DEFAULT_HOST) -> list[str]:
    """The `streamlit run` command line of the dashboard (through `server`, which
    imports the app's libraries before the server starts)."""
    return [
        sys.executable,
        "-m",
        "recurring_revenue.dashboard.server",
        "run",
        str(APP),
        "--server.address",
        host,
        "--server.port",
        str(port),
        "--server.headless",
        "true",
        "--browser.gatherUsageStats",
        "false",
        "--server.fileWatcherType",
        "none",
        "--global.developmentMode",
        "false",
        "--client.toolbarMode",
        "viewer",
    ]


def serve(database: Path, port: int = DEFAULT_PORT, host: str = DEFAULT_HOST) -> int:
    """Run the dashboard on `host:port` until interrupted; its exit code.

    Without a published warehouse it says how to publish one and still serves (the
    pages say the same), so a publish made next is shown on a reload.
    """
    if importlib.util.find_spec("streamlit") is None:
        print(
            "rrw dashboard: Streamlit is not installed; install the project with its dev "
            "extra (`make setup`, or `pip install -e '.[dev]'`).",
            file=sys.stderr,
        )
        return 2
    database = database.resolve()
    if not database.exists():
        print(f"rrw dashboard: {no_warehouse_message(database)}", file=sys.stderr)
    print(f"Dashboard of {database}\n  URL: http://{host}:{port}/  (Ctrl+C to stop)", flush=True)
    environment = {**os.environ, DATABASE_VARIABLE: str(database)}
    server = subprocess.Popen(command(port, host), env=environment)

    def stop(_signal: int, _frame: object) -> None:
        # A SIGTERM to rrw (a service manager, a test) must stop the server too, or
        # it would live on, orphaned, holding the port.
        server.terminate()

    previous = signal.signal(signal.SIGTERM, stop)
    try:
        return server.wait()
    except KeyboardInterrupt:
        # Ctrl+C reached the server too (same process group): let it finish.
        server.wait()
        return 0
    finally:
        signal.signal(signal.SIGTERM, previous)
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=15)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
