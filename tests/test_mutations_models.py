"""Mutation tests of the hidden tests of the update rules, the fully connected nets and the conv net: every realistic
bug costs points in the tests of the function it is in (and in the declared collateral only); the harmless variants
students write cost nothing; and the feedback says what went wrong.

The data-free tests run for every mutant; the CIFAR-10 training tests (slow) for the reference and two mutants."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import autograder.hidden  # noqa: F401 - registers the tests
from autograder import framework, grade, rubric
from autograder.hidden import accuracy
from autograder.submission import Submission
from tests.helpers import ROOT, graded_tests
from tests.mutants import Mutant, check, make

AREA = [name for name in framework.TESTS if name.startswith(("optim.", "fc_net.", "cnn."))
        and not framework.TEST_INFO[name].needs_data]
DATA_TESTS = [name for name in framework.TESTS if name.startswith(("fc_net.", "cnn."))
              and framework.TEST_INFO[name].needs_data]
DROPOUT = frozenset({"fc_net.fcn_dropout"})  # its gradient part checks the plain path's backward too
NORMALIZED = frozenset({"fc_net.fcn_batchnorm", "fc_net.fcn_layernorm"})  # share the backward loop's bookkeeping

ADAM_BLOCK = '''    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
'''
ADAM_STEP = f'''    t = config["t"] + 1
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw**2
{ADAM_BLOCK}    config.update(m=m, v=v, t=t)
'''


def _mutant(name: str, file: str, old: str, new: str, *losers: str, collateral: frozenset[str] = frozenset()) -> Mutant:
    return Mutant(name, file, old, new, frozenset(losers), collateral)


MUTANTS = [
    # optim.py
    _mutant("adam without bias correction", "optim.py", ADAM_BLOCK,
            ADAM_BLOCK.replace("m_hat = m / (1 - beta1**t)", "m_hat = m").replace("v_hat = v / (1 - beta2**t)",
                                                                                 "v_hat = v"), "optim.adam"),
    _mutant("adam increments t after using it", "optim.py", ADAM_STEP,
            ADAM_STEP.replace('t = config["t"] + 1', 't = config["t"]').replace("t=t)", "t=t + 1)"), "optim.adam"),
    _mutant("rmsprop without the decay", "optim.py", 'cache = decay * config["cache"] + (1 - decay) * dw**2',
            'cache = config["cache"] + dw**2', "optim.rmsprop"),
    _mutant("momentum with the wrong sign", "optim.py",
            'v = config["momentum"] * config["velocity"] - config["learning_rate"] * dw',
            'v = config["momentum"] * config["velocity"] + config["learning_rate"] * dw', "optim.sgd_momentum"),
    # TwoLayerNet
    _mutant("TwoLayerNet removed (later course years)", "classifiers/fc_net.py", "class TwoLayerNet:",
            "class RemovedTwoLayerNet:", "fc_net.two_layer_net"),
    _mutant("TwoLayerNet without L2 on W2", "classifiers/fc_net.py", 'for name, W in (("W1", W1), ("W2", W2)):',
            'for name, W in (("W1", W1),):', "fc_net.two_layer_net"),
    # FullyConnectedNet
    _mutant("weights drawn uniformly", "classifiers/fc_net.py",
            "weight_scale * np.random.randn(dims[i - 1], dims[i])",
            "weight_scale * np.random.rand(dims[i - 1], dims[i])", "fc_net.fcn_init"),
    _mutant("L2 missing on the last layer", "classifiers/fc_net.py",
            'for i in range(1, L + 1):\n            W = self.params[f"W{i}"]',
            'for i in range(1, L):\n            W = self.params[f"W{i}"]', "fc_net.fcn_loss", "fc_net.fcn_gradients"),
    _mutant("L2 without the factor 0.5", "classifiers/fc_net.py",
            'W = self.params[f"W{i}"]\n            loss += 0.5 * self.reg * np.sum(W * W)',
            'W = self.params[f"W{i}"]\n            loss += self.reg * np.sum(W * W)', "fc_net.fcn_loss"),
    _mutant("hidden layers' backward skips the ReLU", "classifiers/fc_net.py",
            "dout, dW, db = affine_relu_backward(dout, hidden_caches[i - 1])",
            "dout, dW, db = affine_backward(dout, hidden_caches[i - 1][0])", "fc_net.fcn_gradients",
            collateral=DROPOUT),
    _mutant("hidden biases' gradient divided by N again", "classifiers/fc_net.py",
            'grads[f"W{i}"], grads[f"b{i}"] = dW, db', 'grads[f"W{i}"], grads[f"b{i}"] = dW, db / dout.shape[0]',
            "fc_net.fcn_gradients", collateral=DROPOUT | NORMALIZED),
    _mutant("layernorm silently ignored (only batchnorm handled)", "classifiers/fc_net.py",
            '            if self.normalization:\n                gamma, beta = self.params[f"gamma{i}"]',
            '            if self.normalization == "batchnorm":\n                gamma, beta = self.params[f"gamma{i}"]',
            "fc_net.fcn_layernorm"),
    _mutant("batchnorm running averages lost (a new bn_param every pass)", "classifiers/fc_net.py",
            "self.bn_params[i - 1], self.normalization", '{"mode": mode}, self.normalization', "fc_net.fcn_batchnorm"),
    _mutant("dropout never applied", "classifiers/fc_net.py", "self.use_dropout = dropout_keep_ratio != 1",
            "self.use_dropout = False", "fc_net.fcn_dropout"),
    _mutant("dropout applied at test time", "classifiers/fc_net.py", 'self.dropout_param["mode"] = mode',
            'self.dropout_param["mode"] = "train"', "fc_net.fcn_dropout"),
    # ThreeLayerConvNet
    _mutant("conv net without the ReLU after the convolution", "layer_utils.py",
            "conv_forward_fast(x, w, b, conv_param)\n    out, relu_cache = relu_forward(a)",
            "conv_forward_fast(x, w, b, conv_param)\n    out, relu_cache = a, a * 0 + 1",
            "cnn.convnet_loss", "cnn.convnet_gradients"),
    _mutant("conv net without L2 on W1", "classifiers/cnn.py",
            'for name, W in (("W1", W1), ("W2", W2), ("W3", W3)):', 'for name, W in (("W2", W2), ("W3", W3)):',
            "cnn.convnet_loss", "cnn.convnet_gradients"),
    _mutant("conv net assumes square images", "classifiers/cnn.py", "pooled_dim = num_filters * (H // 2) * (W // 2)",
            "pooled_dim = num_filters * (H // 2) * (H // 2)", "cnn.convnet_loss"),
    # Harmless variants: no test may lose points.
    _mutant("adam in the paper's efficient form", "optim.py", ADAM_BLOCK,
            '    lr_t = config["learning_rate"] * np.sqrt(1 - beta2**t) / (1 - beta1**t)\n'
            '    next_w = w - lr_t * m / (np.sqrt(v) + config["epsilon"])\n'),
    _mutant("rmsprop with epsilon inside the square root", "optim.py",
            '(np.sqrt(cache) + config["epsilon"])', 'np.sqrt(cache + config["epsilon"])'),
    _mutant("momentum updates w in place", "optim.py", "    next_w = w + v\n", "    w += v\n    next_w = w\n"),
    _mutant("weights drawn from the last layer to the first", "classifiers/fc_net.py",
            "for i in range(1, self.num_layers + 1):", "for i in range(self.num_layers, 0, -1):"),
]
BY_NAME = {m.name: m for m in MUTANTS}

# Slow: the CIFAR-10 training tests catch an update rule that climbs the loss, and a batchnorm net whose test mode
# has no running averages; a net that draws its weights in another order (another random start) still passes them.
LOST_AVERAGES = BY_NAME["batchnorm running averages lost (a new bn_param every pass)"]
REVERSED_DRAWS = BY_NAME["weights drawn from the last layer to the first"]
SLOW_MUTANTS = [
    _mutant("adam steps uphill", "optim.py", 'next_w = w - config["learning_rate"] * m_hat',
            'next_w = w + config["learning_rate"] * m_hat', "optim.adam", "fc_net.overfit_small",
            "fc_net.cifar10_accuracy", "cnn.convnet_training"),
    _mutant(LOST_AVERAGES.name, LOST_AVERAGES.file, LOST_AVERAGES.old, LOST_AVERAGES.new, "fc_net.fcn_batchnorm",
            "fc_net.cifar10_accuracy"),
    REVERSED_DRAWS,
]


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_mutant_costs_points_in_its_own_tests(m: Mutant, tmp_path: Path) -> None:
    check(m, tmp_path, AREA)


def test_reference_scores_full_points(tmp_path: Path) -> None:
    results = graded_tests(ROOT, tmp_path / "scratch", AREA)
    assert {n: r.score for n, r in results.items()} == {n: r.max_score for n, r in results.items()}


def test_missing_two_layer_net_scores_zero_and_says_why(tmp_path: Path) -> None:
    results = graded_tests(make(BY_NAME["TwoLayerNet removed (later course years)"], tmp_path / "sub"),
                           tmp_path / "scratch", ["fc_net.two_layer_net", "fc_net.fcn_loss"])
    assert results["fc_net.two_layer_net"].score == 0
    assert "has no TwoLayerNet" in results["fc_net.two_layer_net"].output
    assert results["fc_net.fcn_loss"].score == results["fc_net.fcn_loss"].max_score


def test_missing_last_layer_l2_fails_the_regularized_parts_with_partial_gradient_credit(tmp_path: Path) -> None:
    """The loss fails exactly its three regularized parts; the gradients are right for that wrong loss, so their
    three regularized parts (of four) earn the rubric's half credit: (1 + 3 * 0.5) / 4."""
    results = graded_tests(make(BY_NAME["L2 missing on the last layer"], tmp_path / "sub"), tmp_path / "scratch",
                           ["fc_net.fcn_loss", "fc_net.fcn_gradients"])
    failed = [line for line in results["fc_net.fcn_loss"].output.splitlines() if line.startswith("FAIL ")]
    assert len(failed) == 3 and all("loss with L2 regularization" in line for line in failed)
    gradients = results["fc_net.fcn_gradients"]
    assert gradients.score == pytest.approx(gradients.max_score * (1 + 3 * 0.5) / 4)
    assert "agree with numerical derivatives of your own loss" in gradients.output


