"""Run the suites: read each relation into pandas, validate it with great-expectations.

An ephemeral GX context (nothing is written to disk), one pandas datasource, one
dataframe asset and whole-dataframe batch definition per suite, and one
ValidationDefinition per suite run with the suite's DataFrame as its batch. (A GX
Checkpoint passes the same batch parameters to all its validation definitions, and
every suite here reads its own table, so the run validates each definition in
turn; the result is the same.)
"""

from __future__ import annotations

import logging
import math
import os
import time
import warnings
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import duckdb

from recurring_revenue.quality.catalog import (
    ManifestError,
    WarehouseCatalog,
    load_manifest,
    public_marts,
    read_catalog,
    read_frame,
)
from recurring_revenue.quality.model import (
    CheckReport,
    CheckSettings,
    ExpectationOutcome,
    SuiteOutcome,
    TableSuite,
)

Progress = Callable[[str], None]

#: Failure examples shown per expectation.
EXAMPLES = 5


def build_suites(catalog: WarehouseCatalog, settings: CheckSettings) -> list[TableSuite]:
    """The suites of the layers asked for, for this warehouse."""
    from recurring_revenue.quality.suites.marts import mart_suites
    from recurring_revenue.quality.suites.raw import raw_suites
    from recurring_revenue.quality.suites.staging import staging_suites

    suites: list[TableSuite] = []
    if "raw" in settings.layers:
        suites.extend(raw_suites(catalog, settings))
    if "staging" in settings.layers:
        suites.extend(staging_suites(catalog, settings))
    if "marts" in settings.layers:
        try:
            marts = public_marts(load_manifest(settings.manifest_path))
        except ManifestError as error:
            suites.append(TableSuite("marts", "marts", "Public marts.", "", problem=str(error)))
        else:
            suites.extend(mart_suites(catalog, settings, marts))
    return suites


def run_checks(settings: CheckSettings, progress: Progress | None = None) -> CheckReport:
    """Validate the warehouse file `settings.database`; never raises for bad data."""
    say: Progress = progress or (lambda _message: None)
    started_at = datetime.now(UTC)
    started = time.monotonic()
    if not settings.database.exists():
        outcome = SuiteOutcome(
            layer=settings.layers[0] if settings.layers else "raw",
            name="warehouse",
            description="The warehouse file.",
            rows=None,
            seconds=0.0,
            outcomes=(),
            error=f"{settings.database} does not exist",
        )
        return CheckReport(settings.database, started_at, 0.0, settings, (outcome,))
    try:
        catalog = read_catalog(settings.database)
    except duckdb.Error as error:
        outcome = SuiteOutcome(
            layer=settings.layers[0] if settings.layers else "raw",
            name="warehouse",
            description="The warehouse file.",
            rows=None,
            seconds=0.0,
            outcomes=(),
            error=f"cannot read {settings.database}: {_first_line(str(error))}",
        )
        return CheckReport(settings.database, started_at, 0.0, settings, (outcome,))
    suites = build_suites(catalog, settings)
    say(f"checking {len(suites)} suites ({', '.join(settings.layers)}) on {settings.database}")
    context, datasource = _gx_datasource()
    outcomes = []
    for index, suite in enumerate(suites):
        outcome = _run_suite(context, datasource, suite, settings, index)
        outcomes.append(outcome)
        if not outcome.success:
            say(f"  FAIL {outcome.name}")
    return CheckReport(
        database=settings.database,
        started_at=started_at,
        seconds=time.monotonic() - started,
        settings=settings,
        suites=tuple(outcomes),
    )


def _gx_datasource() -> tuple[Any, Any]:
    os.environ.setdefault("GX_ANALYTICS_ENABLED", "false")
    import great_expectations as gx
    from great_expectations.data_context.types.base import (
        DataContextConfig,
        InMemoryStoreBackendDefaults,
        ProgressBarsConfig,
    )

    logging.getLogger("great_expectations").setLevel(logging.ERROR)
    # In memory only: no stores, no Data Docs site, no analytics, no progress bars.
    config = DataContextConfig(
        store_backend_defaults=InMemoryStoreBackendDefaults(init_temp_docs_sites=False),
        analytics_enabled=False,
        progress_bars=ProgressBarsConfig(globally=False),
    )
    context = gx.get_context(mode="ephemeral", project_config=config)
    return context, context.data_sources.add_pandas(name="warehouse")


