"""The student's and the instructor's side: `autograder check` on the solutions and on the untouched release, and
regenerating the release and solutions (`python -m generate --no-execute`) in a copy of the course."""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import measured, median_of, run_undisturbed
from benchmarks.workload import PYTHON, RELEASE, ROOT, SOLUTIONS, course_copy


def check(folder: Path, env: dict[str, str], repeats: int) -> dict:
    """`autograder check FOLDER`; its exit status is part of the result (the release fails its checks)."""
    cmd = [PYTHON, "-m", "autograder", "check", str(folder)]
    return median_of(repeats, lambda: run_undisturbed(cmd, ROOT, env, "autograder check"))


def generation(course: Path, env: dict[str, str]) -> dict:
    """`python -m generate --no-execute` in COURSE, a copy of the course's sources."""
    return measured([PYTHON, "-m", "generate", "--no-execute"], course, env, "python -m generate").to_dict()


def student_side(work: Path, env: dict[str, str], repeats: int) -> tuple[dict, Path]:
    """Section 4, and the generated course copy (the nbgrader comparison grades in it)."""
    course = course_copy(work / "course")
    figures = {
        "check_solutions": check(SOLUTIONS, env, repeats),
        "check_release": check(RELEASE, env, repeats),
        "generate_no_execute": generation(course, env),
    }
    return figures, course
