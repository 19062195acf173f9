"""How a grader test is written and scored.

A test is a function that takes a :class:`TestContext` and talks to the student's code only through it:

    @grader_test("layers.affine_forward")
    def affine_forward(t: TestContext) -> None:
        x = t.rng.standard_normal((3, 4, 5))
        ...
        out, _ = checks.unpack(t.call("layers.affine_forward", x, w, b), 2, "affine_forward", "(out, cache)")
        with t.part("output on odd shapes", weight=2):
            checks.close("affine_forward: out", out, expected, tol=1e-9)

The context's calls (call, get, set, signature, import_module, load_source, load_grading_arrays, release) run in the
student's runner and turn its failures into `Fail` (a `CallFailed`, carrying the runner's error); the grading run
reaches the test as typed values: `t.partial` (the rubric's shares), `t.grading_data()` (the judge's CIFAR-10
folder), `t.submission` and `t.in_runner(path)` (the submission's files as the judge and the runner see them).

Scoring: a test scores 1 when it ends without `Fail`; with parts, the weighted share of parts that passed; a `Fail`
outside any part (the function raised, returned the wrong kind of value) scores 0. A test may also
`award(fraction, why)` explicitly (partial credit the rubric allows). A quantity whose values are right but whose
documented shape is wrong (dgamma of shape (1, D) for (D,)) is recorded with `shape_only(cause, message)`: each
distinct cause costs the rubric's `shape_only` share of what the test earned, at most MAX_SHAPE_SHARE in all. The
points come from rubric.toml.
Messages are for the student: they say what was checked and what to look at, never hidden inputs or expected values.
"""

from __future__ import annotations

import hashlib
import time
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from autograder.runner.wire import Handle
from autograder.session import CallError, RunnerSession

NO_DATA = "the grader has no CIFAR-10 grading data (it was run without --data): this test was not run"
MAX_SHAPE_SHARE = 0.25  # the most a test can lose to shape-only deviations (rubric.toml's shape_only is per cause)


@dataclass(frozen=True)
class TestInfo:
    """What `grader_test` registered about a test besides its function."""

    __test__ = False  # not a pytest test class

    needs_data: bool  # it needs the CIFAR-10 grading data (skipped by `grade --no-data`)
    suite: str  # "hidden" (graded, needs the reference) or "public" (the students' `autograder check`)
    doc: str  # the test function's docstring: what a passed test's feedback says


TESTS: dict[str, Callable[[TestContext], None]] = {}
TEST_INFO: dict[str, TestInfo] = {}


@dataclass(frozen=True)
class PartialCredit:
    """The partial-credit shares of rubric.toml's [partial] table (read and validated by autograder/rubric.py)."""

    backward_matches_wrong_forward: float  # a backward pass right for the student's own wrong forward pass
    shape_only: float  # per cause of a right value of the wrong documented shape, at most MAX_SHAPE_SHARE


@dataclass(frozen=True)
class Grading:
    """What a test knows of the grading run beyond the student's runner: the rubric's partial-credit shares (None for
    the public checks, which award none) and the judge's CIFAR-10 grading data (None: graded without data)."""

    partial: PartialCredit | None = None
    data: Path | None = None


class Fail(Exception):
    """A check failed; the message is shown to the student."""


class CallFailed(Fail):
    """A request to the student's runner failed (the code raised, exited, hung or crashed); ERROR says how, for tests
    that word the failure themselves."""

    def __init__(self, message: str, error: CallError) -> None:
        super().__init__(message)
        self.error = error


def grader_test(name: str, *, needs_data: bool = False, suite: str = "hidden"):
    """Register a test under NAME (an interface: results.json, CSV columns and the rubric use it).

    SUITE is "hidden" (graded, needs the reference) or "public" (the students' `autograder check`)."""

    def register(func: Callable[[TestContext], None]) -> Callable[[TestContext], None]:
        if name in TESTS:
            raise ValueError(f"test {name} registered twice")
        TESTS[name] = func
        TEST_INFO[name] = TestInfo(needs_data, suite, (func.__doc__ or "").strip())
        return func

    return register


@dataclass
class Part:
    label: str
    weight: float
    passed: bool
    message: str = ""


