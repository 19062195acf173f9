"""Hidden tests of the affine and ReLU layers.

Thresholds: correct float64 code matches the reference to ~1e-15 on these inputs (same arithmetic); 1e-9 leaves
room for a different but exact order of operations (einsum, tensordot) and is still 1e6 below any real bug."""

from __future__ import annotations

from autograder import checks
from autograder.framework import TestContext, grader_test
from autograder.gradients import backward_test
from autograder.reference import layers as ref

TOL = 1e-9
AFFINE_SHAPES = [((1, 7), 3), ((4, 3, 5), 6), ((3, 2, 3, 4), 5)]


@grader_test("layers.affine_forward")
def affine_forward(t: TestContext) -> None:
    """affine_forward on batch size 1, flat and multi-dimensional inputs; inputs left unmodified."""
    for shape, m in AFFINE_SHAPES:
        x, b = t.rng.standard_normal(shape), t.rng.standard_normal(m)
        w = t.rng.standard_normal((x[0].size, m))
        with t.part(f"output for x of {len(shape)} dims (N={shape[0]})"):
            answer = t.call("layers.affine_forward", x, w, b, after=True)
            out, _ = checks.unpack(answer["value"], 2, "affine_forward", "(out, cache)")
            checks.close("affine_forward: out", out, ref.affine_forward(x, w, b)[0], TOL)
            for name, before, now in zip("xwb", (x, w, b), answer["args"], strict=True):
                checks.same(f"affine_forward changed its input {name} in place", now, before)


@grader_test("layers.affine_backward")
def affine_backward(t: TestContext) -> None:
    """affine_backward: dx (shaped like x), dw, db against the reference and against your own forward."""
    for shape, m in AFFINE_SHAPES:
        x, b = t.rng.standard_normal(shape), t.rng.standard_normal(m)
        w = t.rng.standard_normal((x[0].size, m))
        backward_test(t, layer="affine", inputs=[x, w, b], grad_names=("dx", "dw", "db"), differentiable=(0, 1, 2),
                      ref_forward=ref.affine_forward, ref_backward=ref.affine_backward, tol=TOL)


@grader_test("layers.relu_forward")
def relu_forward(t: TestContext) -> None:
    """relu_forward on several shapes, with exact zeros in the input."""
    for shape in [(1, 5), (3, 4, 5), (2, 3, 4, 5)]:
        x = t.rng.standard_normal(shape)
        x.flat[:: 7] = 0.0
        out, _ = checks.unpack(t.call("layers.relu_forward", x), 2, "relu_forward", "(out, cache)")
        checks.close("relu_forward: out", out, ref.relu_forward(x)[0], TOL)


@grader_test("layers.relu_backward")
def relu_backward(t: TestContext) -> None:
    """relu_backward against the reference; whether it leaves dout unmodified is reported, not graded."""
    for shape in [(1, 5), (3, 4, 5), (2, 3, 4, 5)]:
        x = t.rng.standard_normal(shape)
        backward_test(t, layer="relu", inputs=[x], grad_names=("dx",), differentiable=(0,),
                      ref_forward=ref.relu_forward, ref_backward=ref.relu_backward, tol=TOL)
