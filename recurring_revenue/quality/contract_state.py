"""Contract checks against the last released marts (dbt state comparison).

contracts/released/manifest.json is dbt's manifest trimmed to the public marts of
the last release (their columns, types, constraints, access, versions). The check
runs dbt's own state comparison on it,

    dbt ls --select state:modified.contract --state contracts/released

which reports a breaking change of a contracted model (a column removed or
retyped, an enforced constraint or the contract itself removed, the model deleted)
as an error for a versioned model and as an `UnversionedBreakingChange` warning for
an unversioned one, and adds what dbt does not compare: a released public mart that
moved to another schema or table name, or is no longer public. Every breaking change
fails the check, except where the released mart lives on unchanged as a version of
the current project (the way to make a breaking change is a new model version).
Adding marts, columns or versions is never breaking.

On release, `rrw contracts --release` (make release-contracts) records the current
public marts as the new released state.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from recurring_revenue.dbt_runner import run_dbt
from recurring_revenue.settings import PROJECT_DIR

Progress = Callable[[str], None]

RELEASED_DIR = Path("contracts") / "released"

#: Node fields kept in the released manifest: what deserialising a model and comparing
#: its contract need, and nothing that changes on every parse.
_NODE_FIELDS = (
    "access",
    "alias",
    "checksum",
    "columns",
    "config",
    "constraints",
    "contract",
    "database",
    "deprecation_date",
    "fqn",
    "latest_version",
    "name",
    "original_file_path",
    "package_name",
    "path",
    "resource_type",
    "schema",
    "unique_id",
    "version",
)
_COLUMN_FIELDS = ("name", "data_type", "constraints", "quote")
_CONFIG_FIELDS = ("enabled", "materialized", "contract", "access", "schema", "alias", "group")


@dataclass
class ContractCheck:
    """The outcome of one comparison with the released contracts."""

    released: Path
    breaking: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    #: Set when the check could not run (no released state, dbt failed to parse).
    error: str | None = None

    @property
    def success(self) -> bool:
        return self.error is None and not self.breaking

    def summary(self) -> str:
        if self.error:
            return f"Contract check could not run: {self.error}"
        lines = [f"Contracts compared with {self.released}:"]
        lines.extend(f"  BREAKING {line}" for line in self.breaking)
        lines.extend(f"  ok       {line}" for line in self.notes)
        if self.breaking:
            lines.append(
                f"FAILED: {len(self.breaking)} breaking change(s) to released public marts. "
                "Keep the released contract and add a new model version for the change "
                "(https://docs.getdbt.com/docs/mesh/govern/model-versions), or, for a release "
                "that breaks on purpose, refresh the released state with "
                "`make release-contracts`."
            )
        else:
            lines.append("PASSED: no breaking change to a released public mart.")
        return "\n".join(lines)


def released_manifest_path(project_dir: Path = PROJECT_DIR) -> Path:
    return project_dir / RELEASED_DIR / "manifest.json"


def check_contracts(
    project_dir: Path = PROJECT_DIR,
    released_dir: Path | None = None,
    progress: Progress | None = None,
) -> ContractCheck:
    """Compare the project in `project_dir` with its released contracts."""
    say: Progress = progress or (lambda _message: None)
    state = (released_dir or project_dir / RELEASED_DIR).resolve()
    outcome = ContractCheck(released=state / "manifest.json")
    if not outcome.released.exists():
        outcome.error = (
            f"no released contracts at {outcome.released}: record them with "
            "`make release-contracts`"
        )
        return outcome
    released = json.loads(outcome.released.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory(prefix="rrw-contracts-") as scratch:
        say(f"dbt state comparison with {state}")
        completed = run_dbt(
            [
                "ls",
                "--resource-type",
                "model",
                "--select",
                "state:modified.contract",
                "--state",
                str(state),
                "--log-format",
                "json",
                "--output",
                "name",
            ],
            env=_scratch_env(Path(scratch)),
            project_dir=project_dir,
            capture=True,
        )
        manifest_path = Path(scratch) / "target" / "manifest.json"
        current = (
            json.loads(manifest_path.read_text(encoding="utf-8"))
            if manifest_path.exists()
            else None
        )
    dbt_breaking, dbt_error = _dbt_findings(completed.stdout or "", completed.stderr or "")
    if current is None:
        outcome.error = dbt_error or "dbt did not write a manifest (does the project parse?)"
        return outcome
    own_breaking, migrated, notes = compare(released, current)
    outcome.notes = notes
    outcome.breaking = [
        f"{model}: {change} (dbt)"
        for model, change in dbt_breaking
        if not (model in migrated and "deleted or renamed" in change)
    ] + own_breaking
    if dbt_error and not outcome.breaking:
        outcome.breaking.append(f"dbt: {dbt_error}")
    return outcome


def _scratch_env(scratch: Path) -> dict[str, str]:
    """dbt writes its target and logs to a scratch folder and never opens a warehouse."""
    return {
        "DBT_TARGET_PATH": str(scratch / "target"),
        "DBT_LOG_PATH": str(scratch / "logs"),
        "RRW_DUCKDB_PATH": str(scratch / "contracts.duckdb"),
        "DBT_PARTIAL_PARSE": "false",
    }


def _dbt_findings(stdout: str, stderr: str) -> tuple[list[tuple[str, str]], str | None]:
    """dbt's breaking-change events and its error, from its JSON log lines."""
    breaking: list[tuple[str, str]] = []
    errors: list[str] = []
    for line in (stdout + "\n" + stderr).splitlines():
        try:
            event = json.loads(line)
        except json.JSONDecodeError:
            continue
        if not isinstance(event, dict):
            continue
        info = event.get("info", {})
        data = event.get("data", {})
        if info.get("name") == "UnversionedBreakingChange":
            model = str(data.get("model_name"))
            breaking.extend(
                (model, " ".join(str(change).split()))
                for change in data.get("breaking_changes", [])
            )
        elif info.get("level") == "error" and info.get("msg"):
            errors.append(" ".join(str(info["msg"]).split()))
    return breaking, ("; ".join(errors) if errors else None)


