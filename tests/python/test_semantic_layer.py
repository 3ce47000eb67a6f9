"""The semantic layer (MetricFlow) on the worked billing cases: `mf query` returns
the marts' numbers.

MRR is a semi-additive metric: by month it is each month's ending MRR, by quarter
the MRR of the quarter's last month (never a sum of months), and by acquisition
channel the channels add up to the total. The channels are reassigned here and a
little marketing spend added so that slicing and CAC have something to split; the
expected per-channel MRR and the billings are derived from worked_cases.py, not
read back from the warehouse. Retention, CAC, cash and renewal metrics are checked
against the marts (worked cases 4, 7 and 8 included).
"""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from collections import defaultdict
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

import pytest
import worked_cases
from warehouse import Warehouse, dbt_output

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.settings import PROJECT_DIR

pytestmark = pytest.mark.slow

# Everything the semantic models read, and the time spine MetricFlow needs (built
# without their tests: the worked-case tests run those).
MODELS = [
    *("--select", "+fct_mrr_monthly", "+dim_customers", "metricflow_time_spine"),
    *("+fct_cash_monthly", "+fct_contract_renewals", "+fct_acquisition_monthly"),
    "+fct_mrr_segments_monthly",
    *("--resource-type", "seed", "--resource-type", "model"),
]

# The project's sources, linked into a folder of the test's own: MetricFlow reads
# target/semantic_manifest.json under the project root whatever DBT_TARGET_PATH
# says, so the parse it needs must not write into the repository.
PROJECT_ENTRIES = ("dbt_project.yml", "profiles.yml", "models", "macros", "seeds", "tests", "docs")

# Every case customer comes through paid_search; move a few to other channels
# (c16 to none at all, reported as 'unknown').
CHANNELS = {"c02": "organic", "c05": "organic", "c10": "partners", "c13": "partners", "c16": ""}

# Spend in January 2024 on two channels and in March on one that acquires nobody.
MARKETING_SPEND = [
    ("2024-01-15", "paid_search", "1050.00", "USD"),
    ("2024-01-20", "organic", "200.00", "USD"),
    ("2024-03-06", "events", "50.00", "USD"),
]

MF = str(Path(sys.executable).parent / "mf")


def reassign_channels_and_spend(folder: Path) -> None:
    path = folder / "customers.csv"
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row["acquisition_channel"] = CHANNELS.get(row["customer_id"], row["acquisition_channel"])
    with path.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]), lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    with (folder / "marketing_spend.csv").open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["spend_date", "channel", "amount", "currency"])
        writer.writerows(MARKETING_SPEND)


@pytest.fixture(scope="module")
def semantic_project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Warehouse, Path]:
    root = tmp_path_factory.mktemp("semantic_layer")
    data = worked_cases.write_dataset(root / "data")
    reassign_channels_and_spend(data)
    warehouse = Warehouse(root)
    warehouse.load(data)
    result = warehouse.dbt("build", *MODELS)
    assert result.returncode == 0, dbt_output(result)[-5000:]

    project = root / "project"
    project.mkdir()
    for entry in PROJECT_ENTRIES:
        (project / entry).symlink_to(PROJECT_DIR / entry)
    # --target-path wins over a DBT_TARGET_PATH the caller may have exported.
    target = str(project / "target")
    parsed = run_dbt(
        ["parse", "--target-path", target], env=warehouse.env(), project_dir=project, capture=True
    )
    assert parsed.returncode == 0, dbt_output(parsed)[-5000:]
    assert (project / "target" / "semantic_manifest.json").exists()
    return warehouse, project


def mf_query(
    warehouse: Warehouse, project: Path, metrics: str, group_by: str
) -> list[dict[str, str]]:
    """Run `mf query` and return its CSV rows."""
    out = project / f"{metrics.replace(',', '_')}__{group_by.replace(',', '_')}.csv"
    env = {
        **os.environ,
        **warehouse.env(),
        "DBT_PROFILES_DIR": str(project),
        "DBT_PROJECT_DIR": str(project),
    }
    command = [MF, "query", "--metrics", metrics, "--group-by", group_by, "--csv", str(out)]
    result = subprocess.run(
        command, cwd=project, env=env, text=True, capture_output=True, check=False
    )
    assert result.returncode == 0 and out.exists(), result.stdout[-3000:] + result.stderr[-3000:]
    with out.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def month_of(value: str) -> str:
    return value[:7]


def mrr_bridge(warehouse: Warehouse) -> dict[str, tuple[Decimal, int]]:
    rows = warehouse.query(
        "select strftime(date_month, '%Y-%m'), ending_mrr, paying_customers"
        " from marts.fct_mrr_monthly"
    )
    return {month: (ending_mrr, paying) for month, ending_mrr, paying in rows}


