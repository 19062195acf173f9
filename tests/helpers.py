"""What several test files need: the project's folders, copies of the reference package, hostile submissions made
from it, the environment and command line of the grader run as a subprocess, a tiny nbgrader course, and test
functions registered for one test only.

The production names the tests import more than once are imported here, so that a name that moves is fixed in
one place."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

from autograder import framework, grade, rubric
from autograder.scores import SubmissionResult, TestResult
from autograder.submission import Submission
from generate.nbgrader_steps import interpreter_on_path

__all__ = ["SubmissionResult", "TestResult"]

ROOT = Path(__file__).resolve().parents[1]
REFERENCE = ROOT / "cs231n"
RELEASE = ROOT / "release" / "assignment2"
SOLUTIONS = ROOT / "solutions" / "assignment2"
SOURCE = ROOT / "source" / "assignment2"
# What a copy of the course's sources leaves behind: caches, the dataset and its archives, notebook checkpoints.
NOT_COPIED = shutil.ignore_patterns("__pycache__", "*.pyc", "cifar-10-batches-py", "*.tar.gz",
                                    ".ipynb_checkpoints")
NOT_PACKAGE = shutil.ignore_patterns("__pycache__", "cifar-10-*")  # what a student's cs231n/ copy leaves out

# Exact names (not prefixes), so that tests added later to these areas cannot change the expected scores.
TESTS = grade.selected_tests(
    ["layers.affine_forward", "layers.affine_backward", "layers.relu_forward", "layers.relu_backward"], False)
RUBRIC = rubric.load()
POINTS = {name: RUBRIC.points[name] for name in TESTS}
WRONG_RELU_BACKWARD = {**POINTS, "layers.relu_backward": 0.0}  # what a plainly wrong relu_backward scores


# -- submissions made from the reference ---------------------------------------------------------------------------
def reference_copy(dest: Path, package: Path = REFERENCE) -> Path:
    """DEST holding a copy of PACKAGE (default: the reference cs231n/) as a student submits it; returns DEST."""
    shutil.copytree(package, dest / "cs231n", ignore=NOT_PACKAGE)
    return dest


def hostile(dest: Path, source: str, function: str = "relu_backward", module: str = "layers.py", **values: Any) -> Path:
    """A submission at DEST: the reference package with MODULE's FUNCTION replaced by SOURCE (which may start with
    module-level code). Each keyword NAME=value replaces the token NAME in SOURCE by repr(value)."""
    path = reference_copy(dest) / "cs231n" / module
    text = path.read_text()
    node = next(n for n in ast.parse(text).body if isinstance(n, ast.FunctionDef) and n.name == function)
    for name, value in values.items():
        source = source.replace(name, repr(value))
    lines = text.splitlines(keepends=True)
    path.write_text("".join(lines[: node.lineno - 1]) + source.strip("\n") + "\n" + "".join(lines[node.end_lineno:]))
    return dest


def edit_once(path: Path, old: str, new: str, what: str = "") -> None:
    """Replace OLD, which must occur exactly once in PATH, by NEW; WHAT (e.g. "mutant NAME: ") starts the error."""
    text = path.read_text()
    count = text.count(old)
    if count != 1:
        raise AssertionError(f"{what}{old!r} occurs {count} times in {path}")
    path.write_text(text.replace(old, new))


def graded_tests(folder: Path, scratch: Path, tests: list[str], data: Path | None = None) -> dict[str, TestResult]:
    """FOLDER graded on TESTS with the course's rubric (a real runner; DATA: the prepared CIFAR-10, or None);
    {test name: its result}."""
    options = grade.GradeOptions(rubric=rubric.load(), tests=tests, scratch=scratch, data=data)
    return {r.name: r for r in grade.grade(Submission(folder.name, folder), options).tests}


def live_processes(*needles: str) -> dict[int, str]:
    """The live (not zombie) processes whose command line contains one of NEEDLES: {pid: command line}."""
    found = {}
    for entry in filter(str.isdigit, os.listdir("/proc")):
        try:
            cmdline = Path(f"/proc/{entry}/cmdline").read_bytes()
            state = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if state != "Z" and any(n.encode() in cmdline for n in needles):
            found[int(entry)] = cmdline.replace(b"\0", b" ").decode(errors="replace")
    return found


def scores(result: SubmissionResult) -> dict[str, float]:
    return {t.name: t.score for t in result.tests}


# -- the grader as a subprocess ----------------------------------------------------------------------------------
def cli_env(**extra: str) -> dict[str, str]:
    """The environment of the grader run as a subprocess: this checkout importable, this interpreter's tools
    (nbgrader, jupyter) first on PATH, plus EXTRA."""
    env = interpreter_on_path(dict(os.environ))
    return {**env, "PYTHONPATH": str(ROOT), **extra}


def autograder(*args: str, cwd: Path, env: dict | None = None, timeout: float = 300) -> subprocess.CompletedProcess:
    """bin/autograder ARGS, as a user runs it (its own set-up of the environment)."""
    return subprocess.run([str(ROOT / "bin" / "autograder"), *args], cwd=cwd, capture_output=True, text=True,
                          timeout=timeout, env=env)


def autograder_module(*args: str, cwd: Path = ROOT, check: bool = False,
                      **extra_env: str) -> subprocess.CompletedProcess:
    """`python -m autograder ARGS` with this interpreter and `cli_env`."""
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, env=cli_env(**extra_env),
                          capture_output=True, text=True, check=check)


# -- pages in a real browser -------------------------------------------------------------------------------------
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync"]


@dataclass(frozen=True)
class Chromium:
    """Headless Chromium with a profile of its own."""

    path: str
    flags: list[str]

    def dom(self, page: Path) -> str:
        """PAGE's document after its scripts ran."""
        return subprocess.run([self.path, *self.flags, "--dump-dom", page.as_uri()], capture_output=True, text=True,
                              timeout=120).stdout

    def screenshot(self, page: Path, dest: Path, size: str) -> Path:
        """PAGE rendered in a window of SIZE ("width,height") into the PNG DEST."""
        subprocess.run([self.path, *self.flags, f"--window-size={size}", f"--screenshot={dest}", page.as_uri()],
                       capture_output=True, timeout=120)
        return dest


