"""CIFAR-10 as PyTorch tensors, accuracy checks and training loops for the PyTorch notebook (given code).

The networks themselves are in cs231n/pytorch_models.py. Everything runs on the CPU; on a machine with a GPU,
move the model and each minibatch with .to("cuda") if you want to (the loops below leave the device alone).
"""

import time
from dataclasses import dataclass, field

import torch
import torch.nn as nn
import torch.nn.functional as F

from .data_utils import get_CIFAR10_data, normalize_channels


def load_cifar10_tensors(num_training=49000, num_validation=1000, num_test=1000, cifar10_dir=None):
    """Loads CIFAR-10 as tensors, with the split of get_CIFAR10_data and per-channel normalization.

    Inputs:
    - num_training, num_validation, num_test: Sizes of the three sets (the validation images are the training
      images num_training .. num_training + num_validation - 1, the test images the first num_test test images)
    - cifar10_dir: Folder of the batches, or None (see cs231n/data_utils.py)

    Returns a dictionary with the keys:
    - 'X_train', 'X_val', 'X_test': float32 tensors of shape (N, 3, 32, 32), each channel normalized with the
      training images' statistics (data_utils.normalize_channels)
    - 'y_train', 'y_val', 'y_test': int64 tensors of shape (N,)
    """
    data = get_CIFAR10_data(num_training, num_validation, num_test, subtract_mean=False, cifar10_dir=cifar10_dir)
    return {name: torch.from_numpy(normalize_channels(value) if name.startswith("X") else value)
            for name, value in data.items()}


def minibatches(X, y, batch_size, shuffle=False, generator=None):
    """Iterates over a data set in minibatches.

    Inputs:
    - X: Tensor of shape (N, ...); y: tensor of shape (N,)
    - batch_size: Number of examples per minibatch (the last one may be smaller)
    - shuffle: Whether to visit the examples in a random order (a new one at every call)
    - generator: torch.Generator for that order, or None for torch's global generator

    Yields tuples (X_batch, y_batch) of shapes (B, ...) and (B,)
    """
    order = torch.randperm(X.shape[0], generator=generator) if shuffle else torch.arange(X.shape[0])
    for start in range(0, X.shape[0], batch_size):
        indices = order[start : start + batch_size]
        yield X[indices], y[indices]


def check_accuracy(model, X, y, batch_size=500):
    """The fraction of examples that a model classifies correctly.

    Inputs:
    - model: A callable mapping a minibatch of shape (B, ...) to scores of shape (B, C): an nn.Module (evaluated
      in eval mode, then put back in the mode it was in) or a function such as lambda x: two_layer_fc(x, params)
    - X: Tensor of shape (N, ...); y: int64 tensor of shape (N,)
    - batch_size: Number of examples scored at once

    Returns:
    - accuracy: Python float in [0, 1]
    """
    was_training = isinstance(model, nn.Module) and model.training
    if isinstance(model, nn.Module):
        model.eval()
    correct = 0
    with torch.no_grad():
        for X_batch, y_batch in minibatches(X, y, batch_size):
            correct += int((model(X_batch).argmax(dim=1) == y_batch).sum())
    if was_training:
        model.train()
    return correct / X.shape[0]


def random_horizontal_flip(X, generator=None):
    """Data augmentation: mirrors each image of a minibatch left-right with probability 1/2.

    Inputs:
    - X: Minibatch of images of shape (N, C, H, W)
    - generator: torch.Generator for the coin flips, or None

    Returns:
    - A new tensor of shape (N, C, H, W)
    """
    flip = torch.rand(X.shape[0], generator=generator) < 0.5
    return torch.where(flip[:, None, None, None], X.flip(3), X)


@dataclass
class History:
    """What a training run recorded: the loss of every iteration, the accuracies after every epoch (training
    accuracy on the first 1,000 training images), and the seconds spent training."""

    loss: list = field(default_factory=list)
    train_acc: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    seconds: float = 0.0


