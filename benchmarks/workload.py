"""What the benchmarks grade and generate: the solutions, synthetic classes of submissions, copies of the course."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from autograder.data import DATA_ENV
from generate.layout import ASSIGNMENT
from generate.nbgrader_steps import interpreter_on_path
from generate.package import IGNORED
from tests.samples.build import TWO_BUGS

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / ASSIGNMENT
RELEASE = ROOT / "release" / ASSIGNMENT
PYTHON = sys.executable
COURSE_PARTS = ("cs231n", "source", "generate", "autograder", "nbgrader_config.py", "requirements.txt")
NOT_COPIED = shutil.ignore_patterns(*IGNORED)
TIMESTAMP = "2026-02-10 12:00:00.000000 UTC"


def environment(data: Path | None) -> dict[str, str]:
    """The environment of every measured command: this interpreter's bin folder first on PATH (nbgrader runs
    alembic from there), the project importable, CIFAR-10 where the notebooks look for it."""
    env = interpreter_on_path({**os.environ, "PYTHONPATH": str(ROOT)})
    if data is not None:
        env[DATA_ENV] = str(data)
    return env


def grade_command(path: Path, out: Path, *options: str) -> list[str]:
    """`autograder grade PATH -o OUT` with OPTIONS, quietly, regrading what OUT already holds."""
    return [PYTHON, "-m", "autograder", "grade", str(path), "-o", str(out), "--quiet", "--force", *options]


def synthetic_class(dest: Path, n: int) -> Path:
    """N submissions in nbgrader's layout (DEST/submitted/<student>/assignment2): copies of the solutions' package,
    every fourth carrying one of the sample's two bugs (batchnorm_backward or adam), as tests/test_course_grading.py
    builds them; returns the submitted/ folder."""
    submitted = dest / "submitted"
    for i in range(n):
        folder = submitted / f"student{i:03d}" / ASSIGNMENT
        shutil.copytree(SOLUTIONS / "cs231n", folder / "cs231n", ignore=NOT_COPIED)
        if i % 4 == 3:
            rel, old, new = TWO_BUGS[(i // 4) % 2]
            path = folder / rel
            path.write_text(path.read_text().replace(old, new))
        (folder / "timestamp.txt").write_text(TIMESTAMP)
    return submitted


def course_copy(dest: Path) -> Path:
    """A copy of the course's sources (package, notebooks, generator, the checker the release ships, nbgrader
    config) at DEST, without release/, solutions/ or gradebook: `python -m generate` run there leaves the committed
    release/ untouched."""
    dest.mkdir(parents=True)
    for part in COURSE_PARTS:
        if (ROOT / part).is_dir():
            shutil.copytree(ROOT / part, dest / part, ignore=NOT_COPIED)
        else:
            shutil.copy2(ROOT / part, dest / part)
    return dest


def submit_solutions(course: Path, student: str) -> Path:
    """submitted/<student>/assignment2 in COURSE: the committed solutions (executed notebooks and package), as a
    student who did everything would hand them in."""
    folder = course / "submitted" / student / ASSIGNMENT
    shutil.copytree(SOLUTIONS, folder, ignore=shutil.ignore_patterns("inline_questions.md", "best_model.npz",
                                                                      "__pycache__"))
    return folder
