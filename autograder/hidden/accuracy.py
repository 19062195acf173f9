"""Hidden tests that train the student's models on CIFAR-10 (they need the grading data of autograder/data.py).

Each one builds the student's model from a fixed seed and trains it with the COURSE's Solver (its source is loaded
into the runner, so edits to the student's solver.py change nothing) and the student's update rule; then the runner
returns the model's scores and the accuracy is computed here, by the judge, never taken from the runner.

Recipes and margins, measured on the reference in a runner with one BLAS thread (CPU seconds, unloaded machine):
- overfit_small: FullyConnectedNet([100, 100], weight_scale=1e-2) on 50 training images, adam 1e-3, 20 epochs of
  batches of 25; the Solver's validation set is those 50 images, so it keeps the first parameters that reach 100%.
  The reference reaches 100% training accuracy after 9 to 13 epochs for 8 of 8 seeds (< 1 s).
- cifar10_accuracy: FullyConnectedNet([200, 100], normalization='batchnorm', weight_scale=1e-2) on the 49,000
  training images, adam 2e-3, 3 epochs of batches of 200, learning rate x 0.5 per epoch. The reference reaches
  52.5 to 54.1% validation accuracy for 10 seeds, and 52.2 and 53.4% for 2 seeds when it draws its weights from
  the last layer to the first (target 50%), in 10-11 CPU s. The cost is the first layer's products (3 per batch,
  3072 x 200), so it is set by the number of images seen: 2 epochs reached only 50.3-52.7%, [100, 100] 50.7-52.8%
  in 3 epochs, and plain networks are slower still ([100] reached 50.5-52.3% in 20 s); batch normalization makes
  the 50% reachable in seconds, at the cost that a broken batchnorm also costs this test. (6 epochs at 1e-3 x 0.75
  reached 54.6-56.3% in 23-26 s: the same test at twice the price.)
- convnet_training: ThreeLayerConvNet() (32 filters of 7 x 7, hidden 100) with weight_scale=1e-2 on 50 training
  images, adam 1e-3, 12 epochs of batches of 25. The reference reaches 92-100% training accuracy for 8 seeds and
  passes 80% (the target) after 4 to 9 epochs, in about 2 CPU s (100 images for 15 epochs, as before, took 6 s for
  the same verdicts: overfitting 50 images asks the same of the layers and the update rule).
A student's model that draws its weights in another order gets another random start: the margins above cover that.
With OpenBLAS, training with one BLAS thread or two gave the same parameters to the bit (both recipes, measured),
so the grader's --blas-threads does not change these verdicts.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from autograder import data
from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden.fc_net import fcn, model_scores, new_model, runner_dtype
from autograder.reference import SOLVER_SOURCE
from autograder.runner.wire import Handle
from autograder.session import CallError
from autograder.submission import MODEL_FILE

NUM_CLASSES = 10
INPUT_DIM = 3 * 32 * 32
OVERFIT = {"num_train": 50, "hidden": [100, 100], "weight_scale": 1e-2, "seed": 231,
           "solver": {"update_rule": "adam", "optim_config": {"learning_rate": 1e-3}, "num_epochs": 20,
                      "batch_size": 25}}
CIFAR10 = {"hidden": [200, 100], "normalization": "batchnorm", "weight_scale": 1e-2, "seed": 231, "target": 0.5,
           "solver": {"update_rule": "adam", "optim_config": {"learning_rate": 2e-3}, "num_epochs": 3,
                      "batch_size": 200, "lr_decay": 0.5}}
CONVNET = {"num_train": 50, "weight_scale": 1e-2, "seed": 231, "target": 0.8,
           "solver": {"update_rule": "adam", "optim_config": {"learning_rate": 1e-3}, "num_epochs": 12,
                      "batch_size": 25, "num_train_samples": 10}}
TRAIN_TIMEOUT = 300.0  # seconds for one Solver.train(): 30x the reference's 10 CPU s, for loaded machines, float64
SCORE_TIMEOUT = 60.0


def data_folder(t: TestContext) -> Path:
    folder = t.options.get("data_host")
    if folder is None:
        raise Fail("the grader has no CIFAR-10 grading data (it was run without --data): this test was not run")
    return Path(folder)


def train(t: TestContext, model: Handle, arrays: Any, what: str, settings: dict[str, Any]) -> Handle:
    """Train MODEL with the course's Solver on ARRAYS (a dict, or a handle to one, with X_train, y_train, X_val,
    y_val), using the student's update rule named in SETTINGS; returns the Solver (a handle)."""
    try:
        t.session.load_source("grader_solver", SOLVER_SOURCE)
    except CallError as exc:
        raise Fail(f"the course's Solver could not be loaded with your cs231n package: {exc.describe()}") from None
    solver = t.call("grader_solver.Solver", model, arrays, verbose=False, what="Solver(...)", **settings)
    t.call(solver, attr="train", what=f"training {what} with the course's Solver and your "
           f"optim.{settings['update_rule']}", timeout=TRAIN_TIMEOUT)
    return solver


def accuracy(t: TestContext, model: Handle, X: np.ndarray, y: np.ndarray, what: str) -> float:
    """The fraction of X that the model's scores (computed by the student's code, compared here) classify as y."""
    scores = model_scores(t, model, X, NUM_CLASSES, what, timeout=SCORE_TIMEOUT)
    return float(np.mean(np.argmax(scores, axis=1) == y))


