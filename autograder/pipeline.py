"""A grading run in three steps, shared by `autograder grade` (cli.py) and Gradescope's run_autograder
(gradescope.py):

- `select`: check the request (sandbox, rubric, CIFAR-10), find the submissions and those still to grade, prepare
  the grading data. Nothing is written before it has passed but OUT and the prepared data.
- `grade`: start one runner on a known-good module (preflight), then grade the submissions on the chosen engine,
  writing each student's results as soon as they arrive (results.write_student).
- `publish`: the class-level files from every result under OUT: the gradebook, grades.csv and the class report.

A step that cannot go on raises Refused with the message for the user (the CLI prints it after "autograder: " and
exits 1); a submission that was not graded or whose results could not be written is a problem of the run, listed
in Run.problems, and the others go on.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from autograder import batch, data, preflight, report, results, rubric, sandbox
from autograder.grade import GradeOptions, selected_tests
from autograder.rubric import Rubric
from autograder.scores import SubmissionResult, shown
from autograder.session import CALL_TIMEOUT
from autograder.submission import Submission, SubmissionError, clashes, discover

SCRATCH_PREFIX = "autograder-scratch-"


class Refused(Exception):
    """The run cannot start or go on; the message says why and what to do."""


@dataclass
class Request:
    """What to grade and how, as `autograder grade` takes it."""

    path: Path
    out: Path
    tests: list[str] | None = None
    rubric: Path | None = None
    data: Path | None = None  # the CIFAR-10 folder (data.find_source: else $CS231N_CIFAR10_DIR, ...)
    data_default: bool = False  # ... else the reference's cs231n/datasets/cifar-10-batches-py
    no_data: bool = False
    students: list[str] | None = None
    force: bool = False
    call_timeout: float = CALL_TIMEOUT
    sandboxed: bool = True
    blas_threads: int = 1


@dataclass
class Selection:
    """The outcome of `select`: the submissions found, those to grade now, and how to grade them."""

    request: Request
    submissions: list[Submission]
    todo: list[Submission]
    rubric: Rubric
    tests: list[str]
    data: Path | None  # the prepared grading data (data.prepare), None without CIFAR-10
    problems: list[str] = field(default_factory=list)  # submissions that will not be graded, and why

    def options(self, scratch: Path) -> GradeOptions:
        request = self.request
        return GradeOptions(self.rubric, self.tests, scratch, sandboxed=request.sandboxed,
                            limits=sandbox.Limits(blas_threads=request.blas_threads), data=self.data,
                            call_timeout=request.call_timeout)


@dataclass
class Run:
    """The outcome of `grade`: what happened to the submissions graded now."""

    graded: int
    wall: float
    late_unknown: list[str] = field(default_factory=list)  # students whose late policy could not be applied
    problems: list[str] = field(default_factory=list)  # not graded, or results not written


def select(request: Request) -> Selection:
    """Check REQUEST and find what to grade (see the module's doc); raises Refused."""
    if request.sandboxed and sandbox.bwrap_path() is None:
        raise Refused(sandbox.NO_BWRAP)
    try:
        subs, problems = clashes(discover(request.path))
    except SubmissionError as exc:
        raise Refused(str(exc)) from None
    if request.students:
        wanted = set(request.students)
        subs = [s for s in subs if s.student in wanted or s.folder in wanted]
        if not subs:
            raise Refused(f"no submission for {', '.join(sorted(wanted))} under {request.path}")
    try:
        source = None if request.no_data else data.find_source(request.data, request.data_default)
    except data.MissingData as exc:
        raise Refused(f"{exc}, or use --no-data to skip the accuracy targets.") from None
    try:
        the_rubric = rubric.load(request.rubric)
    except rubric.RubricError as exc:
        raise Refused(str(exc)) from None
    out = request.out
    out.mkdir(parents=True, exist_ok=True)  # only once nothing can refuse any more
    todo = [s for s in subs if request.force or request.students or results.read_student(out / s.folder) is None]
    prepared = None if source is None else data.prepare(source, out / ".cache")
    tests = selected_tests(request.tests, with_data=prepared is not None)
    return Selection(request, subs, todo, the_rubric, tests, prepared, problems)


def grade(selection: Selection, *, workers: int = 1, scheduler: str | None = None, quiet: bool = False) -> Run:
    """Grade SELECTION.todo, writing each student's results under OUT as they arrive; raises Refused when no runner
    starts (nothing graded) or the run is interrupted (what finished is saved)."""
    out, todo = selection.request.out, selection.todo
    if not selection.request.sandboxed:
        print("autograder: WARNING: grading WITHOUT a sandbox; student code runs "
              + ("as an unprivileged user, without network." if os.geteuid() == 0 else "with your rights."),
              file=sys.stderr)
    _sweep_scratch()
    run = Run(len(todo), 0.0, problems=list(selection.problems))
    started = time.monotonic()

    def save(result: SubmissionResult) -> None:
        progress.update(result)
        if result.infrastructure_error:  # not the student's fault: no result, so the next run grades it
            run.problems.append(f"{result.student} was not graded (graded again by the next run): "
                                f"{result.infrastructure_error}")
            return
        try:
            results.write_student(out, result)
        except Exception as exc:  # one student's results must not stop the others
            run.problems.append(f"the results of {result.student} could not be written: {type(exc).__name__}: {exc}")
            return
        if result.late_unknown:
            run.late_unknown.append(result.student)
        if not quiet and not progress.enabled:
            print(f"{result.student}: {shown(result.score)}/{result.max_score:g} ({result.execution_time:.1f} s)",
                  flush=True)

    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as scratch:
        options = selection.options(Path(scratch))
        try:
            preflight.check(options)
        except preflight.PreflightFailed as exc:
            raise Refused(f"nothing was graded: a runner started on a known-good module failed, so this machine "
                          f"cannot grade fairly: {exc}") from None
        progress = batch.Progress.for_stream(len(todo))
        try:
            batch.run(todo, options, save, workers=workers, scheduler=scheduler)
        except KeyboardInterrupt:
            raise Refused(f"interrupted after {progress.done} of {len(todo)}; their results are saved. "
                          "Run the same command again to grade the rest.") from None
        except BrokenProcessPool:
            raise Refused(f"a grading worker died after {progress.done} of {len(todo)} results (saved). "
                          "Run the same command again to grade the rest.") from None
        finally:
            progress.close()
    run.wall = time.monotonic() - started
    return run


@dataclass
class GradebookTarget:
    """nbgrader's gradebook to write the scores into (and read the manual grades from)."""

    url: str
    course_id: str = "cs231n"
    assignment: str = "assignment2"


def publish(selection: Selection, run: Run, engine: str, gradebook: GradebookTarget | None = None) -> int:
    """Write the class-level files from every result under OUT, print the summary and the run's problems; returns
    the exit status (1 when anything was not graded or not written)."""
    out = selection.request.out
    problems = list(run.problems)
    extra = None
    if gradebook:
        from autograder import gradebook as nbgrader_gradebook

        written, failed = nbgrader_gradebook.write_results(gradebook.url, gradebook.course_id, gradebook.assignment,
                                                           selection.rubric.points, results.read_all(out))
        problems.extend(failed)
        extra = nbgrader_gradebook.manual_points(gradebook.url, gradebook.course_id, gradebook.assignment)
        print(f"gradebook: {written} students written to {nbgrader_gradebook.companion(gradebook.assignment)} "
              f"in {gradebook.url}")
    path = results.write_grades(out, extra)
    graded, wall = run.graded, run.wall
    report.write(out, results.read_all(out), {
        "this run: submissions graded": graded, "this run: wall time (s)": f"{wall:.1f}", "engine": engine,
        "this run: throughput (submissions/min)": f"{60 * graded / wall:.1f}" if wall > 0 and graded else "-"})
    total = len(selection.submissions)
    print(f"graded {graded} of {total} submissions ({total - graded} already had results); "
          f"results in {out}/, grades in {path}, class report in {out / report.REPORT}")
    if run.late_unknown:
        print(f"autograder: the late policy could not be applied to {len(run.late_unknown)} submission(s) whose time "
              f"is unknown (late_days = unknown in {path}): {', '.join(run.late_unknown)}", file=sys.stderr)
    return exit_status(problems)


def exit_status(problems: list[str]) -> int:
    """Print PROBLEMS on stderr; the exit status of the run: 1 when there are any."""
    for problem in problems:
        print(f"autograder: ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


def _sweep_scratch() -> None:
    """Delete the scratch folders of grading runs that were killed (-9) before they could: ours, of a dead process."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        try:
            if pid.isdigit() and folder.lstat().st_uid == os.geteuid() and not Path(f"/proc/{pid}").exists():
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass
