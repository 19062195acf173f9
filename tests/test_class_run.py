"""A class run that no submission can stop or bend: a time budget per submission, text of any kind written safely,
one student's failure to be written never stopping the others, scratch space neither left behind nor readable by
others, student ids that cannot shadow class files, gradebook ids kept exactly, clashing submissions refused by
name, a bounded judge memory, late times only from what the course controls, and infrastructure failures that stop
the run before grading (or leave a submission to the next run) instead of scoring zero.

Submissions are the reference cs231n/ with one function replaced (tests/helpers.py's `hostile`)."""

from __future__ import annotations

import calendar
import csv
import dataclasses
import json
import os
import shutil
import subprocess
import sys
import threading
import time
import zipfile
from pathlib import Path

import pytest

from autograder import grade, identity, rubric
from autograder.submission import Submission, discover, folder_name
from tests.helpers import (
    POINTS,
    ROOT,
    RUBRIC,
    TESTS,
    WRONG_RELU_BACKWARD,
    autograder,
    cli_env,
    hostile,
    reference_copy,
    scores,
)

WRONG = '''
def relu_backward(dout, cache):
    return dout * 2
'''


def grade_cli(subs: Path, out: Path, *extra: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return autograder("grade", str(subs), "-o", str(out), "--no-data", "--quiet", "--tests", *TESTS, *extra,
                      cwd=subs.parent, env=env)


def saved(out: Path, student: str) -> dict:
    return json.loads((out / folder_name(student) / "results.json").read_text())


def rows(out: Path) -> dict[str, dict]:
    with open(out / "grades.csv", newline="") as f:
        return {r["student"]: r for r in csv.DictReader(f)}


# -- item 5: a time budget per submission -------------------------------------------------------------------------
SLOW = '''
def relu_forward(x):
    import time
    time.sleep(1.5)  # just under any per-call limit, every call
    return np.maximum(x, 0), x
'''


def test_a_submission_gets_its_time_budget_and_no_more(tmp_path: Path) -> None:
    slow = hostile(tmp_path / "slow", SLOW, function="relu_forward")
    options = grade.GradeOptions(rubric=dataclasses.replace(RUBRIC, budget_seconds=4.0), tests=TESTS,
                                 scratch=tmp_path / "scratch")
    result = grade.grade(Submission("slow", slow), options)
    assert result.execution_time < 4.0 + 8.0  # the budget, plus stopping the runner on a loaded machine
    output = {t.name: t.output for t in result.tests}
    assert scores(result) == {**POINTS, "layers.relu_forward": 0.0, "layers.relu_backward": 0.0}
    assert "time budget of 4 s ran out" in output["layers.relu_forward"]
    assert "not run: the submission used up its time budget of 4 s" in output["layers.relu_backward"]


def test_the_budget_is_in_the_rubric(tmp_path: Path) -> None:
    assert rubric.load().budget_seconds == 600
    custom = tmp_path / "rubric.toml"
    custom.write_text((ROOT / "autograder" / "rubric.toml").read_text().replace("submission_seconds = 600",
                                                                                "submission_seconds = 90"))
    assert rubric.load(custom).budget_seconds == 90
    custom.write_text(custom.read_text().replace("submission_seconds = 90", "submission_seconds = -1"))
    with pytest.raises(rubric.RubricError, match="submission_seconds"):
        rubric.load(custom)


# -- item 6: any text, any failure to write, scratch space ------------------------------------------------------
SURROGATES = '''
def relu_backward(dout, cache):
    import sys
    print("printed: \\ud800 \\udfff \\x00 \\x1b[31m", file=sys.stderr)
    raise ValueError("lone surrogate \\ud800, NUL \\x00, escape \\x1b[2J")
'''


def test_any_text_is_written_and_one_unwritable_student_stops_no_one(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    reference_copy(subs / "alice")
    hostile(subs / "mallory", SURROGATES)
    reference_copy(subs / "zoe")
    out.mkdir()
    (out / "zoe").write_text("an instructor's file where zoe's results would go\n")
    tmpdir = tmp_path / "tmpdir"
    tmpdir.mkdir()
    stale = tmpdir / "autograder-scratch-999999999-abcd"  # of a grading run killed (-9) before it could clean up
    (stale / "alice").mkdir(parents=True)
    stale_copy = Path(f"/tmp/autograder-runner-stale{os.getpid()}")  # a killed grader's runner's copy
    if os.geteuid() == 0:
        (stale_copy / "submission").mkdir(parents=True)
        os.chown(stale_copy, 0, identity.FIRST_ID + identity.COUNT - 1)
    modes: set[tuple[str, int, bool]] = set()  # (kind of folder, mode, owned by a group other than root's)

    def watch(run: subprocess.Popen) -> None:
        while run.poll() is None:
            for kind, pattern in (("scratch", tmpdir / "autograder-scratch-*"),
                                  ("runner copy", Path("/tmp") / "autograder-runner-*")):
                for path in Path(pattern.parent).glob(pattern.name):
                    try:
                        info = path.stat()
                    except OSError:
                        continue
                    if path not in (stale, stale_copy):
                        modes.add((kind, info.st_mode & 0o777, info.st_gid != 0))
            time.sleep(0.01)

    env = {**os.environ, "TMPDIR": str(tmpdir)}
    cmd = [str(ROOT / "bin" / "autograder"), "grade", str(subs), "-o", str(out), "--no-data", "--quiet", "--tests",
           *TESTS]
    with subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as run:
        watcher = threading.Thread(target=watch, args=(run,))
        watcher.start()
        stdout, stderr = run.communicate(timeout=300)
        watcher.join()
    assert run.returncode == 1, stderr
    assert "the results of zoe could not be written" in stderr
    assert saved(out, "alice")["score"] == sum(POINTS.values())
    mallory = saved(out, "mallory")
    assert mallory["score"] == sum(WRONG_RELU_BACKWARD.values())
    feedback = {t["name"]: t["output"] for t in mallory["tests"]}["layers.relu_backward"]
    assert "lone surrogate \\ud800, NUL \ufffd, escape \ufffd[2J" in feedback
    page = (out / "mallory" / "feedback.html").read_text(encoding="utf-8")
    assert "lone surrogate \\ud800" in page
    assert set(rows(out)) == {"alice", "mallory"} and (out / "report.html").is_file()
    # The scratch space: never readable by others, and gone afterwards (the stale one of a killed run too).
    assert ("scratch", 0o700, False) in modes
    expected = {("scratch", 0o700, False), ("runner copy", 0o700, False), ("runner copy", 0o750, True)}
    assert modes <= expected, modes
    assert not list(tmpdir.iterdir()), "scratch left behind"
    assert not stale_copy.exists(), "a killed grader's runner copy left behind"


# -- items 7 and 8: ids, folders and the gradebook --------------------------------------------------------------
def test_student_ids_cannot_shadow_class_files(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    reference_copy(subs / "alice")
    for name in ("grades.csv", "report.html", ".cache"):
        archive = subs / f"{name}.zip"
        with zipfile.ZipFile(archive, "w") as zf:
            for path in sorted((ROOT / "cs231n").rglob("*.py")):
                zf.write(path, path.relative_to(ROOT).as_posix())
    for _ in range(2):  # and again: a rerun is not blocked either
        run = grade_cli(subs, out, "--force")
        assert run.returncode == 0, run.stderr
        assert (out / "grades.csv").is_file() and (out / "report.html").is_file()
        assert set(rows(out)) == {"alice", "grades.csv", "report.html"}  # .cache.zip is hidden: not a submission
        assert saved(out, "grades.csv")["score"] == sum(POINTS.values())
    assert sorted(p.name for p in out.iterdir()) == ["alice", "grades%2Ecsv", "grades.csv", "report%2Ehtml",
                                                     "report.html"]


def test_folder_names_are_one_to_one_and_never_a_class_file() -> None:
    ids = ["a+b", "a_b", "a b", "a%2Bb", "grades.csv", "Alice", "alice", ".hidden", "é", "x" * 300, "x" * 301, "\udcff"]
    folders = [folder_name(i) for i in ids]
    assert len(set(folders)) == len(ids)
    assert all("." not in f and "/" not in f and len(f.encode()) <= 200 for f in folders)
    assert folder_name("a_b") == "a_b" and folder_name("student-01@uni") == "student-01@uni"


def test_gradebook_grades_go_to_exactly_nbgraders_ids(tmp_path: Path) -> None:
    submitted = tmp_path / "course" / "submitted"
    reference_copy(submitted / "a_b" / "assignment2")
    hostile(submitted / "a+b" / "assignment2", WRONG)
    out, db = tmp_path / "out", f"sqlite:///{tmp_path / 'gradebook.db'}"
    run = grade_cli(submitted, out, "--gradebook", db)
    assert run.returncode == 0, run.stderr
    from nbgrader.api import Gradebook

    with Gradebook(db, "cs231n") as gb:
        graded = {s.student.id: s.score for s in gb.find_assignment("assignment2-autograder").submissions}
    assert graded == {"a_b": sum(POINTS.values()), "a+b": sum(WRONG_RELU_BACKWARD.values())}
    assert {k: float(v["score"]) for k, v in rows(out).items()} == graded
    assert sorted(p.name for p in out.iterdir() if not p.name.startswith(".") and p.is_dir()) == ["a%2Bb", "a_b"]


def test_two_submissions_of_one_student_are_an_error_naming_both(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    reference_copy(subs / "alice")
    reference_copy(subs / "bob")
    shutil.make_archive(str(subs / "bob"), "zip", subs / "bob")
    assert sorted(s.student for s in discover(subs)) == ["alice", "bob", "bob"]
    run = grade_cli(subs, out)
    assert run.returncode == 1
    assert f"{subs / 'bob'} and {subs / 'bob.zip'} are all submissions of 'bob': none of them was graded" in run.stderr
    assert set(rows(out)) == {"alice"} and not (out / "bob").exists()


# -- item 9: the size of answers and the judge's memory ----------------------------------------------------------
HUGE_CACHE = '''
def affine_forward(x, w, b):
    out = x.reshape(x.shape[0], -1) @ w + b
    return out, (x, w, b, np.ones(1 << 27))  # a 1 GiB cache
'''
JUDGE = '''
import json, sys
from pathlib import Path
from autograder import grade, identity, rubric
from autograder.submission import Submission
options = grade.GradeOptions(rubric=rubric.load(), tests=sys.argv[3:], scratch=Path(sys.argv[2]))
result = grade.grade(Submission("huge", Path(sys.argv[1])), options)
# VmHWM: this process's own peak (ru_maxrss would also count the pytest process it was forked from)
peak_kib = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
print(json.dumps({"scores": {t.name: t.score for t in result.tests},
                  "outputs": {t.name: t.output for t in result.tests},
                  "peak_mib": peak_kib / 1024}))
'''


def test_a_huge_answer_is_refused_and_the_judges_memory_stays_bounded(tmp_path: Path) -> None:
    huge = hostile(tmp_path / "huge", HUGE_CACHE, function="affine_forward")
    run = subprocess.run([sys.executable, "-c", JUDGE, str(huge), str(tmp_path / "scratch"), *TESTS], cwd=ROOT,
                         capture_output=True, text=True, timeout=300, env=cli_env())
    assert run.returncode == 0, run.stderr
    found = json.loads(run.stdout)
    assert found["scores"]["layers.affine_forward"] == 0.0
    assert "larger than the limit" in found["outputs"]["layers.affine_forward"]
    assert found["scores"]["layers.relu_forward"] == POINTS["layers.relu_forward"]
    print(f"judge peak with a 1 GiB cache: {found['peak_mib']:.0f} MiB")
    assert found["peak_mib"] < 400, found["peak_mib"]


# -- item 10: the late time comes from the course --------------------------------------------------------------
LATE = 'deadline = "2026-02-09T23:59:00Z"\ngrace_minutes = 0'


def late_rubric(tmp_path: Path) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text((ROOT / "autograder" / "rubric.toml").read_text().replace("grace_minutes = 15", LATE))
    return path


def test_a_timestamp_the_student_wrote_is_ignored_and_an_unknown_time_is_flagged(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    for student in ("early_bird", "garbled"):
        reference_copy(subs / student)
    (subs / "early_bird" / "timestamp.txt").write_text("2020-01-01 00:00:00.000000 UTC")  # the student's own file
    (subs / "garbled" / "timestamp.txt").write_text("not a time")
    run = grade_cli(subs, out, "--rubric", str(late_rubric(tmp_path)))
    assert run.returncode == 0, run.stderr
    assert "late policy could not be applied to 2 submission(s)" in run.stderr
    for student in ("early_bird", "garbled"):
        data = saved(out, student)
        assert data["autograder"]["late_unknown"] is True and data["autograder"]["timestamp"] is None
        assert "LATE POLICY NOT APPLIED: the submission time is unknown" in data["output"]
        assert rows(out)[student]["late_days"] == "unknown"


def test_nbgraders_record_and_the_uploads_time_count(tmp_path: Path) -> None:
    submitted = tmp_path / "course" / "submitted"
    for student, stamp in (("on_time", "2026-02-09 20:00:00.000000 UTC"), ("late", "2026-02-11 08:00:00 UTC"),
                           ("unreadable", "yesterday-ish")):
        reference_copy(submitted / student / "assignment2")
        (submitted / student / "assignment2" / "timestamp.txt").write_text(stamp)
    out = tmp_path / "out"
    run = grade_cli(submitted, out, "--rubric", str(late_rubric(tmp_path)))
    assert run.returncode == 0, run.stderr
    found = {s: (r["late_days"], float(r["score"])) for s, r in rows(out).items()}
    full = sum(POINTS.values())
    assert found == {"on_time": ("0", full), "late": ("2", full * 0.8), "unreadable": ("unknown", full)}
    assert "cannot be read" in saved(out, "unreadable")["output"]

    uploads = tmp_path / "uploads"
    reference_copy(uploads / "zipped")
    archive = Path(shutil.make_archive(str(uploads / "zipped"), "zip", uploads / "zipped"))
    shutil.rmtree(uploads / "zipped")
    when = calendar.timegm((2026, 2, 12, 12, 0, 0))
    os.utime(archive, (when, when))
    run = grade_cli(uploads, tmp_path / "out2", "--rubric", str(late_rubric(tmp_path)))
    assert run.returncode == 0, run.stderr
    assert rows(tmp_path / "out2")["zipped"]["late_days"] == "3"


# -- item 12: infrastructure failures ------------------------------------------------------------------------------
FAKE_BWRAP = '''#!/bin/sh
# A bubblewrap that works COUNT times, then fails as one does where namespaces are forbidden.
n=$(cat "{count}")
echo $((n + 1)) > "{count}"
if [ "$n" -ge {works} ]; then
  echo "bwrap: No permissions to create new namespace, likely because the kernel does not allow it" >&2
  exit 1
fi
exec {real} "$@"
'''


def fake_bwrap(tmp_path: Path, works: int) -> dict:
    folder = tmp_path / "bin"
    folder.mkdir()
    count = tmp_path / "count"
    count.write_text("0")
    script = folder / "bwrap"
    script.write_text(FAKE_BWRAP.format(count=count, works=works, real=shutil.which("bwrap")))
    script.chmod(0o755)
    return {**os.environ, "PATH": f"{folder}:{os.environ['PATH']}"}


def test_a_sandbox_that_does_not_work_stops_the_run_before_grading(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    reference_copy(subs / "alice")
    run = grade_cli(subs, out, env=fake_bwrap(tmp_path, works=0))
    assert run.returncode != 0
    assert "nothing was graded" in run.stderr and "No permissions to create new namespace" in run.stderr
    assert not list(out.rglob("results.json")) and not (out / "grades.csv").exists()


def test_an_infrastructure_failure_mid_run_leaves_the_submission_to_the_next_run(tmp_path: Path) -> None:
    subs, out = tmp_path / "subs", tmp_path / "out"
    reference_copy(subs / "alice")
    reference_copy(subs / "bob")
    run = grade_cli(subs, out, "--workers", "1", env=fake_bwrap(tmp_path, works=2))  # the check, then alice
    assert run.returncode == 1
    assert "bob was not graded (graded again by the next run)" in run.stderr
    assert "No permissions to create new namespace" in run.stderr
    assert set(rows(out)) == {"alice"} and not (out / "bob").exists()
    rerun = grade_cli(subs, out)
    assert rerun.returncode == 0, rerun.stderr
    assert "graded 1 of 2" in rerun.stdout
    assert saved(out, "bob")["score"] == sum(POINTS.values())


TMP_CLONE = '''
import sys
from pathlib import Path
from autograder.session import RunnerSession
with RunnerSession(Path(sys.argv[1])) as s:
    print(s.call("layers.relu_forward", 3.0)[0])
'''


def test_a_runner_whose_python_lives_under_tmp_starts(tmp_path: Path, python_for_others: str) -> None:
    """The sandbox's private /tmp must not hide a virtual environment that lives under /tmp (a clone there)."""
    assert python_for_others.startswith("/tmp/")
    alice = reference_copy(tmp_path / "alice")
    run = subprocess.run([python_for_others, "-c", TMP_CLONE, str(alice)], capture_output=True, text=True,
                         timeout=120, env=cli_env())
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == "3.0"


def test_a_sandbox_that_cannot_be_set_up_stops_the_run_before_grading(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from autograder import cli, syscalls

    if os.geteuid() != 0:
        pytest.skip("the seccomp filter is required only when the grader is root")
    monkeypatch.setattr(syscalls, "available", lambda: False)
    out = tmp_path / "out"
    with pytest.raises(SystemExit) as stopped:
        cli.main(["grade", str(reference_copy(tmp_path / "alice")), "-o", str(out), "--no-data", "--tests", *TESTS])
    assert "nothing was graded" in str(stopped.value.code) and "libseccomp" in str(stopped.value.code)
    assert not list(out.rglob("results.json")) and not (out / "grades.csv").exists()
