"""The repository stands on its own: rules are cited by the project's own docs.

No doc, model, macro or test cites a rule by the number of a spec that is not in
the repository ("MC rule 5", "RC", a path to a shared spec); every "conventions,
MRR N" citation names a section that docs/conventions.md has.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FOLDERS = ("docs", "models", "macros", "tests", "recurring_revenue", "analyses")
SUFFIXES = {".md", ".sql", ".yml", ".py"}
OUTSIDE_CITATIONS = re.compile(
    r"\bMC\b|\bRC\b|metric-conventions\.md|raw-billing-contract\.md|shared/spec"
    r"|DEVELOPERS\.md|\bRULES\b|metric conventions, MRR rule"
)


def _texts() -> dict[str, str]:
    paths = [ROOT / "README.md"]
    for folder in FOLDERS:
        paths += [p for p in (ROOT / folder).rglob("*") if p.suffix in SUFFIXES]
    this = Path(__file__).resolve()
    return {p.relative_to(ROOT).as_posix(): p.read_text() for p in paths if p.resolve() != this}


def test_no_citation_of_a_spec_outside_the_repository():
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in _texts().items()
        for number, line in enumerate(text.splitlines(), 1)
        if OUTSIDE_CITATIONS.search(line)
    ]
    assert not found, "\n".join(found)


def test_cited_mrr_rules_are_sections_of_the_conventions():
    conventions = (ROOT / "docs" / "conventions.md").read_text()
    sections = set(re.findall(r"^### MRR (\d+):", conventions, flags=re.MULTILINE))
    assert sections == {str(n) for n in range(1, 10)}
    cited = {
        number
        for text in _texts().values()
        for group in re.findall(r"conventions(?:\.md)?, MRR ([\d, and-]+)", text)
        for number in re.findall(r"\d+", group)
    }
    assert cited, "no citation of an MRR rule found"
    assert cited <= sections, f"cited but not in docs/conventions.md: {cited - sections}"
