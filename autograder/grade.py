"""Grade one submission: stage its files, start its runner, run every test, score them with the rubric."""

from __future__ import annotations

import shutil
import time
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

import autograder.hidden  # noqa: F401 - registers the hidden tests (also in pool and Dask workers)
from autograder import data, framework, sandbox
from autograder.rubric import Rubric, parse_time
from autograder.session import RunnerSession
from autograder.submission import Submission, SubmissionError, stage

DECIMALS = 2  # scores are rounded to this many decimals where they are computed and shown with them everywhere


def shown(score: float) -> str:
    """A score as people read it (results pages, grades.csv, the report, the console): two decimals."""
    return f"{score:.{DECIMALS}f}"


@dataclass
class GradeOptions:
    """How to grade: which tests, with what rubric, sandbox and limits, and where CIFAR-10 is (None: skip those)."""

    rubric: Rubric
    tests: list[str]
    scratch: Path
    sandboxed: bool = True
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    data: Path | None = None
    call_timeout: float = 20.0


@dataclass
class TestResult:
    __test__ = False  # not a pytest test class

    name: str
    score: float
    max_score: float
    status: str
    output: str
    seconds: float


@dataclass
class SubmissionResult:
    student: str
    score: float
    max_score: float
    tests: list[TestResult]
    notes: list[str]
    execution_time: float
    timestamp: str | None = None
    error: str = ""
    late_days: int = 0
    late_penalty: float = 0.0

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> SubmissionResult:
        tests = [TestResult(**t) for t in data.get("tests", [])]
        return cls(**{**data, "tests": tests})


def selected_tests(names: list[str] | None, with_data: bool) -> list[str]:
    """The registered tests to run: NAMES (exact names or prefixes such as 'layers.'), minus those needing data."""
    hidden = [n for n in framework.TESTS if framework.TEST_INFO[n]["suite"] == "hidden"]
    chosen = [n for n in hidden if not names or any(n == p or n.startswith(p) for p in names)]
    return [n for n in chosen if with_data or not framework.TEST_INFO[n]["needs_data"]]


def grade(sub: Submission, options: GradeOptions) -> SubmissionResult:
    """Grade SUB with OPTIONS and return its result (never raises for anything the submission does)."""
    start = time.monotonic()
    scratch = options.scratch / sub.student
    try:
        return _graded(sub, options, scratch, start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # a submission's files stay on disk only while it is graded


def _graded(sub: Submission, options: GradeOptions, scratch: Path, start: float) -> SubmissionResult:
    try:
        root = stage(sub, scratch)
    except SubmissionError as exc:
        return _ungradable(sub, options, str(exc), time.monotonic() - start)
    outcomes: list[framework.Outcome] = []
    runner_data = data.runner_part(options.data) if options.data else None  # never the evaluation set
    session = RunnerSession(root, sandboxed=options.sandboxed, limits=options.limits, data=runner_data,
                            call_timeout=options.call_timeout)
    context = {
        "partial": options.rubric.partial,
        "data_host": options.data,
        "data_runner": "/data" if options.sandboxed else str(runner_data),
        "submission_runner": "/submission" if options.sandboxed else str(root.resolve()),
        "notes": sub.notes,
    }
    with session:
        for name in options.tests:
            outcomes.append(framework.run_test(name, session, context))
    results = [_scored(o, options.rubric.points.get(o.name, 0.0)) for o in outcomes]
    raw = round(sum(r.score for r in results), DECIMALS)  # the sum of the scores as shown
    days, penalty = options.rubric.late.penalty(raw, _submitted(sub))
    penalty = round(penalty, DECIMALS)
    notes = list(sub.notes)
    if days:
        notes.append(f"submitted {days} day(s) late: {shown(penalty)} points deducted")
    return SubmissionResult(sub.student, round(raw - penalty, DECIMALS), _max(options), results, notes,
                            round(time.monotonic() - start, 3), sub.timestamp, late_days=days, late_penalty=penalty)


def _submitted(sub: Submission) -> datetime | None:
    if not sub.timestamp:
        return None
    try:
        return parse_time(sub.timestamp)
    except ValueError:
        sub.notes.append(f"could not read the submission time {sub.timestamp!r}; no late penalty applied")
        return None


def _max(options: GradeOptions) -> float:
    return sum(options.rubric.points.get(n, 0.0) for n in options.tests)


def _scored(outcome: framework.Outcome, points: float) -> TestResult:
    score = round(points * outcome.fraction, DECIMALS)
    status = "passed" if outcome.fraction >= 1.0 else "failed"
    return TestResult(outcome.name, score, points, status, "\n".join(outcome.lines), round(outcome.seconds, 3))


def _ungradable(sub: Submission, options: GradeOptions, why: str, seconds: float) -> SubmissionResult:
    tests = [TestResult(n, 0.0, options.rubric.points.get(n, 0.0), "failed", f"FAIL not graded: {why}", 0.0)
             for n in options.tests]
    return SubmissionResult(sub.student, 0.0, _max(options), tests, [*sub.notes, why], round(seconds, 3),
                            sub.timestamp, error=why)
