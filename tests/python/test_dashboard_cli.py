"""`rrw dashboard`: the command it runs and what it says, without starting a server."""

from __future__ import annotations

from pathlib import Path

import pytest

from recurring_revenue import cli, dashboard
from recurring_revenue.dashboard.data import DATABASE_VARIABLE


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> list[tuple[list[str], dict[str, str]]]:
    seen: list[tuple[list[str], dict[str, str]]] = []

    def call(command: list[str], env: dict[str, str]) -> int:
        seen.append((command, env))
        return 0

    monkeypatch.setattr(dashboard.subprocess, "call", call)
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
