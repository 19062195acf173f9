"""Checks that turn what a student's function returned into a verdict and a message the student can act on.

Every check raises :class:`Fail` with a message naming the function and the quantity ("batchnorm_backward: dgamma
has shape (1, 5) but gamma has shape (5,)") and never the hidden inputs or expected values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

import numpy as np

from autograder.framework import Fail

# A numerical directional derivative at most this large is no evidence: the forward does not depend on that input
# (a stub returning zeros or a constant). Real derivatives on the tests' inputs are above 1e-3; the rounding noise of
# a central difference with h = 1e-6 on outputs of order 1 is about 1e-10.
NO_EVIDENCE = 1e-7


def rel_error(x: np.ndarray, y: np.ndarray) -> float:
    """The course's relative error: max |x - y| / max(1e-8, |x| + |y|)."""
    x, y = np.asarray(x, dtype=np.float64), np.asarray(y, dtype=np.float64)
    if x.size == 0:
        return 0.0
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def describe(value: Any) -> str:
    """A short description of a returned value (its kind, never its content)."""
    if isinstance(value, np.ndarray):
        return f"an array of shape {value.shape} and dtype {value.dtype}"
    if value is None:
        return "None"
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of length {len(value)}"
    return f"a value of type {getattr(value, 'type', type(value).__name__)}"


def unpack(value: Any, n: int, what: str, names: str) -> tuple:
    """VALUE must be a tuple/list of N items, e.g. unpack(v, 2, "affine_forward", "(out, cache)")."""
    if not isinstance(value, tuple | list) or len(value) != n:
        raise Fail(f"{what} should return {names}, but returned {describe(value)}")
    return tuple(value)


def array(value: Any, what: str, shape: Sequence[int] | None = None, like: str = "") -> np.ndarray:
    """VALUE must be a finite float array of SHAPE; LIKE names what the shape should match ("x")."""
    if not isinstance(value, np.ndarray):
        raise Fail(f"{what} should be a numpy array, but is {describe(value)}")
    if shape is not None and tuple(value.shape) != tuple(shape):
        hint = f" like {like}" if like else ""
        raise Fail(f"{what} has shape {value.shape} but should have shape {tuple(shape)}{hint}")
    if value.dtype.kind not in "fc":
        raise Fail(f"{what} has dtype {value.dtype}; a floating point array was expected")
    if not np.all(np.isfinite(value)):
        raise Fail(f"{what} contains NaN or inf")
    return value


def shape_text(shape: Sequence[int]) -> str:
    return str(tuple(int(d) for d in shape))


def aligned(value: Any, shape: Sequence[int]) -> np.ndarray | None:
    """VALUE reshaped to SHAPE when the two shapes differ only by axes of length 1 ((1, D) for (D,), (C,) for
    (1, C, 1, 1)); None when VALUE is not an array, already has SHAPE, or differs otherwise."""
    if not isinstance(value, np.ndarray) or value.shape == tuple(shape):
        return None
    if [d for d in value.shape if d != 1] != [d for d in shape if d != 1]:
        return None
    return value.reshape(tuple(shape))


def shape_message(what: str, got: Sequence[int], want: Sequence[int], doc: str = "") -> str:
    """'WHAT has shape (1, 4): values right, shape should be (D,) = (4,)'."""
    concrete = shape_text(want)
    should = f"{doc} = {concrete}" if doc and doc != concrete else concrete
    return f"{what} has shape {shape_text(got)}: values right, shape should be {should}"


def close_shaped(what: str, got: Any, want: np.ndarray, tol: float, doc: str = "") -> str:
    """`close`, except that a GOT whose shape differs from WANT's only by axes of length 1 is judged on its values.
    Returns '' when GOT has WANT's shape, else the shape-only message ('values right, shape should be DOC'; DOC is
    the documented shape, e.g. '(D,)') for the caller to record with TestContext.shape_only."""
    fixed = aligned(got, np.shape(want))
    if fixed is None:
        close(what, got, want, tol)
        return ""
    try:
        close(what, fixed, want, tol)
    except Fail as exc:
        raise Fail(f"{exc}; its shape {shape_text(got.shape)} should also be {doc or shape_text(np.shape(want))}") \
            from None
    return shape_message(what, got.shape, np.shape(want), doc)


def close(what: str, got: np.ndarray, want: np.ndarray, tol: float) -> float:
    """GOT must match WANT (same shape) within relative error TOL; returns the error."""
    array(got, what, np.shape(want))
    err = rel_error(got, want)
    if not err <= tol:
        raise Fail(f"{what} is wrong: relative error {err:.1e} against the reference (must be below {tol:.0e})")
    return err


def same(what: str, got: np.ndarray, want: np.ndarray) -> None:
    """GOT must equal WANT exactly (masks, indices, untouched inputs)."""
    if not isinstance(got, np.ndarray) or got.shape != np.shape(want) or not np.array_equal(got, want):
        raise Fail(what)


