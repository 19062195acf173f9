"""Runner-side helpers of the PyTorch tests, loaded into the runner as the module cs231n.grader_torch.

The judge holds no torch objects: it sends numpy arrays and handles, these helpers turn the arrays into tensors, call
the student's functions and modules, and send back numpy arrays (float64) and plain values. The grader's training
loop is here too. Nothing here knows an expected value or a label the judge evaluates with.
"""

from typing import Any

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

NO_GRAPH = ("does not depend on its inputs through autograd: compute it with torch operations on the given tensors "
            "(not under torch.no_grad(), without .detach(), .data, .item() or a detour through numpy)")


def _tensors(value: Any, grad: bool) -> Any:
    """Arrays (at any depth of lists) as new float tensors, requiring gradients when GRAD."""
    if isinstance(value, list):
        return [_tensors(v, grad) for v in value]
    return torch.tensor(np.asarray(value)).requires_grad_(grad)


def _array(value: Any, what: str) -> np.ndarray:
    """A tensor's values as a float64 array; TypeError naming WHAT when VALUE is not a tensor."""
    if not isinstance(value, torch.Tensor):
        raise TypeError(f"{what} returned a {type(value).__name__}, not a torch.Tensor")
    return value.detach().cpu().to(torch.float64).numpy()


def _grads(value: Any) -> Any:
    """The .grad of every tensor (at any depth of lists) as arrays, None where backward did not reach."""
    if isinstance(value, list):
        return [_grads(v) for v in value]
    return None if value.grad is None else value.grad.detach().to(torch.float64).numpy()


def _backward(out: torch.Tensor, dout: np.ndarray, what: str) -> None:
    """Backpropagates DOUT (an array of OUT's shape) from OUT; ValueError when OUT is not part of a graph."""
    if not out.requires_grad:
        raise ValueError(f"the result of {what} {NO_GRAPH}")
    out.backward(torch.as_tensor(np.asarray(dout), dtype=out.dtype))


def call(fn: Any, args: list[Any], dout: np.ndarray | None, what: str) -> dict[str, Any]:
    """fn(*args) on tensors made from ARGS (arrays, or lists of arrays such as params), all requiring gradients.

    Returns {"out": the result as an array} and, when DOUT is given and has the result's shape, "grads": the
    gradients of sum(result * dout) with respect to ARGS, in ARGS's structure (None where none arrived)."""
    tensors = _tensors(list(args), True)
    out = fn(*tensors)
    answer = {"out": _array(out, what)}
    if dout is not None and tuple(out.shape) == np.shape(dout):
        _backward(out, dout, what)
        answer["grads"] = _grads(tensors)
    return answer


def draw(fn: Any, args: list[Any], seed: int, what: str) -> dict[str, Any]:
    """fn(*args) with torch's generator seeded by SEED: the tensor's values and how autograd sees it."""
    torch.manual_seed(seed)
    w = fn(*args)
    return {"values": _array(w, what), "dtype": str(w.dtype).removeprefix("torch."),
            "requires_grad": bool(w.requires_grad), "is_leaf": bool(w.is_leaf)}


def build(factory: Any, args: list[Any], kwargs: dict[str, Any], seed: int, what: str) -> nn.Module:
    """factory(*args, **kwargs) with torch's generator seeded by SEED; TypeError unless it is an nn.Module."""
    torch.manual_seed(seed)
    model = factory(*args, **kwargs)
    if not isinstance(model, nn.Module):
        raise TypeError(f"{what} returned a {type(model).__name__}, not a torch.nn.Module")
    return model


def parameters(model: nn.Module, values: bool) -> list[list[Any]]:
    """[[name, shape]] of model.named_parameters(), in order, with the values (arrays) as a third item if VALUES."""
    return [[name, list(p.shape)] + ([_array(p, name)] if values else []) for name, p in model.named_parameters()]


def set_parameters(model: nn.Module, values: dict[str, np.ndarray]) -> None:
    """Copies VALUES ({parameter name: array}) into the model's parameters."""
    params = dict(model.named_parameters())
    with torch.no_grad():
        for name, value in values.items():
            params[name].copy_(torch.as_tensor(np.asarray(value)))


