"""Hidden tests of (inverted) dropout.

A student's mask comes from the student's own random draws (np.random.rand(*x.shape) < p, rand(...) < p with the
shape spelled out, np.random.binomial...), so these tests never require one particular draw: they check
properties of the output (kept share, scaling, independence, reproducibility), and dropout_backward is checked
against the mask the student's own dropout_forward applied (out / x).

Inputs never contain zeros, so a zero in the output means a dropped unit. p is never 0.5 (a keep probability and
a drop probability would then look alike); p = 1 (keep everything) is included.

The tests speak of the KEEP probability. The 2016-17 starter code documents p as the probability of dropping a unit
("We drop each neuron output with probability p"); a dropout_forward whose docstring says so is graded on those
terms (conventions.py): it gets p = 1 - keep, and a note says so.
"""

from __future__ import annotations

import numpy as np

from autograder import checks
from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden import conventions

P_VALUES = (0.3, 0.8, 1.0)
LARGE = (100, 1000)  # 1e5 units: a correct kept share has a standard deviation of at most 1.6e-3 around p
# p used as the drop probability misses p by 0.4 or more. A mask shared across the batch (the next part's business)
# has only 1000 draws, sd up to 0.016: 0.08 leaves it 5 sd, so that bug does not also cost this part.
SHARE_TOL = 0.08
IMAGES = (50, 4, 6, 7)  # 49 pairs of consecutive examples x 168 units
KEPT_SHARE = "train mode: the share of units kept is about the keep probability"
AGREEMENT_TOL = 0.05  # agreement between two independent masks is p^2 + (1-p)^2 +- 0.006 (1 sd); shared: 1
SCALE_TOL = 1e-9  # kept units are x / p, computed as x * (1 / p) or x / p: 1 ulp apart (rel. error ~1e-16)


def _units(t: TestContext, shape: tuple[int, ...], dtype: type = np.float64) -> np.ndarray:
    """Values of magnitude 0.5 to 2 with random signs (never 0)."""
    return (t.rng.uniform(0.5, 2.0, shape) * t.rng.choice([-1.0, 1.0], shape)).astype(dtype)


def _p(t: TestContext, keep: float) -> float:
    """The p to give the student's dropout_forward for the keep probability KEEP, in its year's convention (noted
    once per test when it is the 2016-17 one)."""
    if not conventions.dropout_p_drops(t):
        return keep
    t.note("your dropout_forward documents p as the probability of dropping a unit (the 2016-17 starter code): it "
           "is graded on those terms, with p = 1 - the keep probability")
    return round(1.0 - keep, 12)


def _forward(t: TestContext, x: np.ndarray, param: dict) -> tuple[np.ndarray, object]:
    """The student's dropout_forward(x, PARAM), PARAM's p being the KEEP probability (translated to the student's
    convention): (out checked to be shaped like x, cache)."""
    param = {**param, "p": _p(t, param["p"])}
    out, cache = checks.unpack(t.call("layers.dropout_forward", x, param), 2, "dropout_forward", "(out, cache)")
    return checks.array(out, "dropout_forward: out", x.shape, like="x"), cache


def _kept(t: TestContext, x: np.ndarray, p: float) -> np.ndarray:
    """Where the student's train-mode dropout kept the units of X."""
    return _forward(t, x, {"mode": "train", "p": p})[0] != 0


def _agreement(kept: np.ndarray, axis: int) -> float:
    """The share of units whose keep/drop decision equals that of their neighbour along AXIS."""
    first = np.take(kept, range(kept.shape[axis] - 1), axis=axis)
    return float(np.mean(first == np.take(kept, range(1, kept.shape[axis]), axis=axis)))


