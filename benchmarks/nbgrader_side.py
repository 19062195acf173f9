"""The same submission graded the way nbgrader courses grade it: `nbgrader autograde assignment2`, which executes
the submitted notebooks (training cells included) with the student's package and scores their test cells."""

from __future__ import annotations

from pathlib import Path

from benchmarks.measure import measured
from benchmarks.workload import PYTHON, submit_solutions
from generate.layout import ASSIGNMENT

STUDENT = "alice"


def code_score(course: Path) -> tuple[float, float]:
    """(score, max score) of the autograded test cells of STUDENT's submission in COURSE's gradebook."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{course / 'gradebook.db'}", "cs231n") as gb:
        submission = gb.find_submission(ASSIGNMENT, STUDENT)
        return submission.code_score, submission.max_code_score


def autograde(course: Path, env: dict[str, str]) -> dict:
    """Section 2: submit the solutions in COURSE (generated: its gradebook knows the assignment) and autograde them."""
    submit_solutions(course, STUDENT)
    cmd = [PYTHON, "-m", "nbgrader", "autograde", ASSIGNMENT, "--student", STUDENT, "--force"]
    figures = measured(cmd, course, env, "nbgrader autograde").to_dict()
    score, max_score = code_score(course)
    return {**figures, "code_score": score, "max_code_score": max_score}
