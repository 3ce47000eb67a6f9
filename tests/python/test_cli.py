"""The command line: dbt arguments as the help says, exit codes, no traceback on Ctrl-C."""

from __future__ import annotations

import argparse

import pytest

from recurring_revenue import cli


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