def _train(step, model, data, epochs, batch_size, print_every, max_iterations, augment, seed):
    """The loop shared by the training functions: step(X_batch, y_batch) -> loss (a Python float) updates the
    parameters; model is the callable that check_accuracy scores after each epoch."""
    generator = torch.Generator().manual_seed(seed) if seed is not None else None
    history, start, iteration = History(), time.perf_counter(), 0
    for epoch in range(1, epochs + 1):
        for X_batch, y_batch in minibatches(data["X_train"], data["y_train"], batch_size, True, generator):
            if augment is not None:
                X_batch = augment(X_batch, generator)
            history.loss.append(step(X_batch, y_batch))
            iteration += 1
            if print_every and iteration % print_every == 0:
                print(f"Iteration {iteration}, loss = {history.loss[-1]:.4f}")
            if max_iterations is not None and iteration >= max_iterations:
                break
        history.train_acc.append(check_accuracy(model, data["X_train"][:1000], data["y_train"][:1000]))
        history.val_acc.append(check_accuracy(model, data["X_val"], data["y_val"]))
        print(f"Epoch {epoch}: training accuracy {history.train_acc[-1]:.3f}, validation accuracy "
              f"{history.val_acc[-1]:.3f} ({time.perf_counter() - start:.0f} s)")
        if max_iterations is not None and iteration >= max_iterations:
            print(f"Stopped after {iteration} iterations (max_iterations)")
            break
    history.seconds = time.perf_counter() - start
    return history


def train_barebones(model_fn, params, data, learning_rate, epochs=1, batch_size=64, print_every=100,
                    max_iterations=None, seed=None):
    """Trains a barebones network with stochastic gradient descent on the softmax (cross-entropy) loss.

    Inputs:
    - model_fn: Function (x, params) -> scores, such as two_layer_fc
    - params: List of the network's weight tensors (leaves with requires_grad=True), updated in place
    - data: Dictionary with 'X_train', 'y_train', 'X_val', 'y_val' (as load_cifar10_tensors returns)
    - learning_rate: Step size of the updates w -= learning_rate * dw
    - epochs: Number of passes over the training set
    - batch_size: Number of examples per minibatch
    - print_every: Print the loss every this many iterations (0: never)
    - max_iterations: Stop after this many iterations in all, or None
    - seed: Seed of the order of the minibatches, or None

    Returns:
    - history: A History
    """

    def step(X_batch, y_batch):
        loss = F.cross_entropy(model_fn(X_batch, params), y_batch)
        loss.backward()
        with torch.no_grad():
            for w in params:
                w -= learning_rate * w.grad
                w.grad.zero_()
        return loss.item()

    return _train(step, lambda x: model_fn(x, params), data, epochs, batch_size, print_every, max_iterations,
                  None, seed)


def train_module(model, optimizer, data, epochs=1, batch_size=64, scheduler=None, augment=None, print_every=100,
                 max_iterations=None, seed=None):
    """Trains an nn.Module on the softmax (cross-entropy) loss with a torch.optim optimizer.

    Inputs:
    - model: The nn.Module; it is put in training mode for the updates
    - optimizer: A torch.optim optimizer over model.parameters()
    - data: Dictionary with 'X_train', 'y_train', 'X_val', 'y_val' (as load_cifar10_tensors returns)
    - epochs: Number of passes over the training set
    - batch_size: Number of examples per minibatch
    - scheduler: A learning rate scheduler (torch.optim.lr_scheduler), stepped after every iteration, or None
    - augment: Function (X_batch, generator) -> X_batch applied to every training minibatch (such as
      random_horizontal_flip), or None
    - print_every: Print the loss every this many iterations (0: never)
    - max_iterations: Stop after this many iterations in all, or None
    - seed: Seed of the order of the minibatches and of the augmentation, or None

    Returns:
    - history: A History
    """

    def step(X_batch, y_batch):
        model.train()
        loss = F.cross_entropy(model(X_batch), y_batch)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        if scheduler is not None:
            scheduler.step()
        return loss.item()

    return _train(step, model, data, epochs, batch_size, print_every, max_iterations, augment, seed)
