"""Checks of the reference models and support modules of cs231n/: fc_net, cnn, layer_utils, fast_layers,
solver, model_io and vis_utils (float64 unless a test says otherwise)."""

import json
import time
from collections.abc import Callable

import numpy as np
import pytest

from cs231n import fast_layers, layer_utils, layers, model_io, vis_utils
from cs231n.classifiers.cnn import ThreeLayerConvNet
from cs231n.classifiers.fc_net import FullyConnectedNet, TwoLayerNet
from cs231n.data_utils import get_CIFAR10_data
from cs231n.gradient_check import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from cs231n.solver import Solver


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(231)


# A parameter whose gradient is zero by construction (a bias followed by batch normalization) has only rounding
# noise to compare, whose relative error means nothing: with FullyConnectedNet(batchnorm, reg 0), b1's numerical
# gradient is 0 with OPENBLAS_CORETYPE=SkylakeX or Haswell but 2.2e-11 with Sandybridge or Prescott (relative error
# 2.2e-3), its analytic one 1e-17..6e-17. Both below ZERO_GRADIENT: counted as agreeing.
ZERO_GRADIENT = 1e-9


def numerical_grad_errors(model, X: np.ndarray, y: np.ndarray, h: float = 1e-5) -> dict[str, float]:
    """Relative error between the model's analytic gradients and numerical ones, per parameter."""
    _, grads = model.loss(X, y)
    assert set(grads) == set(model.params)
    errors = {}
    for name, param in model.params.items():
        assert grads[name].shape == param.shape
        numerical = eval_numerical_gradient(lambda _: model.loss(X, y)[0], param, verbose=False, h=h)
        noise_only = max(np.abs(numerical).max(), np.abs(grads[name]).max()) < ZERO_GRADIENT
        errors[name] = 0.0 if noise_only else rel_error(numerical, grads[name])
    return errors


def notebook_fcn(normalization: str | None, reg: float, **kwargs) -> tuple[FullyConnectedNet, np.ndarray, np.ndarray]:
    """The FullyConnectedNets notebook's small network and data (seed 231, N, D, H1, H2, C = 2, 15, 20, 30, 10).

    The notebook draws X and y, then builds one model per reg in [0, 3.14] in a loop, so the model with a
    non-zero reg gets its weights after those of the reg 0 model: built the same way here.
    """
    np.random.seed(231)
    N, D, H1, H2, C = 2, 15, 20, 30, 10
    X = np.random.randn(N, D)
    y = np.random.randint(C, size=(N,))
    for loop_reg in [0.0, reg] if reg else [reg]:
        model = FullyConnectedNet(
            [H1, H2],
            input_dim=D,
            num_classes=C,
            reg=loop_reg,
            weight_scale=5e-2,
            dtype=np.float64,
            normalization=normalization,
            **kwargs,
        )
    return model, X, y


# ---------------------------------------------------------------------------------------------------------
# FullyConnectedNet


@pytest.mark.parametrize(
    ("normalization", "reg", "expected"),
    [
        (None, 0.0, 2.3004790897684924),
        (None, 3.14, 7.052114776533016),
        ("batchnorm", 0.0, 2.2611955101340957),
        ("batchnorm", 3.14, 6.996533220108303),
    ],
)
def test_fcn_reproduces_the_published_initial_losses(normalization, reg, expected) -> None:
    model, X, y = notebook_fcn(normalization, reg)
    loss, _ = model.loss(X, y)
    assert loss == pytest.approx(expected, rel=1e-12)


# Largest relative errors measured on the reference, about 10x below these thresholds. At reg 0, the
# ReLU kinks make W2 (no normalization) and W1 (batchnorm) the worst, as grading-facts.md describes.
@pytest.mark.parametrize(
    ("normalization", "reg", "threshold"),
    [
        (None, 0.0, 3e-4),  # measured 2.2e-5 (W2)
        (None, 3.14, 1e-6),  # measured 6.9e-8
        ("batchnorm", 0.0, 1e-3),  # measured 1.1e-4 (W1)
        ("batchnorm", 3.14, 3e-5),  # measured 2.3e-6
        ("layernorm", 0.0, 5e-5),  # measured 3.4e-6 (gamma1)
        ("layernorm", 3.14, 2e-6),  # measured 1.2e-7
    ],
)
def test_fcn_gradients_match_numerical_gradients(normalization, reg, threshold) -> None:
    model, X, y = notebook_fcn(normalization, reg)
    errors = numerical_grad_errors(model, X, y)
    assert max(errors.values()) < threshold, errors


