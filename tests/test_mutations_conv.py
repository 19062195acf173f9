"""Mutation tests of the convolution, max-pooling and spatial normalization hidden tests: each realistic bug of the
reference costs points in exactly its own tests, and where a bug lives in one setting only, the feedback names it."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import pytest

import autograder.hidden  # noqa: F401 - registers the tests
from autograder import rubric
from tests.helpers import ROOT, graded_tests
from tests.mutants import Mutant, check, make

CONV_FWD, CONV_BWD = "layers.conv_forward_naive", "layers.conv_backward_naive"
POOL_FWD, POOL_BWD = "layers.max_pool_forward_naive", "layers.max_pool_backward_naive"
SBN_FWD, SBN_BWD = "layers.spatial_batchnorm_forward", "layers.spatial_batchnorm_backward"
SGN_FWD, SGN_BWD = "layers.spatial_groupnorm_forward", "layers.spatial_groupnorm_backward"
AREA = [CONV_FWD, CONV_BWD, POOL_FWD, POOL_BWD, SBN_FWD, SBN_BWD, SGN_FWD, SGN_BWD]
POOL_ROWS = "rows = slice(i * stride, i * stride + ph)\n            cols = slice(j * stride, j * stride + pw)"
POOL_ROUTE = "dx[:, :, rows, cols] += routed.reshape(N, C, ph, pw)"
GN_XHAT = "xhat = xhat_groups.reshape(x.shape)"


def mutant(name: str, old: str, new: str, losers: set[str], collateral: frozenset[str] = frozenset()) -> Mutant:
    return Mutant(name, "layers.py", old, new, frozenset(losers), frozenset(collateral))


MUTANTS = [
    mutant("conv forward pads one pixel too many at the bottom and right",
           "padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))\n    H_out",
           "padded = np.pad(x, ((0, 0), (0, 0), (pad, pad + 1), (pad, pad + 1)))\n    H_out", {CONV_FWD}),
    mutant("conv forward computes W' from H", "W_out = 1 + (padded.shape[3] - WW) // stride",
           "W_out = 1 + (padded.shape[2] - WW) // stride", {CONV_FWD}),
    mutant("conv backward ignores the stride",
           "rows = slice(i * stride, i * stride + HH)\n            cols = slice(j * stride, j * stride + WW)",
           "rows = slice(i, i + HH)\n            cols = slice(j, j + WW)", {CONV_BWD}),
    mutant("conv backward slices the padding off with pad:-pad", "dx = dpadded[:, :, pad : pad + H, pad : pad + W]",
           "dx = dpadded[:, :, pad:-pad, pad:-pad]", {CONV_BWD}),
    # Its windows run off the input where they overlap and the forward raises, so the backward test (which needs
    # the student's forward for the cache) loses those settings too.
    mutant("max-pool forward ignores the stride",
           "window = x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]",
           "window = x[:, :, i * ph : i * ph + ph, j * pw : j * pw + pw]", {POOL_FWD}, frozenset({POOL_BWD})),
    mutant("max-pool backward ignores the stride", POOL_ROWS,
           "rows = slice(i * ph, i * ph + ph)\n            cols = slice(j * pw, j * pw + pw)", {POOL_BWD}),
    mutant("max-pool backward sends the gradient to every element of the window", POOL_ROUTE,
           "dx[:, :, rows, cols] += dout[:, :, i, j][:, :, None, None]", {POOL_BWD}),
    mutant("max-pool backward assigns instead of accumulating", POOL_ROUTE,
           "dx[:, :, rows, cols] = routed.reshape(N, C, ph, pw)", {POOL_BWD}),
    # The reference backward cannot use the cache of a per-(c, h, w) forward: the backward test loses too.
    mutant("spatial batchnorm normalizes per (c, h, w)",
           "rows = x.transpose(0, 2, 3, 1).reshape(-1, C)\n"
           "    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)\n"
           "    out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)",
           "rows = x.reshape(N, -1)\n"
           "    out_rows, cache = batchnorm_forward(rows, np.repeat(gamma, H * W), np.repeat(beta, H * W), bn_param)\n"
           "    out = out_rows.reshape(N, C, H, W)", {SBN_FWD}, frozenset({SBN_BWD})),
    mutant("spatial batchnorm backward reshapes dout without transposing",
           "drows = dout.transpose(0, 2, 3, 1).reshape(-1, C)", "drows = dout.reshape(-1, C)", {SBN_BWD}),
    # Group norm forward bugs: the backward, right for the wrong forward, gets the rubric's partial credit only.
    mutant("group norm normalizes per channel", "    N = x.shape[0]\n    groups = x.reshape(N * G, -1)",
           "    N, G = x.shape[0], x.shape[1]\n    groups = x.reshape(N * G, -1)", {SGN_FWD}, frozenset({SGN_BWD})),
    mutant("group norm normalizes per position", GN_XHAT,
           "xg = x.reshape(N, G, -1, *x.shape[2:])\n"
           "    xhat = ((xg - xg.mean(axis=2, keepdims=True)) / np.sqrt(xg.var(axis=2, keepdims=True) + eps))"
           ".reshape(x.shape)", {SGN_FWD}, frozenset({SGN_BWD})),
    mutant("group norm output broadcast to (1, N, C, H, W)", GN_XHAT, "xhat = xhat_groups.reshape(1, *x.shape)",
           {SGN_FWD}, frozenset({SGN_BWD})),
    mutant("group norm dgamma of shape (C,)", "dgamma = (dout * xhat).sum(axis=(0, 2, 3), keepdims=True)",
           "dgamma = (dout * xhat).sum(axis=(0, 2, 3))", {SGN_BWD}),
]
BY_NAME = {m.name: m for m in MUTANTS}


@dataclass(frozen=True)
class Feedback:
    """What grading a mutant must show: FAIL {test: the labels of exactly the parts that fail}, a TEXT some feedback
    contains, SCORE {test: the fraction of its points}."""

    fail: dict[str, set[str]] = field(default_factory=dict)
    text: str = ""
    score: dict[str, float] = field(default_factory=dict)


OVERLAPPING = {
    "non-square pool (2x4, stride 2: windows overlap along W)",
    "overlapping windows (stride 1 < pool size 3)",
    "overlapping windows (stride 2 < pool size 3)",
    "batch size 1 with H != W, a non-square pool and overlapping windows",
}
FEEDBACK = {
    "conv backward slices the padding off with pad:-pad": Feedback(fail={CONV_BWD: {"pad = 0"}}),
    "conv forward computes W' from H": Feedback(
        fail={CONV_FWD: {"H != W", "H != W, HH != WW, stride 2 and pad 2 together"}}),
    "max-pool backward assigns instead of accumulating": Feedback(fail={POOL_BWD: OVERLAPPING}),
    # Right values in the wrong shape: the rubric's shape_only share, once, however many settings show it.
    "group norm dgamma of shape (C,)": Feedback(
        fail={SGN_BWD: {"spatial_groupnorm_backward: dgamma has shape (6,)"}},
        text="spatial_groupnorm_backward: dgamma has shape (6,): values right, shape should be (1, C, 1, 1)",
        score={SGN_BWD: 1 - rubric.load().partial.shape_only}),
    "group norm output broadcast to (1, N, C, H, W)": Feedback(
        text="spatial_groupnorm_forward: out has shape (1, 2, 6, 3, 5) but should have shape (2, 6, 3, 5) like x"),
    # The backward is right for the per-channel forward: half of the two settings it gets wrong (weights 2 and 1 of
    # 4), the G = C setting in full.
    "group norm normalizes per channel": Feedback(
        fail={SGN_BWD: {"1 < G < C (statistics per sample and group), H != W", "G = 1"}}, score={SGN_BWD: 0.625}),
}


@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_mutant_costs_points_in_its_own_tests(m: Mutant, tmp_path: Path) -> None:
    check(m, tmp_path, AREA)


def test_reference_scores_full_points_on_the_area(tmp_path: Path) -> None:
    results = graded_tests(ROOT, tmp_path / "scratch", AREA)
    assert {name: r.score for name, r in results.items()} == {name: r.max_score for name, r in results.items()}


@pytest.mark.parametrize("name", FEEDBACK, ids=str)
def test_feedback_names_the_setting(name: str, tmp_path: Path) -> None:
    results = graded_tests(make(BY_NAME[name], tmp_path / "sub"), tmp_path / "scratch", AREA)
    expected = FEEDBACK[name]
    for test, labels in expected.fail.items():
        lines = results[test].output.splitlines()
        failed = [line[5:] for line in lines if line.startswith("FAIL ")]
        named = [label for label in labels if any(f == label or f.startswith(label + ": ") for f in failed)]
        assert len(failed) == len(labels) == len(named), f"{name}: {test} failed the parts {failed}"
        assert any(line.startswith("PASS ") for line in lines), f"{name}: {test} passed no part"
    assert expected.text in "\n".join(r.output for r in results.values()), f"{name}: no feedback says {expected.text}"
    for test, fraction in expected.score.items():
        assert results[test].score == round(fraction * results[test].max_score, 2), results[test]