def chromium(profile: Path) -> Chromium:
    """Debian's chromium with its profile in PROFILE; the test fails (not skips) without it."""
    path = shutil.which("chromium")
    if path is None:
        pytest.fail("the page tests need Debian's chromium (bin/setup installs it)")
    return Chromium(path, [*CHROMIUM_FLAGS, f"--user-data-dir={profile}"])


# -- a tiny nbgrader course ----------------------------------------------------------------------------------------
QUICK_TRAINING = {"CS231N_MAX_ITERATIONS": "50"}


def run(args: list[str], cwd: Path, **extra_env: str) -> subprocess.CompletedProcess:
    """ARGS in CWD with this interpreter's tools on PATH and EXTRA_ENV; output captured as text."""
    env = {**interpreter_on_path(dict(os.environ)), **extra_env}
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600)


def generate(course: Path, *args: str, **extra_env: str) -> subprocess.CompletedProcess:
    """`python -m generate ARGS` in COURSE."""
    return run([sys.executable, "-m", "generate", *args], course, **extra_env)


def nbgrader(course: Path, *args: str) -> str:
    """`nbgrader ARGS` in COURSE, which must succeed (CIFAR-10 from $CS231N_CIFAR10_DIR, else ../shared beside the
    clone; the notebooks' trainings cut to QUICK_TRAINING); its output."""
    data = os.environ.get("CS231N_CIFAR10_DIR", str(ROOT.parent / "shared" / "data" / "cifar-10-batches-py"))
    result = run([sys.executable, "-m", "nbgrader", *args], course, CS231N_CIFAR10_DIR=data, **QUICK_TRAINING)
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout + result.stderr


