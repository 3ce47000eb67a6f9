"""The dashboard pages, one Streamlit script each (run by app.py, never imported)."""
