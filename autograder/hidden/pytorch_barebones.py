"""Hidden tests of the barebones PyTorch functions of cs231n/pytorch_models.py: flatten, random_weight, two_layer_fc
and three_layer_convnet.

Each function runs in the runner on float32 tensors made from the judge's arrays, every input requiring gradients;
its result and the gradients that backward() of sum(result * dout) leaves in every input are compared with the
reference's (pytorch_common.py). The shapes are not the notebook's: a batch of one image, inputs of 2 to 4
dimensions, other channel counts, non-square images and other filter sizes, all within the docstrings' contract.
random_weight is checked on its statistics: 1,000 or more values per tensor, so that a scale off by sqrt(2) (or
fan_out used for fan_in) is 20 standard errors away while correct draws stay within 5.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden.pytorch_common import (
    check_kaiming,
    compare,
    float32,
    float64,
    local_probe,
    probe,
    reference,
    start,
    student,
    weights,
)

# (x shape, hidden units, classes): a batch of one image; a 2-D input
TWO_LAYER = [((1, 3, 4, 5), 17, 7), ((5, 40), 23, 4)]
# (label, x shape (N, C, H, W), (F1, K1), (F2, K2), classes)
CONVNET = [("the notebook's 5x5 and 3x3 filters on a batch of one 8x8 image with 2 channels", (1, 2, 8, 8), (6, 5),
            (4, 3), 7),
           ("a non-square input (3 images of 3 x 10 x 6)", (3, 3, 10, 6), (5, 5), (3, 3), 4),
           ("other filter sizes (3x3, then 1x1)", (2, 3, 7, 7), (4, 3), (5, 1), 6)]
# (shape, fan_in)
RANDOM_WEIGHT = [((600, 300), 600), ((300, 600), 300), ((32, 3, 5, 5), 75), ((16, 24, 3, 3), 216)]


def run(t: TestContext, name: str, args: list[Any], dout: np.ndarray | None) -> dict[str, Any]:
    """The student's NAME(*ARGS) in the runner: {"out": array, "grads": [...]} (grads when DOUT fits)."""
    return probe(t, "call", student(t, name), args, dout, name, what=name)


def expected(name: str, args: list[Any], dout: np.ndarray | None) -> dict[str, Any]:
    """The reference's NAME(*ARGS) in float64, with the same helper."""
    return local_probe().call(getattr(reference(), name), float64(args), dout, name)


def check(t: TestContext, name: str, args: list[Any], labels: list[str], where: str) -> None:
    """NAME(*ARGS)'s result and the gradients of every input (named by LABELS) against the reference's."""
    want = expected(name, args, None)
    dout = float32(t.rng, want["out"].shape)
    got = run(t, name, args, dout)
    want = expected(name, args, dout)
    compare(f"{name}'s result {where}", got["out"], want["out"])
    if "grads" not in got:  # the result had another shape: compare() failed above
        raise Fail(f"{name} {where}: no gradients computed")
    flat_got, flat_want = _flatten(got["grads"]), _flatten(want["grads"])
    for label, mine, theirs in zip(labels, flat_got, flat_want, strict=True):
        compare(f"{name}'s gradient with respect to {label} {where}", mine, theirs)


def _flatten(value: Any) -> list[Any]:
    return [v for item in value for v in _flatten(item)] if isinstance(value, list) else [value]


@grader_test("pytorch.flatten")
def flatten(t: TestContext) -> None:
    """flatten on inputs of 2, 3 and 4 dimensions and a batch of one: values in numpy's reshape order, and the
    gradient flowing back to the input."""
    start(t)
    for shape in [(1, 3, 4, 5), (6, 2, 3), (4, 7), (2, 1, 1, 1)]:
        with t.part(f"an input of shape {shape}"):
            check(t, "flatten", [float32(t.rng, shape)], ["x"], f"for an input of shape {shape}")


