"""The HTTP API (SPEC section 10): `python -m kpis serve-api`. Other programs read the quarter's report and
write actuals, targets and check-ins with a Bearer token; every answer is rendered from the same report as
the pages and the CLI (a scorecard's JSON equals `scorecard --format json`)."""

from kpis.api.app import create_app

__all__ = ["create_app"]
