"""Forward and backward passes of the layers used in assignment 2.

Every layer comes as a pair of functions. The forward function receives the layer's inputs (and parameters)
and returns the output together with a cache: whatever the backward pass will need. The backward function
receives the upstream derivative `dout` (same shape as the output) and that cache, and returns the
gradients with respect to the forward function's inputs, in the same order.
"""

import numpy as np


def affine_forward(x, w, b):
    """Computes the forward pass of an affine (fully connected) layer.

    Each example x[i] of shape (d_1, ..., d_k) is flattened into a vector of dimension
    D = d_1 * ... * d_k and mapped to an output vector of dimension M.

    Inputs:
    - x: A numpy array of data, of shape (N, d_1, ..., d_k)
    - w: A numpy array of weights, of shape (D, M)
    - b: A numpy array of biases, of shape (M,)

    Returns a tuple of:
    - out: output, of shape (N, M)
    - cache: (x, w, b)
    """
    out = None
    ###########################################################################
    # TODO: Implement the affine forward pass. Flatten every example of x     #
    # into a row, multiply by the weights and add the bias. Store the result  #
    # in out. You will need to reshape x, but x itself must stay unchanged.   #
    ###########################################################################
    out = x.reshape(x.shape[0], -1) @ w + b
    cache = (x, w, b)
    return out, cache


