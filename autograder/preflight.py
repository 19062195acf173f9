"""Before grading anything: start one runner exactly as grading will (sandbox, user, limits, data) on a module
known to be good. If that fails, the fault is the machine's or the grader's, and every submission would be scored
for it: `autograder grade` stops with the cause instead and writes no results."""

from __future__ import annotations

import importlib.util
import shutil
import sys

import numpy as np

from autograder.grade import GradeOptions
from autograder.sandbox import SandboxUnavailable
from autograder.session import CallError, RunnerSession

KNOWN_GOOD = '''import numpy as np


def double(x):
    return np.asarray(x) * 2


def shapes(arrays):
    return {name: list(array.shape) for name, array in arrays.items()}


def torch_version():
    import torch

    return torch.__version__
'''
TIMEOUT = 60.0
TORCH_TESTS = "pytorch."  # the PyTorch tests' prefix: they need torch in the runner's and the grader's Python


class PreflightFailed(RuntimeError):
    """The runner does not work on this machine."""


def check(options: GradeOptions) -> None:
    """Raise PreflightFailed, naming the cause, unless a runner started with OPTIONS answers correctly (and maps the
    grading data, when there is some)."""
    root = options.scratch / ".preflight"
    (root / "cs231n").mkdir(parents=True)
    (root / "cs231n" / "__init__.py").write_text("")
    (root / "cs231n" / "preflight.py").write_text(KNOWN_GOOD)
    try:
        with RunnerSession(root, sandboxed=options.sandboxed, limits=options.limits, data=options.runner_data,
                           call_timeout=TIMEOUT) as session:
            value = session.call("preflight.double", np.arange(3.0))
            if not np.array_equal(value, [0.0, 2.0, 4.0]):
                raise PreflightFailed(f"a runner computed {value!r} for 2 * [0, 1, 2]")
            if session.data_path is not None:
                found = session.call("preflight.shapes", session.load_arrays(session.data_path, timeout=TIMEOUT))
                if not found:
                    raise PreflightFailed(f"the runner finds no grading data (.npy files) in {options.runner_data}")
            if any(name.startswith(TORCH_TESTS) for name in options.tests):
                _check_torch(session)
    except SandboxUnavailable as exc:
        raise PreflightFailed(str(exc)) from None
    except CallError as exc:
        printed = exc.output.strip()
        raise PreflightFailed(exc.describe() + (f"\nthe runner printed:\n{printed[-2000:]}" if printed and
                                                printed not in exc.describe() else "")) from None
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _check_torch(session: RunnerSession) -> None:
    """PreflightFailed unless torch imports in the grader's Python and in the runner's."""
    if importlib.util.find_spec("torch") is None:
        raise PreflightFailed(f"the {TORCH_TESTS}* tests need PyTorch, which the grader's Python ({sys.executable}) "
                              "lacks: install requirements.txt (bin/setup), or leave those tests out (--tests)")
    try:
        session.call("preflight.torch_version")
    except CallError as exc:
        if exc.type_name != "ModuleNotFoundError":
            raise
        raise PreflightFailed(f"the {TORCH_TESTS}* tests need PyTorch, which the runner's Python lacks "
                              f"({exc.message}): install it there, or leave those tests out (--tests)") from None
