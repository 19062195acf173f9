"""OUT/similarity.csv: one row per pair at or above the threshold, best first. The same input gives the same file
(fixed order, fixed number formats, no times or paths in it).

Columns: student_a, student_b (empty when the match is a known solution), known_solution (the --against
solution's folder name), score, share_a, share_b (the matched share of each side's own code), matched_functions
(`file:function` of A `=` that of B, `;`-separated, heaviest first), view (the pair's side-by-side page).
"""

from __future__ import annotations

import csv
import io
from pathlib import Path
from typing import TYPE_CHECKING

from autograder.results import write_atomic
from autograder.similarity.outputs import CSV, pair_page

if TYPE_CHECKING:  # not at run time: the class report reads the CSV without the scoring's dependencies
    from autograder.similarity.score import PairMatch

COLUMNS = ("student_a", "student_b", "known_solution", "score", "share_a", "share_b", "matched_functions", "view")


def matched_functions(pair: PairMatch) -> str:
    return "; ".join(f.a if f.a == f.b else f"{f.a}={f.b}" for f in pair.functions)


def row(rank: int, pair: PairMatch) -> dict[str, str]:
    return {"student_a": pair.a.id, "student_b": "" if pair.b.known else pair.b.id,
            "known_solution": pair.b.id if pair.b.known else "", "score": f"{pair.score:.3f}",
            "share_a": f"{pair.share_a:.3f}", "share_b": f"{pair.share_b:.3f}",
            "matched_functions": matched_functions(pair), "view": pair_page(rank)}


def text(pairs: list[PairMatch]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=COLUMNS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(row(rank, pair) for rank, pair in enumerate(pairs, 1))
    return buffer.getvalue()


def write(out: Path, pairs: list[PairMatch]) -> Path:
    path = out / CSV
    write_atomic(path, text(pairs))
    return path


def read(out: Path) -> list[dict[str, str]] | None:
    """The rows of OUT/similarity.csv; None when there is none."""
    path = out / CSV
    if not path.is_file():
        return None
    with path.open(newline="") as handle:
        return list(csv.DictReader(handle))
