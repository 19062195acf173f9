"""The shared shape of every backward test: the student's gradients against the reference's on the same inputs,
and, when they differ, against numerical derivatives of the student's own forward (for the rubric's partial credit
and for feedback that says which half is wrong)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder import checks
from autograder.framework import Fail, TestContext


def backward_test(
    t: TestContext,
    *,
    layer: str,
    inputs: list[np.ndarray],
    extra: Sequence[Any] = (),
    grad_names: Sequence[str],
    differentiable: Sequence[int],
    ref_forward: Callable[..., tuple],
    ref_backward: Callable[..., tuple],
    tol: float,
    consistency_tol: float = 1e-5,
    backward: str = "",
    forward: str = "",
) -> None:
    """Grade LAYER_backward on INPUTS (the differentiable arrays, followed by EXTRA non-differentiable arguments).

    GRAD_NAMES name the backward's outputs in order; DIFFERENTIABLE[i] is the index in INPUTS that gradient i is
    taken with respect to. Full credit: every gradient has the right shape and matches the reference within TOL.
    Otherwise, if the gradients agree with the student's own forward, the rubric's partial credit for a backward
    that is right for a wrong forward (or the feedback that the backward itself is wrong). BACKWARD names the
    backward function when it is not LAYER_backward (e.g. "batchnorm_backward_alt"), FORWARD the forward function
    when it is not LAYER_forward (e.g. "conv_forward_naive")."""
    backward = backward or f"{layer}_backward"
    forward = forward or f"{layer}_forward"
    fwd, bwd = f"layers.{forward}", f"layers.{backward}"
    ref_out, ref_cache = ref_forward(*[x.copy() for x in inputs], *_copy(extra))
    dout = t.rng.standard_normal(ref_out.shape)
    expected = ref_backward(dout.copy(), ref_cache)
    student = t.call(fwd, *inputs, *extra, what=f"{forward} (needed to test {backward})")
    _, cache = checks.unpack(student, 2, forward, "(out, cache)")
    grads = t.call(bwd, dout, cache, what=backward)
    if len(grad_names) == 1 and isinstance(grads, np.ndarray):
        grads = (grads,)
    grads = checks.unpack(grads, len(grad_names), backward, "(" + ", ".join(grad_names) + ")")
    failures = []
    for name, got, want in zip(grad_names, grads, expected if len(grad_names) > 1 else (expected,), strict=True):
        try:
            checks.array(got, f"{backward}: {name}", np.shape(want), like=_input_name(name))
            checks.close(f"{backward}: {name}", got, want, tol)
        except Fail as exc:
            failures.append(str(exc))
    if not failures:
        return

    def own_forward(xs: list[np.ndarray]) -> np.ndarray:
        value = t.call(fwd, *xs, *extra, what=forward)
        return checks.array(checks.unpack(value, 2, forward, "(out, cache)")[0], f"{forward}: out")

    shaped = {idx: g for g, idx in zip(grads, differentiable, strict=True)}
    try:
        ok, worst = checks.consistent(own_forward, inputs, dout, shaped, t.rng, consistency_tol)
    except Fail:
        ok, worst = False, float("inf")
    if ok and not _forward_matches(t, own_forward, inputs, ref_out):
        fraction = float(t.options.get("partial", {}).get("backward_matches_wrong_forward", 0.5))
        t.award(fraction, f"your {backward} is consistent with your {forward} (numerical gradient "
                f"error {worst:.1e}), but {forward} itself is wrong: fix the forward pass; partial credit")
        raise Fail("; ".join(failures))
    if ok:
        raise Fail("; ".join(failures) + " (the gradients pass a numerical check along a few random directions but "
                   "not the full comparison: look for an error in a part of the gradient that only some inputs reach)")
    raise Fail("; ".join(failures) + f" (they also disagree with numerical gradients of your own {forward}: "
               "the backward pass itself is wrong)")


def _forward_matches(t: TestContext, own_forward, inputs: list[np.ndarray], ref_out: np.ndarray) -> bool:
    try:
        return checks.rel_error(own_forward(inputs), ref_out) < 1e-6
    except (Fail, ValueError):
        return False


def _copy(values: Sequence[Any]) -> list[Any]:
    return [dict(v) if isinstance(v, dict) else v for v in values]


def _input_name(grad_name: str) -> str:
    return grad_name[1:] if grad_name.startswith("d") else grad_name
