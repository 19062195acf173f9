"""Hidden tests of batch normalization and layer normalization.

Correct code that places eps elsewhere ((x - mean) / (sqrt(var) + eps), no eps in test mode, var + eps kept in
running_var) is recognized exactly (autograder/hidden/variants.py) and passes with a note; running averages and
dgamma / dbeta whose values are right but whose shape is (1, D) pass on their values and cost the rubric's shape_only
share.

Thresholds, measured on 200 random draws of each of these shapes (odd sizes, N = 1 for layer norm, small and large
variances) against other correct float64 formulations (np.var / np.std, multiplying by 1 / std, the step-by-step
graph of the staged derivation, the closed form 1/N * gamma / std * (N dout - sum dout - xhat sum(dout xhat))):
forward outputs and running averages differ from the reference by at most 4.6e-12, gradients by at most 2.0e-10
(layer norm dx; batch norm dx 5.4e-11). The real bugs these tests target (unbiased variance, a missing term,
eps misplaced, the wrong axis) are above 1e-6.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from autograder import checks
from autograder.framework import Fail, TestContext, grader_test
from autograder.gradients import backward_test
from autograder.hidden import variants
from autograder.hidden.variants import Variant
from autograder.reference import layers as ref

FORWARD_TOL = 1e-9  # correct code reaches 4.6e-12 (see above); 200x margin
GRAD_TOL = 1e-8  # correct code reaches 2.0e-10 (see above); 50x margin
FLOAT32_TOL = 1e-4  # float32 out vs the float64 reference, relative to its largest value: 2.8e-7 reached
BN_BACKWARD_SHAPES = [(5, 4), (11, 3)]
LN_SHAPES = [(4, 6), (1, 5), (3, 7)]
SHAPE_DOCS = ("(N, D)", "(D,)", "(D,)")  # documented shapes of dx, dgamma, dbeta
TRAIN_OUT = "train mode: out = gamma * x_hat + beta"


def _features(t: TestContext, n: int, d: int, low: float = 1.0, high: float = 5.0) -> np.ndarray:
    """(N, D) data whose columns have their own offsets and standard deviations between LOW and HIGH."""
    return t.rng.uniform(-3, 3, d) + t.rng.uniform(low, high, d) * t.rng.standard_normal((n, d))


def _rows(t: TestContext, n: int, d: int) -> np.ndarray:
    """(N, D) data whose rows have their own offsets and scales (so per-row and per-column statistics differ)."""
    return _features(t, d, n).T.copy()


def _forward(t: TestContext, layer: str, *args: Any) -> tuple[np.ndarray, list]:
    """The student's LAYER_forward(*ARGS): its out (checked shaped like x) and the arguments after the call."""
    answer = t.call(f"layers.{layer}_forward", *args, after=True)
    out, _ = checks.unpack(answer["value"], 2, f"{layer}_forward", "(out, cache)")
    return checks.array(out, f"{layer}_forward: out", args[0].shape, like="x"), answer["args"]


def close_or_variant(t: TestContext, what: str, got: Any, want: np.ndarray,
                     alternatives: Sequence[tuple[Sequence[str], Any]] = (), doc: str | None = None,
                     cause: str = "") -> None:
    """GOT must match WANT at FORWARD_TOL, or exactly one of ALTERNATIVES [(notes, value)] (correct code placing eps
    elsewhere: passes with its notes). With DOC (the documented shape, e.g. '(D,)'), a GOT of another shape with the
    same entries passes on its values and costs the rubric's shape_only share, once per CAUSE (default WHAT);
    without it the shape is strict."""
    try:
        _compare(t, what, got, want, doc, cause)
        return
    except Fail as exc:
        failure = exc
    for notes, value in alternatives:
        try:
            _compare(t, what, got, value, doc, cause)
        except Fail:
            continue
        for note in notes:
            t.note(note)
        return
    fixed = checks.aligned(got, np.shape(want)) if doc is not None else None
    got = got if fixed is None else fixed
    if isinstance(got, np.ndarray) and got.shape == np.shape(want) and checks.rel_error(got, want) < 1e-3:
        raise Fail(f"{failure} (a small error: normalize with (x - mean) / sqrt(var + eps), eps inside the square "
                   "root, using the eps given in the parameters, 1e-5 by default)") from None
    raise failure


def _compare(t: TestContext, what: str, got: Any, want: np.ndarray, doc: str | None, cause: str) -> None:
    if doc is None:
        checks.close(what, got, want, FORWARD_TOL)
    elif message := checks.close_shaped(what, got, want, FORWARD_TOL, doc):
        t.shape_only(cause or what, message)