def forward_backward(model: nn.Module, x: np.ndarray, dout: np.ndarray, what: str) -> dict[str, Any]:
    """The model's scores for the images X and, when DOUT has their shape, the gradients of sum(scores * dout)
    with respect to every parameter: {"out": array, "grads": {name: array or None}}."""
    model.zero_grad(set_to_none=True)
    out = model(torch.tensor(np.asarray(x)))
    answer = {"out": _array(out, what)}
    if tuple(out.shape) == np.shape(dout):
        _backward(out, dout, what)
        answer["grads"] = {name: _grads(p) for name, p in model.named_parameters()}
    return answer


def _layer(layer: nn.Module) -> dict[str, Any]:
    """What the architecture test needs to know of one layer of an nn.Sequential."""
    info = {"type": type(layer).__name__, "kind": "other"}
    if isinstance(layer, nn.Conv2d):
        padding = layer.padding if isinstance(layer.padding, str) else list(layer.padding)
        info.update(kind="conv", in_channels=layer.in_channels, out_channels=layer.out_channels,
                    kernel_size=list(layer.kernel_size), stride=list(layer.stride), padding=padding,
                    dilation=list(layer.dilation), groups=layer.groups)
    elif isinstance(layer, nn.Linear):
        info.update(kind="linear", in_features=layer.in_features, out_features=layer.out_features)
    elif isinstance(layer, nn.ReLU):
        info["kind"] = "relu"
    elif isinstance(layer, nn.Flatten) or "flatten" in type(layer).__name__.lower():
        info["kind"] = "flatten"
    return info


def layers(model: nn.Module, what: str) -> list[dict[str, Any]]:
    """The layers of an nn.Sequential, described; TypeError when MODEL is another kind of module."""
    if not isinstance(model, nn.Sequential):
        raise TypeError(f"{what} returned a {type(model).__name__}, not a torch.nn.Sequential")
    return [_layer(layer) for layer in model]


def train(model: nn.Module, X: np.ndarray, y: np.ndarray, recipe: dict[str, Any]) -> np.ndarray:
    """The grader's training loop: cross-entropy loss, torch.optim.Adam with recipe's learning_rate over
    model.parameters(), recipe's epochs of minibatches of recipe's batch_size in an order seeded by recipe's seed.

    Returns the loss of every iteration (an array)."""
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("the model has no trainable parameters, so nothing can train it: its layers must be "
                         "attributes of the module (layers kept in a Python list or dict are invisible to "
                         "model.parameters(): use nn.ModuleList or nn.Sequential)")
    torch.manual_seed(recipe["seed"])
    generator = torch.Generator().manual_seed(recipe["seed"])
    optimizer = torch.optim.Adam(params, lr=recipe["learning_rate"])
    images, labels = torch.tensor(np.asarray(X)), torch.tensor(np.asarray(y))
    model.train()
    losses = []
    for _ in range(recipe["epochs"]):
        order = torch.randperm(len(labels), generator=generator)
        for start in range(0, len(labels), recipe["batch_size"]):
            batch = order[start : start + recipe["batch_size"]]
            scores = model(images[batch])
            if not isinstance(scores, torch.Tensor) or not scores.requires_grad:
                raise ValueError(f"the model's forward pass {NO_GRAPH}")
            loss = F.cross_entropy(scores, labels[batch])
            optimizer.zero_grad()
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    return np.array(losses)


def scores(model: nn.Module, X: np.ndarray, batch_size: int, what: str) -> np.ndarray:
    """The model's scores for the images X, in evaluation mode and without gradients: an array (N, classes)."""
    model.eval()
    images = torch.tensor(np.asarray(X))
    with torch.no_grad():
        return np.concatenate([_array(model(images[start : start + batch_size]), what)
                               for start in range(0, len(images), batch_size)])


def load_state(model: nn.Module, path: str, what: str) -> None:
    """Loads the state_dict saved at PATH into the model (torch.load with weights_only=True: tensors and plain
    containers only, never other objects) and switches it to evaluation mode."""
    state = torch.load(path, map_location="cpu", weights_only=True)
    if not isinstance(state, dict) or not all(isinstance(k, str) and isinstance(v, torch.Tensor)
                                              for k, v in state.items()):
        raise ValueError(f"{what} does not hold a state_dict (a dictionary of tensors): save it with "
                         "torch.save(model.state_dict(), 'best_model.pt')")
    missing, unexpected = model.load_state_dict(state, strict=False)
    if missing or unexpected:
        raise ValueError(f"{what} does not fit the network that best_model() builds: missing entries "
                         f"{list(missing)[:5]}, unexpected entries {list(unexpected)[:5]}")
    model.eval()
