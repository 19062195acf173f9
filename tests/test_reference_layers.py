"""Checks of the reference layers, update rules and gradient tools in cs231n/ (float64)."""

from collections.abc import Callable

import numpy as np
import pytest
from numpy.lib.stride_tricks import sliding_window_view

from cs231n import gradient_check, layers, optim
from cs231n.gradient_check import eval_numerical_gradient_array, rel_error

RNG_SEED = 231


@pytest.fixture
def rng() -> np.random.Generator:
    return np.random.default_rng(RNG_SEED)


def assert_gradients(
    forward: Callable,
    args: tuple,
    backward: Callable,
    thresholds: tuple[float, ...],
    rng: np.random.Generator,
) -> None:
    """Compares backward's gradients with numerical ones, for the first len(thresholds) arguments."""
    out, cache = forward(*args)
    dout = rng.standard_normal(out.shape)
    analytic = backward(dout, cache)
    if not isinstance(analytic, tuple):
        analytic = (analytic,)
    assert len(analytic) == len(thresholds)
    for arg, grad, threshold in zip(args, analytic, thresholds, strict=True):
        assert grad.shape == arg.shape
        numerical = eval_numerical_gradient_array(lambda _: forward(*args)[0], arg, dout)
        assert rel_error(numerical, grad) < threshold


# ---------------------------------------------------------------------------------------------------------
# gradient_check.py


def test_rel_error_definition() -> None:
    assert rel_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel_error(np.array([1.0, 3.0]), np.array([1.0, 1.0])) == pytest.approx(0.5)
    assert rel_error(np.zeros(3), np.full(3, 1e-10)) == pytest.approx(1e-2)


def test_numerical_gradients_restore_input_and_match_known_derivatives(rng: np.random.Generator) -> None:
    x = rng.standard_normal((3, 4))
    before = x.copy()
    grad = gradient_check.eval_numerical_gradient(lambda z: np.sum(z**3), x, verbose=False)
    assert rel_error(grad, 3 * x**2) < 1e-8
    df = rng.standard_normal((3, 4))
    grad_array = eval_numerical_gradient_array(np.sin, x, df)
    assert rel_error(grad_array, np.cos(x) * df) < 1e-8
    errors = gradient_check.grad_check_sparse(lambda z: np.sum(z**3), x, 3 * x**2, num_checks=5)
    assert errors.shape == (5,) and errors.max() < 1e-7
    np.testing.assert_array_equal(x, before)


def test_blob_gradients(rng: np.random.Generator) -> None:
    class Blob:
        def __init__(self, vals: np.ndarray) -> None:
            self.vals = vals
            self.diffs = np.zeros_like(vals)

    a, b = Blob(rng.standard_normal(5)), Blob(rng.standard_normal(5))
    out = Blob(np.zeros(5))
    out.diffs = rng.standard_normal(5)

    def product(p: Blob, q: Blob) -> None:
        out.vals = p.vals * q.vals

    da, db = gradient_check.eval_numerical_gradient_blobs(product, [a, b], out)
    assert rel_error(da, b.vals * out.diffs) < 1e-8
    assert rel_error(db, a.vals * out.diffs) < 1e-8


# ---------------------------------------------------------------------------------------------------------
# forward passes against independent computations


def test_affine_forward_flattens_examples(rng: np.random.Generator) -> None:
    x, w, b = rng.standard_normal((4, 3, 5)), rng.standard_normal((15, 6)), rng.standard_normal(6)
    out, _ = layers.affine_forward(x, w, b)
    expected = np.einsum("nij,ijm->nm", x, w.reshape(3, 5, 6)) + b
    assert out.shape == (4, 6) and rel_error(out, expected) < 1e-12


