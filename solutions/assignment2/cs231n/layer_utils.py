"""Convenience "sandwich" layers: common sequences of layers as a single forward / backward pair.

Each forward function returns (out, cache) and each backward function takes (dout, cache) and returns the
gradients with respect to the forward function's array inputs, in order, like the layers of
cs231n/layers.py. The convolutional sandwiches use the fast layers of cs231n/fast_layers.py.
"""

from .fast_layers import conv_backward_fast, conv_forward_fast, max_pool_backward_fast, max_pool_forward_fast
from .layers import (
    affine_backward,
    affine_forward,
    batchnorm_backward,
    batchnorm_forward,
    layernorm_backward,
    layernorm_forward,
    relu_backward,
    relu_forward,
    spatial_batchnorm_backward,
    spatial_batchnorm_forward,
)

# Forward and backward functions of the normalizations a fully connected layer may use.
_NORMALIZATIONS = {
    "batchnorm": (batchnorm_forward, batchnorm_backward),
    "layernorm": (layernorm_forward, layernorm_backward),
}


def affine_relu_forward(x, w, b):
    """affine - relu: an affine layer whose output goes through a ReLU.

    Inputs:
    - x: Input to the affine layer, of shape (N, d_1, ..., d_k)
    - w: Weights, of shape (D, M) where D = d_1 * ... * d_k
    - b: Biases, of shape (M,)

    Returns a tuple of:
    - out: Output from the ReLU, of shape (N, M)
    - cache: Object to give to the backward pass
    """
    a, fc_cache = affine_forward(x, w, b)
    out, relu_cache = relu_forward(a)
    cache = (fc_cache, relu_cache)
    return out, cache


def affine_relu_backward(dout, cache):
    """Gradients of affine_relu_forward.

    Inputs:
    - dout: Upstream derivatives, of shape (N, M)
    - cache: Cache from affine_relu_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    """
    fc_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return affine_backward(da, fc_cache)


def _norm_relu_forward(a, gamma, beta, norm_param, norm_forward):
    """Normalization followed by a ReLU, the second half of the normalized sandwiches.

    Inputs:
    - a: Input to the normalization, of shape (N, D) or (N, C, H, W)
    - gamma, beta: Scale and shift of the normalization, of shape (D,) or (C,)
    - norm_param: Parameter dictionary of the normalization (bn_param, ln_param)
    - norm_forward: Forward function of the normalization, e.g. batchnorm_forward

    Returns a tuple of:
    - out: Output from the ReLU, of the shape of a
    - cache: Object to give to _norm_relu_backward
    """
    normed, norm_cache = norm_forward(a, gamma, beta, norm_param)
    out, relu_cache = relu_forward(normed)
    return out, (norm_cache, relu_cache)


def _norm_relu_backward(dout, cache, norm_backward):
    """Backward pass of _norm_relu_forward.

    Inputs:
    - dout: Upstream derivatives, of the shape of the input a
    - cache: Cache from _norm_relu_forward
    - norm_backward: Backward function of the normalization, e.g. batchnorm_backward

    Returns a tuple of:
    - da: Gradient with respect to a, of the shape of a
    - dgamma, dbeta: Gradients with respect to gamma and beta, of their shapes
    """
    norm_cache, relu_cache = cache
    dnormed = relu_backward(dout, relu_cache)
    return norm_backward(dnormed, norm_cache)


def affine_norm_relu_forward(x, w, b, gamma, beta, norm_param, normalization):
    """affine - batch/layer norm - relu, the hidden layer of a normalized FullyConnectedNet.

    Inputs:
    - x: Input to the affine layer, of shape (N, d_1, ..., d_k)
    - w: Weights, of shape (D, M) where D = d_1 * ... * d_k
    - b: Biases, of shape (M,)
    - gamma, beta: Scale and shift of the normalization, of shape (M,)
    - norm_param: bn_param of batchnorm_forward or ln_param of layernorm_forward
    - normalization: 'batchnorm' or 'layernorm'

    Returns a tuple of:
    - out: Output from the ReLU, of shape (N, M)
    - cache: Object to give to the backward pass
    """
    norm_forward, norm_backward = _NORMALIZATIONS[normalization]
    a, fc_cache = affine_forward(x, w, b)
    out, norm_relu_cache = _norm_relu_forward(a, gamma, beta, norm_param, norm_forward)
    cache = (fc_cache, norm_relu_cache, norm_backward)
    return out, cache