@pytest.mark.parametrize("keep_ratio", [0.75, 0.5])  # the notebook's ratios
def test_fcn_gradients_with_seeded_dropout(keep_ratio) -> None:
    model, X, y = notebook_fcn(None, 0.0, dropout_keep_ratio=keep_ratio, seed=123)
    assert model.use_dropout and model.dropout_param == {"mode": "train", "p": keep_ratio, "seed": 123}
    errors = numerical_grad_errors(model, X, y)
    assert max(errors.values()) < 1e-4, errors


def test_fcn_parameters_follow_the_official_layout() -> None:
    np.random.seed(0)
    model = FullyConnectedNet([40, 30], input_dim=50, num_classes=7, normalization="batchnorm", weight_scale=0.1)
    expected = {
        "W1": (50, 40),
        "b1": (40,),
        "gamma1": (40,),
        "beta1": (40,),
        "W2": (40, 30),
        "b2": (30,),
        "gamma2": (30,),
        "beta2": (30,),
        "W3": (30, 7),
        "b3": (7,),
    }
    assert {name: p.shape for name, p in model.params.items()} == expected
    assert all(p.dtype == np.float32 for p in model.params.values())
    assert model.num_layers == 3 and model.normalization == "batchnorm" and not model.use_dropout
    assert model.bn_params == [{"mode": "train"}, {"mode": "train"}]
    for i in (1, 2, 3):
        assert abs(model.params[f"W{i}"].std() - 0.1) < 0.01
        assert not model.params[f"b{i}"].any()
    assert (model.params["gamma1"] == 1).all() and not model.params["beta2"].any()
    plain = FullyConnectedNet([10], input_dim=5)
    assert set(plain.params) == {"W1", "b1", "W2", "b2"} and plain.bn_params == []


def test_fcn_regularizes_every_weight_matrix_and_nothing_else() -> None:
    model, X, y = notebook_fcn("batchnorm", 0.0)
    for name in model.params:  # make biases, scales and shifts non trivial
        if not name.startswith("W"):
            model.params[name] = model.params[name] + 0.3
    loss0, grads0 = model.loss(X, y)
    model.reg = 2.5
    loss, grads = model.loss(X, y)
    weights = {name: p for name, p in model.params.items() if name.startswith("W")}
    assert loss - loss0 == pytest.approx(0.5 * 2.5 * sum(np.sum(W * W) for W in weights.values()), rel=1e-10)
    for name in model.params:
        extra = 2.5 * model.params[name] if name in weights else 0.0
        np.testing.assert_allclose(grads[name], grads0[name] + extra, rtol=1e-10, atol=1e-12)


def test_fcn_test_mode_returns_scores_and_sets_every_mode() -> None:
    model, X, _ = notebook_fcn("batchnorm", 0.0, dropout_keep_ratio=0.5)
    model.loss(X, np.array([1, 2]))
    assert model.bn_params[0]["running_mean"].shape == (20,)
    scores = model.loss(X)
    assert scores.shape == (2, 10)
    assert model.dropout_param["mode"] == "test"
    assert [p["mode"] for p in model.bn_params] == ["test", "test"]
    np.testing.assert_array_equal(model.loss(X), scores)  # no dropout noise at test time
    model.loss(X, np.array([1, 2]))
    assert model.dropout_param["mode"] == "train" and [p["mode"] for p in model.bn_params] == ["train", "train"]


# ---------------------------------------------------------------------------------------------------------
# TwoLayerNet


