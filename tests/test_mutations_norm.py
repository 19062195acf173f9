"""Mutation tests of the hidden normalization and dropout tests: every realistic bug costs points in the test of the
function it is in, and nowhere else but the declared collateral.

The reference layer norm runs on the reference batchnorm_forward (on x.T) and batchnorm_backward_alt, spatial batch
norm on batchnorm_forward / batchnorm_backward_alt and group norm on layer norm, so bugs there may also cost those
tests: that collateral is declared (the spatial tests are graded elsewhere and are not run here)."""

from __future__ import annotations

from pathlib import Path

import pytest

import autograder.hidden  # noqa: F401 - registers the tests
from tests.mutants import Mutant, check

TESTS = [
    "layers.batchnorm_forward",
    "layers.batchnorm_backward",
    "layers.batchnorm_backward_alt",
    "layers.layernorm_forward",
    "layers.layernorm_backward",
    "layers.dropout_forward",
    "layers.dropout_backward",
]
SPATIAL_BN = frozenset({"layers.spatial_batchnorm_forward", "layers.spatial_batchnorm_backward"})
GROUPNORM = frozenset({"layers.spatial_groupnorm_forward", "layers.spatial_groupnorm_backward"})


def _mutant(name: str, old: str, new: str, loser: str, collateral: frozenset[str] = frozenset()) -> Mutant:
    return Mutant(name, "layers.py", old, new, frozenset({f"layers.{loser}"}), collateral)


MUTANTS = [
    # batchnorm_forward
    _mutant("running var from the unbiased variance",
            "running_var = momentum * running_var + (1 - momentum) * var",
            "running_var = momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1)",
            "batchnorm_forward", SPATIAL_BN),
    _mutant("running mean without momentum",
            "running_mean = momentum * running_mean + (1 - momentum) * mean", "running_mean = mean",
            "batchnorm_forward", SPATIAL_BN),
    _mutant("test mode normalizes with the batch statistics",
            "out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta",
            "out = gamma * (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps) + beta",
            "batchnorm_forward", SPATIAL_BN),
    _mutant("x centered in place", "        centered = x - mean\n", "        x -= mean\n        centered = x\n",
            "batchnorm_forward", frozenset({"layers.layernorm_forward"}) | SPATIAL_BN | GROUPNORM),
    # batchnorm_backward
    _mutant("dx without the term through the mean", "    dx = dcentered + dmean / n\n", "    dx = dcentered\n",
            "batchnorm_backward"),
    _mutant("dgamma summed over every axis",
            "dgamma = (dout * xhat).sum(axis=0)\n    dxhat = dout * gamma\n    dcentered",
            "dgamma = np.sum(dout * xhat)\n    dxhat = dout * gamma\n    dcentered",
            "batchnorm_backward"),
    # batchnorm_backward_alt (layer norm's backward is built on it)
    _mutant("alt dx without the variance term",
            "dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) / std",
            "dx = (dxhat - dxhat.mean(axis=0)) / std",
            "batchnorm_backward_alt", frozenset({"layers.layernorm_backward"}) | SPATIAL_BN | GROUPNORM),
    # layernorm_forward
    _mutant("layer norm normalizes over the batch axis", "    xhat = xhat_t.T\n",
            "    xhat = (x - x.mean(axis=0)) / np.sqrt(x.var(axis=0) + eps)\n",
            "layernorm_forward", frozenset({"layers.layernorm_backward"}) | GROUPNORM),
    _mutant("layer norm ignores gamma", "    out = gamma * xhat + beta\n    cache = (bn_cache, xhat, gamma)",
            "    out = xhat + beta\n    cache = (bn_cache, xhat, gamma)", "layernorm_forward"),
    _mutant("layer norm obeys ln_param['mode']", '{"mode": "train", "eps": eps}', '{**ln_param, "eps": eps}',
            "layernorm_forward", GROUPNORM),
    # layernorm_backward
    _mutant("layer norm dx without gamma", "dx = batchnorm_backward_alt((dout * gamma).T, bn_cache)[0].T",
            "dx = batchnorm_backward_alt(dout.T, bn_cache)[0].T", "layernorm_backward"),
    # dropout_forward
    _mutant("dropout not inverted", "mask = (np.random.rand(*x.shape) < p) / p", "mask = np.random.rand(*x.shape) < p",
            "dropout_forward"),
    _mutant("dropout mask shared across the batch", "mask = (np.random.rand(*x.shape) < p) / p",
            "mask = (np.random.rand(*x.shape[1:]) < p) / p", "dropout_forward"),
    _mutant("dropout p taken as the drop probability", "mask = (np.random.rand(*x.shape) < p) / p",
            "mask = (np.random.rand(*x.shape) >= p) / (1 - p)", "dropout_forward"),
    _mutant("dropout mask from an unseeded generator", "mask = (np.random.rand(*x.shape) < p) / p",
            "mask = (np.random.default_rng().random(x.shape) < p) / p", "dropout_forward"),
    _mutant("dropout applies a mask in test mode", "        out = x\n",
            "        out = x * (np.random.rand(*x.shape) < p) / p\n", "dropout_forward"),
    # dropout_backward
    _mutant("dropout backward ignores the mask", "dx = dout * mask", "dx = dout", "dropout_backward"),
]


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutant_costs_points_in_its_own_tests(mutant: Mutant, tmp_path: Path) -> None:
    check(mutant, tmp_path, TESTS)
