"""Mutation tests of the PyTorch hidden tests (autograder/hidden/pytorch_*.py): each realistic bug of
cs231n/pytorch_models.py costs points in exactly its own tests, the harmless variants students write cost nothing,
the reference scores full points, and the feedback says what went wrong.

The data-free tests run for every mutant; the CIFAR-10 tests (slow) for the reference (with the network the solution
notebook trained, solutions/assignment2/best_model.pt), for a network that never trains, and for saved models that
must be refused or caught."""

from __future__ import annotations

import shutil
from dataclasses import dataclass
from pathlib import Path

import pytest
import torch
import torch.nn as nn

import autograder.hidden  # noqa: F401 - registers the tests
from autograder import framework, scores
from tests.helpers import ROOT, edit_once, graded_tests, reference_copy

PYTORCH = [name for name in framework.TESTS if name.startswith("pytorch.")]
AREA = [name for name in PYTORCH if not framework.TEST_INFO[name].needs_data]
DATA_TESTS = [name for name in PYTORCH if framework.TEST_INFO[name].needs_data]
SOLUTION_MODEL = ROOT / "solutions" / "assignment2" / "best_model.pt"
FLATTEN_USERS = frozenset({"pytorch.two_layer_fc", "pytorch.three_layer_convnet", "pytorch.module_two_layer_fc",
                           "pytorch.module_three_layer_convnet"})

CONV_LAYERS = '''        self.conv1 = nn.Conv2d(in_channel, channel_1, 5, padding=2)
        self.conv2 = nn.Conv2d(channel_1, channel_2, 3, padding=1)
        self.fc = nn.Linear(channel_2 * height * width, num_classes)
        for layer in (self.conv1, self.conv2, self.fc):'''
CONV_FORWARD = '''        hidden = F.relu(self.conv2(F.relu(self.conv1(x))))
        scores = self.fc(flatten(hidden))'''
FC_INIT = '''        nn.init.kaiming_normal_(self.fc1.weight)
        nn.init.kaiming_normal_(self.fc2.weight)
'''
RANDOM_WEIGHT = '''    w = torch.randn(shape, dtype=dtype) * math.sqrt(2.0 / fan_in)
    w.requires_grad_()
'''
SEQUENTIAL_FLATTEN = "        nn.Flatten(),\n"


@dataclass(frozen=True)
class Mutant:
    """The reference cs231n/pytorch_models.py with EDITS (old, new), each old text occurring exactly once; the tests
    in LOSERS must lose points, no test outside LOSERS | COLLATERAL may."""

    name: str
    edits: tuple[tuple[str, str], ...]
    losers: frozenset[str] = frozenset()
    collateral: frozenset[str] = frozenset()
    feedback: str = ""  # in the feedback of the first of LOSERS


def mutant(name: str, *edits: tuple[str, str], losers: tuple[str, ...] = (),
           collateral: frozenset[str] = frozenset(), feedback: str = "") -> Mutant:
    return Mutant(name, edits, frozenset(f"pytorch.{n}" for n in losers), collateral, feedback)


