"""The autograder's scores in nbgrader's gradebook: `nbgrader export` shows the same totals as grades.csv."""

from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

from autograder import gradebook
from tests.helpers import autograder_module, reference_copy

TESTS = ["layers.affine", "layers.relu"]


def _grade(subs: Path, out: Path, db: str) -> None:
    autograder_module("grade", str(subs), "-o", str(out), "--no-data", "--quiet", "--tests", *TESTS, "--gradebook", db,
                      check=True)


def _submissions(tmp: Path) -> Path:
    subs = tmp / "subs"
    reference_copy(subs / "alice")
    (subs / "bob" / "cs231n").mkdir(parents=True)
    (subs / "bob" / "cs231n" / "__init__.py").write_text("")
    (subs / "bob" / "cs231n" / "layers.py").write_text("def relu_forward(x):\n    return x * (x > 0), x\n")
    return subs


def test_nbgrader_export_matches_grades_csv(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    out = tmp_path / "out"
    _grade(_submissions(tmp_path), out, db)
    with open(out / "grades.csv") as f:
        ours = {row["student"]: float(row["score"]) for row in csv.DictReader(f)}
    assert ours["alice"] == 8.0 and ours["bob"] == 1.0

    export = tmp_path / "export.csv"
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}
    subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--CourseDirectory.db_url={db}",
                    "--CourseDirectory.course_id=cs231n", f"--to={export}"], check=True, cwd=tmp_path, env=env,
                   capture_output=True)
    with open(export) as f:
        rows = [r for r in csv.DictReader(f) if r["assignment"] == gradebook.companion("assignment2")]
    theirs = {r["student_id"]: float(r["score"]) for r in rows}
    assert theirs == ours


def test_regrading_updates_rather_than_duplicates(tmp_path: Path) -> None:
    db = f"sqlite:///{tmp_path / 'gradebook.db'}"
    subs = _submissions(tmp_path)
    _grade(subs, tmp_path / "out", db)
    (subs / "bob" / "cs231n" / "layers.py").write_text("def relu_forward(x):\n    return None\n")
    _grade(subs, tmp_path / "out2", db)
    from nbgrader.api import Gradebook

    with Gradebook(db, "cs231n") as gb:
        assignment = gb.find_assignment(gradebook.companion("assignment2"))
        assert sorted(s.student.id for s in assignment.submissions) == ["alice", "bob"]
        assert gb.find_submission(assignment.name, "bob").score == 0.0
