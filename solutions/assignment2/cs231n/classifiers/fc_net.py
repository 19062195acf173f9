"""Fully connected networks: a two-layer net and a net of any depth, trained with a softmax loss."""

import numpy as np

from ..layer_utils import (
    affine_norm_relu_backward,
    affine_norm_relu_forward,
    affine_relu_backward,
    affine_relu_forward,
)
from ..layers import affine_backward, affine_forward, dropout_backward, dropout_forward, softmax_loss


class TwoLayerNet:
    """Two-layer network: affine - relu - affine - softmax.

    Inputs have D features once flattened, the hidden layer has H units and the scores cover C classes.
    The model only computes scores, the loss and its gradients: a Solver (cs231n/solver.py) updates the
    parameters. The parameters live in self.params, a dictionary from names ('W1', 'b1', 'W2', 'b2') to
    numpy arrays.
    """

    def __init__(self, input_dim=3 * 32 * 32, hidden_dim=100, num_classes=10, weight_scale=1e-3, reg=0.0):
        """Creates the network with random weights and zero biases.

        Inputs:
        - input_dim: Number of input features D
        - hidden_dim: Number of hidden units H
        - num_classes: Number of classes C
        - weight_scale: Standard deviation of the Gaussian the weights are drawn from
        - reg: Strength of the L2 regularization of the weights
        """
        self.params = {}
        self.reg = reg

        #######################################################################
        # TODO: Fill self.params. 'W1' (D, H) and 'W2' (H, C) hold weights    #
        # drawn with np.random.randn and multiplied by weight_scale (draw W1  #
        # first); 'b1' (H,) and 'b2' (C,) hold zeros.                         #
        #######################################################################
        self.params["W1"] = weight_scale * np.random.randn(input_dim, hidden_dim)
        self.params["b1"] = np.zeros(hidden_dim)
        self.params["W2"] = weight_scale * np.random.randn(hidden_dim, num_classes)
        self.params["b2"] = np.zeros(num_classes)

    def loss(self, X, y=None):
        """Scores a minibatch or, given labels, computes the loss and its gradients.

        Inputs:
        - X: Minibatch, of shape (N, d_1, ..., d_k) with d_1 * ... * d_k = D
        - y: Labels, of shape (N,), with 0 <= y[i] < C; None to only compute scores

        Returns:
        - scores, of shape (N, C), when y is None: scores[i, c] is the score of class c for X[i]
        - otherwise a tuple (loss, grads): the scalar loss (softmax loss plus L2 regularization) and a
          dictionary with the keys of self.params, grads[k] being the gradient of the loss with respect
          to self.params[k] (of the same shape)
        """
        scores = None
        #######################################################################
        # TODO: Forward pass: compute the class scores of X into scores. The  #
        # sandwich layers of cs231n/layer_utils.py save some typing.          #
        #######################################################################
        W1, b1, W2, b2 = (self.params[name] for name in ("W1", "b1", "W2", "b2"))
        hidden, hidden_cache = affine_relu_forward(X, W1, b1)
        scores, scores_cache = affine_forward(hidden, W2, b2)

        # Without labels there is nothing more to compute.
        if y is None:
            return scores

        loss, grads = 0, {}
        #######################################################################
        # TODO: Backward pass: compute the softmax loss of the scores and the #
        # gradients of every parameter into grads (same keys as self.params). #
        # Add the L2 regularization of the weights, with the factor one half: #
        # 0.5 * self.reg * sum(W * W) for each weight matrix W (biases are    #
        # not regularized). The checks expect exactly this form.              #
        #######################################################################
        loss, dscores = softmax_loss(scores, y)
        dhidden, grads["W2"], grads["b2"] = affine_backward(dscores, scores_cache)
        _, grads["W1"], grads["b1"] = affine_relu_backward(dhidden, hidden_cache)
        for name, W in (("W1", W1), ("W2", W2)):
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[name] += self.reg * W

        return loss, grads


