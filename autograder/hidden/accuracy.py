"""Hidden tests that train the student's models on CIFAR-10 (they need the grading data of autograder/data.py).

Each one builds the student's model from a fixed seed and trains it with the COURSE's Solver (its source is loaded
into the runner, so edits to the student's solver.py change nothing) and the student's update rule, one epoch at a
time. After each epoch the judge fetches the trained parameters (model.params, and for batch normalization the
running averages in model.bn_params), checks that they have the official names and shapes, and computes the scores
ITSELF with the reference's forward pass (variants.VariantNet, or the reference ThreeLayerConvNet): an accuracy is
earned by the parameters the student's code trained, never by what the model's loss(X) answers (a model that looks
the images up, or remembers the labelled minibatches it was trained on, gets the accuracy of its parameters). The
runner never sees the evaluation set of cifar10_accuracy (autograder/data.py); the overfitting tests evaluate on
their own 50 training images, as the notebooks do. Training stops at the first epoch that reaches the target.
Solver.train() keeps the parameters of its best epoch, so stopping there gives the verdict of training every epoch;
correct code gets it sooner, and code that misses the target trains the whole recipe.

Recipes and margins, from `python -m benchmarks.recipes CIFAR10_DIR` (the reference and the reference drawing its
weights from the last layer to the first, seeds 231-240: 20 starts for the fully connected nets, 10 for the conv net;
the accuracy computed by the judge as above; the test's seconds with the runner on one BLAS thread, to be read on an
unloaded machine). The judge's own forward pass costs 0.03 CPU s per epoch for the 1,000 validation images through
FullyConnectedNet([100, 100]) and 0.23-0.32 CPU s for the 50 images through the ThreeLayerConvNet; the trained
parameters the runner sends are 1.3 and 3.3 MB.
- overfit_small: FullyConnectedNet([100, 100], weight_scale=1e-2) on 50 training images (also the validation set),
  adam 1e-3, at most 20 epochs of batches of 25. The reference reaches 100% after 8 to 14 epochs for 20 of 20
  starts (0.2-0.3 s of training).
- cifar10_accuracy: FullyConnectedNet([100, 100], normalization='batchnorm', weight_scale=1e-2) on the 49,000
  training images (mapped read-only in the runner), adam 3e-3, learning rate x 0.6 per epoch, at most 4 epochs of
  batches of 200 (1.9 s each). The reference passes 50% after 1 epoch for 1 of the 20 starts, after 2 for 13 and
  after 3 for 6; trained the 4 epochs, its best was 52.6 to 55.3% for all 20 (the margin a correct implementation
  has; measured on the model's own float32 scores, which the judge's float64 forward pass reproduces but for near
  ties).
  The cost is the first layer's products (3 per batch, 3072 x hidden), so it is set by the number of images seen and
  the first layer's width. The other recipes tried cost more: [200, 100] with adam 2e-3 x 0.5 for 3 epochs ends at
  52.2-54.1% in 10-11 s (3.3 s per epoch); [100, 100] at 2e-3 x 0.5 reaches a best of 51.8-54.1% in 4 epochs; plain
  networks are slower still ([100] reaches 50.5-52.3% in 20 s): batch normalization makes the 50% reachable in
  seconds, at the cost that a broken batchnorm also costs this test.
- convnet_training: ThreeLayerConvNet() (32 filters of 7 x 7, hidden 100) with weight_scale=1e-2 on 50 training
  images, adam 1e-3, at most 12 epochs of batches of 25. The reference passes 80% after 6 to 9 epochs for 10 of 10
  seeds (1-1.8 s of training); trained the 12 epochs, its best was 86-100% for 8 seeds.
With OpenBLAS, one BLAS thread or two (`grade --blas-threads 1`, `2`) give the same accuracies at every epoch of
cifar10_accuracy (seed 231), so the grader's --blas-threads does not change these verdicts.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from autograder import checks, data
from autograder.framework import CallFailed, Fail, TestContext, grader_test
from autograder.hidden.fc_net import fcn, model_params, new_model, runner_dtype
from autograder.hidden.variants import REFERENCE, VariantNet
from autograder.reference import SOLVER_SOURCE
from autograder.reference import cnn as ref_cnn
from autograder.runner.wire import Handle
from autograder.submission import MODEL_FILE

NUM_CLASSES = 10
INPUT_DIM = 3 * 32 * 32
OVERFIT = {"num_train": 50, "hidden": [100, 100], "weight_scale": 1e-2, "seed": 231, "target": 1.0, "epochs": 20,
           "solver": {"update_rule": "adam", "optim_config": {"learning_rate": 1e-3}, "batch_size": 25}}
CIFAR10 = {"hidden": [100, 100], "normalization": "batchnorm", "weight_scale": 1e-2, "seed": 231, "target": 0.5,
           "epochs": 4, "solver": {"update_rule": "adam", "optim_config": {"learning_rate": 3e-3}, "batch_size": 200,
                                   "lr_decay": 0.6}}
CONVNET = {"num_train": 50, "weight_scale": 1e-2, "seed": 231, "target": 0.8, "epochs": 12,
           "solver": {"update_rule": "adam", "optim_config": {"learning_rate": 1e-3}, "batch_size": 25}}
TRAIN_TIMEOUT = 300.0  # seconds for all the epochs of one recipe: 40x the reference's 7.5 CPU s, for loaded machines
FETCH_TIMEOUT = 60.0
EPOCH_SOURCE = (Path(__file__).parent / "solver_epoch.py").read_text()


@dataclass(frozen=True)
class Architecture:
    """A trained model's official parameters, and how the judge computes its scores from them."""

    what: str
    hidden: tuple[int, ...] = ()  # a fully connected net's hidden layer sizes; () for the ThreeLayerConvNet
    normalization: str | None = None
    convnet: bool = False

    def shapes(self) -> dict[str, tuple[int, ...]]:
        if self.convnet:
            return {"W1": (32, 3, 7, 7), "b1": (32,), "W2": (32 * 16 * 16, 100), "b2": (100,), "W3": (100, 10),
                    "b3": (10,)}
        dims = [INPUT_DIM, *self.hidden, NUM_CLASSES]
        shapes = {}
        for i in range(1, len(dims)):
            shapes.update({f"W{i}": (dims[i - 1], dims[i]), f"b{i}": (dims[i],)})
            if self.normalization and i < len(dims) - 1:
                shapes.update({f"gamma{i}": (dims[i],), f"beta{i}": (dims[i],)})
        return shapes

    def scores(self, params: dict[str, np.ndarray], running: list[dict[str, np.ndarray]], X: np.ndarray) -> \
            np.ndarray:
        """The class scores of X computed by the reference's forward pass (test mode) from PARAMS and the batch
        normalization RUNNING averages."""
        if self.convnet:
            net = ref_cnn.ThreeLayerConvNet(weight_scale=0.0, dtype=np.float32)
            net.params = params
            return net.loss(X)
        net = VariantNet(params, self.normalization, REFERENCE)
        for bn_param, stats in zip(net.bn_params, running, strict=False):
            bn_param.update(stats)
        return net.loss(X)


