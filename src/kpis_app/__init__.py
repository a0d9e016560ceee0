"""Streamlit glue: the one place with caches, session state and shared widgets."""
