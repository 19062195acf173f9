"""Hidden tests of the update rules of cs231n/optim.py: sgd_momentum, rmsprop and adam.

Each rule is called the way the Solver calls it: several steps in a row, every call getting back the config the
previous call returned, and compared step by step with the reference given the same w and dw (the weights follow
the reference's trajectory, so one wrong step does not hide or compound the next). Parts: two steps from
config=None (every default), two steps from a config holding only learning_rate (what the Solver passes), and three
steps from other settings and a non-zero state on weights of three shapes (1-D like a bias, 2-D, 4-D like conv
filters). After every step the state must sit under the official keys (config['velocity']; config['cache'];
config['m'], config['v'] and config['t'], with t incremented before the bias correction uses it).

adam is graded from the t its starter code starts at: 0 since 2018, 1 in the 2016-17 starter
(`config.setdefault('t', 1)`, read from the source by conventions.py), whose first step then uses t = 2.

A rule that updates w (or dw) in place is noted, not penalized: the Solver replaces each parameter by the returned
array, so it is harmless there, and the course's own sgd updates w in place.

Thresholds. The update next_w - w is compared with the reference's within STEP_TOL = 1e-4 (relative, per entry);
comparing next_w itself would blow up where next_w is near zero. Correct float64 code gives ~1e-16; the formula
variants students write and the notebook accepts stay below: epsilon inside the square root 2.5e-5 (bounded: every
gradient entry has magnitude >= 0.1, so the RMSProp cache from zero is >= 1e-4), the Adam paper's "efficient" form
with the bias correction folded into the step size 1.5e-6 (measured over 900 random cases). Real bugs are 500x
above: Adam without bias correction 0.48, t incremented after use NaN from t=0 and 5e-2 from t=2, RMSProp without
the decay 8e-2, momentum with the wrong sign 1.0. The state (velocity, cache, m, v, t) is computed the same way in
every variant: STATE_TOL = 1e-8 (correct code: ~1e-16)."""

from __future__ import annotations

from typing import Any

import numpy as np

from autograder import checks
from autograder.framework import Fail, TestContext, grader_test
from autograder.hidden import conventions
from autograder.reference import optim as ref

STEP_TOL = 1e-4
STATE_TOL = 1e-8
SHAPES = [(5,), (3, 7), (2, 3, 3, 3)]
STATE = {"sgd_momentum": ("velocity",), "rmsprop": ("cache",), "adam": ("m", "v", "t")}
SETTINGS = {  # hyperparameters other than the defaults, for the threaded runs
    "sgd_momentum": {"learning_rate": 3e-2, "momentum": 0.75},
    "rmsprop": {"learning_rate": 2e-2, "decay_rate": 0.9, "epsilon": 1e-8},
    "adam": {"learning_rate": 2e-2, "beta1": 0.8, "beta2": 0.99, "epsilon": 1e-8},
}


def _gradient(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    """Entries of magnitude in [0.1, 1) and random sign (no near-zero gradient where epsilon would matter)."""
    return rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.1, 1.0, size=shape)


def _start_state(rule: str, rng: np.random.Generator, shape: tuple[int, ...]) -> dict[str, Any]:
    """A non-zero state, as after some earlier steps."""
    positive = rng.uniform(0.05, 0.5, size=shape)
    return {
        "sgd_momentum": {"velocity": 0.1 * rng.standard_normal(shape)},
        "rmsprop": {"cache": positive},
        "adam": {"m": 0.3 * rng.standard_normal(shape), "v": positive, "t": 2},
    }[rule]