def test_two_layer_net_reproduces_the_published_losses() -> None:
    N, D, H, C = 3, 5, 50, 7
    model = TwoLayerNet(input_dim=D, hidden_dim=H, num_classes=C, weight_scale=1e-3)
    assert {name: p.shape for name, p in model.params.items()} == {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}
    model.params["W1"] = np.linspace(-0.7, 0.3, num=D * H).reshape(D, H)
    model.params["b1"] = np.linspace(-0.1, 0.9, num=H)
    model.params["W2"] = np.linspace(-0.3, 0.4, num=H * C).reshape(H, C)
    model.params["b2"] = np.linspace(-0.9, 0.1, num=C)
    X = np.linspace(-5.5, 4.5, num=N * D).reshape(D, N).T
    y = np.asarray([0, 5, 1])
    assert model.loss(X).shape == (N, C)
    assert model.loss(X, y)[0] == pytest.approx(3.4702243556, abs=1e-10)
    model.reg = 1.0
    assert model.loss(X, y)[0] == pytest.approx(26.5948426952, abs=1e-10)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_two_layer_net_gradients(reg, rng) -> None:
    np.random.seed(0)
    model = TwoLayerNet(input_dim=6, hidden_dim=8, num_classes=4, weight_scale=0.5, reg=reg)
    X = rng.standard_normal((5, 2, 3))
    y = rng.integers(4, size=5)
    errors = numerical_grad_errors(model, X, y)
    assert max(errors.values()) < 1e-6, errors


# ---------------------------------------------------------------------------------------------------------
# ThreeLayerConvNet


def test_conv_net_initial_loss_is_chance_and_grows_with_reg(rng) -> None:
    np.random.seed(231)
    model = ThreeLayerConvNet()
    assert {name: p.shape for name, p in model.params.items()} == {
        "W1": (32, 3, 7, 7),
        "b1": (32,),
        "W2": (32 * 16 * 16, 100),
        "b2": (100,),
        "W3": (100, 10),
        "b3": (10,),
    }
    assert all(p.dtype == np.float32 for p in model.params.values())
    X = rng.standard_normal((20, 3, 32, 32))
    y = rng.integers(10, size=20)
    loss, _ = model.loss(X, y)
    assert loss == pytest.approx(np.log(10), abs=1e-3)
    model.reg = 0.5
    assert model.loss(X, y)[0] > loss + 0.1
    assert model.loss(X).shape == (20, 10)


@pytest.mark.parametrize("reg", [0.0, 0.7])
def test_conv_net_gradients_on_a_tiny_input(reg) -> None:
    # weight_scale 0.1 (not the notebook's 1e-3) keeps the gradients far above the rounding noise of the
    # numerical ones; H != W checks that nothing assumes square images. Measured errors: 4.8e-8, 6.8e-8.
    np.random.seed(231)
    X = np.random.randn(2, 3, 8, 6)
    y = np.random.randint(5, size=2)
    model = ThreeLayerConvNet(
        input_dim=(3, 8, 6),
        num_filters=3,
        filter_size=3,
        hidden_dim=7,
        num_classes=5,
        weight_scale=0.1,
        reg=reg,
        dtype=np.float64,
    )
    assert model.params["W2"].shape == (3 * 4 * 3, 7)
    errors = numerical_grad_errors(model, X, y, h=1e-6)
    assert max(errors.values()) < 1e-5, errors


# ---------------------------------------------------------------------------------------------------------
# fast_layers: fast and naive layers agree, forward and backward, and their caches are interchangeable


@pytest.mark.parametrize(
    ("x_shape", "w_shape", "stride", "pad"),
    [
        ((2, 3, 8, 8), (4, 3, 3, 3), 1, 1),
        ((2, 3, 7, 9), (4, 3, 3, 2), 2, 0),
        ((3, 2, 11, 10), (5, 2, 5, 3), 3, 2),
        ((1, 1, 5, 5), (2, 1, 5, 5), 1, 0),
        ((2, 3, 16, 16), (3, 3, 3, 3), 2, 1),
        ((2, 4, 6, 5), (3, 4, 1, 1), 1, 0),
    ],
)
def test_fast_conv_matches_naive_conv(x_shape, w_shape, stride, pad, rng) -> None:
    x, w, b = rng.standard_normal(x_shape), rng.standard_normal(w_shape), rng.standard_normal(w_shape[0])
    conv_param = {"stride": stride, "pad": pad}
    out_naive, cache_naive = layers.conv_forward_naive(x, w, b, conv_param)
    out_fast, cache_fast = fast_layers.conv_forward_fast(x, w, b, conv_param)
    assert out_fast.shape == out_naive.shape
    assert rel_error(out_naive, out_fast) < 1e-10
    dout = rng.standard_normal(out_naive.shape)
    grads_naive = layers.conv_backward_naive(dout, cache_naive)
    for grads in (fast_layers.conv_backward_fast(dout, cache_fast), fast_layers.conv_backward_fast(dout, cache_naive)):
        for g_naive, g_fast in zip(grads_naive, grads, strict=True):
            assert g_fast.shape == g_naive.shape
            assert rel_error(g_naive, g_fast) < 1e-10


