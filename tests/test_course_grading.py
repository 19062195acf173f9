"""Grading a whole course: the same results serially, on a process pool and on a Dask cluster; an interrupted run
finishes on restart; the gradebook agrees with grades.csv; late penalties; the class report as a person sees it."""

from __future__ import annotations

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder import report, rubric
from autograder.scores import SubmissionResult, TestResult
from tests.samples.build import TWO_BUGS

ROOT = Path(__file__).resolve().parents[1]
SOLUTIONS = ROOT / "solutions" / "assignment2"
TESTS = ["layers.", "optim."]
N = 40
ENV = {**os.environ, "PYTHONPATH": str(ROOT), "PATH": f"{Path(sys.executable).parent}:{os.environ['PATH']}"}


def _course(tmp: Path) -> Path:
    """N submissions in nbgrader's layout: copies of the solution, every fourth with one of two bugs."""
    subs = tmp / "submitted"
    for i in range(N):
        folder = subs / f"student{i:02d}" / "assignment2"
        shutil.copytree(SOLUTIONS / "cs231n", folder / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
        if i % 4 == 3:
            rel, old, new = TWO_BUGS[(i // 4) % 2]
            path = folder / rel
            path.write_text(path.read_text().replace(old, new))
        (folder / "timestamp.txt").write_text("2026-02-10 12:00:00.000000 UTC")
    return subs


def _grade(subs: Path, out: Path, *extra: str) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "autograder", "grade", str(subs), "-o", str(out), "--no-data", "--quiet",
           "--tests", *TESTS, *extra]
    return subprocess.run(cmd, cwd=ROOT, env=ENV, capture_output=True, text=True, check=True)


def _verdicts(out: Path) -> dict[str, tuple]:
    found = {}
    for path in sorted(out.glob("*/results.json")):
        data = json.loads(path.read_text())
        found[path.parent.name] = (data["score"], tuple((t["name"], t["score"], t["status"]) for t in data["tests"]))
    return found


@pytest.fixture(scope="module")
def course(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, tuple]]:
    tmp = tmp_path_factory.mktemp("course")
    subs = _course(tmp)
    _grade(subs, tmp / "serial", "--workers", "1")
    serial = _verdicts(tmp / "serial")
    assert len(serial) == N
    return subs, serial


@pytest.mark.slow
def test_serial_results_are_right(course: tuple[Path, dict]) -> None:
    _, serial = course
    full = {s for s, (score, _) in serial.items() if score == serial["student00"][0]}
    assert len(full) == 30, "the 30 unmodified copies all get the reference's score"
    for i in (3, 7):
        lost = {name for name, score, status in serial[f"student{i:02d}"][1] if status != "passed"}
        assert lost == ({"layers.batchnorm_backward"} if i == 3 else {"optim.adam"})


@pytest.mark.slow
def test_process_pool_matches_serial(course: tuple[Path, dict], tmp_path: Path) -> None:
    subs, serial = course
    _grade(subs, tmp_path / "pool", "--workers", "2")
    assert _verdicts(tmp_path / "pool") == serial


@pytest.mark.slow
def test_dask_cluster_matches_serial(course: tuple[Path, dict], tmp_path: Path) -> None:
    distributed = pytest.importorskip("distributed")
    subs, serial = course
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                                  dashboard_address=None) as cluster:
        _grade(subs, tmp_path / "dask", "--scheduler", cluster.scheduler_address)
    assert _verdicts(tmp_path / "dask") == serial


@pytest.mark.slow
def test_killed_run_finishes_on_restart_with_consistent_gradebook(course: tuple[Path, dict], tmp_path: Path) -> None:
    subs, serial = course
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'gradebook.db'}"
    cmd = [sys.executable, "-m", "autograder", "grade", str(subs), "-o", str(out), "--no-data", "--quiet",
           "--workers", "2", "--tests", *TESTS, "--gradebook", db]
    proc = subprocess.Popen(cmd, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)
    deadline = time.monotonic() + 300
    while len(list(out.glob("*/results.json"))) < N // 2 and time.monotonic() < deadline:
        time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    halfway = len(list(out.glob("*/results.json")))
    assert N // 2 <= halfway < N, "the run was killed halfway"

    rerun = _grade(subs, out, "--workers", "2", "--gradebook", db)
    assert f"graded {N - halfway} of {N}" in rerun.stdout
    assert _verdicts(out) == serial

    export = tmp_path / "export.csv"
    subprocess.run([sys.executable, "-m", "nbgrader", "export", f"--CourseDirectory.db_url={db}",
                    "--CourseDirectory.course_id=cs231n", f"--to={export}"], cwd=tmp_path, env=ENV, check=True,
                   capture_output=True)
    with open(export) as f:
        theirs = {r["student_id"]: float(r["score"]) for r in csv.DictReader(f)
                  if r["assignment"] == "assignment2-autograder"}
    with open(out / "grades.csv") as f:
        ours = {r["student"]: float(r["score"]) for r in csv.DictReader(f)}
    assert len(ours) == N and theirs == ours


