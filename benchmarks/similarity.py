"""The similarity part of `bin/bench`: how fast `autograder similarity` is on a course, and how its scores separate
independent solutions from disguised copies (the calibration of Settings.threshold).

The corpus is made by program (tests/similarity_corpus): independent solutions (the reference's or other
structures per function, each student with habits of their own), copies of a classmate or of a known solution
with one disguise or all of them (renamed, reformatted, comments changed, functions reordered and moved to
another file, statements swapped), and partial copies (layers.py and optim.py copied, the rest written
independently). Every pair's truth is known, so the false positive and false negative rates are counted.
"""

from __future__ import annotations

import csv
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from autograder.similarity import command
from autograder.similarity.settings import Settings
from autograder.submission import discover
from benchmarks.measure import measured
from benchmarks.workload import PYTHON, ROOT
from tests.similarity_corpus import build
from tests.similarity_corpus.disguise import DISGUISES

FULL = {"students": 700, "known": 300, "copies": 70, "calibration": (150, 40, 60)}
QUICK = {"students": 60, "known": 20, "copies": 10, "calibration": (40, 10, 20)}
KINDS = [*((d,) for d in DISGUISES), tuple(DISGUISES), tuple(DISGUISES), "partial"]
PARTIAL_FILES = ("layers.py", "optim.py")
FLOOR = 0.1  # pairs whose score cannot reach this are counted, not matched in detail
BINS = np.linspace(0.0, 1.0, 11)


@dataclass
class Corpus:
    """Students in STUDENTS/, known solutions in KNOWN/; COPIES: {copier id: (source id, what was done)}, the
    source "known:NAME" for a known solution."""

    students: Path
    known: Path
    copies: dict[str, tuple[str, str]] = field(default_factory=dict)


def make_corpus(dest: Path, students: int, known: int, copies: int, seed: int = 0) -> Corpus:
    rng = random.Random(seed)
    corpus = Corpus(dest / "students", dest / "known")
    own = {f"s{i:04d}": build.independent(seed * 100_000 + i) for i in range(students - copies)}
    public = {f"k{i:04d}": build.independent(seed * 100_000 + 50_000 + i) for i in range(known)}
    for name, files in own.items():
        build.write(files, corpus.students / name)
    for name, files in public.items():
        build.write(files, corpus.known / name)
    for j in range(copies):
        pool = own if (j % 2 == 0 or not public) else public
        source = sorted(pool)[rng.randrange(len(pool))]
        kind = KINDS[j % len(KINDS)]
        if kind == "partial":
            files = {**build.independent(seed * 100_000 + 90_000 + j),
                     **{rel: pool[source][rel] for rel in PARTIAL_FILES}}
            what = "partial: " + ", ".join(PARTIAL_FILES)
        else:
            files = build.copy_of(pool[source], seed=j, which=kind)
            what = "all disguises" if len(kind) > 1 else kind[0]
        copier = f"c{j:04d}"
        build.write(files, corpus.students / copier)
        corpus.copies[copier] = (source if pool is own else f"known:{source}", what)
    return corpus


def _truth(corpus: Corpus, a: str, b: str) -> str | None:
    """What the pair (a, b) is when one copied the other, or both copied the same source (the kind of the copy
    made last); None when they are independent."""
    def family(x: str) -> str:
        return corpus.copies[x][0] if x in corpus.copies else x

    if family(a) != family(b):
        return None
    return corpus.copies[max(a, b)][1] if max(a, b) in corpus.copies else corpus.copies[min(a, b)][1]


def _histogram(scores: list[float], below_floor: int) -> list[int]:
    counts = np.histogram(np.clip(scores, 0, 1), bins=BINS)[0].tolist()
    counts[0] += below_floor
    return counts


def calibration(dest: Path, students: int, known: int, copies: int, settings: Settings) -> dict:
    """Every pair's score on a corpus (FLOOR and above matched in detail), by truth; error rates at the threshold."""
    corpus = make_corpus(dest, students, known, copies, seed=1)
    items = [(s, False) for s in discover(corpus.students)] + [(s, True) for s in discover(corpus.known)]
    prints = command.fingerprint_all(items, settings, workers=2)
    found = command.compare(prints, settings, at_least=FLOOR)
    ids = {p.id: ("known:" + p.id if p.known else p.id) for p in prints}
    independent, copy_scores = [], {}
    for pair in found.pairs:
        kind = _truth(corpus, ids[pair.a.id], ids[pair.b.id])
        if kind is None:
            independent.append(pair.score)
        else:
            copy_scores[(pair.a.id, pair.b.id)] = (pair.score, kind)
    n_students = sum(not p.known for p in prints)
    all_pairs = n_students * (n_students - 1) // 2 + n_students * (len(prints) - n_students)
    related = sum(_truth(corpus, ids[a.id], ids[b.id]) is not None
                  for i, a in enumerate(prints) for b in prints[i + 1:] if not (a.known and b.known))
    independent_pairs = all_pairs - related
    missed = related - len(copy_scores)  # below FLOOR
    by_kind: dict[str, list[float]] = {}
    for score, kind in copy_scores.values():
        by_kind.setdefault(kind, []).append(score)
    t = settings.threshold
    full = [s for k, v in by_kind.items() if not k.startswith("partial") for s in v]
    partial = [s for k, v in by_kind.items() if k.startswith("partial") for s in v]
    return {
        "students": n_students, "known": len(prints) - n_students, "copies": len(corpus.copies),
        "copy_pairs": related,
        "pairs": all_pairs, "threshold": t,
        "independent": {"pairs": independent_pairs, "max": round(max(independent, default=0.0), 3),
                        "quantiles": {q: round(float(np.quantile(independent + [0.0] * (independent_pairs
                                                                                       - len(independent)), q)), 3)
                                      for q in (0.5, 0.99, 0.999)},
                        "histogram": _histogram(independent, independent_pairs - len(independent)),
                        "at_or_above_threshold": sum(s >= t for s in independent)},
        "copies_by_kind": {k: {"n": len(v), "min": round(min(v), 3), "median": round(float(np.median(v)), 3)}
                           for k, v in sorted(by_kind.items())},
        "disguised_copies": {"n": len(full) + (missed if not partial else 0), "min": round(min(full, default=0), 3),
                             "histogram": _histogram(full, 0), "below_threshold": sum(s < t for s in full)},
        "partial_copies": {"n": len(partial), "min": round(min(partial, default=0), 3),
                           "below_threshold": sum(s < t for s in partial)},
        "missed_below_floor": missed,
        "false_positive_rate": sum(s >= t for s in independent) / max(independent_pairs, 1),
        "false_negative_rate": sum(s < t for s in full) / max(len(full), 1),
        "gap": [round(max(independent, default=0.0), 3), round(min(full, default=1.0), 3)],
    }


