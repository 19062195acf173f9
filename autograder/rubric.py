"""The rubric: points per test and partial-credit settings, read from a TOML file (default: rubric.toml here).

Loading validates the file against the registered tests: every graded test must have points and every name in
[points] must be a registered test (a typo or a renamed test is an error naming it, not a silent 0/0), and the
[partial] keys must be the known ones, within their bounds."""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

from autograder.framework import MAX_SHAPE_SHARE, TEST_INFO, TESTS, PartialCredit

DEFAULT = Path(__file__).with_name("rubric.toml")
# The [partial] settings the tests read (framework.PartialCredit's fields), with their allowed ranges.
PARTIAL_BOUNDS = {
    "backward_matches_wrong_forward": (0.0, 1.0),
    "shape_only": (0.0, MAX_SHAPE_SHARE),
}


class RubricError(ValueError):
    """A rubric file that cannot be used."""


@dataclass(frozen=True)
class LatePolicy:
    """A share of the score lost per started day after the deadline (plus grace), capped at MAX_PENALTY."""

    deadline: datetime | None = None
    grace_minutes: float = 0.0
    penalty_per_day: float = 0.0
    max_penalty: float = 1.0

    def days_late(self, submitted: datetime | None) -> int:
        if self.deadline is None or submitted is None:
            return 0
        late = submitted - self.deadline - timedelta(minutes=self.grace_minutes)
        return max(0, math.ceil(late.total_seconds() / 86400))

    def penalty(self, score: float, submitted: datetime | None) -> tuple[int, float]:
        """(days late, points deducted from SCORE)."""
        days = self.days_late(submitted)
        return days, round(score * min(self.max_penalty, self.penalty_per_day * days), 4)


def parse_time(text: str) -> datetime:
    """An ISO 8601 time, or nbgrader's timestamp.txt format ('2026-02-10 23:59:00.123456 UTC'); naive means UTC."""
    text = text.strip().removesuffix(" UTC").replace(" ", "T", 1)
    when = datetime.fromisoformat(text)
    return when if when.tzinfo else when.replace(tzinfo=UTC)


DEFAULT_BUDGET_SECONDS = 600.0


@dataclass(frozen=True)
class Rubric:
    points: dict[str, float]
    partial: PartialCredit
    late: LatePolicy = field(default_factory=LatePolicy)
    budget_seconds: float = DEFAULT_BUDGET_SECONDS  # wall-clock time one submission may take in all

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


def registered() -> set[str]:
    """The names of the graded (hidden) tests registered in this process."""
    import autograder.hidden  # noqa: F401 - registers them

    return {name for name in TESTS if TEST_INFO[name].suite == "hidden"}


def load(path: Path | None = None, known: set[str] | None = None) -> Rubric:
    """Read the rubric at PATH and validate it against KNOWN (default: the registered graded tests): every test must
    have points and no others; the [partial] keys must be known and within bounds."""
    path = Path(path or DEFAULT)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RubricError(f"rubric {path}: {exc}") from None
    points = data.get("points", {})
    bad = [k for k, v in points.items() if not isinstance(v, int | float) or isinstance(v, bool) or v < 0]
    if bad:
        raise RubricError(f"rubric {path}: points must be numbers >= 0 ({', '.join(bad)})")
    known = registered() if known is None else known
    missing, unknown = sorted(known - points.keys()), sorted(points.keys() - known)
    if missing or unknown:
        said = ([f"no points for the registered test(s) {', '.join(missing)}"] if missing else []) + \
            ([f"unknown test(s) {', '.join(unknown)} (no registered test has that name)"] if unknown else [])
        raise RubricError(f"rubric {path}: {'; '.join(said)}")
    partial = _partial(path, data.get("partial", {}))
    late = data.get("late", {})
    try:
        policy = LatePolicy(
            deadline=parse_time(str(late["deadline"])) if late.get("deadline") else None,
            grace_minutes=float(late.get("grace_minutes", 0)),
            penalty_per_day=float(late.get("penalty_per_day", 0)),
            max_penalty=float(late.get("max_penalty", 1)),
        )
    except (TypeError, ValueError) as exc:
        raise RubricError(f"rubric {path}: [late] {exc}") from None
    budget = data.get("limits", {}).get("submission_seconds", DEFAULT_BUDGET_SECONDS)
    if not isinstance(budget, int | float) or isinstance(budget, bool) or not budget > 0:
        raise RubricError(f"rubric {path}: [limits] submission_seconds must be a number of seconds > 0")
    return Rubric({k: float(v) for k, v in points.items()}, partial, policy, float(budget))


def _partial(path: Path, table: dict) -> PartialCredit:
    """The [partial] table, every known key present, numeric and within its bounds."""
    unknown = sorted(set(table) - set(PARTIAL_BOUNDS))
    missing = sorted(set(PARTIAL_BOUNDS) - set(table))
    if unknown or missing:
        raise RubricError(f"rubric {path}: [partial] " + "; ".join(
            ([f"unknown key(s) {', '.join(unknown)}"] if unknown else []) +
            ([f"missing key(s) {', '.join(missing)}"] if missing else [])) +
            f" (the keys are {', '.join(PARTIAL_BOUNDS)})")
    partial = {}
    for key, (low, high) in PARTIAL_BOUNDS.items():
        value = table[key]
        if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
            raise RubricError(f"rubric {path}: [partial] {key} must be a number from {low:g} to {high:g}, not "
                              f"{value!r}")
        partial[key] = float(value)
    return PartialCredit(**partial)