@dataclass
class Outcome:
    """What one test gave: the fraction of its points, the feedback lines and how long it took."""

    name: str
    fraction: float
    lines: list[str] = field(default_factory=list)
    seconds: float = 0.0


class TestContext:
    """The test's view of the student's code (through the runner), of the grading run, plus scoring helpers."""

    __test__ = False  # not a pytest test class

    def __init__(self, name: str, session: RunnerSession, grading: Grading | None = None) -> None:
        self.name = name
        self._session = session
        self.grading = grading or Grading()
        seed = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "little")
        self.rng = np.random.default_rng(seed)
        self.parts: list[Part] = []
        self.notes: list[str] = []
        self.awarded: tuple[float, str] | None = None
        self.shapes: dict[str, list[str]] = {}  # shape-only deviations: cause -> messages

    # -- the grading run -----------------------------------------------------------------------------------
    @property
    def partial(self) -> PartialCredit:
        """The rubric's partial-credit shares."""
        if self.grading.partial is None:
            raise RuntimeError(f"test {self.name} awards partial credit, which needs the rubric (Grading.partial)")
        return self.grading.partial

    @property
    def submission(self) -> Path:
        """The student's files as the judge reads them (never imported or run there)."""
        return self._session.submission

    def in_runner(self, relative: str) -> str:
        """Where the runner sees the submission's file RELATIVE ('best_model.npz')."""
        return f"{self._session.submission_path}/{relative}"

    def grading_data(self) -> Path:
        """The judge's CIFAR-10 grading data (autograder/data.py); a Fail when the grader was run without it."""
        if self.grading.data is None:
            raise Fail(NO_DATA)
        return Path(self.grading.data)

    # -- talking to the student's code ---------------------------------------------------------------------
    def call(self, target: Any, *args: Any, what: str | None = None, **kwargs: Any) -> Any:
        """Call the student's TARGET; a raise, exit, hang or crash becomes a Fail naming the function."""
        label = what or (target.rsplit(".", 1)[-1] if isinstance(target, str) else kwargs.get("attr", "call"))
        with _failing(label):
            return self._session.call(target, *args, **kwargs)

    def import_module(self, module: str) -> None:
        """Import the student's cs231n.MODULE (e.g. 'classifiers.fc_net'); a failure becomes a Fail."""
        with _failing(f"importing cs231n/{module.replace('.', '/')}.py"):
            self._session.import_module(module)

    def signature(self, target: str) -> list[tuple[str, str, bool]]:
        """[(name, kind, has_default)] of the parameters of the student's TARGET ('classifiers.fc_net.TwoLayerNet')."""
        with _failing(target):
            return self._session.signature(target)

    def get(self, target: Any, *path: Any, what: str = "") -> Any:
        """The value at TARGET.PATH (a module attribute, or an attribute or item of an object in the runner)."""
        with _failing(what or str(target)):
            return self._session.get(target, *path)

    def set(self, target: Any, *path: Any, value: Any, what: str = "") -> None:
        """Assign TARGET.PATH = VALUE in the runner (a model's params['W1'])."""
        with _failing(what or str(target)):
            self._session.set(target, *path, value=value)

    def load_source(self, name: str, source: str, what: str, timeout: float | None = None) -> None:
        """Run the grader's SOURCE in the runner as module cs231n.NAME (the course's Solver, the PyTorch helpers)."""
        with _failing(what):
            self._session.load_source(name, source, timeout)

    def load_grading_arrays(self, what: str, timeout: float | None = None) -> Handle:
        """A handle to the runner's part of the grading data, {name: array} (never the evaluation set)."""
        folder = self._session.data_path
        if folder is None:
            raise Fail(NO_DATA)
        with _failing(what):
            return self._session.load_arrays(folder, timeout)

    def release(self, *handles: Handle) -> None:
        """Let the runner free the objects HANDLES stand for; a failure to do so changes nothing for the test."""
        try:
            self._session.release(handles)
        except CallError:
            pass

    # -- scoring -------------------------------------------------------------------------------------------
    @contextmanager
    def part(self, label: str, weight: float = 1.0) -> Iterator[None]:
        """A separately scored aspect: a Fail inside fails only this part."""
        try:
            yield
        except Fail as exc:
            self.parts.append(Part(label, weight, False, str(exc)))
        else:
            self.parts.append(Part(label, weight, True))

    def passed(self, label: str) -> bool:
        """Whether the part LABEL ran and passed."""
        return any(p.label == label and p.passed for p in self.parts)

    def counts_once(self, label: str, what: str) -> None:
        """Inside a part: fail it unless the part LABEL passed. A property of the output (inputs left unmodified,
        the dtype, reproducibility) is evidence of nothing while the output itself (WHAT) is wrong."""
        if not self.passed(label):
            raise Fail(f"not checked: this counts once {what} is right")

    def note(self, message: str) -> None:
        """A remark shown with the result that does not change the score (each remark once)."""
        if message not in self.notes:
            self.notes.append(message)

    def shape_only(self, cause: str, message: str) -> None:
        """A documented shape is wrong while the values are right: costs the rubric's shape_only share of the
        test, once per CAUSE (the quantities one line of code makes: dgamma and dbeta, the running averages, the
        biases) however many settings and quantities show it."""
        said = self.shapes.setdefault(cause, [])
        if _quantity(message) not in map(_quantity, said):
            said.append(message)

    def shape_cost(self) -> float:
        """The share of its score the test loses to its shape-only deviations."""
        return min(MAX_SHAPE_SHARE, self.partial.shape_only * len(self.shapes))

    def award(self, fraction: float, why: str) -> None:
        """Set the test's score to FRACTION of its points, for the reason WHY (shown to the student)."""
        self.awarded = (fraction, why)

    def fraction(self) -> float:
        if self.awarded is not None:
            return self.awarded[0]
        if not self.parts:
            return 1.0
        total = sum(p.weight for p in self.parts)
        return sum(p.weight for p in self.parts if p.passed) / total if total else 0.0


