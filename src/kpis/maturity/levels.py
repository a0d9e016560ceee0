"""CoE maturity (SPEC section 6): gated and mean levels, gaps, weakest dimension, change.

Level rule (default, **gated**): a unit is at level L when every core dimension scores at least
L, i.e. level = floor(lowest score), clamped to 1..5. The mean-based level (floor of the mean) is
shown beside it, labelled. A missing core dimension leaves the gated level undetermined (None):
an unassessed dimension is no evidence of any level.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

__all__ = [
    "CORE_DIMENSIONS",
    "DIMENSIONS",
    "LEVEL_KEYS",
    "Assessment",
    "Maturity",
    "assess",
    "gated_level",
    "mean_level",
    "weakest_dimensions",
]

CORE_DIMENSIONS = ("strategy", "people", "process", "technology", "governance")
DIMENSIONS = (*CORE_DIMENSIONS, "data")  # data: optional sixth (Gartner and MITRE both have one)
LEVEL_KEYS = {1: "initial", 2: "developing", 3: "defined", 4: "managed", 5: "optimized"}
_EPSILON = 1e-9  # 2.9999999999 from a spreadsheet is 3.0


def _floor_level(value: float) -> int:
    return max(1, min(5, math.floor(value + _EPSILON)))


def gated_level(scores: dict[str, float], required: tuple[str, ...] = CORE_DIMENSIONS) -> int | None:
    """floor(lowest score) over every scored dimension; None if a required one is missing."""
    if not scores or any(d not in scores for d in required):
        return None
    return _floor_level(min(scores.values()))


def mean_level(scores: dict[str, float]) -> int | None:
    """floor(mean score) over the scored dimensions (shown beside the gated level, labelled)."""
    return _floor_level(sum(scores.values()) / len(scores)) if scores else None


def weakest_dimensions(scores: dict[str, float]) -> tuple[str, ...]:
    """Every dimension with the lowest score (ties are all weakest), in DIMENSIONS order."""
    if not scores:
        return ()
    low = min(scores.values())
    return tuple(d for d in DIMENSIONS if d in scores and abs(scores[d] - low) < _EPSILON)


@dataclass(frozen=True)
class Assessment:
    """One unit's scores (1.0-5.0) and target scores in one quarter."""

    unit: str
    year: int
    quarter: int
    scores: dict[str, float]
    targets: dict[str, float | None] = field(default_factory=dict)
    assessor: str | None = None
    evidence: dict[str, str | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Maturity:
    assessment: Assessment
    level: int | None
    mean_level: int | None
    mean_score: float | None
    gaps: dict[str, float | None]  # target - score (positive = still short of target)
    weakest: tuple[str, ...]
    missing: tuple[str, ...]
    previous: Assessment | None
    previous_level: int | None
    score_change: dict[str, float | None]

    @property
    def level_change(self) -> int | None:
        if self.level is None or self.previous_level is None:
            return None
        return self.level - self.previous_level

    @property
    def blocking_next_level(self) -> tuple[str, ...]:
        """Core dimensions scoring below the next level (what keeps the unit where it is)."""
        if self.level is None or self.level >= 5:
            return ()
        scores = self.assessment.scores
        return tuple(d for d in CORE_DIMENSIONS if d in scores and scores[d] + _EPSILON < self.level + 1)


def assess(assessment: Assessment, previous: Assessment | None = None) -> Maturity:
    """Levels, gaps, weakest dimension and change vs the previous assessment of the same unit."""
    scores = assessment.scores
    gaps = {d: (None if assessment.targets.get(d) is None else round(assessment.targets[d] - scores[d], 4))
            for d in scores}
    change = {d: (None if previous is None or d not in previous.scores else round(scores[d] - previous.scores[d], 4))
              for d in scores}
    return Maturity(
        assessment=assessment,
        level=gated_level(scores),
        mean_level=mean_level(scores),
        mean_score=sum(scores.values()) / len(scores) if scores else None,
        gaps=gaps,
        weakest=weakest_dimensions(scores),
        missing=tuple(d for d in CORE_DIMENSIONS if d not in scores),
        previous=previous,
        previous_level=None if previous is None else gated_level(previous.scores),
        score_change=change,
    )
