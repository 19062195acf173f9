"""First-order update rules for training neural networks.

Every update rule has the same interface:

    def update(w, dw, config=None):
        ...
        return next_w, config

Inputs:
  - w: A numpy array giving the current weights.
  - dw: A numpy array of the same shape as w giving the gradient of the loss with respect to w.
  - config: A dictionary of hyperparameters (learning rate, decay rates, ...) and of the state the rule
    keeps between calls (velocity, moving averages, ...). Missing entries get default values, so config
    may be omitted on the first call.

Returns:
  - next_w: The weights after the update, a new array (w itself is left unchanged).
  - config: The config dictionary, holding the updated state, to be passed to the next call.

The Solver keeps one config per parameter, so the state of the rule (the velocity of momentum, the
moving averages of Adam) belongs to that parameter alone.
"""

import numpy as np


def _configure(config, **defaults):
    """Returns config (a new dictionary when None) with a value for every key of defaults.

    Inputs:
    - config: A dictionary, or None
    - defaults: Default value of each key, set only where config has no value

    Returns:
    - config: The completed dictionary (the same object when one was given)
    """
    if config is None:
        config = {}
    for key, value in defaults.items():
        config.setdefault(key, value)
    return config


def sgd(w, dw, config=None):
    """Performs vanilla stochastic gradient descent.

    config format:
    - learning_rate: Scalar learning rate (default 1e-2).
    """
    config = _configure(config, learning_rate=1e-2)
    next_w = w - config["learning_rate"] * dw
    return next_w, config


def sgd_momentum(w, dw, config=None):
    """Performs stochastic gradient descent with momentum.

    config format:
    - learning_rate: Scalar learning rate (default 1e-2).
    - momentum: Scalar between 0 and 1 giving the momentum value; momentum = 0 reduces to sgd
      (default 0.9).
    - velocity: A numpy array of the same shape as w and dw used to store a moving average of the
      gradients (default zeros).
    """
    config = _configure(config, learning_rate=1e-2, momentum=0.9, velocity=np.zeros_like(w))
    next_w = None
    ###########################################################################
    # TODO: Implement the momentum update: the velocity decays by the        #
    # momentum factor and moves against the gradient by learning_rate * dw,  #
    # then the weights move by the velocity. Store the updated weights in    #
    # next_w and the updated velocity in config["velocity"].                 #
    ###########################################################################
    v = config["momentum"] * config["velocity"] - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config


def rmsprop(w, dw, config=None):
    """Uses the RMSProp update rule, which uses a moving average of squared gradient values to set
    adaptive per-parameter learning rates.

    config format:
    - learning_rate: Scalar learning rate (default 1e-2).
    - decay_rate: Scalar between 0 and 1 giving the decay rate for the squared gradient cache
      (default 0.99).
    - epsilon: Small scalar used for smoothing to avoid dividing by zero (default 1e-8).
    - cache: Moving average of second moments of gradients, same shape as w (default zeros).
    """
    config = _configure(config, learning_rate=1e-2, decay_rate=0.99, epsilon=1e-8, cache=np.zeros_like(w))
    next_w = None
    ###########################################################################
    # TODO: Implement the RMSprop update: refresh the moving average of the  #
    # squared gradient in config["cache"], then step by learning_rate * dw   #
    # divided by (the square root of that average + epsilon). Store the      #
    # updated weights in next_w.                                             #
    ###########################################################################
    decay = config["decay_rate"]
    cache = decay * config["cache"] + (1 - decay) * dw**2
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config


def adam(w, dw, config=None):
    """Uses the Adam update rule, which incorporates moving averages of both the gradient and its
    square and a bias correction term.

    config format:
    - learning_rate: Scalar learning rate (default 1e-3).
    - beta1: Decay rate for moving average of first moment of gradient (default 0.9).
    - beta2: Decay rate for moving average of second moment of gradient (default 0.999).
    - epsilon: Small scalar used for smoothing to avoid dividing by zero (default 1e-8).
    - m: Moving average of gradient, same shape as w (default zeros).
    - v: Moving average of squared gradient, same shape as w (default zeros).
    - t: Iteration number (default 0).
    """
    config = _configure(
        config,
        learning_rate=1e-3,
        beta1=0.9,
        beta2=0.999,
        epsilon=1e-8,
        m=np.zeros_like(w),
        v=np.zeros_like(w),
        t=0,
    )
    next_w = None
    ###########################################################################
    # TODO: Implement the Adam update. Increment the iteration count t       #
    # first, update the moving averages m and v, correct their bias with     #
    # the new t, then step. Store the updated weights in next_w and the new  #
    # m, v and t in config.                                                  #
    ###########################################################################
    beta1, beta2 = config["beta1"], config["beta2"]
    t = config["t"] + 1
    m = beta1 * config["m"] + (1 - beta1) * dw
    v = beta2 * config["v"] + (1 - beta2) * dw**2
    m_hat = m / (1 - beta1**t)
    v_hat = v / (1 - beta2**t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config.update(m=m, v=v, t=t)
    return next_w, config
