"""The typed context hidden tests get (framework.TestContext with a Grading), against a real sandboxed runner, and the
one verdict on gradients that differ from the reference's (checks.backward_verdict) that the layers' backward tests
and the networks' gradient tests share."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pytest

from autograder import checks, framework
from autograder.framework import CallFailed, Fail, Grading, PartialCredit, TestContext
from autograder.runner.wire import Handle
from autograder.session import RunnerSession

PROBE = '''
class Box:
    def __init__(self, value):
        self.value = value


def make(value):
    return Box(value)


def boom(x):
    raise ValueError(f"no {x}")
'''
LOADED = "def twice(x):\n    return 2 * x\n"


@pytest.fixture(scope="module")
def session(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RunnerSession]:
    root = tmp_path_factory.mktemp("context")
    (root / "cs231n").mkdir()
    (root / "cs231n" / "__init__.py").write_text("")
    (root / "cs231n" / "probe.py").write_text(PROBE)
    (root / "model.npz").write_bytes(b"not read by these tests")
    with RunnerSession(root, sandboxed=True) as s:
        yield s


def test_a_failed_call_is_a_fail_naming_the_function_that_carries_the_runners_error(session: RunnerSession) -> None:
    t = TestContext("context.calls", session)
    with pytest.raises(CallFailed) as caught:
        t.call("probe.boom", 3)
    assert str(caught.value).startswith("boom raised ValueError: no 3")
    assert 'File "cs231n/probe.py"' in str(caught.value)
    assert caught.value.error.type_name == "ValueError" and caught.value.error.message == "no 3"
    with pytest.raises(CallFailed, match=r"^importing cs231n/missing\.py raised ModuleNotFoundError"):
        t.import_module("missing")


def test_grader_source_runs_in_the_runner_and_released_objects_are_gone(session: RunnerSession) -> None:
    t = TestContext("context.source", session)
    t.load_source("grader_twice", LOADED, what="the helper")
    assert t.call("grader_twice.twice", 21) == 42
    with pytest.raises(CallFailed) as caught:
        t.load_source("grader_broken", "def (", what="the broken helper")
    assert caught.value.error.type_name == "SyntaxError" and str(caught.value).startswith("the broken helper raised")
    box = t.call("probe.make", 5)
    assert isinstance(box, Handle) and t.get(box, "value") == 5
    t.release(box)
    with pytest.raises(Fail, match="unknown handle"):
        t.get(box, "value", what="the released box")
    t.release(box)  # releasing again (or after a restart) is no failure of the test


def test_the_submission_as_the_judge_and_the_runner_see_it(session: RunnerSession) -> None:
    t = TestContext("context.paths", session)
    assert (t.submission / "model.npz").is_file()
    assert t.in_runner("model.npz") == "/submission/model.npz"


def test_without_grading_data_a_data_test_fails_with_the_reason_and_without_a_rubric_partial_credit_is_refused(
        session: RunnerSession, tmp_path: Path) -> None:
    t = TestContext("context.data", session)
    with pytest.raises(Fail, match="no CIFAR-10 grading data"):
        t.grading_data()
    with pytest.raises(Fail, match="no CIFAR-10 grading data"):
        t.load_grading_arrays(what="the grading data")
    with pytest.raises(RuntimeError, match="needs the rubric"):
        t.partial  # noqa: B018 - the property raises
    graded = TestContext("context.data", session, Grading(PartialCredit(0.5, 0.1), tmp_path))
    assert graded.grading_data() == tmp_path and graded.partial.shape_only == 0.1


def test_registered_tests_have_typed_info() -> None:
    import autograder.hidden  # noqa: F401 - registers the hidden tests

    info = framework.TEST_INFO["fc_net.cifar10_accuracy"]
    assert info.needs_data and info.suite == "hidden" and info.doc.startswith("Your FullyConnectedNet")
    assert not framework.TEST_INFO["layers.affine_forward"].needs_data


AGREE = checks.Consistency(True, 1e-9)
DISAGREE = checks.Consistency(False, 0.3)
UNCHECKED = checks.Consistency(False, float("inf"), "its output does not change when an input changes")
OWN = "numerical gradients of your own affine_forward"


def test_gradients_right_for_a_wrong_forward_earn_the_partial_share_and_nothing_else_does() -> None:
    asked: list[bool] = []

    def forward_right(answer: bool):
        return lambda: asked.append(answer) or answer

    assert checks.backward_verdict(AGREE, forward_right(False), OWN) == (True, "")
    assert checks.backward_verdict(AGREE, forward_right(True), OWN) == (False, (
        " (the gradients pass a numerical check along a few random directions but not the full comparison: look for "
        "an error in a part of the gradient that only some inputs reach)"))
    assert asked == [False, True]
    assert checks.backward_verdict(AGREE, forward_right(True), OWN, they="they").why.startswith(" (they pass")
    assert checks.backward_verdict(DISAGREE, forward_right(False), OWN) == (False, (
        " (they also disagree with numerical gradients of your own affine_forward: the backward pass itself is "
        "wrong)"))
    assert checks.backward_verdict(UNCHECKED, forward_right(False), OWN) == (False, (
        " (not compared with numerical gradients of your own affine_forward: its output does not change when an "
        "input changes)"))
    assert asked == [False, True, True], "whether the forward is right is asked only of gradients that agree"


def test_the_shape_share_comes_from_the_rubric() -> None:
    t = TestContext("x", session=None, grading=Grading(PartialCredit(0.5, 0.05)))
    t.shape_only("a", "m")
    t.shape_only("b", "m")
    assert t.shape_cost() == pytest.approx(0.1)
    assert np.isclose(TestContext("x", None, Grading(PartialCredit(0.5, 0.2))).shape_cost(), 0.0)
