"""The rubric: points per test and partial-credit settings, read from a TOML file (default: rubric.toml here)."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

DEFAULT = Path(__file__).with_name("rubric.toml")


class RubricError(ValueError):
    """A rubric file that cannot be used."""


@dataclass(frozen=True)
class Rubric:
    points: dict[str, float]
    partial: dict[str, float] = field(default_factory=dict)

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


def load(path: Path | None = None, known: set[str] | None = None) -> Rubric:
    """Read the rubric at PATH; with KNOWN (the registered tests), every test must have points and no others."""
    path = Path(path or DEFAULT)
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise RubricError(f"rubric {path}: {exc}") from None
    points = data.get("points", {})
    bad = [k for k, v in points.items() if not isinstance(v, int | float) or v < 0]
    if bad:
        raise RubricError(f"rubric {path}: points must be numbers >= 0 ({', '.join(bad)})")
    if known is not None:
        missing, unknown = known - points.keys(), points.keys() - known
        if missing or unknown:
            raise RubricError(f"rubric {path}: no points for {sorted(missing)}; unknown tests {sorted(unknown)}")
    partial = {k: float(v) for k, v in data.get("partial", {}).items()}
    return Rubric({k: float(v) for k, v in points.items()}, partial)