def trained(t: TestContext, model: Handle, arch: Architecture) -> tuple[dict[str, np.ndarray], list[dict]]:
    """The parameters of the student's trained MODEL, and its batch normalization running averages, checked against
    the official names and shapes of ARCH (a bias of shape (1, F) is taken with its values, and noted)."""
    params = model_params(t, model, arch.what)
    want = arch.shapes()
    if set(params) != set(want):
        raise Fail(f"{arch.what}.params after training has the keys {sorted(params)}; the official ones are "
                   f"{sorted(want)}: the judge computes the accuracy from them")
    fixed = {}
    for key, shape in want.items():
        value = params[key]
        aligned = checks.aligned(value, shape)
        if aligned is not None:
            t.note(f"{arch.what}.params['{key}'] has shape {checks.shape_text(value.shape)}; taken as "
                   f"{checks.shape_text(shape)} to compute the accuracy")
            value = aligned
        fixed[key] = checks.array(value, f"{arch.what}.params['{key}'] after training", shape)
    running = []
    if arch.normalization == "batchnorm":
        for i, width in enumerate(arch.hidden):
            bn_param = t.get(model, "bn_params", i, what=f"{arch.what}.bn_params[{i}]")
            missing = [key for key in ("running_mean", "running_var") if key not in bn_param] \
                if isinstance(bn_param, dict) else ["running_mean", "running_var"]
            if missing:
                raise Fail(f"{arch.what}.bn_params[{i}] has no {' or '.join(missing)} after training: test mode (and "
                           "the accuracy, computed from the trained parameters) needs the running averages, kept in "
                           f"the dict self.bn_params[{i}] that the net passes to batchnorm_forward")
            stats = {}
            for key in ("running_mean", "running_var"):
                value = bn_param[key]
                aligned = checks.aligned(value, (width,))
                stats[key] = checks.array(value if aligned is None else aligned,
                                          f"{arch.what}.bn_params[{i}]['{key}'] after training (the running average "
                                          "that test mode uses)", (width,))
            running.append(stats)
    return fixed, running