def nbgrader_meta(**fields) -> dict:
    """A cell's metadata with nbgrader's FIELDS (grade_id, solution, grade, locked, points)."""
    meta = {"schema_version": 3, "locked": False, "solution": False, "grade": False, "task": False}
    return {"nbgrader": {**meta, **fields}}


def tiny_course(root: Path) -> Path:
    """A course with one annotated module and one notebook with a solution, a hidden test and a question."""
    shutil.copytree(ROOT / "generate", root / "generate", ignore=NOT_COPIED)
    shutil.copytree(ROOT / "autograder", root / "autograder", ignore=NOT_COPIED)
    shutil.copy2(ROOT / "nbgrader_config.py", root / "nbgrader_config.py")
    shutil.copy2(ROOT / "requirements.txt", root / "requirements.txt")
    (root / "cs231n").mkdir()
    (root / "cs231n" / "__init__.py").write_text("")
    (root / "cs231n" / "layers.py").write_text(
        'def add(a, b):\n    """Returns a + b."""\n'
        "    ### BEGIN SOLUTION\n    return a + b\n    ### END SOLUTION\n")
    cells = [
        new_code_cell("import os\nfrom cs231n.layers import add\nprint(os.environ['CS231N_CIFAR10_DIR'])\n"
                      "open('by_product.txt', 'w').close()",
                      metadata=nbgrader_meta(grade_id="setup", locked=True)),
        new_code_cell("def twice(a):\n    ### BEGIN SOLUTION\n    return add(a, a)\n    ### END SOLUTION",
                      metadata=nbgrader_meta(grade_id="twice", solution=True)),
        new_code_cell("assert twice(2) == 4\n### BEGIN HIDDEN TESTS\nassert twice(-21) == -42\n"
                      "### END HIDDEN TESTS",
                      metadata=nbgrader_meta(grade_id="test", grade=True, locked=True, points=1)),
        new_markdown_cell("## Inline Question 1:\n\nWhy add?\n\n**Your Answer:**\n\n### BEGIN SOLUTION\n"
                          "**Answer key:** Because sums are useful.\n\n**Rubric (2 pts):**\n- -1: no reason\n"
                          "### END SOLUTION",
                          metadata=nbgrader_meta(grade_id="q1", solution=True, grade=True, points=2)),
    ]
    nb = new_notebook(cells=cells, metadata={"kernelspec": {"name": "python3", "display_name": "Python 3",
                                                            "language": "python"}})
    (root / "source" / "assignment2").mkdir(parents=True)
    nbformat.write(nb, root / "source" / "assignment2" / "FullyConnectedNets.ipynb")
    (root / "source" / "assignment2" / "README.md").write_text("# Tiny\n")
    (root / "source" / "assignment2" / "collect_submission.py").write_text(
        'NOTEBOOKS = ("FullyConnectedNets.ipynb",)\n')
    shutil.copytree(SOURCE / "inline_pdf", root / "source" / "assignment2" / "inline_pdf", ignore=NOT_COPIED)
    return root


# -- test functions of the grader's framework, registered for one test ---------------------------------------------
@contextmanager
def registered_tests(*bodies: Callable[[framework.TestContext], None]) -> Iterator[list[str]]:
    """Register BODIES as graded tests (framework.grader_test) under fresh names; their names, removed again on
    exit so that no other test sees them."""
    names = [f"unit.{i}.{body.__name__}" for i, body in enumerate(bodies)]
    for name, body in zip(names, bodies, strict=True):
        framework.grader_test(name, suite="unit")(body)
    try:
        yield names
    finally:
        for name in names:
            framework.TESTS.pop(name, None)
            framework.TEST_INFO.pop(name, None)


def run_registered(name: str, shape_only: float) -> framework.Outcome:
    """Run the registered test NAME with no runner (it must not call the student's code) and the rubric's
    SHAPE_ONLY share."""
    grading = framework.Grading(framework.PartialCredit(backward_matches_wrong_forward=0.5, shape_only=shape_only))
    return framework.run_test(name, None, grading)
