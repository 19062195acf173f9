"""The progress bar of a class run (autograder/batch.py's Progress): done/total, the submissions that could not be
graded, elapsed time and an ETA, drawn on one line of a terminal and silent otherwise; and `autograder grade` with
its stderr on a real terminal (a pty) draws it instead of one line per student."""

from __future__ import annotations

import os
import pty
import re
import select
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

from autograder import batch
from tests.helpers import SubmissionResult, cli_env, reference_copy


def result(student: str, error: str = "") -> SubmissionResult:
    return SubmissionResult(student, 0.0, 1.0, [], [], 0.1, error=error)


def started(total: int, seconds_ago: float, done: int = 0, failed: int = 0) -> batch.Progress:
    return batch.Progress(total, done=done, failed=failed, start=time.monotonic() - seconds_ago)


def test_the_line_before_anything_is_graded() -> None:
    assert started(4, 0).line() == f"[{' ' * 30}] 0/4 graded, 0 failed, elapsed 0:00:00, ETA 0:00:00"


@pytest.mark.parametrize(("total", "done", "seconds", "bar", "elapsed", "eta"), [
    (3, 1, 90.4, 10, "0:01:30", "0:03:00"),  # the ETA: the mean time so far for each one left
    (10, 5, 3725.2, 15, "1:02:05", "1:02:05"),  # hours
    (7, 7, 12.9, 30, "0:00:12", "0:00:00"),  # done: a full bar, nothing left
    (31, 1, 0.5, 0, "0:00:00", "0:00:15"),  # less than one 30th: no mark yet
])
def test_the_bar_elapsed_time_and_eta(total: int, done: int, seconds: float, bar: int, elapsed: str,
                                      eta: str) -> None:
    line = started(total, seconds, done=done, failed=1).line()
    assert line == f"[{'#' * bar:<30}] {done}/{total} graded, 1 failed, elapsed {elapsed}, ETA {eta}"


def test_nothing_to_grade_draws_an_empty_bar() -> None:
    assert started(0, 5).line() == f"[{' ' * 30}] 0/0 graded, 0 failed, elapsed 0:00:05, ETA 0:00:00"


def test_update_counts_each_result_and_those_that_could_not_be_graded() -> None:
    progress = started(3, 0)
    progress.update(result("alice"))
    progress.update(result("bob", error="bob.zip is not a zip file"))
    progress.update(result("carol"))
    assert (progress.done, progress.failed) == (3, 1)
    assert " 3/3 graded, 1 failed," in progress.line()


def test_on_a_terminal_each_update_redraws_one_line_and_close_ends_it(capsys: pytest.CaptureFixture) -> None:
    progress = batch.Progress(2, start=time.monotonic(), enabled=True)
    progress.update(result("alice"))
    progress.update(result("bob", error="not graded"))
    progress.close()
    err = capsys.readouterr().err
    assert err.count("\r") == 2 and err.endswith("\n") and err.count("\n") == 1
    first, second = err.strip("\n").split("\r")[1:]
    assert first.startswith(f"[{'#' * 15:<30}] 1/2 graded, 0 failed, elapsed 0:00:00")
    assert second.startswith(f"[{'#' * 30}] 2/2 graded, 1 failed, elapsed 0:00:00, ETA 0:00:00")
    assert first.endswith(" " * 8)  # covers what a longer line before left


def test_elsewhere_it_writes_nothing(capsys: pytest.CaptureFixture) -> None:
    progress = batch.Progress(2, start=time.monotonic())
    progress.update(result("alice"))
    progress.close()
    assert capsys.readouterr() == ("", "")
    assert progress.done == 1


def test_it_is_drawn_only_on_a_terminal(tmp_path: Path) -> None:
    leader, follower = pty.openpty()
    try:
        with os.fdopen(os.dup(follower), "w") as terminal, open(tmp_path / "log", "w") as file:
            assert batch.Progress.for_stream(5, terminal).enabled
            assert not batch.Progress.for_stream(5, file).enabled
    finally:
        os.close(leader)
        os.close(follower)


# -- the grade command ------------------------------------------------------------------------------------------
def class_of_three(tmp: Path) -> Path:
    subs = tmp / "class"
    reference_copy(subs / "alice")
    reference_copy(subs / "bob")
    (subs / "carol.zip").write_bytes(b"not a zip")
    assert not zipfile.is_zipfile(subs / "carol.zip")
    return subs


GRADE = ["-m", "autograder", "grade", "--no-data", "--tests", "layers.relu_forward", "--workers", "1"]


def test_the_grade_command_draws_the_bar_on_a_terminal(tmp_path: Path) -> None:
    subs = class_of_three(tmp_path)
    leader, follower = pty.openpty()
    try:
        run = subprocess.Popen([sys.executable, *GRADE, str(subs), "-o", str(tmp_path / "out")], cwd=tmp_path,
                               env=cli_env(), stdout=subprocess.PIPE, stderr=follower, text=True)
        os.close(follower)
        terminal, deadline = b"", time.monotonic() + 300
        while select.select([leader], [], [], max(0.0, deadline - time.monotonic()))[0]:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # EIO: the command closed the terminal
                break
            if not chunk:
                break
            terminal += chunk
        stdout = run.communicate(timeout=max(1.0, deadline - time.monotonic()))[0]
    finally:
        os.close(leader)
    assert run.returncode == 0, terminal.decode(errors="replace")
    drawn = terminal.decode()
    assert re.search(r"\r\[#{10} {20}\] 1/3 graded, 0 failed, elapsed \d:\d\d:\d\d, ETA \d:\d\d:\d\d", drawn), drawn
    assert re.search(r"\r\[#{30}\] 3/3 graded, 1 failed, elapsed \d:\d\d:\d\d, ETA 0:00:00", drawn), drawn
    assert "alice:" not in stdout and "graded 3 of 3 submissions" in stdout  # the bar instead of a line each


def test_the_grade_command_prints_a_line_per_student_elsewhere(tmp_path: Path) -> None:
    subs = class_of_three(tmp_path)
    run = subprocess.run([sys.executable, *GRADE, str(subs), "-o", str(tmp_path / "out")], cwd=tmp_path,
                         env=cli_env(), capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, run.stderr
    assert re.findall(r"^(\w+): (\S+)/1 ", run.stdout, re.M) == [("alice", "1.00"), ("bob", "1.00"),
                                                                 ("carol", "0.00")]
    assert "graded, " not in run.stderr and "\r" not in run.stderr
