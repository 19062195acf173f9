"""Correct normalization code written another way: where eps goes. Judge-side, plain numpy.

Real submissions normalize with `(x - mean) / (np.sqrt(var) + eps)` instead of `/ np.sqrt(var + eps)`, leave eps
out of the test-mode normalization (`/ np.sqrt(running_var)`) or put it outside there too, and keep `var + eps` in
`running_var`. The notebooks accept all of them; against the reference they differ by 1e-6 to 3e-4 relative (by
far more where a variance is close to eps), so the tight tolerances of the tests fail them. Loosening those
tolerances would also pass real bugs; instead, when a quantity misses the reference, the tests compute it again
under each variant (`Variant`) and accept an exact match at the same tolerance, with a note naming the difference.
The backward pass of the eps-outside forward comes in three correct-looking forms, all recognized: the exact
derivative (d std / d var = 1 / (2 sqrt(var))), the closed form (or staged graph) that takes d std / d var =
1 / (2 std) with std = sqrt(var) + eps, and the staged graph that takes it as 1 / (2 sqrt(var + eps)), as derived for
the reference's forward (both differ from the exact one by about eps / std).

The layers are written generically (`normalize` over the statistics' axes) and composed into the four
normalization layers and into `VariantNet`, a fully connected network of the reference's architecture, for the
network tests. With `Variant()` every function here equals the reference to rounding (tests/test_verdicts.py).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from autograder.reference import layers as ref

TEST_MODES = ("inside", "outside", "none")


@dataclass(frozen=True)
class Variant:
    """One way of placing eps. The default is the reference's."""

    eps_outside: bool = False  # normalize with (x - mean) / (sqrt(var) + eps)
    dstd: str = "exact"  # the backward's d std / d var, with eps outside: "exact", "std" or "sqrt(var + eps)"
    running_var_eps: bool = False  # batchnorm: running_var averages var + eps
    test: str = "inside"  # batchnorm test mode: sqrt(running_var + eps), sqrt(running_var) + eps, sqrt(running_var)

    def notes(self, layer: str) -> list[str]:
        """What differs from the reference, in words, for the feedback; LAYER names the normalization ('batch
        normalization', 'layer normalization', 'group normalization')."""
        said = []
        if self.eps_outside:
            said.append(f"your {layer} computes (x - mean) / (sqrt(var) + eps) instead of (x - mean) / sqrt(var + eps)")
        if self.dstd != "exact":
            taken = "1 / (2 std) with std = sqrt(var) + eps" if self.dstd == "std" else "1 / (2 sqrt(var + eps))"
            said.append(f"the backward pass of your {layer} takes d std / d var = {taken} (the exact derivative of "
                        "that forward pass, 1 / (2 sqrt(var)), differs by about eps / std)")
        if self.running_var_eps:
            said.append(f"your {layer} keeps var + eps in running_var instead of var")
        if self.test == "outside":
            said.append(f"your {layer} divides by sqrt(running_var) + eps in test mode instead of by "
                        "sqrt(running_var + eps)")
        if self.test == "none":
            said.append(f"your {layer} divides by sqrt(running_var) in test mode, without eps")
        return [s + ": a correct variant that differs from the reference by about eps, not penalized" for s in said]


REFERENCE = Variant()


DSTD = ("exact", "std", "sqrt(var + eps)")


def variants(*, train: bool = True, backward: bool = False, running: bool = False, test: bool = False) -> \
        Iterator[Variant]:
    """Every variant that changes the quantities named (train-mode output, its backward, running averages, test
    mode), the reference excluded."""
    for outside, dstd, plus, mode in itertools.product(
            (False, True) if train else (False,), DSTD if backward else ("exact",),
            (False, True) if running else (False,), TEST_MODES if test else ("inside",)):
        v = Variant(outside, dstd, plus, mode)
        if v != REFERENCE and (outside or dstd == "exact"):
            yield v


# -- the normalization, over any axes ---------------------------------------------------------------------------
@dataclass
class _Cache:
    centered: np.ndarray
    std: np.ndarray  # sqrt(var + eps), or sqrt(var) with eps outside
    denom: np.ndarray  # what x - mean is divided by
    sqrt_var_eps: np.ndarray
    axes: tuple[int, ...]
    count: int