MUTANTS = [
    mutant("two_layer_fc applies w1 as nn.Linear stores weights (transposed)",
           ("hidden = F.relu(flatten(x) @ w1 + b1)", "hidden = F.relu(F.linear(flatten(x), w1, b1))"),
           losers=("two_layer_fc",), feedback="two_layer_fc raised RuntimeError"),
    mutant("three_layer_convnet without its second ReLU",
           ("hidden = F.relu(F.conv2d(hidden, conv_w2, conv_b2, padding=(conv_w2.shape[2] - 1) // 2))",
            "hidden = F.conv2d(hidden, conv_w2, conv_b2, padding=(conv_w2.shape[2] - 1) // 2)"),
           losers=("three_layer_convnet",)),
    mutant("random_weight with variance 1 / fan_in", ("math.sqrt(2.0 / fan_in)", "math.sqrt(1.0 / fan_in)"),
           losers=("random_weight",),
           feedback="Kaiming initialization gives mean 0 and standard deviation sqrt(2 / fan_in)"),
    mutant("random_weight takes fan_in from the second dimension of a (D, M) weight",
           ("fan_in = shape[0] if len(shape) == 2", "fan_in = shape[1] if len(shape) == 2"),
           losers=("random_weight",)),
    mutant("random_weight scales after requires_grad (not a leaf)",
           (RANDOM_WEIGHT, "    w = torch.randn(shape, dtype=dtype, requires_grad=True) * math.sqrt(2.0 / fan_in)\n"),
           losers=("random_weight",)),
    mutant("flatten hard-codes the size of a CIFAR-10 image",
           ("return x.reshape(x.shape[0], -1)", "return x.view(-1, 3 * 32 * 32)"), losers=("flatten",),
           collateral=FLATTEN_USERS),
    mutant("TwoLayerFC keeps PyTorch's default initialization", (FC_INIT, ""), losers=("module_two_layer_fc",)),
    mutant("ThreeLayerConvNet's Kaiming initialization uses fan_out",
           ("nn.init.kaiming_normal_(layer.weight)\n            nn.init.zeros_",
            'nn.init.kaiming_normal_(layer.weight, mode="fan_out")\n            nn.init.zeros_'),
           losers=("module_three_layer_convnet",)),
    mutant("ThreeLayerConvNet without the ReLU after its first convolution",
           (CONV_FORWARD, CONV_FORWARD.replace("F.relu(self.conv1(x))", "self.conv1(x)")),
           losers=("module_three_layer_convnet",)),
    mutant("ThreeLayerConvNet ignores image_size (32 x 32 hard-coded)",
           ("self.fc = nn.Linear(channel_2 * height * width, num_classes)",
            "self.fc = nn.Linear(channel_2 * 32 * 32, num_classes)"), losers=("module_three_layer_convnet",)),
    mutant("ThreeLayerConvNet keeps its layers in a Python list (never trains)",
           (CONV_LAYERS, "        self.layers = [nn.Conv2d(in_channel, channel_1, 5, padding=2), nn.Conv2d(channel_1, "
                         "channel_2, 3, padding=1),\n                       nn.Linear(channel_2 * height * width, "
                         "num_classes)]\n        for layer in self.layers:"),
           (CONV_FORWARD, "        conv1, conv2, fc = self.layers\n        scores = fc(flatten(F.relu(conv2(F.relu("
                          "conv1(x))))))"),
           losers=("module_three_layer_convnet",),
           feedback="has the parameters none; expected parameters of the shapes"),
    mutant("nn.Sequential without its second ReLU",
           ("        nn.Conv2d(channel_1, channel_2, 3, padding=1),\n        nn.ReLU(),\n",
            "        nn.Conv2d(channel_1, channel_2, 3, padding=1),\n"), losers=("sequential",),
           feedback="expected Conv2d, ReLU, Conv2d, ReLU, Flatten, Linear in this order"),
    mutant("nn.Sequential's second convolution without padding",
           ("nn.Conv2d(channel_1, channel_2, 3, padding=1),\n        nn.ReLU(),\n        nn.Flatten",
            "nn.Conv2d(channel_1, channel_2, 3),\n        nn.ReLU(),\n        nn.Flatten"), losers=("sequential",)),
    # Harmless variants: no test may lose points.
    mutant("flatten with view", ("return x.reshape(x.shape[0], -1)", "return x.view(x.size(0), -1)")),
    mutant("random_weight with normal_ in place",
           (RANDOM_WEIGHT, "    w = torch.empty(shape, dtype=dtype).normal_(0, math.sqrt(2.0 / fan_in))"
                           ".requires_grad_(True)\n")),
    mutant("TwoLayerFC with Kaiming uniform initialization and zero biases",
           (FC_INIT, FC_INIT.replace("normal_", "uniform_") + "        nn.init.zeros_(self.fc1.bias)\n")),
    mutant("ThreeLayerConvNet with its layers created last to first and PyTorch's default biases",
           (CONV_LAYERS, "        self.fc = nn.Linear(channel_2 * height * width, num_classes)\n        self.conv2 = "
                         "nn.Conv2d(channel_1, channel_2, 3, padding=1)\n        self.conv1 = nn.Conv2d(in_channel, "
                         "channel_1, 5, padding=2)\n        for layer in (self.conv1, self.conv2, self.fc):"),
           ("            nn.init.zeros_(layer.bias)\n", "")),
    mutant("nn.Sequential with the course's own Flatten module (2017-2022 notebooks)",
           (SEQUENTIAL_FLATTEN, "        Flatten(),\n"),
           ("def sequential_three_layer_convnet(", "class Flatten(nn.Module):\n    def forward(self, x):\n        "
                                                   "return flatten(x)\n\n\ndef sequential_three_layer_convnet(")),
]