def test_relu_forward() -> None:
    x = np.array([[-2.0, -0.0, 0.5], [3.0, -1e-3, 0.0]])
    out, _ = layers.relu_forward(x)
    np.testing.assert_array_equal(out, [[0.0, 0.0, 0.5], [3.0, 0.0, 0.0]])


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 0), (2, 1), (3, 2)])
def test_conv_forward_matches_sliding_windows(rng: np.random.Generator, stride: int, pad: int) -> None:
    x, w, b = rng.standard_normal((2, 3, 7, 6)), rng.standard_normal((4, 3, 3, 2)), rng.standard_normal(4)
    out, _ = layers.conv_forward_naive(x, w, b, {"stride": stride, "pad": pad})
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(padded, (3, 2), axis=(2, 3))[:, :, ::stride, ::stride]
    expected = np.einsum("nchwij,fcij->nfhw", windows, w) + b[:, None, None]
    assert out.shape == (2, 4, 1 + (7 + 2 * pad - 3) // stride, 1 + (6 + 2 * pad - 2) // stride)
    assert rel_error(out, expected) < 1e-12


@pytest.mark.parametrize(("ph", "pw", "stride"), [(2, 2, 2), (3, 3, 2), (2, 3, 1), (3, 2, 3)])
def test_max_pool_forward_matches_sliding_windows(
    rng: np.random.Generator, ph: int, pw: int, stride: int
) -> None:
    x = rng.standard_normal((2, 3, 9, 7))
    out, _ = layers.max_pool_forward_naive(x, {"pool_height": ph, "pool_width": pw, "stride": stride})
    expected = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::stride, ::stride].max(axis=(4, 5))
    np.testing.assert_array_equal(out, expected)


def test_notebook_linspace_setups_give_published_outputs() -> None:
    x = np.linspace(-0.1, 0.5, num=2 * 120).reshape(2, 4, 5, 6)
    w = np.linspace(-0.2, 0.3, num=120 * 3).reshape(120, 3)
    b = np.linspace(-0.3, 0.1, num=3)
    published = np.array([[1.49834967, 1.70660132, 1.91485297], [3.25553199, 3.5141327, 3.77273342]])
    assert rel_error(layers.affine_forward(x, w, b)[0], published) < 1e-8

    x = np.linspace(-0.1, 0.5, num=2 * 3 * 4 * 4).reshape(2, 3, 4, 4)
    w = np.linspace(-0.2, 0.3, num=3 * 3 * 4 * 4).reshape(3, 3, 4, 4)
    b = np.linspace(-0.1, 0.2, num=3)
    out, _ = layers.conv_forward_naive(x, w, b, {"stride": 2, "pad": 1})
    published = np.array([[-0.08759809, -0.10987781], [-0.18387192, -0.2109216]])
    assert out.shape == (2, 3, 2, 2) and rel_error(out[0, 0], published) < 1e-7


def test_losses_at_chance_level(rng: np.random.Generator) -> None:
    x, y = 0.001 * rng.standard_normal((50, 10)), rng.integers(10, size=50)
    assert layers.softmax_loss(x, y)[0] == pytest.approx(np.log(10), abs=5e-3)
    assert layers.svm_loss(x, y)[0] == pytest.approx(9.0, abs=5e-2)


def test_softmax_loss_is_stable_for_large_scores() -> None:
    loss, dx = layers.softmax_loss(np.array([[1000.0, 0.0], [0.0, 1000.0]]), np.array([0, 0]))
    assert loss == pytest.approx(500.0) and np.all(np.isfinite(dx))


# ---------------------------------------------------------------------------------------------------------
# numerical gradient checks of every backward pass


def test_affine_relu_and_losses_gradients(rng: np.random.Generator) -> None:
    x, w, b = rng.standard_normal((4, 3, 5)), rng.standard_normal((15, 6)), rng.standard_normal(6)
    assert_gradients(layers.affine_forward, (x, w, b), layers.affine_backward, (1e-8, 1e-8, 1e-8), rng)
    assert_gradients(layers.relu_forward, (rng.standard_normal((6, 7)),), layers.relu_backward, (1e-8,), rng)
    scores, y = rng.standard_normal((11, 7)), rng.integers(7, size=11)
    for loss in (layers.softmax_loss, layers.svm_loss):
        numerical = gradient_check.eval_numerical_gradient(
            lambda s, f=loss: f(s, y)[0], scores, verbose=False
        )
        assert rel_error(numerical, loss(scores, y)[1]) < 1e-7


