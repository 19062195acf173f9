"""Grading a class: cost per submission as the class grows, throughput per worker count, and the class-level
steps (submission discovery, gradebook writes, grades.csv and the report) timed on their own at each size.

Every run grades a synthetic class (workload.synthetic_class) with `autograder grade --no-data`. The class-level
steps are then timed here, in this process, by calling the functions the CLI calls on the results the run wrote;
the gradebook's among them (what --gradebook adds to a run, serially, after the grading), so that the worker
comparison measures the grading itself.
"""

from __future__ import annotations

import itertools
import math
import os
import time
from collections.abc import Callable
from pathlib import Path

from autograder import gradebook, report, results, rubric
from autograder.submission import discover
from benchmarks.measure import measured
from benchmarks.workload import ROOT, grade_command, synthetic_class

COURSE_ID, ASSIGNMENT = "cs231n", "assignment2"
MEASURABLE = 0.005
REPEATS = 5  # timings of the repeatable steps: the least counts (a shared machine only ever adds time)


def _timed(action: Callable[[], object], repeats: int = 1) -> float:
    """The least of `repeats` timings of ACTION (seconds)."""
    best = math.inf
    for _ in range(repeats):
        start = time.perf_counter()
        action()
        best = min(best, time.perf_counter() - start)
    return round(best, 4)


def steps(submitted: Path, out: Path, db_url: str) -> dict[str, float]:
    """Seconds of each class-level step of `autograder grade` for the class in SUBMITTED graded into OUT, the
    gradebook's in a new gradebook at DB_URL: made first (nbgrader's schema, the companion assignment), then
    written with every student, then rewritten (what each later run with --gradebook does)."""
    subs = discover(submitted)
    graded = results.read_all(out)
    points = rubric.load().points

    def write(which: list) -> Callable[[], object]:
        return lambda: gradebook.write_results(db_url, COURSE_ID, ASSIGNMENT, points, which)

    return {
        "discovery": _timed(lambda: discover(submitted), REPEATS),
        "skip_check": _timed(lambda: [results.read_student(out / s.folder) for s in subs], REPEATS),
        "read_results": _timed(lambda: results.read_all(out), REPEATS),
        "gradebook_creation": _timed(write([])),
        "gradebook_first_write": _timed(write(graded)),
        "gradebook_rewrite": _timed(write(graded), 2),
        "gradebook_manual_points": _timed(lambda: gradebook.manual_points(db_url, COURSE_ID, ASSIGNMENT)),
        "grades_csv": _timed(lambda: results.write_grades(out), REPEATS),
        "report": _timed(lambda: report.write(out, graded), REPEATS),
    }


def growth(sizes: list[int], seconds: list[float]) -> list[float | None]:
    """The exponent k of seconds ~ N^k between consecutive sizes (1: linear); None where a time is under
    MEASURABLE (a few milliseconds: timer and cache noise would decide the exponent)."""
    pairs = itertools.pairwise(zip(sizes, seconds, strict=True))
    return [round(math.log(t2 / t1) / math.log(n2 / n1), 2) if min(t1, t2) >= MEASURABLE else None
            for (n1, t1), (n2, t2) in pairs]


def grade_class(work: Path, n: int, workers: int, env: dict[str, str], with_steps: bool = True) -> dict:
    """Grade a synthetic class of N with WORKERS local workers; the run's figures (and its class-level steps)."""
    folder = work / f"class{n}"
    submitted = folder / "submitted" if (folder / "submitted").is_dir() else synthetic_class(folder, n)
    out, db = folder / f"graded-{workers}", folder / f"gradebook-{workers}.db"
    db.unlink(missing_ok=True)
    cmd = grade_command(submitted, out, "--no-data", "--workers", str(workers))
    m = measured(cmd, ROOT, env, f"grading {n} submissions with {workers} worker(s)").to_dict()
    m.update(n=n, workers=workers, wall_s_per_submission=round(m["wall_s"] / n, 3),
             cpu_s_per_submission=round(m["cpu_s"] / n, 3),
             throughput_per_min=round(60 * n / m["wall_s"], 1))
    if with_steps:
        m["steps"] = steps(submitted, out, f"sqlite:///{db}")
    return m


def scaling(work: Path, env: dict[str, str], sizes: list[int], workers: list[int]) -> dict:
    """Section 3: the class sizes SIZES with as many workers as cores, then the largest with each of WORKERS."""
    os.environ["PATH"] = env["PATH"]  # the gradebook's alembic, run from this process
    cores = len(os.sched_getaffinity(0))
    by_size = [grade_class(work, n, cores, env) for n in sizes]
    by_workers = {cores: by_size[-1]}
    for w in workers:
        if w not in by_workers:
            by_workers[w] = grade_class(work, sizes[-1], w, env, with_steps=False)
    names = list(by_size[0]["steps"])
    return {
        "workers_for_sizes": cores,
        "by_size": by_size,
        "growth_exponents": {
            "wall": growth(sizes, [r["wall_s"] for r in by_size]),
            "cpu": growth(sizes, [r["cpu_s"] for r in by_size]),
            **{name: growth(sizes, [r["steps"][name] for r in by_size]) for name in names},
        },
        "by_workers": [by_workers[w] for w in sorted(by_workers)],
        "speedup_vs_one_worker": {w: round(by_workers[1]["wall_s"] / by_workers[w]["wall_s"], 2)
                                  for w in sorted(by_workers) if 1 in by_workers},
    }
