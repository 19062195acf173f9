"""The scoring arithmetic: how a test's parts, failures, awards and shape-only deviations combine into the fraction
of its points (framework.run_test), and how fractions and the rubric's points become the scores shown (grade.grade:
each test's points times its fraction rounded to scores.DECIMALS, the total the sum of those rounded scores, the late
penalty taken from that total).

The tests graded here are registered for the test only (tests/helpers.py's `registered_tests`) and never call the
student's code, so that each fraction is known exactly."""

from __future__ import annotations

from pathlib import Path

import pytest

from autograder import framework, grade, rubric, scores
from autograder.submission import Submission
from tests.helpers import reference_copy, registered_tests, run_registered

SHAPE_ONLY = 0.1


def outcome(body, shape_only: float = SHAPE_ONLY) -> framework.Outcome:
    with registered_tests(body) as (name,):
        return run_registered(name, shape_only)


def parts(t: framework.TestContext, *spec: tuple[str, float, bool], message: str = "wrong") -> None:
    """Parts LABEL of WEIGHT that pass or fail (with MESSAGE)."""
    for label, weight, passes in spec:
        with t.part(label, weight=weight):
            if not passes:
                raise framework.Fail(f"{label} is {message}")


# -- one test's fraction ---------------------------------------------------------------------------------------------
def test_a_test_that_ends_without_parts_scores_all_and_says_what_it_checked() -> None:
    def checks_the_output(t: framework.TestContext) -> None:
        """output of relu_forward on random inputs"""

    got = outcome(checks_the_output)
    assert got.fraction == 1.0
    assert got.lines == ["PASS output of relu_forward on random inputs"]


def test_parts_score_the_weighted_share_that_passed() -> None:
    def three_parts(t: framework.TestContext) -> None:
        parts(t, ("train mode", 2, True), ("test mode", 1, False), ("running averages", 1, True))

    got = outcome(three_parts)
    assert got.fraction == pytest.approx(3 / 4)
    assert got.lines == ["PASS train mode", "FAIL test mode: test mode is wrong", "PASS running averages"]


def test_a_failure_repeated_in_several_parts_is_written_once() -> None:
    def stub(t: framework.TestContext) -> None:
        for label in ("N=2", "N=5", "N=9"):
            with t.part(label):
                raise framework.Fail("relu_forward raised NotImplementedError")

    got = outcome(stub)
    assert got.fraction == 0.0
    assert got.lines == ["FAIL N=2: relu_forward raised NotImplementedError", "FAIL N=5: the same error as above",
                         "FAIL N=9: the same error as above"]


def test_a_failure_outside_the_parts_scores_zero_whatever_passed_before() -> None:
    def returns_wrong_kind(t: framework.TestContext) -> None:
        parts(t, ("shapes", 1, True), ("values", 3, True))
        raise framework.Fail("affine_forward returned a list, expected a tuple (out, cache)")

    got = outcome(returns_wrong_kind)
    assert got.fraction == 0.0
    assert got.lines == ["PASS shapes", "PASS values",
                         "FAIL affine_forward returned a list, expected a tuple (out, cache)"]


def test_an_error_the_test_did_not_foresee_scores_zero_and_names_it() -> None:
    def divides_by_zero(t: framework.TestContext) -> None:
        parts(t, ("shapes", 1, True))
        return 1 / 0

    got = outcome(divides_by_zero)
    assert got.fraction == 0.0
    assert got.lines[-1] == ("FAIL the test could not use what your code returned (ZeroDivisionError: division by "
                             "zero)")


def test_an_award_replaces_the_parts_share_and_survives_a_later_failure() -> None:
    def awarded(t: framework.TestContext) -> None:
        parts(t, ("forward", 1, True), ("backward", 1, False))
        t.award(0.3, "partial credit: the backward pass is right for your own forward")

    got = outcome(awarded)
    assert got.fraction == pytest.approx(0.3)
    assert got.lines[-1] == "partial credit: the backward pass is right for your own forward"

    def awarded_then_fails(t: framework.TestContext) -> None:
        t.award(0.5, "half: the loss is right")
        raise framework.Fail("the gradients could not be computed")

    got = outcome(awarded_then_fails)
    assert got.fraction == pytest.approx(0.5)
    assert got.lines == ["FAIL the gradients could not be computed", "half: the loss is right"]


