"""Hidden tests of the PyTorch part that use CIFAR-10 (autograder/torch_data.py): the grader's own training of the
student's ThreeLayerConvNet, and the saved open-ended model.

In both, the runner returns scores for images the judge sends and the judge computes the accuracy with labels the
runner never receives (only the training images' labels cross, to train on).

convnet_training: the student's ThreeLayerConvNet(3, 8, 8, 10), built with torch seeded, trained by the grader's loop
(torch_probe.train: cross-entropy, Adam 1e-3, one epoch of the first 2,000 training images in minibatches of 50, in a
seeded order), then scored on the 1,000 validation images. Measured on the reference in a runner with one thread
(seconds of the test on a machine loaded by other work: 2-5 s): 31.7-36.2% for torch seeds 231-235; the same net
without its ReLUs (a linear model) 27.0-30.5%; a net whose parameters are not registered does not train (10%).
TARGET 25% is far above chance and leaves the reference 6.7 points of margin: a model that trains passes (a missing
ReLU is the business of the module's own test), one that does not fails.

best_model: best_model() builds the student's network in the runner, best_model.pt is checked without unpickling it
(state_dict_file.py) and loaded with torch.load(weights_only=True), and the network scores the 1,000 validation
images (the notebook's target: 70%) and, because the validation images and their labels are public and a network
could be fit to them, the 1,000 test images mirrored left to right, which no one trains or selects on (CIFAR-10's
test images and labels are public too: mirrored, they are images that are in no data set a network could have
stored). A network that learned scores about as well on them as on the validation images: the solution's 76.4% on
the validation images, 76.1% on the test images, 76.1% on the mirrored test images; the same architecture trained
without mirrored images, 74.3%, 75.9%, 74.8%. With 1,000 images an accuracy's standard error is at most 1.6 points,
so UNSEEN_TARGET, 8 points below VAL_TARGET, fails no network that truly reaches 70%, and fails one that reaches it
only by having stored the validation images (tests/test_mutations_pytorch.py: 100% on them, chance on the others).
"""

from __future__ import annotations

import numpy as np

from autograder import state_dict_file, torch_data
from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden.pytorch_common import probe, start, student
from autograder.hidden.pytorch_modules import build
from autograder.runner.wire import Handle
from autograder.submission import TORCH_MODEL_FILE as MODEL_FILE

TRAINING = {"args": (3, 8, 8, 10), "seed": 231, "learning_rate": 1e-3, "epochs": 1, "batch_size": 50}
TRAINING_TARGET = 0.25
TRAIN_TIMEOUT = 120.0  # seconds; the reference trains in 2-5 s
VAL_TARGET = 0.70
UNSEEN_TARGET = 0.62
# Seconds to score 1,000 images in the runner: a large open-ended network (a ResNet-18) takes about a minute on one
# thread, the notebook's networks a few seconds; 5x the ResNet-18's minute leaves room for a loaded machine.
SCORE_TIMEOUT = 300.0
SCORE_BATCH = 250


def arrays(t: TestContext, *names: str) -> tuple[np.ndarray, ...]:
    """The PyTorch tests' arrays NAMES (judge side)."""
    return torch_data.load(torch_data.folder_beside(t.grading_data()), *names)


def accuracy(t: TestContext, model: Handle, X: np.ndarray, y: np.ndarray, what: str) -> float:
    """The fraction of X that the model's scores (computed in the runner, compared here) classify as y."""
    scores = probe(t, "scores", model, X, SCORE_BATCH, what, what=what, timeout=SCORE_TIMEOUT)
    if not isinstance(scores, np.ndarray) or scores.shape != (len(y), 10):
        raise Fail(f"{what} gave scores of shape {np.shape(scores)} for {len(y)} images, expected ({len(y)}, 10)")
    return float(np.mean(np.argmax(scores, axis=1) == y))