@pytest.mark.parametrize(
    ("x_shape", "pool", "stride"),
    [
        ((2, 3, 8, 8), (2, 2), 2),  # windows tile the input
        ((2, 3, 7, 9), (2, 2), 2),  # the last row / column is not pooled
        ((2, 3, 9, 9), (3, 3), 2),  # overlapping windows
        ((2, 2, 10, 7), (3, 2), 1),
        ((2, 2, 10, 7), (2, 3), 3),  # gaps between the windows
    ],
)
def test_fast_max_pool_matches_naive_max_pool(x_shape, pool, stride, rng) -> None:
    x = rng.standard_normal(x_shape)
    pool_param = {"pool_height": pool[0], "pool_width": pool[1], "stride": stride}
    out_naive, cache_naive = layers.max_pool_forward_naive(x, pool_param)
    out_fast, cache_fast = fast_layers.max_pool_forward_fast(x, pool_param)
    assert out_fast.shape == out_naive.shape
    np.testing.assert_array_equal(out_fast, out_naive)
    dout = rng.standard_normal(out_naive.shape)
    dx_naive = layers.max_pool_backward_naive(dout, cache_naive)
    for dx in (
        fast_layers.max_pool_backward_fast(dout, cache_fast),
        fast_layers.max_pool_backward_fast(dout, cache_naive),
    ):
        assert dx.shape == x.shape
        assert rel_error(dx_naive, dx) < 1e-10


def test_fast_max_pool_sends_tied_maxima_to_the_first_one() -> None:
    x = np.zeros((1, 1, 2, 4))
    x[0, 0, 1, 2:] = 5.0  # two tied maxima in the second window
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, cache = fast_layers.max_pool_forward_fast(x, pool_param)
    dx = fast_layers.max_pool_backward_fast(np.array([[[[1.0, 2.0]]]]), cache)
    np.testing.assert_array_equal(dx, [[[[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 2.0, 0.0]]]])


# The fast conv layer's gradients against central differences (h = 1e-5): the relative error of the smallest
# entries depends on the BLAS kernel's rounding. Measured with OPENBLAS_CORETYPE=SkylakeX / Haswell / Zen /
# Sandybridge / Nehalem / Prescott: 9.9e-9 / 6.9e-8 / 6.9e-8 / 6.5e-8 / 6.5e-8 / 6.5e-8 for dx on these inputs, and
# at most 2.6e-7 (dx) and 2.4e-7 (dw) over 200 random inputs on any of them (a wrong gradient gives 1e-2 or more).
FAST_CONV_GRADIENT_ERROR = 1e-6


def test_fast_layers_keep_float32_and_match_numerical_gradients(rng) -> None:
    x, w, b = rng.standard_normal((2, 3, 6, 5)), rng.standard_normal((4, 3, 3, 3)), rng.standard_normal(4)
    conv_param = {"stride": 2, "pad": 1}
    out, cache = fast_layers.conv_forward_fast(x, w, b, conv_param)
    dout = rng.standard_normal(out.shape)
    dx, dw, db = fast_layers.conv_backward_fast(dout, cache)
    for arg, grad in ((x, dx), (w, dw), (b, db)):
        numerical = eval_numerical_gradient_array(
            lambda _: fast_layers.conv_forward_fast(x, w, b, conv_param)[0], arg, dout
        )
        assert rel_error(numerical, grad) < FAST_CONV_GRADIENT_ERROR
    f32 = [a.astype(np.float32) for a in (x, w, b)]
    out32, cache32 = fast_layers.conv_forward_fast(*f32, conv_param)
    assert out32.dtype == np.float32
    assert all(g.dtype == np.float32 for g in fast_layers.conv_backward_fast(dout.astype(np.float32), cache32))
    pooled, pool_cache = fast_layers.max_pool_forward_fast(out32, {"pool_height": 2, "pool_width": 2, "stride": 1})
    assert fast_layers.max_pool_backward_fast(pooled, pool_cache).dtype == np.float32


