"""Names the command line needs before anything heavy loads: the exchange-file kinds and the unit
that stands for the whole organisation."""

from __future__ import annotations

__all__ = ["IMPORT_KINDS", "ORGANISATION_UNIT", "REFERENCE_KINDS", "URL_SCHEMES", "is_url"]

IMPORT_KINDS = ("observations", "targets", "maturity", "value", "investments", "use-cases", "programs", "regions",
                "departments")
REFERENCE_KINDS = {"programs": "program", "regions": "region", "departments": "department"}  # file kind -> name kind
ORGANISATION_UNIT = "Organisation"  # reference data names it for people ("Organización")
URL_SCHEMES = ("postgresql://", "postgres://")  # a --db / KPIS_DB value naming a PostgreSQL store


def is_url(target: object) -> bool:
    """`target` names a PostgreSQL store (else it is a DuckDB file path)."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)