def normalize(x: np.ndarray, axes: tuple[int, ...], eps: float, v: Variant) -> tuple[np.ndarray, _Cache,
                                                                                        np.ndarray, np.ndarray]:
    """(xhat, cache, mean, var): X normalized with the mean and biased variance over AXES (kept as length 1)."""
    mean = x.mean(axis=axes, keepdims=True)
    centered = x - mean
    var = (centered**2).mean(axis=axes, keepdims=True)
    std = np.sqrt(var) if v.eps_outside else np.sqrt(var + eps)
    denom = std + eps if v.eps_outside else std
    count = int(np.prod([x.shape[a] for a in axes]))
    return centered / denom, _Cache(centered, std, denom, np.sqrt(var + eps), axes, count), mean, var


def normalize_backward(dxhat: np.ndarray, cache: _Cache, v: Variant) -> np.ndarray:
    """The gradient with respect to x of `normalize`, given the gradient DXHAT of its output."""
    c = cache
    dcentered = dxhat / c.denom
    ddenom = -(dxhat * c.centered).sum(axis=c.axes, keepdims=True) / c.denom**2
    dvar = ddenom / (2 * {"exact": c.std, "std": c.denom, "sqrt(var + eps)": c.sqrt_var_eps}[v.dstd])
    dcentered = dcentered + 2 * c.centered * dvar / c.count
    return dcentered - dcentered.mean(axis=c.axes, keepdims=True)


# -- the four layers ---------------------------------------------------------------------------------------------
def _channels(a: np.ndarray, ndim: int) -> np.ndarray:
    """A per-channel array of shape (C,) or (1, C, 1, 1) as (1, C, 1, 1) when the data has 4 dimensions."""
    return a.reshape(1, -1, 1, 1) if ndim == 4 else a


def batchnorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, bn_param: dict, v: Variant) -> \
        tuple[np.ndarray, tuple]:
    """Batch normalization of x, (N, D) or (N, C, H, W) (statistics per channel), under V; writes the running
    averages back into BN_PARAM as the reference does. Returns (out, cache for batchnorm_backward)."""
    eps, momentum = bn_param.get("eps", 1e-5), bn_param.get("momentum", 0.9)
    axes = (0,) if x.ndim == 2 else (0, 2, 3)
    channels = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(channels, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(channels, dtype=x.dtype))
    g, b = _channels(gamma, x.ndim), _channels(beta, x.ndim)
    if bn_param["mode"] == "train":
        xhat, cache, mean, var = normalize(x, axes, eps, v)
        out = g * xhat + b
        mean, var = mean.reshape(channels), var.reshape(channels)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * (var + eps if v.running_var_eps else var)
        result = out, (xhat, cache, g, np.shape(gamma))
    else:
        rm, rv = _channels(running_mean, x.ndim), _channels(running_var, x.ndim)
        denom = {"inside": np.sqrt(rv + eps), "outside": np.sqrt(rv) + eps, "none": np.sqrt(rv)}[v.test]
        result = g * (x - rm) / denom + b, None
    bn_param["running_mean"], bn_param["running_var"] = running_mean, running_var
    return result


def layernorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, ln_param: dict, v: Variant) -> \
        tuple[np.ndarray, tuple]:
    """Layer normalization of x (N, D) under V. Returns (out, cache)."""
    xhat, cache, _, _ = normalize(x, (1,), ln_param.get("eps", 1e-5), v)
    return gamma * xhat + beta, (xhat, cache, gamma, np.shape(gamma))


def groupnorm(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, G: int, gn_param: dict, v: Variant) -> \
        tuple[np.ndarray, tuple]:
    """Spatial group normalization of x (N, C, H, W) in G groups under V. Returns (out, cache)."""
    N = x.shape[0]
    xhat, cache, _, _ = normalize(x.reshape(N, G, -1), (2,), gn_param.get("eps", 1e-5), v)
    xhat = xhat.reshape(x.shape)
    return gamma * xhat + beta, (xhat, cache, gamma, np.shape(gamma))