# ---------------------------------------------------------------------------------------------------------
# layer_utils


def check_sandwich(forward: Callable, backward: Callable, args: tuple, num_grads: int, rng, threshold: float) -> None:
    """Compares the first num_grads gradients of a sandwich layer with numerical ones."""
    out, cache = forward(*args)
    dout = rng.standard_normal(out.shape)
    grads = backward(dout, cache)
    assert len(grads) == num_grads
    for arg, grad in zip(args, grads, strict=False):
        assert grad.shape == arg.shape
        numerical = eval_numerical_gradient_array(lambda _: forward(*args)[0], arg, dout)
        # A bias followed by batch normalization has a zero gradient: rounding noise is all there is.
        assert rel_error(numerical, grad) < threshold or np.abs(numerical - grad).max() < 1e-9


def test_conv_relu_pool_is_the_composition_of_its_layers(rng) -> None:
    x, w, b = rng.standard_normal((2, 3, 8, 8)), rng.standard_normal((3, 3, 3, 3)), rng.standard_normal(3)
    conv_param, pool_param = {"stride": 1, "pad": 1}, {"pool_height": 2, "pool_width": 2, "stride": 2}
    out, _ = layer_utils.conv_relu_pool_forward(x, w, b, conv_param, pool_param)
    conv, _ = layers.conv_forward_naive(x, w, b, conv_param)
    expected, _ = layers.max_pool_forward_naive(np.maximum(conv, 0), pool_param)
    assert rel_error(out, expected) < 1e-12
    args = (x, w, b, conv_param, pool_param)
    check_sandwich(layer_utils.conv_relu_pool_forward, layer_utils.conv_relu_pool_backward, args, 3, rng, 1e-7)
    check_sandwich(layer_utils.conv_relu_forward, layer_utils.conv_relu_backward, args[:4], 3, rng, 1e-7)


@pytest.mark.parametrize("normalization", ["batchnorm", "layernorm"])
def test_affine_norm_relu_gradients(normalization, rng) -> None:
    x, w, b = rng.standard_normal((4, 5)), rng.standard_normal((5, 6)), rng.standard_normal(6)
    gamma, beta = rng.standard_normal(6), rng.standard_normal(6)
    args = (x, w, b, gamma, beta, {"mode": "train"}, normalization)
    check_sandwich(layer_utils.affine_norm_relu_forward, layer_utils.affine_norm_relu_backward, args, 5, rng, 1e-6)
    check_sandwich(layer_utils.affine_relu_forward, layer_utils.affine_relu_backward, args[:3], 3, rng, 1e-7)


def test_conv_bn_relu_gradients(rng) -> None:
    x, w, b = rng.standard_normal((3, 2, 5, 5)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)
    gamma, beta = rng.standard_normal(3), rng.standard_normal(3)
    args = (x, w, b, gamma, beta, {"stride": 1, "pad": 1}, {"mode": "train"})
    check_sandwich(layer_utils.conv_bn_relu_forward, layer_utils.conv_bn_relu_backward, args, 5, rng, 1e-5)


# ---------------------------------------------------------------------------------------------------------
# Solver


def random_cifar_like(rng, num_train: int = 50, num_val: int = 20) -> dict[str, np.ndarray]:
    return {
        "X_train": rng.standard_normal((num_train, 3, 32, 32)),
        "y_train": rng.integers(10, size=num_train),
        "X_val": rng.standard_normal((num_val, 3, 32, 32)),
        "y_val": rng.integers(10, size=num_val),
    }


