"""What every benchmark shares: the interleaved timer, the machine line and the big-store builder.

Sizes are multiples of the demo program (about 2,400 observations at organisation, 4 regions and
12 departments): the builder adds region x department observations for every catalog KPI over
24 months, so `regions x departments = 20 x scale` scopes (scale 1000 = 40 regions x 500
departments = 20,000 scopes, ~10 million observations; scale 10000 = 40 x 5,000, ~100 million, a 1.4 GB
file built in a few minutes: pass --keep DIR to build it once).
"""

from __future__ import annotations

import os
import platform
import statistics
import time
from collections.abc import Callable
from pathlib import Path

SHAPES = {1: (0, 0), 10: (4, 50), 100: (40, 50), 1000: (40, 500), 10000: (40, 5000)}  # scale -> (regions, departments)


def timed_together(functions: dict[str, Callable[[], object]], repeat: int,
                   warmup: bool = True) -> dict[str, tuple[float, object]]:
    """Median seconds and last result of each function, run interleaved (after one warm-up round
    unless `warmup` is False), so that machine noise falls on all of them alike."""
    times: dict[str, list[float]] = {name: [] for name in functions}
    results: dict[str, object] = {}
    for round_number in range(repeat + int(warmup)):
        for name, function in functions.items():
            started = time.perf_counter()
            results[name] = function()
            if round_number or not warmup:
                times[name].append(time.perf_counter() - started)
    return {name: (statistics.median(times[name]), results[name]) for name in functions}


def process_memory(pid: int | str = "self") -> tuple[float, float]:
    """(resident MiB now, peak resident MiB) of a process, from /proc/PID/status (Linux; OSError elsewhere or
    when the process is gone)."""
    found = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("VmRSS", "VmHWM"):
            found[key] = int(value.split()[0]) / 1024
    return found.get("VmRSS", float("nan")), found.get("VmHWM", float("nan"))


def memory() -> tuple[float, float]:
    """process_memory() of this process (NaN where there is no /proc)."""
    try:
        return process_memory()
    except OSError:
        return float("nan"), float("nan")


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    import duckdb

    return (f"{cpu}, {os.cpu_count()} cores, {memory:.0f} GiB RAM, Python {platform.python_version()}, "
            f"DuckDB {duckdb.__version__}")


def build_store(path: Path, scale: int) -> int:
    """A store with the demo program plus `scale`x its size in region x department observations
    (regions R000.., departments D0000.. registered as reference data). Returns the observation count."""
    from kpis.catalog import load_catalog
    from kpis.setup import initialise
    from kpis.store import Store, utc_now

    regions, departments = SHAPES[scale]
    catalog = load_catalog()
    store = Store(path)
    initialise(store, catalog, demo=True)
    with store.write_session() as session:
        if regions:
            now = utc_now()
            session.con.execute(
                "INSERT INTO regions (name, language, currency, date_format, regulators, ai_rules, residency, "
                "residency_required, validation, validation_required, updated_by, updated_at) "
                "SELECT 'R' || lpad(range::VARCHAR, 3, '0'), 'Spanish', 'MXN', 'DD/MM/YYYY', 'CNBV', '-', '-', "
                "false, '-', false, 'bench', ? FROM range(?)", [now, regions])
            session.con.execute("INSERT INTO departments SELECT 'D' || lpad(range::VARCHAR, 4, '0'), NULL, 'bench', ? "
                                "FROM range(?)", [now, departments])
            session.con.execute(
                """
                INSERT INTO observations (kpi_id, period, region, department, value, source, loaded_at)
                SELECT k.kpi_id,
                       last_day(DATE '2025-01-01' + to_months(m.range::INTEGER)) AS period,
                       'R' || lpad(r.range::VARCHAR, 3, '0'),
                       'D' || lpad(d.range::VARCHAR, 4, '0'),
                       (hash(k.kpi_id, m.range, r.range, d.range) % 100000) / 100.0,
                       'bench', now()
                FROM (SELECT unnest(?::VARCHAR[]) AS kpi_id) AS k, range(24) AS m, range(?) AS r, range(?) AS d
                ORDER BY period
                """,
                [list(catalog.ids), regions, departments],
            )
            session.refresh_rollup()  # as every write through the library does
        return int(session.scalar("SELECT count(*) FROM observations"))


def store_for(scale: int, keep_dir: Path | None, workdir: Path) -> Path:
    """The store for `scale` (built once; reused from `keep_dir` when given)."""
    folder = keep_dir or workdir
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"bench-{scale}x.duckdb"
    if not path.exists():
        started = time.perf_counter()
        count = build_store(path, scale)
        print(f"built the {scale}x store: {count:,} observations in {time.perf_counter() - started:.1f} s")
    return path