@grader_test("pytorch.convnet_training", needs_data=True)
def convnet_training(t: TestContext) -> None:
    """Your ThreeLayerConvNet(3, 8, 8, 10), trained by the grader (Adam, one epoch of 2,000 CIFAR-10 training images),
    reaches 25% accuracy on the 1,000 validation images: its parameters are registered and learn."""
    start(t)
    X, y, X_val, y_val = arrays(t, "X_train", "y_train", "X_val", "y_val")
    r = TRAINING
    model = build(t, "ThreeLayerConvNet", r["args"], r["seed"])
    what = f"ThreeLayerConvNet{r['args']}"
    recipe = {key: r[key] for key in ("seed", "learning_rate", "epochs", "batch_size")}
    probe(t, "train", model, X, y, recipe, what=f"training {what} with the grader's loop", timeout=TRAIN_TIMEOUT)
    acc = accuracy(t, model, X_val, y_val, what)
    t.note(f"validation accuracy {acc:.1%} after the grader's training (target {TRAINING_TARGET:.0%})")
    if acc < TRAINING_TARGET:
        raise Fail(f"{what} reached {acc:.1%} validation accuracy after one epoch of Adam (learning rate "
                   f"{r['learning_rate']:g}, minibatches of {r['batch_size']}) on {len(y)} training images, below "
                   f"{TRAINING_TARGET:.0%}; a correct ThreeLayerConvNet reaches over 30%")


@grader_test("pytorch.best_model", needs_data=True)
def best_model(t: TestContext) -> None:
    """Your open-ended network: best_model() with the weights of best_model.pt reaches 70% accuracy on the 1,000
    validation images, and 62% on images it was not trained on (the 1,000 test images, mirrored left to right)."""
    path = t.submission / MODEL_FILE
    if not path.is_file():
        raise Fail(f"the submission has no {MODEL_FILE}: run the open-ended part of PyTorch.ipynb, which saves it, "
                   "then collect_submission.py")
    problem = state_dict_file.problem(path)
    if problem:
        raise Fail(problem)
    start(t)
    X_val, y_val, X_test, y_test = arrays(t, "X_val", "y_val", "X_test", "y_test")
    model = load(t)
    with t.part(f"at least {VAL_TARGET:.0%} on the 1,000 validation images", weight=2):
        acc = accuracy(t, model, X_val, y_val, f"best_model() with {MODEL_FILE}")
        t.note(f"{MODEL_FILE}: validation accuracy {acc:.1%}")
        if acc < VAL_TARGET:
            raise Fail(f"{MODEL_FILE} reaches {acc:.1%} validation accuracy, below {VAL_TARGET:.0%}")
    with t.part(f"at least {UNSEEN_TARGET:.0%} on images it was not trained on (the 1,000 test images, mirrored)"):
        acc = accuracy(t, model, np.ascontiguousarray(X_test[..., ::-1]), y_test, f"best_model() with {MODEL_FILE}")
        t.note(f"{MODEL_FILE}: accuracy {acc:.1%} on the test images, mirrored left to right")
        if acc < UNSEEN_TARGET:
            raise Fail(f"{MODEL_FILE} reaches {acc:.1%} on images it was not trained on (the test images, mirrored "
                       f"left to right), below {UNSEEN_TARGET:.0%}: a network that reaches {VAL_TARGET:.0%} on the "
                       "validation images by learning reaches that too; train on the training images only")


def load(t: TestContext) -> Handle:
    """The student's best_model() in the runner, with the weights of the submitted best_model.pt."""
    what = f"best_model() with the weights of {MODEL_FILE}"
    model = probe(t, "build", student(t, "best_model"), [], {}, 231, "best_model()", what="best_model()")
    if not isinstance(model, Handle):
        raise Fail("best_model() did not return an object the grader can use")
    probe(t, "load_state", model, t.in_runner(MODEL_FILE), MODEL_FILE, what=what)
    return model
