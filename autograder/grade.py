"""Grade one submission: stage its files, start its runner, run every test, score them with the rubric.

Whatever the submission does, `grade` returns a result. When the machine or the grader fails instead (the runner
cannot start, the disk is full, a bug of ours), the result says so in `infrastructure_error` and has no scores: it
is not saved, so that the next run grades the submission again.
"""

from __future__ import annotations

import shutil
import time
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

import autograder.hidden  # noqa: F401 - registers the hidden tests (also in pool and Dask workers)
from autograder import data, framework, sandbox
from autograder.rubric import Rubric, parse_time
from autograder.scores import DECIMALS, SubmissionResult, TestResult, clean_text, shown
from autograder.session import CALL_TIMEOUT, RunnerSession
from autograder.submission import Submission, SubmissionError, stage


@dataclass
class GradeOptions:
    """How to grade: which tests, with what rubric, sandbox and limits, and where CIFAR-10 is (None: skip those)."""

    rubric: Rubric
    tests: list[str]
    scratch: Path
    sandboxed: bool = True
    limits: sandbox.Limits = field(default_factory=sandbox.Limits)
    data: Path | None = None
    call_timeout: float = CALL_TIMEOUT

    @property
    def runner_data(self) -> Path | None:
        """The part of the grading data the runner may see (its /data): never the evaluation set."""
        return data.runner_part(self.data) if self.data else None


def selected_tests(names: list[str] | None, with_data: bool) -> list[str]:
    """The registered tests to run: NAMES (exact names or prefixes such as 'layers.'), minus those needing data."""
    hidden = [n for n in framework.TESTS if framework.TEST_INFO[n].suite == "hidden"]
    chosen = [n for n in hidden if not names or any(n == p or n.startswith(p) for p in names)]
    return [n for n in chosen if with_data or not framework.TEST_INFO[n].needs_data]


def grade(sub: Submission, options: GradeOptions) -> SubmissionResult:
    """Grade SUB with OPTIONS and return its result (never raises for anything the submission does)."""
    start = time.monotonic()
    scratch = options.scratch / sub.folder
    try:
        return _graded(sub, options, scratch, start)
    except Exception as exc:  # the grader's own failure (a full disk, a bug): not the student's
        return _not_graded(sub, options, f"{type(exc).__name__}: {exc}", start)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)  # a submission's files stay on disk only while it is graded


def _graded(sub: Submission, options: GradeOptions, scratch: Path, start: float) -> SubmissionResult:
    try:
        root = stage(sub, scratch)
    except SubmissionError as exc:
        return _ungradable(sub, options, str(exc), time.monotonic() - start)
    budget = options.rubric.budget_seconds
    outcomes: list[framework.Outcome] = []
    session = RunnerSession(root, sandboxed=options.sandboxed, limits=options.limits, data=options.runner_data,
                            call_timeout=options.call_timeout, deadline=start + budget, budget_seconds=budget)
    context = framework.Grading(options.rubric.partial, options.data)
    with session:
        for name in options.tests:
            if time.monotonic() - start >= budget:
                outcomes.append(framework.Outcome(name, 0.0, [f"FAIL not run: the submission used up its time "
                                                              f"budget of {budget:g} s"]))
                continue
            outcomes.append(framework.run_test(name, session, context))
            if session.infrastructure_error is not None:
                return _not_graded(sub, options, session.infrastructure_error.message, start)
    results = [_scored(o, options.rubric.points.get(o.name, 0.0)) for o in outcomes]
    raw = round(sum(r.score for r in results), DECIMALS)  # the sum of the scores as shown
    notes = [clean_text(n) for n in sub.notes]
    submitted, unknown = _submitted(sub, options.rubric.late.deadline is not None)
    days, penalty = options.rubric.late.penalty(raw, submitted)
    penalty = round(penalty, DECIMALS)
    if unknown:
        notes.append(f"LATE POLICY NOT APPLIED: {unknown}; the instructor must check when this was submitted")
    if days:
        notes.append(f"submitted {days} day(s) late: {shown(penalty)} points deducted")
    return SubmissionResult(sub.student, round(raw - penalty, DECIMALS), _max(options), results, notes,
                            round(time.monotonic() - start, 3), sub.timestamp, late_days=days, late_penalty=penalty,
                            late_unknown=bool(unknown))


def _submitted(sub: Submission, deadline: bool) -> tuple[datetime | None, str]:
    """The submission time, and why it is unknown ('' when known, or when no DEADLINE makes it matter)."""
    if not sub.timestamp:
        return None, "the submission time is unknown (no nbgrader timestamp.txt, not an uploaded zip)" if deadline \
            else ""
    try:
        return parse_time(sub.timestamp), ""
    except ValueError:
        return None, f"the submission time {clean_text(sub.timestamp)!r} cannot be read" if deadline else ""


def _max(options: GradeOptions) -> float:
    return sum(options.rubric.points.get(n, 0.0) for n in options.tests)


def _scored(outcome: framework.Outcome, points: float) -> TestResult:
    score = round(points * outcome.fraction, DECIMALS)
    status = "passed" if outcome.fraction >= 1.0 else "failed"
    return TestResult(outcome.name, score, points, status, clean_text("\n".join(outcome.lines)),
                      round(outcome.seconds, 3))


def _ungradable(sub: Submission, options: GradeOptions, why: str, seconds: float) -> SubmissionResult:
    """A submission that cannot be graded at all through its own fault (not a zip, no files): 0 with the reason."""
    why = clean_text(why)
    tests = [TestResult(n, 0.0, options.rubric.points.get(n, 0.0), "failed", f"FAIL not graded: {why}", 0.0)
             for n in options.tests]
    return SubmissionResult(sub.student, 0.0, _max(options), tests, [*map(clean_text, sub.notes), why],
                            round(seconds, 3), sub.timestamp, error=why)


def _not_graded(sub: Submission, options: GradeOptions, why: str, start: float) -> SubmissionResult:
    """The machine or the grader failed: no scores, the reason for the instructor (see the module's doc)."""
    why = clean_text(why)
    return SubmissionResult(sub.student, 0.0, _max(options), [], [why], round(time.monotonic() - start, 3),
                            sub.timestamp, error=why, infrastructure_error=why)
