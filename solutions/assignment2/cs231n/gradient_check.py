"""Numerical gradients by centered differences, used to check analytic backward passes.

All functions perturb the given array x in place, one element at a time, and restore it afterwards.
"""

import numpy as np


def rel_error(x, y):
    """Returns the maximum relative error between two arrays.

    Inputs:
    - x, y: Arrays (or scalars) of the same shape

    Returns:
    - error: max(|x - y| / max(1e-8, |x| + |y|)) over all elements, a float
    """
    return float(np.max(np.abs(x - y) / np.maximum(1e-8, np.abs(x) + np.abs(y))))


def _centered_pair(f, x, ix, h):
    """Evaluates f at x with x[ix] moved by +h and by -h, then restores x[ix].

    Inputs:
    - f: Function of one array argument
    - x: Array, perturbed in place
    - ix: Index of the element to perturb
    - h: Step size

    Returns a tuple of:
    - plus: Copy of f(x) with x[ix] + h
    - minus: Copy of f(x) with x[ix] - h
    """
    old = x[ix]
    x[ix] = old + h
    plus = np.copy(f(x))
    x[ix] = old - h
    minus = np.copy(f(x))
    x[ix] = old
    return plus, minus


def eval_numerical_gradient(f, x, verbose=True, h=1e-5):
    """Computes the numerical gradient of a scalar function.

    Inputs:
    - f: Function of one argument (an array shaped like x) returning a scalar
    - x: Array at which to evaluate the gradient, of any shape
    - verbose: If True, print every index and its gradient
    - h: Step size of the centered differences

    Returns:
    - grad: Array of the same shape as x, the gradient of f at x
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        plus, minus = _centered_pair(f, x, ix, h)
        grad[ix] = (plus - minus) / (2 * h)
        if verbose:
            print(ix, grad[ix])
    return grad


def eval_numerical_gradient_array(f, x, df, h=1e-5):
    """Computes the numerical gradient of sum(f(x) * df) for an array-valued function.

    Inputs:
    - f: Function of one argument (an array shaped like x) returning an array shaped like df
    - x: Array at which to evaluate the gradient, of any shape
    - df: Upstream derivative of the function's output
    - h: Step size of the centered differences

    Returns:
    - grad: Array of the same shape as x
    """
    grad = np.zeros_like(x)
    for ix in np.ndindex(x.shape):
        plus, minus = _centered_pair(f, x, ix, h)
        grad[ix] = np.sum((plus - minus) * df) / (2 * h)
    return grad


def eval_numerical_gradient_blobs(f, inputs, output, h=1e-5):
    """Computes numerical gradients for a function that reads input blobs and writes an output blob.

    A blob is an object with attributes vals (array of values) and diffs (array of derivatives).

    Inputs:
    - f: Function called as f(*inputs) that writes its result into output.vals
    - inputs: Sequence of input blobs
    - output: Output blob; output.diffs holds the upstream derivative
    - h: Step size of the centered differences

    Returns:
    - grads: List with, for every input blob, an array shaped like its vals
    """

    def run(_):
        f(*inputs)
        return output.vals

    return [eval_numerical_gradient_array(run, blob.vals, output.diffs, h=h) for blob in inputs]


def eval_numerical_gradient_net(net, inputs, output, h=1e-5):
    """Same as eval_numerical_gradient_blobs for an object whose forward() method computes the output.

    Inputs:
    - net: Object with a forward() method that reads the input blobs and writes output.vals
    - inputs, output, h: As in eval_numerical_gradient_blobs

    Returns:
    - grads: List with, for every input blob, an array shaped like its vals
    """
    return eval_numerical_gradient_blobs(lambda *_: net.forward(), inputs, output, h=h)


def grad_check_sparse(f, x, analytic_grad, num_checks=10, h=1e-5):
    """Compares the analytic gradient with the numerical one at a few random elements, printing both.

    Inputs:
    - f: Function of one argument (an array shaped like x) returning a scalar
    - x: Array at which to check the gradient
    - analytic_grad: Array of the same shape as x, the gradient to check
    - num_checks: Number of random elements to check
    - h: Step size of the centered differences

    Returns:
    - errors: Array of shape (num_checks,) with the relative error at each checked element
    """
    errors = np.empty(num_checks)
    for k in range(num_checks):
        ix = tuple(np.random.randint(n) for n in x.shape)
        plus, minus = _centered_pair(f, x, ix, h)
        numerical = float((plus - minus) / (2 * h))
        analytic = float(analytic_grad[ix])
        errors[k] = rel_error(numerical, analytic)
        print(f"numerical: {numerical:f} analytic: {analytic:f}, relative error: {errors[k]:e}")
    return errors
