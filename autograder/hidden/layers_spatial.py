"""Hidden tests of spatial batch normalization and spatial group normalization.

What the notebooks' checks let through and these tests catch: spatial batchnorm normalizing per (c, h, w) instead of
per channel (its per-channel means and stds still look right), running statistics not written back, group norm with
statistics per channel or per position instead of per (sample, group), an output broadcast to 7-D or (1, N, C, H, W),
and dgamma/dbeta of shape (C,) for a (1, C, 1, 1) gamma. Each case is a part named by its setting.

Thresholds (the same as the batchnorm / layernorm tests, whose code the spatial layers reuse): on these inputs,
correct float64 code written another way than the reference (statistics with mean/var over the axes directly or as
E[x^2] - E[x]^2, the closed-form backward) differs from it by at most 1.5e-14 (outputs), 4.7e-16 (running
statistics) and 1.3e-14 (gradients); over many random inputs of this size and more formulations the layers_norm
measurements reach 4.6e-12 (forward) and 2.0e-10 (gradients). FORWARD_TOL = 1e-9 and GRAD_TOL = 1e-8 keep a margin
over those and are far below the error of any real bug (wrong axes: relative error > 1e-2).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import numpy as np

from autograder import checks
from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden.layers_conv import Case, backward_parts, forward_parts
from autograder.reference import layers as ref

FORWARD_TOL = 1e-9
GRAD_TOL = 1e-8
INPUTS = ("x", "gamma", "beta")
GRADS = {"grad_names": ("dx", "dgamma", "dbeta"), "differentiable": (0, 1, 2), "tol": GRAD_TOL}

# (label, weight, (N, C, H, W))
BATCHNORM_SETTINGS = [
    ("train mode: per-channel statistics, H != W", 2, (2, 3, 4, 5)),
    ("train mode: batch size 1", 1, (1, 4, 3, 2)),
]
BATCHNORM_TEST_MODE = ("test mode: normalized with running_mean and running_var", 1, (3, 3, 2, 3))
# (label, weight, (N, C, H, W), G)
GROUPNORM_SETTINGS = [
    ("1 < G < C (statistics per sample and group), H != W", 2, (2, 6, 3, 5), 3),
    ("G = 1", 1, (2, 4, 3, 2), 1),
    ("G = C, batch size 1", 1, (1, 3, 4, 3), 3),
]
PARAM_SHAPE_LABEL = "dgamma and dbeta have the shape of gamma and beta, (1, C, 1, 1)"


def channel_data(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Data whose channels have different means and scales, so statistics over the wrong axes give other values."""
    channels = (1, shape[1], 1, 1)
    return rng.uniform(-3, 3, channels) + rng.uniform(0.5, 3, channels) * rng.standard_normal(shape)


def batchnorm_case(rng: np.random.Generator, setting: tuple, mode: str) -> Case:
    """A case of SETTING in MODE; train mode starts without running statistics (as in the notebook), test mode
    gets running statistics of its own."""
    label, weight, shape = setting
    c = shape[1]
    inputs = (channel_data(rng, shape), rng.standard_normal(c), rng.standard_normal(c))
    bn_param = {"mode": mode}
    if mode == "test":
        bn_param.update(running_mean=rng.standard_normal(c), running_var=rng.uniform(0.5, 2, c))
    return Case(label, inputs, (bn_param,), weight)


def groupnorm_cases(rng: np.random.Generator) -> list[Case]:
    """Cases with gamma and beta of shape (1, C, 1, 1) and a gn_param carrying the notebooks' extra 'mode' key."""
    cases = []
    for label, weight, shape, groups in GROUPNORM_SETTINGS:
        params = (1, shape[1], 1, 1)
        inputs = (channel_data(rng, shape), rng.standard_normal(params), rng.standard_normal(params))
        cases.append(Case(label, inputs, (groups, {"mode": "train"}), weight))
    return cases