def affine_backward(dout, cache):
    """Computes the backward pass of an affine (fully connected) layer.

    Inputs:
    - dout: Upstream derivative, of shape (N, M)
    - cache: Tuple of:
      - x: Input data, of shape (N, d_1, ..., d_k)
      - w: Weights, of shape (D, M)
      - b: Biases, of shape (M,)

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    x, w, b = cache
    dx, dw, db = None, None, None
    ###########################################################################
    # TODO: Implement the affine backward pass. dx must have the shape of the #
    # original (unflattened) x; the bias gradient sums over the examples.     #
    ###########################################################################
    dx = (dout @ w.T).reshape(x.shape)
    dw = x.reshape(x.shape[0], -1).T @ dout
    db = dout.sum(axis=0)
    return dx, dw, db


def relu_forward(x):
    """Computes the forward pass of a layer of rectified linear units (ReLUs).

    Input:
    - x: Inputs, of any shape

    Returns a tuple of:
    - out: Output, of the same shape as x
    - cache: x
    """
    out = None
    ###########################################################################
    # TODO: Implement the ReLU forward pass (elementwise max with zero).      #
    ###########################################################################
    out = np.maximum(x, 0)
    cache = x
    return out, cache


def relu_backward(dout, cache):
    """Computes the backward pass of a layer of rectified linear units (ReLUs).

    Input:
    - dout: Upstream derivatives, of any shape
    - cache: Input x, of the same shape as dout

    Returns:
    - dx: Gradient with respect to x, of the same shape as dout
    """
    dx, x = None, cache
    ###########################################################################
    # TODO: Implement the ReLU backward pass. The gradient flows only where   #
    # the input was positive. Do not modify dout in place: the caller may     #
    # still need it.                                                          #
    ###########################################################################
    dx = np.where(x > 0, dout, 0)
    return dx


def softmax_loss(x, y):
    """Computes the loss and gradient of softmax classification.

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth class for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and 0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss
    - dx: Gradient of the loss with respect to x, of shape (N, C)
    """
    n = x.shape[0]
    rows = np.arange(n)
    shifted = x - x.max(axis=1, keepdims=True)
    log_probs = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    loss = -log_probs[rows, y].mean()
    dx = np.exp(log_probs)
    dx[rows, y] -= 1
    dx /= n
    return loss, dx


def svm_loss(x, y):
    """Computes the loss and gradient of multiclass SVM classification (margin 1).

    Inputs:
    - x: Input data, of shape (N, C) where x[i, j] is the score for the jth class for the ith input.
    - y: Vector of labels, of shape (N,) where y[i] is the label for x[i] and 0 <= y[i] < C

    Returns a tuple of:
    - loss: Scalar giving the loss
    - dx: Gradient of the loss with respect to x, of shape (N, C)
    """
    n = x.shape[0]
    rows = np.arange(n)
    margins = np.maximum(0, x - x[rows, y][:, None] + 1)
    margins[rows, y] = 0
    loss = margins.sum() / n
    dx = (margins > 0).astype(x.dtype)
    dx[rows, y] -= dx.sum(axis=1)
    dx /= n
    return loss, dx


def batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of batch normalization.

    In train mode every feature is normalized with the mean and (biased) variance of the minibatch, and
    exponentially decaying running averages of those statistics are kept:

    running_mean = momentum * running_mean + (1 - momentum) * sample_mean
    running_var = momentum * running_var + (1 - momentum) * sample_var

    In test mode the running averages are used instead of the minibatch statistics.

    Input:
    - x: Data, of shape (N, D)
    - gamma: Scale parameter, of shape (D,)
    - beta: Shift parameter, of shape (D,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability (default 1e-5)
      - momentum: Constant for the running mean / variance (default 0.9)
      - running_mean: Array of shape (D,) giving the running mean of features (default zeros)
      - running_var: Array of shape (D,) giving the running variance of features (default zeros)
      The running averages are written back into bn_param.

    Returns a tuple of:
    - out: Output, of shape (N, D)
    - cache: A tuple of values needed in the backward pass (train mode; None in test mode)
    """
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)

    D = x.shape[1]
    running_mean = bn_param.get("running_mean", np.zeros(D, dtype=x.dtype))
    running_var = bn_param.get("running_var", np.zeros(D, dtype=x.dtype))

    out, cache = None, None
    if mode == "train":
        #######################################################################
        # TODO: Implement the training-time forward pass for batch norm.      #
        # Compute the minibatch mean and (biased) variance of every feature,  #
        # normalize x with them, then scale by gamma and shift by beta.       #
        # Update running_mean and running_var with the formulas of the        #
        # docstring. Store the output in out, and in cache whatever your      #
        # backward passes (both of them) need.                                #
        #                                                                     #
        # Writing the computation as a chain of small steps (centered data,   #
        # variance, standard deviation, normalized data, ...) makes the       #
        # backward pass much easier to derive.                                #
        #######################################################################
        mean = x.mean(axis=0)
        centered = x - mean
        var = (centered**2).mean(axis=0)
        std = np.sqrt(var + eps)
        xhat = centered / std
        out = gamma * xhat + beta
        cache = (xhat, centered, std, gamma)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var
    elif mode == "test":
        #######################################################################
        # TODO: Implement the test-time forward pass for batch norm:          #
        # normalize x with the running mean and variance, then scale and      #
        # shift it. Store the result in out.                                  #
        #######################################################################
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
    else:
        raise ValueError(f"batchnorm_forward: invalid mode {mode!r} (expected 'train' or 'test')")

    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization, computed step by step on the computation graph.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: The cache returned by batchnorm_forward in train mode

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass for batch normalization by walking    #
    # the computation graph of your forward pass backwards, one node at a     #
    # time (shift, scale, division by the standard deviation, square root,    #
    # variance, centering, mean). Remember that the mean and the variance     #
    # depend on every example of the batch.                                   #
    ###########################################################################
    xhat, centered, std, gamma = cache
    n = dout.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dcentered = dxhat / std
    dstd = -(dxhat * centered).sum(axis=0) / std**2
    dvar = dstd / (2 * std)
    dcentered += 2 * centered * dvar / n
    dmean = -dcentered.sum(axis=0)
    dx = dcentered + dmean / n
    return dx, dgamma, dbeta


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization, from a simplified closed-form expression.

    Inputs / outputs: Same as batchnorm_backward
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Derive the gradient with respect to x on paper and simplify it    #
    # until it fits in a single statement, then implement it here. It must    #
    # work from the same cache as batchnorm_backward.                         #
    ###########################################################################
    xhat, _, std, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dxhat = dout * gamma
    dx = (dxhat - dxhat.mean(axis=0) - xhat * (dxhat * xhat).mean(axis=0)) / std
    return dx, dgamma, dbeta