def train_to_target(t: TestContext, solver: Handle, model: Handle, arch: Architecture, X: np.ndarray,
                    y: np.ndarray, recipe: dict[str, Any]) -> tuple[float, int]:
    """Train with SOLVER (a course Solver of MODEL, in the runner) and the student's update rule, epoch by epoch
    (solver_epoch.py), for at most recipe['epochs'] epochs (the very first step on its own, under the per-call time
    limit). After each epoch the judge computes the accuracy on X, y from the trained parameters (ARCH) and stops at
    the first epoch that reaches recipe['target']. Solver.train() keeps the parameters of its best epoch, so this
    is its verdict, sooner.

    Returns (accuracy, epochs): the best accuracy measured and the number of epochs trained."""
    rule = f"optim.{recipe['solver']['update_rule']}"
    best = 0.0
    try:
        # The first step alone, under the per-call time limit: a loss or an update rule that never returns fails
        # here, not after the whole training budget.
        t.call(solver, attr="_step", what=f"the first training step of {arch.what} (its loss and your {rule} on one "
               "minibatch)")
        deadline = time.monotonic() + TRAIN_TIMEOUT
        for epoch in range(1, recipe["epochs"] + 1):
            t.call("grader_solver.train_epoch", solver, 1 if epoch == 1 else 0, what=f"epoch {epoch} of training "
                   f"{arch.what} with the course's Solver and your {rule}",
                   timeout=max(deadline - time.monotonic(), 1.0))
            best = max(best, accuracy(t, model, arch, X, y))
            if best >= recipe["target"]:
                return best, epoch
        return best, recipe["epochs"]
    finally:
        t.release(solver)  # it holds the training arrays (600 MB)


def course_solver(t: TestContext, model: Handle, arrays: Any, recipe: dict[str, Any], factory: str = "Solver") -> \
        Handle:
    """The course's Solver (with solver_epoch.py) in the runner, built by grader_solver.FACTORY(MODEL, ARRAYS,
    **recipe['solver'])."""
    try:
        t.load_source("grader_solver", SOLVER_SOURCE + "\n\n" + EPOCH_SOURCE, what="the course's Solver")
    except CallFailed as exc:
        raise Fail(f"the course's Solver could not be loaded with your cs231n package: {exc.error.describe()}") \
            from None
    return t.call(f"grader_solver.{factory}", model, arrays, verbose=False, what="Solver(...)", **recipe["solver"])


def accuracy(t: TestContext, model: Handle, arch: Architecture, X: np.ndarray, y: np.ndarray) -> float:
    """The fraction of X classified as y by the scores the judge computes from MODEL's trained parameters."""
    params, running = trained(t, model, arch)
    return float(np.mean(np.argmax(arch.scores(params, running, X), axis=1) == y))


def overfit(t: TestContext, model: Handle, recipe: dict[str, Any], arch: Architecture) -> None:
    """Train MODEL on the first recipe['num_train'] training images (also the Solver's validation set) to
    recipe['target'] training accuracy, measured by the judge on those images."""
    X, y = data.load(t.grading_data(), "X_small", "y_small")
    X, y = X[: recipe["num_train"]], y[: recipe["num_train"]]
    solver = course_solver(t, model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y}, recipe)
    verdict(t, *train_to_target(t, solver, model, arch, X, y, recipe), recipe, arch.what, "training")


def verdict(t: TestContext, acc: float, epochs: int, recipe: dict[str, Any], what: str, kind: str) -> None:
    """Note the ACC (KIND: 'training' or 'validation' accuracy) reached in EPOCHS; fail below the recipe's target."""
    t.note(f"{kind} accuracy {acc:.1%} after {epochs} epoch(s) (target {recipe['target']:.0%}, at most "
           f"{recipe['epochs']} epochs)")
    if acc < recipe["target"]:
        raise Fail(f"{what} reached at best {acc:.1%} {kind} accuracy, below {recipe['target']:.0%}, with the fixed "
                   f"recipe ({_recipe(recipe)}); a correct implementation reaches it")


@grader_test("fc_net.overfit_small", needs_data=True)
def overfit_small(t: TestContext) -> None:
    """Your FullyConnectedNet([100, 100]), the course's Solver and your adam reach 100% training accuracy on 50
    CIFAR-10 training images within 20 epochs (the judge computes it from the trained parameters)."""
    r = OVERFIT
    model = fcn(t, r["hidden"], dtype="float32", input_dim=INPUT_DIM, num_classes=NUM_CLASSES,
                weight_scale=r["weight_scale"], reseed=r["seed"])
    overfit(t, model, r, Architecture("FullyConnectedNet([100, 100])", tuple(r["hidden"])))