@grader_test("layers.dropout_forward")
def dropout_forward(t: TestContext) -> None:
    """dropout_forward in train mode (kept share about p for several p including 1, inverted scaling, a mask per
    element, reproducible with a seed) and in test mode (the identity); out keeps the dtype of x."""
    x = _units(t, LARGE)
    with t.part(KEPT_SHARE, weight=2):
        for p in P_VALUES:
            share = float(np.mean(_kept(t, x, p)))
            if abs(share - p) <= SHARE_TOL:
                continue
            if abs(share - (1 - p)) <= SHARE_TOL:
                raise Fail("dropout_forward: in train mode the share of units kept is about 1 - p: p is the "
                           "probability of keeping a unit, not of dropping it" if _p(t, p) == p else
                           "dropout_forward: in train mode the share of units dropped is about 1 - p, but your "
                           "docstring (the 2016-17 starter code) makes p the probability of dropping a unit")
            where = " (nothing may be dropped)" if p == 1 else ""
            raise Fail(f"dropout_forward: in train mode with p = {_p(t, p):g} the share of units kept is not about "
                       f"{p:g}{where}")

    with t.part("train mode: kept units are divided by the keep probability (inverted dropout keeps the expected "
                "value)", weight=2):
        for p in P_VALUES:
            out, _ = _forward(t, x, {"mode": "train", "p": p})
            kept = out != 0
            if not kept.any():
                raise Fail(f"dropout_forward: in train mode with p = {_p(t, p):g} every unit was dropped")
            checks.close(f"dropout_forward: kept units (with p = {_p(t, p):g} they should equal x / {p:g})",
                         out[kept], x[kept] / p, SCALE_TOL)

    with t.part("train mode: every unit of every example gets its own random keep/drop decision", weight=2):
        p = P_VALUES[0]
        kept = _kept(t, _units(t, IMAGES), p).reshape(IMAGES[0], -1)
        independent = p**2 + (1 - p) ** 2
        for axis, what in ((0, "the examples of the batch"), (1, "the units of one example")):
            if _agreement(kept, axis) > independent + AGREEMENT_TOL:
                raise Fail(f"dropout_forward: the mask is shared across {what}; draw one random number per "
                           "element of x (a mask of the full shape of x)")

    with t.part("train mode: the same seed gives the same output, another seed another one"):
        t.counts_once(KEPT_SHARE, "the share of units kept")
        small = _units(t, IMAGES)
        runs = [_forward(t, small, {"mode": "train", "p": 0.6, "seed": s})[0] for s in (123, 123, 124)]
        if not np.array_equal(runs[0], runs[1]):
            raise Fail("dropout_forward: two calls with the same dropout_param['seed'] gave different outputs "
                       "(draw the mask with np.random after the seeding line)")
        if np.array_equal(runs[0], runs[2]):
            raise Fail("dropout_forward: two different seeds gave the same output")

    with t.part("test mode returns x unchanged", weight=2):
        small = _units(t, IMAGES)
        for p in P_VALUES[:2]:
            out, _ = _forward(t, small, {"mode": "test", "p": p})
            checks.same("dropout_forward: in test mode out should equal x (inverted dropout needs no change at "
                        "test time)", out, small)

    with t.part("out has the dtype of x (float32 stays float32)"):
        t.counts_once(KEPT_SHARE, "the share of units kept")
        x32 = _units(t, IMAGES, np.float32)
        for mode in ("train", "test"):
            out, _ = _forward(t, x32, {"mode": mode, "p": P_VALUES[1]})
            if out.dtype != np.float32:
                raise Fail(f"dropout_forward: out has dtype {out.dtype} in {mode} mode for a float32 x; it "
                           "should keep the dtype of x")


def _cache(t: TestContext, x: np.ndarray, param: dict) -> tuple[object, np.ndarray]:
    """The cache of the student's dropout_forward(x, PARAM) and the mask dropout_backward must apply: in train mode
    the one that forward applied, read off as out / x; in test mode ones. When that forward fails, or in train mode
    drops nothing (or everything), a cache in the course's format (dropout_param, mask) built here."""
    train = param["mode"] == "train"
    try:
        out, cache = _forward(t, x, param)
        mask = out / x if train else np.ones_like(x)
        if not train or 0 < np.count_nonzero(mask) < mask.size:
            return cache, mask
        why = "dropped no unit or every unit"
    except Fail:
        why = "failed"
    t.note(f"dropout_backward was tested in {param['mode']} mode with a cache (dropout_param, mask) built by the "
           f"grader, because your dropout_forward {why}")
    own = {**param, "p": _p(t, param["p"])}  # the dropout_param in the student's convention
    if not train:
        return (own, None), np.ones_like(x)
    mask = (t.rng.random(x.shape) < param["p"]) / param["p"]
    return (own, mask), mask


def _backward_matches(t: TestContext, x: np.ndarray, dout: np.ndarray, param: dict, should: str) -> None:
    cache, mask = _cache(t, x, param)
    dx = t.call("layers.dropout_backward", dout, cache)
    checks.close(f"dropout_backward: dx in {param['mode']} mode (it should be {should})", dx, dout * mask, SCALE_TOL)


@grader_test("layers.dropout_backward")
def dropout_backward(t: TestContext) -> None:
    """dropout_backward: in train mode dx = dout * the mask your dropout_forward applied (taken from its cache);
    in test mode dx = dout. Graded against your own forward pass, so a wrong forward costs nothing here. The
    test-mode line is starter code: it counts only once train mode works."""
    x = _units(t, (20, 3, 5))
    dout = t.rng.standard_normal(x.shape)
    with t.part("train mode: dx = dout times the mask of the forward pass", weight=3):
        _backward_matches(t, x, dout, {"mode": "train", "p": 0.7, "seed": 17}, "dout times the mask of the forward")
    if t.parts[-1].passed:
        with t.part("test mode: dx = dout"):
            _backward_matches(t, x, dout, {"mode": "test", "p": 0.7}, "dout")
