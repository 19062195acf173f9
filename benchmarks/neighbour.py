"""`python -m benchmarks.neighbour`: how much a hostile submission slows the clean ones graded beside it.

A class of clean submissions (copies of the solutions) is graded with `autograder grade --workers 2` twice: once
beside another clean submission, once beside a hostile one that, in every call of relu_forward, starts children in
new sessions (setsid) that spin, spins itself for most of the call limit, and leaves its children running when it
returns. The hostile submission is graded first, on one worker, for as long as its calls last; the clean ones go
through the other worker meanwhile. The figure is the ratio of the clean submissions' median grading time (their
own execution_time) with the hostile neighbour to that with the clean one. Writes benchmarks/neighbour.json.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.machine import describe
from benchmarks.measure import wait_until_idle
from generate.package import IGNORED

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "assignment2" / "cs231n"
TESTS = ["layers.", "optim."]
HOSTILE = '''

def relu_forward(x):
    import os
    import time

    for _ in range(SPINNERS):
        if os.fork() == 0:
            os.setsid()
            if os.fork() == 0:
                while True:
                    pass
            os._exit(0)
    end = time.monotonic() + SECONDS
    while time.monotonic() < end:
        pass
    return np.maximum(x, 0), x
'''


def _class(folder: Path, clean: int, hostile: bool, spinners: int, seconds: float) -> None:
    ignore = shutil.ignore_patterns(*IGNORED)
    for i in range(clean):
        shutil.copytree(SOLUTIONS, folder / f"clean_{i:02d}" / "cs231n", ignore=ignore)
    first = folder / "0_neighbour" / "cs231n"
    shutil.copytree(SOLUTIONS, first, ignore=ignore)
    if hostile:
        layers = first / "layers.py"
        code = HOSTILE.replace("SPINNERS", str(spinners)).replace("SECONDS", str(seconds))
        layers.write_text(layers.read_text() + code)  # the last definition of relu_forward is the one used


def _grade(grader: Path, folder: Path, out: Path) -> dict[str, float]:
    cmd = [str(grader / "bin" / "autograder"), "grade", str(folder), "-o", str(out), "--no-data", "--quiet",
           "--workers", "2", "--tests", *TESTS]
    subprocess.run(cmd, check=False, capture_output=True, text=True, timeout=3600)
    times = {}
    for result in out.glob("*/results.json"):
        data = json.loads(result.read_text())
        times[data["autograder"]["student"]] = data["execution_time"]
    return times


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.neighbour", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clean", type=int, default=12, help="clean submissions in the class (default 12)")
    parser.add_argument("--spinners", type=int, default=8, help="children the hostile call starts (default 8)")
    parser.add_argument("--seconds", type=float, default=15.0, help="seconds each hostile call spins (default 15)")
    parser.add_argument("--max-load", type=float, default=1.0, help="wait until the 1-minute load is below this")
    parser.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "neighbour.json")
    parser.add_argument("--grader", type=Path, default=ROOT,
                        help="the checkout whose bin/autograder grades (default: this one; e.g. an older commit's)")
    args = parser.parse_args(argv)
    load = wait_until_idle(args.max_load, 1200.0)
    found: dict[str, object] = {"machine": describe(), "load": load, "grader": str(args.grader),
                                "clean_submissions": args.clean,
                                "hostile": {"spinners_per_call": args.spinners, "seconds_per_call": args.seconds}}
    with tempfile.TemporaryDirectory(prefix="neighbour-") as work:
        for name, hostile in (("clean_neighbour", False), ("hostile_neighbour", True)):
            folder = Path(work) / name
            _class(folder, args.clean, hostile, args.spinners, args.seconds)
            start = time.monotonic()
            times = _grade(args.grader, folder, Path(work) / f"{name}-out")
            clean = [t for s, t in times.items() if s.startswith("clean_")]
            found[name] = {"wall_s": round(time.monotonic() - start, 2), "neighbour_s": times.get("0_neighbour"),
                           "clean_median_s": round(statistics.median(clean), 3), "clean_max_s": max(clean),
                           "clean_graded": len(clean)}
    found["slowdown_median"] = round(found["hostile_neighbour"]["clean_median_s"]
                                     / found["clean_neighbour"]["clean_median_s"], 2)
    found["slowdown_max"] = round(found["hostile_neighbour"]["clean_max_s"] / found["clean_neighbour"]["clean_max_s"],
                                  2)
    args.out.write_text(json.dumps(found, indent=2) + "\n")
    print(json.dumps({k: v for k, v in found.items() if k != "machine"}, indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