def test_solver_overfits_50_random_examples(rng) -> None:
    data = random_cifar_like(rng)
    np.random.seed(0)
    model = FullyConnectedNet([100, 100], weight_scale=5e-2, dtype=np.float64)
    solver = Solver(
        model,
        data,
        update_rule="adam",
        optim_config={"learning_rate": 1e-3},
        lr_decay=0.9,
        num_epochs=15,
        batch_size=25,
        verbose=False,
    )
    solver.train()
    iterations = 15 * 2
    assert len(solver.loss_history) == iterations and solver.epoch == 15
    assert len(solver.train_acc_history) == len(solver.val_acc_history) == 15 + 1
    assert solver.train_acc_history[-1] == 1.0
    assert solver.loss_history[-1] < 0.25 * solver.loss_history[0]
    assert solver.best_val_acc == max(solver.val_acc_history)
    assert model.params is solver.best_params
    for config in solver.optim_configs.values():
        assert config["learning_rate"] == pytest.approx(1e-3 * 0.9**15)
        assert config["t"] == iterations


def test_solver_keeps_the_parameters_of_the_best_validation_accuracy(rng) -> None:
    class Scripted:
        """Model whose validation accuracy follows a script: 0.1, 0.9, 0.5 at the three checks."""

        def __init__(self):
            self.params = {"w": np.zeros(1)}
            self.checks = 0

        def loss(self, X, y=None):
            if y is not None:
                return 1.0, {"w": -np.ones(1)}
            self.checks += 1
            accurate = {2: 0.1, 4: 0.9, 6: 0.5}.get(self.checks, 0.0)  # even checks are the validation ones
            scores = np.tile(np.eye(10)[1], (len(X), 1))  # class 1: wrong, all labels are 0
            scores[: int(round(accurate * len(X))), 0] = 2.0
            return scores

    data = {
        "X_train": np.zeros((4, 1)),
        "y_train": np.zeros(4, int),
        "X_val": np.zeros((10, 1)),
        "y_val": np.zeros(10, int),
    }
    model = Scripted()
    # One iteration per epoch: the accuracies are checked after each of the 3 updates (w = 1, 2, 3).
    solver = Solver(model, data, optim_config={"learning_rate": 1.0}, num_epochs=3, batch_size=4, verbose=False)
    solver.train()
    assert solver.val_acc_history == [0.1, 0.9, 0.5]
    assert solver.best_val_acc == 0.9
    np.testing.assert_array_equal(model.params["w"], [2.0])


def test_solver_rejects_unknown_arguments_and_update_rules(rng) -> None:
    data = random_cifar_like(rng, 4, 2)
    model = TwoLayerNet()
    with pytest.raises(ValueError, match="learning_rate"):
        Solver(model, data, learning_rate=1e-3)
    with pytest.raises(ValueError, match="batchsize, epochs"):
        Solver(model, data, epochs=3, batchsize=10)
    with pytest.raises(ValueError, match="nesterov"):
        Solver(model, data, update_rule="nesterov")
    assert Solver(model, data, update_rule="sgd_momentum").update_rule.__name__ == "sgd_momentum"
    custom = Solver(model, data, update_rule=lambda w, dw, config: (w, config))
    assert callable(custom.update_rule)


def test_solver_defaults_match_the_official_ones(rng) -> None:
    solver = Solver(TwoLayerNet(), random_cifar_like(rng, 4, 2))
    assert solver.update_rule.__name__ == "sgd"
    assert (solver.optim_config, solver.lr_decay, solver.batch_size, solver.num_epochs) == ({}, 1.0, 100, 10)
    assert (solver.num_train_samples, solver.num_val_samples, solver.checkpoint_name) == (1000, None, None)
    assert (solver.print_every, solver.verbose) == (10, True)
    assert solver.loss_history == [] and solver.best_val_acc == 0 and solver.epoch == 0


def test_check_accuracy_scores_in_batches_and_subsamples(rng) -> None:
    np.random.seed(0)
    model = TwoLayerNet(input_dim=3, hidden_dim=5, num_classes=4, weight_scale=1.0)
    X = rng.standard_normal((250, 3))
    y = rng.integers(4, size=250)
    solver = Solver(model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y})
    expected = np.mean(np.argmax(model.loss(X), axis=1) == y)
    assert solver.check_accuracy(X, y, batch_size=7) == pytest.approx(expected)
    np.random.seed(1)
    subsample = solver.check_accuracy(X, y, num_samples=40)
    np.random.seed(1)
    mask = np.random.choice(250, 40, replace=False)
    assert subsample == pytest.approx(np.mean(np.argmax(model.loss(X[mask]), axis=1) == y[mask]))


