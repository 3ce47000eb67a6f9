"""The data the quality gates work on: settings, suites as code, and their outcomes.

Nothing here imports great-expectations, so the CLI, the publisher and the report
writer can use these types without paying for its import.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import yaml

from recurring_revenue.settings import PROJECT_DIR

if TYPE_CHECKING:
    from great_expectations.expectations import Expectation

#: The layers a check run can cover, in the order they are checked.
LAYERS: tuple[str, ...] = ("raw", "staging", "marts")

#: Default bound on the month-over-month change of total MRR (0.5 = 50%).
DEFAULT_MAX_MRR_CHANGE = 0.5
#: Months at the start of the series that the bound leaves out (a young business grows fast).
DEFAULT_MRR_CHANGE_GRACE_MONTHS = 6


def dbt_target_path(override: str | None = None) -> Path:
    """dbt's target folder: `override`, else $DBT_TARGET_PATH, else target/ (a relative
    path is taken from the project directory, where dbt runs)."""
    path = Path(override or os.environ.get("DBT_TARGET_PATH", "target"))
    return path if path.is_absolute() else PROJECT_DIR / path


def project_var(name: str, project_dir: Path = PROJECT_DIR) -> Any:
    """A var's default from dbt_project.yml (None when it is not declared)."""
    config = yaml.safe_load((project_dir / "dbt_project.yml").read_text(encoding="utf-8"))
    return (config.get("vars") or {}).get(name)


def _env_number(name: str, default: float) -> float:
    text = os.environ.get(name)
    if text is None or not text.strip():
        return default
    try:
        return float(text)
    except ValueError as error:
        raise ValueError(f"{name} must be a number, not {text!r}") from error


@dataclass(frozen=True)
class CheckSettings:
    """What to check and the bounds to check against."""

    database: Path
    layers: tuple[str, ...] = LAYERS
    #: dbt's manifest.json, for the list of public marts and their contracts.
    manifest_path: Path | None = None
    #: Share of a raw table's rows that may be rejected (dbt var rejects_error_share).
    rejects_error_share: float = 0.05
    #: Largest relative change of total MRR from one month to the next.
    max_mrr_change: float = DEFAULT_MAX_MRR_CHANGE
    #: Months at the start of the MRR series the change bound does not apply to.
    mrr_change_grace_months: int = DEFAULT_MRR_CHANGE_GRACE_MONTHS

    @classmethod
    def from_environment(
        cls,
        database: Path,
        layers: Sequence[str] = LAYERS,
        manifest_path: Path | None = None,
        max_mrr_change: float | None = None,
        mrr_change_grace_months: int | None = None,
        rejects_error_share: float | None = None,
    ) -> CheckSettings:
        """Settings from the arguments, else $RRW_MAX_MRR_CHANGE /
        $RRW_MRR_CHANGE_GRACE_MONTHS and the project's dbt vars, else the defaults."""
        unknown = [layer for layer in layers if layer not in LAYERS]
        if unknown:
            raise ValueError(f"unknown layer(s) {', '.join(unknown)}; use {', '.join(LAYERS)}")
        if rejects_error_share is None:
            declared = project_var("rejects_error_share")
            rejects_error_share = 0.05 if declared is None else float(declared)
        if max_mrr_change is None:
            max_mrr_change = _env_number("RRW_MAX_MRR_CHANGE", DEFAULT_MAX_MRR_CHANGE)
        if mrr_change_grace_months is None:
            mrr_change_grace_months = int(
                _env_number("RRW_MRR_CHANGE_GRACE_MONTHS", DEFAULT_MRR_CHANGE_GRACE_MONTHS)
            )
        if max_mrr_change <= 0:
            raise ValueError(f"the MRR change bound must be above 0, not {max_mrr_change}")
        if mrr_change_grace_months < 0:
            raise ValueError("the MRR change grace months cannot be negative")
        ordered = tuple(layer for layer in LAYERS if layer in layers)
        return cls(
            database=Path(database),
            layers=ordered,
            manifest_path=manifest_path,
            rejects_error_share=rejects_error_share,
            max_mrr_change=max_mrr_change,
            mrr_change_grace_months=mrr_change_grace_months,
        )

    @property
    def mostly(self) -> float:
        """Share of raw rows a value check must pass: the rest may go to the rejects."""
        return round(1.0 - self.rejects_error_share, 6)


@dataclass
class TableSuite:
    """One expectation suite: a query that reads one relation and what its rows must meet."""

    layer: str
    #: `<schema>.<relation>`, or a name for a derived check such as `staging.rejects_by_table`.
    name: str
    description: str
    #: SQL run on a read-only connection; its result is the batch the suite validates.
    query: str
    expectations: list[Expectation] = field(default_factory=list)
    #: Columns that identify a row in failure examples (a key, or the month).
    index_columns: tuple[str, ...] = ()
    #: Set when the suite cannot run at all (its relation is missing): a failure by itself.
    problem: str | None = None


@dataclass(frozen=True)
class ExpectationOutcome:
    """One expectation's verdict, as the summary and the report show it."""

    description: str
    expectation_type: str
    column: str | None
    success: bool
    details: str


@dataclass(frozen=True)
class SuiteOutcome:
    """One suite's verdict."""

    layer: str
    name: str
    description: str
    rows: int | None
    seconds: float
    outcomes: tuple[ExpectationOutcome, ...]
    #: Why the suite could not run (missing relation, unreadable query).
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.error is None and all(outcome.success for outcome in self.outcomes)

    @property
    def failed(self) -> tuple[ExpectationOutcome, ...]:
        return tuple(outcome for outcome in self.outcomes if not outcome.success)


@dataclass(frozen=True)
class CheckReport:
    """A whole check run: every suite of the layers asked for."""

    database: Path
    started_at: datetime
    seconds: float
    settings: CheckSettings
    suites: tuple[SuiteOutcome, ...]

    @property
    def success(self) -> bool:
        return all(suite.success for suite in self.suites)

    @property
    def expectations_total(self) -> int:
        return sum(len(suite.outcomes) + (1 if suite.error else 0) for suite in self.suites)

    @property
    def expectations_failed(self) -> int:
        return sum(len(suite.failed) + (1 if suite.error else 0) for suite in self.suites)

    @property
    def expectations_passed(self) -> int:
        return self.expectations_total - self.expectations_failed

    def failures(self) -> list[str]:
        """One line per failed expectation or suite that could not run."""
        lines = []
        for suite in self.suites:
            if suite.error:
                lines.append(f"{suite.name}: {suite.error}")
            lines.extend(
                f"{suite.name}: {outcome.description} ({outcome.details})"
                for outcome in suite.failed
            )
        return lines

    def merged(self, other: CheckReport) -> CheckReport:
        """This run and a later one (other layers of the same build) as one report."""
        layers = tuple(
            layer for layer in LAYERS if layer in self.settings.layers + other.settings.layers
        )
        return CheckReport(
            database=self.database,
            started_at=self.started_at,
            seconds=self.seconds + other.seconds,
            settings=CheckSettings(
                database=self.settings.database,
                layers=layers,
                manifest_path=other.settings.manifest_path or self.settings.manifest_path,
                rejects_error_share=self.settings.rejects_error_share,
                max_mrr_change=self.settings.max_mrr_change,
                mrr_change_grace_months=self.settings.mrr_change_grace_months,
            ),
            suites=self.suites + other.suites,
        )