def _outputs(layer_call: Any, v: Variant, *args: Any) -> tuple[Sequence[str], np.ndarray]:
    """(notes, out) of the judge's LAYER_CALL(*ARGS, v) (variants.batchnorm or variants.layernorm) for the variant V,
    on copies of the arguments."""
    copies = [_copied(a) if isinstance(a, dict) else a for a in args]
    words = "batch normalization" if layer_call is variants.batchnorm else "layer normalization"
    return v.notes(words), layer_call(*copies, v)[0]


def _unchanged(what: str, after: list, before: tuple[np.ndarray, ...], names: tuple[str, ...]) -> None:
    """The first arguments, as they were AFTER the call, must still equal BEFORE."""
    for name, now, then in zip(names, after[: len(before)], before, strict=True):
        checks.same(f"{what} changed its input {name} in place", now, then)


def _copied(param: dict) -> dict:
    """A copy of PARAM whose arrays are copies too (the reference writes its running averages into it)."""
    return {k: (v.copy() if isinstance(v, np.ndarray) else v) for k, v in param.items()}


def _running(t: TestContext, what: str, param: dict, expected: dict,
             keys: tuple[str, ...] = ("running_mean", "running_var"), variant_var: np.ndarray | None = None) -> None:
    """The running averages the student's call left in PARAM must match the reference's EXPECTED (running_var may
    match VARIANT_VAR, the running_var of a variant keeping var + eps); (1, D)-shaped ones pass on their values."""
    for key in keys:
        if key not in param:
            raise Fail(f"{what}: bn_param has no '{key}' after the call: write the running averages back into "
                       "bn_param")
        alternatives = [(Variant(running_var_eps=True).notes("batch normalization"), variant_var)] \
            if key == "running_var" and variant_var is not None else []
        close_or_variant(t, f"{what}: bn_param['{key}']", param[key], expected[key], alternatives, doc="(D,)",
                         cause="the running averages")


@grader_test("layers.batchnorm_forward")
def batchnorm_forward(t: TestContext) -> None:
    """batchnorm_forward in train mode (normalized output, gamma and beta, running averages with momentum and the
    biased variance written back, default eps and momentum) and in test mode (running averages used, unchanged);
    inputs left unmodified; float32 stays float32."""
    n, d = 7, 5
    x = _features(t, n, d)
    gamma, beta = t.rng.standard_normal(d), t.rng.standard_normal(d)

    with t.part("train mode: every feature of out has mean 0 and std 1 when gamma = 1 and beta = 0", weight=2):
        ones, zeros = np.ones(d), np.zeros(d)
        out, _ = _forward(t, "batchnorm", x, ones, zeros, {"mode": "train"})
        if np.max(np.abs(out.mean(axis=0))) > 1e-6 or np.max(np.abs(out.std(axis=0) - 1)) > 1e-4:
            raise Fail("batchnorm_forward: in train mode with gamma = 1 and beta = 0, every column of out should "
                       "have mean 0 and standard deviation 1 (normalize each feature with the mean and the biased "
                       "variance of the minibatch)")

    outside = Variant(eps_outside=True)
    with t.part(TRAIN_OUT, weight=2):
        param = {"mode": "train", "eps": 1e-5}
        out, _ = _forward(t, "batchnorm", x, gamma, beta, param)
        close_or_variant(t, "batchnorm_forward: out (train mode)", out, ref.batchnorm_forward(x, gamma, beta, param)[0],
                         [_outputs(variants.batchnorm, outside, x, gamma, beta, param)])

    with t.part("train mode: inputs x, gamma, beta left unmodified"):
        t.counts_once(TRAIN_OUT, "the train-mode output")
        _unchanged("batchnorm_forward", _forward(t, "batchnorm", x, gamma, beta, {"mode": "train"})[1],
                   (x, gamma, beta), ("x", "gamma", "beta"))

    with t.part("train mode: running_mean / running_var updated with the momentum and the biased batch variance, "
                "written back into bn_param", weight=2):
        param = {"mode": "train", "momentum": 0.75, "running_mean": t.rng.standard_normal(d),
                 "running_var": t.rng.uniform(0.5, 2.0, d)}
        expected, plus_eps = _copied(param), _copied(param)
        ref.batchnorm_forward(x, gamma, beta, expected)
        variants.batchnorm(x, gamma, beta, plus_eps, Variant(running_var_eps=True))
        _, after = _forward(t, "batchnorm", x, gamma, beta, param)
        _running(t, "batchnorm_forward (train mode)", after[3], expected, variant_var=plus_eps["running_var"])

    with t.part("train mode: eps = 1e-5 and momentum = 0.9 when bn_param does not give them"):
        small = _features(t, n, d, 0.002, 0.01)  # variances near eps: the value of eps matters
        expected = {"mode": "train"}
        ref_out = ref.batchnorm_forward(small, gamma, beta, expected)[0]
        out, after = _forward(t, "batchnorm", small, gamma, beta, {"mode": "train"})
        close_or_variant(t, "batchnorm_forward: out with the default eps", out, ref_out,
                         [_outputs(variants.batchnorm, outside, small, gamma, beta, {"mode": "train"})])
        if "running_mean" in after[3]:  # a missing write-back is the previous part's fault
            _running(t, "batchnorm_forward with the default momentum", after[3], expected, ("running_mean",))

    with t.part("test mode: out uses the running averages, which stay unchanged", weight=2):
        running = {"running_mean": t.rng.standard_normal(d), "running_var": t.rng.uniform(0.5, 2.0, d)}
        param = {"mode": "test", **running}
        out, after = _forward(t, "batchnorm", x, gamma, beta, param)
        want = ref.batchnorm_forward(x, gamma, beta, _copied(param))[0]
        close_or_variant(t, "batchnorm_forward: out (test mode)", out, want,
                         [_outputs(variants.batchnorm, Variant(test=m), x, gamma, beta, param)
                          for m in ("outside", "none")])
        _running(t, "batchnorm_forward in test mode (the running averages must not change)", after[3], running)

    with t.part("float32 input gives float32 output"):
        x32, gamma32, beta32 = (a.astype(np.float32) for a in (x, gamma, beta))
        out, _ = _forward(t, "batchnorm", x32, gamma32, beta32, {"mode": "train"})
        if out.dtype != np.float32:
            raise Fail(f"batchnorm_forward: out has dtype {out.dtype} for float32 inputs; it should stay float32")
        want = ref.batchnorm_forward(x32.astype(np.float64), gamma, beta, {"mode": "train"})[0]
        if np.max(np.abs(out - want)) > FLOAT32_TOL * np.max(np.abs(want)):
            raise Fail("batchnorm_forward: out is wrong for float32 inputs")


