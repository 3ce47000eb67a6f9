"""Reproducible installs and one version: requirements.lock, `make setup`, CHANGELOG.

`make setup` installs exactly requirements.lock (exact versions with hashes), so
the lock must cover everything pyproject.toml asks for: the dependencies, the
`dev` extra and the build backend. The version is written once, in pyproject.toml;
the package, dbt_project.yml and the newest release in contracts/CHANGELOG.md
must agree with it, and that release must name exactly the released public marts.
"""

from __future__ import annotations

import importlib.metadata
import json
import re
import subprocess
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

import recurring_revenue

ROOT = Path(__file__).resolve().parents[2]
LOCK = ROOT / "requirements.lock"
PIN = re.compile(r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+) \\$")


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _locked() -> dict[str, tuple[str, int]]:
    """Locked name -> (version, number of hashes)."""
    pins: dict[str, tuple[str, int]] = {}
    current = None
    for line in LOCK.read_text().splitlines():
        match = PIN.match(line)
        if match:
            current = canonicalize_name(match.group(1))
            pins[current] = (match.group(2), 0)
        elif line.strip().startswith("--hash=sha256:") and current:
            version, hashes = pins[current]
            pins[current] = (version, hashes + 1)
        elif line and not line.startswith(" "):
            current = None
    return pins


def _requirements() -> list[Requirement]:
    project = _pyproject()
    texts = [
        *project["project"]["dependencies"],
        *project["project"]["optional-dependencies"]["dev"],
        *project["build-system"]["requires"],
    ]
    return [Requirement(text) for text in texts]


def test_lock_pins_every_requirement_of_pyproject_at_an_allowed_version():
    locked = _locked()
    missing, outside = [], []
    for requirement in _requirements():
        if requirement.marker is not None and not requirement.marker.evaluate():
            continue
        name = canonicalize_name(requirement.name)
        if name not in locked:
            missing.append(str(requirement))
        elif not requirement.specifier.contains(locked[name][0], prereleases=True):
            outside.append(f"{requirement} (locked {locked[name][0]})")
    assert not missing and not outside, (
        f"requirements.lock is stale, run `make lock`: missing {missing}, "
        f"outside the range {outside}"
    )


def test_every_locked_package_has_an_exact_version_and_hashes():
    locked = _locked()
    assert len(locked) > 50, "requirements.lock lists too few packages to be the full lock"
    assert not [name for name, (_, hashes) in locked.items() if hashes == 0]
    text = LOCK.read_text()
    # Nothing in the lock points at this machine's own indexes or wheel folders.
    assert "--find-links" not in text
    assert "--index-url" not in text and "--extra-index-url" not in text


def test_the_environment_holds_the_locked_versions():
    installed = {
        canonicalize_name(dist.metadata["Name"]): dist.version
        for dist in importlib.metadata.distributions()
    }
    wrong = {
        name: (version, installed.get(name))
        for name, (version, _) in _locked().items()
        if installed.get(name) != version
    }
    assert not wrong, f"locked vs installed (run `make setup`): {wrong}"


def test_make_setup_installs_the_lock_and_reinstalls_when_it_changes():
    # -n: print the commands only; -W: as if requirements.lock had just changed.
    plan = subprocess.run(
        ["make", "-n", "-W", "requirements.lock", "setup", "VENV=/nonexistent-venv"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "--require-hashes --no-deps -r requirements.lock" in plan
    assert "--no-deps --no-build-isolation -e ." in plan
    assert "pip check" in plan
    assert "[dev]" not in plan, "setup must not resolve pyproject.toml's ranges itself"


def test_the_version_is_the_one_in_pyproject():
    version = _pyproject()["project"]["version"]
    assert recurring_revenue.__version__ == version
    dbt_project = yaml.safe_load((ROOT / "dbt_project.yml").read_text())
    assert str(dbt_project["version"]) == version
    init = (ROOT / "recurring_revenue" / "__init__.py").read_text()
    assert version not in init, "the version is read from the package metadata, not repeated"


def _newest_release() -> tuple[str, list[str]]:
    text = (ROOT / "contracts" / "CHANGELOG.md").read_text()
    sections = re.split(r"^## ", text, flags=re.MULTILINE)[1:]
    releases = [s for s in sections if re.match(r"\d+\.\d+\.\d+ - \d{4}-\d{2}-\d{2}\n", s)]
    assert releases, "contracts/CHANGELOG.md records no release"
    newest = releases[0]
    version = newest.split(" ", 1)[0]
    marts_part = newest.split("### Released public marts", 1)
    assert len(marts_part) == 2, f"release {version} lists no released public marts"
    marts = re.findall(r"^- `([a-z0-9_]+)`", marts_part[1], flags=re.MULTILINE)
    return version, marts


def test_changelog_records_the_released_marts_and_version():
    version, marts = _newest_release()
    assert version == _pyproject()["project"]["version"]
    manifest = json.loads((ROOT / "contracts" / "released" / "manifest.json").read_text())
    released = sorted(node["name"] for node in manifest["nodes"].values())
    assert sorted(marts) == released, "contracts/CHANGELOG.md and contracts/released/ disagree"


def test_pre_commit_hooks_run_the_tools_of_the_venv():
    config = yaml.safe_load((ROOT / ".pre-commit-config.yaml").read_text())
    hooks = [hook for repo in config["repos"] for hook in repo["hooks"]]
    assert all(repo["repo"] == "local" for repo in config["repos"])
    # The command of each hook, after any leading `env NAME=value`.
    commands = [
        next(word for word in hook["entry"].split() if word != "env" and "=" not in word)
        for hook in hooks
    ]
    assert all(command.startswith(".venv/bin/") for command in commands), commands
    assert {".venv/bin/ruff", ".venv/bin/sqlfluff", ".venv/bin/python"} <= set(commands)
    sqlfluff = next(hook for hook in hooks if "sqlfluff" in hook["entry"])
    assert "RRW_TARGET=lint" in sqlfluff["entry"], "sqlfluff's dbt templater lints in memory"


def test_pre_commit_config_is_valid():
    pre_commit = ROOT / ".venv" / "bin" / "pre-commit"
    if not pre_commit.exists():
        pytest.skip("no .venv/bin/pre-commit in this checkout")
    subprocess.run([pre_commit, "validate-config"], cwd=ROOT, check=True)
