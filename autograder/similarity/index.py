"""The index of every fingerprint of the class and the known solutions: how rare each one is, and for every pair of
submissions the weight of the fingerprints they share, found from the postings (no pass over pairs of texts).

A fingerprint's weight falls with the number of documents holding it (its document frequency, df): 1 for a
fingerprint at most two documents share, 0 for what everyone writes (df at or above `common`, the larger of
Settings.common_min and Settings.common_share of the documents), log-linear in between. A document's mass is the
weight of all its distinct fingerprints. A pair's shared weight over the smaller mass (at least the floor:
Settings.mass_floor of the students' median mass) bounds from above the score that score.py gives it, so the
pairs below the threshold here can be left out.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from autograder.similarity.fingerprint import SubmissionPrint
from autograder.similarity.settings import Settings


def rarity(df: np.ndarray, common: float) -> np.ndarray:
    """The weight of fingerprints found in DF documents."""
    df = np.asarray(df, dtype=float)
    if common <= 2:
        return (df <= 2).astype(float)
    weight = 1.0 - np.log(np.maximum(df, 2.0) / 2.0) / np.log(common / 2.0)
    return np.clip(weight, 0.0, 1.0)


@dataclass
class Index:
    """HASHES (sorted, distinct) with their document frequency DF and WEIGHT; MASS per document; SHARED[a, b]
    (a < b) the weight the documents a and b share."""

    hashes: np.ndarray
    df: np.ndarray
    weight: np.ndarray
    mass: np.ndarray
    shared: np.ndarray
    known: np.ndarray
    common: float
    mass_floor: float

    def weight_of(self, hashes: np.ndarray) -> np.ndarray:
        """The weight of each of HASHES (all of them indexed)."""
        return self.weight[np.searchsorted(self.hashes, hashes)]

    @property
    def floor(self) -> float:
        """The least mass a document is taken to have: Settings.mass_floor of the students' median mass."""
        students = self.mass[~self.known & (self.mass > 0)]
        return self.mass_floor * float(np.median(students)) if len(students) else 0.0

    def denominator(self, mass_a: float, mass_b: float) -> float:
        """What a pair's matched weight is divided by: the smaller mass, at least the floor (never 0)."""
        return max(min(mass_a, mass_b), self.floor, 1e-12)

    def bound(self) -> np.ndarray:
        """The upper bound of every pair's score (a < b; 0 for two known solutions and below the diagonal)."""
        denominator = np.maximum(np.minimum.outer(self.mass, self.mass), max(self.floor, 1e-12))
        bound = np.triu(self.shared / denominator, k=1)
        bound[np.ix_(self.known, self.known)] = 0.0
        return bound

    def candidates(self, at_least: float) -> list[tuple[int, int]]:
        """The pairs (a, b), a < b, whose score may reach AT_LEAST, in document order."""
        a, b = np.nonzero(self.bound() >= max(at_least, 1e-12))
        return list(zip(a.tolist(), b.tolist(), strict=True))


def build(prints: list[SubmissionPrint], settings: Settings) -> Index:
    n = len(prints)
    known = np.array([p.known for p in prints], dtype=bool)
    docs = np.concatenate([np.full(len(p.distinct), i, dtype=np.int64) for i, p in enumerate(prints)] or [[]])
    hashes = np.concatenate([p.distinct for p in prints] or [[]]).astype(np.int64)
    order = np.lexsort((docs, hashes))
    hashes, docs = hashes[order], docs.astype(np.int64)[order]
    distinct, first, df = np.unique(hashes, return_index=True, return_counts=True)
    common = max(float(settings.common_min), settings.common_share * n)
    weight = rarity(df, common)
    mass = np.bincount(docs, weights=np.repeat(weight, df), minlength=n)
    shared = np.zeros(n * n)
    for size in np.unique(df[(df >= 2) & (weight > 0)]):
        groups = np.flatnonzero((df == size) & (weight > 0))
        members = docs[first[groups][:, None] + np.arange(size)]
        left, right = np.triu_indices(size, 1)
        pair_keys = (members[:, left] * n + members[:, right]).ravel()
        shared += np.bincount(pair_keys, weights=np.repeat(weight[groups], len(left)), minlength=n * n)
    return Index(distinct, df, weight, mass, shared.reshape(n, n), known, common, settings.mass_floor)
