"""`python -m generate [--no-execute] [--data DIR]`, run from the course root.

Regenerates from scratch:
- release/assignment2: nbgrader's student notebooks, README.md, collect_submission.py with inline_pdf/ (the
  inline answers' PDF), the stubbed package, the public checker (`python -m autograder check .`), and the
  students' pinned requirements.txt and environment.yml;
- solutions/assignment2: nbgrader's solution notebooks (executed unless --no-execute), the clean package,
  the same environment files, inline_questions.md (answer keys and rubrics), the blank template PDF of the
  inline answers and gradescope_rubric.md (the Gradescope outline and rubric items).
"""

import argparse
import logging
import shutil
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from nbgrader.converters.base import NbGraderException

from generate.answer_key import answer_key_markdown
from generate.checker import render_checker
from generate.execute import ExecutionFailed, execute_solutions, resolve_data_dir
from generate.layout import INLINE_QUESTIONS, Course, ordered_notebooks
from generate.nbgrader_steps import generate_release, generate_solutions
from generate.package import render_package, write_package
from generate.stubber import AnnotationError, solution_source, stub_source
from generate.student_env import render_student_env
from generate.written import render_written_part


@contextmanager
def _timed(what: str) -> Iterator[None]:
    start = time.perf_counter()
    yield
    print(f"  {what}: {time.perf_counter() - start:.1f} s", flush=True)


def _parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m generate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--no-execute", action="store_true", help="do not execute the solution notebooks")
    parser.add_argument("--data", metavar="DIR", help="CIFAR-10 folder (default: $CS231N_CIFAR10_DIR)")
    return parser.parse_args(argv)


def _report(target: Path, root: Path) -> None:
    files = sorted(path for path in target.rglob("*") if path.is_file())
    print(f"{target.relative_to(root)}: {len(files)} files")
    for path in files:
        print(f"  {path.relative_to(target)}")


def generate(course: Course, data_dir: Path | None) -> None:
    """Writes release/assignment2 and solutions/assignment2 of `course`; executes solutions if data_dir."""
    with _timed("annotated sources read and checked"):
        stubs = render_package(course.package, stub_source)
        clean = render_package(course.package, solution_source)
        answer_key = answer_key_markdown(ordered_notebooks(course.source))
        student_env = render_student_env(course.root / "requirements.txt")
    for target in (course.release, course.solutions):
        shutil.rmtree(target, ignore_errors=True)
    with _timed("nbgrader generate_assignment (release, gradebook)"):
        generate_release(course.root)
    with _timed("nbgrader generate_solution"):
        generate_solutions(course.root)
    write_package(stubs, course.release)
    write_package(render_checker(course.root / "autograder"), course.release)
    write_package(clean, course.solutions)
    for target in (course.release, course.solutions):
        write_package(student_env, target)
    (course.solutions / INLINE_QUESTIONS).write_text(answer_key, encoding="utf-8")
    with _timed("template PDF and Gradescope rubric"):
        write_package(render_written_part(course), course.solutions)
    if data_dir is not None:
        removed = execute_solutions(ordered_notebooks(course.solutions), course.solutions, data_dir)
        print(f"  removed what the execution created: {', '.join(removed) or 'nothing'}")

def main(argv: list[str] | None = None) -> int:
    """Command line entry point; returns the exit status."""
    args = _parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(levelname)s (%(name)s) %(message)s")
    course = Course(Path.cwd())
    start = time.perf_counter()
    try:
        data_dir = None if args.no_execute else resolve_data_dir(args.data)
        generate(course, data_dir)
    except (AnnotationError, ValueError, FileNotFoundError, NbGraderException, ExecutionFailed) as err:
        print(f"generate: error: {err}", file=sys.stderr)
        return 1
    _report(course.release, course.root)
    _report(course.solutions, course.root)
    executed = "not executed (--no-execute)" if data_dir is None else f"executed with data from {data_dir}"
    print(f"done in {time.perf_counter() - start:.1f} s; solution notebooks {executed}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