def directional_derivatives(
    forward: Callable[[list[np.ndarray]], np.ndarray],
    inputs: list[np.ndarray],
    dout: np.ndarray,
    which: int,
    rng: np.random.Generator,
    directions: int = 2,
    h: float = 1e-6,
) -> list[tuple[float, np.ndarray]]:
    """Numerical derivatives of sum(forward(inputs) * dout) along random directions of inputs[which].

    Returns [(numerical derivative, direction)], to compare with sum(analytic_gradient * direction). A few random
    directions catch the same wrong gradients as perturbing every element, at a fraction of the calls."""
    out = []
    for _ in range(directions):
        v = rng.standard_normal(inputs[which].shape)
        v /= np.linalg.norm(v) or 1.0
        plus = [x + h * v if i == which else x for i, x in enumerate(inputs)]
        minus = [x - h * v if i == which else x for i, x in enumerate(inputs)]
        f_plus, f_minus = forward(plus), forward(minus)
        out.append((float(np.sum((f_plus - f_minus) * dout)) / (2 * h), v))
    return out


class Consistency(NamedTuple):
    """Whether analytic gradients agree with numerical derivatives of the forward they belong to. OK is never
    true without evidence: WHY says what made the comparison impossible (an empty string when it was made)."""

    ok: bool
    error: float
    why: str = ""


class BackwardVerdict(NamedTuple):
    """What gradients that differ from the reference's are: right for the student's own wrong forward pass (PARTIAL:
    the rubric's backward_matches_wrong_forward share), or wrong, with WHY to add to the comparison's failures."""

    partial: bool
    why: str = ""


def backward_verdict(consistency: Consistency, forward_right: Callable[[], bool], numerical: str,
                     they: str = "the gradients") -> BackwardVerdict:
    """The verdict on gradients that differ from the reference's, from CONSISTENCY (their comparison with NUMERICAL,
    the numerical derivatives of the student's own forward pass: 'numerical gradients of your own affine_forward')
    and, when they agree with those, FORWARD_RIGHT() (whether that forward pass is right, asked only then). THEY
    names the gradients in the feedback ('they' after a message that named them)."""
    if consistency.ok and not forward_right():
        return BackwardVerdict(True)
    if consistency.ok:
        return BackwardVerdict(False, f" ({they} pass a numerical check along a few random directions but not the "
                               "full comparison: look for an error in a part of the gradient that only some inputs "
                               "reach)")
    if consistency.why:
        return BackwardVerdict(False, f" (not compared with {numerical}: {consistency.why})")
    return BackwardVerdict(False, f" (they also disagree with {numerical}: the backward pass itself is wrong)")


def consistent(
    forward: Callable[[list[np.ndarray]], np.ndarray],
    inputs: list[np.ndarray],
    dout: np.ndarray,
    grads: dict[int, np.ndarray],
    rng: np.random.Generator,
    tol: float = 1e-5,
) -> Consistency:
    """Whether analytic GRADS {input index: gradient} agree with FORWARD's own numerical directional derivatives.

    Degenerate quantities are no evidence of agreement: a forward that answers the same input differently on two
    calls, a non-finite forward, derivative or gradient, and a forward whose output does not change along any of
    the directions tried (zero or constant outputs, with zero gradients) all give ok = False. Gradients whose shape
    differs from their input's only by axes of length 1 are compared on their values."""
    first = np.asarray(forward(inputs), dtype=np.float64)
    if not np.all(np.isfinite(first)):
        return Consistency(False, float("inf"), "its output contains NaN or inf")
    if not np.array_equal(first, np.asarray(forward(inputs), dtype=np.float64)):
        return Consistency(False, float("inf"), "it returns different outputs for the same input on two calls")
    worst = 0.0
    for which, grad in grads.items():
        fixed = aligned(grad, inputs[which].shape)
        grad = grad if fixed is None else fixed
        if not isinstance(grad, np.ndarray) or grad.shape != inputs[which].shape:
            return Consistency(False, float("inf"), "a gradient does not have the shape of its input")
        if not np.all(np.isfinite(grad)):
            return Consistency(False, float("inf"), "a gradient contains NaN or inf")
        pairs = directional_derivatives(forward, inputs, dout, which, rng)
        numeric = np.array([n for n, _ in pairs])
        if not np.all(np.isfinite(numeric)):
            return Consistency(False, float("inf"), "its output is not finite near the input")
        if np.all(np.abs(numeric) <= NO_EVIDENCE):
            return Consistency(False, float("inf"), "its output does not change when an input changes")
        for value, v in pairs:
            analytic = float(np.sum(grad * v))
            worst = max(worst, abs(value - analytic) / max(1e-8, abs(value) + abs(analytic)))
    return Consistency(worst <= tol, worst)
