"""One word, one meaning: the glossary's words are the ones the project uses.

docs/glossary.md gives the raw export spec, model contracts (released marts) and
commitments each their own word. These tests fail when the old ambiguous phrase
comes back, when a path the glossary points to is gone, or when a new model puts
"contract" in its name without the glossary saying what it means there.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
GLOSSARY = ROOT / "docs" / "glossary.md"
FOLDERS = ("docs", "models", "macros", "tests", "recurring_revenue", "analyses")
SUFFIXES = {".md", ".sql", ".yml", ".py"}
#: The old names of the raw export spec.
OLD_RAW_NAMES = re.compile(
    r"raw[ -](billing[ -])?contract|billing contract|contract[ -]shaped"
    r"|contract (table|column|order)",
    re.IGNORECASE,
)
#: Where the old name may still be written: the glossary, the spec's own page
#: (which names the original document it restates), this test, and the test that bans
#: citing that original by its file name.
MAY_NAME_THE_OLD_WORD = {
    "docs/glossary.md",
    "docs/raw-spec.md",
    "tests/python/test_glossary.py",
    "tests/python/test_docs_self_contained.py",  # bans citing the original by its file name
}


def _texts() -> dict[str, str]:
    paths = [ROOT / "README.md"]
    for folder in FOLDERS:
        paths += [p for p in (ROOT / folder).rglob("*") if p.suffix in SUFFIXES]
    return {p.relative_to(ROOT).as_posix(): p.read_text(encoding="utf-8") for p in paths}


def test_the_raw_export_spec_is_not_called_a_contract() -> None:
    found = [
        f"{name}:{number}: {line.strip()}"
        for name, text in _texts().items()
        if name not in MAY_NAME_THE_OLD_WORD
        for number, line in enumerate(text.splitlines(), 1)
        if OLD_RAW_NAMES.search(line)
    ]
    assert not found, "say 'raw export spec' (docs/glossary.md):\n" + "\n".join(found)


def test_every_path_the_glossary_names_exists() -> None:
    text = GLOSSARY.read_text(encoding="utf-8")
    paths = {p for p in re.findall(r"`([\w./-]+/[\w./*-]*)`", text) if "*" not in p}
    assert paths, "the glossary names no path"
    missing = sorted(p for p in paths if not (ROOT / p).exists())
    assert not missing, f"docs/glossary.md names paths that do not exist: {missing}"


def test_every_model_with_contract_in_its_name_is_in_the_glossary() -> None:
    """A model named for contracts is a commitment; the glossary lists each one."""
    text = GLOSSARY.read_text(encoding="utf-8")
    names = {
        path.stem
        for path in (ROOT / "models").rglob("*.sql")
        if "contract" in path.stem and "disabled" not in path.parts
    }
    unlisted = sorted(name for name in names if f"`{name}`" not in text)
    assert not unlisted, f"say in docs/glossary.md what 'contract' means in {unlisted}"
    semantic = {
        model["name"]
        for path in (ROOT / "models" / "semantic").glob("*.yml")
        for model in _semantic_models(path)
        if "contract" in model["name"]
    }
    unlisted = sorted(name for name in semantic if f"`{name}`" not in text)
    assert not unlisted, f"say in docs/glossary.md what 'contract' means in {unlisted}"


def _semantic_models(path: Path) -> list[dict[str, str]]:
    import yaml

    document = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return list(document.get("semantic_models", []))


def test_the_glossary_is_linked_from_the_readme() -> None:
    assert "docs/glossary.md" in (ROOT / "README.md").read_text(encoding="utf-8")