def test_grader_epochs_replay_solver_train(rng) -> None:
    """The grader trains epoch by epoch (autograder/hidden/solver_epoch.py): the same minibatches, losses and
    learning-rate decay as Solver.train() (whose checks draw no random numbers when the training set has at most
    num_train_samples images)."""
    from autograder.hidden.solver_epoch import train_epoch

    data = random_cifar_like(rng, 60, 10)
    settings = {"update_rule": "adam", "optim_config": {"learning_rate": 1e-3}, "batch_size": 25, "lr_decay": 0.7}
    np.random.seed(0)
    whole = Solver(FullyConnectedNet([20], normalization="batchnorm"), data, num_epochs=3, verbose=False, **settings)
    whole.train()
    np.random.seed(0)
    model = FullyConnectedNet([20], normalization="batchnorm")
    stepwise = Solver(model, data, verbose=False, **settings)
    for _ in range(3):
        train_epoch(stepwise)
    assert len(stepwise.loss_history) == 3 * (60 // 25)
    np.testing.assert_array_equal(stepwise.loss_history, whole.loss_history)
    assert stepwise.epoch == 3
    assert stepwise.optim_configs["W1"]["learning_rate"] == pytest.approx(1e-3 * 0.7**3)
    assert whole.optim_configs["W1"]["learning_rate"] == pytest.approx(1e-3 * 0.7**3)


def test_solver_checkpoints(tmp_path, rng) -> None:
    np.random.seed(0)
    solver = Solver(
        TwoLayerNet(),
        random_cifar_like(rng, 20, 5),
        num_epochs=2,
        batch_size=10,
        verbose=False,
        checkpoint_name=str(tmp_path / "ckpt"),
    )
    solver.train()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ckpt_epoch_0.pkl", "ckpt_epoch_1.pkl", "ckpt_epoch_2.pkl"]


# ---------------------------------------------------------------------------------------------------------
# model_io


def test_model_io_round_trip_of_a_trained_batchnorm_dropout_net(tmp_path, rng) -> None:
    np.random.seed(0)
    model = FullyConnectedNet([30, 20], input_dim=3 * 32 * 32, normalization="batchnorm", dropout_keep_ratio=0.8)
    Solver(model, random_cifar_like(rng, 40, 10), num_epochs=2, batch_size=20, verbose=False).train()
    path = tmp_path / "best_model"  # no extension: the file is written as named
    model_io.save_model(model, path)
    assert path.is_file()

    with np.load(path, allow_pickle=False) as archive:
        assert all(archive[key].dtype != object for key in archive.files)
        config = json.loads(str(archive["config"]))
    assert config == {
        "format": "cs231n-model",
        "version": 1,
        "class": "FullyConnectedNet",
        "input_dim": 3072,
        "num_classes": 10,
        "dtype": "float32",
        "reg": 0.0,
        "hidden_dims": [30, 20],
        "normalization": "batchnorm",
        "dropout_keep_ratio": pytest.approx(0.8),
    }

    state = np.random.get_state()
    loaded = model_io.load_model(path)
    assert np.random.get_state()[1].tolist() == state[1].tolist()  # loading draws no random numbers
    assert isinstance(loaded, FullyConnectedNet) and loaded.normalization == "batchnorm" and loaded.use_dropout
    assert loaded.params.keys() == model.params.keys()
    for name, value in model.params.items():
        assert loaded.params[name].dtype == value.dtype
        np.testing.assert_array_equal(loaded.params[name], value)
    for original, restored in zip(model.bn_params, loaded.bn_params, strict=True):
        np.testing.assert_array_equal(restored["running_mean"], original["running_mean"])
        np.testing.assert_array_equal(restored["running_var"], original["running_var"])
    X = rng.standard_normal((5, 3, 32, 32))
    np.testing.assert_array_equal(loaded.loss(X), model.loss(X))


def test_model_io_round_trip_of_a_two_layer_net_and_errors(tmp_path, rng) -> None:
    model = TwoLayerNet(input_dim=12, hidden_dim=9, num_classes=3, reg=0.25)
    model_io.save_model(model, tmp_path / "two.npz")
    loaded = model_io.load_model(tmp_path / "two.npz")
    assert isinstance(loaded, TwoLayerNet) and loaded.reg == 0.25
    X = rng.standard_normal((4, 12))
    np.testing.assert_array_equal(loaded.loss(X), model.loss(X))

    with pytest.raises(TypeError, match="ThreeLayerConvNet"):
        model_io.save_model(ThreeLayerConvNet(num_filters=2, hidden_dim=3), tmp_path / "cnn.npz")
    np.savez(tmp_path / "other.npz", weights=np.zeros(3))
    with pytest.raises(ValueError, match="no 'config'"):
        model_io.load_model(tmp_path / "other.npz")
    with open(tmp_path / "two.npz", "rb") as f:
        arrays = dict(np.load(f))
    arrays["param.W1"] = arrays["param.W1"][:5]
    np.savez(tmp_path / "bad.npz", **arrays)
    with pytest.raises(ValueError, match="do not match"):
        model_io.load_model(tmp_path / "bad.npz")


# ---------------------------------------------------------------------------------------------------------
# vis_utils


def test_visualize_grid_layout_and_scaling(rng) -> None:
    Xs = rng.standard_normal((5, 4, 3, 3)) * np.arange(1, 6)[:, None, None, None]
    grid = vis_utils.visualize_grid(Xs, ubound=255.0, padding=2)
    assert grid.shape == (3 * 4 + 2 * 2, 3 * 3 + 2 * 2, 3)  # 3 x 3 cells for 5 images
    first = grid[:4, :3]
    assert first.min() == 0 and first.max() == pytest.approx(255.0)
    np.testing.assert_allclose(first, 255 * (Xs[0] - Xs[0].min()) / np.ptp(Xs[0]))
    np.testing.assert_allclose(grid[:4, 5:8], 255 * (Xs[1] - Xs[1].min()) / np.ptp(Xs[1]))
    assert not grid[4:6].any() and not grid[12:, 5:].any()  # padding and empty cells


def test_vis_grid_and_vis_nn_rescale_to_unit_range(rng) -> None:
    Xs = rng.standard_normal((4, 3, 2, 3))
    grid = vis_utils.vis_grid(Xs)
    assert grid.shape == (2 * 4 - 1, 2 * 3 - 1, 3) and grid.min() == 0.0 and grid.max() == 1.0
    nn = vis_utils.vis_nn([[Xs[0], Xs[1], Xs[2]], [Xs[3], Xs[0], Xs[1]]])
    assert nn.shape == (2 * 4 - 1, 3 * 3 - 1, 3) and nn.min() == 0.0 and nn.max() == 1.0
    np.testing.assert_allclose(nn[4:7, 3:5], (Xs[0] - Xs.min()) / np.ptp(Xs))


# ---------------------------------------------------------------------------------------------------------
# CIFAR-10 sanity training

# The recipe the autograder reuses: a [100, 100] batchnorm net trained by Adam reaches >= 50% validation
# accuracy on the standard split.
CIFAR_RECIPE = {
    "seed": 0,
    "model": {"hidden_dims": [100, 100], "normalization": "batchnorm"},
    "solver": {
        "update_rule": "adam",
        "optim_config": {"learning_rate": 3e-3},
        "lr_decay": 0.7,
        "num_epochs": 4,
        "batch_size": 500,
        "verbose": False,
    },
}


@pytest.mark.slow
def test_fcn_reaches_50_percent_on_cifar10(cifar10_dir) -> None:
    data = get_CIFAR10_data(cifar10_dir=cifar10_dir)
    np.random.seed(CIFAR_RECIPE["seed"])
    model = FullyConnectedNet(**CIFAR_RECIPE["model"])
    solver = Solver(model, data, **CIFAR_RECIPE["solver"])
    start = time.perf_counter()
    solver.train()
    elapsed = time.perf_counter() - start
    assert solver.best_val_acc >= 0.5, solver.val_acc_history
    test_acc = solver.check_accuracy(data["X_test"], data["y_test"])
    assert test_acc >= 0.45
    print(f"CIFAR-10 recipe: best val acc {solver.best_val_acc:.3f}, test acc {test_acc:.3f}, {elapsed:.1f} s")
