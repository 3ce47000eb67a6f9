"""The dashboard's entry point (`streamlit run app.py`, started by `rrw dashboard`):
the page frame (navigation, sidebar filters) around the page chosen."""

from __future__ import annotations

from pathlib import Path

import streamlit as st

from recurring_revenue.dashboard import PAGES, ui

HERE = Path(__file__).resolve().parent

st.set_page_config(page_title="Recurring Revenue", layout="wide")

navigation = st.navigation(
    [
        st.Page(HERE / "views" / file, title=title, url_path=url_path, default=index == 0)
        for index, (file, title, url_path) in enumerate(PAGES)
    ]
)
context = ui.context()
ui.month_filter(context)
navigation.run()
