"""`autograder similarity PATH [-o OUT] [--against DIR ...] [--threshold T]`: find the submissions (as `autograder
grade` does), fingerprint each once (in parallel), index the fingerprints, match the pairs the index points to, and
write OUT/similarity.csv, OUT/similarity.html (with a page per pair) and the section of OUT/report.html."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace
from pathlib import Path

from autograder.similarity import csv_report, html_report, outputs, section
from autograder.similarity.extract import RELEASE_PACKAGE, submission_code
from autograder.similarity.fingerprint import Baseline, SubmissionPrint, fingerprint
from autograder.similarity.index import Index, build
from autograder.similarity.score import PairMatch, match
from autograder.similarity.settings import Settings
from autograder.submission import Submission, SubmissionError, discover

CHUNKS_PER_WORKER = 4


@dataclass
class Comparison:
    """What a similarity run found: every submission's fingerprints, the index, the pairs reported (best first)."""

    prints: list[SubmissionPrint]
    index: Index
    pairs: list[PairMatch]
    settings: Settings
    seconds: float = 0.0


def known_solutions(folders: list[Path]) -> list[Submission]:
    """The known solutions in FOLDERS (one folder each holding cs231n/), named by their folder (qualified by the
    --against folder when two share a name)."""
    found = [(folder, sub) for folder in folders for sub in discover(folder)]
    names = [sub.student for _, sub in found]
    for folder, sub in found:
        if names.count(sub.student) > 1:
            sub.student = f"{Path(folder).resolve().name}/{sub.student}"
    return [sub for _, sub in found]


def _fingerprint_chunk(chunk: list[tuple[Submission, bool]], baseline: Baseline,
                       settings: Settings) -> list[SubmissionPrint]:
    with tempfile.TemporaryDirectory(prefix="similarity-") as scratch:
        return [fingerprint(submission_code(sub, Path(scratch) / "s", known), baseline, settings)
                for sub, known in chunk]


def fingerprint_all(items: list[tuple[Submission, bool]], settings: Settings,
                    workers: int = 1) -> list[SubmissionPrint]:
    """The fingerprints of every (submission, known) of ITEMS, in their order, on WORKERS processes."""
    baseline = Baseline.of(RELEASE_PACKAGE, settings)
    if workers <= 1 or len(items) < 2 * workers:
        return _fingerprint_chunk(items, baseline, settings)
    size = max(1, -(-len(items) // (workers * CHUNKS_PER_WORKER)))
    chunks = [items[i : i + size] for i in range(0, len(items), size)]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        done = pool.map(_fingerprint_chunk, chunks, [baseline] * len(chunks), [settings] * len(chunks))
        return [p for part in done for p in part]


def compare(prints: list[SubmissionPrint], settings: Settings, at_least: float | None = None) -> Comparison:
    """Index PRINTS and match every pair whose score may reach AT_LEAST (default: the threshold); the pairs
    reaching it, best first (ties by ids, so that the same input gives the same order)."""
    at_least = settings.threshold if at_least is None else at_least
    index = build(prints, settings)
    pairs = [match(prints[a], prints[b], index, settings) for a, b in index.candidates(at_least)]
    pairs = [_student_first(p) for p in pairs if p.score >= at_least]
    pairs.sort(key=lambda p: (-round(p.score, 4), p.a.id, p.b.id))
    return Comparison(prints, index, pairs, settings)


def _student_first(pair: PairMatch) -> PairMatch:
    """A pair with a known solution has the student on side A."""
    if pair.a.known and not pair.b.known:
        return replace(pair, a=pair.b, b=pair.a, share_a=pair.share_b, share_b=pair.share_a, runs_a=pair.runs_b,
                       runs_b=pair.runs_a, functions=[replace(f, a=f.b, b=f.a) for f in pair.functions])
    return pair


def run(path: Path, out: Path, against: list[Path], settings: Settings, workers: int | None = None) -> Comparison:
    started = time.monotonic()
    subs = discover(path)
    items = [(s, False) for s in subs] + [(s, True) for s in known_solutions(against)]
    prints = fingerprint_all(items, settings, workers or os.cpu_count() or 1)
    found = compare(prints, settings)
    found.seconds = time.monotonic() - started
    out.mkdir(parents=True, exist_ok=True)
    csv_report.write(out, found.pairs)
    html_report.write(out, found)
    section.update_report(out)
    return found


def main(args: argparse.Namespace) -> int:
    """`autograder similarity` with the parsed ARGS (path, out, against, threshold, workers)."""
    settings = Settings() if args.threshold is None else replace(Settings(), threshold=args.threshold)
    if not 0 < settings.threshold <= 1:
        sys.exit(f"autograder: --threshold must be in (0, 1], not {settings.threshold:g}")
    missing = [str(d) for d in args.against if not Path(d).is_dir()]
    if missing:
        sys.exit(f"autograder: --against needs folders of known solutions; not a folder: {', '.join(missing)}")
    try:
        found = run(args.path, args.out, args.against, settings, args.workers)
    except SubmissionError as exc:
        sys.exit(f"autograder: {exc}")
    students = sum(not p.known for p in found.prints)
    print(f"compared {students} submissions and {len(found.prints) - students} known solutions in "
          f"{found.seconds:.1f} s: {len(found.pairs)} pair(s) at or above {settings.threshold:g}; "
          f"{args.out / outputs.CSV}, {args.out / outputs.HTML}")
    return 0