def _public_models(manifest: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {
        unique_id: node
        for unique_id, node in manifest.get("nodes", {}).items()
        if node.get("resource_type") == "model"
        and node.get("access") == "public"
        and node.get("config", {}).get("enabled", True)
    }


def _relation(node: dict[str, Any]) -> str:
    return f"{node.get('schema')}.{node.get('alias') or node.get('name')}"


def _label(node: dict[str, Any]) -> str:
    version = node.get("version")
    return node["name"] + (f" v{version}" if version is not None else "")


def compare(
    released: dict[str, Any], current: dict[str, Any]
) -> tuple[list[str], set[str], list[str]]:
    """What dbt's contract comparison leaves out, and how the released marts map.

    Returns (breaking changes, names of released unversioned marts that now live on as
    a version, notes on non-breaking changes).
    """
    released_nodes = _public_models(released)
    current_nodes = current.get("nodes", {})
    current_public = _public_models(current)
    breaking: list[str] = []
    migrated: set[str] = set()
    notes: list[str] = []
    for unique_id, old in sorted(released_nodes.items()):
        new = current_nodes.get(unique_id)
        if new is None:
            successor = _version_successor(old, current_public)
            if successor is not None:
                migrated.add(old["name"])
                problems = contract_breaks(old, successor)
                if problems:
                    breaking.extend(f"{_label(successor)}: {problem}" for problem in problems)
                else:
                    notes.append(
                        f"{_label(old)} lives on as {_label(successor)} ({_relation(successor)})"
                    )
            continue
        if new.get("access") != "public":
            breaking.append(
                f"{_label(old)}: access changed from public to {new.get('access')} "
                "(BI and other projects can no longer rely on it)"
            )
        if _relation(new) != _relation(old):
            breaking.append(
                f"{_label(old)}: moved from {_relation(old)} to {_relation(new)} "
                "(BI queries the old name)"
            )
        added = [name for name in new.get("columns", {}) if name not in old.get("columns", {})]
        if added:
            notes.append(f"{_label(old)}: new column(s) {', '.join(added)}")
    for unique_id, node in sorted(current_public.items()):
        if unique_id not in released_nodes and node["name"] not in migrated:
            notes.append(f"{_label(node)}: new public mart ({_relation(node)})")
    return breaking, migrated, notes


def _version_successor(
    old: dict[str, Any], current_public: dict[str, dict[str, Any]]
) -> dict[str, Any] | None:
    """The version of a released unversioned mart that keeps its relation, if any."""
    if old.get("version") is not None:
        return None
    for node in current_public.values():
        if (
            node.get("name") == old.get("name")
            and node.get("version") is not None
            and _relation(node) == _relation(old)
        ):
            return node
    return None


def contract_breaks(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    """dbt's breaking-change rules between two contracted nodes (for version successors,
    which dbt cannot pair up itself)."""
    problems = []
    if old.get("contract", {}).get("enforced") and not new.get("contract", {}).get("enforced"):
        problems.append("the contract is no longer enforced")
    new_columns = new.get("columns", {})
    for name, column in old.get("columns", {}).items():
        if name not in new_columns:
            problems.append(f"column {name} was removed")
            continue
        before = _base_type(column.get("data_type"))
        after = _base_type(new_columns[name].get("data_type"))
        if before != after:
            problems.append(f"column {name} changed type from {before} to {after}")
        kept = [c.get("type") for c in new_columns[name].get("constraints", [])]
        for constraint in column.get("constraints", []):
            if constraint.get("type") not in kept:
                problems.append(f"the {constraint.get('type')} constraint on {name} was removed")
    kept_model = [c.get("type") for c in new.get("constraints", [])]
    for constraint in old.get("constraints", []):
        if constraint.get("type") not in kept_model:
            problems.append(f"the model's {constraint.get('type')} constraint was removed")
    return problems


def _base_type(data_type: str | None) -> str | None:
    return None if data_type is None else data_type.partition("(")[0].strip().lower()


def release_contracts(project_dir: Path = PROJECT_DIR, progress: Progress | None = None) -> Path:
    """Parse the project and record its public marts as the released contracts."""
    say: Progress = progress or (lambda _message: None)
    with tempfile.TemporaryDirectory(prefix="rrw-release-") as scratch:
        say("dbt parse")
        completed = run_dbt(
            ["parse", "--quiet"],
            env=_scratch_env(Path(scratch)),
            project_dir=project_dir,
            capture=True,
        )
        manifest_path = Path(scratch) / "target" / "manifest.json"
        if completed.returncode != 0 or not manifest_path.exists():
            output = (completed.stdout or "") + (completed.stderr or "")
            raise RuntimeError(f"dbt parse failed:\n{output[-3000:]}")
        manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
    released = trim_manifest(manifest)
    target = released_manifest_path(project_dir)
    target.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(released, indent=2, sort_keys=True) + "\n"
    temporary = target.with_name(target.name + ".tmp")
    temporary.write_text(text, encoding="utf-8")
    os.replace(temporary, target)
    return target


def trim_manifest(manifest: dict[str, Any]) -> dict[str, Any]:
    """dbt's manifest with only the public marts, and of them only their contracts."""
    trimmed: dict[str, Any] = {
        key: ({} if isinstance(value, dict) else []) for key, value in manifest.items()
    }
    metadata = manifest.get("metadata", {})
    trimmed["metadata"] = {
        key: metadata[key]
        for key in ("dbt_schema_version", "dbt_version", "project_name", "adapter_type")
        if key in metadata
    }
    project = metadata.get("project_name", "")
    nodes = {}
    for unique_id, node in _public_models(manifest).items():
        kept = {key: node[key] for key in _NODE_FIELDS if key in node}
        kept["database"] = project
        kept["config"] = {
            key: node["config"][key] for key in _CONFIG_FIELDS if key in node.get("config", {})
        }
        kept["columns"] = {
            name: {key: column[key] for key in _COLUMN_FIELDS if key in column}
            for name, column in node.get("columns", {}).items()
        }
        nodes[unique_id] = kept
    trimmed["nodes"] = nodes
    return trimmed
