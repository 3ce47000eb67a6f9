"""rrw bench: the phase table, the report, the MRR path's ratio to the floor, and
(slow) one real run on a tiny dataset."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest

from recurring_revenue import bench
from recurring_revenue.bench import Phase, PhaseSpec, SizeResult


def _phases() -> list[Phase]:
    return [
        Phase(bench.LOAD, 20.0, 650.0),
        Phase(bench.STARTUP, 2.0, 100.0),
        Phase(bench.STAGING, 12.0, 900.0),
        Phase(bench.MRR_MODELS, 10.0, 800.0),
        Phase(bench.FLOOR, 6.0, 500.0, "query 6.00 s"),
        Phase(bench.FULL_BUILD, 100.0, 1900.0),
        Phase(bench.DELTA_LOAD, None, None, "pending: delta loads"),
    ]


def test_phase_table_names_every_phase_of_the_issue_once() -> None:
    names = [spec.name for spec in bench.PHASES]
    assert len(names) == len(set(names))
    for phase in (
        bench.LOAD,
        bench.DELTA_LOAD,
        bench.FULL_BUILD,
        bench.INCREMENTAL_MODELS,
        bench.INCREMENTAL_BUILD,
        bench.STAGING,
        bench.MRR_MODELS,
        bench.FLOOR,
    ):
        assert phase in names
    # The full build comes before the phases that start from a built warehouse.
    assert names.index(bench.FULL_BUILD) < names.index(bench.DELTA_LOAD)
    assert names.index(bench.DELTA_LOAD) < names.index(bench.INCREMENTAL_MODELS)


def test_mrr_path_is_start_up_once_plus_staging_and_models_against_the_floor() -> None:
    path = bench.mrr_path(_phases())
    assert path is not None
    # start-up 2 + staging (12 - 2) + models (10 - 2) = 20 s; floor 6 s.
    assert path["seconds"] == pytest.approx(20.0)
    assert path["ratio"] == pytest.approx(20.0 / 6.0)
    assert path["ratio_models"] == pytest.approx(8.0 / 6.0)


def test_mrr_path_needs_its_phases() -> None:
    assert bench.mrr_path([Phase(bench.LOAD, 1.0, 1.0)]) is None


def test_report_prints_measured_and_pending_phases_ratio_and_slowest_nodes() -> None:
    result = SizeResult(1000, _phases(), {"customer-months": 1234}, [("model.x.fct_big", 12.5)])
    text = bench.report(result)
    assert "== 1,000 customers ==" in text
    assert f"{bench.FULL_BUILD:<44}     100.0      1900" in text
    pending = next(line for line in text.splitlines() if line.startswith(bench.DELTA_LOAD))
    assert pending.split()[-3:] == ["pending:", "delta", "loads"] and " - " in pending
    assert "MRR path / floor (6.0 s): 3.3x" in text
    assert "12.5 s  model.x.fct_big" in text
    assert "customer-months: 1,234" in text
    json.dumps(result.as_json())


def test_slowest_nodes_reads_run_results(tmp_path: Path) -> None:
    results = [{"unique_id": f"model.x.m{n}", "execution_time": float(n)} for n in range(15)]
    (tmp_path / "run_results.json").write_text(json.dumps({"results": results}))
    slowest = bench.slowest_nodes(tmp_path / "run_results.json", top=3)
    assert slowest == [("model.x.m14", 14.0), ("model.x.m13", 13.0), ("model.x.m12", 12.0)]
    assert bench.slowest_nodes(tmp_path / "missing.json") == []


def test_run_phase_measures_a_child_process_and_its_peak_memory() -> None:
    grow = "x = bytearray(80 * 1024 * 1024); x[::4096] = b'1' * len(x[::4096])"
    phase, _ = bench.run_phase("grow", [sys.executable, "-c", grow], {})
    assert phase.seconds > 0
    assert phase.peak_mb >= 80


def test_run_phase_failure_names_the_phase_and_shows_its_output() -> None:
    failing = [sys.executable, "-c", "print('boom'); raise SystemExit(3)"]
    with pytest.raises(RuntimeError, match=r"'broken' failed \(exit 3\)[\s\S]*boom"):
        bench.run_phase("broken", failing, {})


@pytest.mark.slow
def test_bench_runs_every_phase_on_a_tiny_dataset(tmp_path: Path) -> None:
    """The real benchmark on 60 customers: every phase measured or marked pending,
    the floor agrees with the marts, the bridge holds, the figures are written."""
    lines: list[str] = []
    results = bench.benchmark(
        sizes=[60],
        seed=3,
        workdir=tmp_path,
        memory_limit="1GB",
        threads=1,
        progress=lines.append,
    )
    (result,) = results
    by_name = {phase.name: phase for phase in result.phases}
    assert [phase.name for phase in result.phases] == [spec.name for spec in bench.PHASES]
    for spec in bench.PHASES:
        assert by_name[spec.name].pending == (spec.argv is None and spec.name != bench.FLOOR)
    assert by_name[bench.FLOOR].detail.endswith("0 differ from the marts")
    assert result.facts["bridge identity failures"] == 0
    assert result.facts["chain failures"] == 0
    assert len(result.slowest) == bench.TOP_NODES
    assert json.loads((tmp_path / "bench-60.json").read_text())["customers"] == 60


def test_a_new_phase_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A phase added to the table runs in its place; --mrr-only skips full-build phases."""
    calls: list[str] = []

    def fake_run_phase(name, argv, env, stdin=None):
        calls.append(name)
        return Phase(name, 1.0, 10.0), ""

    monkeypatch.setattr(bench, "run_phase", fake_run_phase)
    monkeypatch.setattr(bench, "warehouse_facts", lambda database: {})
    data = tmp_path / "data-5-seed1"
    data.mkdir()
    (data / "payments.csv").write_text("")
    (tmp_path / "data-5-seed1-delta").mkdir()  # the cached day's delta: nothing to generate
    phases = [
        PhaseSpec("one", lambda run: ["true"]),
        PhaseSpec("later", None, note="pending: someone"),
        PhaseSpec("heavy", lambda run: ["true"], full_build_only=True),
    ]
    (result,) = bench.benchmark(
        [5], 1, tmp_path, "1GB", 1, full_build=False, progress=lambda line: None, phases=phases
    )
    assert calls == ["one"]
    assert [(phase.name, phase.pending) for phase in result.phases] == [
        ("one", False),
        ("later", True),
    ]
