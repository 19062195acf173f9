"""One complete submission (the solutions) graded with `autograder grade`: with the CIFAR-10 targets and without,
and split by test group (layers, optim, fc_net, cnn, the accuracy targets: the numpy tests that need data, and
pytorch: every test of the PyTorch part); the PyTorch tests also alone, for the runner's peak with torch loaded."""

from __future__ import annotations

import json
import os
from pathlib import Path

from benchmarks.measure import checked, measured, median_of, run
from benchmarks.workload import PYTHON, ROOT, SOLUTIONS, grade_command

GROUPS = ("layers", "optim", "fc_net", "cnn", "accuracy", "pytorch")
PREPARE = ("import sys; from pathlib import Path; from autograder import data; "
           "data.prepare(Path(sys.argv[1]), Path(sys.argv[2]))")


def _score(out: Path) -> dict:
    data = json.loads((out / "assignment2" / "results.json").read_text())
    return {"score": data["score"], "max_score": data["max_score"], "execution_time_s": data["execution_time"]}


def grade_solutions(out: Path, env: dict[str, str], data_options: list[str], repeats: int) -> dict:
    """`autograder grade solutions/assignment2 -o OUT` with one worker (one submission), REPEATS times."""
    cmd = grade_command(SOLUTIONS, out, "--workers", "1", *data_options)
    figures = median_of(repeats, lambda: measured(cmd, ROOT, env, "autograder grade"))
    return {**figures, **_score(out)}


def prepare_data(data: Path, cache: Path, env: dict[str, str]) -> dict:
    """The grading data made from CIFAR-10 into CACHE (what the first grading of a course does once; measured once:
    a second run would find it made)."""
    return checked(run([PYTHON, "-c", PREPARE, str(data), str(cache)], ROOT, env), "data preparation").to_dict()


def by_group(work: Path, env: dict[str, str], data_options: list[str]) -> dict:
    """The instrumented grading (benchmarks.probe) summed per test group, plus what is not inside a test."""
    report = work / "probe.json"
    measured([PYTHON, "-m", "benchmarks.probe", str(SOLUTIONS), str(report), *data_options], ROOT, env, "probe")
    probe = json.loads(report.read_text())
    groups = {}
    for name in GROUPS:
        tests = [t for t in probe["tests"] if t["group"] == name]
        if tests:
            groups[name] = {
                "tests": len(tests),
                "wall_s": round(sum(t["wall_s"] for t in tests), 3),
                "judge_cpu_s": round(sum(t["judge_cpu_s"] for t in tests), 3),
                "runner_cpu_s": round(sum(t["runner_cpu_s"] for t in tests), 3),
                "runner_peak_rss_mib": round(max(t["runner_peak_rss_kib"] for t in tests) / 1024, 1),
                "slowest": max(tests, key=lambda t: t["wall_s"])["test"],
            }
    inside = sum(t["wall_s"] for t in probe["tests"])
    return {"groups": groups, "grade_wall_s": round(probe["wall_s"], 3),
            "outside_tests_wall_s": round(probe["wall_s"] - inside, 3),
            "score": probe["score"], "max_score": probe["max_score"]}


def complete(work: Path, env: dict[str, str], data: Path | None, repeats: int) -> dict:
    """Section 1. With DATA (a CIFAR-10 folder): data preparation, grading with the targets (also with one BLAS thread
    per core), the group split with them and the PyTorch tests alone; always: grading without them (--no-data)."""
    out = work / "graded"
    figures: dict[str, object] = {}
    if data is not None:
        cache = out / ".cache"
        figures["data_preparation"] = prepare_data(data, cache, env)
        figures["with_data"] = grade_solutions(out, env, ["--data", str(data)], repeats)
        figures["with_data_all_cores"] = grade_solutions(out, env, ["--data", str(data), "--blas-threads",
                                                                    str(len(os.sched_getaffinity(0)))], 1)
        figures["by_group"] = by_group(work, env, ["--data", str(cache / "cifar10")])
        # The PyTorch part on its own: its runner's peak is torch's, not that of the mapped numpy training data.
        figures["pytorch_only"] = grade_solutions(out, env, ["--data", str(data), "--tests", "pytorch."], repeats)
    figures["without_data"] = grade_solutions(out, env, ["--no-data"], repeats)
    if data is None:
        figures["by_group"] = by_group(work, env, [])
    return figures
