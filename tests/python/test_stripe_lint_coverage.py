"""sqlfluff lints the Stripe source layer although billing_source defaults to files.

sqlfluff's dbt templater skips disabled models, and the Stripe models are enabled
only when billing_source is stripe, so before this rule `make lint` passed without
reading them. They enable themselves through one macro, which also enables them on
the in-memory `lint` target that the Makefile and pre-commit hook lint with.
"""

from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STRIPE_MODELS = sorted((ROOT / "models" / "staging" / "stripe").glob("*.sql"))


def test_every_stripe_model_enables_itself_through_the_one_macro() -> None:
    assert STRIPE_MODELS
    for path in STRIPE_MODELS:
        first_line = path.read_text(encoding="utf-8").splitlines()[0]
        assert first_line == "{{ config(enabled=stripe_source_enabled()) }}", path.name


def test_the_macro_enables_them_on_the_lint_target() -> None:
    macro = (ROOT / "macros" / "stripe" / "stripe_source_enabled.sql").read_text(encoding="utf-8")
    assert "setting('billing_source') == 'stripe'" in macro
    assert "target.name == 'lint'" in macro


def test_make_lint_lints_the_models_folder_on_the_lint_target() -> None:
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    [line] = [line for line in makefile.splitlines() if "sqlfluff lint" in line]
    assert "RRW_TARGET=lint" in line and " models " in line
