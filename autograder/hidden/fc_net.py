"""Hidden tests of the fully connected networks of cs231n/classifiers/fc_net.py: TwoLayerNet and FullyConnectedNet.

The student's model lives in the runner (the judge holds a handle). Every test builds it, sets every parameter
explicitly from the judge (nothing depends on the order in which the constructor draws its weights: a correct model
that draws the last layer first is still correct) and compares what model.loss returns with the reference model
holding the same parameters. Inputs are not the notebooks': odd sizes, images of shape (N, 3, 5) that the model must
flatten, 1 to 3 hidden layers, regularization on and off.

Parameters are drawn with W ~ N(0, 1 / fan_in), so every layer's activations stay of order one, and non-zero biases,
so that every term matters: with reg = 0.8 each layer's L2 term is at least 11% of the loss (150 random draws), so a
missing term on any layer moves the loss by a relative error of at least 5e-2, a missing factor 0.5 by more.

Thresholds (relative error against the reference, float64): an independent implementation (einsum, log-sum-exp)
matches the reference's loss to 2e-16 and its gradients to 7e-12 (150 draws; the gradient's worst entry is a sum
that nearly cancels); LOSS_TOL = 1e-8 and GRAD_TOL = 1e-7 leave room for any exact rewrite and stay 1e5 below the
smallest real bug (missing L2 term 5e-2, hidden biases' gradient divided by N again 0.7).

When gradients differ from the reference but agree with numerical derivatives of the student's own (wrong) loss, the
part earns the rubric's `backward_matches_wrong_forward` share, as for the layers' backward tests; a loss that is
constant, not finite or different on two identical calls is no evidence of that agreement.

Every official FullyConnectedNet signature is graded on its own terms (`FcnApi`, read from the signature): 2016-17
`(hidden_dims, ..., dropout=0, use_batchnorm=False, ...)` with dropout the DROP probability, 2018-20 `dropout=1,
normalization=None` with dropout the keep probability, 2021 on `dropout_keep_ratio=1, normalization=None`. A
constructor gets only the keywords the test needs. What a year's API cannot express (layer normalization in
2016-17) scores 0 in the tests that need it, with a message saying so.

Normalized networks whose batch/layer normalization places eps elsewhere (autograder/hidden/variants.py) are
recognized by recomputing the network under each variant; gradients, biases, gammas and betas whose values are right
but whose shape is (1, F) pass on their values and cost the rubric's shape_only share.

The helpers in the first half (building a model in the runner, setting its parameters, calling its loss, grading its
gradients) are shared with cnn.py and accuracy.py."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from autograder import checks
from autograder.framework import CallFailed, Fail, TestContext, grader_test
from autograder.hidden import variants
from autograder.hidden.variants import Variant, VariantNet
from autograder.reference import fc_net as ref
from autograder.reference import layers as ref_layers
from autograder.runner.wire import Handle

LOSS_TOL = 1e-8
GRAD_TOL = 1e-7
CONSISTENCY_TOL = 1e-5
FCN = "fc_net.FullyConnectedNet"


# ---------------------------------------------------------------------------------------------------------------
# Talking to a model in the runner (shared with cnn.py and accuracy.py)


def runner_dtype(name: str) -> type:
    """numpy's scalar type NAME ('float64'), to pass as a model's dtype argument (it crosses the wire as a dtype)."""
    return np.dtype(name).type


def new_model(t: TestContext, cls: str, *args: Any, reseed: int | None = None, **kwargs: Any) -> Handle:
    """Construct classifiers.CLS(*ARGS, **KWARGS) in the runner, after np.random.seed(RESEED) when given
    (KWARGS may hold the model's own `seed`)."""
    name = cls.rsplit(".", 1)[-1]
    model = t.call(f"classifiers.{cls}", *args, what=f"{name}(...)", reseed=reseed, **kwargs)
    if not isinstance(model, Handle):
        raise Fail(f"{name}(...) did not create a model object")
    return model


def model_params(t: TestContext, model: Handle, what: str) -> dict[str, Any]:
    params = t.get(model, "params", what=f"{what}.params")
    if not isinstance(params, dict):
        raise Fail(f"{what}.params should be a dict, but is {checks.describe(params)}")
    return params


def load_params(t: TestContext, model: Handle, params: dict[str, np.ndarray], what: str) -> None:
    """Set every entry of the student's model.params; its names must be the official ones."""
    have = set(model_params(t, model, what))
    if have != set(params):
        raise Fail(f"{what}.params has the keys {sorted(have)}, but the official names are {sorted(params)}")
    for key, value in params.items():
        t.set(model, "params", key, value=value, what=f"{what}.params['{key}']")


def model_scores(t: TestContext, model: Handle, X: np.ndarray, num_classes: int, what: str,
                 timeout: float | None = None) -> np.ndarray:
    """model.loss(X) with y omitted: the class scores, of shape (N, num_classes)."""
    scores = t.call(model, X, attr="loss", what=f"{what}.loss(X)", timeout=timeout)
    return checks.array(scores, f"{what}.loss(X) (the scores, y omitted)", (X.shape[0], num_classes))


def model_loss(t: TestContext, model: Handle, X: np.ndarray, y: np.ndarray, what: str,
               seed: int | None = None) -> tuple[float, dict[str, Any]]:
    """model.loss(X, y): the scalar loss and the gradients dict (after np.random.seed(SEED) when given)."""
    value = t.call(model, X, y, attr="loss", what=f"{what}.loss(X, y)", reseed=seed)
    loss, grads = checks.unpack(value, 2, f"{what}.loss(X, y)", "(loss, grads)")
    loss = np.asarray(loss)
    if loss.size != 1:
        raise Fail(f"{what}.loss(X, y) should return a scalar loss, but returned {checks.describe(loss)}")
    checks.array(loss, f"{what}.loss(X, y): the loss")
    if not isinstance(grads, dict):
        raise Fail(f"{what}.loss(X, y) should return grads as a dict, but returned {checks.describe(grads)}")
    return float(loss.reshape(())), grads


@dataclass
class Case:
    """A student's model and the reference model holding the same parameters, on one minibatch."""

    what: str
    model: Handle
    ref: Any
    params: dict[str, np.ndarray]
    X: np.ndarray
    y: np.ndarray
    seed: int | None = None  # np.random.seed in the runner before every loss call
    normalization: str | None = None  # the eps variants of a normalized net are tried where the reference fails
    calls: list[tuple[np.ndarray, np.ndarray | None]] = field(default_factory=list)

    def expected(self, X: np.ndarray, y: np.ndarray | None = None) -> Any:
        """The reference model's answer to loss(X, y); it keeps its running averages from call to call, so every
        call is recorded for the variants to replay."""
        self.calls.append((X, y))
        return self.ref.loss(X.copy(), y)

    def variant_answers(self, **which: bool) -> Iterator[tuple[Variant, Any]]:
        """For each eps variant changing WHICH (see variants.variants), the answer to the last call of a network
        computed under that variant that got the same calls as the reference (none without normalization)."""
        if not self.normalization:
            return
        for v in variants.variants(**which):
            net = VariantNet(self.params, self.normalization, v, getattr(self.ref, "reg", 0.0))
            for X, y in self.calls:
                answer = net.loss(X.copy(), y)
            yield v, answer

    def note(self, t: TestContext, v: Variant) -> None:
        for note in v.notes(variants.LAYER_WORDS[self.normalization]):
            t.note(note)


def case(t: TestContext, what: str, model: Handle, ref_model: Any, params: dict[str, np.ndarray], X: np.ndarray,
         y: np.ndarray, normalization: str | None = None) -> Case:
    """Give both models PARAMS (copies for the reference) and bundle them."""
    load_params(t, model, params, what)
    ref_model.params = {k: v.copy() for k, v in params.items()}
    return Case(what, model, ref_model, params, X, y, normalization=normalization)


def check_loss(t: TestContext, c: Case, tol: float = LOSS_TOL) -> None:
    loss, _ = model_loss(t, c.model, c.X, c.y, c.what, c.seed)
    want, _ = c.expected(c.X, c.y)
    _close_or_variant(t, c, f"{c.what}: the loss of loss(X, y)", np.asarray(loss), np.asarray(want), tol,
                      lambda answer: np.asarray(answer[0]), train=True)


def check_scores(t: TestContext, c: Case, X: np.ndarray, tol: float = LOSS_TOL) -> None:
    want = c.expected(X)
    got = model_scores(t, c.model, X, want.shape[1], c.what)
    batchnorm = c.normalization == "batchnorm"
    _close_or_variant(t, c, f"{c.what}: loss(X) with y omitted (the scores)", got, want, tol, lambda answer: answer,
                      train=True, running=batchnorm, test=batchnorm)


def _close_or_variant(t: TestContext, c: Case, what: str, got: np.ndarray, want: np.ndarray, tol: float, pick,
                      **which: bool) -> None:
    """GOT must match WANT, or PICK(the answer of an eps variant of the network changing WHICH) with a note."""
    try:
        checks.close(what, got, want, tol)
    except Fail:
        for v, answer in c.variant_answers(**which):
            if checks.rel_error(got, pick(answer)) <= tol:
                c.note(t, v)
                return
        raise


class GradientGrader:
    """Grades model gradients against the reference, part by part, with partial credit for gradients that are
    right for the student's own wrong loss (settled at the end of the test by `settle`)."""

    def __init__(self, t: TestContext) -> None:
        self.t = t
        self.consistent: set[str] = set()

    def check(self, label: str, c: Case, tol: float = GRAD_TOL) -> None:
        """Inside t.part(LABEL): the gradients of C's model must match the reference's (or those of an eps variant
        of a normalized network whose loss matches that variant's)."""
        loss, grads = model_loss(self.t, c.model, c.X, c.y, c.what, c.seed)
        want_loss, want = c.expected(c.X, c.y)
        missing = sorted(set(want) - set(grads))
        if missing:
            raise Fail(f"{c.what}.loss: grads has no entry for {', '.join(missing)} (it needs one per parameter)")
        if set(grads) - set(want):
            self.t.note(f"{c.what}.loss: grads has extra entries {sorted(set(grads) - set(want))} (ignored)")
        malformed, wrong, shapes = self._compare(c, grads, want, tol)
        if wrong and not malformed:
            for v, (v_loss, v_grads) in c.variant_answers(train=True, backward=True):
                if checks.rel_error(loss, v_loss) <= LOSS_TOL and not self._compare(c, grads, v_grads, tol)[1]:
                    c.note(self.t, v)
                    wrong = {}
                    break
        if not malformed and not wrong:
            for cause, message in shapes.values():
                self.t.shape_only(cause, message)
            return
        errors = ", ".join(f"{key} ({error:.1e})" for key, error in wrong.items())
        message = "; ".join(malformed + ([f"{c.what}: the gradients of {errors} differ from the reference's "
                                          f"(relative error; must be below {tol:.0e})"] if wrong else []))
        if malformed:
            raise Fail(message)
        found = checks.backward_verdict(consistent_with_loss(self.t, c, {key: grads[key] for key in wrong}),
                                        lambda: not checks.rel_error(loss, want_loss) > LOSS_TOL,
                                        "numerical derivatives of your own loss", they="they")
        if found.partial:
            self.consistent.add(label)
            raise Fail(message + " (they agree with numerical derivatives of your own loss, which is wrong: fix "
                       "the loss; partial credit)")
        raise Fail(message + found.why)

    def _compare(self, c: Case, grads: dict[str, Any], want: dict[str, np.ndarray], tol: float) -> \
            tuple[list[str], dict[str, float], dict[str, tuple[str, str]]]:
        """(malformed messages, {key: relative error} of the wrong ones, {parameter kind: (cause, message)} of the
        shape-only deviations) of GRADS against WANT; a gradient of shape (1, F) for (F,) is judged on its
        values."""
        malformed, wrong, shapes = [], {}, {}
        for key in want:
            what = f"{c.what}: grads['{key}']"
            got = grads[key]
            fixed = checks.aligned(got, want[key].shape)
            try:
                checks.array(got if fixed is None else fixed, what, want[key].shape, like=f"params['{key}']")
            except Fail as exc:
                malformed.append(str(exc))
                continue
            error = checks.rel_error(got if fixed is None else fixed, want[key])
            if not error <= tol:
                wrong[key] = error
            elif fixed is not None:
                shapes.setdefault(param_kind(key), (f"grads of {param_cause(key)}", checks.shape_message(
                    what, got.shape, want[key].shape, PARAM_DOCS.get(param_kind(key), ""))))
        return malformed, wrong, shapes

    def settle(self) -> None:
        """Award the partial credit earned by the parts whose gradients were right for a wrong loss."""
        if not self.consistent:
            return
        share = self.t.partial.backward_matches_wrong_forward
        total = sum(p.weight for p in self.t.parts)
        earned = sum(p.weight * (1.0 if p.passed else share if p.label in self.consistent else 0.0)
                     for p in self.t.parts)
        self.t.award(earned / total, f"{share:.0%} credit for the parts whose gradients are right for your own "
                     f"(wrong) loss: {'; '.join(sorted(self.consistent))}")


def consistent_with_loss(t: TestContext, c: Case, grads: dict[str, np.ndarray]) -> checks.Consistency:
    """Whether GRADS agree with directional derivatives of the student's own loss (its parameters are restored);
    a constant, non-finite or irreproducible loss is no evidence."""
    worst = 0.0
    for key, grad in grads.items():
        def loss_at(values: list[np.ndarray], key: str = key) -> np.ndarray:
            t.set(c.model, "params", key, value=values[0], what=f"{c.what}.params['{key}']")
            return np.asarray(model_loss(t, c.model, c.X, c.y, c.what, c.seed)[0])

        try:
            verdict = checks.consistent(loss_at, [c.params[key]], np.asarray(1.0), {0: grad}, t.rng, CONSISTENCY_TOL)
        except Fail as exc:
            verdict = checks.Consistency(False, float("inf"), f"the loss failed: {exc}")
        finally:
            t.set(c.model, "params", key, value=c.params[key], what=f"{c.what}.params['{key}']")
        if not verdict.ok:
            return verdict
        worst = max(worst, verdict.error)
    return checks.Consistency(True, worst)


PARAM_DOCS = {"b": "(F,)", "gamma": "(F,)", "beta": "(F,)"}  # documented shapes, F the layer's width


def param_kind(key: str) -> str:
    """'b' for 'b2', 'gamma' for 'gamma1'."""
    return re.sub(r"\d+$", "", key)


def param_cause(key: str) -> str:
    """The parameters whose shape one line of code sets (biases; gammas and betas)."""
    return "gamma and beta" if param_kind(key) in ("gamma", "beta") else param_kind(key)


def layer_params(rng: np.random.Generator, dims: list[int], normalization: str | None = None) -> dict[str, np.ndarray]:
    """Parameters of a fully connected net with layer sizes DIMS: W ~ N(0, 1/fan_in), non-zero b, and gamma/beta
    around (1, 0) for the hidden layers when normalized."""
    params = {}
    layers = len(dims) - 1
    for i in range(1, layers + 1):
        params[f"W{i}"] = rng.standard_normal((dims[i - 1], dims[i])) / np.sqrt(dims[i - 1])
        params[f"b{i}"] = 0.1 * rng.standard_normal(dims[i])
        if normalization and i < layers:
            params[f"gamma{i}"] = rng.uniform(0.5, 1.5, dims[i])
            params[f"beta{i}"] = 0.2 * rng.standard_normal(dims[i])
    return params


def minibatch(rng: np.random.Generator, shape: tuple[int, ...], num_classes: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.standard_normal(shape), rng.integers(num_classes, size=shape[0])


def check_init(t: TestContext, params: dict[str, Any], shapes: dict[str, tuple[int, ...]], weight_scale: float,
               what: str) -> None:
    """PARAMS has exactly the keys of SHAPES with those shapes; weights look like N(0, weight_scale^2) (needs a few
    thousand entries per matrix: the std is then within 3% and the mean within 0.05 weight_scale, tolerances 15%
    and 0.2 weight_scale); biases and betas are zero, gammas one. A bias, gamma or beta of shape (1, F) with the
    right values passes and costs the rubric's shape_only share."""
    if set(params) != set(shapes):
        raise Fail(f"{what}.params has the keys {sorted(params)}, but should have {sorted(shapes)}")
    for key, shape in shapes.items():
        value = params[key]
        fixed = checks.aligned(value, shape) if not key.startswith("W") else None
        checks.array(value if fixed is None else fixed, f"{what}.params['{key}']", shape)
        if fixed is not None:
            if f"params {param_cause(key)}" not in t.shapes:  # the first one names the cause
                t.shape_only(f"params {param_cause(key)}", checks.shape_message(
                    f"{what}.params['{key}']", value.shape, shape, PARAM_DOCS[param_kind(key)]))
            value = fixed
        if key.startswith("W"):
            std, mean = float(value.std()), float(value.mean())
            if abs(std / weight_scale - 1) > 0.15 or abs(mean) > 0.2 * weight_scale:
                raise Fail(f"{what}.params['{key}'] does not look drawn from a normal distribution of mean 0 and "
                           f"standard deviation weight_scale (np.random.randn(...) * weight_scale)")
        elif key.startswith(("b", "gamma")):
            fill = 1.0 if key.startswith("gamma") else 0.0
            if not np.all(value == fill):
                raise Fail(f"{what}.params['{key}'] should start as all {'ones' if fill else 'zeros'}")


# ---------------------------------------------------------------------------------------------------------------
# TwoLayerNet

TWO_LAYER = "fc_net.TwoLayerNet"


def _two_layer_present(t: TestContext) -> bool:
    """False when fc_net.py has no TwoLayerNet (later course years moved it to assignment 1)."""
    try:
        t.signature(f"classifiers.{TWO_LAYER}")
    except CallFailed as exc:
        if exc.error.type_name == "AttributeError" and "TwoLayerNet" in exc.error.message:
            return False
        raise Fail(f"TwoLayerNet {exc.error.describe()}\n{exc.error.traceback}".rstrip()) from None
    return True


@grader_test("fc_net.two_layer_net")
def two_layer_net(t: TestContext) -> None:
    """TwoLayerNet: initialization, scores, loss with and without L2 (factor 0.5) and gradients, on explicit
    parameters against the reference. Absent from fc_net.py (as in later course years): 0 points, reason given."""
    if not _two_layer_present(t):
        t.award(0.0, "classifiers/fc_net.py has no TwoLayerNet (later course years moved it to assignment 1): "
                "this test scores 0, the other tests are graded as usual")
        return
    D, H, C = 300, 80, 30
    with t.part("initialization: parameter names and shapes, weights ~ N(0, weight_scale^2), zero biases"):
        model = new_model(t, TWO_LAYER, input_dim=D, hidden_dim=H, num_classes=C, weight_scale=3e-2, reseed=1)
        shapes = {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
        check_init(t, model_params(t, model, "TwoLayerNet"), shapes, 3e-2, "TwoLayerNet")
    X, y = minibatch(t.rng, (6, 3, 5), 7)
    grader = GradientGrader(t)
    for reg in (0.0, 0.8):
        what = f"TwoLayerNet (reg {reg})"
        model = new_model(t, TWO_LAYER, input_dim=15, hidden_dim=9, num_classes=7, reg=reg)
        c = case(t, what, model, ref.TwoLayerNet(input_dim=15, hidden_dim=9, num_classes=7, reg=reg),
                 layer_params(t.rng, [15, 9, 7]), X, y)
        if reg == 0:
            with t.part("scores (y omitted)"):
                check_scores(t, c, X)
        with t.part(f"loss, reg {reg}" + (" (0.5 * reg * sum(W * W) for W1 and W2)" if reg else ""),
                    weight=1.0 if reg else 0.5):
            check_loss(t, c)
        label = f"gradients, reg {reg}"
        with t.part(label, weight=0.75):
            grader.check(label, c)
    grader.settle()


# ---------------------------------------------------------------------------------------------------------------
# FullyConnectedNet

D, C = 15, 7
X_SHAPE = (5, 3, 5)  # N = 5 images of 3 x 5 features, flattened by the model to D = 15
DEPTHS = ([9], [8, 7], [6, 9, 5])


class Absent(Fail):
    """The student's FullyConnectedNet has no way to ask for what the test needs (its year's API lacks it)."""


@dataclass(frozen=True)
class FcnApi:
    """The FullyConnectedNet signature of the student's year, read from the constructor's parameter names."""

    year: str  # "2016-17", "2018-20" or "2021 on"
    dropout: str  # the keyword of the dropout probability
    drop: bool  # that keyword is the DROP probability (2016-17), not the keep probability
    normalization: bool  # takes normalization=None/'batchnorm'/'layernorm' (else use_batchnorm, 2016-17)

    def kwargs(self, keep: float = 1.0, normalization: str | None = None) -> dict[str, Any]:
        """The constructor keywords for a net with keep probability KEEP and NORMALIZATION, and no others."""
        kwargs: dict[str, Any] = {}
        if keep != 1.0:
            kwargs[self.dropout] = round(1.0 - keep, 12) if self.drop else keep
        if normalization and self.normalization:
            kwargs["normalization"] = normalization
        elif normalization == "batchnorm":
            kwargs["use_batchnorm"] = True
        elif normalization:
            raise Absent(f"your FullyConnectedNet has the {self.year} signature (dropout, use_batchnorm) and no "
                         f"way to ask for {variants.LAYER_WORDS[normalization]} (normalization='{normalization}', "
                         "part of the assignment since 2018), which this needs")
        return kwargs


def fcn_api(t: TestContext) -> FcnApi:
    """The student's FullyConnectedNet API, from its signature."""
    names = [name for name, _, _ in t.signature(f"classifiers.{FCN}")]
    if "dropout_keep_ratio" in names:
        return FcnApi("2021 on", "dropout_keep_ratio", False, "normalization" in names)
    if "use_batchnorm" in names and "normalization" not in names and "dropout" in names:
        return FcnApi("2016-17", "dropout", True, False)
    if "dropout" in names:
        return FcnApi("2018-20", "dropout", False, "normalization" in names)
    raise Fail("FullyConnectedNet takes neither dropout_keep_ratio (2021 and later) nor dropout (2016-2020) as a "
               "keyword: its signature is not one of the course's")


def fcn(t: TestContext, hidden: list[int], *, dtype: str = "float64", keep: float = 1.0,
        normalization: str | None = None, **kwargs: Any) -> Handle:
    """The student's FullyConnectedNet(HIDDEN, input_dim=D, num_classes=C, ...), with the dropout keep probability
    KEEP and the NORMALIZATION passed the way the student's year's signature takes them (and not passed at all when
    not needed)."""
    if keep != 1.0 or normalization:
        kwargs.update(fcn_api(t).kwargs(keep, normalization))
    kwargs.setdefault("input_dim", D)
    kwargs.setdefault("num_classes", C)
    return new_model(t, FCN, hidden, dtype=runner_dtype(dtype), **kwargs)


def fcn_case(t: TestContext, hidden: list[int], reg: float = 0.0, normalization: str | None = None,
             X_shape: tuple[int, ...] = X_SHAPE, **kwargs: Any) -> Case:
    """A student's FullyConnectedNet and the reference one, with the same random parameters, on a random batch."""
    what = f"FullyConnectedNet({hidden}" + (f", normalization='{normalization}'" if normalization else "") + \
        (f", reg={reg})" if reg else ")")
    model = fcn(t, hidden, reg=reg, normalization=normalization, **kwargs) if reg else \
        fcn(t, hidden, normalization=normalization, **kwargs)
    ref_model = ref.FullyConnectedNet(hidden, input_dim=D, num_classes=C, reg=reg, normalization=normalization,
                                      dtype=np.float64)
    X, y = minibatch(t.rng, X_shape, C)
    return case(t, what, model, ref_model, layer_params(t.rng, [D, *hidden, C], normalization), X, y, normalization)


@grader_test("fc_net.fcn_init")
def fcn_init(t: TestContext) -> None:
    """FullyConnectedNet's parameters: names W1..WL, b1..bL (and gamma/beta for the hidden layers when normalized),
    shapes, weights ~ N(0, weight_scale^2) by their standard deviation, zero biases, unit gammas; the dtype asked."""
    dims, scale = [200, 150, 120, 40], 2e-2
    shapes = {}
    for i in range(1, len(dims)):
        shapes.update({f"W{i}": (dims[i - 1], dims[i]), f"b{i}": (dims[i],)})
    norm_shapes = {**shapes, **{f"{p}{i}": (dims[i],) for i in range(1, len(dims) - 1) for p in ("gamma", "beta")}}
    hidden = dims[1:-1]
    plain = "names, shapes and values (2 hidden layers, no normalization)"
    with t.part(plain, weight=2):
        model = fcn(t, hidden, input_dim=dims[0], num_classes=dims[-1], weight_scale=scale)
        check_init(t, model_params(t, model, "FullyConnectedNet"), shapes, scale, "FullyConnectedNet")
    for normalization in ("batchnorm", "layernorm"):
        what = f"FullyConnectedNet(normalization='{normalization}')"
        with t.part(f"gamma and beta for every hidden layer, not the last, with {normalization}"):
            model = fcn(t, hidden, input_dim=dims[0], num_classes=dims[-1], weight_scale=scale,
                        normalization=normalization)
            check_init(t, model_params(t, model, what), norm_shapes, scale, what)
    with t.part("parameters of the dtype asked for (float64, and float32 by default)", weight=0.5):
        t.counts_once(plain, "the initialization")
        for dtype in ("float64", None):
            kwargs = {"input_dim": 12, "num_classes": 3, **fcn_api(t).kwargs(normalization="batchnorm")}
            model = new_model(t, FCN, [5], **kwargs) if dtype is None else fcn(t, [5], dtype=dtype, **kwargs)
            want = np.dtype(dtype or "float32")
            wrong = sorted(k for k, v in model_params(t, model, "FullyConnectedNet").items()
                           if getattr(v, "dtype", None) != want)
            if wrong:
                raise Fail(f"FullyConnectedNet(dtype={want.name}): params {', '.join(wrong)} are not {want.name}")


@grader_test("fc_net.fcn_loss")
def fcn_loss(t: TestContext) -> None:
    """FullyConnectedNet's scores and loss on explicit parameters against the reference: 1, 2 and 3 hidden layers,
    without and with L2 regularization (0.5 * reg * sum(W * W) on every weight matrix: first, middle and last)."""
    cases = [fcn_case(t, hidden, reg=0.8) for hidden in DEPTHS]
    with t.part("scores with y omitted (1, 2 and 3 hidden layers)"):
        for c in cases:
            check_scores(t, c, c.X)
    with t.part("loss without regularization (2 hidden layers)"):
        check_loss(t, fcn_case(t, DEPTHS[1]))
    for c in cases:
        with t.part(f"loss with L2 regularization on every weight, {c.what}", weight=2 / 3):
            check_loss(t, c)


@grader_test("fc_net.fcn_gradients")
def fcn_gradients(t: TestContext) -> None:
    """FullyConnectedNet's gradients on explicit parameters against the reference (one per parameter, of its
    shape): 2 hidden layers without regularization, 1, 2 and 3 hidden layers with it."""
    grader = GradientGrader(t)
    for c in [fcn_case(t, DEPTHS[1]), *(fcn_case(t, hidden, reg=0.8) for hidden in DEPTHS)]:
        label = f"gradients of {c.what}"
        with t.part(label):
            grader.check(label, c)
    grader.settle()


def _normalized(t: TestContext, normalization: str) -> None:
    """Loss and gradients (gamma and beta included) in train mode, then scores in test mode (y omitted: batch
    norm must use its running averages, updated by the train-mode call before). A net whose API has no such
    normalization (2016-17 and layer norm) scores 0, and the feedback says why."""
    try:
        c = fcn_case(t, [8, 7], normalization=normalization, X_shape=(6, 3, 5))
    except Absent as exc:
        t.award(0.0, f"0 points: {exc}")
        return
    X_test = minibatch(t.rng, (4, 3, 5), C)[0]
    grader = GradientGrader(t)
    with t.part("loss in train mode"):
        check_loss(t, c)
    with t.part("scores in test mode (y omitted)" + (", with the running averages" if normalization == "batchnorm"
                                                     else ", for N=4 and for a single example")):
        check_scores(t, c, X_test)
        if normalization == "layernorm":
            check_scores(t, c, X_test[:1])
    label = "gradients, gamma and beta included"
    with t.part(label, weight=1.5):
        grader.check(label, c)
    grader.settle()


@grader_test("fc_net.fcn_batchnorm")
def fcn_batchnorm(t: TestContext) -> None:
    """FullyConnectedNet with batch normalization (normalization='batchnorm', or use_batchnorm=True in the 2016-17
    API) and explicit gamma/beta: loss, gradients, test-mode scores."""
    _normalized(t, "batchnorm")


@grader_test("fc_net.fcn_layernorm")
def fcn_layernorm(t: TestContext) -> None:
    """FullyConnectedNet(normalization='layernorm') with explicit gamma/beta: loss, gradients, scores (N=1 too).
    The 2016-17 API has no layer normalization: 0 points, with that reason."""
    _normalized(t, "layernorm")


KEEP = 0.6  # never 0.5: a keep probability taken as a drop probability must show
SHARE_TOL = 0.08  # the kept share of the MASK_N x MASK_H units has a standard deviation of 0.01 around KEEP
MASK_N, MASK_H = 48, 50  # MASK_N examples (also the input dimension) x MASK_H hidden units


@grader_test("fc_net.fcn_dropout")
def fcn_dropout(t: TestContext) -> None:
    """FullyConnectedNet with dropout (keep probability 0.6, passed under your signature's keyword: a drop
    probability in the 2016-17 API): test-time scores are deterministic and those of the same net without dropout;
    in train mode the net keeps about 60% of the hidden units and scales them by 1 / 0.6 (read off the gradients
    of a net built so that every dropped unit shows as a zero of grads['W1'], and checked against the loss); with a
    seed the loss and gradients are reproducible, and the gradients agree with numerical derivatives of that loss
    (not with the reference's masks, which come from another random stream)."""
    hidden = [30, 20]
    params = layer_params(t.rng, [D, *hidden, C])
    X, y = minibatch(t.rng, (8, 3, 5), C)
    plain = ref.FullyConnectedNet(hidden, input_dim=D, num_classes=C, dtype=np.float64)
    plain.params = {k: v.copy() for k, v in params.items()}
    model = fcn(t, hidden, keep=KEEP)
    load_params(t, model, params, "FullyConnectedNet")
    with t.part("test-time scores (y omitted) are deterministic and equal those of the net without dropout"):
        first = model_scores(t, model, X, C, "FullyConnectedNet")
        checks.same("FullyConnectedNet with dropout: two test-time calls gave different scores (dropout must be "
                    "off in test mode)", model_scores(t, model, X, C, "FullyConnectedNet"), first)
        checks.close("FullyConnectedNet with dropout: test-time scores (dropout must be the identity in test mode)",
                     first, plain.loss(X.copy()), LOSS_TOL)
    with t.part(f"train mode: the net keeps about {KEEP:.0%} of the hidden units and scales them by 1 / {KEEP:g}",
                weight=1.5):
        _kept_share(t)
    kept_right = t.parts[-1].passed
    seeded = fcn(t, hidden, keep=KEEP, seed=123)
    c = case(t, "FullyConnectedNet (dropout, seed 123)", seeded, plain, params, X, y)
    with t.part("with seed=123, the loss and the gradients are reproducible", weight=0.5):
        if not kept_right:
            raise Fail("not checked: reproducing a train-time loss counts once that loss is right (previous part)")
        runs = [model_loss(t, seeded, X, y, c.what, seed=s) for s in (1, 2)]
        if runs[0][0] != runs[1][0] or any(not np.array_equal(runs[0][1][k], runs[1][1].get(k)) for k in params):
            raise Fail("FullyConnectedNet(seed=123) with dropout: two train-time calls gave different results "
                       "(the seed must go into dropout_param)")
    with t.part("gradients agree with numerical derivatives of the (seeded) loss"):
        c.seed = 7
        _, grads = model_loss(t, seeded, X, y, c.what, seed=c.seed)
        for key in params:
            checks.array(grads.get(key), f"{c.what}: grads['{key}']", params[key].shape, like=f"params['{key}']")
        verdict = consistent_with_loss(t, c, {k: grads[k] for k in params})
        if not verdict.ok:
            why = f" ({verdict.why})" if verdict.why else ""
            raise Fail(f"{c.what}: the gradients disagree with numerical derivatives of your own loss{why}")


def _kept_share(t: TestContext) -> None:
    """A net with one hidden layer whose every unit is active (one-hot examples, positive W1 and b1): the
    gradient of W1 is then the hidden layer's gradient, zero exactly where dropout dropped a unit. The share of
    units kept must be about KEEP, and the loss must be that of the net with those units dropped and the others
    scaled by 1 / KEEP."""
    what = f"FullyConnectedNet([{MASK_H}]) with keep probability {KEEP:g}"
    X = np.eye(MASK_N)
    y = t.rng.integers(C, size=MASK_N)
    params = {"W1": t.rng.uniform(0.5, 1.5, (MASK_N, MASK_H)), "b1": t.rng.uniform(0.1, 0.5, MASK_H),
              "W2": t.rng.standard_normal((MASK_H, C)) / np.sqrt(MASK_H), "b2": 0.1 * t.rng.standard_normal(C)}
    model = fcn(t, [MASK_H], keep=KEEP, input_dim=MASK_N)
    load_params(t, model, params, what)
    loss, grads = model_loss(t, model, X, y, what, seed=5)
    dW1 = checks.array(grads.get("W1"), f"{what}: grads['W1']", params["W1"].shape, like="params['W1']")
    kept = dW1 != 0
    share = float(kept.mean())
    if abs(share - KEEP) > SHARE_TOL:
        if abs(share - (1 - KEEP)) <= SHARE_TOL:
            raise Fail(f"{what} keeps {share:.0%} of its hidden units in train mode, about 1 - {KEEP:g}: it passes "
                       "the keep probability to dropout as a drop probability (or dropout_forward drops with "
                       "probability p)")
        raise Fail(f"{what} keeps {share:.0%} of its hidden units in train mode (where grads['W1'] is not zero), "
                   f"not about {KEEP:.0%}")
    hidden = np.maximum(X @ params["W1"] + params["b1"], 0) * kept / KEEP
    want, _ = ref_layers.softmax_loss(hidden @ params["W2"] + params["b2"], y)
    checks.close(f"{what}: the train-time loss, against that of the net with the units your gradients show dropped "
                 f"(zeros of grads['W1']) removed and the others scaled by 1 / {KEEP:g}", np.asarray(loss),
                 np.asarray(want), LOSS_TOL)
