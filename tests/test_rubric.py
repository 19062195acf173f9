"""Loading a rubric (autograder/rubric.py): what a usable file gives, and what an unusable one is refused with. Every
refusal is a RubricError naming the file and the key or limit at fault, so that the instructor can fix it; the
grade command stops with it before anything is graded.

The files here are small rubrics for two made-up tests (`known=`), except where the registered tests matter
(tests/test_verdicts.py has the misspelt test names and the [partial] keys of the default rubric)."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from pathlib import Path

import pytest

from autograder import rubric
from autograder.framework import PartialCredit
from tests.helpers import autograder_module

KNOWN = {"t.forward", "t.backward"}
POINTS = '[points]\n"t.forward" = 2\n"t.backward" = 1.5\n'
PARTIAL = "[partial]\nbackward_matches_wrong_forward = 0.5\nshape_only = 0.1\n"


def written(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "rubric.toml"
    path.write_text(text)
    return path


def refused(tmp_path: Path, text: str) -> str:
    """The message the rubric TEXT is refused with (it must name the file)."""
    path = written(tmp_path, text)
    with pytest.raises(rubric.RubricError) as info:
        rubric.load(path, known=KNOWN)
    message = str(info.value)
    assert message.startswith(f"rubric {path}: "), message
    return message.removeprefix(f"rubric {path}: ")


def test_a_usable_rubric_gives_points_partial_credit_limits_and_late_policy(tmp_path: Path) -> None:
    text = (POINTS + PARTIAL + "[limits]\nsubmission_seconds = 90\n[late]\ndeadline = 2026-02-10T23:59:00-08:00\n"
            "grace_minutes = 15\npenalty_per_day = 0.25\nmax_penalty = 0.5\n")
    loaded = rubric.load(written(tmp_path, text), known=KNOWN)
    assert loaded.points == {"t.forward": 2.0, "t.backward": 1.5}
    assert all(type(v) is float for v in loaded.points.values())
    assert loaded.max_score == 3.5
    assert loaded.partial == PartialCredit(backward_matches_wrong_forward=0.5, shape_only=0.1)
    assert loaded.budget_seconds == 90.0
    assert loaded.late == rubric.LatePolicy(datetime(2026, 2, 11, 7, 59, tzinfo=UTC), 15.0, 0.25, 0.5)


def test_without_limits_and_late_work_there_is_the_default_budget_and_no_penalty(tmp_path: Path) -> None:
    loaded = rubric.load(written(tmp_path, POINTS + PARTIAL), known=KNOWN)
    assert loaded.budget_seconds == rubric.DEFAULT_BUDGET_SECONDS == 600
    assert loaded.late.deadline is None
    assert loaded.late.penalty(3.5, datetime(2030, 1, 1, tzinfo=UTC)) == (0, 0.0)


def test_a_deadline_may_be_a_string_or_a_toml_time_with_the_same_meaning(tmp_path: Path) -> None:
    quoted = rubric.load(written(tmp_path, POINTS + PARTIAL + '[late]\ndeadline = "2026-02-10T23:59:00Z"\n'),
                         known=KNOWN)
    native = rubric.load(written(tmp_path, POINTS + PARTIAL + "[late]\ndeadline = 2026-02-10T23:59:00Z\n"),
                         known=KNOWN)
    naive = rubric.load(written(tmp_path, POINTS + PARTIAL + "[late]\ndeadline = 2026-02-10T23:59:00\n"),
                        known=KNOWN)  # no zone: UTC
    assert quoted.late.deadline == native.late.deadline == naive.late.deadline == datetime(2026, 2, 10, 23, 59,
                                                                                           tzinfo=UTC)


def test_a_missing_file_is_refused_naming_it(tmp_path: Path) -> None:
    path = tmp_path / "nowhere" / "rubric.toml"
    with pytest.raises(rubric.RubricError, match=re.escape(f"rubric {path}: ") + ".*No such file"):
        rubric.load(path, known=KNOWN)


def test_a_file_that_is_not_toml_is_refused_with_the_line(tmp_path: Path) -> None:
    message = refused(tmp_path, POINTS + PARTIAL + "[limits]\nsubmission_seconds 600\n")
    assert "line 8" in message


@pytest.mark.parametrize("value", ["-1", '"2"', "true", "[2]", "{ a = 1 }"])
def test_points_must_be_numbers_not_below_zero(tmp_path: Path, value: str) -> None:
    message = refused(tmp_path, POINTS.replace('"t.backward" = 1.5', f'"t.backward" = {value}') + PARTIAL)
    assert message == "points must be numbers >= 0 (t.backward)"


def test_zero_points_are_allowed(tmp_path: Path) -> None:
    """A test may count for nothing (the default rubric does so for fc_net.best_model_accuracy)."""
    loaded = rubric.load(written(tmp_path, POINTS.replace("= 1.5", "= 0") + PARTIAL), known=KNOWN)
    assert loaded.points["t.backward"] == 0.0 and loaded.max_score == 2.0


def test_every_registered_test_needs_points_and_no_other_name_has_them(tmp_path: Path) -> None:
    missing = refused(tmp_path, '[points]\n"t.forward" = 2\n' + PARTIAL)
    assert missing == "no points for the registered test(s) t.backward"
    unknown = refused(tmp_path, POINTS + '"t.sideways" = 1\n"t.around" = 1\n' + PARTIAL)
    assert unknown == "unknown test(s) t.around, t.sideways (no registered test has that name)"
    empty = refused(tmp_path, PARTIAL)
    assert empty == "no points for the registered test(s) t.backward, t.forward"


def test_the_partial_table_must_have_exactly_the_known_keys(tmp_path: Path) -> None:
    keys = "(the keys are backward_matches_wrong_forward, shape_only)"
    assert refused(tmp_path, POINTS) == f"[partial] missing key(s) backward_matches_wrong_forward, shape_only {keys}"
    assert refused(tmp_path, POINTS + "[partial]\nshape_only = 0.1\n") == \
        f"[partial] missing key(s) backward_matches_wrong_forward {keys}"
    assert refused(tmp_path, POINTS + PARTIAL + "late_share = 0.2\n") == f"[partial] unknown key(s) late_share {keys}"


@pytest.mark.parametrize(("key", "value", "bounds"), [
    ("backward_matches_wrong_forward", "1.5", "0 to 1, not 1.5"),
    ("backward_matches_wrong_forward", "-0.1", "0 to 1, not -0.1"),
    ("backward_matches_wrong_forward", "true", "0 to 1, not True"),
    ("shape_only", "0.3", "0 to 0.25, not 0.3"),
    ("shape_only", '"0.1"', "0 to 0.25, not '0.1'"),
])
def test_partial_credit_must_be_within_its_bounds(tmp_path: Path, key: str, value: str, bounds: str) -> None:
    text = POINTS + re.sub(rf"^{key} = .*$", f"{key} = {value}", PARTIAL, flags=re.M)
    assert refused(tmp_path, text) == f"[partial] {key} must be a number from {bounds}"


def test_partial_credit_at_its_bounds_is_allowed(tmp_path: Path) -> None:
    text = POINTS + "[partial]\nbackward_matches_wrong_forward = 1\nshape_only = 0.25\n"
    assert rubric.load(written(tmp_path, text), known=KNOWN).partial == PartialCredit(1.0, 0.25)
    text = POINTS + "[partial]\nbackward_matches_wrong_forward = 0\nshape_only = 0\n"
    assert rubric.load(written(tmp_path, text), known=KNOWN).partial == PartialCredit(0.0, 0.0)


@pytest.mark.parametrize("late", ['deadline = "next friday"', 'deadline = "2026-02-30T12:00:00Z"',
                                  'grace_minutes = "a quarter of an hour"', "penalty_per_day = [0.1]"])
def test_a_late_policy_that_cannot_be_read_is_refused(tmp_path: Path, late: str) -> None:
    assert refused(tmp_path, POINTS + PARTIAL + f"[late]\n{late}\n").startswith("[late] ")


@pytest.mark.parametrize("seconds", ["0", "-5", "true", '"600"', "nan"])
def test_the_time_budget_must_be_a_positive_number_of_seconds(tmp_path: Path, seconds: str) -> None:
    message = refused(tmp_path, POINTS + PARTIAL + f"[limits]\nsubmission_seconds = {seconds}\n")
    assert message == "[limits] submission_seconds must be a number of seconds > 0"


def test_the_grade_command_stops_on_a_refused_rubric_before_grading(tmp_path: Path) -> None:
    path = tmp_path / "rubric.toml"
    path.write_text(rubric.DEFAULT.read_text().replace("shape_only = 0.1", "shape_only = 0.5"))
    student = tmp_path / "subs" / "alice"
    (student / "cs231n").mkdir(parents=True)
    run = autograder_module("grade", str(student), "-o", str(tmp_path / "out"), "--no-data", "--rubric", str(path))
    assert run.returncode == 1
    assert f"autograder: rubric {path}: [partial] shape_only must be a number from 0 to 0.25, not 0.5" in run.stderr
    assert not (tmp_path / "out").exists()
