"""Verdicts a TA would sign: correct code in the styles students really write keeps its points (with a note where it
differs from the reference), a wrong documented shape with right values costs a bounded share, degenerate code earns
nothing, and every message says what is true. Each submission is the reference edited the way real submissions are
written (tests/student_code.py), or the release with its stubs filled; each is graded once per module."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import autograder.hidden  # noqa: F401 - registers the tests
from autograder import framework, grade, results, rubric
from autograder.hidden import variants
from autograder.reference import fc_net as ref_fc_net
from autograder.reference import layers as ref_layers
from autograder.submission import Submission
from tests.helpers import RELEASE
from tests.student_code import edited, stubbed_release

DATA_FREE = [n for n in framework.TESTS if framework.TEST_INFO[n].suite == "hidden"
             and not framework.TEST_INFO[n].needs_data]
SHAPE_ONLY = rubric.load().partial.shape_only
FALSE_WORD = "the backward pass itself is wrong"

# dgamma and dbeta summed with keepdims=True, as many students write them: (1, D) instead of (D,).
KEEPDIMS = [
    ("layers.py", "    dbeta = dout.sum(axis=0)\n    dgamma = (dout * xhat).sum(axis=0)\n    dxhat = dout * gamma\n"
                  "    dcentered",
     "    dbeta = np.sum(dout, axis=0, keepdims=True)\n    dgamma = np.sum(dout * xhat, axis=0, keepdims=True)\n"
     "    dxhat = dout * gamma\n    dcentered"),
    ("layers.py", "    dbeta = dout.sum(axis=0)\n    dgamma = (dout * xhat).sum(axis=0)\n    dxhat = dout * gamma\n"
                  "    dx = (dxhat",
     "    dbeta = np.sum(dout, axis=0, keepdims=True)\n    dgamma = np.sum(dout * xhat, axis=0, keepdims=True)\n"
     "    dxhat = dout * gamma\n    dx = (dxhat"),
    ("layers.py",
     "    dbeta = dout.sum(axis=0)\n    dgamma = (dout * xhat).sum(axis=0)\n    dx = batchnorm_backward_alt",
     "    dbeta = np.sum(dout, axis=0, keepdims=True)\n    dgamma = np.sum(dout * xhat, axis=0, keepdims=True)\n"
     "    dx = batchnorm_backward_alt"),
]
# Running averages kept as (1, D) (statistics with keepdims=True), biases created as (1, F).
ROW_SHAPES = [
    ("layers.py", "        mean = x.mean(axis=0)\n", "        mean = np.mean(x, axis=0, keepdims=True)\n"),
    ("layers.py", "        var = (centered**2).mean(axis=0)\n", "        var = np.var(x, axis=0, keepdims=True)\n"),
    ("classifiers/fc_net.py", 'self.params[f"b{i}"] = np.zeros(dims[i])',
     'self.params[f"b{i}"] = np.zeros((1, dims[i]))'),
    ("classifiers/fc_net.py", 'self.params["b1"] = np.zeros(hidden_dim)',
     'self.params["b1"] = np.zeros((1, hidden_dim))'),
    ("classifiers/cnn.py", 'self.params["b2"] = np.zeros(hidden_dim)', 'self.params["b2"] = np.zeros((1, hidden_dim))'),
]
# eps outside the square root, in train and test mode; the staged backward takes the exact derivative of that
# forward, the closed form uses std = sqrt(var) + eps where sqrt(var + eps) was derived.
EPS_OUTSIDE = [
    ("layers.py", "        std = np.sqrt(var + eps)\n        xhat = centered / std\n",
     "        std = np.sqrt(var) + eps\n        xhat = centered / std\n"),
    ("layers.py", "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
     "out = gamma * (x - running_mean) / (np.sqrt(running_var) + eps) + beta"),
    ("layers.py", "    dvar = dstd / (2 * std)\n", "    dvar = dstd / (2 * np.sqrt((centered**2).mean(axis=0)))\n"),
]
# var + eps kept in running_var, so that test mode divides by sqrt(running_var) without eps.
VAR_PLUS_EPS = [
    ("layers.py", "running_var = momentum * running_var + (1 - momentum) * var\n",
     "running_var = momentum * running_var + (1 - momentum) * (var + eps)\n"),
    ("layers.py", "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
     "out = gamma * (x - running_mean) / np.sqrt(running_var) + beta"),
]
# A real bug next to eps: no eps at all in train mode (it divides by zero on a constant feature).
NO_EPS = [("layers.py", "        std = np.sqrt(var + eps)\n", "        std = np.sqrt(var)\n")]
# The 2016-17 starter code: FullyConnectedNet(dropout=0, use_batchnorm=False) with dropout the DROP probability,
# dropout_forward's p the drop probability, adam starting at config.setdefault('t', 1).
YEAR_2017 = [
    ("classifiers/fc_net.py", "        dropout_keep_ratio=1,\n        normalization=None,\n",
     "        dropout=0,\n        use_batchnorm=False,\n"),
    ("classifiers/fc_net.py",
     "        self.normalization = normalization\n        self.use_dropout = dropout_keep_ratio != 1",
     "        self.use_batchnorm = use_batchnorm\n        self.use_dropout = dropout > 0"),
    ("classifiers/fc_net.py", "            if self.normalization and i < self.num_layers:",
     "            if self.use_batchnorm and i < self.num_layers:"),
    ("classifiers/fc_net.py", '{"mode": "train", "p": dropout_keep_ratio}', "{'mode': 'train', 'p': dropout}"),
    ("classifiers/fc_net.py", "        if self.normalization:\n            self.bn_params",
     "        if self.use_batchnorm:\n            self.bn_params"),
    ("classifiers/fc_net.py", "            if self.normalization:\n                gamma, beta",
     "            if self.use_batchnorm:\n                gamma, beta"),
    ("classifiers/fc_net.py", "self.bn_params[i - 1], self.normalization)", "self.bn_params[i - 1], 'batchnorm')"),
    ("classifiers/fc_net.py", "            if self.normalization:\n                dout, dW, db",
     "            if self.use_batchnorm:\n                dout, dW, db"),
    ("layers.py", "Each neuron output is KEPT with probability p.", "We drop each neuron output with probability p."),
    ("layers.py", "mask = (np.random.rand(*x.shape) < p) / p", "mask = (np.random.rand(*x.shape) >= p) / (1 - p)"),
    ("optim.py", "        t=0,\n    )\n", "    )\n    config.setdefault('t', 1)\n"),
]
KEEP_AS_DROP = [("classifiers/fc_net.py", '{"mode": "train", "p": dropout_keep_ratio}',
                 '{"mode": "train", "p": 1 - dropout_keep_ratio}')]
NAN_BACKWARD = [("layers.py", "    dx = dcentered + dmean / n\n", "    dx = (dcentered + dmean / n) * np.nan\n")]


def graded(folder: Path, tmp: Path, tests: list[str] = DATA_FREE, data: Path | None = None) -> dict:
    options = grade.GradeOptions(rubric=rubric.load(), tests=tests, scratch=tmp / "scratch", data=data)
    result = grade.grade(Submission(folder.name, folder), options)
    return {"result": result, **{t.name: t for t in result.tests}}


@pytest.fixture(scope="module")
def grade_edits(tmp_path_factory: pytest.TempPathFactory):
    cache: dict[str, dict] = {}

    def run(name: str, edits: list[tuple[str, str, str]]) -> dict:
        if name not in cache:
            tmp = tmp_path_factory.mktemp(name)
            cache[name] = graded(edited(tmp / name, edits), tmp)
        return cache[name]

    return run


def full(r) -> bool:
    return r.score == r.max_score and r.status == "passed"


def lost_only(results: dict, expected: dict[str, float]) -> None:
    """Every data-free test scores its full points, except EXPECTED {test: fraction of its points}."""
    for name in DATA_FREE:
        r = results[name]
        want = expected.get(name, 1.0)
        assert r.score == pytest.approx(round(want * r.max_score, 2)), f"{name}: {r.score}/{r.max_score}\n{r.output}"


# -- 1. shapes --------------------------------------------------------------------------------------------------
def test_keepdims_gradients_cost_the_shape_share_and_the_feedback_says_values_right(grade_edits) -> None:
    results = grade_edits("keepdims", KEEPDIMS)
    once = 1 - SHAPE_ONLY  # dgamma and dbeta: one cause in each test
    lost_only(results, {"layers.batchnorm_backward": once, "layers.batchnorm_backward_alt": once,
                        "layers.layernorm_backward": once, "layers.spatial_batchnorm_backward": once,
                        "fc_net.fcn_batchnorm": once, "fc_net.fcn_layernorm": once})
    out = results["layers.batchnorm_backward"].output
    assert "batchnorm_backward: dgamma has shape (1, 4): values right, shape should be (D,) = (4,)" in out
    assert "batchnorm_backward: dbeta has shape (1, 4): values right, shape should be (D,)" in out
    assert out.count("values right") == 2 and out.count("FAIL") == 1, "one line per cause, not per setting"
    assert "values right, shape should be (C,)" in results["layers.spatial_batchnorm_backward"].output
    network = results["fc_net.fcn_batchnorm"].output
    assert "grads['gamma2'] has shape (1, 7): values right, shape should be (F,) = (7,)" in network
    assert network.count("FAIL") == 1, "the gammas and betas of every layer are one cause"
    for name in DATA_FREE:
        assert FALSE_WORD not in results[name].output and "partial credit" not in results[name].output


def test_running_averages_and_biases_of_shape_1_d_cost_the_shape_share(grade_edits) -> None:
    results = grade_edits("row_shapes", ROW_SHAPES)
    lost_only(results, {"layers.batchnorm_forward": 1 - SHAPE_ONLY,
                        "layers.spatial_batchnorm_forward": 1 - SHAPE_ONLY,
                        "fc_net.fcn_init": 1 - SHAPE_ONLY, "fc_net.two_layer_net": 1 - SHAPE_ONLY,
                        "cnn.convnet_loss": 1 - SHAPE_ONLY})
    assert "bn_param['running_mean'] has shape (1, 5): values right, shape should be (D,)" in \
        results["layers.batchnorm_forward"].output
    assert "values right, shape should be (C,)" in results["layers.spatial_batchnorm_forward"].output
    init = results["fc_net.fcn_init"].output
    assert "params['b1'] has shape (1, 150): values right, shape should be (F,)" in init
    assert init.count("values right") == 1, "biases of every layer are one cause"
    assert "params['b2'] has shape (1, 8): values right, shape should be (F,)" in results["cnn.convnet_loss"].output


def test_the_shape_share_is_bounded_by_a_quarter() -> None:
    t = framework.TestContext("x", session=None, grading=framework.Grading(framework.PartialCredit(0.5, 0.1)))
    for cause in "abc":
        t.shape_only(cause, "m")
    assert t.shape_cost() == pytest.approx(0.25)


def test_a_wrong_shape_with_wrong_values_fails_on_the_values(tmp_path: Path) -> None:
    old, new = KEEPDIMS[0][1:]
    folder = edited(tmp_path / "sub", [("layers.py", old, new.replace("dgamma = np.sum", "dgamma = 2 * np.sum"))])
    r = graded(folder, tmp_path, ["layers.batchnorm_backward"])["layers.batchnorm_backward"]
    assert r.score == 0
    assert "dgamma is wrong" in r.output and "its shape (1, 4) should also be (D,)" in r.output


# -- 2. eps ---------------------------------------------------------------------------------------------------------
def test_eps_outside_the_square_root_keeps_full_points_with_a_note_in_every_test(grade_edits) -> None:
    results = grade_edits("eps_outside", EPS_OUTSIDE)
    lost_only(results, {})
    said = "computes (x - mean) / (sqrt(var) + eps) instead of (x - mean) / sqrt(var + eps)"
    for name in ("layers.batchnorm_forward", "layers.batchnorm_backward", "layers.batchnorm_backward_alt",
                 "layers.layernorm_forward", "layers.layernorm_backward", "layers.spatial_batchnorm_forward",
                 "layers.spatial_batchnorm_backward", "layers.spatial_groupnorm_forward",
                 "layers.spatial_groupnorm_backward", "fc_net.fcn_batchnorm", "fc_net.fcn_layernorm"):
        assert f"NOTE your {'batch' if 'batch' in name else 'group' if 'group' in name else 'layer'} " \
               f"normalization {said}" in results[name].output, name
    assert "divides by sqrt(running_var) + eps in test mode" in results["fc_net.fcn_batchnorm"].output
    assert "takes d std / d var = 1 / (2 std) with std = sqrt(var) + eps" in \
        results["layers.batchnorm_backward_alt"].output
    assert "takes d std / d var" not in results["layers.batchnorm_backward"].output  # its derivative is exact


def test_var_plus_eps_in_running_var_and_no_eps_in_test_mode_keep_full_points(grade_edits) -> None:
    results = grade_edits("var_plus_eps", VAR_PLUS_EPS)
    lost_only(results, {})
    for name in ("layers.batchnorm_forward", "layers.spatial_batchnorm_forward", "fc_net.fcn_batchnorm"):
        assert "keeps var + eps in running_var instead of var" in results[name].output, name
    for name in ("layers.batchnorm_forward", "fc_net.fcn_batchnorm"):
        assert "divides by sqrt(running_var) in test mode, without eps" in results[name].output, name


def test_no_eps_in_train_mode_is_still_a_bug(grade_edits) -> None:
    results = grade_edits("no_eps", NO_EPS)
    forward = results["layers.batchnorm_forward"]
    assert forward.score < forward.max_score
    assert "FAIL train mode: eps = 1e-5 and momentum = 0.9 when bn_param does not give them" in forward.output
    assert "NOTE" not in forward.output


def test_the_judge_s_variant_layers_equal_the_reference_without_a_variant() -> None:
    rng = np.random.default_rng(0)
    x, gamma, beta = rng.standard_normal((6, 4)) * 3 + 1, rng.standard_normal(4), rng.standard_normal(4)
    dout = rng.standard_normal((6, 4))
    out, cache = ref_layers.batchnorm_forward(x, gamma, beta, {"mode": "train"})
    mine, my_cache = variants.batchnorm(x, gamma, beta, {"mode": "train"}, variants.REFERENCE)
    np.testing.assert_allclose(mine, out, rtol=1e-13)
    for got, want in zip(variants.backward(dout, my_cache, variants.REFERENCE),
                         ref_layers.batchnorm_backward(dout, cache), strict=True):
        np.testing.assert_allclose(got, want, rtol=1e-11, atol=1e-13)
    for normalization in (None, "batchnorm", "layernorm"):
        model = ref_fc_net.FullyConnectedNet([5, 4], input_dim=6, num_classes=3, normalization=normalization,
                                             reg=0.3, dtype=np.float64)
        params = {k: rng.standard_normal(v.shape) for k, v in model.params.items()}
        model.params = {k: v.copy() for k, v in params.items()}
        net = variants.VariantNet(params, normalization, variants.REFERENCE, reg=0.3)
        X, y = rng.standard_normal((7, 6)), rng.integers(3, size=7)
        (loss, grads), (my_loss, my_grads) = model.loss(X, y), net.loss(X, y)
        assert my_loss == pytest.approx(loss, rel=1e-13)
        for key in grads:
            np.testing.assert_allclose(my_grads[key], grads[key], rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(net.loss(X), model.loss(X), rtol=1e-12)


def _staged_eps_outside_backward(dout, x, gamma, eps, dstd_dvar):
    """A student's staged batchnorm backward for xhat = (x - mean) / (sqrt(var) + eps), with the derivative of the
    standard deviation written as DSTD_DVAR(var) (real submissions write all three)."""
    n = x.shape[0]
    mean, var = x.mean(axis=0), x.var(axis=0)
    stdev = np.sqrt(var) + eps
    xhat = (x - mean) / stdev
    dxhat = dout * gamma
    d_stdev = -np.sum(dxhat * (x - mean), axis=0) / stdev**2
    d_var = d_stdev * dstd_dvar(var)
    dcentered = dxhat / stdev + 2 * (x - mean) * d_var / n
    return dcentered - dcentered.mean(axis=0), np.sum(dout * xhat, axis=0), np.sum(dout, axis=0)


@pytest.mark.parametrize("dstd,derivative", [
    ("exact", lambda var, eps: 0.5 / np.sqrt(var)),
    ("std", lambda var, eps: 0.5 / (np.sqrt(var) + eps)),
    ("sqrt(var + eps)", lambda var, eps: 0.5 / np.sqrt(var + eps)),
])
def test_the_three_backward_forms_of_eps_outside_are_the_ones_students_write(dstd: str, derivative) -> None:
    rng = np.random.default_rng(1)
    x, gamma, beta = rng.standard_normal((7, 3)) * 0.3, rng.standard_normal(3), rng.standard_normal(3)
    dout, eps = rng.standard_normal((7, 3)), 1e-5
    v = variants.Variant(eps_outside=True, dstd=dstd)
    _, cache = variants.batchnorm(x, gamma, beta, {"mode": "train", "eps": eps}, v)
    want = _staged_eps_outside_backward(dout, x, gamma, eps, lambda var: derivative(var, eps))
    for got, expected in zip(variants.backward(dout, cache, v), want, strict=True):
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12)


# -- 3. and 4. the starter code of other years; the kept share of a net ------------------------------------------
def test_2016_17_starter_code_is_graded_on_its_own_terms(grade_edits) -> None:
    results = grade_edits("year2017", YEAR_2017)
    lost_only(results, {"fc_net.fcn_layernorm": 0.0, "fc_net.fcn_init": 1 - 1 / 4.5})
    assert "your adam starts from config.setdefault('t', 1)" in results["optim.adam"].output
    assert "documents p as the probability of dropping a unit" in results["layers.dropout_forward"].output
    absent = "has the 2016-17 signature (dropout, use_batchnorm) and no way to ask for layer normalization"
    assert absent in results["fc_net.fcn_layernorm"].output
    assert absent in results["fc_net.fcn_init"].output


def test_a_net_that_passes_its_keep_ratio_as_a_drop_probability_fails_the_kept_share(grade_edits) -> None:
    results = grade_edits("keep_as_drop", KEEP_AS_DROP)
    lost_only(results, {"fc_net.fcn_dropout": 0.5})  # the kept share, and the reproducibility of a wrong loss
    out = results["fc_net.fcn_dropout"].output
    assert "FAIL train mode: the net keeps about 60% of the hidden units" in out
    assert "it passes the keep probability to dropout as a drop probability" in out


# -- 5. degenerate code ---------------------------------------------------------------------------------------------
@pytest.mark.parametrize("mode", ["zeros", "constant", "random_nan"])
def test_degenerate_stubs_earn_nothing(mode: str, tmp_path: Path) -> None:
    """The release's stubs filled with zeros (or constants, or random forwards and NaN gradients) of the right
    shapes: no test earns anything (the release gives no graded function away), and no backward test claims
    consistency with the student's forward."""
    results = graded(stubbed_release(tmp_path / mode, mode), tmp_path)
    assert results["result"].score == 0, {n: r.score for n, r in results.items() if n != "result" and r.score}
    assert not any("consistent with your" in results[n].output for n in DATA_FREE)
    why = {"zeros": "its output does not change when an input changes",
           "constant": "its output does not change when an input changes",
           "random_nan": "it returns different outputs for the same input on two calls"}[mode]
    assert f"not compared with numerical gradients of your own batchnorm_forward: {why}" in \
        results["layers.batchnorm_backward"].output


