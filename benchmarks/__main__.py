"""`python -m benchmarks [--quick]` (or `bin/bench`): grading speed, cost and scale, measured against nbgrader.

Sections, each run as the commands a course runs, measured from outside (benchmarks/measure.py):
  1. one complete submission (the solutions) with `autograder grade`: with and without the CIFAR-10 targets, and
     split by test group;
  2. the same submission with `nbgrader autograde` (executing the notebooks), in a copy of the course;
  3. classes of N synthetic submissions (--no-data, --gradebook): cost per submission as N grows, the class-level
     steps on their own, throughput per number of workers;
  4. `autograder check` on the solutions and the release, and `python -m generate --no-execute`;
  5. `autograder similarity` on 700 submissions and 300 known solutions, and its calibration (benchmarks/similarity.py;
     `--part similarity` runs this part alone and writes benchmarks/similarity.json and .md).
Writes PREFIX.json (every figure, the machine, the load) and PREFIX.md (the tables). --quick skips the CIFAR-10
targets and nbgrader and uses small classes: a smoke run for development, not figures to publish.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

from autograder.data import MissingData, find_source
from benchmarks import machine, nbgrader_side, scale, similarity, single, student, tables
from benchmarks.measure import wait_until_idle
from benchmarks.workload import ROOT, environment

FULL = {"sizes": [10, 40, 160], "workers": [1, 2, 4], "repeats": 3, "max_wait": 2400.0}
QUICK = {"sizes": [4, 8], "workers": [1, 2], "repeats": 1, "max_wait": 0.0}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m benchmarks", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="small classes, no CIFAR-10 targets, no nbgrader")
    parser.add_argument("--data", type=Path, help="CIFAR-10 folder (default: $CS231N_CIFAR10_DIR)")
    parser.add_argument("--out", type=Path, help="prefix of the .json and .md written (default: benchmarks/results, "
                                                 "benchmarks/results-quick with --quick)")
    parser.add_argument("--sizes", type=int, nargs="+", help="class sizes (default 10 40 160; quick 4 8)")
    parser.add_argument("--workers", type=int, nargs="+", help="worker counts compared (default 1 2 4; quick 1 2)")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait until the 1-minute load is below this")
    parser.add_argument("--max-wait", type=float, help="seconds to wait for that at most (default 2400; quick 0)")
    parser.add_argument("--keep", action="store_true", help="keep the working folder (its path is printed)")
    parser.add_argument("--part", choices=["all", "similarity"], default="all",
                        help="all sections, or the similarity part alone")
    return parser


def _target(what: str, measured: float, limit: float, at_least: bool) -> dict:
    met = measured >= limit if at_least else measured <= limit
    return {"target": what, "measured": round(measured, 2), "limit": limit, "met": met}


def targets(sections: dict) -> list[dict]:
    """The issue's targets, each with the figure it is judged on."""
    found = similarity.targets(sections["similarity"]) if "similarity" in sections else []
    if "single" not in sections:
        return found
    one = sections["single"]
    if "with_data" in one:
        found.append(_target("one complete grading with the CIFAR-10 targets, wall s <= 60",
                             one["with_data"]["wall_s"], 60, False))
    found.append(_target("one complete grading without them, wall s <= 10", one["without_data"]["wall_s"], 10, False))
    pytorch = one["by_group"]["groups"].get("pytorch")
    if pytorch:
        found.append(_target("what the PyTorch tests add to one grading, wall s <= 10", pytorch["wall_s"], 10, False))
    nb = sections["nbgrader"]
    if "skipped" not in nb:
        found.append(_target("times faster than nbgrader autograde (wall) >= 10", nb["ratio_wall"], 10, True))
    speedup = sections["scale"]["speedup_vs_one_worker"]
    if 2 in speedup:
        found.append(_target("2 workers vs 1, speedup >= 1.8", speedup[2], 1.8, True))
    exponents = [v for name, values in sections["scale"]["growth_exponents"].items() if name != "cpu"
                 for v in values if v is not None]
    if exponents:
        found.append(_target("largest growth exponent of wall time or a class-level step in N (linear: 1) <= 1.2",
                             max(exponents), 1.2, False))
    return found


def _nbgrader(course: Path, env: dict[str, str], ours: dict | None, skip: str | None) -> dict:
    if skip:
        return {"skipped": skip}
    figures = nbgrader_side.autograde(course, env)
    figures["ratio_wall"] = round(figures["wall_s"] / ours["wall_s"], 2)
    figures["ratio_cpu"] = round(figures["cpu_s"] / ours["cpu_s"], 2)
    return figures


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    preset = QUICK if args.quick else FULL
    data = None
    if not args.quick:
        try:
            data = find_source(args.data)
        except MissingData as err:
            if args.part == "all":
                sys.exit(f"benchmarks: {err} (bin/bench does), or use --quick")
    name = "results" if args.part == "all" else args.part
    prefix = args.out or ROOT / "benchmarks" / (f"{name}-quick" if args.quick else name)
    results: dict = {"generated": datetime.now(UTC).isoformat(timespec="seconds"), "argv": sys.argv[1:],
                     "quick": args.quick, "machine": machine.describe()}
    results["idle"] = wait_until_idle(args.max_load, preset["max_wait"] if args.max_wait is None
                                              else args.max_wait)
    env = environment(data)
    work = Path(tempfile.mkdtemp(prefix="benchmarks-"))
    try:
        sections: dict = {}
        if args.part == "similarity":
            sections["similarity"] = similarity.similarity_part(work, env, args.quick)
            return _finish(results, sections, prefix)
        print("benchmarks: student side", flush=True)
        sections["student"], course = student.student_side(work, env, preset["repeats"])
        print("benchmarks: one complete submission", flush=True)
        sections["single"] = single.complete(work, env, data, preset["repeats"])
        print("benchmarks: classes", flush=True)
        sections["scale"] = scale.scaling(work, env, args.sizes or preset["sizes"], args.workers or preset["workers"])
        print("benchmarks: nbgrader autograde", flush=True)
        sections["nbgrader"] = _nbgrader(course, env, sections["single"].get("with_data"),
                                         "--quick" if args.quick else None)
        sections["similarity"] = similarity.similarity_part(work, env, args.quick)
    finally:
        if args.keep:
            print(f"benchmarks: working folder kept in {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)
    return _finish(results, sections, prefix)


def _finish(results: dict, sections: dict, prefix: Path) -> int:
    """Write PREFIX.json and PREFIX.md with SECTIONS and the targets."""
    results["sections"] = sections
    results["targets"] = targets(sections)
    results["loadavg_end"] = Path("/proc/loadavg").read_text().split()[:3]
    prefix.with_suffix(".json").write_text(json.dumps(results, indent=1) + "\n")
    text = tables.markdown(results)
    prefix.with_suffix(".md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
