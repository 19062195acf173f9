"""Fast convolution and max-pooling layers, written in plain numpy.

These compute exactly what conv_forward_naive / conv_backward_naive and max_pool_forward_naive /
max_pool_backward_naive of cs231n/layers.py compute, but without Python loops over the output positions:

- Every receptive field of the input is exposed at once, without copying, by
  np.lib.stride_tricks.sliding_window_view. A convolution then becomes a single tensor contraction of
  these fields with the filters ("im2col"), which numpy hands to the BLAS matrix multiply.
- In the backward pass of the convolution, the gradient of the fields is added back onto the input
  ("col2im") with one vectorized addition per filter offset, so the only loop runs HH * WW times.
- Max pooling with windows that tile the input (pool height = pool width = stride) is a reshape followed
  by a max; other window layouts go through the sliding-window view. In the backward pass, the gradient
  of every window goes to the first maximum of the window (as in the naive layer) and is accumulated
  with np.bincount, which also handles overlapping windows.

The caches are the naive layers' caches, (x, w, b, conv_param) and (x, pool_param), so fast and naive
forward and backward functions can be mixed freely.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def _windows(x, height, width, stride):
    """Read-only view of the windows of x visited by a convolution or pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - height, width: Window size
    - stride: Distance between adjacent windows, in both directions

    Returns:
    - fields: View of shape (N, C, H', W', height, width) where fields[n, c, i, j] is the window of
      x[n, c] whose top left corner is (i * stride, j * stride), and
      H' = 1 + (H - height) // stride, W' = 1 + (W - width) // stride
    """
    return sliding_window_view(x, (height, width), axis=(2, 3))[:, :, ::stride, ::stride]


def _pad(x, pad):
    """Zero-pads the two spatial axes of x.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pad: Number of zeros added on each side of both spatial axes

    Returns:
    - padded: Array of shape (N, C, H + 2 * pad, W + 2 * pad)
    """
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))


def conv_forward_fast(x, w, b, conv_param):
    """Fast forward pass of a convolutional layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - w: Filter weights, of shape (F, C, HH, WW)
    - b: Biases, of shape (F,)
    - conv_param: Dictionary with the keys 'stride' and 'pad', as in conv_forward_naive

    Returns a tuple of:
    - out: Output data, of shape (N, F, H', W') where
      H' = 1 + (H + 2 * pad - HH) // stride and W' = 1 + (W + 2 * pad - WW) // stride
    - cache: (x, w, b, conv_param)
    """
    stride, pad = conv_param["stride"], conv_param["pad"]
    fields = _windows(_pad(x, pad), w.shape[2], w.shape[3], stride)
    out = np.einsum("nchwij,fcij->nfhw", fields, w, optimize=True) + b[:, None, None]
    cache = (x, w, b, conv_param)
    return out, cache


def conv_backward_fast(dout, cache):
    """Fast backward pass of a convolutional layer.

    Inputs:
    - dout: Upstream derivatives, of shape (N, F, H', W')
    - cache: (x, w, b, conv_param) as returned by conv_forward_fast or conv_forward_naive

    Returns a tuple of:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    - dw: Gradient with respect to w, of shape (F, C, HH, WW)
    - db: Gradient with respect to b, of shape (F,)
    """
    x, w, _, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    _, _, H, W = x.shape
    _, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    padded = _pad(x, pad)
    fields = _windows(padded, HH, WW, stride)

    db = dout.sum(axis=(0, 2, 3))
    dw = np.einsum("nfhw,nchwij->fcij", dout, fields, optimize=True)
    # dfields[c, i, j, n] (shape (H', W')) is the derivative of the pixels at offset (i, j) of the windows
    # of x[n, c]; they are accumulated in the (C, N, H, W) layout, where these additions are contiguous.
    dfields = np.tensordot(w, dout, axes=([0], [1]))
    dpadded = np.zeros((padded.shape[1], padded.shape[0], *padded.shape[2:]), dtype=dfields.dtype)
    for i in range(HH):
        rows = slice(i, i + stride * H_out, stride)
        for j in range(WW):
            dpadded[:, :, rows, j : j + stride * W_out : stride] += dfields[:, i, j]
    dx = dpadded[:, :, pad : pad + H, pad : pad + W].transpose(1, 0, 2, 3)
    return dx, dw, db


def max_pool_forward_fast(x, pool_param):
    """Fast forward pass of a max-pooling layer.

    Inputs:
    - x: Input data, of shape (N, C, H, W)
    - pool_param: Dictionary with the keys 'pool_height', 'pool_width' and 'stride', as in
      max_pool_forward_naive

    Returns a tuple of:
    - out: Output data, of shape (N, C, H', W') where
      H' = 1 + (H - pool_height) // stride and W' = 1 + (W - pool_width) // stride
    - cache: (x, pool_param)
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    if ph == stride and pw == stride:
        # The windows tile the input: drop the rows and columns no window reaches, then reshape.
        H_out, W_out = H // ph, W // pw
        tiles = x[:, :, : H_out * ph, : W_out * pw].reshape(N, C, H_out, ph, W_out, pw)
        out = tiles.max(axis=(3, 5))
    else:
        out = _windows(x, ph, pw, stride).max(axis=(4, 5))
    cache = (x, pool_param)
    return out, cache


def max_pool_backward_fast(dout, cache):
    """Fast backward pass of a max-pooling layer.

    The derivative of every output goes to the first maximum of its window (in row-major order), as in
    max_pool_backward_naive; an input that is the maximum of several overlapping windows receives the sum
    of their derivatives.

    Inputs:
    - dout: Upstream derivatives, of shape (N, C, H', W')
    - cache: (x, pool_param) as returned by max_pool_forward_fast or max_pool_forward_naive

    Returns:
    - dx: Gradient with respect to x, of shape (N, C, H, W)
    """
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    _, _, H_out, W_out = dout.shape
    winner = _windows(x, ph, pw, stride).reshape(N, C, H_out, W_out, ph * pw).argmax(axis=4)
    rows = stride * np.arange(H_out)[:, None] + winner // pw
    cols = stride * np.arange(W_out) + winner % pw
    flat_index = (np.arange(N * C).reshape(N, C, 1, 1) * H + rows) * W + cols
    dx = np.bincount(flat_index.ravel(), weights=dout.ravel(), minlength=x.size)
    return dx.reshape(x.shape).astype(np.result_type(x, dout), copy=False)


# Names of the fast layers in earlier versions of the course, where the convolution had a "strides" and
# an "im2col" implementation.
conv_forward_strides = conv_forward_im2col = conv_forward_fast
conv_backward_strides = conv_backward_im2col = conv_backward_fast
