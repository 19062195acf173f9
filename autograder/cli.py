"""The command line: `autograder grade PATH [-o OUT]` and `autograder similarity PATH` for course staff,
`autograder check [PATH]` for students."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path

from autograder import sandbox
from autograder.session import CALL_TIMEOUT
from autograder.submission import Submission, SubmissionError, clashes, discover

try:  # the course's grader; the students' copy in the release has only the public checks
    from autograder import batch, grade, preflight, report, results, rubric
except ImportError:
    batch = grade = preflight = report = results = rubric = None

DATA_ENV = "CS231N_CIFAR10_DIR"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade one submission or many (hidden tests)")
    g.add_argument("path", type=Path, help="a student folder, a .zip, nbgrader's submitted/, or a folder of them")
    g.add_argument("-o", "--out", type=Path, default=Path("graded"), help="output folder (default: graded/)")
    g.add_argument("--tests", nargs="+", metavar="NAME", help="only these tests (names or prefixes, e.g. layers.)")
    g.add_argument("--rubric", type=Path, help="rubric TOML (default: autograder/rubric.toml)")
    g.add_argument("--data", type=Path, help=f"CIFAR-10 folder (default: ${DATA_ENV})")
    g.add_argument("--no-data", action="store_true", help="skip the tests that train on CIFAR-10")
    g.add_argument("--student", action="append", metavar="ID", help="grade only this student (again), repeatable")
    g.add_argument("--force", action="store_true", help="regrade students that already have results")
    g.add_argument("--timeout", type=float, default=CALL_TIMEOUT,
                   help=f"seconds per call into student code (default {CALL_TIMEOUT:g})")
    g.add_argument("--unsandboxed", action="store_true",
                   help="run student code WITHOUT bubblewrap: it can then read and change your files, use the "
                        "network and leave processes behind. Only for trusted code on machines without bwrap.")
    g.add_argument("--workers", type=int, default=batch.default_workers() if batch else 1,
                   help="submissions graded in parallel on this machine (default: one per core)")
    g.add_argument("--scheduler", metavar="tcp://HOST:PORT",
                   help="grade on this Dask distributed cluster instead (workers must see the same paths)")
    g.add_argument("--blas-threads", type=int, default=1, help="BLAS threads per runner (default 1)")
    g.add_argument("--quiet", action="store_true", help="print only the summary")
    g.add_argument("--gradebook", metavar="URL",
                   help="also write the scores into this nbgrader gradebook (e.g. sqlite:///gradebook.db) and add "
                        "its manual grades to grades.csv")
    g.add_argument("--course-id", default="cs231n", help="nbgrader course id (default cs231n)")
    g.add_argument("--assignment", default="assignment2", help="nbgrader assignment (default assignment2)")

    m = sub.add_parser("similarity", help="find copied code: pairs of submissions, or of a submission and a known "
                                          "solution, that share it (OUT/similarity.csv and .html)")
    m.add_argument("path", type=Path,
                   help="what `grade` accepts: a student folder, a .zip, submitted/, or a folder of them")
    m.add_argument("-o", "--out", type=Path, default=Path("graded"), help="output folder (default: graded/)")
    m.add_argument("--against", type=Path, action="append", default=[], metavar="DIR",
                   help="a folder of known solutions (one folder each holding cs231n/), repeatable")
    m.add_argument("--threshold", type=float, help="the score from which a pair is reported (default: calibrated)")
    m.add_argument("--workers", type=int, help="processes that fingerprint the submissions (default: one per core)")

    z = sub.add_parser("gradescope", help="build the autograder zip for Gradescope")
    z.add_argument("-o", "--out", type=Path, default=Path("autograder.zip"), help="zip to write (autograder.zip)")

    c = sub.add_parser("check", help="check your own assignment folder with the public tests")
    c.add_argument("path", type=Path, nargs="?", default=Path("."), help="your assignment folder (default: .)")
    c.add_argument("--unsandboxed", action="store_true", help="run without bubblewrap (your own code only)")
    return parser


def _data_source(args: argparse.Namespace) -> Path | None:
    """The CIFAR-10 folder to grade with, or None with --no-data; exits with a clear message when missing."""
    if args.no_data:
        return None
    source = args.data or (Path(os.environ[DATA_ENV]) if os.environ.get(DATA_ENV) else None)
    if source is None or not (source / "data_batch_1").is_file():
        where = f"{source} has no data_batch_1" if source else f"neither --data nor ${DATA_ENV} is set"
        sys.exit(f"autograder: CIFAR-10 not found ({where}). Get it with "
                 "`python cs231n/datasets/get_cifar10.py`, pass --data DIR or set "
                 f"{DATA_ENV}, or use --no-data to skip the accuracy targets.")
    return source


def _prepared(source: Path, cache: Path) -> Path:
    from autograder import data

    return data.prepare(source, cache)


def cmd_grade(args: argparse.Namespace) -> int:
    if grade is None:
        sys.exit("autograder: this copy has only the public checks (`autograder check`); grading needs the "
                 "course's autograder with its hidden tests")
    out: Path = args.out
    sandboxed = not args.unsandboxed
    if sandboxed and sandbox.bwrap_path() is None:
        sys.exit("autograder: " + str(sandbox.SandboxUnavailable(_NO_BWRAP)))
    try:
        subs, problems = clashes(discover(args.path))
    except SubmissionError as exc:
        sys.exit(f"autograder: {exc}")
    if args.student:
        wanted = set(args.student)
        subs = [s for s in subs if s.student in wanted or s.folder in wanted]
        if not subs:
            sys.exit(f"autograder: no submission for {', '.join(sorted(wanted))} under {args.path}")
    source = _data_source(args)
    try:
        the_rubric = rubric.load(args.rubric)
    except rubric.RubricError as exc:
        sys.exit(f"autograder: {exc}")
    out.mkdir(parents=True, exist_ok=True)  # only once nothing can refuse any more
    todo = [s for s in subs if args.force or args.student or results.read_student(out / s.folder) is None]
    data = None if source is None else _prepared(source, out / ".cache")
    tests = grade.selected_tests(args.tests, with_data=data is not None)
    if not sandboxed:
        print("autograder: WARNING: grading WITHOUT a sandbox; student code runs "
              + ("as an unprivileged user, without network." if os.geteuid() == 0 else "with your rights."),
              file=sys.stderr)
    limits = sandbox.Limits(blas_threads=args.blas_threads)
    _sweep_scratch()
    started = time.monotonic()
    flagged: list[str] = []

    def save(result: grade.SubmissionResult) -> None:
        progress.update(result)
        if result.infrastructure_error:  # not the student's fault: no result, so the next run grades it
            problems.append(f"{result.student} was not graded (graded again by the next run): "
                            f"{result.infrastructure_error}")
            return
        try:
            results.write_student(out, result)
        except Exception as exc:  # one student's results must not stop the others
            problems.append(f"the results of {result.student} could not be written: {type(exc).__name__}: {exc}")
            return
        if result.late_unknown:
            flagged.append(result.student)
        if not args.quiet and not progress.enabled:
            print(f"{result.student}: {grade.shown(result.score)}/{result.max_score:g} ({result.execution_time:.1f} s)",
                  flush=True)

    with tempfile.TemporaryDirectory(prefix=f"{SCRATCH_PREFIX}{os.getpid()}-") as scratch:
        options = grade.GradeOptions(the_rubric, tests, Path(scratch), sandboxed=sandboxed, limits=limits,
                                     data=data, call_timeout=args.timeout)
        try:
            preflight.check(options)
        except preflight.PreflightFailed as exc:
            sys.exit(f"autograder: nothing was graded: a runner started on a known-good module failed, so this "
                     f"machine cannot grade fairly: {exc}")
        progress = batch.Progress.for_stream(len(todo))
        try:
            batch.run(todo, options, save, workers=args.workers, scheduler=args.scheduler)
        except KeyboardInterrupt:
            progress.close()
            sys.exit(f"autograder: interrupted after {progress.done} of {len(todo)}; their results are saved. "
                     "Run the same command again to grade the rest.")
        except BrokenProcessPool:
            progress.close()
            sys.exit(f"autograder: a grading worker died after {progress.done} of {len(todo)} results (saved). "
                     "Run the same command again to grade the rest.")
        finally:
            progress.close()
    wall = time.monotonic() - started
    extra = None
    if args.gradebook:
        from autograder import gradebook

        written, failed = gradebook.write_results(args.gradebook, args.course_id, args.assignment,
                                                  the_rubric.points, results.read_all(out))
        problems.extend(failed)
        extra = gradebook.manual_points(args.gradebook, args.course_id, args.assignment)
        print(f"gradebook: {written} students written to {gradebook.companion(args.assignment)} in {args.gradebook}")
    path = results.write_grades(out, extra)
    engine = args.scheduler or f"{args.workers} local worker(s)"
    report.write(out, results.read_all(out), {
        "this run: submissions graded": len(todo), "this run: wall time (s)": f"{wall:.1f}", "engine": engine,
        "this run: throughput (submissions/min)": f"{60 * len(todo) / wall:.1f}" if wall > 0 and todo else "-"})
    print(f"graded {len(todo)} of {len(subs)} submissions ({len(subs) - len(todo)} already had results); "
          f"results in {out}/, grades in {path}, class report in {out / report.REPORT}")
    if flagged:
        print(f"autograder: the late policy could not be applied to {len(flagged)} submission(s) whose time is "
              f"unknown (late_days = unknown in {path}): {', '.join(flagged)}", file=sys.stderr)
    for problem in problems:
        print(f"autograder: ERROR: {problem}", file=sys.stderr)
    return 1 if problems else 0


SCRATCH_PREFIX = "autograder-scratch-"


def _sweep_scratch() -> None:
    """Delete the scratch folders of grading runs that were killed (-9) before they could: ours, of a dead process."""
    for folder in Path(tempfile.gettempdir()).glob(f"{SCRATCH_PREFIX}*"):
        pid = folder.name[len(SCRATCH_PREFIX):].split("-", 1)[0]
        try:
            if pid.isdigit() and folder.lstat().st_uid == os.geteuid() and not Path(f"/proc/{pid}").exists():
                shutil.rmtree(folder, ignore_errors=True)
        except OSError:
            pass


_NO_BWRAP = ("bubblewrap (bwrap) is not installed, so student code cannot be isolated. Install it (apt-get install "
             "bubblewrap) or pass --unsandboxed, which runs student code with your own rights.")


def cmd_check(args: argparse.Namespace) -> int:
    from autograder import public

    try:
        return public.check(Submission("you", args.path), sandboxed=not args.unsandboxed)
    except sandbox.SandboxUnavailable as exc:
        sys.exit(f"autograder: {exc}")


def cmd_similarity(args: argparse.Namespace) -> int:
    try:
        from autograder.similarity import command
    except ImportError:
        sys.exit("autograder: this copy has only the public checks; `similarity` needs the course's autograder")
    return command.main(args)


def cmd_gradescope(args: argparse.Namespace) -> int:
    from autograder import gradescope

    path = gradescope.build(args.out)
    print(f"wrote {path} ({path.stat().st_size // 1024} KiB): upload it as the autograder of a Gradescope assignment")
    return 0


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"grade": cmd_grade, "check": cmd_check, "gradescope": cmd_gradescope,
            "similarity": cmd_similarity}[args.command](args)
