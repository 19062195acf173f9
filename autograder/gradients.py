"""The shared shape of every backward test: the student's gradients against the reference's on the same inputs,
and, when they differ, against numerical derivatives of the student's own forward (for the rubric's partial credit
and for feedback that says which half is wrong)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder import checks
from autograder.framework import Fail, TestContext

# An alternative correct formulation: (notes naming the difference, its forward, its backward), with the reference's
# signatures. See autograder/hidden/variants.py.
Alternative = tuple[Sequence[str], Callable[..., tuple], Callable[..., tuple]]


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
    alternatives: Sequence[Alternative] = (),
    shape_docs: Sequence[str] = (),
) -> None:
    """Grade LAYER_backward on INPUTS (the differentiable arrays, followed by EXTRA non-differentiable arguments).

    GRAD_NAMES name the backward's outputs in order; DIFFERENTIABLE[i] is the index in INPUTS that gradient i is
    taken with respect to; SHAPE_DOCS[i], when given, the documented shape of gradient i ('(D,)'). Full credit:
    every gradient matches the reference within TOL, or matches one of the ALTERNATIVES (correct code written
    another way, recognized when the student's forward output matches that alternative's too) with a note. A
    gradient whose values are right but whose shape differs from the documented one only by axes of length 1 passes
    on its values and costs the rubric's shape_only share. Otherwise, if the gradients agree with numerical
    derivatives of the student's own (non-degenerate) forward, the rubric's partial credit for a backward that is
    right for a wrong forward (or the feedback that the backward itself is wrong). BACKWARD names the backward
    function when it is not LAYER_backward (e.g. "batchnorm_backward_alt"), FORWARD the forward function when it is
    not LAYER_forward (e.g. "conv_forward_naive")."""
    backward = backward or f"{layer}_backward"
    forward = forward or f"{layer}_forward"
    fwd, bwd = f"layers.{forward}", f"layers.{backward}"
    ref_out, ref_cache = ref_forward(*[x.copy() for x in inputs], *_copy(extra))
    dout = t.rng.standard_normal(ref_out.shape)
    expected = _as_tuple(ref_backward(dout.copy(), ref_cache))
    student = t.call(fwd, *inputs, *extra, what=f"{forward} (needed to test {backward})")
    out, cache = checks.unpack(student, 2, forward, "(out, cache)")
    grads = t.call(bwd, dout, cache, what=backward)
    if len(grad_names) == 1 and isinstance(grads, np.ndarray):
        grads = (grads,)
    grads = checks.unpack(grads, len(grad_names), backward, "(" + ", ".join(grad_names) + ")")
    docs = list(shape_docs) or [""] * len(grad_names)
    failures = _compare(t, backward, grad_names, grads, expected, tol, docs)
    if not failures:
        return
    alt_outs = []
    for notes, alt_forward, alt_backward in alternatives:
        alt_out, alt_cache = alt_forward(*[x.copy() for x in inputs], *_copy(extra))
        alt_outs.append(alt_out)
        if _matches(out, alt_out, 1e-9) and not _compare(t, backward, grad_names, grads,
                                                          _as_tuple(alt_backward(dout.copy(), alt_cache)), tol, docs):
            for note in notes:
                t.note(note)
            return

    def own_forward(xs: list[np.ndarray]) -> np.ndarray:
        value = t.call(fwd, *xs, *extra, what=forward)
        return checks.array(checks.unpack(value, 2, forward, "(out, cache)")[0], f"{forward}: out")

    shaped = {idx: g for g, idx in zip(grads, differentiable, strict=True)}
    try:
        verdict = checks.consistent(own_forward, inputs, dout, shaped, t.rng, consistency_tol)
    except Fail as exc:
        verdict = checks.Consistency(False, float("inf"), f"it failed: {exc}")
    found = checks.backward_verdict(verdict, lambda: _forward_matches(own_forward, inputs, ref_out, alt_outs),
                                    f"numerical gradients of your own {forward}")
    if found.partial:
        t.award(t.partial.backward_matches_wrong_forward, f"your {backward} is consistent with your {forward} "
                f"(numerical gradient error {verdict.error:.1e}), but {forward} itself is wrong: fix the forward pass; "
                "partial credit")
    raise Fail("; ".join(failures) + found.why)


def _compare(t: TestContext, backward: str, names: Sequence[str], grads: Sequence[Any], expected: Sequence[Any],
             tol: float, docs: Sequence[str]) -> list[str]:
    """The failure messages of GRADS against EXPECTED (empty when all match). Shape-only deviations with right values
    are recorded on T, and only when every gradient matches."""
    failures, shapes = [], {}
    for name, got, want, doc in zip(names, grads, expected, docs, strict=True):
        what = f"{backward}: {name}"
        try:
            if checks.aligned(got, np.shape(want)) is None:
                checks.array(got, what, np.shape(want), like=_input_name(name))
            shapes[what] = checks.close_shaped(what, got, want, tol, doc)
        except Fail as exc:
            failures.append(str(exc))
    if not failures:
        for what, message in shapes.items():
            if message:
                t.shape_only(_cause(backward, what), message)
    return failures


def _cause(backward: str, what: str) -> str:
    """dgamma and dbeta come from the same kind of line (a sum over the batch): one cause; others their own."""
    name = what.rsplit(": ", 1)[-1]
    return f"{backward}: dgamma and dbeta" if name in ("dgamma", "dbeta") else what


def _matches(got: Any, want: np.ndarray, tol: float) -> bool:
    return isinstance(got, np.ndarray) and got.shape == np.shape(want) and np.all(np.isfinite(got)) and \
        checks.rel_error(got, want) <= tol


def _forward_matches(own_forward, inputs: list[np.ndarray], ref_out: np.ndarray, alt_outs: list[np.ndarray]) -> bool:
    """Whether the student's forward output is the reference's, or exactly that of a correct alternative."""
    try:
        out = own_forward(inputs)
    except Fail:
        return False
    try:
        return checks.rel_error(out, ref_out) < 1e-6 or any(_matches(out, alt, 1e-9) for alt in alt_outs)
    except ValueError:
        return False


def _as_tuple(value: Any) -> tuple:
    return value if isinstance(value, tuple) else (value,)


def _copy(values: Sequence[Any]) -> list[Any]:
    return [{k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in value.items()} if isinstance(value, dict)
            else value for value in values]


def _input_name(grad_name: str) -> str:
    return grad_name[1:] if grad_name.startswith("d") else grad_name
