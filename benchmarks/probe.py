"""`python -m benchmarks.probe SUBMISSION OUT.json [--data PREPARED] [--blas-threads N]`: grade one submission as
`autograder grade` does (same options and limits, sandboxed) and record, per test, its wall time, the judge's CPU
time, the runner's CPU time and the runner's peak RSS so far, read from /proc around each test. The benchmarks sum
them per test group."""

from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

from autograder import framework, grade, rubric, sandbox
from autograder.session import RunnerSession
from autograder.submission import Submission
from benchmarks.measure import cmdline, descendants, memory_kib, process_cpu, role


def runner_usage(session: RunnerSession) -> tuple[float, int]:
    """(CPU seconds, peak RSS in KiB of the runner) of the processes SESSION has started (0, 0 before it starts)."""
    if session.proc is None:
        return 0.0, 0
    pids = descendants(session.proc.pid)
    cpu = sum(process_cpu(pid) or 0.0 for pid in pids)
    peak = max((memory_kib(pid)[0] for pid in pids if role(cmdline(pid)) == "runner"), default=0)
    return cpu, peak


def group_of(name: str) -> str:
    """The test group of a test: the PyTorch part (all its tests), the accuracy targets (the other tests that train on
    CIFAR-10) or its area."""
    area = name.split(".", 1)[0]
    return "accuracy" if framework.TEST_INFO[name].needs_data and area != "pytorch" else area


def instrumented(records: list[dict]):
    """framework.run_test, recording each test's costs into RECORDS."""
    run_test = framework.run_test

    def timed(name: str, session: RunnerSession, grading: framework.Grading) -> framework.Outcome:
        cpu0, _ = runner_usage(session)
        judge0, wall0 = time.thread_time(), time.perf_counter()
        outcome = run_test(name, session, grading)
        wall, judge = time.perf_counter() - wall0, time.thread_time() - judge0
        cpu1, peak = runner_usage(session)
        records.append({"test": name, "group": group_of(name), "wall_s": wall, "judge_cpu_s": judge,
                        "runner_cpu_s": max(cpu1 - cpu0, 0.0), "runner_peak_rss_kib": peak,
                        "fraction": outcome.fraction})
        return outcome

    return timed


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.probe", description=__doc__)
    parser.add_argument("submission", type=Path)
    parser.add_argument("out", type=Path)
    parser.add_argument("--data", type=Path, help="prepared grading data (autograder.data.prepare)")
    parser.add_argument("--blas-threads", type=int, default=1, help="BLAS threads of the runner (default 1)")
    args = parser.parse_args()
    records: list[dict] = []
    framework.run_test = instrumented(records)
    with tempfile.TemporaryDirectory(prefix="probe-") as scratch:
        options = grade.GradeOptions(rubric.load(), grade.selected_tests(None, with_data=args.data is not None),
                                     Path(scratch), data=args.data,
                                     limits=sandbox.Limits(blas_threads=args.blas_threads))
        start = time.perf_counter()
        result = grade.grade(Submission("probe", args.submission), options)
        total = time.perf_counter() - start
    args.out.write_text(json.dumps({"score": result.score, "max_score": result.max_score, "wall_s": total,
                                    "tests": records}, indent=1))


if __name__ == "__main__":
    main()
