"""Checks that turn what a student's function returned into a verdict and a message the student can act on.

Every check raises :class:`Fail` with a message naming the function and the quantity ("batchnorm_backward: dgamma
has shape (1, 5) but gamma has shape (5,)") and never the hidden inputs or expected values.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from autograder.framework import Fail


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


def consistent(
    forward: Callable[[list[np.ndarray]], np.ndarray],
    inputs: list[np.ndarray],
    dout: np.ndarray,
    grads: dict[int, np.ndarray],
    rng: np.random.Generator,
    tol: float = 1e-5,
) -> tuple[bool, float]:
    """Whether analytic GRADS {input index: gradient} agree with FORWARD's own numerical directional derivatives."""
    worst = 0.0
    for which, grad in grads.items():
        if not isinstance(grad, np.ndarray) or grad.shape != inputs[which].shape:
            return False, float("inf")
        for numeric, v in directional_derivatives(forward, inputs, dout, which, rng):
            analytic = float(np.sum(grad * v))
            worst = max(worst, abs(numeric - analytic) / max(1e-8, abs(numeric) + abs(analytic)))
    return worst <= tol, worst