def _quantity(message: str) -> str:
    """"bn_param['running_mean']" for "batchnorm_forward (train mode): bn_param['running_mean'] has shape ..."."""
    return message.split(" has shape")[0].rsplit(": ", 1)[-1]


@contextmanager
def _failing(label: str) -> Iterator[None]:
    """A CallError inside becomes a CallFailed naming LABEL, with how the call failed and the student's traceback."""
    try:
        yield
    except CallError as exc:
        text = f"{label} {exc.describe()}"
        if exc.traceback:
            text += "\n" + exc.traceback
        raise CallFailed(text, exc) from None


def _part_lines(parts: list[Part]) -> list[str]:
    """One feedback line per part; a failure message already shown (a stub raising in every setting) is not
    repeated."""
    lines, shown = [], set()
    for p in parts:
        if p.passed:
            lines.append(f"PASS {p.label}")
        elif p.message in shown:
            lines.append(f"FAIL {p.label}: the same error as above")
        else:
            shown.add(p.message)
            lines.append(f"FAIL {p.label}: {p.message}")
    return lines


def run_test(name: str, session: RunnerSession, grading: Grading | None = None) -> Outcome:
    """Run the registered test NAME against SESSION, within GRADING, and score it."""
    t = TestContext(name, session, grading)
    start = time.monotonic()
    try:
        TESTS[name](t)
        failure = None
    except Fail as exc:
        failure = str(exc)
    except Exception as exc:  # a bug in the value the student returned that the test did not foresee
        failure = f"the test could not use what your code returned ({type(exc).__name__}: {exc})"
        traceback.print_exc()
    lines = _part_lines(t.parts)
    if failure is not None:
        lines.append("FAIL " + failure)
        fraction = 0.0 if t.awarded is None else t.awarded[0]
    else:
        fraction = t.fraction()
    if t.awarded is not None:
        lines.append(t.awarded[1])
    if t.shapes and fraction > 0:
        cost = t.shape_cost()
        fraction *= 1 - cost
        lines.extend(f"FAIL {'; '.join(messages)} ({cost / len(t.shapes):.0%} of this test's points)"
                     for messages in t.shapes.values())
    lines.extend("NOTE " + n for n in t.notes)
    if not lines:
        lines.append("PASS " + (TEST_INFO[name].doc or name))
    fraction = min(1.0, max(0.0, fraction))
    return Outcome(name, fraction, lines, time.monotonic() - start)
