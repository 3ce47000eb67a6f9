"""The Streamlit server of `rrw dashboard`, with the app's libraries imported first.

`python -m recurring_revenue.dashboard.server run app.py ...` is `streamlit run`,
except that pandas, Altair, DuckDB and the dashboard's own modules are imported
before the server starts: Streamlit imports an app's modules on its first script
run, and Altair builds its schema validator on the first chart, which together
added seconds to the first page a visitor opened.
"""

from __future__ import annotations


def preload() -> None:
    """Import what every page's script imports (then cached in sys.modules)."""
    import altair
    import duckdb  # noqa: F401
    import pandas
    import pyarrow  # noqa: F401

    from recurring_revenue.dashboard import ui  # noqa: F401

    # Altair builds its Vega-Lite schema validator on the first chart it validates.
    altair.Chart(pandas.DataFrame({"month": [0]})).mark_bar().encode(x="month:Q").to_dict()


def main() -> None:
    preload()
    from streamlit.web.cli import main as streamlit

    streamlit(prog_name="streamlit")


if __name__ == "__main__":
    main()