@pytest.mark.parametrize(("stride", "pad"), [(1, 0), (1, 1), (2, 0), (2, 1)])
def test_conv_backward_gradients(rng: np.random.Generator, stride: int, pad: int) -> None:
    x, w, b = rng.standard_normal((3, 2, 7, 5)), rng.standard_normal((4, 2, 3, 2)), rng.standard_normal(4)
    conv_param = {"stride": stride, "pad": pad}
    assert_gradients(
        lambda *a: layers.conv_forward_naive(*a, conv_param),
        (x, w, b),
        layers.conv_backward_naive,
        (1e-7, 1e-7, 1e-7),
        rng,
    )


@pytest.mark.parametrize(("ph", "pw", "stride"), [(2, 2, 2), (3, 3, 2), (2, 3, 1)])
def test_max_pool_backward_gradients(rng: np.random.Generator, ph: int, pw: int, stride: int) -> None:
    # distinct values 0.1 apart: no two candidates of a window are within the finite-difference step
    x = rng.permutation(3 * 2 * 7 * 8).reshape(3, 2, 7, 8) / 10.0
    pool_param = {"pool_height": ph, "pool_width": pw, "stride": stride}
    assert_gradients(
        lambda a: layers.max_pool_forward_naive(a, pool_param),
        (x,),
        layers.max_pool_backward_naive,
        (1e-8,),
        rng,
    )


def test_max_pool_backward_accumulates_and_picks_one_element() -> None:
    x = np.zeros((1, 1, 3, 3))
    x[0, 0, 1, 1] = 1.0  # the maximum of all four overlapping 2x2 windows
    dout = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 1}
    dx = layers.max_pool_backward_naive(dout, layers.max_pool_forward_naive(x, pool_param)[1])
    expected = np.zeros((1, 1, 3, 3))
    expected[0, 0, 1, 1] = 10.0
    np.testing.assert_array_equal(dx, expected)

    ties = np.ones((1, 1, 2, 2))
    pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
    dx = layers.max_pool_backward_naive(
        np.ones((1, 1, 1, 1)), layers.max_pool_forward_naive(ties, pool_param)[1]
    )
    assert np.count_nonzero(dx) == 1 and dx.sum() == 1.0


@pytest.mark.parametrize("backward", [layers.batchnorm_backward, layers.batchnorm_backward_alt])
def test_batchnorm_backward_gradients(rng: np.random.Generator, backward: Callable) -> None:
    x = 5 * rng.standard_normal((7, 5)) + 12
    gamma, beta = rng.standard_normal(5), rng.standard_normal(5)
    assert_gradients(
        lambda *a: layers.batchnorm_forward(*a, {"mode": "train"}),
        (x, gamma, beta),
        backward,
        (1e-7, 1e-9, 1e-9),
        rng,
    )


def test_batchnorm_backward_alt_equals_graph_version(rng: np.random.Generator) -> None:
    x = 5 * rng.standard_normal((9, 6)) + 12
    _, cache = layers.batchnorm_forward(x, rng.standard_normal(6), rng.standard_normal(6), {"mode": "train"})
    dout = rng.standard_normal((9, 6))
    for graph, alt in zip(
        layers.batchnorm_backward(dout, cache), layers.batchnorm_backward_alt(dout, cache), strict=True
    ):
        assert rel_error(graph, alt) < 1e-11


def test_layernorm_backward_gradients(rng: np.random.Generator) -> None:
    x = 5 * rng.standard_normal((4, 7)) + 12
    gamma, beta = rng.standard_normal(7), rng.standard_normal(7)
    assert_gradients(
        lambda *a: layers.layernorm_forward(*a, {"mode": "train"}),
        (x, gamma, beta),
        layers.layernorm_backward,
        (1e-7, 1e-9, 1e-9),
        rng,
    )


