"""Hidden tests of ThreeLayerConvNet (cs231n/classifiers/cnn.py): conv - relu - 2x2 max pool - affine - relu - affine.

As for the fully connected nets (see fc_net.py, whose helpers these tests share), every parameter is set explicitly
from the judge and the scores, the loss and the gradients are compared with the reference model holding the same
parameters. The sizes are not the notebook's: other filter sizes, numbers of filters, hidden sizes and classes, and a
non-square input (3, 16, 12). The official architecture allows it (input_dim is (C, H, W); the convolution keeps
H x W, the pooling halves both), so a model that assumes square images loses that part only.

Parameters: W1 ~ N(0, 1 / (C * k * k)), W2 and W3 ~ N(0, 1 / fan_in), biases of 0.1 * N(0, 1), so every layer's
activations are of order one and with reg = 0.6 every weight's L2 term is at least 10% of the loss.

Thresholds: correct float64 code matches the reference's loss and scores to ~1e-15 and its gradients to ~1e-12 (the
convolution's sums in another order); LOSS_TOL = 1e-8 and GRAD_TOL = 1e-7 as in fc_net.py. The gradients of this net
are NOT compared with numerical derivatives (those reach 3e-2 through the ReLU and max-pool kinks), except as a
diagnostic, with directional derivatives, when they differ from the reference's."""

from __future__ import annotations

import numpy as np

from autograder import checks
from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden.fc_net import (
    Case,
    GradientGrader,
    case,
    check_loss,
    check_scores,
    minibatch,
    model_loss,
    model_params,
    new_model,
    runner_dtype,
)
from autograder.reference import cnn as ref

CONVNET = "cnn.ThreeLayerConvNet"
# (input_dim, num_filters, filter_size, hidden_dim, num_classes)
SQUARE = ((3, 10, 10), 5, 3, 8, 7)
NON_SQUARE = ((3, 16, 12), 4, 5, 9, 6)


def _shapes(input_dim: tuple[int, int, int], num_filters: int, filter_size: int, hidden_dim: int,
            num_classes: int) -> dict[str, tuple[int, ...]]:
    C, H, W = input_dim
    return {"W1": (num_filters, C, filter_size, filter_size), "b1": (num_filters,),
            "W2": (num_filters * (H // 2) * (W // 2), hidden_dim), "b2": (hidden_dim,),
            "W3": (hidden_dim, num_classes), "b3": (num_classes,)}


def _check_shapes(t: TestContext, params: dict, want: dict[str, tuple[int, ...]], what: str) -> None:
    """PARAMS holds the keys and shapes WANT; a bias of shape (1, F) costs the rubric's shape_only share."""
    got = {k: getattr(v, "shape", None) for k, v in params.items()}
    if set(got) != set(want) or any(got[k] != shape and checks.aligned(params[k], shape) is None or
                                    got[k] != shape and k.startswith("W") for k, shape in want.items()):
        raise Fail(f"{what}.params should hold {want}")
    for key, shape in want.items():
        if got[key] != shape and "params b" not in t.shapes:
            t.shape_only("params b", checks.shape_message(f"{what}.params['{key}']", got[key], shape, "(F,)"))


def _params(rng: np.random.Generator, shapes: dict[str, tuple[int, ...]]) -> dict[str, np.ndarray]:
    return {key: rng.standard_normal(shape) / np.sqrt(np.prod(shape[1:] if key == "W1" else shape[:1]))
            if key.startswith("W") else 0.1 * rng.standard_normal(shape) for key, shape in shapes.items()}


def _convnet(t: TestContext, sizes: tuple, reg: float = 0.0, **kwargs) -> Case:
    """The student's and the reference ThreeLayerConvNet of SIZES with the same random parameters, on 3 images."""
    input_dim, num_filters, filter_size, hidden_dim, num_classes = sizes
    config = {"input_dim": input_dim, "num_filters": num_filters, "filter_size": filter_size,
              "hidden_dim": hidden_dim, "num_classes": num_classes, "reg": reg}
    what = "ThreeLayerConvNet(" + ", ".join(f"{k}={v}" for k, v in config.items() if k != "reg" or reg) + ")"
    model = new_model(t, CONVNET, dtype=runner_dtype("float64"), **config, **kwargs)
    X, y = minibatch(t.rng, (3, *input_dim), num_classes)
    return case(t, what, model, ref.ThreeLayerConvNet(dtype=np.float64, **config),
                _params(t.rng, _shapes(*sizes)), X, y)


@grader_test("cnn.convnet_loss")
def convnet_loss(t: TestContext) -> None:
    """ThreeLayerConvNet: parameter shapes and a loss of about log(C) at initialization; scores and loss on explicit
    parameters against the reference with other sizes, L2 regularization (0.5 * reg * sum(W * W) on W1, W2, W3) and
    a non-square input."""
    with t.part("initialization: parameter shapes (square and non-square input), and a loss of about "
                "log(num_classes) with small weights"):
        for sizes in (SQUARE, NON_SQUARE):
            input_dim, num_filters, filter_size, hidden_dim, num_classes = sizes
            what = (f"ThreeLayerConvNet(input_dim={input_dim}, num_filters={num_filters}, filter_size={filter_size}, "
                    f"hidden_dim={hidden_dim}, num_classes={num_classes})")
            model = new_model(t, CONVNET, input_dim=input_dim, num_filters=num_filters, filter_size=filter_size,
                              hidden_dim=hidden_dim, num_classes=num_classes, weight_scale=1e-3,
                              dtype=runner_dtype("float64"), reseed=2)
            _check_shapes(t, model_params(t, model, what), _shapes(*sizes), what)
            X, y = minibatch(t.rng, (4, *input_dim), num_classes)
            loss, _ = model_loss(t, model, X, y, what)
            if abs(loss - np.log(num_classes)) > 0.01:  # weights of std 1e-3: scores ~1e-4, loss = log C +- 1e-3
                raise Fail(f"{what}: with weight_scale=1e-3 the loss should be about log({num_classes}) = "
                           f"{np.log(num_classes):.3f}, not {loss:.3f}")
    with t.part("scores (y omitted) and loss without regularization"):
        c = _convnet(t, SQUARE)
        check_scores(t, c, c.X)
        check_loss(t, c)
    with t.part("loss with L2 regularization of W1, W2 and W3"):
        check_loss(t, _convnet(t, SQUARE, reg=0.6))
    with t.part(f"scores and loss on a non-square input {NON_SQUARE[0]}"):
        c = _convnet(t, NON_SQUARE, reg=0.6)
        check_scores(t, c, c.X)
        check_loss(t, c)


@grader_test("cnn.convnet_gradients")
def convnet_gradients(t: TestContext) -> None:
    """ThreeLayerConvNet's gradients (one per parameter, of its shape) on explicit parameters against the reference:
    without and with L2 regularization, and on a non-square input."""
    grader = GradientGrader(t)
    for label, c in [("gradients without regularization", _convnet(t, SQUARE)),
                     ("gradients with L2 regularization", _convnet(t, SQUARE, reg=0.6)),
                     (f"gradients on a non-square input {NON_SQUARE[0]}", _convnet(t, NON_SQUARE, reg=0.6))]:
        with t.part(label):
            grader.check(label, c)
    grader.settle()

