"""The command line: dbt arguments as the help says, exit codes, no traceback on Ctrl-C."""

from __future__ import annotations

import argparse
from pathlib import Path

import duckdb
import pytest
import worked_cases

from recurring_revenue import cli
from recurring_revenue.dbt_runner import run_dbt


@pytest.mark.parametrize(
    ("argv", "dbt_args"),
    [
        (["build", "--select", "x"], ["--select", "x"]),
        (["build", "--", "--select", "x"], ["--select", "x"]),
        (
            ["build", "--vars", "{a: 1}", "--", "--full-refresh"],
            ["--vars", "{a: 1}", "--full-refresh"],
        ),
        (["build"], []),
        (["publish", "--data", "d", "--threads", "4"], ["--threads", "4"]),
        (["publish", "--data", "d", "--", "--vars", "{a: 1}"], ["--vars", "{a: 1}"]),
        (["demo", "--customers", "10", "--select", "x"], ["--select", "x"]),
    ],
)
def test_build_demo_and_publish_pass_what_they_do_not_know_to_dbt(
    argv: list[str], dbt_args: list[str]
) -> None:
    assert cli.parse_args(argv).dbt_args == dbt_args


def test_rrw_options_are_not_taken_by_abbreviation_from_dbt_options() -> None:
    args = cli.parse_args(["publish", "--data", "d", "--dat", "x"])
    assert args.data == "d"
    assert args.dbt_args == ["--dat", "x"]


def test_other_commands_refuse_unknown_arguments(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        cli.parse_args(["load", "folder", "--select", "x"])
    assert exited.value.code == cli.EXIT_USAGE
    assert "unrecognized arguments: --select x" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["build", "publish", "demo"])
def test_help_shows_an_example_of_dbt_arguments(
    command: str, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit):
        cli.parse_args([command, "--help"])
    out = capsys.readouterr().out
    assert f"rrw {command}" in out
    assert "--vars" in out
    assert "-- --full-refresh" in out


def test_ctrl_c_in_any_command_exits_130_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(_args: argparse.Namespace) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_cmd_build", interrupted)
    assert cli.main(["build"]) == cli.EXIT_INTERRUPTED
    err = capsys.readouterr().err
    assert "interrupted (Ctrl-C)" in err
    assert "Traceback" not in err


def test_build_before_any_load_says_run_rrw_load(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("RRW_DUCKDB_PATH", str(tmp_path / "never_loaded.duckdb"))
    assert cli.main(["build"]) == cli.EXIT_USAGE
    assert "run `rrw load FOLDER` first" in capsys.readouterr().err
    assert not (tmp_path / "never_loaded.duckdb").exists()


def test_dbt_build_by_hand_before_any_load_stops_with_one_message(tmp_path: Path) -> None:
    database = tmp_path / "empty.duckdb"
    duckdb.connect(str(database)).close()
    result = run_dbt(
        ["build"],
        env={
            "RRW_DUCKDB_PATH": str(database),
            "DBT_TARGET_PATH": str(tmp_path / "target"),
            "DBT_LOG_PATH": str(tmp_path / "logs"),
        },
        capture=True,
    )
    output = result.stdout + result.stderr
    assert result.returncode != 0
    assert "No billing data has been loaded" in output
    assert "Run `rrw load FOLDER` first" in output
    assert output.count("Catalog Error") == 0


@pytest.mark.parametrize(
    ("interrupt_in", "committed"), [("_load_csv", False), ("_checkpoint", True)]
)
def test_ctrl_c_during_a_load_says_whether_the_batch_was_committed(
    interrupt_in: str,
    committed: bool,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    from recurring_revenue import load

    data = worked_cases.write_dataset(tmp_path / "data")
    database = tmp_path / "warehouse.duckdb"
    first = load.load_folder(data, database)
    (data / "plans.csv").write_text((data / "plans.csv").read_text() + "\n")  # a new batch

    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(load, interrupt_in, interrupt)
    code = cli.main(["load", str(data), "--database", str(database), "--quiet"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INTERRUPTED
    assert "Traceback" not in err
    now = load.loaded_batch(database)
    if committed:
        assert now != first.batch_id
        assert "after its commit" in err and now in err
    else:
        assert now == first.batch_id
        assert "before its commit: nothing changed" in err and first.batch_id in err


def test_ctrl_c_during_publish_says_nothing_was_published(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from recurring_revenue import publish

    def interrupt(*_args: object, **_kwargs: object) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(publish, "_prepare_build_file", interrupt)
    published = tmp_path / "warehouse" / "recurring_revenue.duckdb"
    code = cli.main(["publish", "--data", str(tmp_path), "--database", str(published)])
    err = capsys.readouterr().err
    assert code == cli.EXIT_INTERRUPTED
    assert "NOT PUBLISHED - interrupted (Ctrl-C) during prepare" in err
    assert "Traceback" not in err
    assert not published.exists()
    assert publish.read_publish_log(published)[-1]["status"] == "refused"


@pytest.mark.parametrize("verbose", [False, True])
def test_the_main_job_is_quiet_by_default_and_logs_everything(
    verbose: bool, tmp_path: Path
) -> None:
    from recurring_revenue.publish import RunLog

    shown: list[str] = []
    log = RunLog(tmp_path / "logs" / "run.log", shown.append, verbose)
    log.phase("dbt build into x")
    log.detail("customers.csv: 3,000 rows")
    sink = log.dbt_lines("dbt build")
    sink("07:00:37  1 of 1 OK hook: recurring_revenue.on-run-start.0 ... [OK]")
    for done in range(1, 101):
        sink(f"07:00:38  {done} of 100 OK created sql table model staging.m{done} ... [OK]")
    log.close()

    written = (tmp_path / "logs" / "run.log").read_text()
    assert "customers.csv: 3,000 rows" in written and "100 of 100 OK created" in written
    if verbose:
        assert len(shown) == 1 + 1 + 1 + 100
    else:
        assert shown == [
            "dbt build into x",
            "  dbt build: 25 of 100 nodes done",
            "  dbt build: 50 of 100 nodes done",
            "  dbt build: 75 of 100 nodes done",
            "  dbt build: 100 of 100 nodes done",
        ]


def test_streamed_dbt_output_has_no_colour_codes(tmp_path: Path) -> None:
    lines: list[str] = []
    result = run_dbt(
        ["debug", "--config-dir"],
        env={"DBT_LOG_PATH": str(tmp_path / "logs")},
        on_line=lines.append,
    )
    assert result.returncode == 0
    assert lines and "\x1b[" not in result.stdout
