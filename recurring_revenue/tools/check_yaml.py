"""Fail when a YAML file of the project does not parse.

Usage: python -m recurring_revenue.tools.check_yaml [ROOT]
"""

from __future__ import annotations

import sys
from pathlib import Path

import yaml

SKIP_DIRS = {".venv", "target", "dbt_packages", "logs", "build", "data", "warehouse", ".git"}


def yaml_files(root: Path) -> list[Path]:
    return sorted(
        path
        for pattern in ("*.yml", "*.yaml")
        for path in root.rglob(pattern)
        if not SKIP_DIRS.intersection(path.relative_to(root).parts)
    )


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    root = Path(args[0] if args else ".").resolve()
    errors = []
    files = yaml_files(root)
    for path in files:
        try:
            yaml.safe_load(path.read_text(encoding="utf-8"))
        except yaml.YAMLError as exc:
            errors.append(f"{path.relative_to(root)}: {exc}")
    for error in errors:
        print(f"YAML error: {error}", file=sys.stderr)
    print(f"check_yaml: {len(files)} files, {len(errors)} invalid")
    return 1 if errors else 0


if __name__ == "__main__":
    sys.exit(main())