def make(m: Mutant, dest: Path, model: Path | None = None) -> Path:
    """A submission at DEST: the reference package with M's edits, and MODEL as its best_model.pt if given."""
    if dest.exists():
        shutil.rmtree(dest)
    target = reference_copy(dest) / "cs231n" / "pytorch_models.py"
    for old, new in m.edits:
        edit_once(target, old, new, f"{m.name}: ")
    if model is not None:
        shutil.copyfile(model, dest / "best_model.pt")
    return dest




@pytest.mark.parametrize("m", MUTANTS, ids=lambda m: m.name)
def test_mutant_costs_points_in_its_own_tests(m: Mutant, tmp_path: Path) -> None:
    results = graded_tests(make(m, tmp_path / "sub"), tmp_path / "scratch", AREA)
    lost = {name for name, r in results.items() if r.score < r.max_score}
    assert not m.losers - lost, f"{m.name}: these tests did not catch it: {sorted(m.losers - lost)}"
    assert not lost - m.losers - m.collateral, f"{m.name}: unrelated tests lost points: {sorted(lost - m.losers)}"
    if m.feedback:
        assert m.feedback in results[min(m.losers)].output, results[min(m.losers)].output


def test_reference_scores_full_points_without_data(tmp_path: Path) -> None:
    results = graded_tests(ROOT, tmp_path / "scratch", AREA)
    assert {n: r.score for n, r in results.items()} == {n: r.max_score for n, r in results.items()}
    assert sum(r.max_score for r in results.values()) == 7


def test_hard_coded_padding_loses_only_the_other_filter_sizes(tmp_path: Path) -> None:
    """Padding 2 and 1 whatever the filter size: right for the notebook's 5x5 and 3x3 filters, wrong for others."""
    m = mutant("padding hard-coded", ("padding=(conv_w1.shape[2] - 1) // 2", "padding=2"),
               ("padding=(conv_w2.shape[2] - 1) // 2", "padding=1"))
    result = graded_tests(make(m, tmp_path / "sub"), tmp_path / "scratch",
                          ["pytorch.three_layer_convnet"])["pytorch.three_layer_convnet"]
    assert result.score == round(result.max_score * 2 / 3, scores.DECIMALS)  # scores carry two decimals
    assert "FAIL scores and gradients with other filter sizes" in result.output


# -- the CIFAR-10 tests ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def grading_data(cifar10_dir: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    from autograder import data

    return data.prepare(cifar10_dir, tmp_path_factory.getbasetemp() / "grading-cache")


def _data_results(folder: Path, tmp: Path, data: Path, tests: list[str] = DATA_TESTS) -> dict[str, scores.TestResult]:
    return graded_tests(folder, tmp / "scratch", tests, data)


@pytest.mark.slow
def test_reference_clears_the_targets(grading_data: Path, tmp_path: Path) -> None:
    assert SOLUTION_MODEL.is_file(), "solutions/assignment2/best_model.pt is missing: run python -m generate"
    results = _data_results(make(mutant("reference"), tmp_path / "sub", SOLUTION_MODEL), tmp_path, grading_data)
    assert {n: r.score for n, r in results.items()} == {n: r.max_score for n, r in results.items()}, results
    assert "validation accuracy" in results["pytorch.best_model"].output