def test_spatial_batchnorm_backward_gradients(rng: np.random.Generator) -> None:
    x = 4 * rng.standard_normal((3, 4, 5, 6)) + 10
    gamma, beta = rng.standard_normal(4), rng.standard_normal(4)
    assert_gradients(
        lambda *a: layers.spatial_batchnorm_forward(*a, {"mode": "train"}),
        (x, gamma, beta),
        layers.spatial_batchnorm_backward,
        (1e-6, 1e-8, 1e-8),
        rng,
    )


def test_spatial_groupnorm_backward_gradients(rng: np.random.Generator) -> None:
    x = 4 * rng.standard_normal((3, 6, 5, 4)) + 10
    gamma, beta = rng.standard_normal((1, 6, 1, 1)), rng.standard_normal((1, 6, 1, 1))
    assert_gradients(
        lambda *a: layers.spatial_groupnorm_forward(*a, 3, {"mode": "train"}),
        (x, gamma, beta),
        layers.spatial_groupnorm_backward,
        (1e-6, 1e-8, 1e-8),
        rng,
    )


def test_dropout_backward_gradient_and_mask(rng: np.random.Generator) -> None:
    x = rng.standard_normal((30, 40)) + 10
    dropout_param = {"mode": "train", "p": 0.6, "seed": 123}
    assert_gradients(
        lambda a: layers.dropout_forward(a, dropout_param), (x,), layers.dropout_backward, (1e-8,), rng
    )
    out, cache = layers.dropout_forward(x, dropout_param)
    dout = rng.standard_normal(x.shape)
    dx = layers.dropout_backward(dout, cache)
    np.testing.assert_array_equal(dx == 0, out == 0)
    np.testing.assert_allclose(dx[out != 0], dout[out != 0] / 0.6)


# ---------------------------------------------------------------------------------------------------------
# normalization statistics and state


def test_batchnorm_train_statistics_and_running_update(rng: np.random.Generator) -> None:
    x = 3 * rng.standard_normal((200, 4)) + np.array([1.0, -2.0, 5.0, 0.0])
    gamma, beta = np.array([1.0, 2.0, 0.5, 3.0]), np.array([0.0, -1.0, 4.0, 2.0])
    bn_param = {"mode": "train"}
    out, _ = layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out.mean(axis=0), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=0), gamma, rtol=1e-5)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 0.1 * x.var(axis=0), rtol=1e-12)

    bn_param.update(momentum=0.5, running_mean=np.ones(4), running_var=np.full(4, 2.0))
    layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(bn_param["running_mean"], 0.5 + 0.5 * x.mean(axis=0), rtol=1e-12)
    np.testing.assert_allclose(bn_param["running_var"], 1.0 + 0.5 * x.var(axis=0), rtol=1e-12)


def test_batchnorm_test_mode_uses_running_statistics(rng: np.random.Generator) -> None:
    x = rng.standard_normal((5, 3))
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.5, 0.0, -0.5])
    mean, var = np.array([0.2, -0.1, 0.3]), np.array([1.5, 0.5, 2.0])
    bn_param = {"mode": "test", "eps": 1e-3, "running_mean": mean.copy(), "running_var": var.copy()}
    out, _ = layers.batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out, gamma * (x - mean) / np.sqrt(var + 1e-3) + beta, rtol=1e-12)
    np.testing.assert_array_equal(bn_param["running_mean"], mean)
    np.testing.assert_array_equal(bn_param["running_var"], var)


def test_batchnorm_rejects_unknown_mode_and_keeps_dtype(rng: np.random.Generator) -> None:
    x = rng.standard_normal((4, 3))
    with pytest.raises(ValueError, match="batchnorm_forward"):
        layers.batchnorm_forward(x, np.ones(3), np.zeros(3), {"mode": "eval"})
    bn_param = {"mode": "train"}
    x32 = x.astype(np.float32)
    layers.batchnorm_forward(x32, np.ones(3, np.float32), np.zeros(3, np.float32), bn_param)
    assert bn_param["running_mean"].dtype == np.float32 and bn_param["running_var"].dtype == np.float32