def layernorm_forward(x, gamma, beta, ln_param):
    """Forward pass of layer normalization.

    Every example is normalized with the mean and (biased) variance of its own features, during training
    and testing alike, so no running averages are kept. The normalized data is then scaled by gamma and
    shifted by beta, feature by feature, as in batch normalization.

    Input:
    - x: Data, of shape (N, D)
    - gamma: Scale parameter, of shape (D,)
    - beta: Shift parameter, of shape (D,)
    - ln_param: Dictionary with the following key (other keys are ignored):
      - eps: Constant for numeric stability (default 1e-5)

    Returns a tuple of:
    - out: Output, of shape (N, D)
    - cache: A tuple of values needed in the backward pass
    """
    out, cache = None, None
    eps = ln_param.get("eps", 1e-5)
    ###########################################################################
    # TODO: Implement the forward pass for layer norm. The statistics are     #
    # taken over the features of each example instead of over the batch:      #
    # with a transpose or two, your batchnorm code does most of the work.     #
    ###########################################################################
    n = x.shape[0]
    xhat_t, bn_cache = batchnorm_forward(
        x.T, np.ones(n, dtype=x.dtype), np.zeros(n, dtype=x.dtype), {"mode": "train", "eps": eps}
    )
    xhat = xhat_t.T
    out = gamma * xhat + beta
    cache = (bn_cache, xhat, gamma)
    return out, cache