@grader_test("pytorch.random_weight")
def random_weight(t: TestContext) -> None:
    """random_weight: a float32 leaf tensor of the requested shape that requires gradients, with Kaiming statistics
    (mean 0, standard deviation sqrt(2 / fan_in), fan_in = D for (D, M), C * HH * WW for (F, C, HH, WW))."""
    start(t)
    fn = student(t, "random_weight")
    drawn = {shape: probe(t, "draw", fn, [shape], 231 + i, "random_weight", what=f"random_weight({shape})")
             for i, (shape, _) in enumerate(RANDOM_WEIGHT)}
    with t.part("a float32 tensor of the requested shape, a leaf of the graph that requires gradients"):
        for shape, w in drawn.items():
            if w["values"].shape != shape:
                raise Fail(f"random_weight({shape}) has shape {w['values'].shape}")
            if not np.all(np.isfinite(w["values"])):
                raise Fail(f"random_weight({shape}) contains NaN or inf")
            if np.ptp(w["values"]) == 0:  # a constant is no draw: the function's point, whatever else is right
                raise Fail(f"random_weight({shape}) holds the same value ({w['values'].flat[0]:g}) everywhere: it "
                           "should be a random draw")
            if w["dtype"] != "float32" or not w["requires_grad"] or not w["is_leaf"]:
                raise Fail(f"random_weight({shape}) is a {w['dtype']} tensor with requires_grad={w['requires_grad']}"
                           f" and is_leaf={w['is_leaf']}; expected float32, True and True (a leaf, so that "
                           "backward() fills its .grad)")
    for shape, fan_in in RANDOM_WEIGHT:
        kind = "fully-connected (D, M)" if len(shape) == 2 else "convolutional (F, C, HH, WW)"
        with t.part(f"Kaiming statistics of a {kind} weight of shape {shape}", weight=0.5):
            check_kaiming(f"random_weight({shape})", drawn[shape]["values"], fan_in)


@grader_test("pytorch.two_layer_fc")
def two_layer_fc(t: TestContext) -> None:
    """two_layer_fc: scores and the gradients of x, w1, b1, w2, b2 against the reference, for a batch of one image
    and for a 2-D input."""
    start(t)
    for shape, hidden, classes in TWO_LAYER:
        D = int(np.prod(shape[1:]))
        x = float32(t.rng, shape)
        params = [weights(t.rng, (D, hidden), D), float32(t.rng, (hidden,), 0.1),
                  weights(t.rng, (hidden, classes), hidden), float32(t.rng, (classes,), 0.1)]
        where = f"for x of shape {shape}, w1 ({D}, {hidden}), w2 ({hidden}, {classes})"
        with t.part(f"scores and gradients {where}"):
            check(t, "two_layer_fc", [x, params], ["x", "w1", "b1", "w2", "b2"], where)


@grader_test("pytorch.three_layer_convnet")
def three_layer_convnet(t: TestContext) -> None:
    """three_layer_convnet: scores and the gradients of x and of the six parameters against the reference, with the
    notebook's filter sizes on a batch of one image, on a non-square input, and with other (odd) filter sizes."""
    start(t)
    for label, shape, (F1, K1), (F2, K2), classes in CONVNET:
        N, C, H, W = shape
        params = [weights(t.rng, (F1, C, K1, K1), C * K1 * K1), float32(t.rng, (F1,), 0.1),
                  weights(t.rng, (F2, F1, K2, K2), F1 * K2 * K2), float32(t.rng, (F2,), 0.1),
                  weights(t.rng, (F2 * H * W, classes), F2 * H * W), float32(t.rng, (classes,), 0.1)]
        where = (f"for x of shape {shape}, conv_w1 {params[0].shape}, conv_w2 {params[2].shape}, fc_w "
                 f"{params[4].shape}")
        with t.part(f"scores and gradients with {label}"):
            check(t, "three_layer_convnet", [float32(t.rng, shape), params],
                  ["x", "conv_w1", "conv_b1", "conv_w2", "conv_b2", "fc_w", "fc_b"], where)
