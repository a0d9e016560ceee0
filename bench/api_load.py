"""Benchmark: the HTTP API under load (locust, headless, loopback only), on the demo and at 1000x.

Each simulated client (a pipeline or a dashboard of another product) loops without pause over: read the
quarter's report (GET /v1/report, a quarter and a scope drawn at random, so most requests miss any cache)
four times, then write one actual (POST /v1/observations, one row). Printed per configuration: requests per
second, median and 95th percentile latency in ms, and errors, for the reads and the writes separately.

Configurations: the DuckDB file with one API process (a DuckDB file has one writing process), and PostgreSQL
with 1 and 2 API processes (`serve-api --workers N`; the server started here from Debian's binaries, the
store copied with `copy-store`). Every figure comes from one run of this script; configurations run one after
another on the same machine (2 cores: locust itself takes a share of one).

What is timed: the whole HTTP round trip seen by locust's client on 127.0.0.1 (token check, the report built
from the store, JSON). Left out: TLS and a reverse proxy; network latency; the first request of each process
(a warm-up round runs before timing).

Usage: python bench/api_load.py [--quick] [--scales 1,1000] [--users 4] [--seconds 20] [--keep DIR]
(--quick: the demo only, 2 users, 4 s per configuration; the CI size). Run with PYTHONDONTWRITEBYTECODE unset.
"""

from __future__ import annotations

import argparse
import csv
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
from common import machine, store_for

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

LOCUSTFILE = '''
import os, random
from locust import HttpUser, task, constant

QUARTERS = [(2025, q) for q in range(1, 5)] + [(2026, q) for q in range(1, 5)]
REGIONS = os.environ["BENCH_REGIONS"].split(",")


class Client(HttpUser):
    wait_time = constant(0)

    def on_start(self):
        self.client.headers["Authorization"] = "Bearer " + os.environ["BENCH_TOKEN"]

    @task(4)
    def report(self):
        year, quarter = random.choice(QUARTERS)
        params = {"year": year, "quarter": quarter}
        region = random.choice(REGIONS + [""])
        if region:
            params["region"] = region
        self.client.get("/v1/report", params=params, name="GET /v1/report")

    @task(1)
    def write(self):
        row = {"kpi_id": "new_users", "period": "2026-11-30", "value": random.randint(1000, 5000),
               "region": random.choice(REGIONS)}
        self.client.post("/v1/observations", json={"rows": [row]}, name="POST /v1/observations")
'''


def kpis(*args: str, db: str) -> str:
    done = subprocess.run([sys.executable, "-m", "kpis", "--db", db, *args], capture_output=True, text=True,
                          check=True)
    return done.stdout


def serve(db: str, workers: int, port: int) -> subprocess.Popen:
    from tests.processes import wait_until_up

    process = subprocess.Popen([sys.executable, "-m", "kpis", "--db", db, "serve-api", "--port", str(port),
                                "--workers", str(workers)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
                               text=True)
    wait_until_up(process, f"http://127.0.0.1:{port}/v1/health", 120, "serve-api")
    return process


def load(url: str, token: str, regions: list[str], users: int, seconds: float, workdir: Path) -> dict:
    locustfile = workdir / "locustfile.py"
    locustfile.write_text(LOCUSTFILE)
    prefix = workdir / f"stats-{time.monotonic_ns()}"
    env = {**os.environ, "BENCH_TOKEN": token, "BENCH_REGIONS": ",".join(regions)}
    # warm-up: each API process answers its first requests (imports, caches) before timing
    for _ in range(6):
        httpx.get(url + "/v1/report", headers={"Authorization": f"Bearer {token}"}, timeout=120)
    subprocess.run([sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", str(users), "-r",
                    str(users), "-t", f"{seconds:g}s", "--host", url, "--csv", str(prefix), "--only-summary",
                    "--loglevel", "ERROR"], env=env, check=False, capture_output=True, cwd=workdir,
                   timeout=seconds + 120)
    rows = {}
    with open(f"{prefix}_stats.csv", newline="") as handle:
        for row in csv.DictReader(handle):
            rows[row["Name"]] = row
    return rows


def line(name: str, row: dict) -> str:
    return (f"  {name:<26} {float(row['Requests/s']):7.1f} req/s   p50 {float(row['50%']):6.0f} ms   "
            f"p95 {float(row['95%']):6.0f} ms   errors {int(row['Failure Count'])} of {int(row['Request Count'])}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="the demo only, 2 users, 4 s per configuration")
    parser.add_argument("--scales", default=None, help="comma-separated multiples of the demo (1, 1000)")
    parser.add_argument("--users", type=int, default=None, help="simulated clients (default 4; quick 2)")
    parser.add_argument("--seconds", type=float, default=None, help="per configuration (default 20; quick 4)")
    parser.add_argument("--keep", type=Path, default=None, help="build (or reuse) the DuckDB stores here")
    args = parser.parse_args()
    scales = [int(s) for s in (args.scales or ("1" if args.quick else "1,1000")).split(",")]
    users = args.users or (2 if args.quick else 4)
    seconds = args.seconds or (4.0 if args.quick else 20.0)

    from kpis.backup.copying import copy_store
    from kpis.catalog import load_catalog
    from kpis.store import Store, keep_open
    from tests.mail import free_port
    from tests.pgserver import PgServer, find_bindir

    print(f"machine: {machine()}")
    print(f"locust: {users} clients without pause, {seconds:g} s per configuration; 4 report reads per write")
    workdir = Path(tempfile.mkdtemp())
    server = PgServer().start() if find_bindir() is not None else None
    try:
        for scale in scales:
            source = store_for(scale, args.keep, workdir)
            configurations = []
            file_copy = workdir / f"api-{scale}x.duckdb"
            file_copy.write_bytes(source.read_bytes())  # the benchmark writes: never into a kept store
            configurations.append(("DuckDB file, 1 process", str(file_copy), 1))
            if server is not None:
                url = server.create_database("apibench")
                copy_store(Store(source), Store(url), load_catalog(), verify=False)
                keep_open(0)
                configurations += [("PostgreSQL, 1 process", url, 1), ("PostgreSQL, 2 processes", url, 2)]
            regions = ["Mexico", "Brazil", "Colombia", "USA"] + (["R000", "R001"] if scale > 1 else [])
            print(f"\n{scale}x the demo")
            errors = 0
            for name, db, workers in configurations:
                token = kpis("token", "create", "--name", f"bench-{workers}-{time.monotonic_ns()}", "--role",
                             "editor", db=db).strip().splitlines()[-1]
                port = free_port()
                process = serve(db, workers, port)
                try:
                    rows = load(f"http://127.0.0.1:{port}", token, regions, users, seconds, workdir)
                finally:
                    process.terminate()
                    try:
                        process.wait(timeout=30)
                    except subprocess.TimeoutExpired:  # a worker still answering a long request
                        process.kill()
                        process.wait()
                print(f" {name}:")
                errors += int(rows.get("Aggregated", {}).get("Failure Count", 0))
                for key in ("GET /v1/report", "POST /v1/observations", "Aggregated"):
                    if key in rows:
                        print(line("all requests" if key == "Aggregated" else key, rows[key]))
            print(f" budget: every request answered without an error: {'held' if errors == 0 else 'NOT HELD'}")
    finally:
        if server is not None:
            keep_open(0)
            server.stop()


if __name__ == "__main__":
    main()