def test_the_untouched_release_scores_zero(tmp_path: Path) -> None:
    results = graded(RELEASE, tmp_path)
    assert results["result"].score == 0


def test_a_nan_gradient_is_never_consistent(grade_edits) -> None:
    results = grade_edits("nan_backward", NAN_BACKWARD)
    r = results["layers.batchnorm_backward"]
    assert r.score == 0 and "dx contains NaN or inf" in r.output and "partial credit" not in r.output


# -- 7. and 8. the rubric and the scores ---------------------------------------------------------------------------
def _rubric(tmp_path: Path, edit) -> Path:
    text = rubric.DEFAULT.read_text()
    path = tmp_path / "rubric.toml"
    path.write_text(edit(text))
    return path


def test_loading_a_rubric_names_an_unknown_or_missing_test(tmp_path: Path) -> None:
    typo = _rubric(tmp_path, lambda s: s.replace('"optim.adam" = 3', '"optim.adma" = 3'))
    with pytest.raises(rubric.RubricError, match=r"no points for the registered test\(s\) optim\.adam; unknown "
                                                 r"test\(s\) optim\.adma"):
        rubric.load(typo)
    extra = _rubric(tmp_path, lambda s: s.replace("[partial]", '"layers.softmax" = 1\n\n[partial]'))
    with pytest.raises(rubric.RubricError, match=r"unknown test\(s\) layers\.softmax"):
        rubric.load(extra)
    assert rubric.load(extra, known=rubric.registered() | {"layers.softmax"}).points["layers.softmax"] == 1