def test_mrr_by_month_is_the_month_end_mrr(semantic_project: tuple[Warehouse, Path]) -> None:
    warehouse, project = semantic_project
    rows = mf_query(warehouse, project, "mrr,arr,paying_customers", "metric_time__month")
    actual = {
        month_of(row["metric_time__month"]): (
            Decimal(row["mrr"]),
            Decimal(row["arr"]),
            int(Decimal(row["paying_customers"])),
        )
        for row in rows
    }
    expected = {
        month: (ending_mrr, 12 * ending_mrr, paying)
        for month, (ending_mrr, paying) in mrr_bridge(warehouse).items()
    }
    assert actual == expected
    assert actual["2025-03"][0] == Decimal("2955.33")


def test_mrr_by_quarter_is_the_quarter_end_mrr(semantic_project: tuple[Warehouse, Path]) -> None:
    warehouse, project = semantic_project
    rows = mf_query(warehouse, project, "mrr", "metric_time__quarter")
    actual = {month_of(row["metric_time__quarter"]): Decimal(row["mrr"]) for row in rows}
    bridge = mrr_bridge(warehouse)
    quarter_ends = {"2024-01": "2024-03", "2024-04": "2024-06", "2024-07": "2024-09"}
    quarter_ends |= {"2024-10": "2024-12", "2025-01": "2025-03"}
    assert actual == {quarter: bridge[last][0] for quarter, last in quarter_ends.items()}


def test_mrr_by_channel_adds_up_to_the_total(semantic_project: tuple[Warehouse, Path]) -> None:
    warehouse, project = semantic_project
    rows = mf_query(warehouse, project, "mrr", "metric_time__month,customer__acquisition_channel")
    by_channel: dict[str, dict[str, Decimal]] = defaultdict(dict)
    for row in rows:
        month = month_of(row["metric_time__month"])
        by_channel[row["customer__acquisition_channel"]][month] = Decimal(row["mrr"])
    assert set(by_channel) == {"paid_search", "organic", "partners", "unknown"}

    bridge = mrr_bridge(warehouse)
    for month, (ending_mrr, _) in bridge.items():
        total = sum((months.get(month, Decimal(0)) for months in by_channel.values()), Decimal(0))
        assert total == ending_mrr, month

    channel_of = {
        customer: CHANNELS.get(customer, "paid_search") or "unknown"
        for customer in worked_cases.EXPECTED
    }
    for channel in ("organic", "partners", "unknown"):
        expected = defaultdict(Decimal)
        for customer, months in worked_cases.EXPECTED.items():
            if channel_of[customer] == channel:
                for month, row in months.items():
                    expected[month] += Decimal(row.mrr)
        got = {month: value for month, value in by_channel[channel].items() if value != 0}
        assert got == {month: value for month, value in expected.items() if value != 0}, channel


@pytest.mark.parametrize(
    ("metric", "column"), [("plan_mrr", "plan_id"), ("business_model_mrr", "business_model")]
)
def test_mrr_by_plan_and_business_model_adds_up_to_the_total(
    semantic_project: tuple[Warehouse, Path], metric: str, column: str
) -> None:
    """MRR by plan and by business model (the segment mart through the semantic
    layer) is, per month and segment, the subscriptions' MRR of fct_subscription_mrr_monthly,
    and the segments of a month add up to its ending MRR."""
    warehouse, project = semantic_project
    rows = mf_query(warehouse, project, metric, "metric_time__month,mrr_segment__segment_value")
    actual = {
        (month_of(row["metric_time__month"]), row["mrr_segment__segment_value"]): Decimal(
            row[metric]
        )
        for row in rows
        if Decimal(row[metric]) != 0
    }
    subscriptions = warehouse.query(
        f"select strftime(date_month, '%Y-%m'), {column}, sum(mrr)"
        " from marts.fct_subscription_mrr_monthly group by all having sum(mrr) <> 0"
    )
    assert actual == {(month, value): mrr for month, value, mrr in subscriptions}
    assert len({value for _, value in actual}) > 1

    totals: dict[str, Decimal] = defaultdict(Decimal)
    for (month, _), mrr in actual.items():
        totals[month] += mrr
    bridge = mrr_bridge(warehouse)
    assert dict(totals) == {month: mrr for month, (mrr, _) in bridge.items() if mrr != 0}