def _run_suite(
    context: Any, datasource: Any, suite: TableSuite, settings: CheckSettings, index: int
) -> SuiteOutcome:
    import great_expectations as gx

    started = time.monotonic()

    def outcome(
        rows: int | None, results: tuple[ExpectationOutcome, ...], error: str | None
    ) -> SuiteOutcome:
        return SuiteOutcome(
            layer=suite.layer,
            name=suite.name,
            description=suite.description,
            rows=rows,
            seconds=time.monotonic() - started,
            outcomes=results,
            error=error,
        )

    if suite.problem:
        return outcome(None, (), suite.problem)
    try:
        frame = read_frame(settings.database, suite.query)
    except duckdb.Error as error:
        return outcome(None, (), f"cannot read {suite.name}: {_first_line(str(error))}")

    # Names are unique per run: a suite name can repeat (a mart and its column check).
    key = f"{index:03d} {suite.name}"
    asset = datasource.add_dataframe_asset(name=key)
    batch_definition = asset.add_batch_definition_whole_dataframe(name=key)
    # Built whole, then added once: adding expectations to a stored suite re-serialises it.
    gx_suite = context.suites.add(
        gx.ExpectationSuite(name=key, expectations=list(suite.expectations))
    )
    definition = context.validation_definitions.add(
        gx.ValidationDefinition(name=key, data=batch_definition, suite=gx_suite)
    )
    index_columns = [column for column in suite.index_columns if column in frame.columns]
    result_format: dict[str, Any] = {"result_format": "SUMMARY"}
    if index_columns:
        result_format["unexpected_index_column_names"] = index_columns
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        result = definition.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    by_id = {str(expectation.id): expectation for expectation in gx_suite.expectations}
    order = {str(expectation.id): position for position, expectation in enumerate(by_id.values())}
    results = sorted(
        result.results,
        key=lambda item: order.get(str(item.expectation_config.id), len(order)),
    )
    return outcome(len(frame), tuple(_expectation_outcome(item) for item in results), None)


def _expectation_outcome(item: Any) -> ExpectationOutcome:
    config = item.expectation_config
    kwargs = dict(config.kwargs)
    description = config.description or config.type.replace("_", " ")
    column = kwargs.get("column") or kwargs.get("column_A")
    return ExpectationOutcome(
        description=description,
        expectation_type=config.type,
        column=str(column) if column else None,
        success=bool(item.success),
        details=_details(item, kwargs),
    )


def _details(item: Any, kwargs: dict[str, Any]) -> str:
    """What was observed, in one line: counts and a few examples, or the error."""
    exception = item.exception_info or {}
    messages = [
        info.get("exception_message")
        for info in (exception.values() if "raised_exception" not in exception else [exception])
        if isinstance(info, dict) and info.get("raised_exception")
    ]
    if messages:
        return f"error: {_first_line(str(messages[0]))}"
    result = dict(item.result or {})
    if "unexpected_count" in result:
        unexpected = int(result.get("unexpected_count") or 0)
        total = int(result.get("element_count") or 0)
        missing = int(result.get("missing_count") or 0)
        checked = total - missing
        if not unexpected:
            return f"{checked:,} values checked" if checked != total else f"{total:,} rows"
        share = unexpected / checked if checked else 1.0
        sensitive = bool((item.expectation_config.meta or {}).get("sensitive"))
        examples = _examples(result, kwargs, hide_values=sensitive)
        bounds = _bounds(kwargs)
        return (
            f"{unexpected:,} of {checked:,} values unexpected ({share:.2%})"
            + (f"; expected {bounds}" if bounds else "")
            + (f"; e.g. {examples}" if examples else "")
        )
    if "observed_value" in result:
        observed = result["observed_value"]
        bounds = _bounds(kwargs)
        return f"observed {_show(observed)}" + (f"; expected {bounds}" if bounds else "")
    return "passed" if item.success else "failed"


def _examples(result: dict[str, Any], kwargs: dict[str, Any], hide_values: bool = False) -> str:
    """A few failing rows: the value (unless it is personal data) and the row's key."""
    rows = result.get("partial_unexpected_index_list") or []
    shown = []
    column = kwargs.get("column")
    for row in rows[:EXAMPLES]:
        if isinstance(row, dict):
            parts = [f"{name}={_show(value)}" for name, value in row.items() if name != column]
            value = f"{_show(row[column])} at " if column in row and not hide_values else ""
            shown.append(value + ", ".join(parts))
    if hide_values:
        return "; ".join(part for part in shown if part) + " (values withheld: personal data)"
    if not shown:
        shown = [_show(value) for value in (result.get("partial_unexpected_list") or [])[:EXAMPLES]]
    return "; ".join(shown)


def _bounds(kwargs: dict[str, Any]) -> str:
    low, high = kwargs.get("min_value"), kwargs.get("max_value")
    if low is None and high is None:
        if kwargs.get("value") is not None:
            return f"= {_show(kwargs['value'])}"
        return ""
    strict_low = ">" if kwargs.get("strict_min") else ">="
    if low is not None and high is not None:
        return f"between {_show(low)} and {_show(high)}"
    return f"{strict_low} {_show(low)}" if low is not None else f"<= {_show(high)}"


def _show(value: Any) -> str:
    if isinstance(value, float):
        if math.isnan(value):
            return "NULL"
        return f"{value:,.6g}"
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text.removesuffix("T00:00:00")
    if isinstance(value, list):
        shown = ", ".join(_show(item) for item in value[:EXAMPLES])
        return f"[{shown}{', ...' if len(value) > EXAMPLES else ''}]"
    return str(value)


def _first_line(message: str) -> str:
    stripped = message.strip()
    return stripped.splitlines()[0] if stripped else message
