"""Commands of the HTTP API: serve-api, and token create | list | revoke."""

from __future__ import annotations

import argparse

from kpis.catalog import Catalog
from kpis.cli.output import current_actor, print_rows
from kpis.cli.writing import ready
from kpis.formatting import format_day
from kpis.i18n import t
from kpis.roles import Actor
from kpis.store import Store
from kpis.tokens import create_token, list_tokens, revoke_token

__all__ = ["cmd_serve_api", "cmd_token"]


def cmd_token(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    ready(args, store, catalog)
    actor = Actor(current_actor(), "admin")  # whoever can run the CLI can already write the file
    if args.token_action == "create":
        secret = create_token(store, actor, args.name, args.role)
        print(t("api.token_created", args.lang, name=args.name, role=args.role))
        print(secret)
    elif args.token_action == "revoke":
        revoke_token(store, actor, args.name)
        print(t("api.token_revoked", args.lang, name=args.name))
    else:
        with store.session() as session:
            tokens = list_tokens(session)
        if not tokens:
            print(t("api.no_tokens", args.lang))
            return 0
        print_rows([t("api.token_name", args.lang), t("api.token_role", args.lang),
                          t("api.token_created_by", args.lang), t("api.token_created_at", args.lang),
                          t("api.token_state", args.lang)],
                         [[token.name, t(f"role.{token.role}", args.lang), token.created_by,
                           format_day(token.created_at.date(), args.lang),
                           t("api.token_active", args.lang) if token.active else
                           t("api.token_revoked_on", args.lang, day=format_day(token.revoked_at.date(), args.lang))]
                          for token in tokens], left=(0, 1, 2, 3, 4))
    return 0


def cmd_serve_api(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    import uvicorn

    from kpis.api import create_app

    ready(args, store, catalog)
    print(t("api.serving", args.lang, url=f"http://{args.host}:{args.port}"), flush=True)
    uvicorn.run(create_app(store, catalog), host=args.host, port=args.port, log_level="warning",
                access_log=False, server_header=False)
    return 0