@grader_test("fc_net.cifar10_accuracy", needs_data=True)
def cifar10_accuracy(t: TestContext) -> None:
    """Your FullyConnectedNet([100, 100], normalization='batchnorm'), the course's Solver and your adam, trained with
    a fixed recipe on the 49,000 CIFAR-10 training images, reach 50% accuracy on the 1,000 validation images within
    4 epochs (computed by the judge from the trained parameters and running averages; the runner never sees the
    validation images)."""
    r = CIFAR10
    arch = Architecture("FullyConnectedNet([100, 100], normalization='batchnorm')", tuple(r["hidden"]),
                        r["normalization"])
    X_val, y_val = data.load(t.grading_data(), "X_val", "y_val")
    model = fcn(t, r["hidden"], dtype="float32", input_dim=INPUT_DIM, num_classes=NUM_CLASSES,
                normalization=r["normalization"], weight_scale=r["weight_scale"], reseed=r["seed"])
    try:
        arrays = t.load_grading_arrays(what="the grading data", timeout=FETCH_TIMEOUT)
    except CallFailed as exc:
        raise Fail(f"the grading data could not be loaded in the runner: {exc.error.describe()}") from None
    try:
        solver = course_solver(t, model, arrays, r, factory="training_solver")
        reached = train_to_target(t, solver, model, arch, X_val, y_val, r)
    finally:
        t.release(arrays)
    verdict(t, *reached, r, arch.what, "validation")


@grader_test("cnn.convnet_training", needs_data=True)
def convnet_training(t: TestContext) -> None:
    """Your ThreeLayerConvNet (default sizes), the course's Solver and your adam overfit 50 CIFAR-10 training
    images: at least 80% training accuracy within 12 epochs (the judge computes it from the trained parameters)."""
    r = CONVNET
    model = new_model(t, "cnn.ThreeLayerConvNet", weight_scale=r["weight_scale"], dtype=runner_dtype("float32"),
                      reseed=r["seed"])
    overfit(t, model, r, Architecture("ThreeLayerConvNet", convnet=True))


@grader_test("fc_net.best_model_accuracy", needs_data=True)
def best_model_accuracy(t: TestContext) -> None:
    """Reported, not graded: the validation accuracy of the submitted best_model.npz, loaded with your
    model_io.load_model, computed by the judge from the loaded parameters (the notebook asks for at least 50%)."""
    if not (t.submission / MODEL_FILE).is_file():
        t.note(f"the submission has no {MODEL_FILE} at its root: nothing to evaluate")
        return
    model = t.call("model_io.load_model", t.in_runner(MODEL_FILE),
                   what=f"model_io.load_model('{MODEL_FILE}')")
    if not isinstance(model, Handle):
        raise Fail(f"model_io.load_model('{MODEL_FILE}') did not return a model object")
    X_val, y_val = data.load(t.grading_data(), "X_val", "y_val")
    acc = accuracy(t, model, _saved_architecture(t, model), X_val, y_val)
    t.note(f"{MODEL_FILE}: validation accuracy {acc:.1%} on the 1,000 validation images")
    with t.part(f"{MODEL_FILE} reaches 50% validation accuracy"):
        if acc < 0.5:
            raise Fail(f"{MODEL_FILE} reaches {acc:.1%}, below the notebook's 50%")


def _saved_architecture(t: TestContext, model: Handle) -> Architecture:
    """The architecture of a loaded fully connected MODEL, from its parameters' shapes and its normalization
    attribute (use_batchnorm in the 2016-17 API)."""
    params = model_params(t, model, MODEL_FILE)
    layers = sum(1 for key in params if key.startswith("W"))
    hidden = []
    for i in range(1, layers):
        shape = getattr(params.get(f"W{i}"), "shape", ())
        if len(shape) != 2:
            raise Fail(f"{MODEL_FILE}: params['W{i}'] is not a matrix; the model is not a fully connected net")
        hidden.append(int(shape[1]))
    normalization = None
    if any(key.startswith("gamma") for key in params):
        try:
            normalization = t.get(model, "normalization", what=f"{MODEL_FILE}'s model.normalization")
        except Fail:
            normalization = "batchnorm" if t.get(model, "use_batchnorm", what=f"{MODEL_FILE}'s model") else None
    if normalization not in (None, "batchnorm", "layernorm"):
        raise Fail(f"{MODEL_FILE}: the model's normalization is {normalization!r}")
    return Architecture(f"the model of {MODEL_FILE}", tuple(hidden), normalization)


def _recipe(recipe: dict[str, Any]) -> str:
    """The training settings of RECIPE, in words, for the messages."""
    s = recipe["solver"]
    decay = f", learning rate x {s['lr_decay']:g} per epoch" if "lr_decay" in s else ""
    return (f"{s['update_rule']}, learning rate {s['optim_config']['learning_rate']:g}{decay}, up to "
            f"{recipe['epochs']} epochs of batches of {s['batch_size']}")


