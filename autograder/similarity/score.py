"""A pair of submissions matched in detail: which code runs match, in which functions, and the pair's score.

The fingerprints two submissions share are placed back in each one's functions and merged into runs of tokens
(copydetect's get_copied_slices). A shared fingerprint counts only when it lies in a run of at least
Settings.min_run tokens in both submissions: a long stretch of the same code is evidence, scattered idioms are not.
The score is the weight of what counts over the smaller of the two masses (at least the index's floor), at most
1; each side's share is the same weight over its own mass. The function pairs list where the weight lies, so a
function moved to another file or renamed still shows up as the pair it forms.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass

import numpy as np
from copydetect.utils import get_copied_slices

from autograder.similarity.fingerprint import SubmissionPrint
from autograder.similarity.index import Index
from autograder.similarity.settings import Settings

SHOWN_SHARE = 0.05  # a function pair is listed when it holds at least this share of the pair's matched weight


@dataclass(frozen=True)
class Run:
    """Tokens start:end of function FUNC that match the other side; GROUP pairs it with its counterpart's runs."""

    func: int
    start: int
    end: int
    group: int


@dataclass(frozen=True)
class FunctionPair:
    """A function of each side (their labels, file:name) and the matched weight they hold."""

    a: str
    b: str
    weight: float


@dataclass
class PairMatch:
    a: SubmissionPrint
    b: SubmissionPrint
    score: float
    share_a: float
    share_b: float
    weight: float
    functions: list[FunctionPair]
    runs_a: list[Run]
    runs_b: list[Run]


def _long_runs(side: SubmissionPrint, shared: np.ndarray, settings: Settings) -> tuple[list[Run], np.ndarray]:
    """SIDE's runs of SHARED fingerprints spanning at least min_run tokens, and the mask of its fingerprints in them."""
    hit = np.isin(side.hashes, shared)
    inside = np.zeros(len(side.hashes), dtype=bool)
    runs = []
    for func in np.unique(side.func[hit]).tolist():
        mine = hit & (side.func == func)
        starts, ends = get_copied_slices(side.pos[mine], settings.k)
        for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
            if end - start >= settings.min_run:
                runs.append(Run(func, int(start), int(end), -1))
                inside |= mine & (side.pos >= start) & (side.pos < end)
    return runs, inside


def match(a: SubmissionPrint, b: SubmissionPrint, index: Index, settings: Settings) -> PairMatch:
    shared = np.intersect1d(a.distinct, b.distinct)  # common code too: it joins the runs around it
    runs_a, in_a = _long_runs(a, shared, settings)
    runs_b, in_b = _long_runs(b, shared, settings)
    counted = np.intersect1d(a.hashes[in_a], b.hashes[in_b])
    weights = index.weight_of(counted)
    total = float(weights.sum())
    denominator = index.denominator(_mass(index, a), _mass(index, b))
    return PairMatch(a, b, min(1.0, total / denominator), _share(total, _mass(index, a)),
                     _share(total, _mass(index, b)), total,
                     _function_pairs(a, b, counted, weights, in_a, in_b, total),
                     *_grouped(a, b, runs_a, runs_b, counted))


def _mass(index: Index, side: SubmissionPrint) -> float:
    return float(index.weight_of(side.distinct).sum())


def _share(weight: float, mass: float) -> float:
    return min(1.0, weight / mass) if mass > 0 else 0.0


def _function_pairs(a: SubmissionPrint, b: SubmissionPrint, counted: np.ndarray, weights: np.ndarray,
                    in_a: np.ndarray, in_b: np.ndarray, total: float) -> list[FunctionPair]:
    """Where the counted weight lies: each counted fingerprint's weight split over the function pairs holding it."""
    funcs_a, funcs_b = _functions_of(a, counted, in_a), _functions_of(b, counted, in_b)
    held: dict[tuple[int, int], float] = defaultdict(float)
    for h, w in zip(counted.tolist(), weights.tolist(), strict=True):
        fa, fb = funcs_a[h], funcs_b[h]
        for x in fa:
            for y in fb:
                held[(x, y)] += w / (len(fa) * len(fb))
    pairs = [FunctionPair(a.functions[x].label, b.functions[y].label, round(w, 6))
             for (x, y), w in held.items() if total > 0 and w >= SHOWN_SHARE * total]
    return sorted(pairs, key=lambda p: (-p.weight, p.a, p.b))


def _functions_of(side: SubmissionPrint, counted: np.ndarray, inside: np.ndarray) -> dict[int, list[int]]:
    found: dict[int, set[int]] = defaultdict(set)
    mask = inside & np.isin(side.hashes, counted)
    for h, f in zip(side.hashes[mask].tolist(), side.func[mask].tolist(), strict=True):
        found[h].add(f)
    return {h: sorted(fs) for h, fs in found.items()}


def _grouped(a: SubmissionPrint, b: SubmissionPrint, runs_a: list[Run], runs_b: list[Run],
             counted_hashes: np.ndarray) -> tuple[list[Run], list[Run]]:
    """The runs holding counted fingerprints, numbered on A's side; each run of B takes the number of the run of A
    it shares most fingerprints with."""
    counted = set(counted_hashes.tolist())
    group_of: dict[int, int] = {}
    kept_a = []
    for run in runs_a:
        hashes = _hashes_in(a, run, counted)
        if hashes:
            group = len(kept_a)
            kept_a.append(Run(run.func, run.start, run.end, group))
            for h in hashes:
                group_of.setdefault(h, group)
    kept_b = []
    for run in runs_b:
        votes = Counter(group_of[h] for h in _hashes_in(b, run, counted) if h in group_of)
        if votes:
            kept_b.append(Run(run.func, run.start, run.end, min(votes, key=lambda g: (-votes[g], g))))
    return kept_a, kept_b


def _hashes_in(side: SubmissionPrint, run: Run, counted: set[int]) -> list[int]:
    mask = (side.func == run.func) & (side.pos >= run.start) & (side.pos < run.end)
    return [h for h in side.hashes[mask].tolist() if h in counted]
