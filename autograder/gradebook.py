"""Writing the autograder's scores into nbgrader's gradebook, beside the notebooks' autograded and manual grades.

nbgrader knows grades only as grade cells of notebooks. The hidden tests are not notebook cells, so they live in a
companion assignment, `<assignment>-autograder` (one notebook, `autograder`, one grade cell per test with the rubric's
points). A separate assignment, because nbgrader refuses to regenerate an assignment whose notebooks changed once
it has submissions. `nbgrader export` and the formgrader then list both assignments for every student, and
`manual_points` reads back the TAs' manual grades (the inline questions) for grades.csv.

Writes happen in one process (the caller's), each student in one transaction, so parallel grading never has two
writers on the SQLite file; a student whose write fails is reported and the others are still written. Grades go
to exactly the student id of the result (nbgrader's own id, never rewritten). Any SQLAlchemy URL works
(sqlite:///gradebook.db, postgresql://...).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable

from nbgrader.api import Grade, Gradebook, MissingEntry, SubmittedAssignment, SubmittedNotebook
from sqlalchemy.exc import SAWarning

from autograder.scores import SubmissionResult

NOTEBOOK = "autograder"


def companion(assignment: str) -> str:
    return f"{assignment}-autograder"


def write_results(db_url: str, course_id: str, assignment: str, points: dict[str, float],
                  results: Iterable[SubmissionResult]) -> tuple[int, list[str]]:
    """Record RESULTS (tests scored with POINTS) in the gradebook; returns how many students were written and one
    message per student that could not be."""
    name = companion(assignment)
    count = 0
    with warnings.catch_warnings(), Gradebook(db_url, course_id) as gb:
        # nbgrader 0.9 with SQLAlchemy 2 warns about its own session handling when it creates submissions.
        warnings.simplefilter("ignore", SAWarning)
        gb.update_or_create_assignment(name)
        notebook = gb.update_or_create_notebook(NOTEBOOK, name)
        existing = {cell.name: cell.max_score for cell in notebook.grade_cells}
        for test, max_score in points.items():
            if existing.get(test) != max_score:
                gb.update_or_create_grade_cell(test, NOTEBOOK, name, max_score=max_score, cell_type="code")
        cells = {cell.name: cell.id for cell in notebook.grade_cells}
        failed = []
        for result in results:
            try:
                _write_one(gb, name, notebook.id, cells, result)
                count += 1
            except Exception as exc:  # one student's id or grades must not keep the others out of the gradebook
                failed.append(f"the gradebook grades of {result.student!r} could not be written: "
                              f"{type(exc).__name__}: {exc}")
    return count, failed


def _write_one(gb: Gradebook, assignment: str, notebook_id: str, cells: dict[str, str],
               result: SubmissionResult) -> None:
    try:
        gb.update_or_create_student(result.student)
        submission = gb.update_or_create_submission(assignment, result.student)
        grades = _grades(gb, submission, notebook_id, cells)
        for test in result.tests:
            if test.name in grades:
                grades[test.name].auto_score = test.score
        gb.db.commit()
    except Exception:
        gb.db.rollback()
        raise


def _grades(gb: Gradebook, submission: SubmittedAssignment, notebook_id: str,
            cells: dict[str, str]) -> dict[str, Grade]:
    """The grades of SUBMISSION in the autograder notebook (NOTEBOOK_ID, whose grade cells' ids by name are CELLS),
    by test name: two indexed queries (nbgrader's tables have indexes only on their unique keys)."""
    submitted = (gb.db.query(SubmittedNotebook.id)
                 .filter_by(notebook_id=notebook_id, assignment_id=submission.id).scalar())
    rows = gb.db.query(Grade).filter(Grade.cell_id.in_(list(cells.values())), Grade.notebook_id == submitted)
    by_cell = {grade.cell_id: grade for grade in rows}
    return {name: by_cell[cell] for name, cell in cells.items() if cell in by_cell}


def manual_points(db_url: str, course_id: str, assignment: str) -> dict[str, dict[str, float]]:
    """{student: {"manual:<notebook>:<cell>": points}} for the manually graded cells of ASSIGNMENT, where graded."""
    out: dict[str, dict[str, float]] = {}
    with Gradebook(db_url, course_id) as gb:
        try:
            submissions = gb.find_assignment(assignment).submissions
        except MissingEntry:
            return out
        for submission in submissions:
            for notebook in submission.notebooks:
                for grade in notebook.grades:
                    if grade.cell.cell_type == "markdown" and grade.manual_score is not None:
                        key = f"manual:{notebook.name}:{grade.name}"
                        out.setdefault(submission.student.id, {})[key] = float(grade.manual_score)
    return out
