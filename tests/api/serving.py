"""`python -m kpis serve-api` as a real process on a free loopback port (a test's server)."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from tests.mail import free_port
from tests.processes import wait_until_up


@dataclass
class Server:
    url: str
    process: subprocess.Popen
    output: list[str]


@contextmanager
def serving(db: str, *args: str, env: dict[str, str] | None = None) -> Iterator[Server]:
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "kpis", "--db", db, "serve-api", "--port", str(port), *args],
                               env={**os.environ, **(env or {})}, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    server = Server(f"http://127.0.0.1:{port}", process, [])
    try:
        wait_until_up(process, server.url + "/v1/health", 60, "serve-api")
        yield server
    finally:
        process.terminate()
        try:
            out, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        server.output.append(out)