def overfit(t: TestContext, model: Handle, recipe: dict[str, Any], what: str) -> float:
    """Train MODEL on the first recipe['num_train'] training images (also its validation set): its accuracy on them."""
    X, y = data.load(data_folder(t), "X_small", "y_small")
    X, y = X[: recipe["num_train"]], y[: recipe["num_train"]]
    train(t, model, {"X_train": X, "y_train": y, "X_val": X, "y_val": y}, what, recipe["solver"])
    return accuracy(t, model, X, y, what)


@grader_test("fc_net.overfit_small", needs_data=True)
def overfit_small(t: TestContext) -> None:
    """Your FullyConnectedNet([100, 100]), the course's Solver and your adam reach 100% training accuracy on 50
    CIFAR-10 training images within 20 epochs."""
    r = OVERFIT
    model = fcn(t, r["hidden"], dtype="float32", input_dim=INPUT_DIM, num_classes=NUM_CLASSES,
                weight_scale=r["weight_scale"], reseed=r["seed"])
    acc = overfit(t, model, r, "FullyConnectedNet([100, 100])")
    t.note(f"training accuracy {acc:.0%} (target 100%)")
    if acc < 1.0:
        raise Fail(f"FullyConnectedNet([100, 100]) reached {acc:.0%} training accuracy on {r['num_train']} images "
                   "after 20 epochs of adam (learning rate 1e-3); a correct network and adam reach 100%")


@grader_test("fc_net.cifar10_accuracy", needs_data=True, timeout=2 * TRAIN_TIMEOUT)
def cifar10_accuracy(t: TestContext) -> None:
    """Your FullyConnectedNet([200, 100], normalization='batchnorm'), the course's Solver and your adam, trained with
    a fixed recipe on the 49,000 CIFAR-10 training images, reach 50% accuracy on the 1,000 validation images."""
    r = CIFAR10
    what = "FullyConnectedNet([200, 100], normalization='batchnorm')"
    X_val, y_val = data.load(data_folder(t), "X_val", "y_val")
    model = fcn(t, r["hidden"], dtype="float32", input_dim=INPUT_DIM, num_classes=NUM_CLASSES,
                normalization=r["normalization"], weight_scale=r["weight_scale"], reseed=r["seed"])
    try:
        arrays = t.session.load_npz(f"{t.options['data_runner']}/{data.FILE}")
    except CallError as exc:
        raise Fail(f"the grading data could not be loaded in the runner: {exc.describe()}") from None
    solver = None
    try:
        solver = train(t, model, arrays, what, r["solver"])
    finally:
        _release(t, arrays, *([solver] if solver else []))
    acc = accuracy(t, model, X_val, y_val, what)
    t.note(f"validation accuracy {acc:.1%} (target {r['target']:.0%})")
    if acc < r["target"]:
        raise Fail(f"{what} reached {acc:.1%} validation accuracy, below {r['target']:.0%}, with the fixed recipe "
                   f"({_recipe(r)})")


@grader_test("cnn.convnet_training", needs_data=True)
def convnet_training(t: TestContext) -> None:
    """Your ThreeLayerConvNet (default sizes), the course's Solver and your adam overfit 50 CIFAR-10 training
    images: at least 80% training accuracy within 12 epochs."""
    r = CONVNET
    model = new_model(t, "cnn.ThreeLayerConvNet", weight_scale=r["weight_scale"], dtype=runner_dtype(t, "float32"),
                      reseed=r["seed"])
    acc = overfit(t, model, r, "ThreeLayerConvNet")
    t.note(f"training accuracy {acc:.0%} (target {r['target']:.0%})")
    if acc < r["target"]:
        raise Fail(f"ThreeLayerConvNet reached {acc:.0%} training accuracy on {r['num_train']} images with the "
                   f"fixed recipe ({_recipe(r)}); the target is {r['target']:.0%}")


@grader_test("fc_net.best_model_accuracy", needs_data=True)
def best_model_accuracy(t: TestContext) -> None:
    """Reported, not graded: the validation accuracy of the submitted best_model.npz, loaded with your
    model_io.load_model (the notebook asks for at least 50%)."""
    if not (t.session.submission / MODEL_FILE).is_file():
        t.note(f"the submission has no {MODEL_FILE} at its root: nothing to evaluate")
        return
    model = t.call("model_io.load_model", f"{t.options['submission_runner']}/{MODEL_FILE}",
                   what=f"model_io.load_model('{MODEL_FILE}')")
    if not isinstance(model, Handle):
        raise Fail(f"model_io.load_model('{MODEL_FILE}') did not return a model object")
    X_val, y_val = data.load(data_folder(t), "X_val", "y_val")
    acc = accuracy(t, model, X_val, y_val, MODEL_FILE)
    t.note(f"{MODEL_FILE}: validation accuracy {acc:.1%} on the 1,000 validation images")
    with t.part(f"{MODEL_FILE} reaches 50% validation accuracy"):
        if acc < 0.5:
            raise Fail(f"{MODEL_FILE} reaches {acc:.1%}, below the notebook's 50%")


def _recipe(recipe: dict[str, Any]) -> str:
    """The training settings of RECIPE, in words, for the messages."""
    s = recipe["solver"]
    decay = f", learning rate x {s['lr_decay']:g} per epoch" if "lr_decay" in s else ""
    return (f"{s['update_rule']}, learning rate {s['optim_config']['learning_rate']:g}{decay}, {s['num_epochs']} "
            f"epochs of batches of {s['batch_size']}")


def _release(t: TestContext, *handles: Handle) -> None:
    """Let the runner free objects it holds for the judge (the training arrays take 600 MB)."""
    try:
        t.session.request({"op": "release", "handles": [h.id for h in handles]})
    except CallError:
        pass