class FullyConnectedNet:
    """Fully connected network of any depth, with optional dropout and batch / layer normalization.

    With L = 1 + len(hidden_dims) layers, the architecture is

    {affine - [batch/layer norm] - relu - [dropout]} x (L - 1) - affine - softmax

    where the bracketed layers are only present when requested. As for TwoLayerNet, a Solver trains the
    parameters stored in self.params.
    """

    def __init__(
        self,
        hidden_dims,
        input_dim=3 * 32 * 32,
        num_classes=10,
        dropout_keep_ratio=1,
        normalization=None,
        reg=0.0,
        weight_scale=1e-2,
        dtype=np.float32,
        seed=None,
    ):
        """Creates the network with random weights, zero biases and the normalization's identity.

        Inputs:
        - hidden_dims: List of the sizes of the hidden layers
        - input_dim: Number of input features D
        - num_classes: Number of classes C
        - dropout_keep_ratio: Probability that dropout keeps a unit; 1 means no dropout layers at all
        - normalization: None (no normalization), 'batchnorm' or 'layernorm'
        - reg: Strength of the L2 regularization of the weights
        - weight_scale: Standard deviation of the Gaussian the weights are drawn from
        - dtype: numpy floating point type of the parameters and computations. float32 is faster;
          gradient checks need float64.
        - seed: When not None, the dropout layers reseed numpy's generator with it on every pass, which
          makes them deterministic (for gradient checks).
        """
        self.normalization = normalization
        self.use_dropout = dropout_keep_ratio != 1
        self.reg = reg
        self.num_layers = 1 + len(hidden_dims)
        self.dtype = dtype
        self.params = {}

        #######################################################################
        # TODO: Fill self.params, one layer after the other, from the first:  #
        # - 'W1', 'W2', ...: weights from np.random.randn times weight_scale, #
        #   of shape (size of the layer's input, size of its output);         #
        # - 'b1', 'b2', ...: zero biases;                                     #
        # - with a normalization, 'gamma1', 'beta1', 'gamma2', ... for every  #
        #   hidden layer (not for the output layer): ones for the scales      #
        #   gamma, zeros for the shifts beta, one per unit of the layer.      #
        # Draw each layer's weights before the next layer's.                  #
        #######################################################################
        dims = [input_dim, *hidden_dims, num_classes]
        for i in range(1, self.num_layers + 1):
            self.params[f"W{i}"] = weight_scale * np.random.randn(dims[i - 1], dims[i])
            self.params[f"b{i}"] = np.zeros(dims[i])
            if self.normalization and i < self.num_layers:
                self.params[f"gamma{i}"] = np.ones(dims[i])
                self.params[f"beta{i}"] = np.zeros(dims[i])

        # Every dropout layer receives this dictionary: its keep probability 'p', its mode ('train' or
        # 'test', set by loss()) and, when given, the seed.
        self.dropout_param = {"mode": "train", "p": dropout_keep_ratio}
        if seed is not None:
            self.dropout_param["seed"] = seed

        # One parameter dictionary per normalized layer: self.bn_params[i] goes to the normalization of
        # hidden layer i + 1. Batch normalization keeps its running mean and variance in it; layer
        # normalization ignores the mode.
        self.bn_params = []
        if self.normalization:
            self.bn_params = [{"mode": "train"} for _ in range(self.num_layers - 1)]

        for k, v in self.params.items():
            self.params[k] = v.astype(dtype)

    def loss(self, X, y=None):
        """Scores a minibatch or, given labels, computes the loss and its gradients.

        Without labels the network runs in test mode (dropout off, batch normalization with its running
        averages); with labels it runs in train mode.

        Inputs:
        - X: Minibatch, of shape (N, d_1, ..., d_k) with d_1 * ... * d_k = D
        - y: Labels, of shape (N,), with 0 <= y[i] < C; None to only compute scores

        Returns:
        - scores, of shape (N, C), when y is None: scores[i, c] is the score of class c for X[i]
        - otherwise a tuple (loss, grads): the scalar loss (softmax loss plus L2 regularization) and a
          dictionary with the keys of self.params, grads[k] being the gradient of the loss with respect
          to self.params[k] (of the same shape)
        """
        X = X.astype(self.dtype, copy=False)
        mode = "test" if y is None else "train"
        self.dropout_param["mode"] = mode
        for bn_param in self.bn_params:
            bn_param["mode"] = mode

        scores = None
        #######################################################################
        # TODO: Forward pass: compute the class scores of X into scores.      #
        # Pass self.dropout_param to every dropout layer and                  #
        # self.bn_params[i - 1] to the normalization of hidden layer i.       #
        # Keep the caches: the backward pass needs them.                      #
        #######################################################################
        L = self.num_layers
        hidden_caches, dropout_caches = [], []
        out = X
        for i in range(1, L):
            W, b = self.params[f"W{i}"], self.params[f"b{i}"]
            if self.normalization:
                gamma, beta = self.params[f"gamma{i}"], self.params[f"beta{i}"]
                out, cache = affine_norm_relu_forward(out, W, b, gamma, beta, self.bn_params[i - 1], self.normalization)
            else:
                out, cache = affine_relu_forward(out, W, b)
            hidden_caches.append(cache)
            if self.use_dropout:
                out, cache = dropout_forward(out, self.dropout_param)
                dropout_caches.append(cache)
        scores, scores_cache = affine_forward(out, self.params[f"W{L}"], self.params[f"b{L}"])

        if mode == "test":
            return scores

        loss, grads = 0.0, {}
        #######################################################################
        # TODO: Backward pass: compute the softmax loss of the scores and the #
        # gradients of every parameter into grads (same keys as self.params). #
        # Add the L2 regularization of every weight matrix with the factor    #
        # one half, 0.5 * self.reg * sum(W * W); biases, scales and shifts    #
        # are not regularized. The checks expect exactly this form.           #
        #######################################################################
        loss, dscores = softmax_loss(scores, y)
        dout, grads[f"W{L}"], grads[f"b{L}"] = affine_backward(dscores, scores_cache)
        for i in range(L - 1, 0, -1):
            if self.use_dropout:
                dout = dropout_backward(dout, dropout_caches[i - 1])
            if self.normalization:
                dout, dW, db, grads[f"gamma{i}"], grads[f"beta{i}"] = affine_norm_relu_backward(
                    dout, hidden_caches[i - 1]
                )
            else:
                dout, dW, db = affine_relu_backward(dout, hidden_caches[i - 1])
            grads[f"W{i}"], grads[f"b{i}"] = dW, db
        for i in range(1, L + 1):
            W = self.params[f"W{i}"]
            loss += 0.5 * self.reg * np.sum(W * W)
            grads[f"W{i}"] += self.reg * W

        return loss, grads
