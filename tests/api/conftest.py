"""The HTTP API in-process (FastAPI's TestClient, the real store) with one token per role."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from fastapi.testclient import TestClient

from kpis.api import create_app
from kpis.catalog import Catalog
from kpis.roles import Actor
from kpis.store import Store
from kpis.tokens import create_token

ADMIN = Actor("tester", "admin")


@dataclass
class Api:
    client: TestClient
    tokens: dict[str, str]
    store: Store

    def headers(self, role: str | None = "viewer", **extra: str) -> dict[str, str]:
        found = {} if role is None else {"Authorization": f"Bearer {self.tokens[role]}"}
        return {**found, **extra}

    def get(self, path: str, role: str | None = "viewer", **kw):
        return self.client.get(path, headers=self.headers(role, **kw.pop("headers", {})), **kw)

    def post(self, path: str, body: dict, role: str | None = "editor", **kw):
        return self.client.post(path, json=body, headers=self.headers(role, **kw.pop("headers", {})), **kw)

    def put(self, path: str, body: dict, role: str | None = "editor", **kw):
        return self.client.put(path, json=body, headers=self.headers(role, **kw.pop("headers", {})), **kw)


def make_tokens(store: Store) -> dict[str, str]:
    return {role: create_token(store, ADMIN, f"pipeline-{role}", role) for role in ("viewer", "editor", "admin")}


@pytest.fixture
def api(demo_store: Store, catalog: Catalog):
    tokens = make_tokens(demo_store)
    with TestClient(create_app(demo_store, catalog)) as client:
        yield Api(client, tokens, demo_store)
