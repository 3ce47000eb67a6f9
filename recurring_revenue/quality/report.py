"""Show a check run: a pass / fail summary for the terminal and an HTML page.

The HTML is written from the outcomes directly (no GX Data Docs site): one
self-contained file, no scripts, no external assets, that a person can open from
disk. It also lists the results of dbt's tests, which own the row and identity
rules (recurring_revenue.quality.ownership), read from dbt's run_results.json.
"""

from __future__ import annotations

import html
import json
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path

from recurring_revenue.quality.model import LAYERS, CheckReport, SuiteOutcome, dbt_target_path


@dataclass(frozen=True)
class DbtTestResult:
    """One dbt test (data or unit test) of the last dbt run, from run_results.json."""

    name: str
    status: str
    failures: int | None
    message: str


@dataclass(frozen=True)
class DbtResults:
    """The tests of one dbt run: when it ran and each test's verdict."""

    path: Path
    generated_at: str
    tests: tuple[DbtTestResult, ...]


def read_dbt_results(path: Path | None = None) -> DbtResults | None:
    """The test results in dbt's run_results.json (default: the target folder's); None
    when the file is absent or unreadable, or the run had no tests."""
    path = path or dbt_target_path() / "run_results.json"
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    tests = []
    for result in data.get("results", []):
        unique_id = str(result.get("unique_id", ""))
        if not unique_id.startswith(("test.", "unit_test.")):
            continue
        failures = result.get("failures")
        tests.append(
            DbtTestResult(
                name=unique_id.split(".", 2)[-1],
                status=str(result.get("status", "")),
                failures=failures if isinstance(failures, int) else None,
                message=str(result.get("message") or ""),
            )
        )
    if not tests:
        return None
    generated_at = str(data.get("metadata", {}).get("generated_at", ""))
    return DbtResults(path, generated_at, tuple(sorted(tests, key=lambda test: test.name)))


def summary(report: CheckReport, verbose: bool = False) -> str:
    """Per layer, each suite with PASS / FAIL and its failing expectations."""
    lines = [
        f"Quality checks on {report.database} ({', '.join(report.settings.layers)}): "
        f"{report.expectations_passed:,} of {report.expectations_total:,} expectations passed "
        f"in {len(report.suites)} suites, {report.seconds:.1f} s"
    ]
    for layer in LAYERS:
        suites = [suite for suite in report.suites if suite.layer == layer]
        if not suites:
            continue
        failed = sum(1 for suite in suites if not suite.success)
        lines.append(f"  {layer}: {len(suites) - failed} of {len(suites)} suites passed")
        for suite in suites:
            lines.extend(_suite_lines(suite, verbose))
    verdict = "PASSED" if report.success else "FAILED"
    lines.append(
        f"{verdict}: {report.expectations_failed:,} failed expectation(s)"
        if not report.success
        else f"{verdict}: every expectation met"
    )
    return "\n".join(lines)


def _suite_lines(suite: SuiteOutcome, verbose: bool) -> list[str]:
    status = "PASS" if suite.success else "FAIL"
    rows = "" if suite.rows is None else f", {suite.rows:,} rows"
    head = f"    [{status}] {suite.name} ({len(suite.outcomes)} expectations{rows})"
    lines = [head]
    if suite.error:
        lines.append(f"        ERROR {suite.error}")
    for outcome in suite.outcomes:
        if verbose or not outcome.success:
            mark = "ok  " if outcome.success else "FAIL"
            lines.append(f"        {mark} {outcome.description}: {outcome.details}")
    return lines


_STYLE = """
body { font: 14px/1.45 system-ui, sans-serif; margin: 2em; color: #1d1d1f; }
h1 { font-size: 1.5em; margin-bottom: .2em; }
.verdict { font-size: 1.2em; font-weight: 600; padding: .4em .8em; display: inline-block;
  border-radius: 4px; }
.pass { background: #e3f4e6; color: #155c24; }
.fail { background: #fbe4e4; color: #8a1c1c; }
table { border-collapse: collapse; width: 100%; margin: .5em 0 1.5em; }
th, td { border-bottom: 1px solid #ddd; padding: .3em .5em; text-align: left;
  vertical-align: top; }
th { background: #f5f5f7; }
td.status { font-weight: 600; white-space: nowrap; }
details { margin: .3em 0 .8em; }
summary { cursor: pointer; }
.muted { color: #666; }
code { font-size: .95em; }
"""


def write_html(report: CheckReport, path: Path, dbt_results: DbtResults | None = None) -> Path:
    """Write the report to `path` (atomically: a reader never sees half a page), with
    `dbt_results` (`read_dbt_results`) when given."""
    path.parent.mkdir(parents=True, exist_ok=True)
    page = render_html(report, dbt_results)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    with os.fdopen(handle, "w", encoding="utf-8") as out:
        out.write(page)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)
    return path


