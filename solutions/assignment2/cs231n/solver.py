"""Minibatch stochastic gradient descent for the classification models of the assignment.

A Solver trains any model that follows this interface:

- model.params: dictionary from parameter names to numpy arrays;
- model.loss(X, y): returns (loss, grads) for a minibatch X with labels y, grads having the keys of
  model.params;
- model.loss(X): returns the class scores, of shape (N, C), computed in test mode.

Typical use:

    data = {"X_train": X_train, "y_train": y_train, "X_val": X_val, "y_val": y_val}
    model = FullyConnectedNet([100, 100])
    solver = Solver(model, data, update_rule="adam", optim_config={"learning_rate": 1e-3},
                    lr_decay=0.95, num_epochs=5, batch_size=200, print_every=100)
    solver.train()

After train(), model.params holds the parameters that reached the best validation accuracy, and
solver.loss_history, solver.train_acc_history and solver.val_acc_history record the run.
"""

import pickle

import numpy as np

from . import optim


class Solver:
    """Trains a classification model with one of the update rules of cs231n/optim.py.

    Each iteration draws a random minibatch from the training data (with numpy's global generator, so
    np.random.seed makes a run reproducible), computes the loss and the gradients with model.loss and
    updates every parameter with the update rule. At the end of every epoch (and after the first and the
    last iteration) the accuracy on a subsample of the training data and on the validation data is
    recorded, and the learning rate is multiplied by lr_decay.

    Attributes after train():
    - loss_history: list of the minibatch losses, one per iteration
    - train_acc_history, val_acc_history: lists of the accuracies, one per check
    - best_val_acc: best validation accuracy seen; best_params: copy of the parameters that reached it
    - epoch: number of completed epochs
    """

    def __init__(self, model, data, **kwargs):
        """Creates a solver.

        Required inputs:
        - model: A model object following the interface described in the module docstring
        - data: Dictionary with the keys
          'X_train': training images, of shape (N_train, d_1, ..., d_k)
          'X_val': validation images, of shape (N_val, d_1, ..., d_k)
          'y_train': training labels, of shape (N_train,)
          'y_val': validation labels, of shape (N_val,)

        Optional keyword arguments:
        - update_rule: Name of an update rule of cs231n/optim.py, or such a function (default 'sgd')
        - optim_config: Dictionary of hyperparameters of the update rule, e.g. learning_rate; every
          parameter of the model gets its own copy (default {})
        - lr_decay: Factor applied to the learning rate after each epoch (default 1.0)
        - batch_size: Size of the minibatches (default 100)
        - num_epochs: Number of epochs to train for (default 10)
        - num_train_samples: Number of training images the training accuracy is measured on; None for
          all of them (default 1000)
        - num_val_samples: Number of validation images the validation accuracy is measured on; None for
          all of them (default None)
        - checkpoint_name: When not None, a checkpoint is pickled to '<checkpoint_name>_epoch_<epoch>.pkl'
          at every accuracy check (default None)
        - print_every: Print the loss every print_every iterations (default 10)
        - verbose: Whether to print progress (default True)

        Raises ValueError for an unknown keyword argument or update rule.
        """
        self.model = model
        self.X_train = data["X_train"]
        self.y_train = data["y_train"]
        self.X_val = data["X_val"]
        self.y_val = data["y_val"]

        self.update_rule = kwargs.pop("update_rule", "sgd")
        self.optim_config = kwargs.pop("optim_config", {})
        self.lr_decay = kwargs.pop("lr_decay", 1.0)
        self.batch_size = kwargs.pop("batch_size", 100)
        self.num_epochs = kwargs.pop("num_epochs", 10)
        self.num_train_samples = kwargs.pop("num_train_samples", 1000)
        self.num_val_samples = kwargs.pop("num_val_samples", None)
        self.checkpoint_name = kwargs.pop("checkpoint_name", None)
        self.print_every = kwargs.pop("print_every", 10)
        self.verbose = kwargs.pop("verbose", True)

        if kwargs:
            raise ValueError(f"Unrecognized arguments: {', '.join(sorted(kwargs))}")

        if isinstance(self.update_rule, str):
            if not callable(getattr(optim, self.update_rule, None)):
                raise ValueError(f'Invalid update_rule "{self.update_rule}": no such function in optim.py')
            self.update_rule = getattr(optim, self.update_rule)

        self._reset()

    def _reset(self):
        """Starts the histories, the best-model record and one optimizer state per parameter (from __init__).

        Inputs: none. Returns: None.
        """
        self.epoch = 0
        self.best_val_acc = 0
        self.best_params = {}
        self.loss_history = []
        self.train_acc_history = []
        self.val_acc_history = []

        # Each parameter has its own optimizer state (momentum, moments...), started from optim_config.
        self.optim_configs = {p: dict(self.optim_config) for p in self.model.params}

    def _step(self):
        """Updates every parameter once, from the gradients on a random minibatch (from train()).

        Inputs: none. Returns: None. The minibatch loss is appended to self.loss_history.
        """
        num_train = self.X_train.shape[0]
        batch_mask = np.random.choice(num_train, self.batch_size)
        X_batch = self.X_train[batch_mask]
        y_batch = self.y_train[batch_mask]

        loss, grads = self.model.loss(X_batch, y_batch)
        self.loss_history.append(loss)

        for p, w in self.model.params.items():
            next_w, next_config = self.update_rule(w, grads[p], self.optim_configs[p])
            self.model.params[p] = next_w
            self.optim_configs[p] = next_config

    def _save_checkpoint(self):
        """Pickles the model, the settings and the histories when checkpoint_name is set.

        Inputs: none. Returns: None. The file is '<checkpoint_name>_epoch_<epoch>.pkl'.
        """
        if self.checkpoint_name is None:
            return
        checkpoint = {
            "model": self.model,
            "update_rule": self.update_rule,
            "lr_decay": self.lr_decay,
            "optim_config": self.optim_config,
            "batch_size": self.batch_size,
            "num_train_samples": self.num_train_samples,
            "num_val_samples": self.num_val_samples,
            "epoch": self.epoch,
            "loss_history": self.loss_history,
            "train_acc_history": self.train_acc_history,
            "val_acc_history": self.val_acc_history,
        }
        filename = f"{self.checkpoint_name}_epoch_{self.epoch}.pkl"
        if self.verbose:
            print(f'Saving checkpoint to "{filename}"')
        with open(filename, "wb") as f:
            pickle.dump(checkpoint, f)

    def check_accuracy(self, X, y, num_samples=None, batch_size=100):
        """Fraction of the examples of X that the model classifies correctly.

        Inputs:
        - X: Array of data, of shape (N, d_1, ..., d_k)
        - y: Array of labels, of shape (N,)
        - num_samples: When not None and smaller than N, the accuracy is measured on num_samples examples
          drawn at random (without replacement)
        - batch_size: Number of examples scored at once

        Returns:
        - acc: Scalar, the fraction of the examples that the model classifies correctly
        """
        N = X.shape[0]
        if num_samples is not None and N > num_samples:
            mask = np.random.choice(N, num_samples, replace=False)
            X, y = X[mask], y[mask]
            N = num_samples

        starts = range(0, N, batch_size)
        y_pred = np.concatenate([np.argmax(self.model.loss(X[i : i + batch_size]), axis=1) for i in starts])
        return np.mean(y_pred == y)

    def train(self):
        """Runs the optimization for num_epochs epochs, then keeps the best parameters.

        Inputs: none. Returns: None. Afterwards model.params is best_params.
        """
        num_train = self.X_train.shape[0]
        iterations_per_epoch = max(num_train // self.batch_size, 1)
        num_iterations = self.num_epochs * iterations_per_epoch

        for t in range(num_iterations):
            self._step()

            if self.verbose and t % self.print_every == 0:
                print(f"(Iteration {t + 1} / {num_iterations}) loss: {self.loss_history[-1]:f}")

            epoch_end = (t + 1) % iterations_per_epoch == 0
            if epoch_end:
                self.epoch += 1
                for config in self.optim_configs.values():
                    config["learning_rate"] *= self.lr_decay

            if t == 0 or t == num_iterations - 1 or epoch_end:
                self._check_and_record()

        self.model.params = self.best_params

    def _check_and_record(self):
        """Measures the training and validation accuracies, records them and keeps the best parameters.

        Inputs: none. Returns: None.
        """
        train_acc = self.check_accuracy(self.X_train, self.y_train, num_samples=self.num_train_samples)
        val_acc = self.check_accuracy(self.X_val, self.y_val, num_samples=self.num_val_samples)
        self.train_acc_history.append(train_acc)
        self.val_acc_history.append(val_acc)
        self._save_checkpoint()

        if self.verbose:
            print(f"(Epoch {self.epoch} / {self.num_epochs}) train acc: {train_acc:f}; val_acc: {val_acc:f}")

        if val_acc > self.best_val_acc or not self.best_params:
            self.best_val_acc = val_acc
            self.best_params = {k: v.copy() for k, v in self.model.params.items()}
