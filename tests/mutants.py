"""Mutation testing of the hidden tests: copy the reference package, change one line the way real students get it
wrong, grade the copy, and see which tests lose points."""

from __future__ import annotations

import shutil
from dataclasses import dataclass, field
from pathlib import Path

from tests.helpers import edit_once, graded_tests, reference_copy


@dataclass(frozen=True)
class Mutant:
    """Replace OLD (which must occur exactly once) by NEW in cs231n/FILE; the tests in LOSERS must lose points,
    and no test outside LOSERS | COLLATERAL may lose any."""

    name: str
    file: str
    old: str
    new: str
    losers: frozenset[str]
    collateral: frozenset[str] = field(default_factory=frozenset)


def make(mutant: Mutant, dest: Path) -> Path:
    """A submission folder at DEST holding the reference package with MUTANT applied."""
    if dest.exists():
        shutil.rmtree(dest)
    edit_once(reference_copy(dest) / "cs231n" / mutant.file, mutant.old, mutant.new, f"mutant {mutant.name}: ")
    return dest


def fractions(folder: Path, tests: list[str], scratch: Path, data: Path | None = None) -> dict[str, float]:
    """Grade FOLDER on TESTS; {test name: fraction of its points}."""
    results = graded_tests(folder, scratch, tests, data).values()
    return {t.name: (t.score / t.max_score if t.max_score else float(t.status == "passed")) for t in results}


def check(mutant: Mutant, tmp: Path, tests: list[str], data: Path | None = None) -> None:
    """Assert that MUTANT costs points in exactly its own tests (plus allowed collateral)."""
    got = fractions(make(mutant, tmp / "sub"), tests, tmp / "scratch", data)
    lost = {name for name, f in got.items() if f < 1.0}
    missing = mutant.losers - lost
    extra = lost - mutant.losers - mutant.collateral
    assert not missing, f"{mutant.name}: these tests did not catch it: {sorted(missing)}"
    assert not extra, f"{mutant.name}: these unrelated tests lost points: {sorted(extra)}"
