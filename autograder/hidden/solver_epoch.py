"""Runner-side source, loaded with the course's Solver (as text, after it, into the module `grader_solver`): one
epoch of Solver.train(), so that the judge can measure the model between epochs.

It does what train() does in an epoch (the minibatch steps, then the learning-rate decay) except the Solver's own
accuracy checks and its final swap to the best parameters: the judge measures the accuracy itself, and training
goes on from the current parameters, as it would inside one train() call."""


def training_solver(model, arrays, **kwargs):
    """A Solver (the course's, defined above in this module) training MODEL on arrays['X_train'], arrays['y_train'].

    The Solver requires a validation set; the grader's epochs never use it (the judge measures the accuracy itself,
    on images the runner never sees), so it gets the first training images, arrays['X_small'] and ['y_small'].

    Inputs: model; arrays, a dict of the grading data's runner part; kwargs, the Solver's options.
    Returns: the Solver."""
    data = {"X_train": arrays["X_train"], "y_train": arrays["y_train"], "X_val": arrays["X_small"],
            "y_val": arrays["y_small"]}
    return Solver(model, data, **kwargs)  # noqa: F821 - defined by the course's solver.py, loaded before this


def train_epoch(solver, steps_done=0):
    """One epoch of SOLVER (a course Solver): max(N // batch_size, 1) steps, of which STEPS_DONE were already taken
    (by solver._step()), then every learning rate x lr_decay.

    Inputs: solver, a Solver; steps_done, an int. Returns: None."""
    for _ in range(max(solver.X_train.shape[0] // solver.batch_size, 1) - steps_done):
        solver._step()
    solver.epoch += 1
    for config in solver.optim_configs.values():
        config["learning_rate"] *= solver.lr_decay