@pytest.mark.slow
def test_a_network_that_never_trains_fails_the_training_target(grading_data: Path, tmp_path: Path) -> None:
    never = next(m for m in MUTANTS if "never trains" in m.name)
    result = _data_results(make(never, tmp_path / "sub"), tmp_path, grading_data)["pytorch.convnet_training"]
    assert result.score == 0 and "no trainable parameters" in result.output


@pytest.mark.slow
def test_a_network_without_relus_still_trains(grading_data: Path, tmp_path: Path) -> None:
    """The training target is about learning at all: a missing ReLU is the module test's business."""
    m = next(m for m in MUTANTS if "ReLU after its first convolution" in m.name)
    result = _data_results(make(m, tmp_path / "sub"), tmp_path, grading_data)["pytorch.convnet_training"]
    assert result.score == result.max_score, result.output


# A network that scores an image by looking it up among stored images (the public validation images): right on those,
# chance elsewhere. Its state_dict holds tensors only, so it loads like any network.
MEMORIZER = '''

class Memorizer(nn.Module):
    def __init__(self):
        super().__init__()
        self.register_buffer("images", torch.zeros(1000, 3 * 32 * 32))
        self.register_buffer("labels", torch.zeros(1000, dtype=torch.long))

    def forward(self, x):
        distances = torch.cdist(x.reshape(len(x), -1), self.images)
        return F.one_hot(self.labels[distances.argmin(dim=1)], 10).float()


def best_model():
    return Memorizer()
'''


@pytest.mark.slow
def test_a_network_fit_to_the_validation_images_fails_the_unseen_images(grading_data: Path, tmp_path: Path) -> None:
    from autograder import torch_data

    X_val, y_val = torch_data.load(torch_data.folder_beside(grading_data), "X_val", "y_val")
    # The state_dict of MEMORIZER's network: the validation images and their labels, as tensors.
    torch.save({"images": torch.from_numpy(X_val.reshape(1000, -1)), "labels": torch.from_numpy(y_val)},
               tmp_path / "memorizer.pt")
    folder = make(mutant("memorizer"), tmp_path / "sub", tmp_path / "memorizer.pt")
    source = folder / "cs231n" / "pytorch_models.py"
    source.write_text(source.read_text().replace("def best_model():", "def _unused_best_model():") + MEMORIZER)
    result = _data_results(folder, tmp_path, grading_data, ["pytorch.best_model"])["pytorch.best_model"]
    assert "validation accuracy 100.0%" in result.output
    assert result.score == pytest.approx(result.max_score * 2 / 3, abs=1e-3), result.output
    assert "below 62%" in result.output and "train on the training images only" in result.output


@pytest.mark.slow
@pytest.mark.parametrize("case", ["missing", "whole module pickled", "code in the pickle", "another architecture"])
def test_saved_models_that_cannot_be_scored(case: str, grading_data: Path, tmp_path: Path) -> None:
    """The file is refused (before anything unpickles it) or fails to load, with a message saying why; nothing that
    the pickle would run runs."""
    marker = tmp_path / "unpickled"
    model = tmp_path / "model.pt"
    if case == "whole module pickled":
        torch.save(nn.Linear(2, 2), model)
    elif case == "code in the pickle":
        torch.save({"weight": torch.zeros(2), "x": _RunsCode(str(marker))}, model)
    elif case == "another architecture":
        torch.save(nn.Linear(3072, 10).state_dict(), model)
    folder = make(mutant(case), tmp_path / "sub", None if case == "missing" else model)
    result = _data_results(folder, tmp_path, grading_data, ["pytorch.best_model"])["pytorch.best_model"]
    expected = {"missing": "the submission has no best_model.pt",
                "whole module pickled": "torch.nn.modules.linear.Linear, which a dictionary of tensors never needs",
                "code in the pickle": ".exec, which a dictionary of tensors never needs",
                "another architecture": "does not fit the network that best_model() builds"}[case]
    assert result.score == 0 and expected in result.output, result.output
    assert not marker.exists()


class _RunsCode:
    """An object whose unpickling would create MARKER."""

    def __init__(self, marker: str) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple:
        return exec, (f"open({self.marker!r}, 'w').close()",)
