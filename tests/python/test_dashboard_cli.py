"""`rrw dashboard`: the command it runs and what it says, without starting a server."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from recurring_revenue import cli, dashboard
from recurring_revenue.dashboard import browser
from recurring_revenue.dashboard.data import DATABASE_VARIABLE


class FakeServer:
    def __init__(self, command: list[str], env: dict[str, str]) -> None:
        self.command, self.env = command, env

    def wait(self, timeout: float | None = None) -> int:
        return 0

    def poll(self) -> int:
        return 0


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    seen: list[tuple[list[str], dict[str, str]]] = []

    def popen(command: list[str], env: dict[str, str]) -> FakeServer:
        seen.append((command, env))
        return FakeServer(command, env)

    monkeypatch.setattr(dashboard.subprocess, "Popen", popen)
    return seen


def test_binds_loopback_on_the_port_and_passes_the_database(
    calls: list, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    database = tmp_path / "warehouse.duckdb"
    database.touch()
    assert cli.main(["dashboard", "--database", str(database), "--port", "8765"]) == 0
    ((command, env),) = calls
    assert command[command.index("--server.address") + 1] == "127.0.0.1"
    assert command[command.index("--server.port") + 1] == "8765"
    assert command[command.index("run") + 1] == str(dashboard.APP)
    assert env[DATABASE_VARIABLE] == str(database.resolve())
    out = capsys.readouterr()
    assert "URL: http://127.0.0.1:8765/" in out.out
    assert out.err == ""


def test_says_how_to_publish_when_there_is_no_warehouse(
    calls: list, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.duckdb"
    assert cli.main(["dashboard", "--database", str(missing)]) == 0
    err = capsys.readouterr().err
    assert f"No published warehouse at {missing}" in err
    assert "make demo" in err and "rrw publish --data FOLDER" in err


def test_sigterm_to_rrw_stops_the_server(tmp_path: Path) -> None:
    """The server is a child of rrw: it must not outlive a SIGTERM to rrw (it did)."""
    port = browser.free_port()
    rrw = Path(sys.executable).parent / "rrw"
    process = subprocess.Popen(
        [str(rrw), "dashboard", "--database", str(tmp_path / "none.duckdb"), "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        browser.wait_healthy(f"http://127.0.0.1:{port}", process)
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=20)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline and port_open(port):
            time.sleep(0.2)
        assert not port_open(port), "the Streamlit server outlived rrw"
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        else:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)


def port_open(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.settimeout(0.5)
        return probe.connect_ex(("127.0.0.1", port)) == 0