@pytest.mark.slow
def test_regrading_one_student_changes_nothing_else(course: tuple[Path, dict], tmp_path: Path) -> None:
    subs, serial = course
    out = tmp_path / "out"
    shutil.copytree(subs, tmp_path / "subs")
    _grade(tmp_path / "subs", out, "--workers", "2")
    before = {p: p.read_bytes() for p in out.glob("*/results.json")}
    bug_rel, old, new = TWO_BUGS[1]
    target = tmp_path / "subs" / "student00" / "assignment2" / bug_rel
    target.write_text(target.read_text().replace(old, new))
    _grade(tmp_path / "subs", out, "--student", "student00")
    after = {p: p.read_bytes() for p in out.glob("*/results.json")}
    changed = {p.parent.name for p in after if after[p] != before[p]}
    assert changed == {"student00"}
    assert _verdicts(out)["student00"] == serial["student07"]


def test_late_policy_counts_started_days_after_grace() -> None:
    policy = rubric.LatePolicy(deadline=rubric.parse_time("2026-02-10T23:59:00+00:00"), grace_minutes=15,
                               penalty_per_day=0.1, max_penalty=0.3)
    at = rubric.parse_time
    assert policy.penalty(80, at("2026-02-10 23:59:00.000 UTC")) == (0, 0.0)
    assert policy.penalty(80, at("2026-02-11T00:10:00+00:00")) == (0, 0.0)  # within grace
    assert policy.penalty(80, at("2026-02-11T00:20:00+00:00")) == (1, 8.0)
    assert policy.penalty(80, at("2026-02-13T00:20:00+00:00")) == (3, 24.0)
    assert policy.penalty(80, at("2026-03-01T00:00:00+00:00")) == (18, 24.0)  # capped at 30 %
    assert rubric.LatePolicy().penalty(80, datetime.now(UTC)) == (0, 0.0)  # no deadline, no penalty


def test_late_submission_loses_points(tmp_path: Path) -> None:
    rubric_file = tmp_path / "rubric.toml"
    text = (ROOT / "autograder" / "rubric.toml").read_text()
    rubric_file.write_text(text.replace("grace_minutes = 15", 'deadline = "2026-02-09T23:59:00Z"\ngrace_minutes = 0'))
    subs = tmp_path / "submitted" / "alice" / "assignment2"
    shutil.copytree(SOLUTIONS / "cs231n", subs / "cs231n", ignore=shutil.ignore_patterns("__pycache__"))
    (subs / "timestamp.txt").write_text("2026-02-11 08:00:00.000000 UTC")
    cmd = [sys.executable, "-m", "autograder", "grade", str(tmp_path / "submitted"), "-o", str(tmp_path / "out"),
           "--no-data", "--quiet", "--tests", "layers.affine", "--rubric", str(rubric_file)]
    subprocess.run(cmd, cwd=ROOT, env=ENV, check=True, capture_output=True)
    data = json.loads((tmp_path / "out" / "alice" / "results.json").read_text())
    assert data["autograder"]["late_days"] == 2
    assert data["score"] == pytest.approx(5 * 0.8)
    assert "2 day(s) late" in data["output"]


def _result(student: str, score: float, failing: str | None) -> SubmissionResult:
    tests = [TestResult("layers.affine_forward", 2.0, 2.0, "passed", "PASS", 0.1),
             TestResult("optim.adam", 0.0 if failing else 3.0, 3.0, "failed" if failing else "passed",
                        failing or "PASS", 0.1)]
    return SubmissionResult(student, score, 5.0, tests, [], 1.5 + score)


def test_class_report_shows_what_a_person_needs(tmp_path: Path) -> None:
    chromium = shutil.which("chromium")
    if chromium is None:
        pytest.fail("the report test needs Debian's chromium (bin/setup installs it)")
    results = [_result(f"s{i}", 5.0, None) for i in range(6)]
    results += [_result(f"b{i}", 2.0, "FAIL adam: relative error 8.2e-01 (must be below 1e-04)") for i in range(3)]
    path = report.write(tmp_path, results, {"engine": "2 local worker(s)"})
    flags = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             f"--user-data-dir={tmp_path / 'profile'}"]
    dom = subprocess.run([chromium, *flags, "--dump-dom", path.as_uri()], capture_output=True, text=True,
                         timeout=120).stdout
    for text in ("class report", "Pass rate per test", "Failures, grouped by message", "Slowest submissions",
                 "2 local worker(s)", "optim.adam", "relative error #"):
        assert text in dom, text
    assert dom.count("<img") == 2
    shot = tmp_path / "report.png"
    subprocess.run([chromium, *flags, "--window-size=1000,1600", f"--screenshot={shot}", path.as_uri()],
                   capture_output=True, timeout=120)
    assert shot.stat().st_size > 20_000, "the page renders with its charts"
    rows = report.pass_rates(results)
    assert rows[0][0] == "optim.adam" and rows[0][1] == pytest.approx(6 / 9)