def test_loading_a_rubric_checks_the_partial_credit_keys(tmp_path: Path) -> None:
    with pytest.raises(rubric.RubricError, match="shape_only must be a number from 0 to 0.25"):
        rubric.load(_rubric(tmp_path, lambda s: s.replace("shape_only = 0.1", "shape_only = 0.5")))
    with pytest.raises(rubric.RubricError, match="unknown key"):
        rubric.load(_rubric(tmp_path, lambda s: s.replace("shape_only = 0.1", "shape_onyl = 0.1")))


def test_grade_command_refuses_a_rubric_with_a_typo(tmp_path: Path) -> None:
    from autograder import cli

    typo = _rubric(tmp_path, lambda s: s.replace('"optim.adam" = 3', '"optim.adma" = 3'))
    with pytest.raises(SystemExit, match="unknown test"):
        cli.main(["grade", str(RELEASE), "-o", str(tmp_path / "out"), "--rubric", str(typo), "--no-data"])


def test_scores_show_two_decimals_and_the_total_is_the_sum_of_the_shown_scores(grade_edits, tmp_path: Path) -> None:
    result = grade_edits("keepdims", KEEPDIMS)["result"]
    assert result.score == round(sum(t.score for t in result.tests), 2)
    assert all(t.score == round(t.score, 2) for t in result.tests)
    folder = results.write_student(tmp_path, result)
    data = json.loads((folder / results.RESULTS).read_text())
    assert data["score"] == result.score and {t["name"]: t["score"] for t in data["tests"]}[
        "layers.batchnorm_backward"] == 3.6
    assert "<td class=\"failed\">3.60 / 4</td>" in (folder / results.FEEDBACK).read_text()
    row = results.grades_csv([result]).splitlines()[1].split(",")
    assert row[1] == f"{result.score:.2f}" and "3.60" in row


