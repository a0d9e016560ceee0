"""What changed since last quarter: status moves, biggest misses and biggest gains."""

from __future__ import annotations

from dataclasses import dataclass

from kpis.scorecard import Cell, Grid
from kpis.status import Status

__all__ = ["STATUS_RANK", "Changes", "Move", "what_changed"]

STATUS_RANK: dict[Status, int] = {"ahead": 3, "on_track": 2, "at_risk": 1, "off_track": 0}


@dataclass(frozen=True)
class Move:
    """One KPI compared with the quarter before."""

    cell: Cell
    previous: Cell | None

    @property
    def before(self) -> Status:
        return "no_data" if self.previous is None else self.previous.status

    @property
    def after(self) -> Status:
        return self.cell.status

    @property
    def direction(self) -> int:
        """+1 improved, -1 worsened, 0 same rank or not comparable (no data on either side)."""
        if self.before not in STATUS_RANK or self.after not in STATUS_RANK:
            return 0
        after, before = STATUS_RANK[self.after], STATUS_RANK[self.before]
        return (after > before) - (after < before)

    @property
    def attainment_delta(self) -> float | None:
        now = self.cell.attainment
        before = None if self.previous is None else self.previous.attainment
        return None if now is None or before is None else now - before


@dataclass(frozen=True)
class Changes:
    status_moves: tuple[Move, ...]
    biggest_misses: tuple[Move, ...]
    biggest_gains: tuple[Move, ...]


def what_changed(grid: Grid, cells: list[Cell], top: int = 3) -> Changes:
    """Moves between status bands (worsening first), the KPIs furthest below target, and the
    largest attainment improvements vs the previous quarter."""
    moves = [Move(cell, grid.previous(cell)) for cell in cells]
    status_moves = sorted(
        (m for m in moves if m.before != m.after),
        key=lambda m: (m.direction, m.cell.kpi.family),
    )
    misses = sorted(
        (m for m in moves if m.cell.status in ("at_risk", "off_track") and m.cell.attainment is not None),
        key=lambda m: m.cell.attainment,
    )
    gains = sorted(
        (m for m in moves if (m.attainment_delta or 0) > 0),
        key=lambda m: -(m.attainment_delta or 0),
    )
    return Changes(tuple(status_moves), tuple(misses[:top]), tuple(gains[:top]))
