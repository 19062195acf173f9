"""Hidden tests of the naive convolution and max-pooling layers.

Every setting the notebooks never try (pad = 0, strides 2 and 3, H != W, non-square filters and pools, overlapping
pooling windows, batch size 1, one channel) is its own part, named by the setting, so a bug that shows only there
costs only that share of the points and the feedback says where to look. The shared helpers (Case, forward_parts,
backward_parts) are also used by the spatial normalization tests.

Thresholds: on these inputs correct float64 code that sums in another order than the reference (scalar loops over
every filter tap, per-sample loops in the backward) differs from it by at most 8.9e-14 (conv out), 1.2e-14 (conv dx),
5.9e-14 (conv dw), 0 (conv db) and exactly 0 for max pooling (it only copies and adds the same values). TOL = 1e-9
keeps a margin of four orders of magnitude and is far below any real bug, which gets whole entries wrong (relative
error > 1e-2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from autograder import checks
from autograder.framework import Fail, Part, TestContext, grader_test
from autograder.gradients import backward_test
from autograder.reference import layers as ref

TOL = 1e-9

# (label, weight, (N, C, H, W), (F, HH, WW), stride, pad); every (H + 2 pad - HH) divides by the stride.
CONV_SETTINGS = [
    ("square input, stride 1, pad 1 (the notebook's setting)", 2, (2, 3, 5, 5), (2, 3, 3), 1, 1),
    ("pad = 0", 1, (2, 3, 5, 5), (2, 3, 3), 1, 0),
    ("stride 2", 1, (2, 3, 5, 5), (2, 3, 3), 2, 1),
    ("stride 3, pad 2", 1, (2, 3, 5, 5), (2, 3, 3), 3, 2),
    ("H != W", 1, (2, 3, 4, 6), (2, 3, 3), 1, 1),
    ("non-square filter (HH != WW)", 1, (2, 3, 5, 5), (2, 3, 2), 1, 1),
    ("batch size 1, one channel (C = 1)", 1, (1, 1, 5, 5), (2, 3, 3), 1, 1),
    ("H != W, HH != WW, stride 2 and pad 2 together", 1, (2, 1, 6, 9), (3, 2, 3), 2, 2),
]

# (label, weight, (N, C, H, W), pool_height, pool_width, stride)
POOL_SETTINGS = [
    ("2x2 pool, stride 2 (the notebook's setting)", 2, (2, 3, 4, 4), 2, 2, 2),
    ("H != W", 1, (2, 3, 4, 6), 2, 2, 2),
    ("non-square pool (2x4, stride 2: windows overlap along W)", 1, (2, 3, 6, 6), 2, 4, 2),
    ("overlapping windows (stride 1 < pool size 3)", 1, (1, 2, 5, 5), 3, 3, 1),
    ("overlapping windows (stride 2 < pool size 3)", 1, (2, 2, 7, 7), 3, 3, 2),
    ("stride 3 > pool size 2", 1, (2, 3, 5, 5), 2, 2, 3),
    ("batch size 1 with H != W, a non-square pool and overlapping windows", 1, (1, 3, 5, 7), 3, 2, 1),
]


@dataclass(frozen=True)
class Case:
    """One graded setting: the differentiable INPUTS of a layer, then its other arguments (EXTRA)."""

    label: str
    inputs: tuple[np.ndarray, ...]
    extra: tuple[Any, ...] = ()
    weight: float = 1.0

    @property
    def args(self) -> tuple[Any, ...]:
        return (*self.inputs, *self.extra)

    def fresh_args(self) -> list[Any]:
        """Copies of the arguments, for a reference call that must not share them."""
        return [a.copy() if isinstance(a, np.ndarray | dict) else a for a in self.args]


def forward_parts(
    t: TestContext,
    func: str,
    cases: Sequence[Case],
    ref_forward: Callable[..., tuple],
    input_names: Sequence[str],
    tol: float,
    out_like: str = "",
    alternatives: Sequence[tuple[Sequence[str], Callable[..., tuple]]] = (),
) -> list[dict | None]:
    """One part per case: FUNC's out against REF_FORWARD's (shape first, named LIKE out_like), or else against one of
    the ALTERNATIVES [(notes, forward)] (correct code written another way: passes with its notes); then one part:
    the inputs (named INPUT_NAMES) are left unmodified (counted once out is right in some setting). Returns each
    case's answer {value, args, kwargs} (None when the call failed), for tests that look at what the call wrote
    back."""
    answers: list[dict | None] = []
    changed: list[str] = []
    for case in cases:
        answers.append(None)
        with t.part(case.label, case.weight):
            answers[-1] = answer = t.call(f"layers.{func}", *case.args, after=True)
            changed += [name for name, before, now in zip(input_names, case.inputs, answer["args"], strict=False)
                        if not (isinstance(now, np.ndarray) and np.array_equal(now, before)) and name not in changed]
            out, _ = checks.unpack(answer["value"], 2, func, "(out, cache)")
            want = ref_forward(*case.fresh_args())[0]
            checks.array(out, f"{func}: out", want.shape, like=out_like)
            _close_or_alternative(t, f"{func}: out", out, want, tol, case, alternatives)
    with t.part(f"{', '.join(input_names)} left unmodified"):
        if not any(answers):
            raise Fail(f"not checked: no call of {func} returned")
        if not any(t.passed(case.label) for case in cases):
            raise Fail(f"not checked: this counts once {func} computes out right in at least one setting")
        if changed:
            raise Fail(f"{func} changed its input {', '.join(changed)} in place (work on a copy)")
    return answers


def _close_or_alternative(t: TestContext, what: str, out: np.ndarray, want: np.ndarray, tol: float, case: Case,
                          alternatives: Sequence[tuple[Sequence[str], Callable[..., tuple]]]) -> None:
    try:
        checks.close(what, out, want, tol)
    except Fail:
        for notes, forward in alternatives:
            if checks.rel_error(out, forward(*case.fresh_args())[0]) <= tol:
                for note in notes:
                    t.note(note)
                return
        raise


def backward_parts(t: TestContext, layer: str, cases: Sequence[Case], **kwargs: Any) -> None:
    """One part per case: backward_test (reference comparison, consistency with the student's own forward).

    The rubric's partial credit for a backward that is right for a wrong forward is a share of the part of the case
    that earned it, not the score of the whole test: a forward and backward that share a bug in one setting keep the
    points of the other settings."""
    for case in cases:
        awarded = t.awarded
        with t.part(case.label, case.weight):
            backward_test(t, layer=layer, inputs=list(case.inputs), extra=case.extra, **kwargs)
        if t.awarded is not awarded:
            fraction, why = t.awarded
            t.awarded = awarded
            failed = t.parts.pop()
            t.parts += [Part(case.label, case.weight * fraction, True, why),
                        Part(case.label, case.weight * (1 - fraction), False, failed.message)]


def distinct_values(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """An array of SHAPE whose entries are all different (a shuffled grid), so every max-pool window has one argmax."""
    n = int(np.prod(shape))
    return ((rng.permutation(n) - n / 2) * (4.0 / n)).reshape(shape)


def conv_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for label, weight, (n, c, h, w), (f, hh, ww), stride, pad in CONV_SETTINGS:
        x = rng.standard_normal((n, c, h, w))
        filters = rng.standard_normal((f, c, hh, ww))
        b = rng.standard_normal(f)
        cases.append(Case(label, (x, filters, b), ({"stride": stride, "pad": pad},), weight))
    return cases


def pool_cases(rng: np.random.Generator) -> list[Case]:
    return [Case(label, (distinct_values(rng, shape),), ({"pool_height": ph, "pool_width": pw, "stride": stride},),
                 weight)
            for label, weight, shape, ph, pw, stride in POOL_SETTINGS]


@grader_test("layers.conv_forward_naive")
def conv_forward_naive(t: TestContext) -> None:
    """conv_forward_naive: output (N, F, H', W') for pad 0/1/2, stride 1/2/3, H != W, HH != WW, N = 1, C = 1;
    x, w, b left unmodified."""
    forward_parts(t, "conv_forward_naive", conv_cases(t.rng), ref.conv_forward_naive, ("x", "w", "b"), TOL)


@grader_test("layers.conv_backward_naive")
def conv_backward_naive(t: TestContext) -> None:
    """conv_backward_naive: dx, dw, db in the same settings as the forward test (pad = 0 catches x[pad:-pad])."""
    backward_parts(t, "conv", conv_cases(t.rng), forward="conv_forward_naive", backward="conv_backward_naive",
                   grad_names=("dx", "dw", "db"), differentiable=(0, 1, 2),
                   ref_forward=ref.conv_forward_naive, ref_backward=ref.conv_backward_naive, tol=TOL)


@grader_test("layers.max_pool_forward_naive")
def max_pool_forward_naive(t: TestContext) -> None:
    """max_pool_forward_naive: H != W, non-square pools, overlapping windows, stride != pool size; x unmodified."""
    forward_parts(t, "max_pool_forward_naive", pool_cases(t.rng), ref.max_pool_forward_naive, ("x",), TOL)


@grader_test("layers.max_pool_backward_naive")
def max_pool_backward_naive(t: TestContext) -> None:
    """max_pool_backward_naive: the gradient goes to each window's (unique) maximum and accumulates where
    overlapping windows share it."""
    backward_parts(t, "max_pool", pool_cases(t.rng), forward="max_pool_forward_naive",
                   backward="max_pool_backward_naive", grad_names=("dx",), differentiable=(0,),
                   ref_forward=ref.max_pool_forward_naive, ref_backward=ref.max_pool_backward_naive, tol=TOL)
