"""The similarity measure's parameters, in one place. The values are calibrated: `bin/bench` (benchmarks/similarity.py)
measures the scores of independent solutions and of disguised copies with them, and README reports the result."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Settings:
    """k: tokens per k-gram (a fingerprint covers about one statement); window: winnowing window (any match of
    k + window - 1 tokens or more is sure to share a fingerprint); common_share, common_min: a fingerprint found in
    common_min documents or in common_share of them, whichever is more, is what everyone writes (weight 0);
    min_run: a match counts only where it runs over at least this many tokens on both sides; mass_floor: the
    least weight a submission is taken to have, as a share of the class's median (a nearly empty submission does
    not score 1 on a few lines);
    threshold: the score from which a pair is reported."""

    k: int = 10
    window: int = 5
    common_share: float = 0.05
    common_min: int = 8
    min_run: int = 20
    mass_floor: float = 0.25
    threshold: float = 0.5