def test_layernorm_normalizes_each_example_and_ignores_mode(rng: np.random.Generator) -> None:
    x = 4 * rng.standard_normal((6, 50)) + rng.standard_normal((6, 1)) * 10
    gamma, beta = np.ones(50), np.zeros(50)
    out, _ = layers.layernorm_forward(x, gamma, beta, {"mode": "train"})
    np.testing.assert_allclose(out.mean(axis=1), 0, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=1), 1, rtol=1e-5)
    np.testing.assert_array_equal(layers.layernorm_forward(x, gamma, beta, {"mode": "test"})[0], out)
    eps_out, _ = layers.layernorm_forward(x, gamma, beta, {"eps": 10.0})
    np.testing.assert_allclose(eps_out.std(axis=1), x.std(axis=1) / np.sqrt(x.var(axis=1) + 10.0))


def test_spatial_batchnorm_uses_per_channel_statistics(rng: np.random.Generator) -> None:
    offsets = np.array([-3.0, 0.0, 7.0])[None, :, None, None]
    x = 2 * rng.standard_normal((10, 3, 4, 5)) + offsets + rng.standard_normal((1, 1, 4, 5))
    gamma, beta = np.array([1.0, 2.0, 3.0]), np.array([0.0, 1.0, -1.0])
    bn_param = {"mode": "train"}
    out, _ = layers.spatial_batchnorm_forward(x, gamma, beta, bn_param)
    np.testing.assert_allclose(out.mean(axis=(0, 2, 3)), beta, atol=1e-12)
    np.testing.assert_allclose(out.std(axis=(0, 2, 3)), gamma, rtol=1e-5)
    np.testing.assert_allclose(bn_param["running_mean"], 0.1 * x.mean(axis=(0, 2, 3)), rtol=1e-12)
    assert bn_param["running_var"].shape == (3,)


def test_spatial_groupnorm_statistics_and_shapes(rng: np.random.Generator) -> None:
    N, C, H, W, G = 2, 6, 4, 3, 2
    channel_offsets = np.arange(C, dtype=float)[None, :, None, None]  # differ inside a group
    x = rng.standard_normal((N, C, H, W)) + channel_offsets
    gamma, beta = np.ones((1, C, 1, 1)), np.zeros((1, C, 1, 1))
    out, cache = layers.spatial_groupnorm_forward(x, gamma, beta, G, {"mode": "train"})
    grouped = out.reshape(N, G, -1)
    np.testing.assert_allclose(grouped.mean(axis=2), 0, atol=1e-12)
    np.testing.assert_allclose(grouped.std(axis=2), 1, rtol=1e-5)
    assert np.abs(out.mean(axis=(2, 3))).max() > 0.5  # not normalized per channel
    dx, dgamma, dbeta = layers.spatial_groupnorm_backward(rng.standard_normal(out.shape), cache)
    assert dx.shape == x.shape and dgamma.shape == (1, C, 1, 1) and dbeta.shape == (1, C, 1, 1)

    scaled, _ = layers.spatial_groupnorm_forward(x, 2 * gamma + 0.5, beta + 1, G, {})
    np.testing.assert_allclose(scaled, 2.5 * out + 1, rtol=1e-12)


# ---------------------------------------------------------------------------------------------------------
# dropout


@pytest.mark.parametrize("p", [0.25, 0.4, 0.7])
def test_dropout_keeps_p_and_preserves_mean(p: float) -> None:
    x = np.random.default_rng(0).standard_normal((500, 500)) + 10
    out, (_, mask) = layers.dropout_forward(x, {"mode": "train", "p": p, "seed": 0})
    assert np.mean(out != 0) == pytest.approx(p, abs=0.01)
    assert out.mean() == pytest.approx(x.mean(), rel=0.01)
    np.testing.assert_array_equal(out, x * mask)
    test_out, (_, test_mask) = layers.dropout_forward(x, {"mode": "test", "p": p})
    np.testing.assert_array_equal(test_out, x)
    assert test_mask is None


