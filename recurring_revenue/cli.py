"""The `rrw` command line: a thin layer over plain functions."""

from __future__ import annotations

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from recurring_revenue import __version__, settings


def _progress(quiet: bool):
    if quiet:
        return None
    return lambda message: print(message, file=sys.stderr, flush=True)


def _cmd_generate(args: argparse.Namespace) -> int:
    from recurring_revenue.generate import generate

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


def _cmd_load(args: argparse.Namespace) -> int:
    from recurring_revenue.load import LoadError, load_folder

    database = Path(args.database) if args.database else settings.database_path()
    try:
        result = load_folder(Path(args.folder), database, progress=_progress(args.quiet))
    except LoadError as error:
        print(f"rrw load: {error}", file=sys.stderr)
        return 2
    print(result.summary())
    return 0


def _cmd_build(args: argparse.Namespace) -> int:
    from recurring_revenue.dbt_runner import run_dbt

    return run_dbt(["build", *args.dbt_args]).returncode


def _cmd_demo(args: argparse.Namespace) -> int:
    from recurring_revenue.dbt_runner import run_dbt
    from recurring_revenue.generate import generate
    from recurring_revenue.load import LoadError, load_folder

    progress = _progress(False)
    database = settings.database_path()
    data = Path(args.data)
    started = time.monotonic()
    progress(f"[1/3] generating {args.customers:,} demo customers (seed {args.seed}) into {data}")
    generate(out_dir=data, customers=args.customers, seed=args.seed, progress=progress)
    progress(f"[2/3] loading {data} into {database}")
    try:
        print(load_folder(data, database, progress=progress).summary())
    except LoadError as error:
        print(f"rrw demo: {error}", file=sys.stderr)
        return 2
    progress("[3/3] dbt build (models and tests)")
    result = run_dbt(["build", *args.dbt_args])
    if result.returncode != 0:
        print("rrw demo: dbt build failed; see the output above", file=sys.stderr)
        return result.returncode
    elapsed = time.monotonic() - started
    print(
        f"\nWarehouse built in {elapsed:.0f} s: {database}\n"
        "Query it (read-only, so a build can run beside you):\n"
        f"  .venv/bin/python -c \"import duckdb; c = duckdb.connect('{database}', read_only=True); "
        "print(c.sql('select * from marts.fct_mrr_monthly order by date_month desc limit 12'))\"\n"
        f"or with the DuckDB CLI: duckdb -readonly {database}"
    )
    return 0


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
        help="write a deterministic demo billing dataset (contract-shaped files)",
        description="Write a deterministic, contract-shaped demo billing dataset: the same "
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
        "--workers", type=int, default=2, help="worker processes (the output is identical)"
    )
    generate.add_argument("--quiet", action="store_true", help="no progress messages")
    generate.set_defaults(func=_cmd_generate)

    load = commands.add_parser(
        "load",
        help="load a folder of billing files into the warehouse's raw schema",
        description="Load a folder of <table>.csv / <table>.parquet files shaped as the raw "
        "billing contract (docs/raw-contract.md) into the raw schema. All or nothing: a "
        "structural problem fails the load and leaves the earlier raw data intact.",
    )
    load.add_argument("folder", help="folder holding the files")
    load.add_argument("--database", help="warehouse file (default: $RRW_DUCKDB_PATH)")
    load.add_argument("--quiet", action="store_true", help="no progress messages")
    load.set_defaults(func=_cmd_load)

    build = commands.add_parser(
        "build",
        help="run dbt build on the warehouse (extra arguments go to dbt)",
    )
    build.add_argument("dbt_args", nargs=argparse.REMAINDER, help="passed to dbt build")
    build.set_defaults(func=_cmd_build)

    demo = commands.add_parser(
        "demo",
        help="the main job: generate demo data, load it, build the warehouse",
    )
    demo.add_argument("--customers", type=int, default=3000)
    demo.add_argument("--seed", type=int, default=42)
    demo.add_argument("--data", default="data/demo", help="where the demo files are written")
    demo.add_argument("dbt_args", nargs=argparse.REMAINDER, help="passed to dbt build")
    demo.set_defaults(func=_cmd_demo)

    bench = commands.add_parser(
        "bench",
        help="benchmark load and dbt build on generated data; print time and peak memory",
        description="Build the warehouse from generated data (cached per size and seed) and "
        "print wall time and peak memory per phase (load, the MRR path, the full dbt build), "
        "beside a single hand-written DuckDB query computing the same customer-month MRR "
        "(the floor). Also checks the MRR bridge identity at that size.",
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
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