def _copy(config: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if config is None else {k: v.copy() if isinstance(v, np.ndarray) else v for k, v in config.items()}


class _Run:
    """Calls of one student's update rule beside the reference; remembers which inputs it changed in place."""

    def __init__(self, t: TestContext, rule: str, start: dict[str, Any] | None = None) -> None:
        self.t, self.rule = t, rule
        self.start = start or {}  # state the student's starter code gives a config that has none (adam's t)
        self.modified: set[str] = set()

    def steps(self, shape: tuple[int, ...], num: int, config: dict[str, Any] | None) -> None:
        """NUM steps on weights of SHAPE from CONFIG, threading each side's returned config into its next call."""
        rng = self.t.rng
        w = rng.standard_normal(shape)
        ref_config = {**self.start, **(_copy(config) or {})} if self.start else _copy(config)
        for step in range(1, num + 1):
            dw = _gradient(rng, shape)
            want_w, ref_config = getattr(ref, self.rule)(w.copy(), dw.copy(), ref_config)
            args = (w, dw) if config is None else (w, dw, config)
            answer = self.t.call(f"optim.{self.rule}", *args, after=True, what=self.rule)
            for name, before, now in zip(("w", "dw"), (w, dw), answer["args"][:2], strict=True):
                if not (isinstance(now, np.ndarray) and np.array_equal(now, before)):
                    self.modified.add(name)
            next_w, config = checks.unpack(answer["value"], 2, self.rule, "(next_w, config)")
            checks.array(next_w, f"{self.rule}: next_w at step {step}", w.shape, like="w")
            checks.close(f"{self.rule}: the update next_w - w at step {step}", next_w - w, want_w - w, STEP_TOL)
            self._check_state(config, ref_config, step)
            w = want_w

    def _check_state(self, config: Any, want: dict[str, Any], step: int) -> None:
        if not isinstance(config, dict):
            raise Fail(f"{self.rule} should return (next_w, config) with config a dict, but config is "
                       f"{checks.describe(config)}")
        for key in STATE[self.rule]:
            if key not in config:
                raise Fail(f"{self.rule}: the returned config has no '{key}'; the rule must keep its state there "
                           "(the Solver passes that config back on the next call)")
            try:
                got = np.asarray(config[key], dtype=np.float64)
            except (TypeError, ValueError):
                raise Fail(f"{self.rule}: config['{key}'] is {checks.describe(config[key])}, not a number or "
                           "an array") from None
            checks.close(f"{self.rule}: config['{key}'] after step {step}", got, np.asarray(want[key], float),
                         STATE_TOL)


def _grade(t: TestContext, rule: str) -> None:
    start = {}
    if rule == "adam" and (first := conventions.adam_first_t(t)) != 0:
        start = {"t": first}
        t.note(f"your adam starts from config.setdefault('t', {first}) (the 2016-17 starter code has t = 1): it "
               "is graded from that start, as the starter code of your year defines it")
    run = _Run(t, rule, start)
    with t.part("2 steps from config=None (every default setting)"):
        run.steps((4, 6), 2, None)
    with t.part("2 steps from a config holding only learning_rate (as the Solver passes it)"):
        run.steps((4, 6), 2, {"learning_rate": 5e-3})
    for shape in SHAPES:
        with t.part(f"3 steps threading the returned config, other settings and a non-zero state, w of shape "
                    f"{shape}"):
            run.steps(shape, 3, {**SETTINGS[rule], **_start_state(rule, t.rng, shape)})
    if run.modified:
        t.note(f"{rule} changes its input(s) {' and '.join(sorted(run.modified))} in place. Not penalized (the "
               "Solver replaces each parameter by the array returned), but returning a new array is safer.")


@grader_test("optim.sgd_momentum")
def sgd_momentum(t: TestContext) -> None:
    """sgd_momentum over several steps: defaults, config['velocity'], other settings and shapes."""
    _grade(t, "sgd_momentum")


@grader_test("optim.rmsprop")
def rmsprop(t: TestContext) -> None:
    """rmsprop over several steps: defaults, config['cache'], other settings and shapes."""
    _grade(t, "rmsprop")


@grader_test("optim.adam")
def adam(t: TestContext) -> None:
    """adam over several steps: defaults, config['m'], ['v'], ['t'] (t incremented before use), bias correction."""
    _grade(t, "adam")