def test_dropout_seed_dtype_and_test_backward() -> None:
    x = np.ones((20, 30), dtype=np.float32)
    param = {"mode": "train", "p": 0.5, "seed": 42}
    first, _ = layers.dropout_forward(x, param)
    second, _ = layers.dropout_forward(x, param)
    np.testing.assert_array_equal(first, second)
    assert first.dtype == np.float32
    np.random.seed(42)
    np.testing.assert_array_equal(first, (np.random.rand(20, 30) < 0.5) / 0.5)
    dout = np.arange(6.0).reshape(2, 3)
    _, cache = layers.dropout_forward(dout, {"mode": "test", "p": 0.5})
    np.testing.assert_array_equal(layers.dropout_backward(dout, cache), dout)


# ---------------------------------------------------------------------------------------------------------
# no function modifies its inputs


def _forward_backward_cases(rng: np.random.Generator) -> list[tuple[Callable, tuple, Callable]]:
    bn = {"mode": "train"}
    return [
        (
            layers.affine_forward,
            (rng.standard_normal((3, 2, 2)), rng.standard_normal((4, 5)), np.ones(5)),
            layers.affine_backward,
        ),
        (layers.relu_forward, (rng.standard_normal((3, 4)),), layers.relu_backward),
        (
            lambda *a: layers.batchnorm_forward(*a, dict(bn)),
            (rng.standard_normal((5, 3)), np.ones(3), np.zeros(3)),
            layers.batchnorm_backward,
        ),
        (
            lambda *a: layers.batchnorm_forward(*a, dict(bn)),
            (rng.standard_normal((5, 3)), np.ones(3), np.zeros(3)),
            layers.batchnorm_backward_alt,
        ),
        (
            lambda *a: layers.layernorm_forward(*a, {}),
            (rng.standard_normal((5, 3)), np.ones(3), np.zeros(3)),
            layers.layernorm_backward,
        ),
        (
            lambda a: layers.dropout_forward(a, {"mode": "train", "p": 0.5, "seed": 1}),
            (rng.standard_normal((4, 4)),),
            layers.dropout_backward,
        ),
        (
            lambda *a: layers.conv_forward_naive(*a, {"stride": 1, "pad": 1}),
            (rng.standard_normal((2, 2, 5, 4)), rng.standard_normal((3, 2, 3, 3)), rng.standard_normal(3)),
            layers.conv_backward_naive,
        ),
        (
            lambda a: layers.max_pool_forward_naive(a, {"pool_height": 2, "pool_width": 2, "stride": 1}),
            (rng.standard_normal((2, 2, 5, 4)),),
            layers.max_pool_backward_naive,
        ),
        (
            lambda *a: layers.spatial_batchnorm_forward(*a, dict(bn)),
            (rng.standard_normal((2, 3, 4, 5)), np.ones(3), np.zeros(3)),
            layers.spatial_batchnorm_backward,
        ),
        (
            lambda *a: layers.spatial_groupnorm_forward(*a, 2, {}),
            (rng.standard_normal((2, 4, 3, 5)), np.ones((1, 4, 1, 1)), np.zeros((1, 4, 1, 1))),
            layers.spatial_groupnorm_backward,
        ),
    ]


def test_layers_leave_inputs_unmodified(rng: np.random.Generator) -> None:
    for forward, args, backward in _forward_backward_cases(rng):
        originals = [a.copy() for a in args]
        out, cache = forward(*args)
        dout = rng.standard_normal(out.shape)
        dout_before = dout.copy()
        backward(dout, cache)
        for arg, original in zip(args, originals, strict=True):
            np.testing.assert_array_equal(arg, original)
        np.testing.assert_array_equal(dout, dout_before)