def test_retention_metrics_match_the_mrr_bridge(semantic_project: tuple[Warehouse, Path]) -> None:
    warehouse, project = semantic_project
    rows = mf_query(warehouse, project, "nrr_month,logo_churn_rate", "metric_time__month")
    actual = {month_of(row["metric_time__month"]): row for row in rows}
    bridge = warehouse.query(
        """
        select
            strftime(date_month, '%Y-%m'),
            starting_mrr,
            starting_mrr + expansion_mrr + contraction_mrr + churned_mrr,
            churned_customers,
            lag(paying_customers) over (order by date_month)
        from marts.fct_mrr_monthly
        """
    )
    for month, starting, retained, churned, previous_paying in bridge:
        nrr = actual[month]["nrr_month"]
        churn_rate = actual[month]["logo_churn_rate"]
        if starting == 0:
            assert nrr == "", month
        else:
            assert abs(Decimal(nrr) - retained / starting) < Decimal("0.000001"), month
        if not previous_paying:
            assert churn_rate == "", month
        else:
            assert abs(Decimal(churn_rate) - Decimal(churned) / previous_paying) < Decimal(
                "0.000001"
            ), month


def test_cash_flows_follow_the_invoices_and_payments(
    semantic_project: tuple[Warehouse, Path],
) -> None:
    """Worked cases 4 and 7 through the cash metrics: billings per issue month are
    the invoice totals written in worked_cases.py; April 2024 has one failed
    payment of 100 (case 4)."""
    warehouse, project = semantic_project
    rows = mf_query(
        warehouse,
        project,
        "billings,failed_payment_attempts,failed_payment_amount",
        "metric_time__month",
    )
    actual = {month_of(row["metric_time__month"]): row for row in rows}
    data = worked_cases.build()
    billed = {
        invoice[0]: invoice[4][:7]
        for invoice in data.invoices
        if invoice[3] not in ("draft", "void")
    }
    expected = defaultdict(Decimal)
    for line in data.lines:
        if line[1] in billed:
            expected[billed[line[1]]] += Decimal(line[9]) - Decimal(line[10]) + Decimal(line[11])
    assert {
        month: Decimal(row["billings"]) for month, row in actual.items() if Decimal(row["billings"])
    } == {month: value for month, value in expected.items() if value}
    assert (
        actual["2024-04"]["failed_payment_attempts"],
        Decimal(actual["2024-04"]["failed_payment_amount"]),
    ) == (
        "1",
        Decimal(100),
    )


def test_indexed_renewal_through_the_semantic_layer(
    semantic_project: tuple[Warehouse, Path],
) -> None:
    """Worked case 8: the renewal due in January 2025 renewed at +3%: price change
    ARR 360, quantity change 0, renewal rate 100%."""
    warehouse, project = semantic_project
    rows = mf_query(
        warehouse,
        project,
        "terms_due,renewal_rate,price_change_arr,quantity_change_arr",
        "metric_time__month",
    )
    january = next(row for row in rows if month_of(row["metric_time__month"]) == "2025-01")
    assert (
        int(Decimal(january["terms_due"])),
        Decimal(january["renewal_rate"]),
        Decimal(january["price_change_arr"]),
        Decimal(january["quantity_change_arr"]),
    ) == (1, Decimal(1), Decimal(360), Decimal(0))


def test_cac_by_channel_matches_the_acquisition_mart(
    semantic_project: tuple[Warehouse, Path],
) -> None:
    """CAC per month and channel, and overall (the mart's all-channels row), as in
    fct_acquisition_monthly; the semantic layer does not round, the mart does."""
    warehouse, project = semantic_project
    rows = mf_query(
        warehouse,
        project,
        "cac,marketing_spend",
        "metric_time__month,acquisition__acquisition_channel",
    )
    overall = mf_query(warehouse, project, "cac,marketing_spend", "metric_time__month")
    actual = {
        (month_of(row["metric_time__month"]), row["acquisition__acquisition_channel"]): row
        for row in rows
    }
    actual |= {(month_of(row["metric_time__month"]), "all"): row for row in overall}
    mart = warehouse.query(
        "select strftime(date_month, '%Y-%m'), acquisition_channel, marketing_spend, cac"
        " from marts.fct_acquisition_monthly"
    )
    assert {key[1] for key in actual} == {channel for _, channel, _, _ in mart}
    for month, channel, spend, cac in mart:
        row = actual[(month, channel)]
        assert Decimal(row["marketing_spend"] or 0) == spend, (month, channel)
        if cac is None:
            assert row["cac"] == "", (month, channel)
        else:
            assert Decimal(row["cac"]).quantize(Decimal("0.01"), ROUND_HALF_UP) == cac, (
                month,
                channel,
            )
    assert Decimal(actual[("2024-01", "paid_search")]["marketing_spend"]) == Decimal("1050")