def _bn_backward(t: TestContext, backward: str) -> None:
    for n, d in BN_BACKWARD_SHAPES:
        x, gamma, beta = _features(t, n, d), t.rng.standard_normal(d), t.rng.standard_normal(d)
        backward_test(t, layer="batchnorm", inputs=[x, gamma, beta], extra=[{"mode": "train"}],
                      grad_names=("dx", "dgamma", "dbeta"), differentiable=(0, 1, 2),
                      ref_forward=ref.batchnorm_forward, ref_backward=ref.batchnorm_backward, tol=GRAD_TOL,
                      backward=backward, alternatives=variants.alternatives("batchnorm", backward=True),
                      shape_docs=SHAPE_DOCS)


@grader_test("layers.batchnorm_backward")
def batchnorm_backward(t: TestContext) -> None:
    """batchnorm_backward: dx, dgamma, dbeta against the reference and against your own forward (odd shapes)."""
    _bn_backward(t, "batchnorm_backward")


@grader_test("layers.batchnorm_backward_alt")
def batchnorm_backward_alt(t: TestContext) -> None:
    """batchnorm_backward_alt on its own (with your batchnorm_forward's cache): dx, dgamma, dbeta against the
    reference. Its speed is not graded (timings are too noisy)."""
    _bn_backward(t, "batchnorm_backward_alt")


@grader_test("layers.layernorm_forward")
def layernorm_forward(t: TestContext) -> None:
    """layernorm_forward normalizes every example over its own features, batch size 1 included; the 'mode' key
    that the networks put in ln_param is ignored (layer norm is the same at train and test time); x unmodified."""
    for (n, d), mode in zip(LN_SHAPES, ("train", "train", "test"), strict=True):
        x, gamma, beta = _rows(t, n, d), t.rng.standard_normal(d), t.rng.standard_normal(d)
        with t.part(f"out for N = {n} with ln_param {{'mode': '{mode}'}}"):
            out, after = _forward(t, "layernorm", x, gamma, beta, {"mode": mode})
            close_or_variant(t, f"layernorm_forward: out (N = {n}, ln_param['mode'] = '{mode}')", out,
                             ref.layernorm_forward(x, gamma, beta, {"mode": mode})[0],
                             [_outputs(variants.layernorm, Variant(eps_outside=True), x, gamma, beta, {"mode": mode})])
            _unchanged("layernorm_forward", after, (x,), ("x",))


@grader_test("layers.layernorm_backward")
def layernorm_backward(t: TestContext) -> None:
    """layernorm_backward: dx, dgamma, dbeta against the reference and against your own forward, N = 1 included."""
    for n, d in LN_SHAPES:
        x, gamma, beta = _rows(t, n, d), t.rng.standard_normal(d), t.rng.standard_normal(d)
        backward_test(t, layer="layernorm", inputs=[x, gamma, beta], extra=[{"mode": "train"}],
                      grad_names=("dx", "dgamma", "dbeta"), differentiable=(0, 1, 2),
                      ref_forward=ref.layernorm_forward, ref_backward=ref.layernorm_backward, tol=GRAD_TOL,
                      alternatives=variants.alternatives("layernorm", backward=True), shape_docs=SHAPE_DOCS)
