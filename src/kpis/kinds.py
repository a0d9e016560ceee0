"""Names the command line needs before anything heavy loads: the exchange-file kinds and the unit
that stands for the whole organisation."""

from __future__ import annotations

import re
from typing import Literal
from urllib.parse import urlsplit

__all__ = ["CONFIDENCES", "IMPORT_KINDS", "ORGANISATION_UNIT", "REFERENCE_KINDS", "URL_SCHEMES", "Confidence",
           "is_keyword_dsn", "is_url", "redact"]

IMPORT_KINDS = ("observations", "targets", "maturity", "value", "investments", "use-cases", "programs", "regions",
                "departments")
REFERENCE_KINDS = {"programs": "program", "regions": "region", "departments": "department"}  # file kind -> name kind
ORGANISATION_UNIT = "Organisation"  # reference data names it for people ("Organización")
Confidence = Literal["high", "medium", "low"]
CONFIDENCES: tuple[Confidence, ...] = ("high", "medium", "low")  # of a check-in
URL_SCHEMES = ("postgresql://", "postgres://")  # a --db / KPIS_DB value naming a PostgreSQL store


def is_url(target: object) -> bool:
    """`target` names a PostgreSQL store (else it is a DuckDB file path)."""
    return isinstance(target, str) and target.startswith(URL_SCHEMES)


# user:password@ after a scheme (also a one-slash typo, an empty user, a raw '@' inside the password)
_USERINFO = re.compile(r"(?P<scheme>\b[a-z][a-z0-9+.-]*:/{0,2})(?P<user>[^:/@\s]*):(?P<secret>\S*)@(?P<host>[^@/\s]+)",
                       re.IGNORECASE)
_SECRET_FIELD = re.compile(
    r"(?P<key>\b(?:password|passwd|pwd|secret|token|sslpassword)\s*=\s*)(?P<value>'[^']*'|[^&\s]*)", re.IGNORECASE)


def redact(text: str, secrets: tuple[str, ...] = ()) -> str:
    """`text` (a URL, a connection string, a driver's message) with every password shown as ***: a URL's
    user:password@ part, `password=` fields (URL query or keyword form), and the literal `secrets` given (a
    driver may repeat what it was given)."""
    text = _USERINFO.sub(lambda m: f"{m['scheme']}{m['user']}:***@{m['host']}", text)
    text = _SECRET_FIELD.sub(lambda m: f"{m['key']}***", text)
    for secret in secrets:  # and its pieces around a raw '@', which a driver may show as part of a host name
        for piece in sorted({secret, *secret.split("@")}, key=len, reverse=True):
            if len(piece) >= 3:
                text = text.replace(piece, "***")
    return text


def url_secrets(url: str) -> tuple[str, ...]:
    """The password a URL carries (in its user part or a password= field), to keep it out of any message."""
    found = [m["secret"] for m in _USERINFO.finditer(url)]
    found += [m["value"].strip("'") for m in _SECRET_FIELD.finditer(url)]
    try:
        if urlsplit(url).password:
            found.append(urlsplit(url).password)
    except ValueError:
        pass
    return tuple(s for s in found if s)


def is_keyword_dsn(value: str) -> bool:
    """A libpq keyword connection string ('host=db user=kpis password=...'), which --db does not take."""
    return bool(re.search(r"\b(host|hostaddr|dbname|user|password|port)\s*=", value)) and "://" not in value
