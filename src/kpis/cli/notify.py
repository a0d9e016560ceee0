"""Commands that tell people: subscribe, unsubscribe, digest and alerts."""

from __future__ import annotations

import argparse
import sys

from kpis.catalog import Catalog
from kpis.cli.output import EXIT_ERROR, current_actor
from kpis.cli.writing import ready
from kpis.i18n import t
from kpis.notify import run_alerts, run_digest, subscribe, unsubscribe
from kpis.roles import Actor
from kpis.store import Store

__all__ = ["cmd_notify", "cmd_subscribe"]


def cmd_subscribe(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    ready(args, store, catalog)
    actor = Actor(current_actor(), "admin")  # whoever can run the CLI can already write the file
    if args.command == "unsubscribe":
        removed = unsubscribe(store, actor, args.email)
        print(t("cli.unsubscribed" if removed else "cli.not_subscribed", args.lang, email=args.email.strip().lower()))
        return 0
    done = subscribe(store, actor, args.email, args.kind, args.region, args.department, args.lang)
    print(t("cli.subscribed", args.lang, email=done.email, kind=t(f"kind.{done.kind}", args.lang),
            scope=" · ".join([done.region or t("filter.all_regions", args.lang),
                              done.department or t("filter.all_departments", args.lang)]),
            lang=done.lang))
    return 0


def cmd_notify(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    ready(args, store, catalog)
    if args.command == "digest":
        outcome = run_digest(store, catalog, year=args.year, quarter=args.quarter, send=args.send, out=args.out,
                             resend=args.resend)
    else:
        outcome = run_alerts(store, catalog, send=args.send, out=args.out)
    year, quarter = outcome.quarter
    what = t(f"cli.{args.command}_word", args.lang)
    for path in outcome.written:
        print(t("cli.written", args.lang, path=path))
    if args.send:
        print(t("cli.sent", args.lang, what=what, quarter=f"{year}-Q{quarter}", n=len(outcome.sent),
                emails=", ".join(outcome.sent) or "—"))
    if outcome.skipped:
        print(t("cli.nothing_new" if args.command == "alerts" else "cli.digest_already", args.lang,
                n=len(outcome.skipped)))
    for email, error in outcome.failed.items():
        print(t("cli.delivery_failed", args.lang, email=email, error=error), file=sys.stderr)
    return EXIT_ERROR if outcome.failed else 0
