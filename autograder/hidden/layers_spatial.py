"""Hidden tests of spatial batch normalization and spatial group normalization.

What the notebooks' checks let through and these tests catch: spatial batchnorm normalizing per (c, h, w) instead of
per channel (its per-channel means and stds still look right), running statistics not written back, group norm with
statistics per channel or per position instead of per (sample, group), an output broadcast to 7-D or (1, N, C, H, W),
and dgamma/dbeta of shape (C,) for a (1, C, 1, 1) gamma (values right: they pass on their values and cost the rubric's
shape_only share, as running averages of shape (1, C, 1, 1) do). Each case is a part named by its setting. Correct
code that places eps elsewhere is recognized exactly (autograder/hidden/variants.py) and passes with a note.

Thresholds (the same as the batchnorm / layernorm tests, whose code the spatial layers reuse): on these inputs,
correct float64 code written another way than the reference (statistics with mean/var over the axes directly or as
E[x^2] - E[x]^2, the closed-form backward) differs from it by at most 1.5e-14 (outputs), 4.7e-16 (running
statistics) and 1.3e-14 (gradients); over many random inputs of this size and more formulations the layers_norm
measurements reach 4.6e-12 (forward) and 2.0e-10 (gradients). FORWARD_TOL = 1e-9 and GRAD_TOL = 1e-8 keep a margin
over those and are far below the error of any real bug (wrong axes: relative error > 1e-2).
"""

from __future__ import annotations

import numpy as np

from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden import variants
from autograder.hidden.layers_conv import Case, backward_parts, forward_parts
from autograder.hidden.layers_norm import close_or_variant
from autograder.hidden.variants import Variant
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


def _forward_alternatives(layer: str, **which: bool) -> list:
    return [(notes, forward) for notes, forward, _ in variants.alternatives(layer, **which)]


@grader_test("layers.spatial_batchnorm_forward")
def spatial_batchnorm_forward(t: TestContext) -> None:
    """spatial_batchnorm_forward: per-channel statistics in train mode (a per-(c, h, w) normalization fails),
    running statistics written back into bn_param, test mode; x, gamma, beta left unmodified."""
    train = [batchnorm_case(t.rng, s, "train") for s in BATCHNORM_SETTINGS]
    cases = [*train, batchnorm_case(t.rng, BATCHNORM_TEST_MODE, "test")]
    answers = forward_parts(t, "spatial_batchnorm_forward", cases, ref.spatial_batchnorm_forward, INPUTS, FORWARD_TOL,
                            out_like="x", alternatives=_forward_alternatives("spatial_batchnorm", test=True))
    with t.part("running_mean and running_var written back into bn_param (train mode)"):
        if answers[0] is None:
            raise Fail("not checked: the train-mode call failed")
        got = answers[0]["args"][3]
        args = train[0].fresh_args()
        ref.spatial_batchnorm_forward(*args)
        plus_eps = train[0].fresh_args()
        variants.batchnorm(*plus_eps, Variant(running_var_eps=True))
        for key in ("running_mean", "running_var"):
            alternatives = [(Variant(running_var_eps=True).notes("batch normalization"), plus_eps[3][key])] \
                if key == "running_var" else []
            close_or_variant(t, f"spatial_batchnorm_forward: bn_param['{key}'] after a train-mode call",
                             got.get(key) if isinstance(got, dict) else None, args[3][key], alternatives, doc="(C,)",
                             cause="the running averages")


@grader_test("layers.spatial_batchnorm_backward")
def spatial_batchnorm_backward(t: TestContext) -> None:
    """spatial_batchnorm_backward: dx (N, C, H, W), dgamma and dbeta (C,) against the reference and your forward."""
    cases = [batchnorm_case(t.rng, s, "train") for s in BATCHNORM_SETTINGS]
    backward_parts(t, "spatial_batchnorm", cases, ref_forward=ref.spatial_batchnorm_forward,
                   ref_backward=ref.spatial_batchnorm_backward,
                   alternatives=variants.alternatives("spatial_batchnorm", backward=True),
                   shape_docs=("(N, C, H, W)", "(C,)", "(C,)"), **GRADS)


@grader_test("layers.spatial_groupnorm_forward")
def spatial_groupnorm_forward(t: TestContext) -> None:
    """spatial_groupnorm_forward: G = 1, G = C and 1 < G < C (statistics per sample and group, not per channel
    or position); output shaped like x; an extra 'mode' key in gn_param; x, gamma, beta left unmodified."""
    forward_parts(t, "spatial_groupnorm_forward", groupnorm_cases(t.rng), ref.spatial_groupnorm_forward, INPUTS,
                  FORWARD_TOL, out_like="x", alternatives=_forward_alternatives("spatial_groupnorm"))


@grader_test("layers.spatial_groupnorm_backward")
def spatial_groupnorm_backward(t: TestContext) -> None:
    """spatial_groupnorm_backward: dx, dgamma and dbeta in each setting; dgamma and dbeta must have gamma's shape
    (1, C, 1, 1) (with the right values in another shape, (C,), they cost the rubric's shape_only share)."""
    backward_parts(t, "spatial_groupnorm", groupnorm_cases(t.rng), ref_forward=ref.spatial_groupnorm_forward,
                   ref_backward=ref.spatial_groupnorm_backward,
                   alternatives=variants.alternatives("spatial_groupnorm", backward=True),
                   shape_docs=("(N, C, H, W)", "(1, C, 1, 1)", "(1, C, 1, 1)"), **GRADS)