def test_in_place_update_is_noted_not_penalized(tmp_path: Path) -> None:
    results = graded_tests(make(BY_NAME["momentum updates w in place"], tmp_path / "sub"), tmp_path / "scratch",
                           ["optim.sgd_momentum"])
    assert results["optim.sgd_momentum"].score == results["optim.sgd_momentum"].max_score
    assert "NOTE sgd_momentum changes its input(s) w in place" in results["optim.sgd_momentum"].output


def test_dropout_keyword_of_2018_2020_is_detected(tmp_path: Path) -> None:
    """2018-2020 files call the keep probability `dropout`: same tests, same points."""
    folder = make(Mutant("2018-2020 keyword", "classifiers/fc_net.py", "dropout_keep_ratio=1,", "dropout=1,",
                         frozenset()), tmp_path / "sub")
    source = folder / "cs231n" / "classifiers" / "fc_net.py"
    source.write_text(source.read_text().replace("dropout_keep_ratio", "dropout"))
    results = graded_tests(folder, tmp_path / "scratch", ["fc_net.fcn_dropout"])
    assert results["fc_net.fcn_dropout"].score == results["fc_net.fcn_dropout"].max_score


@pytest.mark.slow
def test_best_model_is_loaded_with_model_io_and_scored_by_the_judge(cifar10_grading: Path, tmp_path: Path) -> None:
    """A submitted best_model.npz (here: a small untrained net) is loaded with the student's model_io and its
    accuracy is computed by the judge; below 50%, the (0-point) test fails and says so."""
    from autograder import data
    from autograder.reference import fc_net as ref_fc_net
    from cs231n.model_io import save_model

    folder = make(Mutant("with best_model.npz", "model_io.py", "FORMAT = ", "FORMAT = ", frozenset()), tmp_path / "s")
    model = ref_fc_net.FullyConnectedNet([20], weight_scale=1e-3)
    save_model(model, folder / "best_model.npz")
    X_val, y_val = data.load(cifar10_grading, "X_val", "y_val")
    expected = float((model.loss(X_val).argmax(axis=1) == y_val).mean())
    result = graded_tests(folder, tmp_path / "scratch", ["fc_net.best_model_accuracy"],
                          cifar10_grading)["fc_net.best_model_accuracy"]
    assert f"validation accuracy {expected:.1%}" in result.output
    assert result.status == "failed" and "below the notebook's 50%" in result.output