def layernorm_backward(dout, cache):
    """Backward pass of layer normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, D)
    - cache: The cache returned by layernorm_forward

    Returns a tuple of:
    - dx: Gradient with respect to inputs x, of shape (N, D)
    - dgamma: Gradient with respect to scale parameter gamma, of shape (D,)
    - dbeta: Gradient with respect to shift parameter beta, of shape (D,)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass for layer norm. As in the forward     #
    # pass, transposes let you reuse your batchnorm backward pass.            #
    ###########################################################################
    bn_cache, xhat, gamma = cache
    dbeta = dout.sum(axis=0)
    dgamma = (dout * xhat).sum(axis=0)
    dx = batchnorm_backward_alt((dout * gamma).T, bn_cache)[0].T
    return dx, dgamma, dbeta


def dropout_forward(x, dropout_param):
    """Forward pass of (inverted) dropout.

    Inputs:
    - x: Input data, of any shape
    - dropout_param: A dictionary with the following keys:
      - p: Dropout parameter. Each neuron output is KEPT with probability p.
      - mode: 'test' or 'train'. In train mode dropout is applied; in test mode the input is returned.
      - seed: Seed for the random number generator (optional). When given, the global numpy generator
        is reseeded with it, which makes the function deterministic (used by gradient checks).

    Outputs:
    - out: Array of the same shape and dtype as x
    - cache: Tuple (dropout_param, mask). In training mode, mask is the array that multiplied the input;
      in test mode, mask is None.

    With inverted dropout the surviving activations are divided by p during training, so the expected
    value of every output equals its input and nothing needs to change at test time.
    """
    p, mode = dropout_param["p"], dropout_param["mode"]
    if "seed" in dropout_param:
        np.random.seed(dropout_param["seed"])

    mask = None
    out = None

    if mode == "train":
        #######################################################################
        # TODO: Implement training-phase inverted dropout. Draw the mask with #
        # np.random.rand (so that seeding reproduces it), keep each unit with #
        # probability p, and fold the 1 / p rescaling into the mask. Store    #
        # the mask in mask and the result in out.                             #
        #######################################################################
        mask = (np.random.rand(*x.shape) < p) / p
        mask = mask.astype(x.dtype, copy=False)
        out = x * mask
    elif mode == "test":
        #######################################################################
        # TODO: Implement the test-phase forward pass of inverted dropout.    #
        #######################################################################
        out = x

    cache = (dropout_param, mask)
    out = out.astype(x.dtype, copy=False)
    return out, cache


def dropout_backward(dout, cache):
    """Backward pass of (inverted) dropout.

    Inputs:
    - dout: Upstream derivatives, of any shape
    - cache: (dropout_param, mask) from dropout_forward

    Returns:
    - dx: Gradient with respect to the input x, of the same shape as dout
    """
    dropout_param, mask = cache
    mode = dropout_param["mode"]

    dx = None
    if mode == "train":
        #######################################################################
        # TODO: Implement the training-phase backward pass of dropout.        #
        #######################################################################
        dx = dout * mask
    elif mode == "test":
        dx = dout
    return dx


def conv_forward_naive(x, w, b, conv_param):
    """A naive implementation of the forward pass of a convolutional layer.

    The input consists of N data points, each with C channels, height H and width W. Each of the F
    filters spans all C channels and has height HH and width WW.

    Input:
    - x: Input data, of shape (N, C, H, W)
    - w: Filter weights, of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: A dictionary with the following keys:
      - 'stride': The number of pixels between adjacent receptive fields in the horizontal and vertical
        directions.
      - 'pad': The number of pixels of zeros added on each side (top, bottom, left, right) of the input.

    During padding, 'pad' zeros are placed symmetrically along the height and width axes of the input.
    Do not modify the original x.

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W') where H' and W' are given by
      H' = 1 + (H + 2 * pad - HH) // stride
      W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, b, conv_param)
    """
    out = None
    ###########################################################################
    # TODO: Implement the convolutional forward pass. Loops are fine here;    #
    # np.pad helps with the zero padding. Make sure your code works for       #
    # pad = 0, for H != W, for non-square filters and for any stride.         #
    ###########################################################################
    N = x.shape[0]
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    H_out = 1 + (padded.shape[2] - HH) // stride
    W_out = 1 + (padded.shape[3] - WW) // stride
    filters = w.reshape(F, -1)
    out = np.empty((N, F, H_out, W_out), dtype=np.result_type(x, w, b))
    for i in range(H_out):
        for j in range(W_out):
            field = padded[:, :, i * stride : i * stride + HH, j * stride : j * stride + WW]
            out[:, :, i, j] = field.reshape(N, -1) @ filters.T + b
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a convolutional layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: A tuple of (x, w, b, conv_param) as in conv_forward_naive

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    dx, dw, db = None, None, None
    ###########################################################################
    # TODO: Implement the convolutional backward pass. Every receptive field  #
    # that contributed to an output sends gradient back to its input pixels   #
    # (fields overlap: accumulate) and to the filter. Beware of slicing the   #
    # padding off with negative indices: x[..., pad:-pad] is empty when       #
    # pad = 0.                                                                #
    ###########################################################################
    x, w, _, conv_param = cache
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    stride, pad = conv_param["stride"], conv_param["pad"]
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dpadded = np.zeros_like(padded, dtype=np.result_type(x, dout))
    filters = w.reshape(F, -1)
    dfilters = np.zeros(filters.shape, dtype=np.result_type(w, dout))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            g = dout[:, :, i, j]
            dpadded[:, :, rows, cols] += (g @ filters).reshape(N, C, HH, WW)
            dfilters += g.T @ padded[:, :, rows, cols].reshape(N, -1)
    dx = dpadded[:, :, pad : pad + H, pad : pad + W]
    dw = dfilters.reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db


def max_pool_forward_naive(x, pool_param):
    """A naive implementation of the forward pass of a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: dictionary with the following keys:
      - 'pool_height': The height of each pooling region
      - 'pool_width': The width of each pooling region
      - 'stride': The distance between adjacent pooling regions

    No padding is necessary here. Do not modify the original x.

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where H' and W' are given by
      H' = 1 + (H - pool_height) // stride
      W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param)
    """
    out = None
    ###########################################################################
    # TODO: Implement the max-pooling forward pass. Loops over the output     #
    # positions are fine; handle H != W and windows that overlap              #
    # (stride < pool size).                                                   #
    ###########################################################################
    N, C, H, W = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    H_out = 1 + (H - ph) // stride
    W_out = 1 + (W - pw) // stride
    out = np.empty((N, C, H_out, W_out), dtype=x.dtype)
    for i in range(H_out):
        for j in range(W_out):
            window = x[:, :, i * stride : i * stride + ph, j * stride : j * stride + pw]
            out[:, :, i, j] = window.max(axis=(2, 3))
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_naive(dout, cache):
    """A naive implementation of the backward pass of a max-pooling layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: A tuple of (x, pool_param) as in the forward pass.

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    dx = None
    ###########################################################################
    # TODO: Implement the max-pooling backward pass. Each output's gradient   #
    # goes to the single input element that was the maximum of its window;    #
    # when windows overlap, one input element can receive gradient from       #
    # several outputs, so accumulate.                                         #
    ###########################################################################
    x, pool_param = cache
    N, C, _, _ = x.shape
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x, dtype=np.result_type(x, dout))
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            winner = x[:, :, rows, cols].reshape(N, C, -1).argmax(axis=2)
            routed = np.zeros((N, C, ph * pw), dtype=dx.dtype)
            np.put_along_axis(routed, winner[:, :, None], dout[:, :, i, j][:, :, None], axis=2)
            dx[:, :, rows, cols] += routed.reshape(N, C, ph, pw)
    return dx