def backward(dout: np.ndarray, cache: tuple, v: Variant) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dx, dgamma, dbeta) of any of the layers above; dgamma and dbeta have gamma's shape."""
    xhat, norm_cache, g, gamma_shape = cache
    sums = (0,) if dout.ndim == 2 else (0, 2, 3)
    dgamma = (dout * xhat).sum(axis=sums).reshape(gamma_shape)
    dbeta = dout.sum(axis=sums).reshape(gamma_shape)
    dxhat = (dout * g).reshape(norm_cache.centered.shape)
    return normalize_backward(dxhat, norm_cache, v).reshape(dout.shape), dgamma, dbeta


# -- reference-shaped entry points for the layer tests -----------------------------------------------------------
LAYER_WORDS = {"batchnorm": "batch normalization", "spatial_batchnorm": "batch normalization",
               "layernorm": "layer normalization", "spatial_groupnorm": "group normalization"}


def alternatives(layer: str, **which: bool) -> list[tuple[list[str], object, object]]:
    """(notes, forward, backward) of every variant of LAYER ('batchnorm', 'spatial_groupnorm', ...) that changes
    WHICH (see `variants`), for gradients.backward_test and the forward tests."""
    return [(v.notes(LAYER_WORDS[layer]), forward_fn(layer, v), backward_fn(v)) for v in variants(**which)]


def forward_fn(layer: str, v: Variant):
    """A function with the signature of the reference's LAYER_forward computing it under V."""
    if layer in ("batchnorm", "spatial_batchnorm"):
        return lambda x, gamma, beta, bn_param: batchnorm(x, gamma, beta, bn_param, v)
    if layer == "layernorm":
        return lambda x, gamma, beta, ln_param: layernorm(x, gamma, beta, ln_param, v)
    if layer == "spatial_groupnorm":
        return lambda x, gamma, beta, G, gn_param: groupnorm(x, gamma, beta, G, gn_param, v)
    raise ValueError(layer)


def backward_fn(v: Variant):
    return lambda dout, cache: backward(dout, cache, v)


# -- a fully connected network of the reference's architecture ---------------------------------------------------
class VariantNet:
    """FullyConnectedNet's scores, loss and gradients ({affine - [norm] - relu} x (L - 1) - affine - softmax, L2
    with the factor 0.5 on every W) with the normalization computed under a Variant. No dropout."""

    def __init__(self, params: dict[str, np.ndarray], normalization: str | None, v: Variant, reg: float = 0.0):
        self.params = {k: np.array(p, dtype=np.float64) for k, p in params.items()}
        self.normalization, self.v, self.reg = normalization, v, reg
        self.num_layers = sum(1 for k in params if k.startswith("W"))
        self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

    def loss(self, X: np.ndarray, y: np.ndarray | None = None):
        L, p, mode = self.num_layers, self.params, "test" if y is None else "train"
        out, caches = X.astype(np.float64), []
        for i in range(1, L):
            a, fc_cache = ref.affine_forward(out, p[f"W{i}"], p[f"b{i}"])
            norm_cache = None
            if self.normalization == "batchnorm":
                self.bn_params[i - 1]["mode"] = mode
                a, norm_cache = batchnorm(a, p[f"gamma{i}"], p[f"beta{i}"], self.bn_params[i - 1], self.v)
            elif self.normalization == "layernorm":
                a, norm_cache = layernorm(a, p[f"gamma{i}"], p[f"beta{i}"], {}, self.v)
            out, relu_cache = ref.relu_forward(a)
            caches.append((fc_cache, norm_cache, relu_cache))
        scores, scores_cache = ref.affine_forward(out, p[f"W{L}"], p[f"b{L}"])
        if y is None:
            return scores
        loss, dscores = ref.softmax_loss(scores, y)
        grads = {}
        dout, grads[f"W{L}"], grads[f"b{L}"] = ref.affine_backward(dscores, scores_cache)
        for i in range(L - 1, 0, -1):
            fc_cache, norm_cache, relu_cache = caches[i - 1]
            dout = ref.relu_backward(dout, relu_cache)
            if norm_cache is not None:
                dout, grads[f"gamma{i}"], grads[f"beta{i}"] = backward(dout, norm_cache, self.v)
            dout, grads[f"W{i}"], grads[f"b{i}"] = ref.affine_backward(dout, fc_cache)
        for i in range(1, L + 1):
            W = p[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] = grads[f"W{i}"] + self.reg * W
        return loss, grads
