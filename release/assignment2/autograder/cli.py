"""The command line: `autograder grade PATH [-o OUT]` and `autograder similarity PATH` for course staff,
`autograder check [PATH]` for students."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from autograder import sandbox
from autograder.session import CALL_TIMEOUT
from autograder.submission import Submission

try:  # the course's grader; the students' copy in the release has only the public checks
    from autograder import batch, pipeline
except ImportError:
    batch = pipeline = None


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="autograder", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    g = sub.add_parser("grade", help="grade one submission or many (hidden tests)")
    g.add_argument("path", type=Path, help="a student folder, a .zip, nbgrader's submitted/, or a folder of them")
    g.add_argument("-o", "--out", type=Path, default=Path("graded"), help="output folder (default: graded/)")
    g.add_argument("--tests", nargs="+", metavar="NAME", help="only these tests (names or prefixes, e.g. layers.)")
    g.add_argument("--rubric", type=Path, help="rubric TOML (default: autograder/rubric.toml)")
    g.add_argument("--data", type=Path, help="CIFAR-10 folder (default: $CS231N_CIFAR10_DIR)")
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


def cmd_grade(args: argparse.Namespace) -> int:
    if pipeline is None:
        sys.exit("autograder: this copy has only the public checks (`autograder check`); grading needs the "
                 "course's autograder with its hidden tests")
    request = pipeline.Request(args.path, args.out, tests=args.tests, rubric=args.rubric, data=args.data,
                               no_data=args.no_data, students=args.student, force=args.force,
                               call_timeout=args.timeout, sandboxed=not args.unsandboxed,
                               blas_threads=args.blas_threads)
    try:
        selection = pipeline.select(request)
        run = pipeline.grade(selection, workers=args.workers, scheduler=args.scheduler, quiet=args.quiet)
    except pipeline.Refused as exc:
        sys.exit(f"autograder: {exc}")
    gradebook = pipeline.GradebookTarget(args.gradebook, args.course_id, args.assignment) if args.gradebook else None
    return pipeline.publish(selection, run, args.scheduler or f"{args.workers} local worker(s)", gradebook)


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
