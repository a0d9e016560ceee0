"""`python -m kpis serve-api` as a real process on a free loopback port (a test's server)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx

from tests.mail import free_port


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
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(server.url + "/v1/health", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if process.poll() is not None or time.monotonic() > deadline:
                raise AssertionError(f"serve-api did not start: {process.communicate()[0]}")
            time.sleep(0.1)
        yield server
    finally:
        process.terminate()
        try:
            out, _ = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
            out, _ = process.communicate()
        server.output.append(out)
