"""Fingerprints: winnowed hashes of k-grams of normalized tokens, the release's own code removed.

Each token is hashed with BLAKE2 (stable from run to run, unlike Python's salted `hash`), each k-gram by a rolling
polynomial over its tokens, and copydetect's implementation of robust winnowing (Schleimer, Wilkerson and Aiken,
SIGMOD 2003, the algorithm of MOSS) keeps the minimum of every window. Hashes are cut to 52 bits so that copydetect's
float buffer holds them exactly. The starter code of the release (every function of its package, TODO stubs
included) is fingerprinted the same way and every k-gram of it is removed from the submissions' fingerprints: code
that every student received is never evidence.
"""

from __future__ import annotations

import ast
import hashlib
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np
from copydetect.utils import winnow

from autograder.similarity.extract import FunctionCode, SubmissionCode, functions
from autograder.similarity.settings import Settings
from autograder.similarity.tokens import Normalizer, Tokens

_MASK = np.uint64((1 << 52) - 1)
_BASE = np.uint64(0x100000001B3)


@lru_cache(maxsize=1 << 16)
def _token_id(token: str) -> int:
    return int.from_bytes(hashlib.blake2b(token.encode("utf-8", "replace"), digest_size=8).digest(), "little")


def kgram_hashes(tokens: Tokens, k: int) -> np.ndarray:
    """The hash of every k-gram of TOKENS (int64 below 2**52); empty when there are fewer than k tokens."""
    n = len(tokens) - k + 1
    if n <= 0:
        return np.zeros(0, dtype=np.int64)
    ids = np.fromiter((_token_id(t) for t in tokens.text), dtype=np.uint64, count=len(tokens))
    acc = np.zeros(n, dtype=np.uint64)
    with np.errstate(over="ignore"):
        for j in range(k):
            acc = acc * _BASE + ids[j : j + n]
        acc ^= acc >> np.uint64(29)
        acc *= np.uint64(0xBF58476D1CE4E5B9)
        acc ^= acc >> np.uint64(32)
    return (acc & _MASK).astype(np.int64)


@dataclass(frozen=True)
class Baseline:
    """What the release gives every student: the names of its modules' functions and classes and its attribute
    names (kept by the normalizer; methods are attributes), and the hashes of all k-grams of its code, whole
    functions and their TODO regions alike (removed from every submission's fingerprints)."""

    defined: frozenset[str]
    attributes: frozenset[str]
    boilerplate: np.ndarray

    @classmethod
    def of(cls, package: Path, settings: Settings) -> Baseline:
        defined: set[str] = set()
        attributes: set[str] = set()
        texts = {}
        for path in sorted(package.rglob("*.py")):
            rel = path.relative_to(package).as_posix()
            texts[rel] = path.read_text(encoding="utf-8", errors="replace")
            tree = ast.parse(texts[rel])
            defined.update(n.name for n in tree.body if isinstance(n, ast.FunctionDef | ast.ClassDef))
            attributes.update(n.attr for n in ast.walk(tree) if isinstance(n, ast.Attribute))
        normalizer = Normalizer(frozenset(defined), frozenset(attributes))
        hashes = [kgram_hashes(normalizer.tokens(f.text), settings.k)
                  for rel, text in texts.items() for whole in (True, False) for f in functions(text, rel, whole=whole)]
        return cls(frozenset(defined), frozenset(attributes), np.unique(np.concatenate(hashes)))


@dataclass
class SubmissionPrint:
    """One submission's fingerprints: hashes[i] is the k-gram starting at token pos[i] of function func[i]."""

    id: str
    known: bool
    notes: list[str]
    functions: list[FunctionCode]
    tokens: list[Tokens]
    hashes: np.ndarray
    func: np.ndarray
    pos: np.ndarray
    distinct: np.ndarray = field(init=False)

    def __post_init__(self) -> None:
        self.distinct = np.unique(self.hashes)


def fingerprint(code: SubmissionCode, baseline: Baseline, settings: Settings) -> SubmissionPrint:
    normalizer = _normalizer(baseline.defined, baseline.attributes)
    tokens = [normalizer.tokens(f.text) for f in code.functions]
    hashes, func, pos = [np.zeros(0, dtype=np.int64)], [np.zeros(0, dtype=np.int32)], [np.zeros(0, dtype=np.int32)]
    for index, toks in enumerate(tokens):
        if len(toks) < settings.min_run:  # too short to ever count (score.py)
            continue
        selected, where = winnow(kgram_hashes(toks, settings.k), settings.window, remove_duplicates=False)
        hashes.append(selected.astype(np.int64))
        pos.append(np.asarray(where, dtype=np.int32))
        func.append(np.full(len(selected), index, dtype=np.int32))
    all_hashes = np.concatenate(hashes)
    keep = ~np.isin(all_hashes, baseline.boilerplate)
    return SubmissionPrint(code.id, code.known, code.notes, code.functions, tokens, all_hashes[keep],
                           np.concatenate(func)[keep], np.concatenate(pos)[keep])


@lru_cache(maxsize=4)
def _normalizer(defined: frozenset[str], attributes: frozenset[str]) -> Normalizer:
    return Normalizer(defined, attributes)
