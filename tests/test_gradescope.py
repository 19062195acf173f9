"""Gradescope's run_autograder, run here as Gradescope runs it (as root, AUTOGRADER_ROOT standing for /autograder),
in both modes: with bubblewrap, and in a container that forbids it (a bwrap that fails, as there), where student
code runs as an unprivileged user that can neither read nor write the grader, its hidden tests, its reference or
the results. The student's code tries all of that (and the judge's /proc/PID/cwd, the way in that worked before),
and reports what it managed in a file of its own."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
import uuid
import zipfile
from pathlib import Path

import pytest

from autograder import gradescope
from tests.helpers import POINTS, RUBRIC, SOLUTIONS, TESTS, WRONG_RELU_BACKWARD, hostile, reference_copy

INTRUDER = '''
def relu_backward(dout, cache):
    import json, os
    done = []

    def attempt(what, action):
        try:
            action()
            done.append(what)
        except OSError:
            pass

    def read(path):
        with open(path, "rb") as f:
            f.read(64)

    def write(path):
        with open(path, "a") as f:
            f.write("# changed by the student\\n")

    pid = os.getppid()
    for _ in range(8):  # the judge is an ancestor: its cwd is the grader's source
        attempt(f"followed /proc/{pid}/cwd", lambda: os.listdir(f"/proc/{pid}/cwd"))
        attempt(f"read /proc/{pid}/environ", lambda: read(f"/proc/{pid}/environ"))
        try:
            with open(f"/proc/{pid}/stat") as f:
                pid = int(f.read().rsplit(")", 1)[1].split()[1])
        except OSError:
            break
    attempt("read the reference", lambda: read("@ROOT@/source/cs231n/layers.py"))
    attempt("read a hidden test", lambda: read("@ROOT@/source/autograder/hidden/layers_basic.py"))
    attempt("read the rubric", lambda: read("@ROOT@/source/autograder/rubric.toml"))
    attempt("listed the source", lambda: os.listdir("@ROOT@/source"))
    attempt("changed the grader", lambda: write("@ROOT@/source/autograder/grade.py"))
    attempt("wrote results.json", lambda: write("@ROOT@/results/results.json"))
    attempt("listed the results", lambda: os.listdir("@ROOT@/results"))
    attempt("wrote a module on the judge's path", lambda: write("@ROOT@/source/sitecustomize.py"))
    try:
        with open("@REPORT@", "w") as f:
            json.dump({"uid": os.getuid(), "done": done}, f)
    except OSError:
        pass  # inside bubblewrap /tmp is the sandbox's own: no report leaves it
    return dout * 2
'''


def gradescope_root(tmp_path: Path, submission: Path) -> Path:
    """/autograder as Gradescope lays it out after setup.sh: source/ (the zip's), submission/, results/."""
    root = tmp_path / "autograder"
    archive = gradescope.build(tmp_path / "autograder.zip")
    with zipfile.ZipFile(archive) as zf:
        zf.extractall(root)
    (root / "run_autograder").chmod(0o755)
    shutil.copytree(submission, root / "submission")
    return root


def digest(folder: Path) -> dict[str, str]:
    return {str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file() and "__pycache__" not in p.parts}


def run_autograder(root: Path, python: str, bwrap_works: bool, cifar10_dir: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "AUTOGRADER_ROOT": str(root), "AUTOGRADER_PYTHON": python,
           "CS231N_CIFAR10_DIR": str(cifar10_dir)}
    if not bwrap_works:
        fake = root.parent / "fake-bin"
        fake.mkdir(exist_ok=True)
        (fake / "bwrap").write_text("#!/bin/sh\necho 'bwrap: No permissions to create new namespace' >&2\nexit 1\n")
        (fake / "bwrap").chmod(0o755)
        env["PATH"] = f"{fake}:{env['PATH']}"
    return subprocess.run([str(root / "run_autograder")], env=env, capture_output=True, text=True, timeout=600)


@pytest.mark.slow
@pytest.mark.parametrize("bwrap_works", [True, False], ids=["bubblewrap", "no-bubblewrap"])
def test_run_autograder_keeps_student_code_out_of_the_grader(
    tmp_path: Path, python_for_others: str, cifar10_dir: Path, bwrap_works: bool
) -> None:
    report = Path(f"/tmp/gradescope-probe-{uuid.uuid4().hex}.json")
    root_placeholder = tmp_path / "autograder"
    student = hostile(tmp_path / "student", INTRUDER.replace("@ROOT@", str(root_placeholder))
                      .replace("@REPORT@", str(report)))
    root = gradescope_root(tmp_path, student)
    before = digest(root / "source")
    try:
        run = run_autograder(root, python_for_others, bwrap_works, cifar10_dir)
        probe = json.loads(report.read_text()) if report.exists() else None
    finally:
        report.unlink(missing_ok=True)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    scores = {t["name"]: t["score"] for t in results["tests"]}
    assert {n: scores[n] for n in TESTS} == WRONG_RELU_BACKWARD  # no reference to cheat with
    assert scores["layers.relu_backward"] == 0 and sum(POINTS.values()) > 0
    assert digest(root / "source") == before
    if bwrap_works:
        assert probe is None and "without bubblewrap" not in results.get("output", "")
    else:
        assert "student code runs as an unprivileged user" in run.stderr
        assert "without bubblewrap" in results["output"]
        assert probe is not None and probe["uid"] != 0
        assert probe["done"] == [], probe


@pytest.mark.slow
def test_run_autograder_refuses_when_the_runner_cannot_be_isolated(tmp_path: Path, cifar10_dir: Path) -> None:
    """Without bubblewrap the runner's user must be able to run the Python: the project's own (under /root here)
    cannot be, so the run stops before grading and leaves no results (Gradescope shows an autograder failure, not a
    score)."""
    student = reference_copy(tmp_path / "student")
    root = gradescope_root(tmp_path, student)
    try:
        subprocess.run([sys.executable, "-c", ""], user=65534, group=65534, extra_groups=[], check=True)
        pytest.skip(f"{sys.executable} is readable by other users here: nothing to refuse")
    except (PermissionError, subprocess.CalledProcessError):
        pass
    run = run_autograder(root, sys.executable, False, cifar10_dir)
    assert run.returncode != 0
    assert "nothing was graded" in run.stderr and "readable by other users" in run.stderr
    assert not (root / "results" / "results.json").exists()


GRADESCOPE_KEYS = {"score", "max_score", "execution_time", "output", "visibility", "stdout_visibility", "tests"}


@pytest.mark.slow
def test_run_autograder_gives_a_complete_submission_every_point_in_gradescopes_format(
    tmp_path: Path, cifar10_dir: Path
) -> None:
    """The solutions as Gradescope unpacks the zip that collect_submission.py makes (cs231n/, best_model.pt and the
    notebooks at the top), graded by run_autograder with the project's Python: every registered test, CIFAR-10
    targets included, at full points; results.json in Gradescope's keys only."""
    student = reference_copy(tmp_path / "student", SOLUTIONS / "cs231n")
    for name in ("best_model.pt", "FullyConnectedNets.ipynb"):
        shutil.copy2(SOLUTIONS / name, student / name)
    root = gradescope_root(tmp_path, student)
    run = run_autograder(root, sys.executable, True, cifar10_dir)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert set(results) == GRADESCOPE_KEYS, "our own keys stay out of what Gradescope reads"
    full = RUBRIC.points
    assert {t["name"]: (t["score"], t["max_score"], t["status"], t["visibility"]) for t in results["tests"]} == {
        name: (points, points, "passed", "visible") for name, points in full.items()}
    assert results["score"] == results["max_score"] == RUBRIC.max_score == 111
    assert "without bubblewrap" not in results["output"] and results["execution_time"] > 0


@pytest.mark.slow
def test_run_autograder_scores_an_upload_of_two_submissions_zero_and_says_why(
    tmp_path: Path, cifar10_dir: Path
) -> None:
    student = tmp_path / "student"
    student.mkdir()
    for name in ("first.zip", "second.zip"):
        (student / name).write_bytes(b"not a zip")
    root = gradescope_root(tmp_path, student)
    run = run_autograder(root, sys.executable, True, cifar10_dir)
    assert run.returncode == 0, run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    assert results == {"score": 0, "output": "the grader found 2 submissions in the upload, expected one",
                       "tests": []}


def test_run_autograder_writes_no_results_when_the_grader_cannot_run(tmp_path: Path) -> None:
    """No CIFAR-10 where setup.sh puts it: the grade command stops, and run_autograder fails without a
    results.json (Gradescope shows an autograder failure, not a score of 0)."""
    student = reference_copy(tmp_path / "student")
    root = gradescope_root(tmp_path, student)
    empty = tmp_path / "no-data"
    empty.mkdir()
    run = run_autograder(root, sys.executable, True, empty)
    assert run.returncode == 1
    assert f"autograder: {empty} (from $CS231N_CIFAR10_DIR) does not hold CIFAR-10: missing data_batch_1" in run.stderr
    assert (root / "results").is_dir() and not (root / "results" / "results.json").exists()
