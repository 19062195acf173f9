"""The command line: `autograder grade PATH [-o OUT]` for course staff, `autograder check [PATH]` for students."""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

from autograder import grade, results, rubric, sandbox
from autograder.submission import Submission, SubmissionError, discover

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
    g.add_argument("--timeout", type=float, default=20.0, help="seconds per call into student code (default 20)")
    g.add_argument("--unsandboxed", action="store_true",
                   help="run student code WITHOUT bubblewrap: it can then read and change your files, use the "
                        "network and leave processes behind. Only for trusted code on machines without bwrap.")
    g.add_argument("--quiet", action="store_true", help="print only the summary")
    g.add_argument("--gradebook", metavar="URL",
                   help="also write the scores into this nbgrader gradebook (e.g. sqlite:///gradebook.db) and add "
                        "its manual grades to grades.csv")
    g.add_argument("--course-id", default="cs231n", help="nbgrader course id (default cs231n)")
    g.add_argument("--assignment", default="assignment2", help="nbgrader assignment (default assignment2)")

    c = sub.add_parser("check", help="check your own assignment folder with the public tests")
    c.add_argument("path", type=Path, nargs="?", default=Path("."), help="your assignment folder (default: .)")
    c.add_argument("--unsandboxed", action="store_true", help="run without bubblewrap (your own code only)")
    return parser


def _data_dir(args: argparse.Namespace, cache: Path) -> Path | None:
    """The folder of prepared grading data, or None with --no-data; exits with a clear message when missing."""
    if args.no_data:
        return None
    source = args.data or (Path(os.environ[DATA_ENV]) if os.environ.get(DATA_ENV) else None)
    if source is None or not (source / "data_batch_1").is_file():
        where = f"{source} has no data_batch_1" if source else f"neither --data nor ${DATA_ENV} is set"
        sys.exit(f"autograder: CIFAR-10 not found ({where}). Get it with "
                 "`python cs231n/datasets/get_cifar10.py`, pass --data DIR or set "
                 f"{DATA_ENV}, or use --no-data to skip the accuracy targets.")
    from autograder import data

    return data.prepare(source, cache)


def cmd_grade(args: argparse.Namespace) -> int:
    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    try:
        subs = discover(args.path)
    except SubmissionError as exc:
        sys.exit(f"autograder: {exc}")
    if args.student:
        wanted = set(args.student)
        subs = [s for s in subs if s.student in wanted]
        if not subs:
            sys.exit(f"autograder: no submission for {', '.join(sorted(wanted))} under {args.path}")
    todo = [s for s in subs if args.force or args.student or results.read_student(out / s.student) is None]
    data = _data_dir(args, out / ".cache")
    tests = grade.selected_tests(args.tests, with_data=data is not None)
    the_rubric = rubric.load(args.rubric, known=None)
    sandboxed = not args.unsandboxed
    if sandboxed and sandbox.bwrap_path() is None:
        sys.exit("autograder: " + str(sandbox.SandboxUnavailable(_NO_BWRAP)))
    if not sandboxed:
        print("autograder: WARNING: grading WITHOUT a sandbox; student code runs with your rights.", file=sys.stderr)
    with tempfile.TemporaryDirectory(prefix="autograder-") as scratch:
        options = grade.GradeOptions(the_rubric, tests, Path(scratch), sandboxed=sandboxed, data=data,
                                     call_timeout=args.timeout)
        for i, sub in enumerate(todo, 1):
            result = grade.grade(sub, options)
            results.write_student(out, result)
            if not args.quiet:
                print(f"[{i}/{len(todo)}] {result.student}: {result.score:g}/{result.max_score:g} "
                      f"({result.execution_time:.1f} s)", flush=True)
    extra = None
    if args.gradebook:
        from autograder import gradebook

        written = gradebook.write_results(args.gradebook, args.course_id, args.assignment, the_rubric.points,
                                          results.read_all(out))
        extra = gradebook.manual_points(args.gradebook, args.course_id, args.assignment)
        print(f"gradebook: {written} students written to {gradebook.companion(args.assignment)} in {args.gradebook}")
    path = results.write_grades(out, extra)
    print(f"graded {len(todo)} of {len(subs)} submissions ({len(subs) - len(todo)} already had results); "
          f"results in {out}/, grades in {path}")
    return 0


_NO_BWRAP = ("bubblewrap (bwrap) is not installed, so student code cannot be isolated. Install it (apt-get install "
             "bubblewrap) or pass --unsandboxed, which runs student code with your own rights.")


def cmd_check(args: argparse.Namespace) -> int:
    from autograder import public

    try:
        return public.check(Submission("you", args.path), sandboxed=not args.unsandboxed)
    except sandbox.SandboxUnavailable as exc:
        sys.exit(f"autograder: {exc}")


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    return {"grade": cmd_grade, "check": cmd_check}[args.command](args)