@grader_test("layers.spatial_batchnorm_forward")
def spatial_batchnorm_forward(t: TestContext) -> None:
    """spatial_batchnorm_forward: per-channel statistics in train mode (a per-(c, h, w) normalization fails),
    running statistics written back into bn_param, test mode; x, gamma, beta left unmodified."""
    train = [batchnorm_case(t.rng, s, "train") for s in BATCHNORM_SETTINGS]
    cases = [*train, batchnorm_case(t.rng, BATCHNORM_TEST_MODE, "test")]
    answers = forward_parts(t, "spatial_batchnorm_forward", cases, ref.spatial_batchnorm_forward, INPUTS, FORWARD_TOL,
                            out_like="x")
    with t.part("running_mean and running_var written back into bn_param (train mode)"):
        if answers[0] is None:
            raise Fail("not checked: the train-mode call failed")
        got = answers[0]["args"][3]
        args = train[0].fresh_args()
        ref.spatial_batchnorm_forward(*args)
        want = args[3]
        for key in ("running_mean", "running_var"):
            checks.close(f"spatial_batchnorm_forward: bn_param['{key}'] after a train-mode call",
                         got.get(key) if isinstance(got, dict) else None, want[key], FORWARD_TOL)


@grader_test("layers.spatial_batchnorm_backward")
def spatial_batchnorm_backward(t: TestContext) -> None:
    """spatial_batchnorm_backward: dx (N, C, H, W), dgamma and dbeta (C,) against the reference and your forward."""
    cases = [batchnorm_case(t.rng, s, "train") for s in BATCHNORM_SETTINGS]
    backward_parts(t, "spatial_batchnorm", cases, ref_forward=ref.spatial_batchnorm_forward,
                   ref_backward=ref.spatial_batchnorm_backward, **GRADS)


@grader_test("layers.spatial_groupnorm_forward")
def spatial_groupnorm_forward(t: TestContext) -> None:
    """spatial_groupnorm_forward: G = 1, G = C and 1 < G < C (statistics per sample and group, not per channel
    or position); output shaped like x; an extra 'mode' key in gn_param; x, gamma, beta left unmodified."""
    forward_parts(t, "spatial_groupnorm_forward", groupnorm_cases(t.rng), ref.spatial_groupnorm_forward, INPUTS,
                  FORWARD_TOL, out_like="x")


@grader_test("layers.spatial_groupnorm_backward")
def spatial_groupnorm_backward(t: TestContext) -> None:
    """spatial_groupnorm_backward: dgamma and dbeta must have gamma's shape (1, C, 1, 1) (a part of its own); the
    values of dx, dgamma and dbeta are graded in each setting, those of a (C,)-shaped dgamma or dbeta included."""
    cases = groupnorm_cases(t.rng)
    shapes: list[tuple[int, ...]] = []
    with t.part(PARAM_SHAPE_LABEL, weight=2):
        shapes = _param_grad_shapes(t, cases[0])
        _require_param_shapes(shapes, cases[0].inputs[1].shape)
    flat = [len(s) == 1 for s in shapes] or [False, False]
    backward_parts(t, "spatial_groupnorm", cases, ref_forward=ref.spatial_groupnorm_forward,
                   ref_backward=_reference_backward(flat), **GRADS)


def _param_grad_shapes(t: TestContext, case: Case) -> list[tuple[int, ...]]:
    """The shapes of the student's dgamma and dbeta on CASE."""
    forward, backward = "spatial_groupnorm_forward", "spatial_groupnorm_backward"
    value = t.call(f"layers.{forward}", *case.args, what=f"{forward} (needed to test {backward})")
    _, cache = checks.unpack(value, 2, forward, "(out, cache)")
    dout = t.rng.standard_normal(case.inputs[0].shape)
    grads = checks.unpack(t.call(f"layers.{backward}", dout, cache), 3, backward, "(dx, dgamma, dbeta)")
    return [checks.array(g, f"{backward}: d{name}").shape for g, name in zip(grads[1:], INPUTS[1:], strict=True)]


def _require_param_shapes(shapes: Sequence[tuple[int, ...]], gamma_shape: tuple[int, ...]) -> None:
    wrong = [f"d{name} has shape {s}" for s, name in zip(shapes, INPUTS[1:], strict=True) if s != gamma_shape]
    if wrong:
        raise Fail(f"spatial_groupnorm_backward: {' and '.join(wrong)} but gamma has shape {gamma_shape} (keep "
                   "the dimensions, e.g. sum with keepdims=True)")


def _reference_backward(flat: Sequence[bool]) -> Callable[..., tuple]:
    """The reference backward, with dgamma / dbeta flattened to (C,) where FLAT says the student's are, so that the
    values of a wrongly shaped gradient still earn the value parts (its shape is graded in its own part)."""

    def backward(dout: np.ndarray, cache: tuple) -> tuple:
        dx, *params = ref.spatial_groupnorm_backward(dout, cache)
        return dx, *(p.ravel() if f else p for p, f in zip(params, flat, strict=True))

    return backward