def render_html(report: CheckReport, dbt_results: DbtResults | None = None) -> str:
    esc = html.escape
    verdict_class = "pass" if report.success else "fail"
    verdict = "PASSED" if report.success else "FAILED"
    settings = report.settings
    parts = [
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>",
        f"<title>Quality report: {verdict} - {esc(report.database.name)}</title>",
        f"<style>{_STYLE}</style></head><body>",
        "<h1>Recurring Revenue Warehouse: quality report</h1>",
        f"<p class='muted'>{esc(str(report.database))} - checked "
        f"{esc(report.started_at.strftime('%Y-%m-%d %H:%M:%S UTC'))} in "
        f"{report.seconds:.1f} s - layers {esc(', '.join(settings.layers))}</p>",
        f"<p><span class='verdict {verdict_class}'>{verdict}: "
        f"{report.expectations_passed:,} of {report.expectations_total:,} expectations passed"
        "</span></p>",
        "<p class='muted'>Settings: rejects_error_share "
        f"{settings.rejects_error_share:g}; month-over-month MRR change bound "
        f"{settings.max_mrr_change:g} after {settings.mrr_change_grace_months} months.</p>",
    ]
    failures = report.failures()
    if failures:
        parts.append("<h2>Failures</h2><ul>")
        parts.extend(f"<li>{esc(line)}</li>" for line in failures)
        parts.append("</ul>")
    for layer in LAYERS:
        suites = [suite for suite in report.suites if suite.layer == layer]
        if not suites:
            continue
        passed = sum(1 for suite in suites if suite.success)
        parts.append(f"<h2>{esc(layer)}: {passed} of {len(suites)} suites passed</h2>")
        parts.append(
            "<table><tr><th>suite</th><th>status</th><th>rows</th>"
            "<th>expectations</th><th>seconds</th></tr>"
        )
        for suite in suites:
            status = "PASS" if suite.success else "FAIL"
            css = "pass" if suite.success else "fail"
            rows = "" if suite.rows is None else f"{suite.rows:,}"
            met = sum(1 for outcome in suite.outcomes if outcome.success)
            parts.append(
                f"<tr><td><a href='#{_anchor(suite)}'>{esc(suite.name)}</a></td>"
                f"<td class='status {css}'>{status}</td><td>{rows}</td>"
                f"<td>{met} of {len(suite.outcomes)}</td><td>{suite.seconds:.2f}</td></tr>"
            )
        parts.append("</table>")
        for suite in suites:
            parts.append(_suite_html(suite))
    parts.append(_dbt_html(dbt_results))
    parts.append("</body></html>")
    return "\n".join(parts)


def _anchor(suite: SuiteOutcome) -> str:
    return "suite-" + "".join(char if char.isalnum() else "-" for char in suite.name)


def _suite_html(suite: SuiteOutcome) -> str:
    esc = html.escape
    status = "PASS" if suite.success else "FAIL"
    opened = "" if suite.success else " open"
    parts = [
        f"<details id='{_anchor(suite)}'{opened}><summary><strong>{esc(suite.name)}</strong> "
        f"- {status}</summary><p class='muted'>{esc(suite.description)}</p>"
    ]
    if suite.error:
        parts.append(f"<p class='fail'>Could not run: {esc(suite.error)}</p>")
    if suite.outcomes:
        parts.append(
            "<table><tr><th>status</th><th>expectation</th><th>type</th><th>result</th></tr>"
        )
        for outcome in suite.outcomes:
            css = "pass" if outcome.success else "fail"
            parts.append(
                f"<tr><td class='status {css}'>{'PASS' if outcome.success else 'FAIL'}</td>"
                f"<td>{esc(outcome.description)}</td><td><code>{esc(outcome.expectation_type)}"
                f"</code></td><td>{esc(outcome.details)}</td></tr>"
            )
        parts.append("</table>")
    parts.append("</details>")
    return "".join(parts)


_PASSING = {"pass", "success"}


def _dbt_html(results: DbtResults | None) -> str:
    esc = html.escape
    head = "<h2>dbt tests: the row and identity rules</h2>"
    if results is None:
        return head + (
            "<p class='muted'>No dbt test results (target/run_results.json) to show: "
            "run <code>dbt build</code> to check the row and identity rules.</p>"
        )
    passed = sum(1 for test in results.tests if test.status in _PASSING)
    warned = sum(1 for test in results.tests if test.status == "warn")
    failed = len(results.tests) - passed - warned
    parts = [
        head,
        f"<p class='muted'>From {esc(str(results.path))}, written "
        f"{esc(results.generated_at)}: {passed} passed, {warned} warned, {failed} failed or "
        "errored or skipped.</p>",
    ]
    problems = [test for test in results.tests if test.status not in _PASSING]
    if problems:
        parts.append("<table><tr><th>status</th><th>dbt test</th><th>message</th></tr>")
        for test in problems:
            css = "fail" if test.status != "warn" else ""
            parts.append(
                f"<tr><td class='status {css}'>{esc(test.status.upper())}</td>"
                f"<td>{esc(test.name)}</td><td>{esc(test.message)}</td></tr>"
            )
        parts.append("</table>")
    parts.append(
        f"<details><summary>All {len(results.tests)} dbt tests</summary><table>"
        "<tr><th>status</th><th>dbt test</th></tr>"
    )
    parts.extend(
        f"<tr><td class='status'>{esc(test.status.upper())}</td><td>{esc(test.name)}</td></tr>"
        for test in results.tests
    )
    parts.append("</table></details>")
    return "".join(parts)
