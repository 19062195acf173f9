"""What the PyTorch tests (pytorch_*.py) share: the runner-side helpers, the reference, comparisons and checks.

The student's functions and modules run in the runner through torch_probe.py (loaded there as cs231n.grader_torch):
the judge sends float32 arrays and gets float64 arrays back. The reference (the project's cs231n/pytorch_models.py)
runs in the judge through the same helpers, in float64, on the same float32 values; torch is imported in the judge
only when a PyTorch test runs, with one thread.

Thresholds: correct float32 code matches the float64 reference to a relative error (of the whole array, in norm)
of about 1e-7 for these sizes; REL_TOL = 1e-4 leaves room for any order of summation, and every bug the tests look
for (a transposed weight, a missing ReLU or bias, wrong padding) is off by more than 1e-1.
"""

from __future__ import annotations

import importlib
from pathlib import Path
from types import ModuleType
from typing import Any

import numpy as np

from autograder.framework import CallFailed, Fail, TestContext
from autograder.runner.wire import Handle

PROBE_SOURCE = (Path(__file__).parent / "torch_probe.py").read_text()
PROBE = "grader_torch"
MODULE = "pytorch_models"
SOURCE_FILE = "cs231n/pytorch_models.py"
REL_TOL = 1e-4
LOAD_TIMEOUT = 60.0  # importing torch in the runner takes about 1 s here; more on a loaded machine or a cold cache
KAIMING_STD_TOL = 0.12  # relative; the tests draw >= 1,000 weights per tensor: 5 standard errors of a sample std
KAIMING_MEAN_TOL = 0.15  # in units of the expected std: >= 4.7 standard errors of a sample mean


def start(t: TestContext) -> None:
    """Loads torch and the runner-side helpers into the student's runner (again after a restart)."""
    try:
        t.load_source(PROBE, PROBE_SOURCE, what="PyTorch", timeout=LOAD_TIMEOUT)
    except CallFailed as exc:
        if exc.error.type_name == "ModuleNotFoundError" and "torch" in exc.error.message:
            raise RuntimeError(f"PyTorch is missing from the grader's Python: {exc.error.message}") from None
        raise Fail(f"PyTorch could not be loaded with your cs231n package: {exc.error.describe()}") from None


def student(t: TestContext, name: str) -> Handle:
    """A handle to the student's cs231n/pytorch_models.py's NAME (a function or a class)."""
    found = t.get(f"{MODULE}.{name}", what=f"{SOURCE_FILE}'s {name}")
    if not isinstance(found, Handle):
        raise Fail(f"{SOURCE_FILE}'s {name} should be a function or a class, not {type(found).__name__}")
    return found


def probe(t: TestContext, function: str, *args: Any, what: str, timeout: float | None = None) -> Any:
    """Runs torch_probe.FUNCTION(*ARGS) in the runner; WHAT names the student's code in failures."""
    return t.call(f"{PROBE}.{function}", *args, what=what, timeout=timeout)


def reference() -> ModuleType:
    """The reference cs231n/pytorch_models.py, imported in the judge (torch with one thread)."""
    import torch

    torch.set_num_threads(1)
    from autograder.reference import ROOT  # noqa: F401 - puts the reference package first on sys.path

    return importlib.import_module(f"cs231n.{MODULE}")


def local_probe() -> ModuleType:
    """torch_probe.py imported in the judge, to run the reference the way the runner runs the student's code."""
    return importlib.import_module("autograder.hidden.torch_probe")


def float32(rng: np.random.Generator, shape: tuple[int, ...], scale: float = 1.0) -> np.ndarray:
    """Standard normal values times SCALE, as float32 (the dtype of the notebook's tensors)."""
    return (scale * rng.standard_normal(shape)).astype(np.float32)


def weights(rng: np.random.Generator, shape: tuple[int, ...], fan_in: int) -> np.ndarray:
    """Weights of standard deviation 1 / sqrt(fan_in), so that every layer's outputs are of order one."""
    return float32(rng, shape, 1 / np.sqrt(fan_in))


def float64(value: Any) -> Any:
    """Arrays (at any depth of lists and dicts) as float64."""
    if isinstance(value, dict):
        return {k: float64(v) for k, v in value.items()}
    return [float64(v) for v in value] if isinstance(value, list) else np.asarray(value, dtype=np.float64)


def compare(what: str, got: Any, expected: np.ndarray, tol: float = REL_TOL) -> None:
    """Fail unless GOT (the student's array) has EXPECTED's shape and is within relative error TOL of it."""
    if got is None:
        raise Fail(f"{what}: no gradient arrived there (backward() did not reach it: is it used in the computation?)")
    got = np.asarray(got)
    if got.shape != expected.shape:
        raise Fail(f"{what} has shape {got.shape}, expected {expected.shape}")
    if not np.all(np.isfinite(got)):
        raise Fail(f"{what} holds NaN or infinite values")
    error = float(np.linalg.norm(got - expected) / max(float(np.linalg.norm(expected)), 1e-30))
    if error > tol:
        raise Fail(f"{what} differs from the correct values: relative error {error:.1e} (correct code is below "
                   f"{tol:g})")


def check_kaiming(what: str, values: np.ndarray, fan_in: int) -> None:
    """Fail unless VALUES look drawn with mean 0 and standard deviation sqrt(2 / fan_in) (Kaiming initialization
    for a ReLU network; normal or uniform alike: only the two moments are checked)."""
    expected = np.sqrt(2.0 / fan_in)
    if not np.all(np.isfinite(values)):
        raise Fail(f"{what}: the values contain NaN or inf")
    mean, std = float(np.mean(values)), float(np.std(values))
    if abs(std / expected - 1) > KAIMING_STD_TOL or abs(mean) > KAIMING_MEAN_TOL * expected:
        raise Fail(f"{what}: {values.size} values of mean {mean:.4f} and standard deviation {std:.4f}; Kaiming "
                   f"initialization gives mean 0 and standard deviation sqrt(2 / fan_in) = {expected:.4f} "
                   f"(fan_in = {fan_in})")


def by_shape(what: str, got: list[list[Any]], expected: dict[str, tuple[int, ...]]) -> dict[str, str]:
    """Matches the student's parameters GOT ([[name, shape], ...] in registration order) with the reference's
    EXPECTED ({reference name: shape}, all shapes distinct) by their shapes, whatever the student named them:
    {student name: reference name}; Fail naming both lists when they differ."""
    shapes = {tuple(shape): name for name, shape, *_ in got}
    mine = sorted(tuple(shape) for _, shape, *_ in got)
    if mine != sorted(expected.values()):
        listed = ", ".join(f"{name} {tuple(shape)}" for name, shape, *_ in got) or "none"
        raise Fail(f"{what} has the parameters {listed}; expected parameters of the shapes "
                   f"{', '.join(str(s) for s in expected.values())}")
    return {shapes[shape]: name for name, shape in expected.items()}