def spatial_batchnorm_forward(x, gamma, beta, bn_param):
    """Forward pass of spatial batch normalization.

    Every channel is normalized with statistics taken over the batch and over all spatial positions.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (C,)
    - beta: Shift parameter, of shape (C,)
    - bn_param: Dictionary with the following keys:
      - mode: 'train' or 'test'; required
      - eps: Constant for numeric stability (default 1e-5)
      - momentum: Constant for the running mean / variance (default 0.9)
      - running_mean: Array of shape (C,) giving the running mean of features
      - running_var: Array of shape (C,) giving the running variance of features

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    out, cache = None, None
    ###########################################################################
    # TODO: Implement the forward pass for spatial batch normalization by     #
    # calling your vanilla batchnorm_forward: arrange x so that channels are  #
    # the features and every (example, position) pair is a row. Your          #
    # implementation should be very short (a few lines).                      #
    ###########################################################################
    N, C, H, W = x.shape
    rows = x.transpose(0, 2, 3, 1).reshape(-1, C)
    out_rows, cache = batchnorm_forward(rows, gamma, beta, bn_param)
    out = out_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return out, cache


def spatial_batchnorm_backward(dout, cache):
    """Backward pass of spatial batch normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (C,)
    - dbeta: Gradient with respect to shift parameter, of shape (C,)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass for spatial batch normalization with  #
    # your vanilla batchnorm backward pass and the same reshaping as in the   #
    # forward pass.                                                           #
    ###########################################################################
    N, C, H, W = dout.shape
    drows = dout.transpose(0, 2, 3, 1).reshape(-1, C)
    dx_rows, dgamma, dbeta = batchnorm_backward_alt(drows, cache)
    dx = dx_rows.reshape(N, H, W, C).transpose(0, 3, 1, 2)
    return dx, dgamma, dbeta


def spatial_groupnorm_forward(x, gamma, beta, G, gn_param):
    """Forward pass of spatial group normalization.

    The C channels are split into G groups of C // G consecutive channels; every example is normalized
    with the mean and (biased) variance of each of its groups (over the group's channels and all spatial
    positions), during training and testing alike. The result is then scaled and shifted per channel.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - gamma: Scale parameter, of shape (1, C, 1, 1)
    - beta: Shift parameter, of shape (1, C, 1, 1)
    - G: Integer number of groups to split into, should be a divisor of C
    - gn_param: Dictionary with the following key (other keys are ignored):
      - eps: Constant for numeric stability (default 1e-5)

    Returns a tuple of:
    - out: Output data, of shape (N, C, H, W)
    - cache: Values needed for the backward pass
    """
    out, cache = None, None
    eps = gn_param.get("eps", 1e-5)
    ###########################################################################
    # TODO: Implement the forward pass for spatial group normalization.       #
    # Once x is reshaped so that each (example, group) pair is a row, this    #
    # is layer normalization; the scale and shift still act per channel.      #
    ###########################################################################
    N = x.shape[0]
    groups = x.reshape(N * G, -1)
    D = groups.shape[1]
    xhat_groups, ln_cache = layernorm_forward(
        groups, np.ones(D, dtype=x.dtype), np.zeros(D, dtype=x.dtype), {"eps": eps}
    )
    xhat = xhat_groups.reshape(x.shape)
    out = gamma * xhat + beta
    cache = (ln_cache, xhat, gamma, G)
    return out, cache


def spatial_groupnorm_backward(dout, cache):
    """Backward pass of spatial group normalization.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H, W)
    - cache: Values from the forward pass

    Returns a tuple of:
    - dx: Gradient with respect to inputs, of shape (N, C, H, W)
    - dgamma: Gradient with respect to scale parameter, of shape (1, C, 1, 1)
    - dbeta: Gradient with respect to shift parameter, of shape (1, C, 1, 1)
    """
    dx, dgamma, dbeta = None, None, None
    ###########################################################################
    # TODO: Implement the backward pass for spatial group normalization.      #
    # dgamma and dbeta must have the shape of gamma and beta, (1, C, 1, 1).   #
    ###########################################################################
    ln_cache, xhat, gamma, G = cache
    dbeta = dout.sum(axis=(0, 2, 3), keepdims=True)
    dgamma = (dout * xhat).sum(axis=(0, 2, 3), keepdims=True)
    dgroups = (dout * gamma).reshape(dout.shape[0] * G, -1)
    dx = layernorm_backward(dgroups, ln_cache)[0].reshape(dout.shape)
    return dx, dgamma, dbeta
