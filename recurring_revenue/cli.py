"""The `rrw` command line: a thin layer over plain functions."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path
from typing import Any

from recurring_revenue import __version__, settings


def _progress(quiet: bool):
    if quiet:
        return None
    return lambda message: print(message, file=sys.stderr, flush=True)


def _cmd_generate(args: argparse.Namespace) -> int:
    from recurring_revenue.generate import generate

    if (args.as_of is None) != (args.delta_out is None):
        print(
            "rrw generate: --as-of DAY and --delta-out FOLDER go together (the data as of "
            "DAY into --out, the next day's delta into --delta-out). Nothing was written.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.as_of is not None:
        return _generate_with_delta(args)
    counts = generate(
        out_dir=Path(args.out),
        customers=args.customers,
        seed=args.seed,
        start_date=args.start_date,
        end_date=args.end_date,
        bad_row_share=args.bad_row_share,
        one_bad_row_each=args.one_bad_row_each,
        file_format=args.format,
        workers=args.workers,
        progress=_progress(args.quiet),
    )
    total = sum(counts.values())
    tables = ", ".join(f"{table} {rows:,}" for table, rows in counts.items())
    print(f"wrote {total:,} rows to {args.out}: {tables}")
    return 0


def _generate_with_delta(args: argparse.Namespace) -> int:
    from recurring_revenue.generate.delta import generate_with_delta

    counts = generate_with_delta(
        Path(args.out),
        Path(args.delta_out),
        customers=args.customers,
        seed=args.seed,
        as_of=args.as_of,
        start_date=args.start_date,
        bad_row_share=args.bad_row_share,
        file_format=args.format,
        workers=args.workers,
        progress=_progress(args.quiet),
    )
    snapshot = sum(rows for rows, _delta in counts.values())
    delta = sum(rows for _snapshot, rows in counts.values())
    print(
        f"wrote {snapshot:,} rows as of {args.as_of} to {args.out} and the next day's "
        f"{delta:,} new or changed rows to {args.delta_out}: "
        + ", ".join(f"{table} +{rows:,}" for table, (_rows, rows) in counts.items())
    )
    return 0


def _cmd_load(args: argparse.Namespace) -> int:
    from recurring_revenue.load import LoadError, LoadInterrupted, load_folder

    if args.target == "spark":
        from recurring_revenue.spark_load import load_into_spark

        if args.append:
            print(
                "rrw load: --append loads a delta into DuckDB only; on Spark, load the "
                "complete export (docs/spark.md). Nothing was loaded.",
                file=sys.stderr,
            )
            return EXIT_USAGE
        return load_into_spark(Path(args.folder), _progress(args.quiet))
    database = Path(args.database) if args.database else settings.database_path()
    try:
        result = load_folder(
            Path(args.folder), database, progress=_progress(args.quiet), append=args.append
        )
    except LoadError as error:
        print(f"rrw load: {error}", file=sys.stderr)
        return EXIT_USAGE
    except LoadInterrupted as interrupted:
        print(f"\nrrw load: interrupted (Ctrl-C); {interrupted}", file=sys.stderr)
        return EXIT_INTERRUPTED
    print(result.summary())
    return EXIT_OK


def _cmd_build(args: argparse.Namespace) -> int:
    from recurring_revenue.dbt_runner import run_dbt
    from recurring_revenue.load import loaded_batch
    from recurring_revenue.spark_load import SparkUnavailable, require_spark, targets_spark

    if targets_spark(args.dbt_args):
        try:
            require_spark()
        except SparkUnavailable as error:
            print(f"rrw build: {error}", file=sys.stderr)
            return EXIT_USAGE
        # dbt's on-run-start hook says so when nothing was loaded into Spark.
        return run_dbt(["build", *args.dbt_args]).returncode
    database = settings.database_path()
    if loaded_batch(database) is None:
        print(
            f"rrw build: no billing data has been loaded into {database} yet: run "
            "`rrw load FOLDER` first (`rrw demo` builds a warehouse from demo data).",
            file=sys.stderr,
        )
        return EXIT_USAGE
    return run_dbt(["build", *args.dbt_args]).returncode


def _cmd_demo(args: argparse.Namespace) -> int:
    from recurring_revenue.generate import generate

    data = Path(args.data)
    _say(f"generate: {args.customers:,} demo customers (seed {args.seed}) into {data}")
    counts = generate(
        out_dir=data,
        customers=args.customers,
        seed=args.seed,
        progress=_say if args.verbose else None,
    )
    _say(f"  {sum(counts.values()):,} rows in {len(counts)} files")
    return _main_job(data=data, from_published=False, args=args)


def _cmd_publish(args: argparse.Namespace) -> int:
    if args.append and args.data:
        print(
            "rrw publish: give either --data FOLDER (a complete export) or --append FOLDER "
            "(a delta added to the published raw data), not both. Nothing was published.",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.append:
        return _main_job(data=Path(args.append), from_published=True, args=args, append=True)
    data = Path(args.data) if args.data else None
    return _main_job(data=data, from_published=args.from_published, args=args)


def _main_job(
    data: Path | None, from_published: bool, args: argparse.Namespace, append: bool = False
) -> int:
    from recurring_revenue.publish import main_job

    published = Path(args.database) if getattr(args, "database", None) else None
    result = main_job(
        published or settings.database_path(),
        data,
        from_published=from_published,
        dbt_args=args.dbt_args,
        check_options=_check_options(args),
        # rrw demo regenerates its own data, so a smaller --customers is no partial export.
        allow_shrink=getattr(args, "allow_shrink", True),
        append=append,
        progress=_say,
        verbose=args.verbose,
    )
    stream = sys.stdout if result.published else sys.stderr
    print("\n" + result.message(), file=stream)
    for notice in result.notices:
        print(f"Notice: {notice}", file=stream)
    if result.interrupted:
        return EXIT_INTERRUPTED
    return EXIT_OK if result.published else EXIT_FAILED


def _check_options(args: argparse.Namespace) -> dict[str, Any]:
    options: dict[str, Any] = {}
    if getattr(args, "max_mrr_change", None) is not None:
        options["max_mrr_change"] = args.max_mrr_change
    if getattr(args, "mrr_change_grace_months", None) is not None:
        options["mrr_change_grace_months"] = args.mrr_change_grace_months
    return options


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _cmd_check(args: argparse.Namespace) -> int:
    from recurring_revenue.quality.model import CheckSettings
    from recurring_revenue.quality.report import read_dbt_results, summary, write_html
    from recurring_revenue.quality.runner import run_checks

    database = Path(args.database) if args.database else settings.database_path()
    if not database.exists():
        print(f"rrw check: {database} does not exist; build the warehouse first", file=sys.stderr)
        return 2
    try:
        check_settings = CheckSettings.from_environment(
            database,
            layers=args.layers,
            manifest_path=Path(args.manifest) if args.manifest else None,
            **_check_options(args),
        )
    except ValueError as error:
        print(f"rrw check: {error}", file=sys.stderr)
        return 2
    report = run_checks(check_settings, progress=None if args.quiet else _say)
    print(summary(report, verbose=args.verbose))
    report_path = (
        Path(args.report)
        if args.report
        else database.with_name(f"{database.stem}_quality_report.html")
    )
    print(f"Report: {write_html(report, report_path, read_dbt_results())}")
    return 0 if report.success else 1


def _cmd_contracts(args: argparse.Namespace) -> int:
    from recurring_revenue.quality.contract_state import check_contracts, release_contracts

    if args.release:
        try:
            path = release_contracts(progress=_say)
        except RuntimeError as error:
            print(f"rrw contracts: {error}", file=sys.stderr)
            return 2
        print(f"Released the public marts' contracts to {path}; commit it with the release.")
        return 0
    outcome = check_contracts(progress=_say)
    print(outcome.summary())
    return 0 if outcome.success else 1


def _cmd_bench(args: argparse.Namespace) -> int:
    from recurring_revenue.bench import benchmark

    workdir = Path(args.workdir).resolve()
    workdir.mkdir(parents=True, exist_ok=True)
    benchmark(
        sizes=args.customers,
        seed=args.seed,
        workdir=workdir,
        memory_limit=args.memory_limit,
        threads=args.threads,
        full_build=not args.mrr_only,
        progress=_progress(False) or print,
    )
    return 0


def _cmd_dashboard(args: argparse.Namespace) -> int:
    from recurring_revenue.dashboard import serve

    database = Path(args.database) if args.database else settings.database_path()
    return serve(database, port=args.port, host=args.host)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="rrw",
        description="Recurring Revenue Warehouse: generate demo billing data, load a billing "
        "export into DuckDB, and build the subscription-analytics warehouse with dbt.",
    )
    parser.add_argument("--version", action="version", version=f"rrw {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    generate = commands.add_parser(
        "generate",
        help="write a deterministic demo billing dataset (files in the raw export spec)",
        description="Write a deterministic demo billing dataset in the raw export spec: the same "
        "seed and options always give the same bytes.",
    )
    generate.add_argument("--customers", type=int, default=3000, help="number of customers")
    generate.add_argument("--seed", type=int, default=42, help="random seed (default 42)")
    generate.add_argument("--out", required=True, help="output folder (created if missing)")
    generate.add_argument(
        "--start-date", type=date.fromisoformat, default=date(2022, 1, 1), help="first sign-up day"
    )
    generate.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=date(2026, 9, 30),
        help="export day: the last day with activity (the data's as-of date)",
    )
    generate.add_argument(
        "--bad-row-share",
        type=float,
        default=0.002,
        help="share of deliberately bad rows per table (default 0.002; 0 for none)",
    )
    generate.add_argument(
        "--one-bad-row-each",
        action="store_true",
        help="instead of a share, write exactly one bad row of every reject kind",
    )
    generate.add_argument("--format", choices=["csv", "parquet"], default="csv")
    generate.add_argument(
        "--as-of",
        type=date.fromisoformat,
        metavar="DAY",
        help="write the data as of DAY (YYYY-MM-DD) into --out, and the next day's delta "
        "into --delta-out (new sign-ups, events, invoices, payments, late and corrected rows)",
    )
    generate.add_argument(
        "--delta-out", metavar="FOLDER", help="folder for the next day's delta (with --as-of)"
    )
    generate.add_argument(
        "--workers", type=int, default=2, help="worker processes (the output is identical)"
    )
    generate.add_argument("--quiet", action="store_true", help="no progress messages")
    generate.set_defaults(func=_cmd_generate)

    load = commands.add_parser(
        "load",
        help="load a folder of billing files into the warehouse's raw schema",
        description="Load a folder of <table>.csv / <table>.parquet files shaped as the raw "
        "export spec (docs/raw-spec.md) into the raw schema. All or nothing: a "
        "structural problem fails the load and leaves the earlier raw data intact.",
    )
    load.add_argument("folder", help="folder holding the files")
    load.add_argument("--database", help="warehouse file (default: $RRW_DUCKDB_PATH)")
    load.add_argument(
        "--append",
        action="store_true",
        help="the folder is a delta (new and changed rows only, any table may be absent): "
        "add it to raw as a new batch instead of replacing raw (docs/incremental.md)",
    )
    load.add_argument(
        "--target",
        choices=["dev", "spark"],
        default="dev",
        help="dbt target to load into: dev (DuckDB, default) or spark (Spark tables in "
        "$RRW_SPARK_DIR; needs the spark extra, docs/spark.md)",
    )
    load.add_argument("--quiet", action="store_true", help="no progress messages")
    load.set_defaults(func=_cmd_load)

    build = commands.add_parser(
        "build",
        help="run dbt build on the warehouse (extra arguments go to dbt)",
        description="Run `dbt build` on the warehouse ($RRW_DUCKDB_PATH) after `rrw load`. "
        "Every argument is passed to dbt build.",
        epilog="examples:\n"
        "  rrw build --select fct_mrr_monthly+\n"
        "  rrw build --vars '{pause_treatment: churn}'\n"
        "  rrw build -- --full-refresh      (everything after -- goes to dbt as is)",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    build.set_defaults(func=_cmd_build, dbt_args=[])

    demo = commands.add_parser(
        "demo",
        help="the main job on demo data: generate, load, build, check, publish",
        epilog=_DBT_ARGS_EPILOG.format(command="demo"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        description="Generate the demo billing data, then run the main job on it: load it "
        "into a new build file, audit raw, dbt source freshness, dbt build, audit staging and "
        "marts with great-expectations, and only if every gate passes replace the published "
        "warehouse ($RRW_DUCKDB_PATH) and its Parquet export atomically.",
    )
    demo.add_argument("--customers", type=int, default=3000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--data", default="data/demo", help="where the demo files are written")
    _add_check_bounds(demo)
    demo.add_argument(
        "--verbose",
        action="store_true",
        help="show every message and dbt's whole output (by default: one line per step; "
        "everything is in the run log the summary names)",
    )
    demo.set_defaults(func=_cmd_demo, dbt_args=[])

    publish = commands.add_parser(
        "publish",
        help="the main job on your data: load, build, check, publish atomically",
        epilog=_DBT_ARGS_EPILOG.format(command="publish --data FOLDER"),
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
        description="Write-audit-publish: load FOLDER (or, without --data, rebuild from the "
        "published warehouse's raw data) into a build file beside the published one, run "
        "the raw audit, dbt source freshness, dbt build and the staging and mart audits on "
        "it, and only if all pass replace the published warehouse and its Parquet export "
        "atomically. A refused build leaves the published warehouse untouched and says why "
        "(exit 1).",
    )
    publish.add_argument("--data", help="folder of billing files to load (default: none)")
    publish.add_argument(
        "--append",
        metavar="FOLDER",
        help="a delta folder (new and changed rows only): start from a copy of the published "
        "warehouse, add the folder to its raw data as a new batch, build, check, publish",
    )
    publish.add_argument(
        "--from-published",
        action="store_true",
        help="start the build file from a copy of the published one (kept state), then load",
    )
    publish.add_argument("--database", help="published warehouse (default: $RRW_DUCKDB_PATH)")
    publish.add_argument(
        "--allow-shrink",
        action="store_true",
        help="publish even when the load leaves a raw table with far fewer rows than the "
        "published one (more than $RRW_MAX_SHRINK, default 50%%, fewer) or empty",
    )
    _add_check_bounds(publish)
    publish.add_argument(
        "--verbose",
        action="store_true",
        help="show every message and dbt's whole output (by default: one line per step; "
        "everything is in the run log the summary names)",
    )
    publish.set_defaults(func=_cmd_publish, dbt_args=[])

    check = commands.add_parser(
        "check",
        help="run the great-expectations suites on a warehouse file; HTML report, exit code",
        description="Validate the raw, staging and mart layers of a warehouse file with the "
        "project's great-expectations suites (read-only, short-lived connections). Prints a "
        "pass / fail summary per suite and expectation, writes an HTML report, and exits 0 "
        "when every expectation is met, 1 when one is not, 2 on a usage error.",
    )
    check.add_argument("--database", help="warehouse file (default: $RRW_DUCKDB_PATH)")
    check.add_argument(
        "--report", help="HTML report path (default: <database stem>_quality_report.html)"
    )
    check.add_argument(
        "--layers",
        nargs="+",
        choices=["raw", "staging", "marts"],
        default=["raw", "staging", "marts"],
        help="layers to check (default: all)",
    )
    check.add_argument("--manifest", help="dbt manifest.json (default: the target folder's)")
    _add_check_bounds(check)
    check.add_argument("--verbose", action="store_true", help="list passed expectations too")
    check.add_argument("--quiet", action="store_true", help="no progress messages")
    check.set_defaults(func=_cmd_check)

    contracts = commands.add_parser(
        "contracts",
        help="compare the public marts' contracts with the released ones (dbt state)",
        description="Fail on a breaking contract change of a released public mart (a column "
        "removed or retyped, a constraint or the contract dropped, the mart removed, moved or "
        "no longer public) that is not a new model version. New marts and columns are fine. "
        "--release records the current contracts as released (contracts/released/).",
    )
    contracts.add_argument(
        "--release", action="store_true", help="record the current contracts as released"
    )
    contracts.set_defaults(func=_cmd_contracts)

    bench = commands.add_parser(
        "bench",
        help="benchmark load and dbt build on generated data; print time and peak memory",
        description="Build the warehouse from generated data (cached per size and seed) and "
        "print, in one table per size, wall time and peak memory per phase (full load, the "
        "MRR path, the full dbt build with every model and test, one day's delta load and the "
        "incremental dbt run and dbt build after it), beside a single hand-written DuckDB query "
        "computing the same customer-month MRR (the floor), with the MRR path's ratio to it "
        "and the ten slowest nodes of the full build. Also checks the MRR bridge identity at "
        "that size. The figures are also written to WORKDIR/bench-<customers>.json.",
    )
    bench.add_argument(
        "--customers",
        type=int,
        nargs="+",
        default=[100_000, 1_000_000],
        help="dataset sizes (default: 100000 1000000)",
    )
    bench.add_argument("--seed", type=int, default=1)
    bench.add_argument("--workdir", default="build/bench", help="data and warehouses go here")
    bench.add_argument("--memory-limit", default="4GB", help="DuckDB memory limit (default 4GB)")
    bench.add_argument("--threads", type=int, default=2)
    bench.add_argument(
        "--mrr-only", action="store_true", help="skip the full dbt build (models and tests)"
    )
    bench.set_defaults(func=_cmd_bench)

    dashboard = commands.add_parser(
        "dashboard",
        help="serve the KPI dashboard of the published warehouse in the browser",
        description="Serve the KPI dashboard (Streamlit) of the published warehouse on "
        "127.0.0.1. It reads the file read-only, one short-lived connection per query, so "
        "`rrw publish` can replace it while the dashboard is open: a reload shows the new data.",
    )
    dashboard.add_argument("--database", help="warehouse file (default: $RRW_DUCKDB_PATH)")
    dashboard.add_argument("--port", type=int, default=8501, help="port (default 8501)")
    dashboard.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1, this machine)"
    )
    dashboard.set_defaults(func=_cmd_dashboard)
    return parser


def _add_check_bounds(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--max-mrr-change",
        type=float,
        help="largest month-over-month change of total MRR the mart audit accepts "
        "(default 0.5 = 50%%, or $RRW_MAX_MRR_CHANGE)",
    )
    parser.add_argument(
        "--mrr-change-grace-months",
        type=int,
        help="first months of the MRR series the bound leaves out "
        "(default 6, or $RRW_MRR_CHANGE_GRACE_MONTHS)",
    )


_DBT_ARGS_EPILOG = """\
Arguments rrw does not know are passed to dbt build, as are all after --.
examples:
  rrw {command} --vars '{{pause_treatment: churn, reporting_currency: EUR}}'
  rrw {command} --threads 4
  rrw {command} -- --full-refresh"""

#: Commands whose unknown arguments (and all after `--`) go to dbt build.
_PASSES_DBT_ARGS = ("build", "demo", "publish")

#: Exit codes, the same for every command (documented in the README).
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


def parse_args(argv: list[str]) -> argparse.Namespace:
    """rrw's own options; for build, demo and publish the rest goes to dbt build.

    Everything after the first `--` is dbt's as is; before it, arguments rrw does not
    know (`--select x`, `--vars '{...}'`) are dbt's too, in their order.
    """
    parser = build_parser()
    ours, dbt_tail = argv, []
    if "--" in argv:
        split = argv.index("--")
        ours, dbt_tail = argv[:split], argv[split + 1 :]
    args, unknown = parser.parse_known_args(ours)
    if args.command not in _PASSES_DBT_ARGS:
        if unknown or dbt_tail:
            parser.error(f"unrecognized arguments: {' '.join(unknown + dbt_tail)}")
        return args
    args.dbt_args = [*unknown, *dbt_tail]
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(list(sys.argv[1:] if argv is None else argv))
    try:
        return args.func(args)
    except KeyboardInterrupt:
        print(
            f"\nrrw {args.command}: interrupted (Ctrl-C); {_INTERRUPTED.get(args.command, '')}",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED


#: What an interruption leaves behind, per command (the load and publish say it exactly).
_INTERRUPTED = {
    "load": "nothing changed: run the same `rrw load` again.",
    "demo": "nothing was published.",
    "publish": "nothing was published.",
    "generate": "the output folder may hold a partial dataset: generate it again.",
    "build": "dbt stopped; models built before the interruption stay, run it again.",
    "check": "no report was written.",
    "contracts": "nothing was released.",
    "bench": "the figures so far are above; cached datasets are kept.",
}


if __name__ == "__main__":
    sys.exit(main())
