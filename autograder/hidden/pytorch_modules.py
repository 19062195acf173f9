"""Hidden tests of the modules of cs231n/pytorch_models.py: TwoLayerFC, ThreeLayerConvNet (nn.Module) and
sequential_three_layer_convnet (nn.Sequential).

A module is built in the runner with torch's generator seeded (then it stays there, behind a handle). Its parameters
are matched with the reference module's by their shapes (the sizes are chosen so that every shape differs), so the
student may name and order the layers as they like. The tests then check:
- the parameter shapes, and the weights' initialization statistics (Kaiming: mean 0, standard deviation
  sqrt(2 / fan_in); normal or uniform), on sizes with at least 1,000 weights per layer;
- with the reference's parameters copied into the student's module: the scores and every parameter's gradient
  (backward() of sum(scores * dout)) against the reference module's, on inputs the notebook does not use (a batch
  of one image, other channel counts, non-square images);
- for nn.Sequential: the layers in order (Conv2d 5x5 with padding 2, ReLU, Conv2d 3x3 with padding 1, ReLU, a
  flatten layer, Linear), then the scores and gradients as above.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden.pytorch_common import (
    by_shape,
    check_kaiming,
    compare,
    float32,
    float64,
    local_probe,
    probe,
    reference,
    start,
    student,
    weights,
)
from autograder.runner.wire import Handle

# TwoLayerFC(input_size, hidden_size, num_classes): statistics on large layers, values on a batch of one image
FC_INIT = (600, 300, 10)
FC_CASES = [((1, 3, 4, 5), 23, 7), ((4, 50), 31, 3)]
# ThreeLayerConvNet(in_channel, channel_1, channel_2, num_classes, image_size=(H, W))
CONV_INIT = (3, 32, 16, 10, (32, 32))
CONV_CASES = [(1, (2, 6, 4, 5, (10, 6))), (3, (3, 5, 7, 4, (8, 8)))]
SEQUENTIAL_CASES = [(1, (3, 6, 4, 5, (9, 7))), (2, (2, 5, 3, 4, (6, 6)))]
SEQUENTIAL_KINDS = ["conv", "relu", "conv", "relu", "flatten", "linear"]


def build(t: TestContext, name: str, args: tuple[Any, ...], seed: int = 231) -> Handle:
    """The student's NAME(*ARGS), built in the runner with torch seeded; Fail unless it is an nn.Module."""
    what = f"{name}{_call_text(args)}"
    model = probe(t, "build", student(t, name), list(args[:4]), _kwargs(args), seed, what, what=what)
    if not isinstance(model, Handle):
        raise Fail(f"{what} did not return an object the grader can use")
    return model


def _kwargs(args: tuple[Any, ...]) -> dict[str, Any]:
    return {"image_size": args[4]} if len(args) > 4 else {}


def _call_text(args: tuple[Any, ...]) -> str:
    return "(" + ", ".join([str(a) for a in args[:4]] + [f"image_size={a}" for a in args[4:]]) + ")"


def reference_model(name: str, args: tuple[Any, ...]) -> Any:
    """The reference module NAME(*ARGS), in float64."""
    import torch

    torch.manual_seed(0)
    return getattr(reference(), name)(*args[:4], **_kwargs(args)).double()


def fan_in(shape: tuple[int, ...]) -> int:
    """The fan-in of a PyTorch weight: in_features of a Linear weight (out, in), C * K * K of a Conv2d weight."""
    return int(np.prod(shape[1:]))


def check_init(t: TestContext, name: str, args: tuple[Any, ...]) -> None:
    """The parameter shapes of NAME(*ARGS), then Kaiming statistics of its weights (the reference's 'weight'
    parameters)."""
    model = build(t, name, args)
    what = f"{name}{_call_text(args)}"
    got = probe(t, "parameters", model, True, what=what)
    expected = {n: tuple(p.shape) for n, p in reference_model(name, args).named_parameters()}
    names: dict[str, str] = {}
    with t.part(f"parameters of {what}: {len(expected)} tensors of the right shapes"):
        names = by_shape(what, got, expected)
    values = {names[n]: v for n, _, v in got if n in names}
    for ref_name, shape in expected.items():
        if ref_name.endswith("weight"):
            with t.part(f"Kaiming initialization of the weight of shape {shape}", weight=0.5):
                if ref_name not in values:
                    raise Fail("not checked: the module has no parameter of this shape")
                check_kaiming(f"{what}: the weight of shape {shape}", values[ref_name], fan_in(shape))