def affine_norm_relu_backward(dout, cache):
    """Gradients of affine_norm_relu_forward.

    Inputs:
    - dout: Upstream derivatives, of shape (N, M)
    - cache: Cache from affine_norm_relu_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, d_1, ..., d_k)
    - dw: Gradient with respect to w, of shape (D, M)
    - db: Gradient with respect to b, of shape (M,)
    - dgamma, dbeta: Gradients with respect to gamma and beta, of shape (M,)
    """
    fc_cache, norm_relu_cache, norm_backward = cache
    da, dgamma, dbeta = _norm_relu_backward(dout, norm_relu_cache, norm_backward)
    dx, dw, db = affine_backward(da, fc_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_forward(x, w, b, conv_param):
    """conv - relu: a convolutional layer (fast version) whose output goes through a ReLU.

    Inputs:
    - x: Input to the convolutional layer, of shape (N, C, H, W)
    - w: Filter weights, of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: Dictionary with the keys 'stride' and 'pad' of the convolutional layer

    Returns a tuple of:
    - out: Output from the ReLU, of shape (N, F, H', W')
    - cache: Object to give to the backward pass
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, relu_cache = relu_forward(a)
    cache = (conv_cache, relu_cache)
    return out, cache


def conv_relu_backward(dout, cache):
    """Gradients of conv_relu_forward.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: Cache from conv_relu_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    conv_cache, relu_cache = cache
    da = relu_backward(dout, relu_cache)
    return conv_backward_fast(da, conv_cache)


def conv_bn_relu_forward(x, w, b, gamma, beta, conv_param, bn_param):
    """conv - spatial batchnorm - relu.

    Inputs:
    - x: Input to the convolutional layer, of shape (N, C, H, W)
    - w: Filter weights, of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - gamma, beta: Scale and shift of the spatial batch normalization, of shape (F,)
    - conv_param: Dictionary with the keys 'stride' and 'pad' of the convolutional layer
    - bn_param: Dictionary of parameters of spatial_batchnorm_forward

    Returns a tuple of:
    - out: Output from the ReLU, of shape (N, F, H', W')
    - cache: Object to give to the backward pass
    """
    a, conv_cache = conv_forward_fast(x, w, b, conv_param)
    out, bn_relu_cache = _norm_relu_forward(a, gamma, beta, bn_param, spatial_batchnorm_forward)
    cache = (conv_cache, bn_relu_cache)
    return out, cache


def conv_bn_relu_backward(dout, cache):
    """Gradients of conv_bn_relu_forward.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: Cache from conv_bn_relu_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    - dgamma, dbeta: Gradients with respect to gamma and beta, of shape (F,)
    """
    conv_cache, bn_relu_cache = cache
    da, dgamma, dbeta = _norm_relu_backward(dout, bn_relu_cache, spatial_batchnorm_backward)
    dx, dw, db = conv_backward_fast(da, conv_cache)
    return dx, dw, db, dgamma, dbeta


def conv_relu_pool_forward(x, w, b, conv_param, pool_param):
    """conv - relu - max pool, the first block of ThreeLayerConvNet (fast layers).

    Inputs:
    - x: Input to the convolutional layer, of shape (N, C, H, W)
    - w: Filter weights, of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: Dictionary with the keys 'stride' and 'pad' of the convolutional layer
    - pool_param: Dictionary with the keys 'pool_height', 'pool_width' and 'stride' of the pooling layer

    Returns a tuple of:
    - out: Output from the pooling layer, of shape (N, F, H'', W'')
    - cache: Object to give to the backward pass
    """
    s, conv_relu_cache = conv_relu_forward(x, w, b, conv_param)
    out, pool_cache = max_pool_forward_fast(s, pool_param)
    cache = (conv_relu_cache, pool_cache)
    return out, cache


def conv_relu_pool_backward(dout, cache):
    """Gradients of conv_relu_pool_forward.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H'', W'')
    - cache: Cache from conv_relu_pool_forward

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    conv_relu_cache, pool_cache = cache
    ds = max_pool_backward_fast(dout, pool_cache)
    return conv_relu_backward(ds, conv_relu_cache)
