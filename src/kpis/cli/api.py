"""Commands of the HTTP API and the MCP server: serve-api, mcp, and token create | list | revoke."""

from __future__ import annotations

import argparse
import os

from kpis.catalog import Catalog
from kpis.cli.output import current_actor, print_rows
from kpis.cli.writing import ready
from kpis.errors import KpiError
from kpis.formatting import format_day
from kpis.i18n import t
from kpis.roles import Actor
from kpis.store import Store, keep_open, keep_open_seconds
from kpis.tokens import create_token, list_tokens, revoke_token

__all__ = ["cmd_mcp", "cmd_serve_api", "cmd_token"]


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
                          t("api.token_last_used", args.lang), t("api.token_state", args.lang)],
                         [[token.name, t(f"role.{token.role}", args.lang), token.created_by,
                           format_day(token.created_at.date(), args.lang),
                           "—" if token.last_used_at is None else format_day(token.last_used_at.date(), args.lang),
                           t("api.token_active", args.lang) if token.active else
                           t("api.token_revoked_on", args.lang, day=format_day(token.revoked_at.date(), args.lang))]
                          for token in tokens], left=(0, 1, 2, 3, 4, 5))
    return 0


def cmd_serve_api(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    """uvicorn serving kpis.api on --host:--port; with --workers N, N processes (a PostgreSQL store only)."""
    import uvicorn

    ready(args, store, catalog)
    if args.workers > 1 and not store.is_postgres:
        raise KpiError.keyed("api.workers_need_postgres", workers=args.workers)
    os.environ["KPIS_DB"] = store.target  # what each worker process opens (kpis.api.app.app_from_environment)
    if args.catalog:
        os.environ["KPIS_CATALOG"] = str(args.catalog)
    print(t("api.serving", args.lang, url=f"http://{args.host}:{args.port}"), flush=True)
    # no access log: a request line carries query strings, and nothing a client sends is ever written out
    uvicorn.run("kpis.api.app:app_from_environment", factory=True, host=args.host, port=args.port,
                workers=args.workers, log_level="warning", access_log=False, server_header=False)
    return 0


def cmd_mcp(args: argparse.Namespace, store: Store, catalog: Catalog) -> int:
    """The MCP server over stdio (stdout carries the protocol: nothing else is printed)."""
    from kpis.api.assistant import build_server, stdio_actor

    ready(args, store, catalog)
    actor = stdio_actor(store, os.environ.get("KPIS_API_TOKEN"))
    keep_open(keep_open_seconds())
    try:
        build_server(store, catalog, lambda: actor).run("stdio")
    finally:
        keep_open(0)  # close the shared connection before the interpreter exits
    return 0