# ---------------------------------------------------------------------------------------------------------
# optim.py, on the notebooks' linspace setup


def _linspace_setup() -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    n = 4 * 5
    w = np.linspace(-0.4, 0.6, num=n).reshape(4, 5)
    dw = np.linspace(-0.6, 0.4, num=n).reshape(4, 5)
    first = np.linspace(0.6, 0.9, num=n).reshape(4, 5)
    second = np.linspace(0.7, 0.5, num=n).reshape(4, 5)
    return w, dw, first, second


def test_sgd_and_sgd_momentum() -> None:
    w, dw, v, _ = _linspace_setup()
    next_w, config = optim.sgd(w, dw)
    np.testing.assert_allclose(next_w, w - 1e-2 * dw, rtol=1e-14)
    assert config == {"learning_rate": 1e-2}

    next_w, config = optim.sgd_momentum(w, dw, {"learning_rate": 1e-3, "velocity": v})
    expected_v = 0.9 * v - 1e-3 * dw
    np.testing.assert_allclose(config["velocity"], expected_v, rtol=1e-14)
    np.testing.assert_allclose(next_w, w + expected_v, rtol=1e-14)
    # by hand: v = 0.9 * 0.6 + 1e-3 * 0.6 = 0.5406 and v = 0.9 * 0.9 - 1e-3 * 0.4 = 0.8096
    assert next_w[0, 0] == pytest.approx(0.1406) and next_w[-1, -1] == pytest.approx(1.4096)

    _, defaults = optim.sgd_momentum(w, dw)
    assert defaults["learning_rate"] == 1e-2 and defaults["momentum"] == 0.9
    np.testing.assert_allclose(defaults["velocity"], -1e-2 * dw)


def test_rmsprop() -> None:
    w, dw, cache, _ = _linspace_setup()
    next_w, config = optim.rmsprop(w, dw, {"learning_rate": 1e-2, "cache": cache})
    expected_cache = 0.99 * cache + 0.01 * dw**2
    np.testing.assert_allclose(config["cache"], expected_cache, rtol=1e-14)
    np.testing.assert_allclose(next_w, w - 1e-2 * dw / (np.sqrt(expected_cache) + 1e-8), rtol=1e-14)
    # by hand: cache = 0.99 * 0.6 + 0.01 * 0.36 = 0.5976, step = 0.006 / sqrt(0.5976)
    assert next_w[0, 0] == pytest.approx(-0.39223849, abs=1e-8)
    _, defaults = optim.rmsprop(w, dw)
    assert (defaults["learning_rate"], defaults["decay_rate"], defaults["epsilon"]) == (1e-2, 0.99, 1e-8)


def test_adam_reproduces_published_values() -> None:
    w, dw, m, v = _linspace_setup()
    inputs = [a.copy() for a in (w, dw, m, v)]
    next_w, config = optim.adam(w, dw, {"learning_rate": 1e-2, "m": m, "v": v, "t": 5})
    assert rel_error(next_w[0, 0], -0.40094747) < 1e-7
    assert rel_error(next_w[-1, -1], 0.59801459) < 1e-7
    assert config["t"] == 6
    np.testing.assert_allclose(config["m"], 0.9 * m + 0.1 * dw, rtol=1e-14)
    np.testing.assert_allclose(config["v"], 0.999 * v + 0.001 * dw**2, rtol=1e-14)
    for array, original in zip((w, dw, m, v), inputs, strict=True):
        np.testing.assert_array_equal(array, original)


def test_adam_defaults_and_first_step() -> None:
    w, dw, _, _ = _linspace_setup()
    next_w, config = optim.adam(w, dw)
    expected = {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "t": 1}
    assert {k: config[k] for k in expected} == expected
    # with bias correction the first step moves every weight by about learning_rate * sign(dw)
    np.testing.assert_allclose(next_w, w - 1e-3 * np.sign(dw), rtol=1e-6, atol=1e-10)