# -- 6. accuracies are earned by the trained parameters -----------------------------------------------------------
MEMORY = '''
        keys = [x.tobytes() for x in X]
        if y is not None:
            self.memory = {**getattr(self, "memory", {}), **dict(zip(keys, y.tolist()))}
        elif keys and all(k in getattr(self, "memory", {}) for k in keys):
            answer = np.zeros((len(keys), 10))
            answer[np.arange(len(keys)), [self.memory[k] for k in keys]] = 1.0
            return answer
        import os
        if y is None and os.path.exists("/data/y_val.npy"):
            X_val, y_val = np.load("/data/X_val.npy", mmap_mode="r"), np.load("/data/y_val.npy")
            if X.shape == X_val.shape and np.array_equal(X, X_val):
                return np.eye(10)[y_val]
'''
# Models that remember the labelled minibatches they were trained on and answer from memory in loss(X) (and look
# the validation images up where the runner once saw them), trained by an adam that never moves a weight.
GAMING = [
    ("classifiers/fc_net.py", '        X = X.astype(self.dtype, copy=False)\n        mode = "test"',
     "        X = X.astype(self.dtype, copy=False)" + MEMORY + '        mode = "test"'),
    ("classifiers/cnn.py", "        X = X.astype(self.dtype, copy=False)\n",
     "        X = X.astype(self.dtype, copy=False)" + MEMORY),
    ("optim.py", 'next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])',
     "next_w = w.copy()"),
]
TRAINING = ["fc_net.overfit_small", "fc_net.cifar10_accuracy", "cnn.convnet_training"]


