"""Backups and restores (files.py), the checks a restore holds every row to (checks.py), and copies
of a whole store between engines (copying.py)."""