@pytest.mark.parametrize(("awarded", "fraction"), [(1.5, 1.0), (-0.2, 0.0), (0.0, 0.0), (1.0, 1.0)])
def test_the_fraction_stays_between_zero_and_one(awarded: float, fraction: float) -> None:
    def award(t: framework.TestContext) -> None:
        t.award(awarded, "awarded")

    assert outcome(award).fraction == fraction


def test_parts_of_no_weight_score_nothing() -> None:
    def weightless(t: framework.TestContext) -> None:
        parts(t, ("a", 0, True), ("b", 0, True))

    assert outcome(weightless).fraction == 0.0


def test_notes_are_shown_once_and_cost_nothing() -> None:
    def noted(t: framework.TestContext) -> None:
        parts(t, ("values", 1, True))
        t.note("eps is added outside the square root: a correct variant")
        t.note("eps is added outside the square root: a correct variant")

    got = outcome(noted)
    assert got.fraction == 1.0
    assert got.lines == ["PASS values", "NOTE eps is added outside the square root: a correct variant"]


# -- shape-only deviations -----------------------------------------------------------------------------------------
def shapes(*messages: tuple[str, str]):
    """A test whose parts pass 3 of 4 weights, with the shape-only deviations MESSAGES (cause, message)."""

    def body(t: framework.TestContext) -> None:
        parts(t, ("train", 3, True), ("test", 1, False))
        for cause, message in messages:
            t.shape_only(cause, message)

    return body


def test_a_shape_only_cause_costs_its_share_of_what_the_test_earned() -> None:
    got = outcome(shapes(("dgamma", "batchnorm_backward: dgamma has shape (1, 4): values right, shape should be "
                                    "(D,)")))
    assert got.fraction == pytest.approx(0.75 * (1 - SHAPE_ONLY))
    assert got.lines[-1] == ("FAIL batchnorm_backward: dgamma has shape (1, 4): values right, shape should be (D,) "
                             "(10% of this test's points)")


def test_one_cause_costs_once_however_many_quantities_and_settings_show_it() -> None:
    got = outcome(shapes(("dgamma", "N=4: dgamma has shape (1, 4)"), ("dgamma", "N=4: dbeta has shape (1, 4)"),
                         ("dgamma", "N=9: dgamma has shape (1, 4)")))
    assert got.fraction == pytest.approx(0.75 * (1 - SHAPE_ONLY))
    assert got.lines[-1] == "FAIL N=4: dgamma has shape (1, 4); N=4: dbeta has shape (1, 4) (10% of this test's points)"


@pytest.mark.parametrize(("causes", "share", "cost"), [(2, 0.1, 0.2), (3, 0.1, 0.25), (5, 0.1, 0.25), (1, 0.25, 0.25),
                                                        (2, 0.0, 0.0)])
def test_shape_costs_add_up_per_cause_to_at_most_a_quarter(causes: int, share: float, cost: float) -> None:
    got = outcome(shapes(*((f"cause{i}", f"q{i} has shape (1, 3)") for i in range(causes))), shape_only=share)
    assert got.fraction == pytest.approx(0.75 * (1 - cost))
    assert sum(line.startswith("FAIL q") for line in got.lines) == causes


def test_a_test_that_earned_nothing_loses_nothing_more_to_shapes() -> None:
    def wrong_and_misshapen(t: framework.TestContext) -> None:
        t.shape_only("dgamma", "dgamma has shape (1, 4)")
        raise framework.Fail("dx is wrong")

    got = outcome(wrong_and_misshapen)
    assert got.fraction == 0.0
    assert got.lines == ["FAIL dx is wrong"]