def check_values(t: TestContext, name: str, args: tuple[Any, ...], x_shape: tuple[int, ...], classes: int) -> None:
    """With the same random parameters in the student's and the reference's NAME(*ARGS): the scores of a random
    input of X_SHAPE and the gradient of every parameter."""
    what = f"{name}{_call_text(args)}"
    model, ref = build(t, name, args), reference_model(name, args)
    expected = {n: tuple(p.shape) for n, p in ref.named_parameters()}
    names = by_shape(what, probe(t, "parameters", model, False, what=what), expected)
    values = {n: weights(t.rng, s, fan_in(s)) if len(s) > 1 else float32(t.rng, s, 0.1) for n, s in expected.items()}
    probe(t, "set_parameters", model, {mine: values[theirs] for mine, theirs in names.items()}, what=what)
    local = local_probe()
    local.set_parameters(ref, float64(values))
    x = float32(t.rng, x_shape)
    dout = float32(t.rng, (x_shape[0], classes))
    got = probe(t, "forward_backward", model, x, dout, what, what=what)
    want = local.forward_backward(ref, float64(x), dout, what)
    where = f"for input of shape {x_shape}"
    compare(f"{what}'s scores {where}", got["out"], want["out"])
    if "grads" not in got:
        raise Fail(f"{what} {where}: no gradients computed")
    for mine, theirs in names.items():
        compare(f"{what}: the gradient of the parameter of shape {expected[theirs]} {where}", got["grads"][mine],
                want["grads"][theirs])


@grader_test("pytorch.module_two_layer_fc")
def module_two_layer_fc(t: TestContext) -> None:
    """TwoLayerFC: two linear layers of the right shapes with Kaiming-initialized weights; scores and gradients with
    set parameters against the reference for a batch of one image and for a 2-D input."""
    start(t)
    check_init(t, "TwoLayerFC", FC_INIT)
    for x_shape, hidden, classes in FC_CASES:
        args = (int(np.prod(x_shape[1:])), hidden, classes)
        with t.part(f"scores and gradients of TwoLayerFC{args} for an input of shape {x_shape}"):
            check_values(t, "TwoLayerFC", args, x_shape, classes)


@grader_test("pytorch.module_three_layer_convnet")
def module_three_layer_convnet(t: TestContext) -> None:
    """ThreeLayerConvNet: conv 5x5, conv 3x3 and linear layers of the right shapes with Kaiming-initialized weights;
    scores and gradients with set parameters against the reference on a batch of one non-square image and on other
    channel counts."""
    start(t)
    check_init(t, "ThreeLayerConvNet", CONV_INIT)
    for N, args in CONV_CASES:
        x_shape = (N, args[0], *args[4])
        with t.part(f"scores and gradients of ThreeLayerConvNet{_call_text(args)} for an input of shape {x_shape}"):
            check_values(t, "ThreeLayerConvNet", args, x_shape, args[3])


@grader_test("pytorch.sequential")
def sequential(t: TestContext) -> None:
    """sequential_three_layer_convnet: an nn.Sequential of Conv2d (5x5, padding 2), ReLU, Conv2d (3x3, padding 1),
    ReLU, a flatten layer and Linear, in this order; its scores and gradients with set parameters against the
    reference's on a batch of one non-square image and on other channel counts."""
    start(t)
    name = "sequential_three_layer_convnet"
    for N, args in SEQUENTIAL_CASES:
        what = f"{name}{_call_text(args)}"
        with t.part(f"the layers of {what}"):
            check_layers(what, probe(t, "layers", build(t, name, args), what, what=what), args)
        x_shape = (N, args[0], *args[4])
        with t.part(f"scores and gradients of {what} for an input of shape {x_shape}"):
            check_values(t, name, args, x_shape, args[3])


def check_layers(what: str, layers: list[dict[str, Any]], args: tuple[Any, ...]) -> None:
    """Fail unless LAYERS (the runner's description of the nn.Sequential's layers) are the six of the docstring."""
    in_channel, channel_1, channel_2, classes, (H, W) = args
    kinds = [layer["kind"] for layer in layers]
    if kinds != SEQUENTIAL_KINDS:
        found = ", ".join(layer["type"] for layer in layers) or "no layers"
        raise Fail(f"{what} holds {found}; expected Conv2d, ReLU, Conv2d, ReLU, Flatten, Linear in this order")
    conv1, conv2, linear = layers[0], layers[2], layers[5]
    for layer, label, channels, kernel, pad in ((conv1, "first", (in_channel, channel_1), 5, 2),
                                               (conv2, "second", (channel_1, channel_2), 3, 1)):
        got = ((layer["in_channels"], layer["out_channels"]), layer["kernel_size"], layer["stride"], layer["padding"],
               layer["dilation"], layer["groups"])
        if got != (channels, [kernel, kernel], [1, 1], [pad, pad], [1, 1], 1):
            raise Fail(f"{what}: the {label} Conv2d has {channels_text(got)}; expected {channels[0]} -> "
                       f"{channels[1]} channels, {kernel}x{kernel} filters, stride 1, padding {pad}")
    if (linear["in_features"], linear["out_features"]) != (channel_2 * H * W, classes):
        raise Fail(f"{what}: the Linear layer maps {linear['in_features']} features to {linear['out_features']}; "
                   f"expected {channel_2 * H * W} (channel_2 * H * W) to {classes}")


def channels_text(got: tuple[Any, ...]) -> str:
    (c_in, c_out), kernel, stride, padding, dilation, groups = got
    extra = f", dilation {dilation}, groups {groups}" if (dilation, groups) != ([1, 1], 1) else ""
    return f"{c_in} -> {c_out} channels, {kernel} filters, stride {stride}, padding {padding}{extra}"
