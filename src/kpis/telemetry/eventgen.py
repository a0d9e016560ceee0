"""A realistic synthetic request log for 2026 (for demos, tests and the ingest benchmark).

Daily and weekly load cycles, growth through the year, regional latency differences, one incident
(Mexico, 10-12 March: errors and slow responses), more models serving as the year goes on.
Deterministic for a given seed.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

__all__ = ["REGIONS", "write_events"]

REGIONS = ("Mexico", "USA", "Colombia", "Brazil")
REGION_SHARE = np.array([0.45, 0.30, 0.15, 0.10])
MEDIAN_LATENCY = np.array([48.0, 40.0, 62.0, 75.0])  # ms, per region
START = np.datetime64("2026-01-01T00:00:00")
DAYS = 365
INCIDENT_DAYS = (68, 69, 70)  # 10-12 March 2026
HOUR_WEIGHT = np.array([0.2, 0.15, 0.12, 0.1, 0.1, 0.15, 0.3, 0.6, 0.9, 1.1, 1.25, 1.3,
                        1.1, 1.15, 1.25, 1.3, 1.2, 1.0, 0.8, 0.65, 0.55, 0.45, 0.35, 0.25])
CHUNK = 2_000_000


def _day_weights() -> np.ndarray:
    days = np.arange(DAYS)
    weekday = (days + 3) % 7  # 2026-01-01 is a Thursday (Mon = 0)
    weekly = np.where(weekday < 5, 1.0, np.where(weekday == 5, 0.6, 0.5))
    growth = 1 + 2 * days / DAYS
    weights = growth * weekly
    return weights / weights.sum()


def _dictionary(indices: np.ndarray, labels: list[str]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(indices.astype(np.int32)), pa.array(labels))


def _chunk(rng: np.random.Generator, size: int) -> pa.Table:
    day = rng.choice(DAYS, size, p=_day_weights())
    hour = rng.choice(24, size, p=HOUR_WEIGHT / HOUR_WEIGHT.sum())
    seconds = day.astype(np.int64) * 86400 + hour * 3600 + rng.integers(0, 3600, size)
    timestamp = START + seconds.astype("timedelta64[s]")
    region = rng.choice(len(REGIONS), size, p=REGION_SHARE)
    incident = np.isin(day, INCIDENT_DAYS) & (region == 0)
    latency = MEDIAN_LATENCY[region] * rng.lognormal(0.0, 0.35, size) * np.where(incident, 3.5, 1.0)
    error = rng.random(size) < np.where(incident, 0.06, 0.0004)
    models = (120 + 280 * day / DAYS).astype(np.int64)  # models serving grow through the year
    model = (rng.random(size) * models).astype(np.int64)
    cost = 0.06 * (1 - 0.33 * day / DAYS) * rng.lognormal(0.0, 0.25, size)
    return pa.table({
        "timestamp": pa.array(timestamp.astype("datetime64[us]")),
        "region": _dictionary(region, list(REGIONS)),
        "tenant": _dictionary(rng.integers(0, 40, size), [f"t{n:03d}" for n in range(40)]),
        "model_id": _dictionary(model, [f"m{n:04d}" for n in range(400)]),
        "latency_ms": pa.array(np.round(latency, 2)),
        "status": _dictionary(error.astype(np.int64), ["ok", "error"]),
        "cost_usd": pa.array(np.round(cost, 5)),
    })


def write_events(path: Path | str, events: int, seed: int = 2026) -> int:
    """Write `events` rows to a Parquet (or, for a .csv path, CSV) file; returns the row count."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(seed)
    if path.suffix.lower() == ".csv":
        table = _chunk(rng, events).to_pandas()
        table.sort_values("timestamp").to_csv(path, index=False, date_format="%Y-%m-%dT%H:%M:%S")
        return events
    written = 0
    with pq.ParquetWriter(path, _chunk(rng, 1).schema, compression="zstd") as writer:
        while written < events:
            size = min(CHUNK, events - written)
            writer.write_table(_chunk(rng, size), row_group_size=1_000_000)
            written += size
    return written