@pytest.mark.slow
def test_reference_clears_the_training_targets(cifar10_grading: Path, tmp_path: Path) -> None:
    results = graded_tests(ROOT, tmp_path / "scratch", DATA_TESTS, cifar10_grading)
    assert {n: r.score for n, r in results.items()} == {n: r.max_score for n, r in results.items()}
    assert "no best_model.npz" in results["fc_net.best_model_accuracy"].output
    # Correct code stops at the first epoch that reaches the target, before the recipe's last.
    for name, recipe in (("fc_net.overfit_small", accuracy.OVERFIT), ("fc_net.cifar10_accuracy", accuracy.CIFAR10),
                         ("cnn.convnet_training", accuracy.CONVNET)):
        epochs = re.search(r"after (\d+) epoch\(s\) \(target", results[name].output)
        assert epochs and int(epochs.group(1)) < recipe["epochs"], results[name].output


@pytest.mark.slow
@pytest.mark.parametrize("m", SLOW_MUTANTS, ids=lambda m: m.name)
def test_training_tests_catch_mutants(m: Mutant, cifar10_grading: Path, tmp_path: Path) -> None:
    check(m, tmp_path, sorted(m.losers | m.collateral | set(DATA_TESTS)), cifar10_grading)


@pytest.mark.slow
def test_training_with_an_update_rule_that_never_returns_fails_at_its_first_step(cifar10_grading: Path,
                                                                                  tmp_path: Path) -> None:
    """The first training step runs alone under the per-call time limit, so a hanging adam costs each training test
    that limit (then less: the step already hung once), not the whole training budget."""
    folder = make(Mutant("adam never returns", "optim.py", ADAM_BLOCK, "    while True:\n        pass\n", frozenset()),
                  tmp_path / "sub")
    training = ["fc_net.overfit_small", "fc_net.cifar10_accuracy", "cnn.convnet_training"]
    options = grade.GradeOptions(rubric=rubric.load(), tests=training, scratch=tmp_path / "scratch",
                                 data=cifar10_grading, call_timeout=3.0)
    for result in grade.grade(Submission("hangs", folder), options).tests:
        assert result.score == 0 and "the first training step" in result.output, result.output
        assert "did not finish within" in result.output and result.seconds < 3.0 + 5.0


