"""The benchmarks' workload (benchmarks/workload.py) is what a course has: `bin/bench` regenerates the release in a
copy of the course and grades in it, so the copy must hold everything `python -m generate` reads."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from benchmarks.workload import course_copy, environment
from tests.helpers import RELEASE


def test_a_copy_of_the_course_generates_its_release(tmp_path: Path) -> None:
    course = course_copy(tmp_path / "course")
    run = subprocess.run([sys.executable, "-m", "generate", "--no-execute"], cwd=course, env=environment(None),
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
    generated = course / "release" / "assignment2" / "requirements.txt"
    assert generated.read_text() == (RELEASE / "requirements.txt").read_text()