def speed(dest: Path, env: dict[str, str], students: int, known: int, copies: int) -> dict:
    """`autograder similarity` on a course of STUDENTS submissions (COPIES of them planted copies) and KNOWN
    solutions, measured from outside; the pairs it reports checked against the truth."""
    corpus = make_corpus(dest, students, known, copies, seed=2)
    out = dest / "out"
    cmd = [PYTHON, "-m", "autograder", "similarity", str(corpus.students), "-o", str(out), "--against",
           str(corpus.known), "--workers", "2"]
    m = measured(cmd, ROOT, env, f"similarity of {students} submissions and {known} known solutions").to_dict()
    with (out / "similarity.csv").open(newline="") as handle:
        rows = list(csv.DictReader(handle))
    reported = {(r["student_a"], r["student_b"] or "known:" + r["known_solution"]) for r in rows}
    planted = {(c, source) for c, (source, _) in corpus.copies.items()}
    related = {pair for pair in reported - planted if _truth(corpus, *pair) is not None}
    m.update(students=students, known=known, planted_copies=len(planted), reported_pairs=len(rows),
             planted_found=len(planted & reported), copies_of_one_source_reported=len(related),
             other_pairs_reported=len(reported - planted - related),
             lowest_planted_score=min((float(r["score"]) for r in rows if (r["student_a"], r["student_b"] or
                                       "known:" + r["known_solution"]) in planted), default=None))
    return m


def similarity_part(work: Path, env: dict[str, str], quick: bool) -> dict:
    preset = QUICK if quick else FULL
    settings = Settings()
    print("benchmarks: similarity calibration", flush=True)
    result = {"calibration": calibration(work / "calibration", *preset["calibration"], settings)}
    print("benchmarks: similarity speed", flush=True)
    result["speed"] = speed(work / "course", env, preset["students"], preset["known"], preset["copies"])
    return result


def targets(part: dict) -> list[dict]:
    s = part["speed"]
    return [{"target": f"similarity of {s['students']} submissions and {s['known']} known solutions, wall s <= 60",
             "measured": s["wall_s"], "limit": 60, "met": s["wall_s"] <= 60}]


def markdown(part: dict) -> str:
    from benchmarks.tables import table

    s, c = part["speed"], part["calibration"]
    speed = table(["autograder similarity", "wall s", "CPU s", "peak MiB (all processes)", "1-min load at start",
                   "others' CPU s", "planted copies reported", "two copies of one source",
                   "other pairs reported"],
                  [[f"{s['students']} submissions ({s['planted_copies']} planted copies) + {s['known']} known "
                    "solutions, --workers 2", s["wall_s"], s["cpu_s"], s["peak_total_rss_mib"], s["load1_start"],
                    s["others_cpu_s"], f"{s['planted_found']}/{s['planted_copies']}",
                    s["copies_of_one_source_reported"], s["other_pairs_reported"]]])
    bins = [f"{lo:.1f}-{lo + 0.1:.1f}" for lo in BINS[:-1]]
    ind, dis = c["independent"], c["disguised_copies"]
    histogram = table(["pairs (calibration corpus)", "n", *bins],
                      [["independent", ind["pairs"], *ind["histogram"]],
                       ["disguised copies", dis["n"], *dis["histogram"]]])
    kinds = table(["copies, by what was done", "pairs", "lowest score", "median score"],
                  [[k, v["n"], v["min"], v["median"]] for k, v in c["copies_by_kind"].items()])
    p = c["partial_copies"]
    summary = (f"Calibration corpus: {c['students']} submissions ({c['copies']} of them copies; {c['copy_pairs']} "
               f"copy pairs, rings included) and {c['known']} known solutions, {c['pairs']} pairs. Highest score of "
               f"an independent pair {ind['max']}, lowest of a disguised copy {dis['min']}; threshold "
               f"{c['threshold']}: false positive rate {c['false_positive_rate']:.4f} "
               f"({ind['at_or_above_threshold']} of {ind['pairs']} independent pairs), false negative rate "
               f"{c['false_negative_rate']:.4f} ({dis['below_threshold']} of {dis['n']} disguised copies); partial "
               f"copies ({', '.join(PARTIAL_FILES)} copied, the rest written independently): {p['below_threshold']}"
               f" of {p['n']} below the threshold, lowest {p['min']}.")
    return "\n\n".join([speed, summary, histogram, kinds])
