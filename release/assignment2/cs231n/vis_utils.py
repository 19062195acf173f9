"""Arranging many small images (e.g. the first-layer filters of a network) into one grid image.

The functions return arrays; show them with matplotlib, e.g. plt.imshow(grid.astype("uint8")) for
visualize_grid with the default ubound, or plt.imshow(grid) for vis_grid and vis_nn.
"""

from math import ceil, sqrt

import numpy as np


def _tile(images, nrows, ncols, padding, fill):
    """Lays images out row by row in a grid.

    Inputs:
    - images: Array of shape (N, H, W, C), N <= nrows * ncols
    - nrows, ncols: Number of rows and columns of the grid
    - padding: Number of pixels between neighbouring images
    - fill: Value of the pixels between the images and of the empty cells

    Returns:
    - grid: Array of shape (nrows * (H + padding) - padding, ncols * (W + padding) - padding, C)
    """
    N, H, W, C = images.shape
    cells = np.full((nrows * ncols, H + padding, W + padding, C), fill, dtype=np.result_type(images, fill))
    cells[:N, :H, :W] = images
    grid = cells.reshape(nrows, ncols, H + padding, W + padding, C).transpose(0, 2, 1, 3, 4)
    grid = grid.reshape(nrows * (H + padding), ncols * (W + padding), C)
    return grid[: grid.shape[0] - padding, : grid.shape[1] - padding]


def _rescale(x, ubound, axis=None):
    """Maps x linearly onto [0, ubound], its minimum to 0 and its maximum to ubound (constant parts to 0).

    Inputs:
    - x: Array of any shape
    - ubound: Upper bound of the result
    - axis: Axes over which the minimum and maximum are taken (None: the whole array)

    Returns:
    - scaled: Float array of the shape of x
    """
    low = x.min(axis=axis, keepdims=True)
    span = x.max(axis=axis, keepdims=True) - low
    # Clipped because rounding can overshoot ubound, which makes matplotlib warn when ubound is 1.
    return np.clip(ubound * (x - low) / np.where(span > 0, span, 1), 0, ubound)


def visualize_grid(Xs, ubound=255.0, padding=1):
    """Arranges N images in a square grid, each image rescaled on its own to [0, ubound].

    The grid has ceil(sqrt(N)) images per row and per column; the space between the images is 0.

    Inputs:
    - Xs: Images, of shape (N, H, W, C)
    - ubound: Value the largest pixel of every image is mapped to (its smallest goes to 0)
    - padding: Width in pixels of the space between neighbouring images

    Returns:
    - grid: Array of shape (G * (H + padding) - padding, G * (W + padding) - padding, C), G = ceil(sqrt(N))
    """
    scaled = _rescale(np.asarray(Xs, dtype=float), ubound, axis=(1, 2, 3))
    size = ceil(sqrt(len(Xs)))
    return _tile(scaled, size, size, padding, 0.0)


def vis_grid(Xs):
    """Arranges N images in a square grid with one-pixel gaps, then rescales the grid to [0, 1].

    Inputs:
    - Xs: Images, of shape (N, H, W, C)

    Returns:
    - grid: Array of shape (G * (H + 1) - 1, G * (W + 1) - 1, C) with G = ceil(sqrt(N)), values in [0, 1];
      the one-pixel lines between the images take the smallest value of Xs (0 after rescaling)
    """
    Xs = np.asarray(Xs, dtype=float)
    size = ceil(sqrt(len(Xs)))
    return _rescale(_tile(Xs, size, size, 1, Xs.min()), 1.0)


def vis_nn(rows):
    """Arranges images given row by row in a grid with one-pixel gaps, then rescales it to [0, 1].

    Inputs:
    - rows: List of R lists of D images each, every image of shape (H, W, C)

    Returns:
    - grid: Array of shape (R * (H + 1) - 1, D * (W + 1) - 1, C), values in [0, 1]; the one-pixel lines
      between the images take the smallest value of the images (0 after rescaling)
    """
    images = np.asarray([image for row in rows for image in row], dtype=float)
    return _rescale(_tile(images, len(rows), len(rows[0]), 1, images.min()), 1.0)