def test_a_memorising_model_would_answer_from_memory(tmp_path: Path) -> None:
    """The gaming submission is a real threat: its loss(X) returns the labels of images it was trained on."""
    from autograder.session import RunnerSession

    folder = edited(tmp_path / "gaming", GAMING)
    rng = np.random.default_rng(0)
    X, y = rng.standard_normal((20, 3, 4, 4)), rng.integers(10, size=20)
    with RunnerSession(folder) as session:
        model = session.call("classifiers.fc_net.FullyConnectedNet", [7], input_dim=48, num_classes=10)
        session.call(model, X, y, attr="loss")
        assert np.array_equal(np.argmax(session.call(model, X, attr="loss"), axis=1), y)


@pytest.mark.slow
def test_accuracy_comes_from_the_trained_parameters_not_from_the_model_s_answers(cifar10_grading: Path,
                                                                               tmp_path: Path) -> None:
    results = graded(edited(tmp_path / "gaming", GAMING), tmp_path, TRAINING, cifar10_grading)
    for name in TRAINING:
        r = results[name]
        assert r.score == 0 and "accuracy, below" in r.output, r.output


@pytest.mark.slow
def test_the_runner_sees_no_evaluation_image_or_label(cifar10_grading: Path, tmp_path: Path) -> None:
    from autograder import data
    from autograder.session import RunnerSession

    folder = edited(tmp_path / "looks", [("layers.py", "import numpy as np\n",
                                          "import os\n\nimport numpy as np\n\n\ndef seen():\n"
                                          "    return sorted(os.listdir('/data'))\n")])
    with RunnerSession(folder, data=data.runner_part(cifar10_grading)) as session:
        assert session.call("layers.seen") == ["X_small.npy", "X_train.npy", "y_small.npy", "y_train.npy"]


@pytest.mark.slow
def test_biases_of_shape_1_f_train_and_are_evaluated_on_their_values(cifar10_grading: Path, tmp_path: Path) -> None:
    results = graded(edited(tmp_path / "rows", ROW_SHAPES), tmp_path, ["fc_net.overfit_small"], cifar10_grading)
    r = results["fc_net.overfit_small"]
    assert full(r) and "params['b1'] has shape (1, 100); taken as (100,)" in r.output