# -- points, rounding and the total ----------------------------------------------------------------------------------
def third(t: framework.TestContext) -> None:
    parts(t, ("a", 1, True), ("b", 1, False), ("c", 1, False))


def two_thirds(t: framework.TestContext) -> None:
    parts(t, ("a", 1, True), ("b", 1, True), ("c", 1, False))


def nearly_all(t: framework.TestContext) -> None:
    parts(t, ("a", 999, True), ("b", 1, False))


def everything(t: framework.TestContext) -> None:
    """everything"""


@pytest.fixture(scope="module")
def graded(tmp_path_factory: pytest.TempPathFactory) -> scores.SubmissionResult:
    """The reference graded (with a real runner) on five registered tests of known fractions, with points chosen so
    that rounding shows, two days late at 10% a day."""
    tmp = tmp_path_factory.mktemp("scoring")
    bodies = (third, third, two_thirds, nearly_all, everything)
    with registered_tests(*bodies) as names:
        points = dict(zip(names, (1.0, 1.0, 2.0, 4.0, 0.5), strict=True))
        late = rubric.LatePolicy(deadline=rubric.parse_time("2026-02-10T23:59:00Z"), penalty_per_day=0.1)
        the_rubric = rubric.Rubric(points, {"backward_matches_wrong_forward": 0.5, "shape_only": SHAPE_ONLY}, late)
        options = grade.GradeOptions(rubric=the_rubric, tests=names, scratch=tmp / "scratch")
        sub = Submission("alice", reference_copy(tmp / "alice"), timestamp="2026-02-12 08:00:00.000000 UTC")
        result = grade.grade(sub, options)
    assert not result.infrastructure_error, result.infrastructure_error
    return result


def test_each_score_is_points_times_fraction_rounded_to_the_shown_decimals(graded: scores.SubmissionResult) -> None:
    assert scores.DECIMALS == 2
    assert [t.score for t in graded.tests] == [0.33, 0.33, 1.33, 4.0, 0.5]  # 4 * 0.999 = 3.996 shows as 4.00
    assert [t.max_score for t in graded.tests] == [1.0, 1.0, 2.0, 4.0, 0.5]
    assert graded.max_score == 8.5


def test_only_the_whole_fraction_passes(graded: scores.SubmissionResult) -> None:
    """4 * 0.999 rounds to all 4 points, but the test did not pass all its checks."""
    assert [t.status for t in graded.tests] == ["failed", "failed", "failed", "failed", "passed"]


def test_the_total_is_the_sum_of_the_shown_scores_less_the_late_penalty(graded: scores.SubmissionResult) -> None:
    raw = 0.33 + 0.33 + 1.33 + 4.0 + 0.5  # 6.49 (the unrounded scores add up to 6.496, which would show 6.50)
    assert graded.late_days == 2  # 1 day and 8 hours late: two started days
    assert graded.late_penalty == round(raw * 0.2, 2) == 1.3
    assert graded.score == round(raw - 1.3, 2) == 5.19
    assert "submitted 2 day(s) late: 1.30 points deducted" in graded.notes
    assert scores.shown(graded.score) == "5.19" and scores.shown(4.0) == "4.00"


def test_the_sum_of_rounded_scores_is_what_the_total_shows(tmp_path: Path) -> None:
    """Three tests at a third of a point each show 0.33 each: the total shows 0.99, not the 1.00 of the unrounded
    sum, so that a student can add up the scores on the page."""
    with registered_tests(third, third, third) as names:
        the_rubric = rubric.Rubric(dict.fromkeys(names, 1.0), {"backward_matches_wrong_forward": 0.5,
                                                                "shape_only": SHAPE_ONLY})
        options = grade.GradeOptions(rubric=the_rubric, tests=names, scratch=tmp_path / "scratch")
        result = grade.grade(Submission("bob", reference_copy(tmp_path / "bob")), options)
    assert [t.score for t in result.tests] == [0.33, 0.33, 0.33]
    assert result.score == 0.99 and result.late_days == 0 and result.late_penalty == 0.0
